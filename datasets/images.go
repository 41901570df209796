package datasets

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"scorenet/internal/memlimit"
	"scorenet/internal/safefile"
	"scorenet/points"
	"strconv"
	"strings"
)

// Image is the shape of the images of a data set: height, width and
// channels (1 for grayscale, 3 for RGB). An image of this shape is
// Size() values, row-major: row by row, each row pixel by pixel, each pixel
// channel by channel, as in a NumPy array of shape (H, W, C).
type Image struct{ H, W, C int }

// Size is the number of values of one image, H*W*C.
func (s Image) Size() int { return s.H * s.W * s.C }

// String writes the shape as height x width x channels, e.g. "28x28x1".
func (s Image) String() string { return fmt.Sprintf("%dx%dx%d", s.H, s.W, s.C) }

// Describe says what the images are, height x width then the colours:
// "28x28 grayscale", "32x32 RGB", or "32x32, 4 channels".
func (s Image) Describe() string {
	switch s.C {
	case 1:
		return fmt.Sprintf("%dx%d grayscale", s.H, s.W)
	case 3:
		return fmt.Sprintf("%dx%d RGB", s.H, s.W)
	}
	return fmt.Sprintf("%dx%d, %d channels", s.H, s.W, s.C)
}

// colours names the channels of an image: "grayscale", "RGB".
func colours(c int) string {
	switch c {
	case 1:
		return "grayscale"
	case 3:
		return "RGB"
	}
	return fmt.Sprintf("%d channels", c)
}

// LoadPNGDir reads the PNG images of a folder as one data set: every file
// directly in dir whose name ends in .png (in any case), sorted by name;
// other files and subfolders are ignored, and a folder without PNG files is
// an error. It returns the images as points, one image per point in
// row-major (H, W, C) order, their shape, and the files' base names in the
// order of the points.
//
// The first image decides the channels: C = 1 if it is a grayscale PNG
// (8 or 16 bits, without alpha), else C = 3, RGB. An alpha channel is
// dropped, the colour channels kept as stored (not composited onto a
// background); palette and gray-with-alpha images count as RGB. Every later
// image must have the first one's height, width and channels.
//
// Values are 0..255 as float64: 8-bit values as they are, 16-bit values
// divided by 257. Scaling and dequantisation are left to the caller.
//
// Every file's header is read first and checked before the images are
// decoded or anything is allocated for them: the total n*H*W*C against
// MaxValues, an image's H*W*C against MaxColumns, each file's size against what its header claims (a compressed
// byte inflates to at most 1032), and the memory for the points and the
// decoder against the process's budget (internal/memlimit).
func LoadPNGDir(dir string) (points.Points, Image, []string, error) {
	names, err := pngNames(dir)
	if err != nil {
		return points.Points{}, Image{}, nil, err
	}
	if len(names) == 0 {
		return points.Points{}, Image{}, nil, fmt.Errorf("datasets: %s: no .png files in the folder", dir)
	}
	p, s, err := readPNGs(dir, names, 0)
	if err != nil {
		return points.Points{}, Image{}, nil, err
	}
	return p, s, names, nil
}

// maxClasses is MaxClasses, lowered by tests: a folder of 65537
// sub-folders is slow to make.
var maxClasses = MaxClasses

