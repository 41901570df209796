package datasets

import (
	"bytes"
	"math"
	"scorenet/points"
	"slices"
	"testing"

	"github.com/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// checkPoints checks what a reader accepted: a well-formed set of finite
// points.
func checkPoints(t *testing.T, p points.Points) {
	t.Helper()
	if p.N < 1 || p.D < 1 || len(p.X) != p.N*p.D {
		t.Fatalf("read %d x %d points with %d values", p.N, p.D, len(p.X))
	}
	if err := p.CheckFinite(); err != nil {
		t.Fatalf("accepted a value that is not finite: %v", err)
	}
}

// FuzzReadCSV: no text may crash the CSV reader; what it accepts is a
// well-formed set of finite points, and a header it reports has a name per
// column.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"1,2\n3,4\n", "x,y\n1,2\n", "# c\n1\n2\n", "1,2\n3\n", "a,b\nc,d\n", "", "\"1\",2\n", "1e308,-1e308\n",
		"\uFEFF1,2\n3,4\n", "\uFEFFx,y\n1,2\n", "1,2\x00\n", "1,2 # note\n", "178,13,class_0,class_1,class_2\n1,2,3,4,5\n",
		"\"x\", \"y\"\r\n1,2\r\n", "\"1,2\n", ",x\n1,2\n", "1,NaN\n", "1e999\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, header, err := readCSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		checkPoints(t, p)
		if header != nil && len(header) != p.D {
			t.Fatalf("a header of %d names over %d columns", len(header), p.D)
		}
		for _, name := range header {
			if !isName(name) && !isNumber(name) { // numbers name columns too (0, 1, 2...; 1962...; "100")
				t.Fatalf("header cell %q is neither a name nor a number", name)
			}
		}
	})
}

// FuzzReadCategories: no bytes may crash the reader of a table with a
// category column (column 2) and a column left out (column 1), and a
// category's values are its levels' places (or NaN where missing), its
// levels distinct names.
func FuzzReadCategories(f *testing.F) {
	for _, s := range []string{
		"id,kind,x\na,cat,1\nb,dog,NA\nc,cat,3\n", ",id,kind,x\n0,a,cat,1\n1,b,,2\n", "a,4,1\nb,f,2\n", "id,kind\na,b\n", "x\n1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cats := newCategoryReader([]Category{{Column: "2"}}, []string{"1"})
		p, _, err := readCSVLines(bytes.NewReader(b), true, nil, Want{}, nil, cats)
		if err != nil {
			return
		}
		cols := cats.finish(p, nil)
		if len(cols) != 1 || cols[0].Index < 0 || cols[0].Index >= p.D {
			t.Fatalf("category columns %+v of %d values", cols, p.D)
		}
		levels := cols[0].Levels
		if len(slices.Compact(slices.Sorted(slices.Values(levels)))) != len(levels) {
			t.Fatalf("levels %q repeat", levels)
		}
		for i := range p.N {
			v := p.X[i*p.D+cols[0].Index]
			if !math.IsNaN(v) && (v != math.Trunc(v) || v < 0 || int(v) >= len(levels)) {
				t.Fatalf("row %d: %v is no place among %d levels", i, v, len(levels))
			}
		}
	})
}

// FuzzReadNPY: no bytes may crash the .npy reader, and it reads the same
// from a reader whose size it knows (checked before reading) as from a plain
// one (read as the data arrive).
func FuzzReadNPY(f *testing.F) {
	for _, v := range []any{mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6}), []float64{1, 2}, []int64{1}, mat.NewDense(1, 1, []float64{math.NaN()})} {
		var buf bytes.Buffer
		if err := npyio.Write(&buf, v); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("\x93NUMPY\x01\x00"))
	cOrder, fOrder := []float64{1, 2, 3, 4, 5, 6}, []float64{1, 4, 2, 5, 3, 6}
	f.Add(npyFile(npyHeaderDict("<f4", false, "(2, 3)"), npyData("<f4", cOrder...)))
	f.Add(npyFile(npyHeaderDict("<f4", true, "(2, 3)"), npyData("<f4", fOrder...)))
	f.Add(npyFile(npyHeaderDict("<f8", true, "(3, 2)"), npyData("<f8", cOrder...)))
	f.Add(npyFile(npyHeaderDict(">f8", false, "(2, 3)"), npyData(">f8", cOrder...)))
	f.Add(npyFile(npyHeaderDict("<f8", false, "(1000000000000, 2)"), npyData("<f8", 1, 2, 3, 4)))
	f.Add(npyFile(npyHeaderDict("<f8", false, "(2, 3)"), npyData("<f8", 1, 2, 3, 4, 5)))
	f.Add(npyFile("{'shape': (1L, 1L), 'fortran_order': True, 'descr': '=f8'}", npyData("<f8", 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadNPY(bytes.NewReader(b))
		q, plainErr := ReadNPY(plainReader{bytes.NewReader(b)})
		if (err == nil) != (plainErr == nil) {
			t.Fatalf("known size: %v; plain reader: %v", err, plainErr)
		}
		if err != nil {
			return
		}
		checkPoints(t, p)
		if p.N != q.N || p.D != q.D || !slices.Equal(p.X, q.X) {
			t.Fatalf("known size read %d x %d points, plain reader %d x %d, or other values", p.N, p.D, q.N, q.D)
		}
	})
}
