package datasets_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
)

// A lone column of names that repeat, each in 10 rows or more, is a
// class column, found by its header name or its number; other columns of
// names are categories; a column of names that mostly differ is refused.
func TestFindNames(t *testing.T) {
	iris := "a,b,species\n" + strings.Repeat("1,2,setosa\n3,4,virginica\n5,6,versicolor\n", 10)
	index := ",a,kind\n"
	for i := range 20 {
		index += fmt.Sprintf("%d,%d,%s\n", i, i%7, []string{"x", "y"}[i%2])
	}
	cases := []struct {
		name, text, column string
		classes            []string
		categories         []string
		leaveOut           []string
	}{
		{name: "iris as usually written", text: iris, column: "species", classes: []string{"setosa", "versicolor", "virginica"}},
		{name: "no header: by number", text: strings.Repeat("1,cat\n2,dog\n", 10), column: "2", classes: []string{"cat", "dog"}},
		{name: "after pandas' row index", text: index, column: "kind", classes: []string{"x", "y"}},
		{name: "a header naming it twice: by number", text: "kind,kind\n" + strings.Repeat("1,x\n2,y\n", 10), column: "2", classes: []string{"x", "y"}},
		{name: "by number after pandas' row index, as the file counts", text: ",kind,kind\n" + strings.Repeat("0,1,x\n1,2,y\n", 10), column: "3", classes: []string{"x", "y"}},
		{name: "numbers only", text: "a,b\n" + strings.Repeat("1,0\n2,1\n", 6)},
		{name: "names in two columns: categories", text: "a,b,c\n" + strings.Repeat("x,p,1\ny,q,2\n", 6), categories: []string{"a", "b"}},
		{name: "a rare class: a category", text: "a,k\n" + strings.Repeat("1,x\n", 20) + "2,y\n", categories: []string{"k"}},
		{name: "a class only incomplete rows hold: a category", text: "a,k\n" + strings.Repeat("1,x\n2,y\n", 10) + strings.Repeat("NA,z\n", 12), categories: []string{"k"}},
		{name: "missing names: a category", text: "a,k\n" + strings.Repeat("1,x\n2,y\n", 10) + "3,NA\n", categories: []string{"k"}},
		{name: "names with a number among them: a category", text: "a,drive\n" + strings.Repeat("1,f\n2,4\n3,r\n4,f\n", 10), categories: []string{"drive"}},
		{name: "a name per row names rows", text: "state,v\nohio,1\nutah,2\niowa,3\nmaine,4\n"},
		{name: "names that mostly differ are left out", text: "v,model\n1,a\n2,b\n3,c\n4,d\n5,d\n", leaveOut: []string{"model"}},
		{name: "left out beside a class column", text: "v,model,kind\n" + idsBetween(20), column: "kind", classes: []string{"x", "y"}, leaveOut: []string{"model"}},
		{name: "the rows' names, then a class column", text: "car,mpg,make\n" + rowsNamed(20), column: "make", classes: []string{"x", "y"}},
		{name: "the only column", text: "kind\n" + strings.Repeat("x\ny\n", 10), categories: []string{"kind"}},
		{name: "the only column after the rows' names", text: "state,kind\n" + rowsNamedKinds(20), categories: []string{"kind"}},
		{name: "one class", text: "a,k\n" + strings.Repeat("1,x\n", 10), categories: []string{"k"}},
		{name: "numbers with a stray marker", text: "a,b\n" + strings.Repeat("1,7\n2,?\n", 6)},
		{name: "numbers with a stray word", text: "a,b\n" + strings.Repeat("1,7\n2,3\n3,4\n4,5\n5,6\n6,8\n7,9\n8,10\n9,11\n10,12\n", 2) + "3,x\n"},
		{name: "a code of numbers and a name: a category", text: "a,cylinders\n" + strings.Repeat("1,4\n2,6\n3,8\n4,4\n", 5) + "5,rotary\n", categories: []string{"cylinders"}},
		{name: "a rating with a missing spelled otherwise: numbers", text: "a,rating\n" + strings.Repeat("1,4\n2,5\n3,1\n4,2\n", 5) + "5,n/a\n"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := datasets.FindNames(path, 2000)
			if err != nil {
				t.Fatal(err)
			}
			if got.HasClass != (c.column != "") || got.Class.Column != c.column || !slices.Equal(got.Class.Classes, c.classes) {
				t.Errorf("class %q %v (found %v), want %q %v", got.Class.Column, got.Class.Classes, got.HasClass, c.column, c.classes)
			}
			if got.HasClass && (!strings.Contains(got.Class.Why, "its cells are names") || !strings.Contains(got.Class.Why, c.classes[0])) {
				t.Errorf("Why = %q", got.Class.Why)
			}
			if !slices.Equal(got.Categories, c.categories) {
				t.Errorf("categories %q, want %q", got.Categories, c.categories)
			}
			if !slices.Equal(got.LeaveOut, c.leaveOut) || (c.leaveOut != nil) != strings.Contains(got.WhyLeftOut, "different names in the first") {
				t.Errorf("left out %q (%q), want %q", got.LeaveOut, got.WhyLeftOut, c.leaveOut)
			}
		})
	}
	// Dates are listed in time, as they are numbered.
	var dates strings.Builder
	dates.WriteString("sym,date,v\n")
	for i := range 36 {
		fmt.Fprintf(&dates, "%s,%s 1 2000,%d\n", []string{"A", "B", "C"}[i%3], []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[i/3], i)
	}
	os.WriteFile(filepath.Join(dir, "dates.csv"), []byte(dates.String()), 0o644)
	if got, err := datasets.FindNames(filepath.Join(dir, "dates.csv"), 2000); err != nil || !strings.Contains(got.Why, "date (12: Jan 1 2000, Feb 1 2000, Mar 1 2000") {
		t.Errorf("a column of dates: %q, %v; want them listed in time", got.Why, err)
	}
	if got, err := datasets.FindNames(filepath.Join(dir, "none.npy"), 10); got.HasClass || got.Categories != nil || err != nil {
		t.Errorf("a .npy file: found %+v, error %v; want nothing (it holds numbers only)", got, err)
	}
}

