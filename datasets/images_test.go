package datasets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestImage(t *testing.T) {
	cases := []struct {
		name             string
		s                Image
		size             int
		str, description string
	}{
		{"MNIST", Image{H: 28, W: 28, C: 1}, 784, "28x28x1", "28x28 grayscale"},
		{"CIFAR-10", Image{H: 32, W: 32, C: 3}, 3072, "32x32x3", "32x32 RGB"},
		{"height before width", Image{H: 30, W: 40, C: 3}, 3600, "30x40x3", "30x40 RGB"},
		{"RGBA", Image{H: 2, W: 3, C: 4}, 24, "2x3x4", "2x3, 4 channels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Size(); got != c.size {
				t.Errorf("Size() = %d, want %d", got, c.size)
			}
			if got := c.s.String(); got != c.str {
				t.Errorf("String() = %q, want %q", got, c.str)
			}
			if got := c.s.Describe(); got != c.description {
				t.Errorf("Describe() = %q, want %q", got, c.description)
			}
		})
	}
}

// encodePNG encodes img as a PNG file.
func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// grayImage is h x w gray pixels, the values from first on.
func grayImage(h, w int, vals ...uint8) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	copy(m.Pix, vals)
	return m
}

// rgbImage is h x w opaque RGB pixels, the values (r, g, b per pixel) from
// first on.
func rgbImage(h, w int, vals ...uint8) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < h*w; i++ {
		copy(m.Pix[4*i:4*i+3], vals[3*i:])
		m.Pix[4*i+3] = 255
	}
	return m
}

func floats[T uint8 | uint16](vals ...T) []float64 {
	x := make([]float64, len(vals))
	for i, v := range vals {
		x[i] = float64(v)
	}
	return x
}

