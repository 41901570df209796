package datasets

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"scorenet/points"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
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
		switch descr[1:] {
		case "u1", "b1":
			b = append(b, byte(v))
		case "i1":
			b = append(b, byte(int8(v)))
		case "i2":
			b = order.AppendUint16(b, uint16(int16(v)))
		case "u4":
			b = order.AppendUint32(b, uint32(v))
		case "i8":
			b = order.AppendUint64(b, uint64(int64(v)))
		case "f4":
			b = order.AppendUint32(b, math.Float32bits(float32(v)))
		default:
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
		{"uint8 pixels", npyFile(npyHeaderDict("|u1", false, "(2, 3)"), npyData("|u1", cOrder...)), "", ""},
		{"uint8 pixels, Fortran order", npyFile(npyHeaderDict("|u1", true, "(2, 3)"), npyData("|u1", fOrder...)), "", ""},
		{"truncated uint8 data", npyFile(npyHeaderDict("|u1", false, "(2, 3)"), npyData("|u1", cOrder[:5]...)),
			".npy header claims shape (2, 3), 6 bytes of data, but the file has 5 after its header", ""},
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
		{"int64, as np.save writes integers", npyFile(npyHeaderDict("<i8", false, "(2, 3)"), npyData("<i8", cOrder...)), "", ""},
		{"int8", npyFile(npyHeaderDict("|i1", false, "(2, 3)"), npyData("|i1", cOrder...)), "", ""},
		{"int16, Fortran order", npyFile(npyHeaderDict("<i2", true, "(2, 3)"), npyData("<i2", fOrder...)), "", ""},
		{"uint32", npyFile(npyHeaderDict("<u4", false, "(2, 3)"), npyData("<u4", cOrder...)), "", ""},
		{"images of 1x3, as (n, H, W)", npyFile(npyHeaderDict("<f8", false, "(2, 1, 3)"), npyData("<f8", cOrder...)), "", ""},
		{"an int64 beyond 2^53", npyFile(npyHeaderDict("<i8", false, "(2, 3)"), npyData("<i8", 1, 2, 3, 4, 5, 1<<54)),
			".npy value 18014398509481984 (int64) is beyond 2^53, which no float64 holds exactly", ""},
		{"complex", npyFile(npyHeaderDict("<c8", false, "(2, 3)"), make([]byte, 48)), `.npy dtype "<c8", want a float (<f8, <f4), an integer (<i8, |u1, ...) or a bool (|b1)`, ""},
		{"(n, H, W) in Fortran order", npyFile(npyHeaderDict("<f8", true, "(2, 1, 3)"), npyData("<f8", cOrder...)), ".npy shape (2, 1, 3) in Fortran order: an array of more than two axes is read in C order", ""},
		{"structured dtype", npyFile("{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (2,), }", make([]byte, 16)),
			"descr is not a quoted string (a structured dtype?)", ""},
		{"rank 1", npyFile(npyHeaderDict("<f8", false, "(6,)"), npyData("<f8", cOrder...)), ".npy shape (6,), want (n, D), or (n, H, W, ...) for n points of H*W*... values, every size >= 1", ""},
		{"no rows", npyFile(npyHeaderDict("<f8", false, "(0, 3)"), nil), ".npy shape (0, 3), want (n, D), or (n, H, W, ...)", ""},
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
				read func() (points.Points, error)
				err  string
			}{
				{"file", func() (points.Points, error) { return ReadFile(path) }, c.err},
				{"bytes.Reader", func() (points.Points, error) { return ReadNPY(bytes.NewReader(c.file)) }, c.err},
				{"plain reader", func() (points.Points, error) { return ReadNPY(plainReader{bytes.NewReader(c.file)}) }, cmp.Or(c.plainErr, c.err)},
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

func TestReadCSVHeadersAndLimits(t *testing.T) {
	cases := []struct {
		name   string
		text   string
		want   []float64
		header []string
		err    string
	}{
		{"BOM, no header", "\uFEFF1,2\n3,4\n", []float64{1, 2, 3, 4}, nil, ""},
		{"BOM and header", "\uFEFFx,y\n1,2\n", []float64{1, 2}, []string{"x", "y"}, ""},
		{"BOM and comment", "\uFEFF# made by hand\n1,2\n", []float64{1, 2}, nil, ""},
		{"quoted header, CRLF, blank lines", "\"x\", \"y, in m\"\r\n\r\n1,2\r\n  \r\n3,4\r\n", []float64{1, 2, 3, 4}, []string{"x", "y, in m"}, ""},
		{"quoted numbers", "\"1\", \" 2 \"\n", []float64{1, 2}, nil, ""},
		{"a NUL after a number", "1,2\x00\n3,4\n", nil, nil,
			"not UTF-8 text (a NUL byte at offset 3: UTF-16 without a byte-order mark? or binary); save it as UTF-8 CSV"},
		{"a comment after numbers", "1,2 # note\n3,4\n", nil, nil,
			`line 1, column 2: "2 # note" is not a number; a header row must be all names, comments take a whole line starting with #`},
		{"sklearn's header", "178,13,class_0,class_1,class_2\n14.23,1.71,2.43,15.6,127,2.8,3.06,.28,2.29,5.64,1.04,3.92,1065,0\n", nil, nil,
			`line 1, column 3: "class_0" is not a number; a header row must be all names`},
		{"mixed first row after a comment", "# c\n\n1,x\n", nil, nil, `line 3, column 2: "x" is not a number; a header row must be all names`},
		{"unprintable name", "x,\x01y\n1,2\n", nil, nil, `line 1, column 2: "\x01y" is neither a number nor a name (printable text); a header row must be all names`},
		{"semicolons and decimal commas", "a;b\n1,5;2\n-0,25;3\n", []float64{1.5, 2, -0.25, 3}, []string{"a", "b"}, ""},
		{"tabs", "a\tb\n1\t2\n", []float64{1, 2}, []string{"a", "b"}, ""},
		{"a comma in the first line keeps commas", "a,b;c\n1,2;3\n", nil, nil, `line 2, column 2: "2;3" is not a number`},
		{"pandas' column numbers", "0,1,2,3\n0.5,1.5,2.5,1\n", []float64{0.5, 1.5, 2.5, 1}, []string{"0", "1", "2", "3"}, ""},
		{"a series' first row, sin 0 and cos 0", "0,1\n0.841,-0.99\n", []float64{0, 1, 0.841, -0.99}, nil, ""},
		{"a names column beside column numbers", "kind,0,1\na,0.5,1.5\nb,2.5,3.5\n", []float64{0.5, 1.5, 2.5, 3.5}, []string{"0", "1"}, ""},
		{"pandas' column numbers after its index", ",0,1\n0,0.5,1.5\n1,2.5,3.5\n", []float64{0.5, 1.5, 2.5, 3.5}, []string{"0", "1"}, ""},
		{"column numbers over whole numbers", "1,2,3,4\n0,5,12,0\n", []float64{0, 5, 12, 0}, []string{"1", "2", "3", "4"}, ""},
		{"years beside the rows' names", "country,1962,1963\nohio,1,2\nutah,3,4\n", []float64{1, 2, 3, 4}, []string{"1962", "1963"}, ""},
		{"years over fractions", "1990,2000,2010\n0.5,1,2\n", []float64{0.5, 1, 2}, []string{"1990", "2000", "2010"}, ""},
		{"a headerless table of flags", "0,1\n1,0\n", []float64{0, 1, 1, 0}, nil, ""},
		{"pandas' index over a constant row", ",0,1,2,3\n0,1,1,1,1\n1,0,1,0,1\n", []float64{1, 1, 1, 1, 0, 1, 0, 1}, []string{"0", "1", "2", "3"}, ""},
		{"pandas' index over whole numbers", ",0,1,2\n0,1,9,4\n1,2,3,4\n", []float64{1, 9, 4, 2, 3, 4}, []string{"0", "1", "2"}, ""},
		{"a first value missing before 1, 2, 3", ",1,2,3\n0.5,0.2,0.1,0.3\n", nil, nil, "line 1, column 1"},
		{"R's header of events", "\"\",\"100\",\"long\",\"400\"\n\"1\",10.93,7.65,49.53\n\"2\",11.06,7.3,48.9\n", []float64{10.93, 7.65, 49.53, 11.06, 7.3, 48.9}, []string{"100", "long", "400"}, ""},
		{"R's header of numbers only", "\"\",\"100\",\"400\"\n\"1\",10.93,49.53\n\"2\",11,48.9\n", []float64{10.93, 49.53, 11, 48.9}, []string{"100", "400"}, ""},
		{"a name over a number", "100,long\n10.9,7.6\n", []float64{10.9, 7.6}, []string{"100", "long"}, ""},
		{"every cell quoted", "\"1\",\"2\"\n\"3\",\"4\"\n", []float64{1, 2, 3, 4}, nil, ""},
		{"a name over a name", "ohio,1,2\nutah,3,4\n", nil, nil, `line 1, column 1: "ohio" is not a number`},
		{"a name over a row of another width", "100,long\n10.9,7.6,3\n", nil, nil, `line 1, column 2: "long" is not a number`},
		{"a headerless table of consecutive numbers", "1,2,3,4\n5,6,7,8\n", []float64{1, 2, 3, 4, 5, 6, 7, 8}, nil, ""},
		{"a run of three over whole numbers", "1,2,3\n7,5,9\n", []float64{1, 2, 3, 7, 5, 9}, nil, ""},
		{"a run in the only row", "0,1,2,3\n", []float64{0, 1, 2, 3}, nil, ""},
		{"numbers out of step", "0,1,3,4\n0.5,1,2,3\n", []float64{0, 1, 3, 4, 0.5, 1, 2, 3}, nil, ""},
		{"a comment before the column numbers", "# from numpy\n0,1,2,3\n0.5,0.25,1,2\n", []float64{0.5, 0.25, 1, 2}, []string{"0", "1", "2", "3"}, ""},
		{"a bad cell on the line after the column numbers", "0,1,2,3\n1,x,2,3\n", nil, nil, `line 2, column 2: "x" is not a number`},
		{"pandas' row index", ",x,y\n0,1,2\n1,3,4\n", []float64{1, 2, 3, 4}, []string{"x", "y"}, ""},
		{"a row index of names", ",x\nohio,1\nutah,2\n", []float64{1, 2}, []string{"x"}, ""},
		{"a shuffled row index", ",x\n17,1\n3,2\n-4,3\n", []float64{1, 2, 3}, []string{"x"}, ""},
		{"a repeated row index", ",x\n0,1\n5,2\n0,3\n", nil, nil, `lines 2 and 4 both hold "0" in column 1, which the header leaves unnamed`},
		{"7 and 7.0 are one row number", ",x\n7,1\n7.0,2\n", nil, nil, `lines 2 and 3 both hold "7" in column 1`},
		{"an unnamed column of repeated fractions", ",x\n0.5,1\n0.5,2\n", nil, nil, `lines 2 and 3 both hold "0.5" in column 1, which the header leaves unnamed`},
		{"an empty row index cell", ",x\n,1\n", nil, nil, "line 2, column 1 is empty or NA; the header leaves column 1 unnamed"},
		{"an NA row index cell", ",x\n0,1\nNA,2\n", nil, nil, "line 3, column 1 is empty or NA"},
		{"row numbers beyond 2^53", ",x\n9007199254740992,1\n9007199254740993,2\n", []float64{1, 2}, []string{"x"}, ""},
		{"a value after the row index", ",x,y\n0,1,z\n", nil, nil, `line 2, column 3: "z" is not a number`},
		{"a short row after the row index", ",a,b\n0,1,2\n1,3\n", nil, nil, "line 3 has 2 columns, want 3 like the rows before it"},
		{"a header wider than the row index's rows", ",a,b\n0,1\n", nil, nil, "line 2 has 2 columns, want 3 like the header row"},
		{"a second unnamed column", ",,y\n0,1,2\n", nil, nil, `line 1, column 1: "" is neither a number nor a name`},
		{"header narrower than the rows", "x,y\n1,2,3\n", nil, nil, "line 2 has 3 columns, want 2 like the header row"},
		{"a second header", "x,y\na,b\n", nil, nil, `line 2, column 2: "b" is not a number`},
		{"the rows' names under a header", "state,x\nohio,1\nutah,2\n", []float64{1, 2}, []string{"x"}, ""},
		{"the rows' names after the index", ",state,x\n0,ohio,1\n1,utah,2\n", []float64{1, 2}, []string{"x"}, ""},
		{"a bad value after the index and the names", ",state,x,y\n0,ohio,1,z\n", nil, nil, `line 2, column 4: "z" is not a number`},
		{"repeated names after the index", ",kind,x\n0,cat,1\n1,cat,2\n", nil, nil, `lines 2 and 3 both hold "cat" in column 2 (kind)`},
		{"names that repeat in column 1", "kind,x\ncat,1\ndog,2\ncat,3\n", nil, nil, `lines 2 and 4 both hold "cat" in column 1 (kind): a column of names that repeat is each row's class, not its name: name it in data.label_column`},
		{"dates as the rows' names", "period,x\n1974-01-01,1\n1974-04-01,2\n", []float64{1, 2}, []string{"x"}, ""},
		{"names of rows with a repeat among them", "model,x\nNCR V8635 ,1\nNCR V8650,2\nNCR V8635,3\nIBM 370,4\n", []float64{1, 2, 3, 4}, []string{"x"}, ""},
		{"a price is not a row name", "price,x\n$1.50,1\n$2.25,2\n", nil, nil, `line 2, column 1: "$1.50" is not a number`},
		{"a grouped number is a number, not a row name", "population,x\n\"1,234\",1\n", []float64{1234, 1}, []string{"population", "x"}, ""},
		{"a number among the rows' names", "state,x\nohio,1\n7,2\n", nil, nil, `line 3, column 1 (state): "7" is not a name`},
		{"a class's name among numbers", "x,y\n1,cat\n", nil, nil, `line 2, column 2: "cat" is not a number (a column of names is read as each row's class by data.label_column, or as a category by data.categories; a few names among numbers are neither)`},
		{"NaN", "1,2\n3,NaN\n", nil, nil, `line 2, column 2: "NaN", a missing value, where every value is needed`},
		{"NA", "1,2\n3,NA\n", nil, nil, `line 2, column 2: "NA", a missing value, where every value is needed`},
		{"beyond float64", "1,2\n3,-1e999\n", nil, nil, `line 2, column 2: "-1e999" is not finite; every value must be finite`},
		{"unclosed quote", "\"1,2\n3,4\"\n", nil, nil, "line 1, column 1: a quoted cell must end on its line"},
		{"text after a quote", "\"1\"2,3\n", nil, nil, "line 1, column 1: text after the closing quote"},
		{"long cell quoted short", "1,2\n3," + strings.Repeat("x", 100) + "\n", nil, nil, `line 2, column 2: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"... is not a number`},
		{"too many columns", "1\n" + strings.Repeat("0,", MaxColumns) + "0\n", nil, nil, "line 2 has more than 131072 columns (MaxColumns)"},
		{"as many columns as allowed", strings.Repeat("0,", MaxColumns-1) + "0\n", make([]float64, MaxColumns), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, header, err := readCSV(strings.NewReader(c.text))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
					t.Errorf("got error %v, want one line containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.X, c.want) || p.N*p.D != len(c.want) || !slices.Equal(header, c.header) {
				t.Errorf("got %d x %d points %v, header %q; want %v, header %q", p.N, p.D, p.X, header, c.want, c.header)
			}
		})
	}
}

