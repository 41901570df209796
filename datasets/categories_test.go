package datasets_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
)

// A category column's names are read as their places, the most frequent
// first (ties in sorted order) where found in the file, or as given; a name not given, or missing where missing
// values are refused, is an error naming its line; written back, the
// places are the names again.
func TestCategories(t *testing.T) {
	const table = ",species,mass,island\n0,Gentoo,5.1,Biscoe\n1,Adelie,3.2,Dream\n2,Gentoo,4.9,NA\n3,\"Chinstrap\",3.5,Dream\n"
	cases := []struct {
		name    string
		options datasets.Options
		want    []float64 // species, mass, island by row
		levels  [][]string
		err     string
	}{
		{name: "found, by header name and number", options: datasets.Options{Missing: true, Categories: []datasets.Category{{Column: "species"}, {Column: "4"}}},
			want:   []float64{0, 5.1, 1, 1, 3.2, 0, 0, 4.9, math.NaN(), 2, 3.5, 0},
			levels: [][]string{{"Gentoo", "Adelie", "Chinstrap"}, {"Dream", "Biscoe"}}},
		{name: "given levels number the names", options: datasets.Options{Missing: true, Categories: []datasets.Category{{Column: "species", Levels: []string{"Adelie", "Chinstrap", "Emperor", "Gentoo"}}, {Column: "island"}}},
			want:   []float64{3, 5.1, 1, 0, 3.2, 0, 3, 4.9, math.NaN(), 1, 3.5, 0},
			levels: [][]string{{"Adelie", "Chinstrap", "Emperor", "Gentoo"}, {"Dream", "Biscoe"}}},
		{name: "a name not among the given levels", options: datasets.Options{Missing: true, Categories: []datasets.Category{{Column: "species", Levels: []string{"Adelie", "Gentoo"}}, {Column: "island"}}},
			err: `line 5, column 2: "Chinstrap" is not a level of column species (data.categories): want one of Adelie, Gentoo`},
		{name: "missing, refused", options: datasets.Options{Categories: []datasets.Category{{Column: "species"}, {Column: "island"}}},
			err: `line 4, column 4: "NA" in column island (data.categories) is a missing value, where every value is needed`},
		{name: "not a column", options: datasets.Options{Categories: []datasets.Category{{Column: "sex"}}},
			err: `data.categories: "sex" is not a column of values`},
		{name: "the row index is not a category's", options: datasets.Options{Categories: []datasets.Category{{Column: "1"}}},
			err: `data.categories: "1" is not a column of values`},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "penguins.csv")
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _, _, err := datasets.LoadTable(path, c.options)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(f.X, c.want, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
				t.Errorf("values %v, want %v", f.X, c.want)
			}
			for k, col := range f.Categories {
				if !slices.Equal(col.Levels, c.levels[k]) || col.Index != []int{0, 2}[k] {
					t.Errorf("category %d: levels %q at %d, want %q at %d", k, col.Levels, col.Index, c.levels[k], []int{0, 2}[k])
				}
			}
			if !strings.Contains(f.Describe(), "columns of names read as categories") {
				t.Errorf("Describe() = %q, want it to name the categories", f.Describe())
			}
		})
	}
	if _, _, _, err := datasets.LoadTable(filepath.Join(dir, "x.npy"), datasets.Options{Categories: []datasets.Category{{Column: "a"}}}); err == nil || !strings.Contains(err.Error(), "a .npy file holds numbers only") {
		t.Errorf("categories of a .npy file: error %v", err)
	}
}

