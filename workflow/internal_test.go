package workflow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/points"
)

// A start-up line names at most listedColumns columns and counts the rest.
func TestDiscreteDescribeListsTheFirstColumns(t *testing.T) {
	for _, c := range []struct {
		name    string
		columns int
		tail    string
	}{
		{"a few", 3, ": 1 (2 values), 2 (2 values), 3 (2 values)"},
		{"as many as listed", listedColumns, fmt.Sprintf(", %d (2 values)", listedColumns)},
		{"a table of pixels", 784, fmt.Sprintf(", %d (2 values), and %d more", listedColumns, 784-listedColumns)},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Discrete{}
			for j := range c.columns {
				d[j] = []float64{0, 1}
			}
			got := d.Describe(1, nil, nil)
			if !strings.HasPrefix(got, fmt.Sprintf("%d discrete column(s), trained spread over each value's cell", c.columns)) || !strings.HasSuffix(got, c.tail) {
				t.Errorf("Describe(1) = %q, want it to end %q", got, c.tail)
			}
			if got := d.Describe(0.5, nil, nil); !strings.Contains(got, "spread over 0.5 of each value's cell about it (data.discrete_spread)") {
				t.Errorf("Describe(0.5) = %q, want it to say the share", got)
			}
		})
	}
}

// Dropping the rows with a missing value refuses to empty the table or
// one of its classes, naming it.
func TestDropIncompleteKeepsEveryClass(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, text, err string }{
		{"a class's rows all incomplete", "a,y\n1,cat\nNA,dog\n2,cat\n,dog\n", "every one of class dog (1)'s 2 rows has a missing value"},
		{"every row incomplete", "a,y\nNA,cat\n,dog\n", "every one of its 2 rows has a missing value"},
		{"a row of each class left", "a,y\n1,cat\nNA,dog\n2,dog\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, labels, names, err := datasets.LoadLabelledMissing(path, "y")
			if err != nil {
				t.Fatal(err)
			}
			err = dropIncomplete(&f, &labels, names)
			if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Errorf("error %v, want %q", err, c.err)
			}
		})
	}
}

// data.discrete_gap widens a column of three to six values enough to put
// its values gap apart on average, never less than standardised, never
// more than gap times; a flag, a scale of more values and a measurement
// are left alone, and a gap of 1 widens nothing.
func TestGapFactors(t *testing.T) {
	const rows = 600
	middling := append([]float64{0, 1, 4, 5}, slices.Repeat([]float64{2, 3}, 18)...) // variance 0.65
	column := func(value func(i int) float64) []float64 {
		out := make([]float64, rows)
		for i := range out {
			out[i] = value(i)
		}
		return out
	}
	for _, c := range []struct {
		name   string
		values []float64 // the column's rows
		gap    float64
		want   float64 // the factor; 0: not widened
	}{
		{"three even codes: 3 apart", column(func(i int) float64 { return float64(i % 3) }), 3, 3 * math.Sqrt(2.0/3)},
		{"three even codes, gap 2", column(func(i int) float64 { return float64(i % 3) }), 2, 2 * math.Sqrt(2.0/3)},
		{"uneven values: at most gap", column(func(i int) float64 { return []float64{0, 3.2, 3.9, 4.5, 4.6}[i%5] }), 3, 3},
		{"nearly all on one value: at least 1", column(func(i int) float64 { return float64(max(i%100-97, 0)) }), 3, 1},
		{"six values, most on the middle two", column(func(i int) float64 { return middling[i%len(middling)] }), 3, 3 * math.Sqrt(0.65)},
		{"six even values: at most gap", column(func(i int) float64 { return float64(i % 6) }), 3, 3},
		{"a flag", column(func(i int) float64 { return float64(i % 2) }), 3, 0},
		{"seven values", column(func(i int) float64 { return float64(i % 7) }), 3, 0},
		{"a gap of 1", column(func(i int) float64 { return float64(i % 3) }), 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := points.New(rows, 1)
			copy(p.X, c.values)
			d := FindDiscrete(p, configs.DefaultDiscreteValues)
			f, ok := d.gapFactors(p, c.gap, nil)[0]
			if c.want == 0 {
				if ok {
					t.Errorf("widened by %v, want it left alone", f)
				}
				return
			}
			if !ok || math.Abs(f-c.want) > 1e-12*c.want {
				t.Errorf("factor %v (found: %v), want %v", f, ok, c.want)
			}
		})
	}
	t.Run("a column of names", func(t *testing.T) {
		p := points.New(rows, 1)
		for i := range p.N {
			p.X[i] = float64(i % 3)
		}
		d := FindDiscrete(p, configs.DefaultDiscreteValues)
		if f, ok := d.gapFactors(p, 3, []datasets.Category{{Column: "species", Index: 0}})[0]; ok {
			t.Errorf("widened by %v, want a column of names left alone", f)
		}
	})
}

