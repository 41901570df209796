package datasets_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"scorenet/datasets"
	"scorenet/points"
)

func TestBitColumns(t *testing.T) {
	for _, c := range []struct{ levels, want int }{{1, 1}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {11, 4}, {16, 4}, {17, 5}, {56, 6}} {
		if got := datasets.BitColumns(c.levels); got != c.want {
			t.Errorf("BitColumns(%d) = %d, want %d", c.levels, got, c.want)
		}
	}
}

// A category of 11 levels between two numbers is 4 digits, least
// significant first; read back, rounded digits give the place, a number
// no level has the level of fewest digits changed (the lowest of ties),
// and a missing digit a missing place.
func TestExpandAndContractBits(t *testing.T) {
	levels := strings.Split("a b c d e f g h i j k", " ")
	cats := []datasets.Category{{Column: "x", Index: 1, Levels: levels, Bits: true}}
	rows := points.Points{N: 3, D: 3, X: []float64{
		0.5, 6, -1,
		1.5, 10, -2,
		2.5, math.NaN(), -3,
	}}
	wide := datasets.ExpandBits(rows, cats)
	want := []float64{
		0.5, 0, 1, 1, 0, -1, // 6 = 0110 in digits 1, 2
		1.5, 0, 1, 0, 1, -2, // 10 = 1010
		2.5, math.NaN(), math.NaN(), math.NaN(), math.NaN(), -3,
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	if wide.D != 6 || !slices.EqualFunc(wide.X, want, same) {
		t.Fatalf("expanded to %d columns %v, want 6 %v", wide.D, wide.X, want)
	}
	if back := datasets.ContractBits(wide, cats); back.D != 3 || !slices.EqualFunc(back.X, rows.X, same) {
		t.Errorf("contracted to %d columns %v, want %v", back.D, back.X, rows.X)
	}
	for _, c := range []struct {
		name   string
		digits []float64
		want   float64
	}{
		{"rounded", []float64{0.9, 0.2, 0.6, 0.1}, 5},
		{"15, no level's: 7 the one level a digit away", []float64{1, 1, 1, 1}, 7},
		{"12, no level's: 4 and 8 a digit away, 4 the commoner", []float64{0, 0, 1, 1}, 4},
		{"a missing digit", []float64{1, math.NaN(), 0, 0}, math.NaN()},
	} {
		row := points.Points{N: 1, D: 6, X: append(append([]float64{0}, c.digits...), 0)}
		if got := datasets.ContractBits(row, cats).X[1]; !same(got, c.want) {
			t.Errorf("%s: place %v, want %v", c.name, got, c.want)
		}
	}
	if m := datasets.ModelColumn(cats, 2); m != 5 {
		t.Errorf("ModelColumn after the digits: %d, want 5", m)
	}
	if d := datasets.ValueColumns(cats, 6); d != 3 {
		t.Errorf("ValueColumns(6) = %d, want 3", d)
	}
}

// A category of more than PlaceLevels names found in a CSV is learnt in
// binary digits, said in the file's description; one of as many levels
// given without Bits (a run's config.yaml from before it) stays one
// column of places; and a run's own samples, the category one column of
// names, read back into its digits.
func TestLoadTableLearnsManyLevelsInDigits(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("mass,state\n")
	var names []string
	for i := range datasets.PlaceLevels + 2 {
		names = append(names, fmt.Sprintf("S%02d", i))
	}
	for i := range 60 {
		fmt.Fprintf(&b, "%d.5,%s\n", i, names[i%len(names)])
	}
	path := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, _, err := datasets.LoadTable(path, datasets.Options{Categories: []datasets.Category{{Column: "state"}}})
	if err != nil {
		t.Fatal(err)
	}
	cat := f.Categories[0]
	if !cat.Bits || f.D != 1+datasets.BitColumns(len(names)) || !slices.Equal(f.Header, []string{"mass", "state"}) || !strings.Contains(f.Describe(), "learnt as 4 binary digits") {
		t.Fatalf("found: bits %v, %d columns, header %v: %s", cat.Bits, f.D, f.Header, f.Describe())
	}
	// S00 to S11 each take 5 rows: the places in sorted order.
	if row := f.Row(3); !slices.Equal(row, []float64{3.5, 1, 1, 0, 0}) {
		t.Errorf("row 4 (S03): %v, want 3.5 and the digits of 3", row)
	}
	given := datasets.Category{Column: "state", Levels: cat.Levels}
	g, _, _, err := datasets.LoadTable(path, datasets.Options{Categories: []datasets.Category{given}})
	if err != nil || g.D != 2 || g.Categories[0].Bits {
		t.Errorf("levels given without bits: %d columns, bits %v, %v; want one column of places", g.D, g.Categories[0].Bits, err)
	}
	samples := filepath.Join(dir, "samples.csv")
	os.WriteFile(samples, []byte("mass,state\n2.25,S05\n"), 0o644)
	cat.Index = 1
	s, _, _, err := datasets.LoadTable(samples, datasets.Options{Width: f.D, Categories: []datasets.Category{cat}})
	if err != nil || !slices.Equal(s.X, []float64{2.25, 1, 0, 1, 0}) {
		t.Errorf("a run's own samples: %v, %v; want 2.25 and the digits of 5", s.X, err)
	}
}

// A category of dates is numbered in time, whatever its rows' counts and
// however its text sorts (ISO 8601, or one of the other forms tables
// write: "Jan 1 2000", "01/31/2015", a day first where one passes 12),
// and learnt as one column of places however many dates it holds; text
// that only starts like a date is a name like any other.
func TestCategoriesOfDates(t *testing.T) {
	for _, c := range []struct {
		name  string
		cell  func(i int) string
		bits  bool
		first string
	}{
		{"days", func(i int) string { return fmt.Sprintf("20%02d-01-01", 14-i%12) }, false, "2003-01-01"},
		{"times", func(i int) string { return fmt.Sprintf("2001-01-%02dT21:55:00", 12-i%12) }, false, "2001-01-01T21:55:00"},
		{"months by name", func(i int) string { return fmt.Sprintf("%s 1 2000", time.Month(12 - i%12).String()[:3]) }, false, "Jan 1 2000"},
		{"month first", func(i int) string { return fmt.Sprintf("%02d/15/20%02d", 1+i%12, 14-i%12) }, false, "12/15/2003"},
		{"day first, a day past 12", func(i int) string { return fmt.Sprintf("%02d/%02d/2003", 13+i%12, 12-i%12) }, false, "24/01/2003"},
		{"slashes and minutes", func(i int) string { return fmt.Sprintf("2001/01/%02d 00:47", 12-i%12) }, false, "2001/01/01 00:47"},
		{"not dates", func(i int) string { return fmt.Sprintf("20%02d-01-01 in town", 14-i%12) }, true, "2003-01-01 in town"},
		{"two-digit years, which Go reads across a century", func(i int) string { return fmt.Sprintf("Jan-%02d", 60+i%12) }, true, ""},
		{"four digits, a code as often as a year", func(i int) string { return fmt.Sprintf("20%02d", 14-i%12) }, true, ""},
		{"two forms, whose text does not sort in time", func(i int) string {
			return fmt.Sprintf("20%02d%s01-01", 14-i%12, map[bool]string{true: "-", false: "/"}[i%2 == 0])
		}, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("when,x\n")
			for i := range 60 {
				// The last date, with the most rows, first by count.
				when := c.cell(i)
				if i%5 == 0 {
					when = c.cell(0)
				}
				fmt.Fprintf(&b, "%s,%d\n", when, i)
			}
			path := filepath.Join(t.TempDir(), "t.csv")
			os.WriteFile(path, []byte(b.String()), 0o644)
			f, _, _, err := datasets.LoadTable(path, datasets.Options{Categories: []datasets.Category{{Column: "when"}}})
			if err != nil {
				t.Fatal(err)
			}
			cat := f.Categories[0]
			if cat.Bits != c.bits || (c.bits == false && cat.Levels[0] != c.first) {
				t.Errorf("bits %v, levels %v; want bits %v, %s first", cat.Bits, cat.Levels, c.bits, c.first)
			}
		})
	}
}

// The start-up lines name a model column by its header name, or without
// one number it among the data's columns, a category's digits by their
// category.
func TestColumnLabel(t *testing.T) {
	cats := []datasets.Category{{Column: "state", Index: 1, Levels: make([]string, 12), Bits: true}}
	for _, c := range []struct {
		name  string
		names []string
		want  []string
	}{
		{"numbered", nil, []string{"1", "2 (state's binary digit 1)", "2 (state's binary digit 2)", "2 (state's binary digit 3)", "2 (state's binary digit 4)", "3"}},
		{"named", []string{"age", "state", "income"}, []string{"age", "state's binary digit 1", "state's binary digit 2", "state's binary digit 3", "state's binary digit 4", "income"}},
	} {
		for m, want := range c.want {
			if got := datasets.ColumnLabel(cats, c.names, m); got != want {
				t.Errorf("%s: ColumnLabel(%d) = %q, want %q", c.name, m, got, want)
			}
		}
	}
}
