package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"scorenet/internal/safefile"
	"scorenet/points"
)

// The IDX format (MNIST, Fashion-MNIST; http://yann.lecun.com/exdb/mnist/):
// a 4-byte magic, 0x00 0x00, the type of the values and the number of
// dimensions, then each dimension as a big-endian uint32, then the values,
// row-major. Only unsigned bytes (type 0x08) are read here.
const idxUbyte = 0x08

// idxTypes names the value types of the IDX format.
var idxTypes = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double",
}

// deflateRatio bounds how many bytes a byte of gzip data can inflate to:
// a deflate stream encodes at most 258 bytes in 2 bits.
const deflateRatio = 1032

// LoadIDX reads the images of an IDX file, as MNIST and Fashion-MNIST
// distribute them (train-images-idx3-ubyte, plain or gzipped): unsigned
// bytes of 3 dimensions, n images of rows x cols pixels. A gzipped file is
// recognised by its first bytes (1f 8b), whatever its name.
//
// The points are the n images, each H*W values in row-major order, and are
// the raw byte values 0..255 as float64: scaling and dequantisation are left
// to the caller. The image shape is H = rows, W = cols, C = 1.
//
// The header's claim is checked before anything is allocated by it: at most
// MaxValues values, for a plain file exactly that many bytes after the
// header, and at most what the process's memory budget (internal/memlimit)
// allows, 9 bytes a value, so a gzipped file is refused by its header
// before it is inflated. A gzipped file's uncompressed size is not known in
// advance: it is read through a reader limited to the claim (it never
// grows past it), and a stream that ends early, goes on after the data or
// fails its checksum is an error. Errors name the file and what was
// expected.
func LoadIDX(path string) (points.Points, Image, error) {
	return LoadIDXFirst(path, 0)
}

// LoadIDXFirst is LoadIDX for the first n images only (0: all): the header
// is checked as LoadIDX checks it, and only those images are read.
func LoadIDXFirst(path string, n int) (points.Points, Image, error) {
	dims, data, err := readIDXFirst(path, 3, n)
	if err != nil {
		return points.Points{}, Image{}, err
	}
	x := make([]float64, len(data))
	for i, b := range data {
		x[i] = float64(b)
	}
	s := Image{H: dims[1], W: dims[2], C: 1}
	return points.Points{N: dims[0], D: s.Size(), X: x}, s, nil
}

// IDXShape reads only the header of an IDX images file (plain or gzipped):
// the number of images and their shape, for a caller that must refuse a
// file by its shape before reading it whole.
func IDXShape(path string) (n int, s Image, err error) {
	f, err := safefile.Open(path)
	if err != nil {
		return 0, Image{}, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	x, err := openIDX(path, f)
	if err != nil {
		return 0, Image{}, err
	}
	if err := x.readMagic(3); err != nil {
		return 0, Image{}, err
	}
	dims, err := x.readDims(3)
	if err != nil {
		return 0, Image{}, err
	}
	return dims[0], Image{H: dims[1], W: dims[2], C: 1}, nil
}

// LoadIDXLabels reads the labels of an IDX file (train-labels-idx1-ubyte,
// plain or gzipped): unsigned bytes of 1 dimension, one label 0..255 per
// image. It checks the file as LoadIDX does.
func LoadIDXLabels(path string) ([]int, error) {
	_, data, err := readIDX(path, 1)
	if err != nil {
		return nil, err
	}
	labels := make([]int, len(data))
	for i, b := range data {
		labels[i] = int(b)
	}
	return labels, nil
}

// gzipError is an error of a gzip stream, as opposed to one of the IDX data
// it holds.
type gzipError struct{ err error }

func (e *gzipError) Error() string {
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		return "corrupt gzip stream: it ends in the middle of a gzip member (the file is cut short, or has stray bytes after its gzip data?)"
	}
	return "corrupt gzip stream: " + e.err.Error()
}

func (e *gzipError) Unwrap() error { return e.err }

// gzipReader marks the errors of a gzip stream as gzipErrors, so that a
// stream cut short is not taken for IDX data cut short. Errors reading the
// file itself pass unchanged.
type gzipReader struct{ r io.Reader }

func (g gzipReader) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	var pe *fs.PathError
	if err != nil && err != io.EOF && !errors.As(err, &pe) {
		err = &gzipError{err}
	}
	return n, err
}

// readIDX reads an IDX file of unsigned bytes with the wanted number of
// dimensions (3 for images, 1 for labels): its dimensions, and its values.
// Errors are whole, starting "datasets: " and the path.
func readIDX(path string, want int) ([]int, []byte, error) {
	return readIDXFirst(path, want, 0)
}