func TestLoadPNGDir(t *testing.T) {
	gray16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	gray16.SetGray16(0, 0, color.Gray16{Y: 0xffff})
	gray16.SetGray16(1, 0, color.Gray16{Y: 1000})
	rgb16 := image.NewRGBA64(image.Rect(0, 0, 1, 1))
	rgb16.SetRGBA64(0, 0, color.RGBA64{R: 0x0101, G: 1000, B: 0xffff, A: 0xffff})
	alpha := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	copy(alpha.Pix, []uint8{10, 20, 30, 0, 40, 50, 60, 128})
	palette := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{200, 100, 50, 255}})
	palette.Pix = []uint8{1, 0}
	transparent := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.NRGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 50, 0}})
	transparent.Pix = []uint8{1, 0}
	png2x3 := encodePNG(t, grayImage(2, 3, 1, 2, 3, 4, 5, 6))

	cases := []struct {
		name  string
		files map[string][]byte // a nil file is a folder
		shape Image
		names []string
		want  []float64
		err   string // DIR for the folder
	}{
		{"grayscale, other files ignored", map[string][]byte{
			"b.png":     encodePNG(t, grayImage(2, 3, 7, 8, 9, 10, 11, 255)),
			"a.png":     png2x3,
			"c.PNG":     encodePNG(t, grayImage(2, 3)),
			"notes.txt": []byte("not an image"),
			"a.png.bak": []byte("not an image"),
			"sub.png":   nil,
		}, Image{H: 2, W: 3, C: 1}, []string{"a.png", "b.png", "c.PNG"},
			floats[uint8](1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255, 0, 0, 0, 0, 0, 0), ""},
		{"16-bit grayscale", map[string][]byte{"x.png": encodePNG(t, gray16)}, Image{H: 1, W: 2, C: 1}, []string{"x.png"},
			[]float64{255, 1000.0 / 257}, ""},
		{"RGB", map[string][]byte{
			"0.png": encodePNG(t, rgbImage(1, 2, 1, 2, 3, 4, 5, 6)),
			"1.png": encodePNG(t, rgbImage(1, 2, 250, 251, 252, 253, 254, 255)),
		}, Image{H: 1, W: 2, C: 3}, []string{"0.png", "1.png"}, floats[uint8](1, 2, 3, 4, 5, 6, 250, 251, 252, 253, 254, 255), ""},
		{"RGB with alpha, dropped", map[string][]byte{"x.png": encodePNG(t, alpha)}, Image{H: 1, W: 2, C: 3}, []string{"x.png"},
			floats[uint8](10, 20, 30, 40, 50, 60), ""},
		{"palette", map[string][]byte{"x.png": encodePNG(t, palette)}, Image{H: 1, W: 2, C: 3}, []string{"x.png"},
			floats[uint8](200, 100, 50, 1, 2, 3), ""},
		{"palette with transparency, dropped", map[string][]byte{"x.png": encodePNG(t, transparent)}, Image{H: 1, W: 2, C: 3}, []string{"x.png"},
			floats[uint8](200, 100, 50, 1, 2, 3), ""},
		{"16-bit RGB", map[string][]byte{"x.png": encodePNG(t, rgb16)}, Image{H: 1, W: 1, C: 3}, []string{"x.png"},
			[]float64{1, 1000.0 / 257, 255}, ""},
		{"grayscale, then RGB", map[string][]byte{"a.png": encodePNG(t, grayImage(1, 2)), "b.png": encodePNG(t, rgbImage(1, 2, make([]uint8, 6)...))},
			Image{}, nil, nil, "datasets: DIR/b.png is RGB, the first image (a.png) is grayscale"},
		{"RGB, then grayscale", map[string][]byte{"a.png": encodePNG(t, rgbImage(1, 2, make([]uint8, 6)...)), "b.png": encodePNG(t, grayImage(1, 2))},
			Image{}, nil, nil, "datasets: DIR/b.png is grayscale, the first image (a.png) is RGB"},
		{"sizes differ", map[string][]byte{"a.png": encodePNG(t, grayImage(3, 2)), "b.png": png2x3},
			Image{}, nil, nil, "datasets: DIR/b.png is 2x3, the first image (a.png) is 3x2"},
		{"no PNG files", map[string][]byte{"notes.txt": []byte("x"), "sub.png": nil},
			Image{}, nil, nil, "datasets: DIR: no .png files in the folder"},
		{"not a PNG", map[string][]byte{"a.png": png2x3, "b.png": []byte("GIF89a, not a PNG at all")},
			Image{}, nil, nil, "datasets: DIR/b.png: png: invalid format: not a PNG file"},
		{"cut short after its header", map[string][]byte{"a.png": png2x3, "b.png": png2x3[:40]},
			Image{}, nil, nil, "datasets: DIR/b.png: unexpected EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range c.files {
				if b == nil {
					if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeTemp(t, dir, name, b)
			}
			p, s, names, err := LoadPNGDir(dir)
			if !errorIs(t, err, c.err, dir) {
				return
			}
			if s != c.shape || !slices.Equal(names, c.names) || p.N != len(c.names) || p.D != s.Size() || !slices.Equal(p.X, c.want) {
				t.Errorf("got %v images %q, %d x %d points %v; want %v images %q, values %v", s, names, p.N, p.D, p.X, c.shape, c.names, c.want)
			}
		})
	}
	t.Run("no folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "none")
		if _, _, _, err := LoadPNGDir(dir); err == nil || err.Error() != "datasets: open "+dir+": no such file or directory" {
			t.Errorf("got error %v, want the folder's", err)
		}
	})
}

// The images' headers are checked against MaxValues before any image is
// decoded: a file cut short after its header is not noticed.
func TestLoadPNGDirOverMaxValues(t *testing.T) {
	defer func(m int) { maxValues = m }(maxValues)
	dir := t.TempDir()
	good := encodePNG(t, grayImage(2, 3, 1, 2, 3, 4, 5, 6))
	writeTemp(t, dir, "a.png", good)
	writeTemp(t, dir, "b.png", good[:40])
	maxValues = 12
	if _, _, _, err := LoadPNGDir(dir); err == nil || !strings.Contains(err.Error(), "b.png: unexpected EOF") {
		t.Fatalf("12 values under a limit of 12: got %v, want b.png's decoding error", err)
	}
	maxValues = 11
	want := "datasets: " + dir + ": 2 images of 2x3x1, 12 values, over the limit of 11 values (MaxValues, 8 GiB as float64)"
	if _, _, _, err := LoadPNGDir(dir); err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// pngHeader is the start of a PNG file, up to its IHDR chunk, claiming an
// image of h x w pixels of the given colour type (0 gray, 2 RGB), 8 bits.
func pngHeader(h, w uint32, colourType byte) []byte {
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, colourType, 0, 0, 0)
	b := binary.BigEndian.AppendUint32([]byte("\x89PNG\r\n\x1a\n"), 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// Huge images claimed by tiny files are refused before anything is
// allocated by the claim.
func TestLoadPNGDirHugeHeaders(t *testing.T) {
	cases := []struct {
		name  string
		files map[string][]byte
		err   string
	}{
		{"one huge image", map[string][]byte{"a.png": pngHeader(100000, 100000, 0)},
			"datasets: DIR: 1 image of 100000x100000x1, 10000000000 values, over the limit of 1073741824 values (MaxValues, 8 GiB as float64)"},
		{"many big images", map[string][]byte{"a.png": pngHeader(20000, 20000, 2), "b.png": pngHeader(20000, 20000, 2), "c.png": pngHeader(20000, 20000, 2)},
			"datasets: DIR: 3 images of 20000x20000x3, 3600000000 values, over the limit of 1073741824 values"},
		{"beyond counting", map[string][]byte{"a.png": pngHeader(1<<30-1, 1<<30-1, 2), "b.png": pngHeader(1<<30-1, 1<<30-1, 2), "c.png": pngHeader(1<<30-1, 1<<30-1, 2)},
			"datasets: DIR: 3 images of 1073741823x1073741823x3, more values than a 64-bit count holds; the limit is 1073741824 values (MaxValues)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range c.files {
				writeTemp(t, dir, name, b)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, _, err := LoadPNGDir(dir)
			runtime.ReadMemStats(&after)
			if want := strings.ReplaceAll(c.err, "DIR", dir); err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got error %v, want %q", err, want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
				t.Errorf("allocated %d bytes to refuse the claim", got)
			}
		})
	}
}

