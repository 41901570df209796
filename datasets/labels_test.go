package datasets

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"scorenet/points"
)

// A table's label column is taken out of its points, by header name or
// number; what is not a class is refused naming its line.
func TestTakeLabelColumn(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text, column string
		labels             []int32
		k                  int
		rest               []float64
		header             []string
		err                string
	}{
		{"by name", "a,y,b\n1,2,3\n4,0,6\n7,1,9\n", "y", []int32{2, 0, 1}, 3, []float64{1, 3, 4, 6, 7, 9}, []string{"a", "b"}, ""},
		{"by number", "1,2,3\n4,0,6\n", "3", []int32{3, 6}, 7, []float64{1, 2, 4, 0}, nil, ""},
		{"first column", "y,a\n1,5\n0,6\n", "1", []int32{1, 0}, 2, []float64{5, 6}, []string{"a"}, ""},
		{"not a column", "a,b\n1,2\n", "c", nil, 0, nil, nil, `data.label_column "c" is not a column: want a header name or a number from 1 to 2 (its header names a, b)`},
		{"number past the last", "1,2\n", "3", nil, 0, nil, nil, "a number from 1 to 2"},
		{"fraction", "a,y\n1,0\n2,1.5\n", "y", nil, 0, nil, nil, "line 3, column 2: label 1.5 is not a class"},
		{"negative", "a,y\n1,-1\n", "y", nil, 0, nil, nil, "line 2, column 2: label -1 is not a class"},
		{"only column", "y\n1\n0\n", "y", nil, 0, nil, nil, "the label column is the file's only column"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeTemp(t, dir, strings.ReplaceAll(c.name, " ", "_")+".csv", []byte(c.text))
			f, err := LoadMissing(path)
			if err != nil {
				t.Fatal(err)
			}
			l, err := TakeLabelColumn(&f, c.column)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %v, want one line naming %s and %q", err, path, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Of, c.labels) || l.K != c.k || !slices.Equal(f.X, c.rest) || f.D != len(c.rest)/f.N || !slices.Equal(f.Header, c.header) {
				t.Errorf("labels %v (K %d), points %v (D %d), header %v; want %v (K %d), %v, %v", l.Of, l.K, f.X, f.D, f.Header, c.labels, c.k, c.rest, c.header)
			}
		})
	}
}

// A label file is the images' own: a count that differs is named.
func TestLoadIDXLabelsFor(t *testing.T) {
	dir := t.TempDir()
	path := writeTemp(t, dir, "labels", idxFile(0x08, []uint32{3}, []byte{4, 0, 9}))
	l, err := LoadIDXLabelsFor(path, 3, "images")
	if err != nil || !slices.Equal(l.Of, []int32{4, 0, 9}) || l.K != 10 {
		t.Fatalf("labels %v K %d, %v", l.Of, l.K, err)
	}
	if !slices.Equal(l.Counts(), []int{1, 0, 0, 0, 1, 0, 0, 0, 0, 1}) {
		t.Errorf("counts %v", l.Counts())
	}
	_, err = LoadIDXLabelsFor(path, 4, "train-images")
	if err == nil || !strings.Contains(err.Error(), path+": 3 labels for the 4 images of train-images") {
		t.Errorf("3 labels for 4 images: %v", err)
	}
}