// LoadPNGFolders reads a folder of class folders as one labelled data set
// (data.labels: folders): every sub-folder of dir, in name order, is a
// class, class k the k-th, and its images are the PNG files directly in
// it, as LoadPNGDir reads a folder. It returns the images as points, class
// 0's first, then class 1's, and so on, each folder's in name order; their
// shape, the same for all; each point's class; and the classes' names, the
// sub-folders' names.
//
// Folders named 0, 1, 2, ... are classes 0, 1, 2, ... (numbered as their
// names say, with no names); others are named classes in name order.
//
// Links are followed, to sub-folders as to files. Hidden sub-folders
// (.git, .ipynb_checkpoints) are not classes and are skipped. Files other than PNG
// files directly in dir are ignored, but PNG files there are refused: an
// image outside every class is a mistake in the folder's layout. So is a
// dangling link, which could be a class folder gone: skipping it would
// renumber the classes after it. A class folder without PNG files, or more
// than MaxClasses of them, is an error too.
//
// The images are read as LoadPNGDir reads them, with the same checks; the
// headers of every class's files are checked together, the memory for all
// the points and labels included, before any image is decoded.
func LoadPNGFolders(dir string) (points.Points, Image, Labels, []string, error) {
	fail := func(err error) (points.Points, Image, Labels, []string, error) {
		return points.Points{}, Image{}, Labels{}, nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fail(fmt.Errorf("datasets: %w", err))
	}
	var classes []string
	loose := ""
	for _, e := range entries {
		if !e.IsDir() && e.Type()&fs.ModeSymlink == 0 && !isPNG(e.Name()) {
			continue
		}
		if strings.HasPrefix(e.Name(), ".") && e.IsDir() {
			continue // .git, .ipynb_checkpoints: a tool's, never a class
		}
		info, err := os.Stat(filepath.Join(dir, e.Name())) // following a link
		if err != nil {
			return fail(fmt.Errorf("datasets: %w", err))
		}
		switch {
		case info.IsDir():
			classes = append(classes, e.Name())
		case loose == "" && info.Mode().IsRegular() && isPNG(e.Name()):
			loose = e.Name()
		}
	}
	// No sub-folders first: a flat folder of PNG files is a folder given
	// data.labels: folders by mistake, not a layout with a stray image.
	if len(classes) == 0 {
		return fail(fmt.Errorf("datasets: %s: no sub-folders: with data.labels: folders each class is a sub-folder of PNG files", dir))
	}
	if loose != "" {
		return fail(fmt.Errorf("datasets: %s: PNG files beside the class folders: with data.labels: folders every image belongs in a class's sub-folder", filepath.Join(dir, loose)))
	}
	if len(classes) > maxClasses {
		return fail(fmt.Errorf("datasets: %s: %d sub-folders, more classes than the %d a model can have (MaxClasses): with data.labels: folders each sub-folder is a class", dir, len(classes), maxClasses))
	}
	var files []string
	counts := make([]int, len(classes))
	for k, class := range classes {
		names, err := pngNames(filepath.Join(dir, class))
		if err != nil {
			return fail(err)
		}
		if len(names) == 0 {
			return fail(fmt.Errorf("datasets: %s: no .png files in the class folder: with data.labels: folders every class needs at least one image", filepath.Join(dir, class)))
		}
		for _, name := range names {
			files = append(files, filepath.Join(class, name))
		}
		counts[k] = len(names)
	}
	p, s, err := readPNGs(dir, files, 4) // an int32 label an image
	if err != nil {
		return fail(err)
	}
	// Folders named by numbers (0 ... 9, as MNIST's are often unpacked)
	// are those classes, not names sorted as text ("10" before "2").
	numbers := folderNumbers(classes)
	l := Labels{Of: make([]int32, 0, p.N), K: len(classes)}
	for k, n := range counts {
		y := int32(k)
		if numbers != nil {
			y = numbers[k]
			l.K = max(l.K, int(y)+1)
		}
		for range n {
			l.Of = append(l.Of, y)
		}
	}
	if numbers != nil {
		return p, s, l, nil, nil
	}
	return p, s, l, classes, nil
}

// folderNumbers are the class folders' names as class numbers, when every
// one is an integer from 0 below MaxClasses (nil otherwise).
func folderNumbers(classes []string) []int32 {
	out := make([]int32, len(classes))
	for k, c := range classes {
		y, err := strconv.Atoi(c)
		if err != nil || y < 0 || y >= maxClasses {
			return nil
		}
		out[k] = int32(y)
	}
	return out
}

// isPNG is whether a file's name ends in .png, in any case.
func isPNG(name string) bool { return strings.EqualFold(filepath.Ext(name), ".png") }

// pngNames lists the regular files directly in dir whose names end in
// .png, hidden ones aside, following links, in name order.
func pngNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !isPNG(e.Name()) || strings.HasPrefix(e.Name(), ".") { // ._a.png: macOS's metadata, not an image
			continue
		}
		info, err := os.Stat(filepath.Join(dir, e.Name())) // following a link
		if err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		if info.Mode().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// readPNGs reads the PNG files of dir at the paths files (relative to dir,