// Images written one by one read back as a folder, exactly.
func TestWriteImageLoadPNGDir(t *testing.T) {
	cases := []struct {
		name string
		s    Image
	}{
		{"grayscale", Image{H: 3, W: 4, C: 1}},
		{"RGB", Image{H: 4, W: 3, C: 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			want := make([]float64, 3*c.s.Size())
			for i := range want {
				want[i] = float64((i * 37) % 256)
			}
			for k := range 3 {
				path := filepath.Join(dir, "img"+string(rune('0'+k))+".png")
				if err := WriteImage(path, want[k*c.s.Size():(k+1)*c.s.Size()], c.s, 0, 255); err != nil {
					t.Fatal(err)
				}
			}
			p, s, names, err := LoadPNGDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if s != c.s || !slices.Equal(names, []string{"img0.png", "img1.png", "img2.png"}) || p.N != 3 || !slices.Equal(p.X, want) {
				t.Errorf("read back %v images %q, %v; want %v, %v", s, names, p.X, c.s, want)
			}
		})
	}
}

func TestWriteImageGrid(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name   string
		imgs   []float64
		s      Image
		cols   int
		lo, hi float64
		w, h   int
		// pixels are some pixels of the grid: x, y and the gray level or
		// the red, green and blue.
		pixels [][]int
	}{
		{"grayscale, 3 images in 2 columns", []float64{
			0, 1, 0.5, -1, 2, nan, // clipping, NaN
			0.2, 0.2, 0.2, 0.2, 0.2, 0.8,
			inf, -inf, 0, 0, 0, 0.001,
		}, Image{H: 2, W: 3, C: 1}, 2, 0, 1, 8, 6, [][]int{
			{0, 0, 0}, {1, 0, 255}, {2, 0, 128}, {0, 1, 0}, {1, 1, 255}, {2, 1, 0},
			{3, 0, 255}, {4, 1, 255}, // the gap
			{5, 0, 51}, {7, 1, 204}, // the second image
			{0, 2, 255}, {7, 3, 255}, // the gap
			{0, 4, 255}, {1, 4, 0}, {2, 5, 0}, // the third image
			{5, 4, 255}, {7, 5, 255}, // no fourth image
		}},
		{"RGB, fewer images than columns", []float64{
			-1, 0, 1, 0.5, 2, -2,
			1, 1, 1, -1, -1, -1,
		}, Image{H: 1, W: 2, C: 3}, 5, -1, 1, 6, 1, [][]int{
			{0, 0, 0, 128, 255}, {1, 0, 191, 255, 0},
			{2, 0, 255, 255, 255}, {3, 0, 255, 255, 255},
			{4, 0, 255, 255, 255}, {5, 0, 0, 0, 0},
		}},
		{"one image", []float64{10, 20, 30, 40}, Image{H: 2, W: 2, C: 1}, 3, 0, 255, 2, 2, [][]int{
			{0, 0, 10}, {1, 0, 20}, {0, 1, 30}, {1, 1, 40},
		}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".png")
			if err := WriteImageGrid(path, c.imgs, c.s, c.cols, c.lo, c.hi); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if r := img.Bounds(); r.Dx() != c.w || r.Dy() != c.h {
				t.Fatalf("the grid is %dx%d pixels (width x height), want %dx%d", r.Dx(), r.Dy(), c.w, c.h)
			}
			if gray := img.ColorModel() == color.GrayModel; gray != (c.s.C == 1) {
				t.Errorf("color model %T %v, want grayscale %v", img, img.ColorModel(), c.s.C == 1)
			}
			for _, px := range c.pixels {
				r, g, bl, _ := img.At(px[0], px[1]).RGBA()
				got := []int{int(r >> 8), int(g >> 8), int(bl >> 8)}
				want := px[2:]
				if len(want) == 1 {
					want = []int{want[0], want[0], want[0]}
				}
				if !slices.Equal(got, want) {
					t.Errorf("pixel (%d, %d) is %v, want %v", px[0], px[1], got, want)
				}
			}
		})
	}
}