// Samples' places among a category's levels are written as the names,
// rounded and held within the levels, and read back to the same places.
func TestWriteNamed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "samples.csv")
	levels := []string{"Biscoe", "Dream, the island", "Torgersen"}
	p := points.Points{N: 3, D: 2, X: []float64{0.2, 1.5, 1.2, 2.5, 7, -3}}
	if err := datasets.WriteNamed(path, p, []string{"island", "mass"}, datasets.Named{0: levels}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "island,mass\nBiscoe,1.5\n\"Dream, the island\",2.5\nTorgersen,-3\n"
	if string(b) != want {
		t.Fatalf("wrote %q, want %q", b, want)
	}
	f, _, _, err := datasets.LoadTable(path, datasets.Options{Categories: []datasets.Category{{Column: "island", Levels: levels}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := []float64{f.X[0], f.X[2], f.X[4]}; !slices.Equal(got, []float64{0, 1, 2}) {
		t.Errorf("read back %v, want the places 0, 1, 2", got)
	}
}

// Columns left out are gone from the points and the header, by header
// name or number (as the file counts, the row index among them), and an
// error or a missing value after them still names the file's column.
func TestLeaveOut(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "people.csv")
	const table = ",name,age,town,kind\n0,Ann,31,Oslo,x\n1,Bob,NA,Rome,y\n2,Cy,40,Oslo,x\n"
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, leave := range [][]string{{"name"}, {"2"}} {
		f, labels, _, err := datasets.LoadTable(path, datasets.Options{Missing: true, Label: "kind", LeaveOut: leave, Categories: []datasets.Category{{Column: "town"}}})
		if err != nil {
			t.Fatalf("leave out %q: %v", leave, err)
		}
		if f.D != 2 || !slices.Equal(f.Header, []string{"age", "town"}) || labels.K != 2 {
			t.Errorf("leave out %q: D %d, header %q, %d classes; want age and town, 2 classes", leave, f.D, f.Header, labels.K)
		}
		if got := f.Where(1, 0); got != path+" line 3, column 3" {
			t.Errorf("leave out %q: Where(1, 0) = %q, want age's column 3", leave, got)
		}
		if !strings.Contains(f.Describe(), "columns left out (data.leave_out): "+leave[0]) {
			t.Errorf("Describe() = %q", f.Describe())
		}
	}
	_, _, _, err := datasets.LoadTable(path, datasets.Options{LeaveOut: []string{"name"}})
	if err == nil || !strings.Contains(err.Error(), `line 2, column 4: "Oslo" is not a number`) {
		t.Errorf("a column of names after one left out: error %v, want it to name column 4", err)
	}
	_, _, _, err = datasets.LoadTable(path, datasets.Options{LeaveOut: []string{"zip"}})
	if err == nil || !strings.Contains(err.Error(), `data.leave_out: "zip" is not a column of values`) {
		t.Errorf("an unknown column: error %v", err)
	}
}

// Several columns left out by number leave out exactly those, whether
// adjacent or not, with a header or without (a red-team pass found the
// second number counted after the first was taken out: [2, 4] left out
// columns 2 and 3, and [1, 2] was refused as naming one column twice).
func TestLeaveOutSeveralByNumber(t *testing.T) {
	dir := t.TempDir()
	const rows = "1,100,200,300\n2,101,201,301\n3,102,202,302\n"
	for _, c := range []struct {
		name   string
		header string
		leave  []string
		want   []float64 // the first row's values kept
	}{
		{"two apart", "a,b,c,d\n", []string{"2", "4"}, []float64{1, 200}},
		{"two adjacent", "a,b,c,d\n", []string{"1", "2"}, []float64{200, 300}},
		{"given out of order", "a,b,c,d\n", []string{"4", "2"}, []float64{1, 200}},
		{"by name and number", "a,b,c,d\n", []string{"d", "2"}, []float64{1, 200}},
		{"two apart, no header", "", []string{"2", "4"}, []float64{1, 200}},
		{"two adjacent, no header", "", []string{"1", "2"}, []float64{200, 300}},
		{"three, no header", "", []string{"1", "2", "3"}, []float64{300}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.header+rows), 0o644); err != nil {
				t.Fatal(err)
			}
			f, _, _, err := datasets.LoadTable(path, datasets.Options{LeaveOut: c.leave})
			if err != nil {
				t.Fatalf("leave out %q: %v", c.leave, err)
			}
			if f.D != len(c.want) || !slices.Equal(f.X[:f.D], c.want) {
				t.Errorf("leave out %q: first row %v, want %v", c.leave, f.X[:f.D], c.want)
			}
		})
	}
}

// A file a run wrote (its samples: no header, as many values as the
// model's) holds nothing left out and its categories at their places; a
// row shorter than its header is refused for that, not for a column it
// does not reach.
func TestCategoriesOfARunsOwnFiles(t *testing.T) {
	dir := t.TempDir()
	samples := filepath.Join(dir, "samples.csv")
	os.WriteFile(samples, []byte("3.5,Dream\n4.1,Biscoe\n"), 0o644)
	o := datasets.Options{Width: 2, LeaveOut: []string{"name"}, Categories: []datasets.Category{{Column: "island", Index: 1, Levels: []string{"Dream", "Biscoe"}}}}
	f, _, _, err := datasets.LoadTable(samples, o)
	if err != nil || !slices.Equal(f.X, []float64{3.5, 0, 4.1, 1}) {
		t.Errorf("a run's own samples: %v, %v; want the places of Dream and Biscoe", f.X, err)
	}
	o.Width = 3
	if _, _, _, err := datasets.LoadTable(samples, o); err == nil {
		t.Error("a file of other width than the model's: read, want the columns looked for and not found")
	}
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("a,b,c,d\n1,x,2\n"), 0o644)
	_, _, _, err = datasets.LoadTable(short, datasets.Options{LeaveOut: []string{"d"}, Categories: []datasets.Category{{Column: "b"}}})
	if err == nil || !strings.Contains(err.Error(), "line 2 has 3 columns, want 4 like the header row") {
		t.Errorf("a row shorter than its header: error %v", err)
	}
}

