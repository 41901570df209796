package datasets

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idxFile builds an IDX file: the magic (0, 0, type, number of dimensions),
// the dimensions big-endian, then data.
func idxFile(typ byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

// gzipped compresses b as one gzip member.
func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// idxImages is 2 images of 3x4 pixels, values 0, 11, ..., 253 and a last 255.
func idxImages() []byte {
	b := make([]byte, 24)
	for i := range b {
		b[i] = byte(11 * i)
	}
	b[23] = 255
	return b
}

// writeTemp writes a file of the given name in dir and returns its path.
func writeTemp(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkErr checks that err is one line, "datasets: PATH: " then text
// containing want.
func checkErr(t *testing.T, err error, path, want string) {
	t.Helper()
	prefix := "datasets: " + path + ": "
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error()[len(prefix):], want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("got error %v, want one line starting %q and containing %q", err, prefix, want)
	}
}

func TestLoadIDX(t *testing.T) {
	good := idxImages()
	want := make([]float64, len(good))
	for i, b := range good {
		want[i] = float64(b)
	}
	cases := []struct {
		name string
		file []byte
		err  string // "" if the file is good
		// gzErr is the error of the file gzipped, if it differs.
		gzErr string
	}{
		{"good", idxFile(0x08, []uint32{2, 3, 4}, good), "", ""},
		{"wrong magic", append([]byte("PK\x03\x04"), good...),
			"not an IDX file: its first bytes are 50 4b 03 04, want 00 00 then the type and the number of dimensions",
			"not an IDX file: its first bytes (uncompressed) are 50 4b 03 04, want 00 00"},
		{"empty", nil, "not an IDX file: it has 0 bytes, fewer than the 4 of an IDX magic number",
			"not an IDX file: it has 0 bytes (uncompressed), fewer than the 4"},
		{"floats", idxFile(0x0D, []uint32{2, 3, 4}, make([]byte, 96)), "IDX values of type 0x0d (float), want 0x08 (unsigned byte)", ""},
		{"signed bytes", idxFile(0x09, []uint32{2, 3, 4}, good), "IDX values of type 0x09 (signed byte), want 0x08 (unsigned byte)", ""},
		{"unknown type", idxFile(0x42, []uint32{2, 3, 4}, good), "IDX values of type 0x42 (not an IDX type), want 0x08", ""},
		{"labels", idxFile(0x08, []uint32{24}, good), "an IDX file of 1 dimension (labels?), want 3 (images)", ""},
		{"4 dimensions", idxFile(0x08, []uint32{2, 3, 4, 1}, good), "an IDX file of 4 dimensions, want 3 (images)", ""},
		{"header cut short", idxFile(0x08, []uint32{2, 3, 4}, nil)[:10], "IDX header cut short: 3 dimensions need 16 bytes, the file has 10",
			"IDX header cut short: 3 dimensions need 16 bytes, the file has 10 (uncompressed)"},
		{"truncated data", idxFile(0x08, []uint32{2, 3, 4}, good[:20]), "header says 2 images of 3x4, 24 bytes, the file has 20 after its header",
			"header says 2 images of 3x4, 24 bytes, the file has 20 after its header (uncompressed)"},
		{"data after the images", idxFile(0x08, []uint32{2, 3, 4}, append(good, 0)), "header says 2 images of 3x4, 24 bytes, the file has 25 after its header",
			"header says 2 images of 3x4, 24 bytes, the file has more after its header (uncompressed)"},
		{"no images", idxFile(0x08, []uint32{0, 3, 4}, nil), "header says 0 images of 3x4, want at least 1 image of at least 1x1", ""},
		{"no columns", idxFile(0x08, []uint32{2, 3, 0}, nil), "header says 2 images of 3x0, want at least 1 image of at least 1x1", ""},
		{"huge n on a tiny file", idxFile(0x08, []uint32{1<<32 - 1, 28, 28}, good[:4]),
			"header says 4294967295 images of 28x28, 3367254359280 bytes, the file has 4 after its header",
			"header says 4294967295 images of 28x28, 3367254359280 values, over the limit of 1073741824 values (MaxValues, 8 GiB as float64)"},
		{"a claim under MaxValues on a tiny file", idxFile(0x08, []uint32{100000, 28, 28}, good[:4]),
			"header says 100000 images of 28x28, 78400000 bytes, the file has 4 after its header",
			"header says 100000 images of 28x28, 78400000 bytes, the file has 4 after its header (uncompressed)"},
		{"dimensions overflowing 64 bits", idxFile(0x08, []uint32{1<<32 - 1, 1<<32 - 1, 1<<32 - 1}, nil),
			"header says 4294967295 images of 4294967295x4294967295, more values than a 64-bit count holds; the limit is 1073741824 values (MaxValues)", ""},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The names lie about the compression: it is told by the
			// content.
			name := strings.ReplaceAll(c.name, " ", "_")
			forms := []struct {
				path, err string
			}{
				{writeTemp(t, dir, name+"-idx3-ubyte.gz", c.file), c.err},
				{writeTemp(t, dir, name+"-idx3-ubyte", gzipped(t, c.file)), cmp.Or(c.gzErr, c.err)},
			}
			for _, f := range forms {
				p, s, err := LoadIDX(f.path)
				if f.err != "" {
					checkErr(t, err, f.path, f.err)
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", f.path, err)
				}
				if s != (Image{H: 3, W: 4, C: 1}) || p.N != 2 || p.D != 12 || !slices.Equal(p.X, want) {
					t.Errorf("%s: got %v, %d x %d points %v; want 3x4x1, 2 x 12 %v", f.path, s, p.N, p.D, p.X, want)
				}
			}
		})
	}
}