// endless is CSV text made up as it is read: a first line, then a long
// second line of repeated text, up to size bytes in all.
type endless struct {
	first, repeat string
	size, read    int64
}

func (e *endless) Read(b []byte) (int, error) {
	if e.read >= e.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && e.read < e.size {
		var c byte
		if e.read < int64(len(e.first)) {
			c = e.first[e.read]
		} else {
			c = e.repeat[(e.read-int64(len(e.first)))%int64(len(e.repeat))]
		}
		b[n] = c
		n++
		e.read++
	}
	return n, nil
}

// An over-long line ends the read as soon as it passes the limit: neither
// read whole nor held in memory.
func TestReadCSVLongLines(t *testing.T) {
	cases := []struct {
		name string
		src  *endless
		err  string
	}{
		{"2 GiB without a newline", &endless{first: "x,y\n", repeat: "1", size: 2 << 30}, "line 2 is longer than 16777216 bytes (16 MiB, the limit of a CSV line)"},
		{"10 million columns", &endless{first: "1,2\n", repeat: "0,", size: 4 + 2e7}, "line 2 is longer than 16777216 bytes"},
		{"10 million empty columns", &endless{first: "", repeat: ",", size: 1e7}, "line 1 has more than 131072 columns (MaxColumns)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV(c.src)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("got error %v, want %q", err, c.err)
			}
			if c.src.read > maxCSVLine+1<<20 && c.src.read == c.src.size {
				t.Errorf("read all %d bytes of the input before failing", c.src.read)
			}
		})
	}
	t.Run("a line just under the limit", func(t *testing.T) {
		line := "1" + strings.Repeat(" ", maxCSVLine-1)
		p, err := ReadCSV(strings.NewReader("x\n" + line + "\r\n" + line))
		if err != nil || p.N != 2 || p.X[0] != 1 {
			t.Errorf("got %v, %v; want two points", p, err)
		}
	})
}