// readIDXFirst is readIDX for the first n items only (0: all).
func readIDXFirst(path string, want, n int) ([]int, []byte, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	x, err := openIDX(path, f)
	if err != nil {
		return nil, nil, err
	}
	if err := x.readMagic(want); err != nil {
		return nil, nil, err
	}
	dims, err := x.readDims(want)
	if err != nil {
		return nil, nil, err
	}
	claim, values, err := x.checkSizeFirst(dims, n)
	if err != nil {
		return nil, nil, err
	}
	if n > 0 && n < dims[0] {
		values /= dims[0]
		values *= n
		dims[0] = n
		claim = fmt.Sprintf("%s; its first %d read", claim, n)
		data := make([]byte, values)
		if _, err := io.ReadFull(x.r, data); err != nil {
			return nil, nil, fmt.Errorf("datasets: %s: %s: %w", path, claim, err)
		}
		return dims, data, nil
	}
	data, err := x.readValues(claim, values)
	if err != nil {
		return nil, nil, err
	}
	return dims, data, nil
}

// idxReader reads an IDX file, plain or through gzip.
type idxReader struct {
	path string
	r    io.Reader // the IDX bytes, uncompressed
	gz   bool      // the file is gzipped
	size int64     // the bytes of the file, if known; -1 otherwise
	// uncompressed is said of sizes inside a gzip stream: " (uncompressed)"
	// in a gzipped file, "" in a plain one.
	uncompressed string
}

// openIDX tells a gzipped file from a plain one by its first two bytes and
// returns the file ready to read from its first byte of IDX.
func openIDX(path string, f *os.File) (*idxReader, error) {
	x := &idxReader{path: path, size: -1}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		x.size = st.Size()
	}
	var first [2]byte
	got, err := io.ReadFull(f, first[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, x.errorf("%v", err)
	}
	x.r = io.MultiReader(bytes.NewReader(first[:got]), f)
	x.gz = got == 2 && first == [2]byte{0x1f, 0x8b}
	if x.gz {
		zr, err := gzip.NewReader(bufio.NewReader(x.r))
		if err != nil {
			return nil, x.errorf("%v", &gzipError{err})
		}
		x.r, x.uncompressed = gzipReader{zr}, " (uncompressed)"
	}
	return x, nil
}

// errorf is an error about the file: "datasets: ", the path, the message.
func (x *idxReader) errorf(format string, a ...any) error {
	return fmt.Errorf("datasets: %s: %s", x.path, fmt.Sprintf(format, a...))
}

// readErr says what went wrong reading the part of the file that claim
// describes, got bytes having been read (after the header, if after).
func (x *idxReader) readErr(err error, claim string, got int, after string) error {
	var ge *gzipError
	switch {
	case errors.As(err, &ge):
		return x.errorf("%v", ge)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return x.errorf("%s, the file has %d%s%s", claim, got, after, x.uncompressed)
	}
	return x.errorf("reading the IDX file: %v", err)
}

// readMagic reads and checks the magic: 0, 0, the type (unsigned bytes
// only), the number of dimensions (want).
func (x *idxReader) readMagic(want int) error {
	var magic [4]byte
	if got, err := io.ReadFull(x.r, magic[:]); err != nil {
		var ge *gzipError
		if errors.As(err, &ge) {
			return x.errorf("%v", ge)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return x.errorf("not an IDX file: it has %d bytes%s, fewer than the 4 of an IDX magic number", got, x.uncompressed)
		}
		return x.errorf("reading the IDX header: %v", err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return x.errorf("not an IDX file: its first bytes%s are % x, want 00 00 then the type and the number of dimensions", x.uncompressed, magic[:])
	}
	if magic[2] != idxUbyte {
		name, ok := idxTypes[magic[2]]
		if !ok {
			name = "not an IDX type"
		}
		return x.errorf("IDX values of type 0x%02x (%s), want 0x08 (unsigned byte)", magic[2], name)
	}
	if nd := int(magic[3]); nd != want {
		guess := ""
		switch {
		case nd == 1 && want == 3:
			guess = " (labels?)"
		case nd == 3 && want == 1:
			guess = " (images?)"
		}
		kind := "images"
		if want == 1 {
			kind = "labels"
		}
		return x.errorf("an IDX file of %d %s%s, want %d (%s)", nd, plural(nd, "dimension"), guess, want, kind)
	}
	return nil
}

// readDims reads the want dimensions that follow the magic, each a
// big-endian uint32.
func (x *idxReader) readDims(want int) ([]int, error) {
	raw := make([]byte, 4*want)
	if got, err := io.ReadFull(x.r, raw); err != nil {
		return nil, x.readErr(err, fmt.Sprintf("IDX header cut short: %d %s need %d bytes", want, plural(want, "dimension"), 4+len(raw)), 4+got, "")
	}
	dims := make([]int, want)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(raw[4*i:]))
	}
	return dims, nil
}