// Errors of the gzip stream itself, and gzip files that are good in less
// usual ways.
func TestLoadIDXGzip(t *testing.T) {
	file := idxFile(0x08, []uint32{2, 3, 4}, idxImages())
	gz := gzipped(t, file)
	// A gzip header, then a deflate block of the reserved type 3.
	corrupt := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0x07, 0, 0, 0, 0, 0, 0, 0, 0}
	badCRC := slices.Clone(gz)
	badCRC[len(badCRC)-8] ^= 1
	cases := []struct {
		name string
		file []byte
		err  string // "" if the file is good
	}{
		{"two gzip members", append(gzipped(t, file[:10]), gzipped(t, file[10:])...), ""},
		{"gzip magic only", []byte{0x1f, 0x8b}, "corrupt gzip stream: it ends in the middle of a gzip member (the file is cut short, or has stray bytes after its gzip data?)"},
		{"bad gzip header", append([]byte{0x1f, 0x8b, 0x63}, make([]byte, 20)...), "corrupt gzip stream: gzip: invalid header"},
		{"corrupt deflate data", corrupt, "corrupt gzip stream: flate: corrupt input before offset 1"},
		{"bad checksum", badCRC, "corrupt gzip stream: gzip: invalid checksum"},
		{"no trailer", gz[:len(gz)-8], "corrupt gzip stream: it ends in the middle of a gzip member (the file is cut short, or has stray bytes after its gzip data?)"},
		{"cut in the data", gz[:len(gz)/2], "corrupt gzip stream: it ends in the middle of a gzip member (the file is cut short, or has stray bytes after its gzip data?)"},
		{"garbage after the stream", append(slices.Clone(gz), "this is not gzip"...), "corrupt gzip stream: gzip: invalid header"},
		{"a few stray bytes after the stream", append(slices.Clone(gz), "garbage"...), "or has stray bytes after its gzip data?"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeTemp(t, dir, strings.ReplaceAll(c.name, " ", "_")+".gz", c.file)
			p, _, err := LoadIDX(path)
			if c.err != "" {
				checkErr(t, err, path, c.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.N != 2 || p.D != 12 || p.X[23] != 255 {
				t.Errorf("got %d x %d points %v, want the 2 x 12 written", p.N, p.D, p.X)
			}
		})
	}
}

// A claim over MaxValues is refused, also when the file does hold that
// much data.
func TestLoadIDXOverMaxValues(t *testing.T) {
	defer func(m int) { maxValues = m }(maxValues)
	file := idxFile(0x08, []uint32{2, 3, 4}, idxImages())
	dir := t.TempDir()
	paths := []string{writeTemp(t, dir, "plain", file), writeTemp(t, dir, "gzipped", gzipped(t, file))}
	for _, path := range paths {
		maxValues = 24
		if _, _, err := LoadIDX(path); err != nil {
			t.Errorf("24 values under a limit of 24: %v", err)
		}
		maxValues = 23
		_, _, err := LoadIDX(path)
		checkErr(t, err, path, "header says 2 images of 3x4, 24 values, over the limit of 23 values (MaxValues, 8 GiB as float64)")
	}
}

// A header's claim costs no memory until the data are there: huge claims
// on tiny files, plain and gzipped, are refused having allocated next to
// nothing.
func TestLoadIDXClaimsAllocateNothing(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		dims []uint32
	}{
		{"over MaxValues", []uint32{2000000, 28, 28}},
		{"under MaxValues", []uint32{1000000, 28, 28}},
		{"labels under MaxValues", []uint32{1000000000}},
	}
	for _, c := range cases {
		file := idxFile(0x08, c.dims, idxImages()[:10])
		for _, path := range []string{
			writeTemp(t, dir, strings.ReplaceAll(c.name, " ", "_"), file),
			writeTemp(t, dir, strings.ReplaceAll(c.name, " ", "_")+".gz", gzipped(t, file)),
		} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var err error
			if len(c.dims) == 1 {
				_, err = LoadIDXLabels(path)
			} else {
				_, _, err = LoadIDX(path)
			}
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Errorf("%s: read a file of 10 bytes of data as %v", path, c.dims)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
				t.Errorf("%s: allocated %d bytes to refuse the claim %v (%v)", path, got, c.dims, err)
			}
		}
	}
}