// An imputed category is its draws' most frequent level in its model
// columns, a number column beside it the draws' mean, whatever columns
// a category learnt in binary digits takes: a state of 12 levels (4
// digits, model columns 0-3), three numbers (4-6) and a kind of 3 levels
// at its place (7).
func TestImputedCategoriesByModelColumn(t *testing.T) {
	levels := strings.Split("a b c d e f g h i j k l", " ")
	cats := Categories([]configs.Category{{Column: "s", Levels: levels, Index: 0, Bits: true}, {Column: "k", Levels: []string{"x", "y", "z"}, Index: 4}})
	nan := math.NaN()
	cases := []struct {
		name  string
		given []float64
		draws [][]float64
		want  []float64
	}{
		{"a number and the kind missing", []float64{1, 0, 0, 0, nan, 2, 3, nan},
			[][]float64{{1, 0, 0, 0, 10, 2, 3, 2}, {1, 0, 0, 0, 20, 2, 3, 2}, {1, 0, 0, 0, 30, 2, 3, 0}},
			[]float64{1, 0, 0, 0, 20, 2, 3, 2}},
		// Levels 3, 5, 6, 9, 9 (digits least significant first): 9, where
		// each digit's majority would say 1.
		{"the state missing", []float64{nan, nan, nan, nan, 1, 2, 3, 0},
			[][]float64{{1, 1, 0, 0, 1, 2, 3, 0}, {1, 0, 1, 0, 1, 2, 3, 0}, {0, 1, 1, 0, 1, 2, 3, 0}, {1, 0, 0, 1, 1, 2, 3, 0}, {1, 0, 0, 1, 1, 2, 3, 0}},
			[]float64{1, 0, 0, 1, 1, 2, 3, 0}},
		{"a tie goes to the commoner level", []float64{nan, nan, nan, nan, 1, 2, 3, 0},
			[][]float64{{0, 1, 1, 0, 1, 2, 3, 0}, {1, 0, 0, 0, 1, 2, 3, 0}},
			[]float64{1, 0, 0, 0, 1, 2, 3, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			drawn := points.New(len(c.draws), 8)
			for k, d := range c.draws {
				copy(drawn.Row(k), d)
			}
			o := &Imputed{Estimate: points.New(1, 8), Draws: points.New(len(c.draws), 8), Spread: points.New(1, 8)}
			copy(o.Estimate.X, c.given)
			o.complete(c.given, drawn, 0, 0, len(c.draws), cats)
			if !slices.Equal(o.Estimate.X, c.want) {
				t.Errorf("estimate %v, want %v", o.Estimate.X, c.want)
			}
		})
	}
}

// Held-out rows with a value beyond a mapped column's training range are
// marked: the map holds them at the range's end, where eval would give
// them the end's density (a second reader found 9 of 50 such rows scored
// as the column's largest value).
func TestHeldOutBeyondTheRangeIsMarked(t *testing.T) {
	train, valid := points.New(200, 2), points.New(4, 2)
	for i := range train.N {
		train.X[2*i], train.X[2*i+1] = math.Exp(float64(i%37)/9), float64(i%7)
	}
	copy(valid.X, []float64{2, 1, 1e6, 1, 1.5, 100, 0.1, 3})
	knots, _, beyond := mapQuantiles(train, valid, nil, nil, rand.New(rand.NewPCG(1, 2)))
	if _, ok := knots[0]; !ok || len(knots) != 1 {
		t.Fatalf("mapped columns %v, want the skewed first", knots)
	}
	if want := []bool{false, true, false, true}; !slices.Equal(beyond, want) {
		t.Errorf("held-out rows beyond the range %v, want %v (1e6 above it, 0.1 below; column 2 is not mapped)", beyond, want)
	}
}

// Annealed Langevin on a model trained on a continuum of levels walks a
// ladder no more than smallDGamma apart between the run's ends, its
// eps chosen again where auto; a ladder that close already stands.
func TestDenseLadder(t *testing.T) {
	s := configs.Sample{StepsPerLevel: 100, Eps: 1e-3, EpsAuto: true}
	wide := []float64{9.445, 0.532, 0.03}
	got, eps, note := denseLadder(wide, s)
	if len(got) != 19 || got[0] != wide[0] || math.Abs(got[len(got)-1]-wide[2]) > 1e-12 || !strings.Contains(note, "not the run's 3 (17.7 apart)") {
		t.Fatalf("%d levels from %v to %v (%q), want 19 from 9.445 to 0.03", len(got), got[0], got[len(got)-1], note)
	}
	for i := 1; i < len(got); i++ {
		if r := got[i-1] / got[i]; r > smallDGamma {
			t.Errorf("levels %d and %d are %v apart, more than %v", i-1, i, r, smallDGamma)
		}
	}
	if eps == s.Eps || !(eps > 0) || !strings.Contains(note, "sample.eps auto") {
		t.Errorf("eps %v (was %v): want technique 4's for the dense ladder: %q", eps, s.Eps, note)
	}
	s.EpsAuto = false
	if _, eps, note := denseLadder(wide, s); eps != s.Eps || !strings.Contains(note, "sample.eps 0.001 as given") {
		t.Errorf("a given eps: %v, %q; want it kept", eps, note)
	}
	close := []float64{2, 1.5, 1.1}
	if got, eps, note := denseLadder(close, s); !slices.Equal(got, close) || eps != s.Eps || note != "" {
		t.Errorf("a ladder 1.36 apart: %v, %v, %q; want it as it was", got, eps, note)
	}
}
