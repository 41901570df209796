package datasets_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
)

// A column of names that repeat is a class column, found by its header
// name or its number; anything else is not one.
func TestFindClassColumn(t *testing.T) {
	iris := "a,b,species\n" + strings.Repeat("1,2,setosa\n3,4,virginica\n5,6,versicolor\n", 5)
	cases := []struct {
		name, text, column string
		classes            []string
	}{
		{"iris as usually written", iris, "species", []string{"setosa", "versicolor", "virginica"}},
		{"no header: by number", strings.Repeat("1,cat\n2,dog\n", 6), "2", []string{"cat", "dog"}},
		{"after pandas' row index", ",a,kind\n0,1,x\n1,2,y\n2,3,x\n3,4,y\n4,5,x\n5,6,y\n6,7,x\n7,8,y\n8,9,x\n9,1,y\n", "kind", []string{"x", "y"}},
		{"a header naming it twice: by number", "kind,kind\n" + strings.Repeat("1,x\n2,y\n", 5), "2", []string{"x", "y"}},
		{"by number after pandas' row index, as the file counts", ",kind,kind\n" + strings.Repeat("0,1,x\n1,2,y\n", 5), "3", []string{"x", "y"}},
		{"missing markers are not names", "a,k\n" + strings.Repeat("NA,x\n,y\n", 5), "k", []string{"x", "y"}},
		{"numbers only", "a,b\n" + strings.Repeat("1,0\n2,1\n", 6), "", nil},
		{"names in two columns", "a,b,c\n" + strings.Repeat("x,p,1\ny,q,2\n", 6), "", nil},
		{"a name per row names rows", "state,v\nohio,1\nutah,2\niowa,3\nmaine,4\n", "", nil},
		{"the rows' names, then a class column", "car,mpg,make\n" + "a,1,x\nb,2,y\nc,3,x\nd,4,y\ne,5,x\nf,6,y\ng,7,x\nh,8,y\ni,9,x\nj,1,y\n", "make", []string{"x", "y"}},
		{"one class", "a,k\n" + strings.Repeat("1,x\n", 10), "", nil},
		{"numbers with a stray marker", "a,b\n" + strings.Repeat("1,7\n2,?\n", 6), "", nil},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, ok, err := datasets.FindClassColumn(path, 2000)
			if c.name == "names in two columns" {
				var names *datasets.NamesError
				if !errors.As(err, &names) || !strings.Contains(err.Error(), "column 1 (a), column 2 (b) hold names, not numbers") {
					t.Errorf("error %v, want a NamesError naming columns a and b", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok != (c.column != "") || got.Column != c.column || !slices.Equal(got.Classes, c.classes) {
				t.Errorf("got %q %v (found %v), want %q %v", got.Column, got.Classes, ok, c.column, c.classes)
			}
			if ok && (!strings.Contains(got.Why, "its cells are names") || !strings.Contains(got.Why, c.classes[0])) {
				t.Errorf("Why = %q", got.Why)
			}
		})
	}
	if _, ok, err := datasets.FindClassColumn(filepath.Join(dir, "none.npy"), 10); ok || err != nil {
		t.Errorf("a .npy file: found %v, error %v; want neither (it holds numbers only)", ok, err)
	}
}

// Pixels with their class first or last are images once it is out; the
// class column is integers from 0 that repeat.
func TestPixelGridLabelled(t *testing.T) {
	const n = 600
	img := strokes(n, 8, 16, 4)
	withColumn := func(at int, value func(i int) float64) points.Points {
		p := points.New(n, 65)
		for i := range n {
			row := slices.Insert(slices.Clone(img.Row(i)), at, value(i))
			copy(p.Row(i), row)
		}
		return p
	}
	digit := func(i int) float64 { return float64(i % 10) }
	header := make([]string, 65)
	for j := range header {
		header[j] = "p" + string(rune('a'+j%26))
	}
	header[0] = "label"
	cases := []struct {
		name   string
		p      points.Points
		header []string
		column string
	}{
		{"label first, named", withColumn(0, digit), header, "label"},
		{"label last, no header", withColumn(64, digit), nil, "65"},
		{"a fraction in the label", withColumn(0, func(i int) float64 { return float64(i%10) + 0.5 }), nil, ""},
		{"a class per row", withColumn(0, func(i int) float64 { return float64(i) }), nil, ""},
		{"the label in the middle", withColumn(30, digit), nil, ""},
		{"pixels alone", img, nil, ""},
		{"a label holding most rows", withColumn(0, func(i int) float64 { return float64(min(i%10, 1)) }), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, class, ok := datasets.PixelGridLabelled(c.p, c.header)
			if ok != (c.column != "") || class.Column != c.column {
				t.Fatalf("found %v, column %q; want %q", ok, class.Column, c.column)
			}
			if ok && (g.Side != 8 || len(class.Classes) != 10 || !strings.Contains(class.Why, "integers from 0 to 9 beside 64 columns of pixels")) {
				t.Errorf("grid side %d, %d classes, why %q", g.Side, len(class.Classes), class.Why)
			}
		})
	}
}