func TestReadCSVOverMaxValues(t *testing.T) {
	defer func(m int) { maxValues = m }(maxValues)
	maxValues = 5
	if _, err := ReadCSV(strings.NewReader("1,2\n3,4\n")); err != nil {
		t.Fatalf("4 values under a limit of 5: %v", err)
	}
	const want = "datasets: line 4: more than 5 values in all, the limit (MaxValues"
	if _, err := ReadCSV(strings.NewReader("x,y\n1,2\n3,4\n5,6\n")); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestLoadSaysWhatWasRead(t *testing.T) {
	dir := t.TempDir()
	many := strings.Repeat("1,", 9) + "1\n"
	cases := []struct {
		name, file string
		content    []byte
		header     []string
		describe   string
	}{
		{"header", "data.csv", []byte("x,y\n1,2\n3,4\n"), []string{"x", "y"},
			"2 points of dimension 2 from DIR/data.csv (first row taken as a header: x, y)"},
		{"BOM and header", "bom.csv", []byte("\uFEFFx,y\n1,2\n"), []string{"x", "y"},
			"1 point of dimension 2 from DIR/bom.csv (first row taken as a header: x, y)"},
		{"no header", "plain.csv", []byte("1,2\n3,4\n5,6\n"), nil, "3 points of dimension 2 from DIR/plain.csv"},
		{"semicolons", "excel.csv", []byte("x;y\n1,5;2\n"), []string{"x", "y"},
			"1 point of dimension 2 from DIR/excel.csv (first row taken as a header: x, y; cells separated by semicolons, a comma in a number read as its decimal point)"},
		{"row index and names", "names.csv", []byte(",state,x\n0,ohio,1\n1,utah,3\n"), []string{"x"},
			"2 points of dimension 1 from DIR/names.csv (first row taken as a header: x; column 1, unnamed in the header and each row's own number or name, is the rows' index (as pandas' to_csv and R's write.csv write it) and is left out; column 2 (state), a name each row's own, is the rows' names and is left out)"},
		{"row index", "index.csv", []byte(",x,y\n0,1,2\n1,3,4\n"), []string{"x", "y"},
			"2 points of dimension 2 from DIR/index.csv (first row taken as a header: x, y; column 1, unnamed in the header and each row's own number or name, is the rows' index (as pandas' to_csv and R's write.csv write it) and is left out)"},
		{"many names", "wide.csv", []byte("a,b,c,d,e,f,g,h,i,j\n" + many), []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"},
			"1 point of dimension 10 from DIR/wide.csv (first row taken as a header: a, b, c, d, e, f, g, h, ... (10 names))"},
		{"float64 npy", "data.npy", npyFile(npyHeaderDict("<f8", false, "(1, 2)"), npyData("<f8", 1, 2)), nil, "1 point of dimension 2 from DIR/data.npy"},
		{"float32 Fortran npy", "f32.npy", npyFile(npyHeaderDict("<f4", true, "(1, 2)"), npyData("<f4", 1, 2)), nil,
			"1 point of dimension 2 from DIR/f32.npy (float32 values, Fortran order)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if err := os.WriteFile(path, c.content, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Path != path || !slices.Equal(f.Header, c.header) || (c.header == nil) != (f.Header == nil) {
				t.Errorf("got path %s, header %q; want %s, %q", f.Path, f.Header, path, c.header)
			}
			if want := strings.ReplaceAll(c.describe, "DIR", dir); f.Describe() != want {
				t.Errorf("Describe() = %q, want %q", f.Describe(), want)
			}
		})
	}
}