func TestWriteImageGridErrors(t *testing.T) {
	dir := t.TempDir()
	six := make([]float64, 6)
	cases := []struct {
		name  string
		write func(path string) error
		err   string
	}{
		{"two channels", func(p string) error { return WriteImageGrid(p, six, Image{H: 1, W: 3, C: 2}, 1, 0, 1) },
			"image shape 1x3x2, want a height and width of at least 1 and 1 (grayscale) or 3 (RGB) channels"},
		{"no height", func(p string) error { return WriteImage(p, nil, Image{H: 0, W: 3, C: 1}, 0, 1) },
			"image shape 0x3x1, want a height and width of at least 1"},
		{"shape beyond counting", func(p string) error { return WriteImageGrid(p, six, Image{H: 1 << 40, W: 1 << 40, C: 1}, 1, 0, 1) },
			"image shape 1099511627776x1099511627776x1, more values than a 64-bit count holds"},
		{"no images", func(p string) error { return WriteImageGrid(p, nil, Image{H: 2, W: 3, C: 1}, 1, 0, 1) },
			"no images to write"},
		{"part of an image", func(p string) error { return WriteImageGrid(p, six[:5], Image{H: 2, W: 3, C: 1}, 1, 0, 1) },
			"5 values are not a whole number of 2x3x1 images (6 values each)"},
		{"no columns", func(p string) error { return WriteImageGrid(p, six, Image{H: 2, W: 3, C: 1}, 0, 0, 1) },
			"0 columns, want at least 1"},
		{"empty range", func(p string) error { return WriteImageGrid(p, six, Image{H: 2, W: 3, C: 1}, 1, 1, 1) },
			"range [1, 1], want finite lo < hi"},
		{"NaN range", func(p string) error { return WriteImage(p, six, Image{H: 2, W: 3, C: 1}, math.NaN(), 1) },
			"range [NaN, 1], want finite lo < hi"},
		{"infinite range", func(p string) error { return WriteImage(p, six, Image{H: 2, W: 3, C: 1}, 0, math.Inf(1)) },
			"range [0, +Inf], want finite lo < hi"},
		{"range beyond float64", func(p string) error { return WriteImage(p, six, Image{H: 2, W: 3, C: 1}, -1e308, 1e308) },
			"range [-1e+308, 1e+308], want finite lo < hi"},
		{"two images to WriteImage", func(p string) error { return WriteImage(p, six, Image{H: 1, W: 3, C: 1}, 0, 1) },
			"6 values, want 3 for one 1x3x1 image"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".png")
			checkErr(t, c.write(path), path, c.err)
			if _, err := os.Stat(path); err == nil {
				t.Errorf("wrote %s all the same", path)
			}
		})
	}
	t.Run("no folder", func(t *testing.T) {
		path := filepath.Join(dir, "none", "x.png")
		err := WriteImage(path, six, Image{H: 2, W: 3, C: 1}, 0, 1)
		if want := "datasets: safefile: writing " + path + ": no such file or directory"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
}

// writeTree writes files into dir at their paths: a nil file is a folder,
// made before the files in it whatever the map's order.
func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if b == nil {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		writeTemp(t, filepath.Dir(path), filepath.Base(path), b)
	}
}