// idsBetween is n rows of a number, an id of its own and a kind of two.
func idsBetween(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%d,id%d,%s\n", i%9, i, []string{"x", "y"}[i%2])
	}
	return b.String()
}

// rowsNamedKinds is n rows of a state's own name and a kind of two.
func rowsNamedKinds(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "state%d,%s\n", i, []string{"x", "y"}[i%2])
	}
	return b.String()
}

// rowsNamed is n rows of a car's own name, a number and a make of two.
func rowsNamed(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "car%d,%d,%s\n", i, i%9, []string{"x", "y"}[i%2])
	}
	return b.String()
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

// A column missing in more than half the rows is left out, not the rows
// it is missing from; one missing in fewer keeps its place, and a table
// whose every column is that sparse keeps them all.
func TestFindNamesLeavesOutSparseColumns(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var b strings.Builder
	b.WriteString("x,cabin,age,kind\n")
	for i := range 40 {
		cabin, age := "", "NA"
		if i%4 == 0 {
			cabin = fmt.Sprintf("C%d", i)
		}
		if i%3 != 0 {
			age = fmt.Sprint(20 + i)
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s\n", i, cabin, age, []string{"a", "b"}[i%2])
	}
	found, err := datasets.FindNames(write("titanic.csv", b.String()), 2000)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(found.Sparse, []string{"cabin"}) || !slices.Contains(found.LeaveOut, "cabin") || !strings.Contains(found.WhySparse, "cabin (30 of its first 40 cells missing)") {
		t.Errorf("sparse %v, left out %v, why %q; want cabin alone", found.Sparse, found.LeaveOut, found.WhySparse)
	}
	if slices.Contains(found.LeaveOut, "age") || !found.HasClass || found.Class.Column != "kind" {
		t.Errorf("age (a third missing) left out, or kind not the class: %+v", found)
	}
	all, err := datasets.FindNames(write("blank.csv", "u,v\n1,\n,2\n,\n"), 2000)
	if err != nil || len(all.Sparse) != 0 {
		t.Errorf("every column sparse: %v, %v; want none left out", all.Sparse, err)
	}
	// Left out, the sparse column would leave only ids and names, or only
	// the class: it stays, and so does the class.
	var ids, cls strings.Builder
	ids.WriteString("id,name,x\n")
	cls.WriteString("x,species\n")
	for i := range 60 {
		x := "NA"
		if i%3 == 0 {
			x = fmt.Sprint(i)
		}
		fmt.Fprintf(&ids, "%d,n%d,%s\n", i+1, i, x)
		fmt.Fprintf(&cls, "%s,%s\n", x, []string{"a", "b"}[i%2])
	}
	if found, err := datasets.FindNames(write("ids.csv", ids.String()), 2000); err != nil || len(found.Sparse) != 0 || slices.Contains(found.LeaveOut, "x") {
		t.Errorf("ids, names and a sparse x: sparse %v, left out %v, %v; want x kept", found.Sparse, found.LeaveOut, err)
	}
	if found, err := datasets.FindNames(write("cls.csv", cls.String()), 2000); err != nil || len(found.Sparse) != 0 {
		t.Errorf("a sparse x and the class: sparse %v, %v; want x kept", found.Sparse, err)
	}
}

// A column of whole numbers named as an id is and nine in ten of them
// different is left out, wherever it stands (mlbench's BreastCancer: a
// sample code, 523 different in 559 rows; survival's pbc: id, the rows
// shuffled); a name that only ends in the letters, an id that groups
// rows (a panel's subject), and a measurement are kept.
func TestFindNamesLeavesOutIDNumbers(t *testing.T) {
	table := func(header string, id func(i int) string) string {
		var b strings.Builder
		b.WriteString(header + "\n")
		for i := range 40 {
			fmt.Fprintf(&b, "%.2f,%s,%d\n", float64(i%9)/3, id(i), (i*7)%11)
		}
		return b.String()
	}
	shuffled := func(i int) string { return fmt.Sprint(1000025 + (i*17)%40*911) }
	// A panel written wave by wave, read for its first 30 rows only: each
	// subject (of 20) appears once among the first 20.
	wave := func(i int) string { return fmt.Sprint(i % 20) }
	for _, c := range []struct {
		name, text string
		rows       int // read for the first rows; 0: all
		left       bool
	}{
		{"Id, a sample's code", table("x,Id,y", shuffled), 0, true},
		{"id, with two repeats", table("x,id,y", func(i int) string { return fmt.Sprint(1 + (i*17)%38) }), 0, true},
		{"PassengerId", table("x,PassengerId,y", shuffled), 0, true},
		{"patient_id", table("x,patient_id,y", shuffled), 0, true},
		{"a name ending in id: valid", table("x,valid,y", shuffled), 0, false},
		{"a patient's id on two rows", table("x,id,y", func(i int) string { return fmt.Sprint(i / 2) }), 0, true},
		{"a panel written wave by wave, read in part", table("x,id,y", wave), 30, false},
		{"a panel's subject id", table("x,id,y", func(i int) string { return fmt.Sprint(i / 4) }), 0, false},
		{"an id of decimals", table("x,id,y", func(i int) string { return fmt.Sprintf("%d.5", i) }), 0, false},
		{"id in order after a pandas index", pandasIndexed(), 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.csv")
			os.WriteFile(path, []byte(c.text), 0o644)
			rows := c.rows
			if rows == 0 {
				rows = 2000
			}
			found, err := datasets.FindNames(path, rows)
			if err != nil {
				t.Fatal(err)
			}
			header := strings.Split(strings.SplitN(c.text, "\n", 2)[0], ",")
			if got := slices.Contains(found.LeaveOut, header[1]); got != c.left || c.left && !strings.Contains(found.WhyLeftOut, "named as an id is") {
				t.Errorf("left out %q (%q); want %s left out: %v", found.LeaveOut, found.WhyLeftOut, header[1], c.left)
			}
		})
	}
}

// pandasIndexed is a table written by pandas' to_csv: an unnamed index
// column, then an id numbering the rows from 1, then two measurements.
func pandasIndexed() string {
	var b strings.Builder
	b.WriteString(",id,x,y\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d,%d,%.2f,%d\n", i, i+1, float64(i%9)/3, (i*7)%11)
	}
	return b.String()
}

// The categories' count of names is said as the first rows' where the
// file may hold more, since the data line counts the whole file's (AER's
// ResumeNames: 12 at start-up, 13 on the next line).
func TestFindNamesCountsTheRowsItRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(path, []byte("x,k,m\n"+strings.Repeat("1,a,p\n2,b,q\n", 10)+"3,c,r\n"), 0o644)
	for _, c := range []struct {
		rows int
		want string
	}{
		{10, "k (2 in the first 10 rows: a, b)"},
		{2000, "k (3: a, b, c)"},
	} {
		found, err := datasets.FindNames(path, c.rows)
		if err != nil || !strings.Contains(found.Why, c.want) {
			t.Errorf("first %d rows: %q, %v; want %q", c.rows, found.Why, err, c.want)
		}
	}
}