func BenchmarkReadNPY(b *testing.B) {
	const n, d = 60000, 784 // MNIST as float64: 376 MB
	p := points.New(n, d)
	for k := range p.X {
		p.X[k] = float64(k%1000) / 7
	}
	path := filepath.Join(b.TempDir(), "mnist.npy")
	if err := WriteFile(path, p); err != nil {
		b.Fatal(err)
	}
	p = points.Points{}
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

// WriteBudgeted writes what WriteFile writes, without checking the memory
// again (its caller budgeted it with the work).
func TestWriteBudgetedWritesWhatWriteFileWrites(t *testing.T) {
	p := points.Points{N: 3, D: 2, X: []float64{1, -2.5, 3e-300, 0.1, 7, 1e300}}
	for _, ext := range []string{".csv", ".npy"} {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"+ext), filepath.Join(dir, "b"+ext)
		if err := WriteFile(a, p); err != nil {
			t.Fatal(err)
		}
		if err := WriteBudgeted(b, p); err != nil {
			t.Fatal(err)
		}
		x, _ := os.ReadFile(a)
		y, _ := os.ReadFile(b)
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s: %d and %d bytes differ", ext, len(x), len(y))
		}
	}
}

// Files with holes: LoadMissing reads an empty cell, NA or NaN as NaN (and
// a NaN in a .npy file), still refuses what is neither a number nor
// missing, and infinite values; Load refuses them all.
func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		want       []float64 // NaN for missing; nil: refused
		refusal    string
	}{
		{name: "empty cells", text: "a,b\n1,\n,2\n3,4\n", want: []float64{1, math.NaN(), math.NaN(), 2, 3, 4}},
		{name: "NA and NaN", text: "1,NA\nnan,2\n", want: []float64{1, math.NaN(), math.NaN(), 2}},
		{name: "the UCI repository's ?", text: "1,?\n2,3\n", want: []float64{1, math.NaN(), 2, 3}},
		{name: "a word", text: "1,2\nmissing,2\n", refusal: `line 2, column 1: "missing" is neither a number nor missing`},
		{name: "infinite", text: "1,2\ninf,2\n", refusal: "line 2, column 1: \"inf\" is not finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := LoadMissing(path)
			if c.want == nil {
				if err == nil || !strings.Contains(err.Error(), c.refusal) || !strings.Contains(err.Error(), path) {
					t.Fatalf("got %v, want an error naming %s and saying %q", err, path, c.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range c.want {
				if got := f.X[i]; got != v && !(math.IsNaN(got) && math.IsNaN(v)) {
					t.Errorf("value %d: %v, want %v", i, got, v)
				}
			}
			if c.name != "NA and NaN" { // a NaN cell parses as a number, so Load refuses it as not finite
				if _, err := Load(path); err == nil {
					t.Error("Load took a file with missing entries")
				}
			}
		})
	}
	npy := filepath.Join(dir, "holes.npy")
	if err := WriteFile(npy, points.Points{N: 2, D: 2, X: []float64{1, math.NaN(), 3, 4}}); err != nil {
		t.Fatal(err)
	}
	f, err := LoadMissing(npy)
	if err != nil || !math.IsNaN(f.X[1]) || f.X[2] != 3 {
		t.Errorf("the .npy with a NaN: %v, %v", f.X, err)
	}
	if _, err := Load(npy); err == nil {
		t.Error("Load took a .npy with a NaN")
	}
}

// A row's name is not one of its values: where missing values are read,
// a missing name leaves the row's values as they are, and the first row's
// missing name is told from a missing value by the run's columns; and a
// file read for a run has its header by the run's.
func TestMissingRowNames(t *testing.T) {
	nan := math.NaN()
	dir := t.TempDir()
	cases := []struct {
		name, text string
		missing    bool
		columns    []string // a run's, where known
		forRun     bool     // read for a run
		label      string
		want       []float64 // nil: refused
		rowNames   string
		refusal    string
	}{
		{name: "a later row's name", text: "state,x,y\nohio,1,2\nNA,3,\n", missing: true, want: []float64{1, 2, 3, nan}, rowNames: "state"},
		{name: "missing names repeat no row's", text: "state,x\nohio,1\n,2\nNA,3\nutah,4\n", missing: true, want: []float64{1, 2, 3, 4}, rowNames: "state"},
		{name: "the first row's name, the run's columns after it", text: "state,x,y\nNA,1,2\nohio,3,NA\n", missing: true, columns: []string{"x", "y"}, want: []float64{1, 2, 3, nan}, rowNames: "state"},
		{name: "the run's own first column missing", text: "x,y\nNA,2\n3,4\n", missing: true, columns: []string{"x", "y"}, want: []float64{nan, 2, 3, 4}},
		{name: "the first row's name without the run's columns", text: "state,x,y\nNA,1,2\nohio,3,4\n", missing: true, refusal: `line 3, column 1: "ohio" is neither a number nor missing`},
		{name: "every name needed", text: "state,x\nohio,1\nNA,2\n", refusal: `line 3, column 1 (state): "NA" is not a name`},
		{name: "the first row's name, a label column among the run's", text: "who,a,b,kind\nNA,1,,cat\nP2,0.1,2,dog\n", missing: true, columns: []string{"a", "b"}, forRun: true, label: "kind", want: []float64{1, nan, 0.1, 2}, rowNames: "who"},
		// Read for a run, a first row is the header where it names the
		// run's columns, numbers or not; for a run that learnt no header,
		// a row of numbers is data.
		{name: "the run's header of numbers", text: ",0,1,2,3\n0,0,0,0,0\n1,5,3,2,8\n", columns: []string{"0", "1", "2", "3"}, forRun: true, want: []float64{0, 0, 0, 0, 5, 3, 2, 8}},
		{name: "numbers for a run without a header", text: "1,2,3,4\n5,3,2,8\n", forRun: true, want: []float64{1, 2, 3, 4, 5, 3, 2, 8}},
		{name: "pandas' header for a run without one", text: ",0,1,2\n0,0.5,0.1,0.2\n1,0.3,0.4,0.1\n", forRun: true, want: []float64{0.5, 0.1, 0.2, 0.3, 0.4, 0.1}},
		{name: "numbers read to train", text: "1,2,3,4\n5,3,2,8\n", want: []float64{5, 3, 2, 8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, _, _, err := LoadTable(path, Options{Missing: c.missing, Label: c.label, Want: Want{Columns: c.columns, ForRun: c.forRun}})
			if c.want == nil {
				if err == nil || !strings.Contains(err.Error(), c.refusal) {
					t.Fatalf("got %v, want an error saying %q", err, c.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.RowNames != c.rowNames || len(f.X) != len(c.want) {
				t.Fatalf("rows' names %q and %d values, want %q and %d", f.RowNames, len(f.X), c.rowNames, len(c.want))
			}
			for i, v := range c.want {
				if got := f.X[i]; got != v && !(math.IsNaN(got) && math.IsNaN(v)) {
					t.Errorf("value %d: %v, want %v", i, got, v)
				}
			}
		})
	}
}

// A table written with its header reads back with the same names and
// values, names with commas and quotes included; a .npy file keeps the
// values only.
func TestWriteTableKeepsTheHeader(t *testing.T) {
	dir := t.TempDir()
	p := points.Points{N: 2, D: 3, X: []float64{1, 2.5, -3, 0.1, 1e-300, 7}}
	header := []string{"a", "b, the second", `say "c"`}
	csv := filepath.Join(dir, "t.csv")
	if err := WriteTable(csv, p, header); err != nil {
		t.Fatal(err)
	}
	f, err := Load(csv)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Header, header) || !slices.Equal(f.X, p.X) {
		t.Errorf("read back %q %v, want %q %v", f.Header, f.X, header, p.X)
	}
	npy := filepath.Join(dir, "t.npy")
	if err := WriteTable(npy, p, header); err != nil {
		t.Fatal(err)
	}
	if g, err := Load(npy); err != nil || !slices.Equal(g.X, p.X) {
		t.Errorf(".npy: %v, %v", g.X, err)
	}
	if err := WriteTable(csv, p, header[:2]); err == nil {
		t.Error("2 names for 3 columns were written")
	}
	// Rows' names written first, a draw's each, and given names as given;
	// a name starting with # is quoted, not a comment line.
	echo := Echo{Lead: []Lead{{Name: "state", Cells: []string{"#5", "ohio, north"}}}, Given: map[[2]int]string{{1, 2}: "zz"}, Each: 1}
	if err := WriteEchoed(csv, p, header, nil, echo); err != nil {
		t.Fatal(err)
	}
	want := "state,a,\"b, the second\",\"say \"\"c\"\"\"\n\"#5\",1,2.5,-3\n\"ohio, north\",0.1,1e-300,zz\n"
	if b, _ := os.ReadFile(csv); string(b) != want {
		t.Errorf("echoed:\n%s\nwant\n%s", b, want)
	}
	echo.Each = 2
	if err := WriteEchoed(csv, p, header, nil, echo); err == nil {
		t.Error("2 names for 2 rows of 2 draws each were written")
	}
}

// Rows kept by DropIncomplete that are not like the file's are told, by
// the column that moved most; rows missing at random are not.
func TestDropBias(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(2, 3))
	for _, c := range []struct {
		name    string
		missing func(year int) bool // b's value missing in that year's row
		says    string              // "" for no warning
	}{
		{"measured only in the later years", func(year int) bool { return year < 1950 }, "among them year's mean is 0.87 of its standard deviation off the file's and its spread 0.50 of the file's"},
		{"missing at random", func(int) bool { return rng.Float64() < 0.3 }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("year,a,b\n")
			for year := 1900; year < 2000; year++ {
				v := fmt.Sprint(rng.NormFloat64())
				if c.missing(year) {
					v = "NA"
				}
				fmt.Fprintf(&b, "%d,%g,%s\n", year, rng.NormFloat64(), v)
			}
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			os.WriteFile(path, []byte(b.String()), 0o644)
			f, err := LoadMissing(path)
			if err != nil {
				t.Fatal(err)
			}
			DropIncomplete(&f, &Labels{})
			got := f.DropBias()
			if c.says == "" && got != "" || c.says != "" && (!strings.Contains(got, c.says) || !strings.Contains(got, "keeps the rows (b in 50)")) {
				t.Errorf("got %q, want %q", got, c.says)
			}
		})
	}
}

// A drop that changes a category's or the classes' shares is told too,
// and one of the rows without a class says so, not data.leave_out.
func TestDropBiasInShares(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 5))
	var b strings.Builder
	b.WriteString("x,y,kind\n")
	for i := range 300 {
		kind, y := []string{"a", "b"}[i%2], fmt.Sprint(rng.NormFloat64())
		if kind == "b" && rng.Float64() < 0.8 {
			y = "NA"
		}
		fmt.Fprintf(&b, "%g,%s,%s\n", rng.NormFloat64(), y, kind)
	}
	path := filepath.Join(dir, "kinds.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	for _, c := range []struct {
		name string
		o    Options
		says string
	}{
		{"a category", Options{Missing: true, Categories: []Category{{Column: "kind"}}}, "among them kind's values come in shares 0.3"},
		{"the classes", Options{Missing: true, Label: "kind"}, "among them the classes come in shares 0.3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, labels, _, err := LoadTable(path, c.o)
			if err != nil {
				t.Fatal(err)
			}
			DropIncomplete(&f, &labels)
			if got := f.DropBias(); !strings.Contains(got, c.says) || !strings.Contains(got, "keeps the rows (y in") {
				t.Errorf("got %q, want %q", got, c.says)
			}
		})
	}
	// Rows without a class, x shifted among them.
	b.Reset()
	b.WriteString("x,kind\n")
	for i := range 300 {
		x, kind := rng.NormFloat64(), []string{"a", "b"}[i%2]
		if x > 0.3 && rng.Float64() < 0.8 {
			kind = ""
		}
		fmt.Fprintf(&b, "%g,%s\n", x, kind)
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	f, labels, _, err := LoadTable(path, Options{Missing: true, Label: "kind"})
	if err != nil {
		t.Fatal(err)
	}
	DropIncomplete(&f, &labels)
	if got := f.DropBias(); !strings.Contains(got, "among them x's mean is") || !strings.Contains(got, "the rows left out are those without a class") {
		t.Errorf("rows without a class: %q", got)
	}
}

