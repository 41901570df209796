package workflow_test

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
	"scorenet/points"
	"scorenet/workflow"
)

// A flag and a count column are found discrete, a measurement is not;
// dequantised values stay in their cells, so snapping gives them back.
func TestDiscreteColumnsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := points.New(500, 3)
	for i := range p.N {
		p.X[3*i] = float64(r.IntN(2))*0.0953 - 0.0446 // a standardised 0/1 flag
		p.X[3*i+1] = float64(r.IntN(17))              // gray levels 0..16
		p.X[3*i+2] = r.NormFloat64()                  // a measurement
	}
	d := workflow.FindDiscrete(p, configs.DefaultDiscreteValues)
	if len(d) != 2 || len(d[0]) != 2 || len(d[1]) != 17 || d[2] != nil {
		t.Fatalf("found %v, want columns 1 (2 values) and 2 (17 values)", d)
	}
	if few := workflow.FindDiscrete(points.Points{N: 15, D: 3, X: p.X[:45]}, configs.DefaultDiscreteValues); len(few) != 0 {
		t.Errorf("15 rows (fewer than 10 a value): found %v", few)
	}
	orig := slices.Clone(p.X)
	for _, spread := range []float64{1, configs.DefaultDiscreteSpread, 0.1} {
		q := points.Points{N: p.N, D: p.D, X: slices.Clone(orig)}
		d.Dequantize(q, spread, rand.New(rand.NewPCG(3, 4)))
		moved, widest := 0, 0.0
		for i := range q.N {
			if q.X[3*i+1] != orig[3*i+1] {
				moved++
			}
			off := math.Abs(q.X[3*i+1] - orig[3*i+1]) // the gray levels' cells are 1 wide
			if off > spread/2 {
				t.Fatalf("spread %v: gray level %v dequantised to %v, outside the middle %v of its cell", spread, orig[3*i+1], q.X[3*i+1], spread)
			}
			widest = max(widest, off)
			if q.X[3*i+2] != orig[3*i+2] {
				t.Fatal("a continuous column was dequantised")
			}
		}
		if moved < q.N/2 || widest < 0.4*spread {
			t.Errorf("spread %v: %d of %d values dequantised, the farthest %v from its value; want most, filling the share", spread, moved, q.N, widest)
		}
		d.Snap(q)
		if !slices.Equal(q.X, orig) {
			t.Errorf("spread %v: snapping the dequantised values does not give them back", spread)
		}
	}
	far := points.Points{N: 1, D: 3, X: []float64{5, -3, 0.5}}
	d.Snap(far)
	if far.X[0] != d[0][1] || far.X[1] != 0 || far.X[2] != 0.5 {
		t.Errorf("snapped %v, want the nearest values (the flag's 1, gray level 0) and the measurement as it was", far.X)
	}
}

// A constant column (an image's border pixel) is kept constant: nothing to
// spread, and samples are put onto the constant.
func TestConstantColumnIsSnapped(t *testing.T) {
	p := points.New(100, 2)
	for i := range p.N {
		p.X[2*i], p.X[2*i+1] = 0, float64(i)
	}
	d := workflow.FindDiscrete(p, configs.DefaultDiscreteValues)
	if len(d) != 1 || !slices.Equal(d[0], []float64{0}) {
		t.Fatalf("found %v, want column 1 with its one value", d)
	}
	d.Dequantize(p, 1, rand.New(rand.NewPCG(1, 1)))
	s := points.Points{N: 1, D: 2, X: []float64{0.37, 5.5}}
	d.Snap(s)
	if p.X[0] != 0 || s.X[0] != 0 || s.X[1] != 5.5 {
		t.Errorf("constant column dequantised to %v, sample snapped to %v", p.X[0], s.X)
	}
}

