package datasets

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyFile builds a .npy file (format 1.0) around a header dict and data.
func npyFile(dict string, data []byte) []byte {
	h := []byte(dict)
	for (10+len(h)+1)%64 != 0 {
		h = append(h, ' ')
	}
	h = append(h, '\n')
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), data...)
}

func npyHeaderDict(descr string, fortran bool, shape string) string {
	order := "False"
	if fortran {
		order = "True"
	}
	return fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
}

// npyData encodes values in the byte order and width of descr.
func npyData(descr string, vals ...float64) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		order = binary.BigEndian
	}
	var b []byte
	for _, v := range vals {
		if descr[1:] == "f4" {
			b = order.AppendUint32(b, math.Float32bits(float32(v)))
		} else {
			b = order.AppendUint64(b, math.Float64bits(v))
		}
	}
	return b
}

// plainReader hides the size of what it reads.
type plainReader struct{ r io.Reader }

func (p plainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

func TestReadNPY(t *testing.T) {
	// The 2 x 3 array [[1, 2, 3], [4, 5, 6]] in each layout.
	cOrder, fOrder := []float64{1, 2, 3, 4, 5, 6}, []float64{1, 4, 2, 5, 3, 6}
	want := []float64{1, 2, 3, 4, 5, 6}
	cases := []struct {
		name string
		file []byte
		err  string // "" if the file is good
		// plainErr is the error reading from a reader of unknown size, if
		// it differs.
		plainErr string
	}{
		{"float64 C order", npyFile(npyHeaderDict("<f8", false, "(2, 3)"), npyData("<f8", cOrder...)), "", ""},
		{"float64 Fortran order", npyFile(npyHeaderDict("<f8", true, "(2, 3)"), npyData("<f8", fOrder...)), "", ""},
		{"float32 C order", npyFile(npyHeaderDict("<f4", false, "(2, 3)"), npyData("<f4", cOrder...)), "", ""},
		{"float32 Fortran order", npyFile(npyHeaderDict("<f4", true, "(2, 3)"), npyData("<f4", fOrder...)), "", ""},
		{"native order", npyFile(npyHeaderDict("=f8", false, "(2, 3)"), npyData("<f8", cOrder...)), "", ""},
		{"no order", npyFile(npyHeaderDict("|f4", false, "(2,3)"), npyData("<f4", cOrder...)), "", ""},
		{"keys in another order, Python 2 longs", npyFile("{'shape': (2L, 3L), 'fortran_order': False, 'descr': '<f8'}", npyData("<f8", cOrder...)), "", ""},
		{"big-endian", npyFile(npyHeaderDict(">f8", false, "(2, 3)"), npyData(">f8", cOrder...)),
			`.npy dtype ">f8" is big-endian, want little-endian <f8 or <f4`, ""},
		{"huge shape", npyFile(npyHeaderDict("<f8", false, "(1000000000000, 2)"), npyData("<f8", 1, 2, 3, 4)),
			".npy header claims shape (1000000000000, 2), 16000000000000 bytes of data, but the file has 32 after its header",
			".npy header claims shape (1000000000000, 2), 2000000000000 values, over the limit of 1073741824 values (MaxValues"},
		{"shape overflowing 64 bits", npyFile(npyHeaderDict("<f8", false, "(9223372036854775807, 3)"), nil),
			".npy header claims shape (9223372036854775807, 3), more bytes of data than a 64-bit size can count, but the file has 0 after its header",
			"more values than a 64-bit count holds; the limit is 1073741824 values"},
		{"dimension beyond int", npyFile(npyHeaderDict("<f8", false, "(99999999999999999999, 3)"), nil),
			"shape is not a tuple of non-negative integers", ""},
		{"truncated data", npyFile(npyHeaderDict("<f8", false, "(2, 3)"), npyData("<f8", cOrder[:5]...)),
			".npy header claims shape (2, 3), 48 bytes of data, but the file has 40 after its header", ""},
		{"truncated float32 data", npyFile(npyHeaderDict("<f4", true, "(2, 3)"), npyData("<f4", cOrder...)[:23]),
			".npy header claims shape (2, 3), 24 bytes of data, but the file has 23 after its header", ""},
		{"data after the array", npyFile(npyHeaderDict("<f8", false, "(2, 3)"), npyData("<f8", 1, 2, 3, 4, 5, 6, 7)),
			".npy header claims shape (2, 3), 48 bytes of data, but the file has 56 after its header",
			".npy header claims shape (2, 3), 48 bytes of data, but the file has more after its header"},
		{"integers", npyFile(npyHeaderDict("<i8", false, "(2, 3)"), make([]byte, 48)), `.npy dtype "<i8", want float64 (<f8) or float32 (<f4)`, ""},
		{"structured dtype", npyFile("{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (2,), }", make([]byte, 16)),
			"descr is not a quoted string (a structured dtype?)", ""},
		{"rank 1", npyFile(npyHeaderDict("<f8", false, "(6,)"), npyData("<f8", cOrder...)), ".npy shape (6,), want (n, D) with n, D >= 1", ""},
		{"no rows", npyFile(npyHeaderDict("<f8", false, "(0, 3)"), nil), ".npy shape (0, 3), want (n, D) with n, D >= 1", ""},
		{"NaN", npyFile(npyHeaderDict("<f8", false, "(2, 3)"), npyData("<f8", 1, 2, 3, 4, math.NaN(), 6)),
			"row 1, column 1 (counting from 0, as a[1, 1] in NumPy) is NaN; every value must be finite", ""},
		{"Inf in Fortran order", npyFile(npyHeaderDict("<f4", true, "(2, 3)"), npyData("<f4", 1, 4, 2, 5, math.Inf(-1), 6)),
			"row 0, column 2 (counting from 0, as a[0, 2] in NumPy) is -Inf", ""},
		{"missing key", npyFile("{'descr': '<f8', 'shape': (2, 3), }", npyData("<f8", cOrder...)), `no key "fortran_order"`, ""},
		{"unknown key", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", npyData("<f8", cOrder...)),
			`unknown key "x", want descr, fortran_order and shape`, ""},
		{"header cut short", []byte("\x93NUMPY\x01\x00\x76\x00{'descr'"), ".npy header says 118 bytes, the file has 8 after it", ""},
		{"header over the limit", append([]byte("\x93NUMPY\x02\x00"), 0, 0, 0, 1), ".npy header length 16777216 bytes, over the limit of 65536", ""},
		{"not npy", []byte("1,2\n3,4\n"), `not a .npy file (no \x93NUMPY magic)`, ""},
		{"version 4", []byte("\x93NUMPY\x04\x00\x00\x00"), ".npy format version 4.0, want 1.x, 2.x or 3.x", ""},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			readers := []struct {
				name string
				read func() (Points, error)
				err  string
			}{
				{"file", func() (Points, error) { return ReadFile(path) }, c.err},
				{"bytes.Reader", func() (Points, error) { return ReadNPY(bytes.NewReader(c.file)) }, c.err},
				{"plain reader", func() (Points, error) { return ReadNPY(plainReader{bytes.NewReader(c.file)}) }, cmp.Or(c.plainErr, c.err)},
			}
			for _, r := range readers {
				p, err := r.read()
				if r.err != "" {
					if err == nil || !strings.Contains(err.Error(), r.err) || !strings.HasPrefix(err.Error(), "datasets: ") || strings.Contains(err.Error(), "\n") {
						t.Errorf("%s: got error %v, want one line starting datasets: and containing %q", r.name, err, r.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", r.name, err)
				}
				if p.N != 2 || p.D != 3 || !slices.Equal(p.X, want) {
					t.Errorf("%s: got %d x %d points %v, want 2 x 3 %v", r.name, p.N, p.D, p.X, want)
				}
			}
		})
	}
}

// A shape over MaxValues is refused before the data are allocated, also when
// the file does have that much data.
func TestReadNPYOverMaxValues(t *testing.T) {
	defer func(m int) { maxValues = m }(maxValues)
	maxValues = 5
	file := npyFile(npyHeaderDict("<f8", false, "(2, 3)"), npyData("<f8", 1, 2, 3, 4, 5, 6))
	path := filepath.Join(t.TempDir(), "big.npy")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "datasets: " + ".npy header claims shape (2, 3), 6 values, over the limit of 5 values (MaxValues"
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), want[len("datasets: "):]) {
		t.Errorf("file: got %v, want %q", err, want)
	}
	if _, err := ReadNPY(plainReader{bytes.NewReader(file)}); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("plain reader: got %v, want %q", err, want)
	}
}