// checkSize checks the header's claim before anything is allocated by it:
// at least one image (or label), at most MaxValues values (and MaxColumns
// an image), in a plain file
// of known size exactly that many bytes after the header, and memory for
// them within the process's budget (checkMemory). It returns
// the claim, as errors tell it, and the number of values.
func (x *idxReader) checkSize(dims []int) (claim string, values int, err error) {
	return x.checkSizeFirst(dims, 0)
}

// checkSizeFirst is checkSize for a reader of the first n items only (0:
// all): the memory asked for is theirs.
func (x *idxReader) checkSizeFirst(dims []int, n int) (claim string, values int, err error) {
	values, ok := 1, true
	for _, d := range dims {
		var ok1 bool
		values, ok1 = mulInt(values, d)
		ok = ok && ok1
	}
	if len(dims) == 3 {
		claim = fmt.Sprintf("header says %d images of %dx%d", dims[0], dims[1], dims[2])
		if dims[0] < 1 || dims[1] < 1 || dims[2] < 1 {
			return "", 0, x.errorf("%s, want at least 1 image of at least 1x1", claim)
		}
	} else {
		claim = fmt.Sprintf("header says %d labels", dims[0])
		if dims[0] < 1 {
			return "", 0, x.errorf("%s, want at least 1", claim)
		}
	}
	if !ok {
		return "", 0, x.errorf("%s, more values than a 64-bit count holds; the limit is %d values (MaxValues)", claim, maxValues)
	}
	header := int64(4 + 4*len(dims))
	if !x.gz && x.size >= 0 && x.size-header != int64(values) {
		return "", 0, x.errorf("%s, %d bytes, the file has %d after its header", claim, values, x.size-header)
	}
	if values > maxValues {
		return "", 0, x.errorf("%s, %d values, over the limit of %d values (MaxValues, 8 GiB as float64)", claim, values, maxValues)
	}
	if len(dims) == 3 && dims[1]*dims[2] > MaxColumns {
		return "", 0, x.errorf("%s, %d values an image, over the limit of %d (MaxColumns, the most values a point may have)", claim, dims[1]*dims[2], MaxColumns)
	}
	// The bytes read and what the caller makes of them, 8 bytes a value
	// (float64 pixels, int labels): asked before anything is inflated.
	read := values
	if n > 0 && n < dims[0] {
		read = values / dims[0] * n
	}
	if err := checkMemory(9*float64(read), fmt.Sprintf("datasets: %s: %s; reading them", x.path, claim)); err != nil {
		return "", 0, err
	}
	return claim, values, nil
}

// readValues reads the values after the header: exactly as claimed in a
// plain file of known size, through a reader limited to the claim
// otherwise.
func (x *idxReader) readValues(claim string, values int) ([]byte, error) {
	what := fmt.Sprintf("%s, %d bytes", claim, values)
	if !x.gz && x.size >= 0 {
		data := make([]byte, values)
		if got, err := io.ReadFull(x.r, data); err != nil {
			return nil, x.readErr(err, what, got, " after its header") // the file shrank as it was read
		}
		return data, nil
	}
	return x.readLimited(what, values)
}

// readLimited reads values bytes from a stream whose length is not known in
// advance (gzipped, or not a regular file): one more is an error, as is one
// fewer.
func (x *idxReader) readLimited(what string, values int) ([]byte, error) {
	// Room for the claim, or for what the file could hold if less: a lying
	// header costs no more than the data actually there.
	room := values + 1
	if x.gz && x.size >= 0 && x.size < int64(room)/deflateRatio {
		room = min(room, int(x.size)*deflateRatio+4096)
	} else if x.size < 0 {
		room = min(room, 1<<20)
	}
	data := make([]byte, 0, room)
	lr := io.LimitReader(x.r, int64(values)+1)
	for {
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if len(data) > values {
			return nil, x.errorf("%s, the file has more after its header%s", what, x.uncompressed)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, x.readErr(err, what, len(data), " after its header")
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
	if len(data) < values {
		return nil, x.errorf("%s, the file has %d after its header%s", what, len(data), x.uncompressed)
	}
	return data, nil
}

// plural is thing, with an s unless n is 1.
func plural(n int, thing string) string {
	if n == 1 {
		return thing
	}
	return thing + "s"
}