// Levels that rows repeat are discrete however many there are, up to the
// cap, while a column of fewer than 10 rows a value is a measurement: a
// survey's deductibles (hundreds of levels, most rows at 0) are put back
// onto their levels, a fine grid of many thousands of rows is not.
func TestDiscreteByRowsPerValue(t *testing.T) {
	cases := []struct {
		name         string
		rows, levels int
		zeros        float64 // share of rows at 0, the rest spread over the other levels
		discrete     bool
	}{
		{"343 levels over 16152 rows, 41% at 0", 16152, 343, 0.41, true},
		{"1024 levels over 20480 rows", 20480, 1024, 0, true},
		{"1500 levels over 20480 rows, past the cap", 20480, 1500, 0, false},
		{"200 levels over 1900 rows, under 10 a level", 1900, 200, 0, false},
	}
	if old := workflow.FindDiscrete(levelsColumn(16152, 343, 0.41), configs.OldDiscreteValues); len(old) != 0 {
		t.Errorf("under the old cap of %d values, 343 levels found discrete", configs.OldDiscreteValues)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := levelsColumn(c.rows, c.levels, c.zeros)
			d := workflow.FindDiscrete(p, configs.DefaultDiscreteValues)
			if got := d[0] != nil; got != c.discrete {
				t.Fatalf("discrete %v, want %v", got, c.discrete)
			}
			if c.discrete && (len(d[0]) != c.levels || d[0][0] != 0) {
				t.Errorf("%d values from %v, want the %d levels from 0", len(d[0]), d[0][0], c.levels)
			}
		})
	}
}

// levelsColumn is one column of rows values: a share zeros of them 0, the
// rest spread over levels values at irregular steps (a design's levels),
// every level held.
func levelsColumn(rows, levels int, zeros float64) points.Points {
	r := rand.New(rand.NewPCG(5, 6))
	values := make([]float64, levels)
	for k := 1; k < levels; k++ {
		values[k] = values[k-1] + 0.1 + r.Float64()
	}
	p := points.New(rows, 1)
	for i := range p.N {
		if i >= int(zeros*float64(p.N)) {
			p.X[i] = values[i%levels]
		}
	}
	return p
}

// A flag column with its rows spread over the middle half of each value's
// cell keeps gaps between the values' boxes; a skewed one, mapped through
// its quantiles by the rows' ranks, fills each value's share of the
// normal whatever the spread, and the start-up line says so.
func TestDiscreteSpreadAndQuantiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	r := rand.New(rand.NewPCG(5, 6))
	writeRows(t, path, "even,rare,x", 400, func() string {
		rare := 0
		if r.Float64() < 0.1 {
			rare = 1
		}
		return fmt.Sprintf("%d,%d,%.4f", r.IntN(2), rare, r.NormFloat64())
	})
	half, whole := preparedTable(t, path, "standardize: false, discrete_spread: 0.5"), preparedTable(t, path, "standardize: false, discrete_spread: 1")
	for _, p := range []points.Points{half.Train, half.Valid} {
		for i := range p.N {
			if v := p.X[i*p.D]; math.Abs(v-math.Round(v)) > 0.25 {
				t.Fatalf("the even flag's row at %v, outside the middle half of its cell", v)
			}
		}
	}
	if !strings.Contains(half.Source, "1 of them discrete, whose rows fill each value's share of the normal") || strings.Contains(whole.Source, "of them discrete") {
		t.Errorf("start-up lines:\n%s\n%s\nwant the mapped discrete column named under spread 0.5 only", half.Source, whole.Source)
	}
	for i := range half.Train.N {
		if a, b := half.Train.X[i*3+1], whole.Train.X[i*3+1]; a != b {
			t.Fatalf("the rare flag's mapped row %d: %v under spread 0.5, %v under 1; want the same normal scores", i, a, b)
		}
	}
}