// A name that only rows with a missing value hold is no level of its
// category: data.missing: drop leaves those rows out, and a level no
// training row held was still drawn (mlbench's Soybean: 4 of its 19
// classes only on such rows, 17 samples of them). Without missing values
// every name is a level.
func TestLevelsOfIncompleteRowsAlone(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, table string
		want        []string
	}{
		{"a name on an incomplete row alone", "x,kind\n1,a\n2,a\n3,b\nNA,c\n4,b\n", []string{"a", "b"}},
		{"a name on complete and incomplete rows", "x,kind\n1,a\n2,a\n3,b\nNA,b\n4,c\n", []string{"a", "b", "c"}},
		{"no missing values", "x,kind\n1,a\n2,a\n3,b\n5,c\n", []string{"a", "b", "c"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			os.WriteFile(path, []byte(c.table), 0o644)
			f, _, _, err := datasets.LoadTable(path, datasets.Options{Missing: true, Categories: []datasets.Category{{Column: "kind"}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Categories) != 1 || !slices.Equal(f.Categories[0].Levels, c.want) {
				t.Fatalf("levels %v, want %v", f.Categories, c.want)
			}
			// Read again under the levels found, as a run reads its own
			// file: the unseen name is a missing value, not an error.
			again, _, _, err := datasets.LoadTable(path, datasets.Options{Missing: true, Categories: f.Categories, UnseenMissing: true})
			if err != nil || again.N != f.N {
				t.Errorf("read again under its levels: %d rows, %v; want %d", again.N, err, f.N)
			}
			// Rows given to impute: the name is refused, not filled in.
			_, _, _, err = datasets.LoadTable(path, datasets.Options{Missing: true, Categories: f.Categories})
			if unseen := len(f.Categories[0].Unseen) > 0; unseen != (err != nil) || unseen && !strings.Contains(err.Error(), "only rows with a missing value held it") {
				t.Errorf("read as rows to complete: %v; want the unseen name refused: %v", err, unseen)
			}
			for i := range f.N {
				if v := f.X[i*f.D+1]; !math.IsNaN(f.X[i*f.D]) && (math.IsNaN(v) || int(v) >= len(c.want)) {
					t.Errorf("row %d: place %v, want one of the %d levels", i, v, len(c.want))
				}
			}
		})
	}
}

// A missing class, read where missing values are (data.missing: drop,
// impute's rows), makes its row incomplete: label -1, left out by
// DropIncomplete with the rows of a missing value; read where every
// value is needed, it is the error it was (impute refused a file whose
// class column had blanks, as not the run's kind of file).
func TestMissingLabels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(path, []byte("x,y,kind\n1,2,a\n3,4,\n5,NA,b\n7,8,b\n"), 0o644)
	f, labels, names, err := datasets.LoadTable(path, datasets.Options{Missing: true, Label: "kind"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(labels.Of, []int32{0, -1, 1, 1}) || !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("labels %v, names %v; want a, missing, b, b", labels.Of, names)
	}
	datasets.DropIncomplete(&f, &labels)
	if f.N != 2 || !slices.Equal(labels.Of, []int32{0, 1}) || !slices.Equal(f.X, []float64{1, 2, 7, 8}) {
		t.Errorf("after DropIncomplete: %d rows %v, labels %v; want the first and the last", f.N, f.X, labels.Of)
	}
	os.WriteFile(path, []byte("x,y,kind\n1,2,a\n3,4,\n7,8,b\n"), 0o644)
	if _, _, _, err := datasets.LoadTable(path, datasets.Options{Label: "kind"}); err == nil || !strings.Contains(err.Error(), "the label is missing") {
		t.Errorf("every value needed: %v, want the missing label refused", err)
	}
}
