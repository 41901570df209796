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
// MaxValues values, and for a plain file exactly that many bytes after the
// header. A gzipped file's uncompressed size is not known in advance: it is
// read through a reader limited to the claim, and a stream that ends early,
// goes on after the data or fails its checksum is an error. Errors name the
// file and what was expected.
func LoadIDX(path string) (Points, Image, error) {
	dims, data, err := readIDX(path, 3)
	if err != nil {
		return Points{}, Image{}, err
	}
	x := make([]float64, len(data))
	for i, b := range data {
		x[i] = float64(b)
	}
	s := Image{H: dims[1], W: dims[2], C: 1}
	return Points{N: dims[0], D: s.Size(), X: x}, s, nil
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
		return "corrupt gzip stream: it ends in the middle (the file is cut short?)"
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
	fail := func(format string, a ...any) ([]int, []byte, error) {
		return nil, nil, fmt.Errorf("datasets: %s: %s", path, fmt.Sprintf(format, a...))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	fileSize := int64(-1) // the bytes of the file, if known
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		fileSize = st.Size()
	}

	// Gzip or plain, by the first two bytes.
	var first [2]byte
	got, err := io.ReadFull(f, first[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fail("%v", err)
	}
	var r io.Reader = io.MultiReader(bytes.NewReader(first[:got]), f)
	gz := got == 2 && first == [2]byte{0x1f, 0x8b}
	uncompressed := "" // said of sizes inside a gzip stream
	if gz {
		zr, err := gzip.NewReader(bufio.NewReader(r))
		if err != nil {
			return fail("%v", &gzipError{err})
		}
		r, uncompressed = gzipReader{zr}, " (uncompressed)"
	}
	// readErr says what went wrong reading the part of the file that claim
	// describes, got bytes having been read (after the header, if after).
	readErr := func(err error, claim string, got int, after string) ([]int, []byte, error) {
		var ge *gzipError
		switch {
		case errors.As(err, &ge):
			return fail("%v", ge)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return fail("%s, the file has %d%s%s", claim, got, after, uncompressed)
		}
		return fail("reading the IDX file: %v", err)
	}

	// The magic: 0, 0, the type, the number of dimensions.
	var magic [4]byte
	if got, err := io.ReadFull(r, magic[:]); err != nil {
		var ge *gzipError
		if errors.As(err, &ge) {
			return fail("%v", ge)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("not an IDX file: it has %d bytes%s, fewer than the 4 of an IDX magic number", got, uncompressed)
		}
		return fail("reading the IDX header: %v", err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return fail("not an IDX file: its first bytes%s are % x, want 00 00 then the type and the number of dimensions", uncompressed, magic[:])
	}
	if magic[2] != idxUbyte {
		name, ok := idxTypes[magic[2]]
		if !ok {
			name = "not an IDX type"
		}
		return fail("IDX values of type 0x%02x (%s), want 0x08 (unsigned byte)", magic[2], name)
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
		return fail("an IDX file of %d %s%s, want %d (%s)", nd, plural(nd, "dimension"), guess, want, kind)
	}

	// The dimensions, and what they add up to.
	raw := make([]byte, 4*want)
	if got, err := io.ReadFull(r, raw); err != nil {
		return readErr(err, fmt.Sprintf("IDX header cut short: %d %s need %d bytes", want, plural(want, "dimension"), 4+len(raw)), 4+got, "")
	}
	dims := make([]int, want)
	values, ok := 1, true
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(raw[4*i:]))
		var ok1 bool
		values, ok1 = mulInt(values, dims[i])
		ok = ok && ok1
	}
	var claim string
	if want == 3 {
		claim = fmt.Sprintf("header says %d images of %dx%d", dims[0], dims[1], dims[2])
		if dims[0] < 1 || dims[1] < 1 || dims[2] < 1 {
			return fail("%s, want at least 1 image of at least 1x1", claim)
		}
	} else {
		claim = fmt.Sprintf("header says %d labels", dims[0])
		if dims[0] < 1 {
			return fail("%s, want at least 1", claim)
		}
	}
	if !ok {
		return fail("%s, more values than a 64-bit count holds; the limit is %d values (MaxValues)", claim, maxValues)
	}
	header := int64(4 + 4*want)
	if !gz && fileSize >= 0 && fileSize-header != int64(values) {
		return fail("%s, %d bytes, the file has %d after its header", claim, values, fileSize-header)
	}
	if values > maxValues {
		return fail("%s, %d values, over the limit of %d values (MaxValues, 8 GiB as float64)", claim, values, maxValues)
	}

	// The data: exactly as claimed in a plain file of known size, read
	// through a reader limited to the claim otherwise.
	what := fmt.Sprintf("%s, %d bytes", claim, values)
	if !gz && fileSize >= 0 {
		data := make([]byte, values)
		if got, err := io.ReadFull(r, data); err != nil {
			return readErr(err, what, got, " after its header") // the file shrank as it was read
		}
		return dims, data, nil
	}
	// Room for the claim, or for what the file could hold if less: a lying
	// header costs no more than the data actually there.
	room := values + 1
	if gz && fileSize >= 0 && fileSize < int64(room)/deflateRatio {
		room = min(room, int(fileSize)*deflateRatio+4096)
	} else if fileSize < 0 {
		room = min(room, 1<<20)
	}
	data := make([]byte, 0, room)
	lr := io.LimitReader(r, int64(values)+1)
	for {
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if len(data) > values {
			return fail("%s, the file has more after its header%s", what, uncompressed)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return readErr(err, what, len(data), " after its header")
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
	if len(data) < values {
		return fail("%s, the file has %d after its header%s", what, len(data), uncompressed)
	}
	return dims, data, nil
}

// plural is thing, with an s unless n is 1.
func plural(n int, thing string) string {
	if n == 1 {
		return thing
	}
	return thing + "s"
}