// data.discrete_gap in Prepare: a skewed three-valued code, which plain
// standardising would quantile-map, is kept out of the map and its
// values' rows lie gap apart in the model's units; the flag, the 7-point
// scale and the measurement are the same bits at gaps 3 and 1; the
// start-up line names the column; and the rows come back onto the code's
// values in data units.
func TestDiscreteGapInPrepare(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	r := rand.New(rand.NewPCG(7, 8))
	writeRows(t, path, "code,flag,scale,x", 500, func() string {
		code := 0
		switch u := r.Float64(); {
		case u > 0.9:
			code = 2
		case u > 0.75:
			code = 1
		}
		return fmt.Sprintf("%d,%d,%d,%.4f", code, r.IntN(2), 1+r.IntN(7), r.NormFloat64())
	})
	wide, plain := preparedTable(t, path, "discrete_gap: 3"), preparedTable(t, path, "discrete_gap: 1")
	if _, mapped := plain.Norm.Quantiles[0]; !mapped {
		t.Fatalf("gap 1: the skewed code is not quantile-mapped; the test needs it to be")
	}
	if _, mapped := wide.Norm.Quantiles[0]; mapped {
		t.Errorf("gap 3: the code is quantile-mapped, want it kept out of the map")
	}
	// Each value's rows are centred on it (spread over the middle half of
	// its cell): the centres of the lowest and highest values' rows, in
	// the model's units, lie about two gaps apart.
	var lo, hi []float64
	p := wide.Train
	for i := range p.N {
		switch v := p.X[i*p.D]*wide.Norm.Std[0] + wide.Norm.Mean[0]; {
		case v < 0.5:
			lo = append(lo, p.X[i*p.D])
		case v > 1.5:
			hi = append(hi, p.X[i*p.D])
		}
	}
	if got := (mean(hi) - mean(lo)) / 2; math.Abs(got-3) > 0.1 {
		t.Errorf("gap 3: neighbouring values %.3f apart in the model's units, want 3 within 0.1", got)
	}
	for _, j := range []int{1, 2, 3} {
		for i := range wide.Train.N {
			if a, b := wide.Train.X[i*4+j], plain.Train.X[i*4+j]; a != b {
				t.Fatalf("column %d, row %d: %v at gap 3, %v at gap 1; want the same bits", j+1, i, a, b)
			}
		}
	}
	if !strings.Contains(wide.Source, "data.discrete_gap 3: 1 discrete column(s) of 3 to 6 values standardised wider") || !strings.Contains(wide.Source, ": code (3 values, x") ||
		strings.Contains(plain.Source, "data.discrete_gap") {
		t.Errorf("start-up lines:\n%s\n%s\nwant the code named at gap 3 only", wide.Source, plain.Source)
	}
	back := workflow.DataUnits(wide.Norm, wide.Discrete, wide.Ends, wide.Whole, wide.Places, wide.Train)
	for i := range back.N {
		if v := back.X[i*back.D]; v != 0 && v != 1 && v != 2 {
			t.Fatalf("row %d's code comes back as %v, want 0, 1 or 2", i, v)
		}
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// preparedTable is Prepare of the table at path with keys (YAML flow
// items) in its data section.
func preparedTable(t *testing.T, path, keys string) *workflow.Data {
	t.Helper()
	cfg, err := configs.Parse([]byte("name: t\ndata: {dataset: file, path: "+path+", "+keys+"}\n"), "t.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := workflow.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// writeRows writes a CSV of a header and n rows, each made by row in turn.
func writeRows(t *testing.T, path, header string, n int, row func() string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(header + "\n")
	for range n {
		b.WriteString(row() + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A discrete column whose rare value lies between two common ones (a race
// coded 1, 2, 3 for 52%, 13% and 35% of the rows) is mapped through its
// quantiles, said with why; one whose middle value is the commonest (a
// score of 1 to 3), or any under data.quantile_valleys false (a run
// trained before the key), is not.
func TestValleyColumnsAreQuantileMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "births.csv")
	i := 0
	writeRows(t, path, "race,score,weight", 200, func() string {
		i++
		race := 1
		switch {
		case i%100 >= 87:
			race = 2
		case i%100 >= 52:
			race = 3
		}
		score := []int{1, 2, 2, 3}[i%4]
		return fmt.Sprintf("%d,%d,%.1f", race, score, 2500+float64(i%37)*20)
	})
	// Years of education, 16 values, 41% at 12 and 6% at 13 (R's
	// CPS1985): a valley in a code of more than 10 values.
	years := filepath.Join(t.TempDir(), "wages.csv")
	k := 0
	writeRows(t, years, "education,wage", 400, func() string {
		k++
		education := []int{6, 8, 9, 10, 11, 15, 15, 17, 17, 17, 18, 20}[k%12]
		switch r := k % 100; {
		case r < 41:
			education = 12
		case r < 47:
			education = 13
		case r < 59:
			education = 14
		case r < 73:
			education = 16
		case r < 80:
			education = 18
		}
		return fmt.Sprintf("%d,%.2f", education, 5+float64(k%23)*0.7)
	})
	if data := preparedTable(t, years, ""); !strings.Contains(data.Source, "education (a valley in its values' shares, data.quantile_valleys)") {
		t.Errorf("years of education, 16 values with a valley at 13, not mapped: %s", data.Source)
	}
	// A run from before data.valley_levels (10) maps them as it did: not.
	if data := preparedTable(t, years, "valley_levels: 10"); strings.Contains(data.Source, "a valley in its values' shares") {
		t.Errorf("years of education under data.valley_levels 10 mapped: %s", data.Source)
	}
	for _, c := range []struct {
		name   string
		keys   string
		mapped bool
	}{
		{"by default", "", true},
		{"data.quantile_valleys false", "quantile_valleys: false", false},
		{"data.quantile none", "quantile: none", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := preparedTable(t, path, c.keys)
			if _, ok := data.Norm.Quantiles[0]; ok != c.mapped || strings.Contains(data.Source, "race (a valley in its values' shares, data.quantile_valleys)") != c.mapped {
				t.Errorf("race mapped %v, want %v: %s", ok, c.mapped, data.Source)
			}
			if _, ok := data.Norm.Quantiles[1]; ok {
				t.Errorf("the score, commonest in the middle, is mapped: %s", data.Source)
			}
		})
	}
}

// A run from before data.quantile_valleys whose samples fill a code's
// valley is told that a new run maps such a column; a miss on a column
// without a valley, or from a run that mapped it, gets the advice it had.
func TestVerdictNamesQuantileValleysForAValley(t *testing.T) {
	codes := func(shares ...int) points.Points {
		var x []float64
		for v, n := range shares {
			for range n {
				x = append(x, float64(v+1), float64(len(x)%17))
			}
		}
		return points.Points{N: len(x) / 2, D: 2, X: x}
	}
	levels := map[int][]float64{0: {1, 2, 3}}
	for _, c := range []struct {
		name       string
		train      points.Points
		unmapped   bool
		wantValley bool
	}{
		{"a valley, unmapped", codes(52, 13, 35), true, true},
		{"a valley, from a run that maps it", codes(52, 13, 35), false, false},
		{"no valley", codes(52, 35, 13), true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			samples := codes(38, 41, 21)
			v := workflow.Judge(samples, c.train, points.New(0, 2), workflow.Columns{Levels: levels, Standardized: true, ValleysUnmapped: c.unmapped})
			said := strings.Join(v.Warnings, "\n")
			if v.Levels == nil || !v.Levels.Off || strings.Contains(said, "data.quantile_valleys") != c.wantValley {
				t.Errorf("level shares %+v, warnings:\n%s", v.Levels, said)
			}
		})
	}
}

// A column of which a quarter of the rows sit at its ceiling above an
// even body (a reading capped by its instrument; skewness near 0, which
// alone maps no column), is quantile-mapped for its point mass under
// data.quantile_masses, and not without it; a tenth at the ceiling is
// not mapped.
func TestLargeEndMassesAreQuantileMapped(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, atCap float64) string {
		path := filepath.Join(dir, name)
		rng := rand.New(rand.NewPCG(6, 6))
		writeRows(t, path, "reading,x", 400, func() string {
			v := 0.9 * rng.Float64() // the body
			if rng.Float64() < atCap {
				v = 1 // the ceiling
			}
			return fmt.Sprintf("%.4f,%.4f", v, rng.NormFloat64())
		})
		return path
	}
	quarter, tenth := write("quarter.csv", 0.25), write("tenth.csv", 0.1)
	for _, c := range []struct {
		name, path, keys string
		mapped           bool
	}{
		{"a quarter at the ceiling", quarter, "", true},
		{"data.quantile_masses false", quarter, "quantile_masses: false", false},
		{"a tenth at the ceiling", tenth, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := preparedTable(t, c.path, c.keys)
			if _, ok := data.Norm.Quantiles[0]; ok != c.mapped || strings.Contains(data.Source, "reading (a point mass at its end, data.quantile_masses)") != c.mapped {
				t.Errorf("mapped %v, want %v: %s", ok, c.mapped, data.Source)
			}
		})
	}
}