// DropIncomplete leaves out the rows with a missing value, their labels
// and lines with them, and says where they were.
func TestDropIncomplete(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text, column string
		rest               []float64
		labels             []int32
		lines              []int
		dropped            []string
		most               string
	}{
		{"nothing missing", "a,b\n1,2\n3,4\n", "", []float64{1, 2, 3, 4}, nil, []int{2, 3}, nil, ""},
		{"an empty cell and an NA", "a,b\n1,\n3,4\nNA,6\n7,8\n", "", []float64{3, 4, 7, 8}, nil, []int{3, 5}, []string{"line 2", "line 4"}, "a in 1, b in 1"},
		{"with labels", "a,y,b\n1,cat,2\n3,dog,nan\n5,dog,6\n", "y", []float64{1, 2, 5, 6}, []int32{0, 1}, []int{2, 4}, []string{"line 3"}, "b in 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			var f File
			var l Labels
			var err error
			if c.column != "" {
				f, l, _, err = LoadLabelledMissing(path, c.column)
			} else {
				f, err = LoadMissing(path)
			}
			if err != nil {
				t.Fatal(err)
			}
			DropIncomplete(&f, &l)
			if !slices.Equal(f.X, c.rest) || f.N*f.D != len(c.rest) || !slices.Equal(l.Of, c.labels) || !slices.Equal(f.Lines, c.lines) || !slices.Equal(f.Dropped, c.dropped) {
				t.Errorf("points %v (N %d), labels %v, lines %v, dropped %q; want %v, %v, %v, %q", f.X, f.N, l.Of, f.Lines, f.Dropped, c.rest, c.labels, c.lines, c.dropped)
			}
			if len(c.dropped) > 0 && !strings.Contains(f.Describe(), fmt.Sprintf("%d row", len(c.dropped))+map[bool]string{true: "", false: "s"}[len(c.dropped) == 1]+" with a missing value left out (data.missing: drop), the first at "+c.dropped[0]) {
				t.Errorf("Describe() = %q", f.Describe())
			}
			// More than a fifth of the rows left out: the columns most
			// often missing are named, and how to keep their rows.
			if most := "the columns most often missing: "; len(c.dropped) > 0 && !strings.Contains(f.Describe(), most+c.most+": leaving those out, data.leave_out, keeps the rows") {
				t.Errorf("Describe() = %q, want %s%s", f.Describe(), most, c.most)
			}
		})
	}
}