func TestLoadIDXLabels(t *testing.T) {
	cases := []struct {
		name string
		file []byte
		want []int
		err  string
	}{
		{"good", idxFile(0x08, []uint32{5}, []byte{0, 9, 3, 255, 1}), []int{0, 9, 3, 255, 1}, ""},
		{"images", idxFile(0x08, []uint32{2, 3, 4}, idxImages()), nil, "an IDX file of 3 dimensions (images?), want 1 (labels)"},
		{"2 dimensions", idxFile(0x08, []uint32{2, 3}, make([]byte, 6)), nil, "an IDX file of 2 dimensions, want 1 (labels)"},
		{"ints", idxFile(0x0C, []uint32{2}, make([]byte, 8)), nil, "IDX values of type 0x0c (int), want 0x08 (unsigned byte)"},
		{"truncated", idxFile(0x08, []uint32{5}, []byte{1, 2, 3}), nil, "header says 5 labels, 5 bytes, the file has 3 after its header"},
		{"no labels", idxFile(0x08, []uint32{0}, nil), nil, "header says 0 labels, want at least 1"},
		{"header cut short", idxFile(0x08, []uint32{5}, nil)[:6], nil, "IDX header cut short: 1 dimension need 8 bytes, the file has 6"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := strings.ReplaceAll(c.name, " ", "_")
			for _, path := range []string{writeTemp(t, dir, name, c.file), writeTemp(t, dir, name+".gz", gzipped(t, c.file))} {
				labels, err := LoadIDXLabels(path)
				if c.err != "" {
					checkErr(t, err, path, c.err)
					continue
				}
				if err != nil || !slices.Equal(labels, c.want) {
					t.Errorf("%s: got %v, %v; want %v", path, labels, err, c.want)
				}
			}
		})
	}
}

// fashionMNIST is where Debian's dataset-fashion-mnist package puts
// Fashion-MNIST.
const fashionMNIST = "/usr/share/datasets/fashion-mnist"

func TestLoadIDXFashionMNIST(t *testing.T) {
	if _, err := os.Stat(filepath.Join(fashionMNIST, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skip("install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) to run this test")
	}
	if testing.Short() {
		t.Skip("reads 60000 images; not with -short")
	}
	for _, c := range []struct {
		images, labels string
		n              int
	}{
		{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000},
		{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000},
	} {
		p, s, err := LoadIDX(filepath.Join(fashionMNIST, c.images))
		if err != nil {
			t.Fatal(err)
		}
		if p.N != c.n || p.D != 784 || len(p.X) != c.n*784 || s != (Image{H: 28, W: 28, C: 1}) {
			t.Errorf("%s: got %d x %d points of %v, want %d x 784 of 28x28x1", c.images, p.N, p.D, s, c.n)
		}
		var top float64
		for _, v := range p.X {
			if v != float64(int(v)) || v < 0 || v > 255 {
				t.Fatalf("%s: value %v, want bytes 0..255", c.images, v)
			}
			top = max(top, v)
		}
		if top != 255 {
			t.Errorf("%s: the brightest pixel is %v, want 255", c.images, top)
		}
		labels, err := LoadIDXLabels(filepath.Join(fashionMNIST, c.labels))
		if err != nil {
			t.Fatal(err)
		}
		count := make([]int, 10)
		for _, l := range labels {
			if l < 0 || l > 9 {
				t.Fatalf("%s: label %d, want 0..9", c.labels, l)
			}
			count[l]++
		}
		for k, m := range count {
			if m != c.n/10 {
				t.Errorf("%s: %d images of class %d, want %d (Fashion-MNIST is balanced)", c.labels, m, k, c.n/10)
			}
		}
	}
}

// LoadIDXFirst reads the first images only: from a gzipped file whose
// header claims a million (and whose data stop after two), the first one
// comes back whole, and asking for more than the stream holds fails; a
// plain file is still checked against its header's size.
func TestLoadIDXFirst(t *testing.T) {
	dir := t.TempDir()
	claims := gzipped(t, idxFile(8, []uint32{1000000, 3, 4}, idxImages()))
	path := writeTemp(t, dir, "many-idx3-ubyte.gz", claims)
	p, s, err := LoadIDXFirst(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.N != 1 || p.D != 12 || s != (Image{H: 3, W: 4, C: 1}) || p.X[11] != 121 {
		t.Errorf("got %d x %d %v, last value %v; want the first 3x4 image", p.N, p.D, s, p.X[11])
	}
	if _, _, err := LoadIDXFirst(path, 3); err == nil {
		t.Error("read 3 images from a stream of 2")
	}
	plain := writeTemp(t, dir, "short-idx3-ubyte", idxFile(8, []uint32{5, 3, 4}, idxImages()))
	if _, _, err := LoadIDXFirst(plain, 1); err == nil || !strings.Contains(err.Error(), "header says 5 images of 3x4") {
		t.Errorf("a plain file shorter than its header: %v", err)
	}
}