// at least one) as points, one image a point, in the order of files, with
// the checks LoadPNGDir describes. extra is what the caller will allocate
// an image besides, in bytes, budgeted with the points: every folder a
// caller reads must be budgeted in one call, before any image is decoded.
// Errors name a file by its path, dir joined on, and the first image by
// its path in dir.
func readPNGs(dir string, files []string, extra float64) (points.Points, Image, error) {
	// The headers: one shape for all.
	var s Image
	configs := make([]image.Config, len(files))
	sizes := make([]int64, len(files))
	for i, name := range files {
		path := filepath.Join(dir, name)
		cfg, size, err := pngConfig(path)
		if err != nil {
			return points.Points{}, Image{}, err
		}
		configs[i], sizes[i] = cfg, size
		c := 3
		if cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model {
			c = 1
		}
		if i == 0 {
			s = Image{H: cfg.Height, W: cfg.Width, C: c}
			continue
		}
		if cfg.Height != s.H || cfg.Width != s.W {
			return points.Points{}, Image{}, fmt.Errorf("datasets: %s is %dx%d, the first image (%s) is %dx%d", path, cfg.Height, cfg.Width, files[0], s.H, s.W)
		}
		if c != s.C {
			return points.Points{}, Image{}, fmt.Errorf("datasets: %s is %s, the first image (%s) is %s", path, colours(c), files[0], colours(s.C))
		}
	}
	hw, ok1 := mulInt(s.H, s.W)
	size, ok2 := mulInt(hw, s.C)
	values, ok3 := mulInt(len(files), size)
	if !ok1 || !ok2 || !ok3 {
		return points.Points{}, Image{}, fmt.Errorf("datasets: %s: %d %s of %v, more values than a 64-bit count holds; the limit is %d values (MaxValues)", dir, len(files), plural(len(files), "image"), s, maxValues)
	}
	if values > maxValues {
		return points.Points{}, Image{}, fmt.Errorf("datasets: %s: %d %s of %v, %d values, over the limit of %d values (MaxValues, 8 GiB as float64)", dir, len(files), plural(len(files), "image"), s, values, maxValues)
	}
	if s.Size() > MaxColumns {
		return points.Points{}, Image{}, fmt.Errorf("datasets: %s: header claims %dx%d %s pixels, %d values an image, over the limit of %d (MaxColumns, the most values a point may have)", filepath.Join(dir, files[0]), s.H, s.W, colours(s.C), s.Size(), MaxColumns)
	}
	// Each file must be able to hold what its header claims, and the
	// points and the decoder's image must fit the memory budget.
	decoded := 0.0
	for i, cfg := range configs {
		path := filepath.Join(dir, files[i])
		if err := checkPNGSize(path, cfg, sizes[i], s.C); err != nil {
			return points.Points{}, Image{}, err
		}
		decoded = max(decoded, pngDecodedBytes(cfg))
	}
	what := fmt.Sprintf("datasets: %s: %d %s of %v (as %s's header claims); reading them", dir, len(files), plural(len(files), "image"), s, files[0])
	if len(files) == 1 {
		what = fmt.Sprintf("datasets: %s: header claims %dx%d %s pixels; reading them", filepath.Join(dir, files[0]), s.H, s.W, colours(s.C))
	}
	if err := checkMemory(8*float64(values)+extra*float64(len(files))+decoded, what); err != nil {
		return points.Points{}, Image{}, err
	}

	// The pixels, allocated once the first image has decoded: a file that
	// lies about its data is refused without them.
	var p points.Points
	for i, name := range files {
		path := filepath.Join(dir, name)
		img, err := decodePNG(path)
		if err != nil {
			return points.Points{}, Image{}, err
		}
		if b := img.Bounds(); b.Dy() != s.H || b.Dx() != s.W {
			return points.Points{}, Image{}, fmt.Errorf("datasets: %s is %dx%d, its header said %dx%d (the file changed as it was read?)", path, b.Dy(), b.Dx(), s.H, s.W)
		}
		if i == 0 {
			p = points.Points{N: len(files), D: s.Size(), X: make([]float64, values)}
		}
		pngValues(p.Row(i), img, s.C)
	}
	return p, s, nil
}

// pngConfig reads the header of a PNG file, and its size in bytes.
func pngConfig(path string) (image.Config, int64, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return image.Config{}, 0, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return image.Config{}, 0, fmt.Errorf("datasets: %w", err)
	}
	cfg, err := png.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return image.Config{}, 0, fmt.Errorf("datasets: %s: %v", path, err)
	}
	return cfg, st.Size(), nil
}

// pngBits is the fewest bits a pixel of a PNG takes in the file, by the
// colour model image/png's DecodeConfig reports for its colour type and
// bit depth: gray of 1 to 8 bits, 16-bit gray, 8- or 16-bit RGB, gray with
// alpha (NRGBA) of 8 or 16 bits and more, palettes of 1 to 8 bits.
func pngBits(m color.Model) float64 {
	switch m {
	case color.Gray16Model:
		return 16
	case color.RGBAModel:
		return 24
	case color.RGBA64Model:
		return 48
	case color.NRGBAModel:
		return 16
	case color.NRGBA64Model:
		return 32
	}
	return 1
}