// Where names a value's column as the file counts it: past the row index,
// the rows' names and the label column taken out; a .npy array of more
// than two axes by its NumPy index.
func TestWhereCountsTheColumnsLeftOut(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(csv, []byte(",state,x,cls,y\n0,ohio,1,a,2\n1,utah,3,b,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, _, err := LoadLabelled(csv, "cls")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Where(1, 1), csv+" line 3, column 5"; got != want {
		t.Errorf("Where(1, 1) = %q, want %q (y, after the index, the names and the label)", got, want)
	}
	if got, want := f.Where(0, 0), csv+" line 2, column 3"; got != want {
		t.Errorf("Where(0, 0) = %q, want %q", got, want)
	}
	npy := filepath.Join(dir, "a.npy")
	if err := os.WriteFile(npy, npyFile(npyHeaderDict("<f8", false, "(2, 2, 3)"), npyData("<f8", make([]float64, 12)...)), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := Load(npy)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.Where(1, 4), npy+" row 1, column 4 (counting from 0, as a[1, 1, 1] in NumPy)"; got != want {
		t.Errorf("Where(1, 4) = %q, want %q", got, want)
	}
}

// Samples are written as a table holds numbers: positional notation for
// the sizes tables hold (not 9.210897e+06), the shortest digits that read
// back, exponents only far out.
func TestNumbersWrittenAsTablesHoldThem(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{9210897, "9210897"},
		{0.1, "0.1"},
		{-2.5e-5, "-0.000025"},
		{1234567.125, "1234567.125"},
		{0, "0"},
		{1e20, "1e+20"},
		{3e-7, "3e-07"},
		{1.0 / 3, "0.3333333333333333"},
	} {
		got := string(appendNumber(nil, c.v))
		if got != c.want {
			t.Errorf("%v written %q, want %q", c.v, got, c.want)
		}
		if back, err := strconv.ParseFloat(got, 64); err != nil || back != c.v {
			t.Errorf("%q reads back as %v, %v; want %v", got, back, err, c.v)
		}
	}
}

// A header row that ends with a separator (a spreadsheet's export) names
// the columns before it, and every row's empty cell after its last
// separator is dropped; a value there is a column the header does not
// name, refused naming its line.
func TestTrailingSeparator(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trail.csv")
	if err := os.WriteFile(path, []byte("a,b,\r\n1,2,\r\n3,4,\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil || f.N != 2 || f.D != 2 || !slices.Equal(f.Header, []string{"a", "b"}) || !slices.Equal(f.X, []float64{1, 2, 3, 4}) {
		t.Fatalf("read %+v, %v; want 2 rows of a and b", f, err)
	}
	found, err := FindNames(path, 2000)
	if err != nil || len(found.Sparse) != 0 || len(found.LeaveOut) != 0 {
		t.Errorf("FindNames: %+v, %v; want no column to leave out", found, err)
	}
	if err := os.WriteFile(path, []byte("a,b,\n1,2,\n3,4,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a value under the unnamed column: %v, want an error naming line 3", err)
	}
}

// Numbers written for people are read as the numbers: a percentage as
// its number, thousands between commas (quoted, in a file of commas) as
// one number; a cell that only looks alike stays text.
func TestNumbersWrittenForPeople(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(path, []byte("share,price\n12.5%,\"1,234\"\n7%,\"1,234,567.5\"\n-3 %,12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil || !slices.Equal(f.X, []float64{12.5, 1234, 7, 1234567.5, -3, 12}) {
		t.Fatalf("read %v, %v; want the numbers", f.X, err)
	}
	for _, c := range []struct{ cell, want string }{
		{"1,23", "1,23"}, {"%", "%"}, {"12,3456", "12,3456"}, {"a%", "a%"},
	} {
		if got := plainNumber(c.cell, ','); got != c.want {
			t.Errorf("plainNumber(%q) = %q, want %q", c.cell, got, c.want)
		}
	}
	if got := plainNumber("1,234", ';'); got != "1,234" {
		t.Errorf("in a file of semicolons, 1,234 read as %q (a decimal comma's to read there)", got)
	}
}

// A file named .csv that is not text is refused by what it is, before a
// byte of it is read as cells, by every reader of CSV files; lines ended
// by \r alone are read as lines.
func TestCSVThatIsNotText(t *testing.T) {
	const text = "x,y\n1,2\n3,4\n"
	want := []float64{1, 2, 3, 4}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	utf16le := func(bom bool, s string) []byte {
		var b []byte
		if bom {
			b = []byte{0xff, 0xfe}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			b = binary.LittleEndian.AppendUint16(b, u)
		}
		return b
	}
	// A CR-only file past the 64 KiB the line ending is told from.
	var long strings.Builder
	long.WriteString("x,y\r")
	for long.Len() < 3*sniffBytes {
		long.WriteString("1,2\r3,4\r")
	}
	longWant := make([]float64, 0, 2*long.Len()/4)
	for range strings.Count(long.String(), "\r") - 1 {
		longWant = append(longWant, float64(1+len(longWant)%4), float64(2+len(longWant)%4))
	}
	cases := []struct {
		name    string
		content []byte
		want    []float64 // the values read, where the file is read
		err     string    // else the error after "datasets: PATH: "
		// found: FindNames, which reads the first rows' cells only, reads
		// the file (a name's control character, no rows, are the
		// loaders' to refuse).
		found bool
		// leave is the LoadTable's data.leave_out; where set, only
		// LoadTable and FindNames read the file.
		leave string
	}{
		{"gzip", gz.Bytes(), nil, "gzip-compressed; decompress it first (gunzip)", false, ""},
		{"UTF-16 with its byte-order mark", utf16le(true, text), nil, "not UTF-8 text (UTF-16 little-endian, by its byte-order mark); save it as UTF-8 CSV", false, ""},
		{"UTF-16 big-endian", append([]byte{0xfe, 0xff, 0, 'x'}, text[1:]...), nil, "not UTF-8 text (UTF-16 big-endian, by its byte-order mark)", false, ""},
		{"UTF-32", append([]byte{0xff, 0xfe, 0, 0, 'x', 0, 0, 0}, text[1:]...), nil, "not UTF-8 text (UTF-32 little-endian, by its byte-order mark)", false, ""},
		{"UTF-16 without a byte-order mark", utf16le(false, text), nil, "not UTF-8 text (a NUL byte at offset 1: UTF-16 without a byte-order mark? or binary); save it as UTF-8 CSV", false, ""},
		{"a NUL after 4000 bytes of text", []byte(strings.Repeat("1,2\n", 1000) + "3,\x004\n"), nil, "not UTF-8 text (a NUL byte at offset 4002", false, ""},
		{"a PNG image", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), text...), nil, "a PNG image, not CSV text", false, ""},
		{"an Excel workbook", append([]byte("PK\x03\x04\x14\x00\x06\x00"), text...), nil, "a zip archive (an Excel .xlsx workbook is one), not CSV text; export the sheet as CSV", false, ""},
		{"a .npy array", npyFile(npyHeaderDict("<f8", false, "(2, 2)"), npyData("<f8", 1, 2, 3, 4)), nil, "a NumPy array, not CSV text; name it .npy", false, ""},
		{"binary without a NUL", []byte("x,y\n\xc3\x28\x01\x02\xff\n"), nil, "not text (byte 0xc3 at offset 4 is not UTF-8, and byte 0x01 at offset 6 a control character: a binary file?); want CSV text", false, ""},
		{"CR line endings", []byte(strings.ReplaceAll(text, "\n", "\r")), want, "", false, ""},
		{"CR line endings past 64 KiB", []byte(long.String()), longWant, "", false, ""},
		{"CR line endings, no last one", []byte("x,y\r1,2\r3,4"), want, "", false, ""},
		{"CRLF line endings", []byte(strings.ReplaceAll(text, "\n", "\r\n")), want, "", false, ""},
		{"a UTF-8 byte-order mark", []byte("\uFEFF" + text), want, "", false, ""},
		{"a UTF-8 byte-order mark and CR line endings", []byte("\uFEFF" + strings.ReplaceAll(text, "\n", "\r")), want, "", false, ""},
		{"Latin-1 names left out", []byte("x,y,town\n1,2,Z\xfcrich\n3,4,Gen\xe8ve\n"), want, "", false, "town"},
		{"a control character in a name", []byte("x,\x01y\n1,2\n"), nil, `line 1, column 2: "\x01y" is neither a number nor a name`, true, ""},
		{"empty", nil, nil, "no data rows", true, ""},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, c.content, 0o644); err != nil {
				t.Fatal(err)
			}
			readers := []struct {
				name string
				read func() (File, error)
			}{
				{"Load", func() (File, error) { return Load(path) }},
				{"LoadMissing", func() (File, error) { return LoadMissing(path) }},
				{"LoadTable", func() (File, error) {
					var leave []string
					if c.leave != "" {
						leave = []string{c.leave}
					}
					f, _, _, err := LoadTable(path, Options{LeaveOut: leave})
					return f, err
				}},
				{"FindNames", func() (File, error) {
					_, err := FindNames(path, 100)
					return File{}, err
				}},
			}
			for _, r := range readers {
				if c.leave != "" && (r.name == "Load" || r.name == "LoadMissing") {
					continue
				}
				f, err := r.read()
				if c.err != "" && (r.name != "FindNames" || !c.found) {
					prefix := "datasets: " + path + ": "
					if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
						t.Errorf("%s: got error %v, want one line %q...%q", r.name, err, prefix, c.err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", r.name, err)
					continue
				}
				if r.name != "FindNames" && (!slices.Equal(f.X, c.want) || f.D != 2) {
					t.Errorf("%s: got %d x %d values %v, want %d", r.name, f.N, f.D, f.X[:min(len(f.X), 8)], len(c.want))
				}
			}
		})
	}
}

// A .npy file of a run's rows holds each category as its level's place: a
// number that is no place is refused naming its row and column, not
// written back as a level's name (a red-team pass: impute wrote a given 7
// as "red"); a missing one is a hole to fill.
func TestNPYCategoryPlacesAreChecked(t *testing.T) {
	cats := []Category{{Column: "color", Index: 1, Levels: []string{"red", "green", "blue"}}}
	for _, c := range []struct {
		name string
		vals []float64
		want string // "" where read
	}{
		{"places", []float64{1.5, 0, 2, 2}, ""},
		{"a missing place", []float64{1.5, math.NaN(), 2, 1}, ""},
		{"beyond the levels", []float64{1.5, 7, 2, 1}, "7 is no place of column color's 3 levels"},
		{"negative", []float64{1.5, -1, 2, 1}, "-1 is no place"},
		{"between places", []float64{1.5, 1, 2, 0.5}, "0.5 is no place"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rows.npy")
			os.WriteFile(path, npyFile(npyHeaderDict("<f8", false, "(2, 2)"), npyData("<f8", c.vals...)), 0o644)
			_, _, _, err := LoadTable(path, Options{Missing: true, Categories: cats, Width: 2})
			if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