func TestLoadPNGFolders(t *testing.T) {
	gray := func(v uint8) []byte { return encodePNG(t, grayImage(2, 3, v, v+1, v+2, v+3, v+4, v+5)) }
	three := map[string][]byte{
		"cat/b.png": gray(20), "cat/a.png": gray(10),
		"dog/x.PNG": gray(30),
		"emu/3.png": gray(60), "emu/1.png": gray(40), "emu/2.png": gray(50),
	}
	// with is three with more files, or other files at its paths.
	with := func(more map[string][]byte) map[string][]byte {
		m := maps.Clone(three)
		maps.Copy(m, more)
		return m
	}
	wantX := make([]float64, 0, 36)
	for _, v := range []float64{10, 20, 30, 40, 50, 60} {
		wantX = append(wantX, v, v+1, v+2, v+3, v+4, v+5)
	}

	cases := []struct {
		name  string
		files map[string][]byte // a nil file is a folder
		links map[string]string // a link's path, and its target's
		err   string            // DIR for the folder; "" for three's points
	}{
		{"three classes", three, nil, ""},
		{"other files, nested folders and non-PNG files ignored", with(map[string][]byte{
			"README.txt": []byte("cats, dogs, emus"), "cat/notes.txt": []byte("x"), "cat/old": nil, "dog/old/y.png": gray(0),
			".git/objects/z.png": gray(0), ".ipynb_checkpoints": nil, "cat/._a.png": []byte("macOS metadata"),
		}), nil, ""},
		{"links followed", map[string][]byte{
			"elsewhere/cats/a.png": gray(10), "elsewhere/cats/b.png": gray(20), "elsewhere/x.png": gray(30),
			"data/emu/1.png": gray(40), "data/emu/2.png": gray(50), "data/emu/3.png": gray(60),
			"data/dog": nil,
		}, map[string]string{"data/cat": "elsewhere/cats", "data/dog/x.PNG": "elsewhere/x.png"}, ""},
		{"no sub-folders", map[string][]byte{"a.png": gray(0), "b.png": gray(0)}, nil,
			"datasets: DIR: no sub-folders: with data.labels: folders each class is a sub-folder of PNG files"},
		{"empty folder", map[string][]byte{}, nil,
			"datasets: DIR: no sub-folders: with data.labels: folders each class is a sub-folder of PNG files"},
		{"PNG files beside the class folders", with(map[string][]byte{"stray.png": gray(0), "z.PNG": gray(0)}), nil,
			"datasets: DIR/stray.png: PNG files beside the class folders: with data.labels: folders every image belongs in a class's sub-folder"},
		{"a class without PNG files", with(map[string][]byte{"bee/notes.txt": []byte("x"), "bee/sub.png": nil}), nil,
			"datasets: DIR/bee: no .png files in the class folder: with data.labels: folders every class needs at least one image"},
		{"an empty class folder", with(map[string][]byte{"ant": nil}), nil,
			"datasets: DIR/ant: no .png files in the class folder: with data.labels: folders every class needs at least one image"},
		{"sizes differ across folders", with(map[string][]byte{"emu/2.png": encodePNG(t, grayImage(3, 2))}), nil,
			"datasets: DIR/emu/2.png is 3x2, the first image (cat/a.png) is 2x3"},
		{"channels differ across folders", with(map[string][]byte{"dog/x.PNG": encodePNG(t, rgbImage(2, 3, make([]uint8, 18)...))}), nil,
			"datasets: DIR/dog/x.PNG is RGB, the first image (cat/a.png) is grayscale"},
		{"more classes than MaxClasses", with(map[string][]byte{"fox": nil, "gnu": nil}), nil,
			"datasets: DIR: 5 sub-folders, more classes than the 4 a model can have (MaxClasses): with data.labels: folders each sub-folder is a class"},
		{"a dangling link, a class gone", three, map[string]string{"bee": "gone"},
			"datasets: stat DIR/bee: no such file or directory"},
		{"not a PNG", with(map[string][]byte{"dog/x.PNG": []byte("GIF89a, not a PNG at all")}), nil,
			"datasets: DIR/dog/x.PNG: png: invalid format: not a PNG file"},
	}
	defer func(m int) { maxClasses = m }(maxClasses)
	maxClasses = 4
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, c.files)
			dir := root
			if c.links != nil {
				for link, target := range c.links {
					if err := os.Symlink(filepath.Join(root, target), filepath.Join(root, link)); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := os.Stat(filepath.Join(root, "data")); err == nil {
					dir = filepath.Join(root, "data")
				}
			}
			p, s, labels, names, err := LoadPNGFolders(dir)
			if !errorIs(t, err, c.err, dir) {
				return
			}
			if s != (Image{H: 2, W: 3, C: 1}) || p.N != 6 || p.D != 6 || !slices.Equal(p.X, wantX) {
				t.Errorf("got %v images, %d x %d points %v; want 2x3x1, 6 x 6, %v", s, p.N, p.D, p.X, wantX)
			}
			if !slices.Equal(labels.Of, []int32{0, 0, 1, 2, 2, 2}) || labels.K != 3 || !slices.Equal(labels.Counts(), []int{2, 1, 3}) {
				t.Errorf("got labels %v, K %d; want [0 0 1 2 2 2], K 3", labels.Of, labels.K)
			}
			if !slices.Equal(names, []string{"cat", "dog", "emu"}) {
				t.Errorf("got classes %q, want cat, dog, emu", names)
			}
		})
	}
	t.Run("no folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "none")
		if _, _, _, _, err := LoadPNGFolders(dir); err == nil || err.Error() != "datasets: open "+dir+": no such file or directory" {
			t.Errorf("got error %v, want the folder's", err)
		}
	})
}