// pngDecodedBytes bounds what image/png allocates to decode an image of
// cfg's header: its pixels in the image type of its colour model, twice
// for an interlaced image's passes (the largest is half the image).
func pngDecodedBytes(cfg image.Config) float64 {
	bytes := 8.0 // RGBA64, NRGBA64
	switch cfg.ColorModel {
	case color.GrayModel:
		bytes = 1
	case color.Gray16Model:
		bytes = 2
	case color.RGBAModel, color.NRGBAModel:
		bytes = 4
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		bytes = 1
	}
	return 2 * bytes * float64(cfg.Width) * float64(cfg.Height)
}

// checkPNGSize refuses a header that claims more pixels than a file of
// size bytes can hold: its compressed data inflate to at most deflateRatio
// bytes a byte, and the image takes at least pngBits a pixel.
func checkPNGSize(path string, cfg image.Config, size int64, c int) error {
	need := float64(cfg.Width) * float64(cfg.Height) * pngBits(cfg.ColorModel) / 8
	if need > float64(size)*deflateRatio {
		return fmt.Errorf("datasets: %s: header claims %dx%d %s pixels, at least %s of image data, more than a PNG file of %d bytes holds (a compressed byte inflates to at most %d)",
			path, cfg.Height, cfg.Width, colours(c), memlimit.Size(need), size, deflateRatio)
	}
	return nil
}

// decodePNG reads a PNG file.
func decodePNG(path string) (image.Image, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %v", path, err)
	}
	return img, nil
}

// pngValues writes the values of img, 0..255, row-major with c channels,
// into dst: the gray level if c is 1, else red, green and blue, alpha
// dropped. The image types the PNG decoder returns for 8-bit gray, 16-bit
// gray, RGB and RGB with alpha are read straight from their pixels, others
// pixel by pixel.
func pngValues(dst []float64, img image.Image, c int) {
	b := img.Bounds()
	k := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		switch m := img.(type) {
		case *image.Gray:
			for _, v := range m.Pix[m.PixOffset(b.Min.X, y):m.PixOffset(b.Max.X, y)] {
				dst[k] = float64(v)
				k++
			}
			continue
		case *image.Gray16:
			row := m.Pix[m.PixOffset(b.Min.X, y):m.PixOffset(b.Max.X, y)]
			for i := 0; i < len(row); i += 2 {
				dst[k] = float64(uint16(row[i])<<8|uint16(row[i+1])) / 257
				k++
			}
			continue
		case *image.NRGBA: // alpha dropped, not divided out
			row := m.Pix[m.PixOffset(b.Min.X, y):m.PixOffset(b.Max.X, y)]
			for i := 0; i < len(row); i += 4 {
				dst[k], dst[k+1], dst[k+2] = float64(row[i]), float64(row[i+1]), float64(row[i+2])
				k += 3
			}
			continue
		case *image.RGBA:
			row := m.Pix[m.PixOffset(b.Min.X, y):m.PixOffset(b.Max.X, y)]
			if opaque(row) {
				for i := 0; i < len(row); i += 4 {
					dst[k], dst[k+1], dst[k+2] = float64(row[i]), float64(row[i+1]), float64(row[i+2])
					k += 3
				}
				continue
			}
		}
		for x := b.Min.X; x < b.Max.X; x++ {
			if c == 1 {
				dst[k] = float64(color.Gray16Model.Convert(img.At(x, y)).(color.Gray16).Y) / 257
				k++
				continue
			}
			switch v := img.At(x, y).(type) {
			case color.NRGBA: // a palette entry with transparency, kept as stored
				dst[k], dst[k+1], dst[k+2] = float64(v.R), float64(v.G), float64(v.B)
			default:
				v64 := color.NRGBA64Model.Convert(v).(color.NRGBA64)
				dst[k], dst[k+1], dst[k+2] = float64(v64.R)/257, float64(v64.G)/257, float64(v64.B)/257
			}
			k += 3
		}
	}
}

// opaque is whether a row of RGBA pixels has alpha 255 throughout, so that
// its colours are not premultiplied.
func opaque(rgba []uint8) bool {
	for i := 3; i < len(rgba); i += 4 {
		if rgba[i] != 255 {
			return false
		}
	}
	return true
}

// gridGap is the gap between the images of a grid, in pixels.
const gridGap = 2