// Data larger than one read chunk, in both orders and from both kinds of
// reader, land in the right places.
func TestReadNPYManyChunks(t *testing.T) {
	const n, d = 50000, 7 // 2.8 MB of float64, three chunks
	want := make([]float64, n*d)
	for k := range want {
		want[k] = float64(k) / 8
	}
	fortran := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			fortran[j*n+i] = want[i*d+j]
		}
	}
	shape := fmt.Sprintf("(%d, %d)", n, d)
	cases := []struct {
		name string
		file []byte
	}{
		{"float64 C", npyFile(npyHeaderDict("<f8", false, shape), npyData("<f8", want...))},
		{"float64 Fortran", npyFile(npyHeaderDict("<f8", true, shape), npyData("<f8", fortran...))},
		{"float32 C", npyFile(npyHeaderDict("<f4", false, shape), npyData("<f4", want...))},
		{"float32 Fortran", npyFile(npyHeaderDict("<f4", true, shape), npyData("<f4", fortran...))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(c.file), plainReader{bytes.NewReader(c.file)}} {
				p, err := ReadNPY(r)
				if err != nil {
					t.Fatal(err)
				}
				if p.N != n || p.D != d || !slices.Equal(p.X, want) {
					t.Fatalf("%T: read %d x %d points, not the %d x %d written", r, p.N, p.D, n, d)
				}
			}
		})
	}
}

func BenchmarkReadNPY(b *testing.B) {
	const n, d = 60000, 784 // MNIST as float64: 376 MB
	p := NewPoints(n, d)
	for k := range p.X {
		p.X[k] = float64(k%1000) / 7
	}
	path := filepath.Join(b.TempDir(), "mnist.npy")
	if err := WriteFile(path, p); err != nil {
		b.Fatal(err)
	}
	p = Points{}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		q, err := ReadFile(path)
		if err != nil || q.N != n || q.D != d {
			b.Fatalf("read %d x %d points, %v", q.N, q.D, err)
		}
	}
}