// The limits cover every class's images together, the labels included,
// and are checked before any image is decoded: the last class's file, cut
// short after its header, is not noticed when the folder is refused.
func TestLoadPNGFoldersLimits(t *testing.T) {
	dir := t.TempDir()
	good := encodePNG(t, grayImage(2, 3, 1, 2, 3, 4, 5, 6))
	writeTree(t, dir, map[string][]byte{"a/1.png": good, "a/2.png": good, "b/1.png": good, "c/1.png": good[:40]})
	cut := "datasets: " + filepath.Join(dir, "c", "1.png") + ": unexpected EOF"
	cases := []struct {
		name      string
		maxValues int
		budget    float64
		err       string // DIR for the folder
	}{
		// 4 images of 6 values as float64, 4 int32 labels, one image
		// decoded twice: 192 + 16 + 12 bytes.
		{"within both", 24, 220, cut},
		{"over MaxValues", 23, 220,
			"datasets: DIR: 4 images of 2x3x1, 24 values, over the limit of 23 values (MaxValues, 8 GiB as float64)"},
		{"over the memory budget", 24, 219,
			"datasets: DIR: 4 images of 2x3x1 (as a/1.png's header claims); reading them needs 220 bytes, over a budget of 219"},
	}
	defer func(m int) { maxValues = m }(maxValues)
	defer func(f func(float64, string) error) { checkMemory = f }(checkMemory)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			maxValues = c.maxValues
			// withBudget's sizes are whole KiB: too coarse for these.
			checkMemory = func(need float64, what string) error {
				if need > c.budget {
					return fmt.Errorf("%s needs %v bytes, over a budget of %v", what, need, c.budget)
				}
				return nil
			}
			_, _, _, _, err := LoadPNGFolders(dir)
			errorIs(t, err, c.err, dir)
		})
	}
}

// errorIs checks err against want, its DIR standing for dir (want ""
// means no error), and reports whether the caller goes on to check the
// result: only when no error was wanted or got.
func errorIs(t *testing.T, err error, want, dir string) bool {
	t.Helper()
	if want != "" {
		if want = strings.ReplaceAll(want, "DIR", dir); err == nil || err.Error() != want {
			t.Errorf("got error %v, want %q", err, want)
		}
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// Class folders named by numbers are those classes, not names sorted as
// text: folder 10 is class 10, after 9, and the classes have no names.
func TestLoadPNGFoldersNumbered(t *testing.T) {
	dir := t.TempDir()
	for y := range 11 {
		if err := os.Mkdir(filepath.Join(dir, strconv.Itoa(y)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeTemp(t, filepath.Join(dir, strconv.Itoa(y)), "a.png", encodePNG(t, grayImage(2, 3, uint8(y), 0, 0, 0, 0, 0)))
	}
	p, _, labels, names, err := LoadPNGFolders(dir)
	if err != nil {
		t.Fatal(err)
	}
	if names != nil || labels.K != 11 {
		t.Fatalf("names %v, K %d; want none and 11", names, labels.K)
	}
	for i, y := range labels.Of {
		if float64(y) != p.Row(i)[0] { // each image's first pixel is its folder's number
			t.Errorf("image %d (first pixel %v) has label %d", i, p.Row(i)[0], y)
		}
	}
}