// The labelled split is SplitInPlace's, each label moved with its point.
func TestSplitInPlaceLabelled(t *testing.T) {
	const n, d = 50, 2
	p, q := pointsOf(n, d), pointsOf(n, d)
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(p.X[i*d]) // each point's label is its first value
	}
	train, valid, err := SplitInPlace(p, 0.2, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	ltrain, lvalid, ytrain, yvalid, err := SplitInPlaceLabelled(q, labels, 0.2, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(train.X, ltrain.X) || !slices.Equal(valid.X, lvalid.X) {
		t.Fatal("the labelled split moved the points differently")
	}
	for i, y := range append(slices.Clone(ytrain), yvalid...) {
		if float64(y) != q.X[i*d] {
			t.Fatalf("point %d has label %d, its first value is %v", i, y, q.X[i*d])
		}
	}
	if _, _, _, _, err := SplitInPlaceLabelled(q, labels[:3], 0.2, rand.New(rand.NewPCG(4, 4))); err == nil {
		t.Error("3 labels for 50 points: no error")
	}
}

// pointsOf is n points of dimension d whose values are their row number.
func pointsOf(n, d int) points.Points {
	p := points.New(n, d)
	for i := range p.X {
		p.X[i] = float64(i / d)
	}
	return p
}

// A CSV's label column may hold names: each a class, in sorted order. It
// is read as text, so the rest of the row may be numbers beside it.
func TestLoadLabelled(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text, column string
		labels             []int32
		names              []string
		rest               []float64
		err                string
	}{
		{"names", "a,species,b\n1,setosa,2\n3,virginica,4\n5,setosa,6\n7,versicolor,8\n", "species", []int32{0, 2, 0, 1}, []string{"setosa", "versicolor", "virginica"}, []float64{1, 2, 3, 4, 5, 6, 7, 8}, ""},
		{"integers", "a,y\n1,2\n3,0\n", "y", []int32{2, 0}, nil, []float64{1, 3}, ""},
		{"by number without a header", "1,cat\n2,dog\n", "2", []int32{0, 1}, []string{"cat", "dog"}, []float64{1, 2}, ""},
		{"quoted names", "x,\"kind\"\n1,\"a b\"\n2, c\n", "kind", []int32{0, 1}, []string{"a b", "c"}, []float64{1, 2}, ""},
		{"an empty label", "a,y\n1,cat\n2,\n", "y", nil, nil, nil, `line 3, column 2: the label is missing ("")`},
		{"NA", "a,y\n1,0\n2,NA\n", "y", nil, nil, nil, `line 3, column 2: the label is missing ("NA")`},
		{"numbers and names", "a,y\n1,1\n2,2\n3,x\n", "y", nil, nil, nil, `line 2, column 2: label "1" is a number, but`},
		{"a name twice in the header", "a,y,y\n1,0,1\n", "y", nil, nil, nil, `data.label_column "y": the header names columns 2 and 3 so`},
		{"a fraction", "a,y\n1,cat\n2,1.5\n", "y", nil, nil, nil, `line 3, column 2: label "1.5" is not a class`},
		{"text elsewhere", "a,y\n1,cat\nx,dog\n", "y", nil, nil, nil, `line 3, column 1: "x" is not a number`},
		{"text after the label column", "a,y,b\n1,cat,2\n3,dog,x\n", "y", nil, nil, nil, `line 3, column 3: "x" is not a number`},
		{"text after the label column in the first row", "1,cat,x\n", "2", nil, nil, nil, `line 1, column 3: "x" is not a number`},
		{"a short row", "a,b,y\n1,2,cat\n3\n", "y", nil, nil, nil, "line 3 has 1 columns, too few for the label column (column 3)"},
		{"no such column", "a,y\n1,cat\n", "z", nil, nil, nil, `data.label_column "z" is not a column`},
		{"a short row with a label", "a,y,b\n1,cat,2\n3,dog\n", "y", nil, nil, nil, "line 3 has 2 columns, want 3 like the rows before it"},
		{"by number after pandas' row index, as the file counts", ",a,y\n0,1,cat\n1,2,dog\n", "3", []int32{0, 1}, []string{"cat", "dog"}, []float64{1, 2}, ""},
		{"by number after the rows' names", "state,g,x\nohio,0,1\nutah,1,2\n", "2", []int32{0, 1}, nil, []float64{1, 2}, ""},
		{"by the number of the row index", ",a,y\n0,1,cat\n", "1", nil, nil, nil, `data.label_column "1" is the rows' index or names, left out: want a column from 2 to 3`},
		{"after pandas' row index", ",a,y\n0,1,cat\n1,2,dog\n", "y", []int32{0, 1}, []string{"cat", "dog"}, []float64{1, 2}, ""},
		{"a missing label after the row index", ",a,y\n0,1,cat\n1,2,\n", "y", nil, nil, nil, `line 3, column 3: the label is missing ("")`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeTemp(t, dir, strings.ReplaceAll(c.name, " ", "_")+".csv", []byte(c.text))
			f, l, names, err := LoadLabelled(path, c.column)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), path) {
					t.Errorf("error %v, want one naming %s and %q", err, path, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Of, c.labels) || !slices.Equal(names, c.names) || !slices.Equal(f.X, c.rest) || f.D != len(c.rest)/len(c.labels) {
				t.Errorf("labels %v, names %v, points %v (D %d); want %v, %v, %v", l.Of, names, f.X, f.D, c.labels, c.names, c.rest)
			}
		})
	}
}