// WriteImageGrid writes images as one PNG, a grid of cols columns (fewer if
// there are fewer images) with a gap of 2 white pixels between them; the
// last row may be partly empty, white. imgs holds the images one after the
// other, each s.Size() values in row-major (H, W, C) order; s.C is 1
// (written as a grayscale PNG) or 3 (RGB).
//
// Values map linearly from [lo, hi] to 0..255, rounded; values outside
// [lo, hi], infinities included, are clipped to it, and NaN is written as 0
// (black).
func WriteImageGrid(path string, imgs []float64, s Image, cols int, lo, hi float64) error {
	if err := checkShape(path, s); err != nil {
		return err
	}
	switch {
	case len(imgs) == 0:
		return fmt.Errorf("datasets: %s: no images to write", path)
	case len(imgs)%s.Size() != 0:
		return fmt.Errorf("datasets: %s: %d values are not a whole number of %v images (%d values each)", path, len(imgs), s, s.Size())
	case cols < 1:
		return fmt.Errorf("datasets: %s: %d columns, want at least 1", path, cols)
	case !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsInf(hi-lo, 0):
		return fmt.Errorf("datasets: %s: range [%v, %v], want finite lo < hi", path, lo, hi)
	}
	n := len(imgs) / s.Size()
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	rect := image.Rect(0, 0, cols*s.W+(cols-1)*gridGap, rows*s.H+(rows-1)*gridGap)
	// The grid's pixels, row by row: 1 byte each (gray) or 4 (red, green,
	// blue and an alpha of 255), white to start with.
	var pix []uint8
	var stride int
	var img image.Image
	if s.C == 1 {
		m := image.NewGray(rect)
		img, pix, stride = m, m.Pix, m.Stride
	} else {
		m := image.NewRGBA(rect)
		img, pix, stride = m, m.Pix, m.Stride
	}
	for i := range pix {
		pix[i] = 255
	}
	scale := 255 / (hi - lo)
	for k := range n {
		x0, y0 := (k%cols)*(s.W+gridGap), (k/cols)*(s.H+gridGap)
		src := imgs[k*s.Size() : (k+1)*s.Size()]
		for y := range s.H {
			for x := range s.W {
				v := src[(y*s.W+x)*s.C:]
				if s.C == 1 {
					pix[(y0+y)*stride+x0+x] = toByte(v[0], lo, scale)
					continue
				}
				o := (y0+y)*stride + (x0+x)*4
				pix[o], pix[o+1], pix[o+2] = toByte(v[0], lo, scale), toByte(v[1], lo, scale), toByte(v[2], lo, scale)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("datasets: %s: %v", path, err)
	}
	// Atomically: a rename replaces a link at path instead of writing
	// through it into a checkpoint or a training image.
	if err := safefile.Write(path, buf.Bytes()); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	return nil
}

// toByte maps v from [lo, lo+255/scale] to 0..255, rounded and clipped; NaN
// is 0.
func toByte(v, lo, scale float64) uint8 {
	t := (v - lo) * scale
	switch {
	case !(t > 0): // also NaN
		return 0
	case t >= 255:
		return 255
	}
	return uint8(t + 0.5)
}

// WriteImage writes one image, s.Size() values in row-major (H, W, C)
// order, as a PNG, grayscale if s.C is 1 and RGB if 3. Values map from
// [lo, hi] to 0..255 as in WriteImageGrid: clipped, NaN as 0.
func WriteImage(path string, img []float64, s Image, lo, hi float64) error {
	if err := checkShape(path, s); err != nil {
		return err
	}
	if len(img) != s.Size() {
		return fmt.Errorf("datasets: %s: %d values, want %d for one %v image", path, len(img), s.Size(), s)
	}
	return WriteImageGrid(path, img, s, 1, lo, hi)
}

// checkShape checks the shape of images to be written.
func checkShape(path string, s Image) error {
	if s.H < 1 || s.W < 1 || (s.C != 1 && s.C != 3) {
		return fmt.Errorf("datasets: %s: image shape %v, want a height and width of at least 1 and 1 (grayscale) or 3 (RGB) channels", path, s)
	}
	if hw, ok := mulInt(s.H, s.W); !ok || hw > math.MaxInt/3 {
		return fmt.Errorf("datasets: %s: image shape %v, more values than a 64-bit count holds", path, s)
	}
	return nil
}

// Scale8Bit maps 8-bit values v in 0..255 to [0, 1]: (v + u)/256 with u
// uniform on [0, 1) drawn from rng when dequantize is set (uniform
// dequantisation: the data then have a density, which score matching
// needs), v/255 otherwise.
func Scale8Bit(p points.Points, dequantize bool, rng *rand.Rand) {
	for i, v := range p.X {
		if dequantize {
			p.X[i] = (v + rng.Float64()) / 256
		} else {
			p.X[i] = v / 255
		}
	}
}
