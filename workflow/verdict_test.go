package workflow_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/points"
	"scorenet/workflow"
)

// gaussianPoints are n draws of N(0, I) in R^d.
func gaussianPoints(n, d int, seed uint64) points.Points {
	r := rand.New(rand.NewPCG(seed, 7))
	p := points.New(n, d)
	for i := range p.X {
		p.X[i] = r.NormFloat64()
	}
	return p
}

// The verdict is quiet on samples from the data's own distribution and
// warns, naming the fix, on diffuse samples, copies of the training data,
// and samples outside the data's range.
func TestVerdictWarnsNamingTheFix(t *testing.T) {
	train, heldout := gaussianPoints(2000, 3, 1), gaussianPoints(300, 3, 2)
	scaled := func(p points.Points, f float64) points.Points {
		out := points.New(p.N, p.D)
		for i, v := range p.X {
			out.X[i] = f * v
		}
		return out
	}
	jitter := func(p points.Points, s float64) points.Points {
		out, noise := points.New(p.N, p.D), gaussianPoints(p.N, p.D, 9)
		for i, v := range p.X {
			out.X[i] = v + s*noise.X[i]
		}
		return out
	}
	for _, c := range []struct {
		name    string
		samples points.Points
		want    []string // in the warnings; none for good samples
	}{
		{"good", gaussianPoints(1000, 3, 3), nil},
		{"memorised", jitter(train.Subset(seq(1000)), 1e-6), []string{"copy the training data", "-checkpoint best"}},
		{"out of range", scaled(gaussianPoints(1000, 3, 5), 3), []string{"outside the training data's range", "model.sigma_data: auto", "spread per column"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(c.samples, train, heldout, workflow.Columns{})
			got := strings.Join(v.Warnings, "\n")
			if len(c.want) == 0 && len(v.Warnings) > 0 {
				t.Errorf("good samples got warnings: %s (%+v)", got, v)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q (%+v)", got, w, v)
				}
			}
			if !strings.HasPrefix(v.Summary(), "verdict on 1000 samples") {
				t.Errorf("summary %q", v.Summary())
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Samples blurred off thin data (a ring) are diffuse: their means and
// spreads look right, their distance to the nearest training point does not.
func TestVerdictSeesDiffuseSamples(t *testing.T) {
	ring := func(n int, seed uint64, blur float64) points.Points {
		r := rand.New(rand.NewPCG(seed, 3))
		p := points.New(n, 2)
		for i := range n {
			a := 2 * math.Pi * r.Float64()
			p.X[2*i], p.X[2*i+1] = 3*math.Cos(a)+blur*r.NormFloat64(), 3*math.Sin(a)+blur*r.NormFloat64()
		}
		return p
	}
	v := workflow.Judge(ring(1000, 3, 0.3), ring(2000, 1, 0.02), ring(300, 2, 0.02), workflow.Columns{})
	got := strings.Join(v.Warnings, "\n")
	if !strings.Contains(got, "diffuse") || !strings.Contains(got, "train longer (train.steps)") || v.MeanShift > 0.25 {
		t.Errorf("blurred ring: %+v", v)
	}
}

// Dequantised pixels: a column whose 8-bit values were all 0 holds values
// in (0, 1/256) after the jitter; a sample pixel at 0 (clamped there) lies
// in the observed cell, though below every jittered training value.
func TestVerdictRangeOfDequantisedPixels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	jittered := func(n int, v float64) points.Points {
		p := points.New(n, 1)
		for i := range p.X {
			p.X[i] = (v + rng.Float64()) / 256
		}
		return p
	}
	train, heldout := jittered(500, 0), jittered(100, 0)
	samples := points.New(100, 1) // every pixel 0
	if v := workflow.Judge(samples, train, heldout, workflow.Columns{}); v.OutsideRange != 1 {
		t.Errorf("without cells: %.2f of the samples outside, want all", v.OutsideRange)
	}
	if v := workflow.Judge(samples, train, heldout, workflow.Columns{Cell: 1.0 / 256}); v.OutsideRange != 0 {
		t.Errorf("in 1/256 cells: %.2f of the samples outside, want none", v.OutsideRange)
	}
}

// Images are judged over the image: an edge pixel that 1% of the data's
// images ink and 5% of good samples do (few draws of a rare event) warns
// as a column but not as a pixel, while samples blurred to half the
// spread, or darkened, warn as pixels too.
func TestVerdictJudgesPixelsOverTheImage(t *testing.T) {
	const d = 16
	images := func(n int, ink float64, seed uint64, contrast, shift float64) points.Points {
		r := rand.New(rand.NewPCG(seed, 3))
		p := points.New(n, d)
		for i := range n {
			row := p.Row(i)
			if r.Float64() < ink {
				row[0] = 1
			}
			for j := 1; j < d; j++ {
				row[j] = 0.5 + contrast*(0.2*r.NormFloat64()) + shift
			}
		}
		return p
	}
	train, heldout := images(2000, 0.01, 1, 1, 0), images(300, 0.01, 2, 1, 0)
	pixels := workflow.Columns{Pixels: true}
	for _, c := range []struct {
		name    string
		samples points.Points
		cols    workflow.Columns
		want    []string // in the warnings; none for good samples
	}{
		{"a rare pixel as a column", images(1000, 0.05, 3, 1, 0), workflow.Columns{}, []string{"spread per column", "(furthest off, column 1: 2.", "column 1's sample mean is 0.3"}},
		{"a rare pixel over the image", images(1000, 0.05, 3, 1, 0), pixels, nil},
		{"blurred", images(1000, 0.01, 3, 0.5, 0), pixels, []string{"spread over the image is 0.5"}},
		{"darkened", images(1000, 0.01, 3, 1, -0.1), pixels, []string{"a pixel's sample mean is"}},
		{"out of range", images(1000, 0.01, 3, 4, 0), pixels, []string{"outside the training data's range", "model.sigma_data: auto)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(c.samples, train, heldout, c.cols)
			got := strings.Join(v.Warnings, "\n")
			spreadOrMean := strings.Contains(got, "spread") || strings.Contains(got, "mean")
			if len(c.want) == 0 && spreadOrMean {
				t.Errorf("good samples got warnings: %s (%+v)", got, v)
			}
			if c.cols.Pixels && strings.Contains(got, "standardize") { // images keep their scale
				t.Errorf("an image's warnings advise standardising: %s", got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q (%+v)", got, w, v)
				}
			}
		})
	}
}

// A few samples' means and spreads stray by chance: 64 good samples are
// not told to train longer, on a 30-column table or over an image of 784
// pixels, while 64 whose column or pixels are off by far more than that
// still are.
func TestVerdictAllowsForFewSamples(t *testing.T) {
	shifted := func(p points.Points, cols []int, by float64) points.Points {
		out := points.New(p.N, p.D)
		copy(out.X, p.X)
		for i := range p.N {
			for _, j := range cols {
				out.X[i*p.D+j] += by
			}
		}
		return out
	}
	table, tableHeld := gaussianPoints(2000, 30, 1), gaussianPoints(300, 30, 2)
	image, imageHeld := gaussianPoints(2000, 784, 4), gaussianPoints(300, 784, 5)
	for _, c := range []struct {
		name        string
		samples     points.Points
		train, held points.Points
		cols        workflow.Columns
		wantMean    bool
	}{
		{"64 good rows of 30 columns", gaussianPoints(64, 30, 3), table, tableHeld, workflow.Columns{}, false},
		{"64 rows, a column 1.5 sd off", shifted(gaussianPoints(64, 30, 3), []int{7}, 1.5), table, tableHeld, workflow.Columns{}, true},
		{"64 good images of 784 pixels", gaussianPoints(64, 784, 6), image, imageHeld, workflow.Columns{Pixels: true}, false},
		{"64 images, a pixel 1.5 sd off", shifted(gaussianPoints(64, 784, 6), []int{100}, 1.5), image, imageHeld, workflow.Columns{Pixels: true}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(c.samples, c.train, c.held, c.cols)
			got := strings.Join(v.Warnings, "\n")
			if mean := strings.Contains(got, "sample mean"); mean != c.wantMean {
				t.Errorf("a warning on the mean: %v, want %v: %s (mean shift %.2f)", mean, c.wantMean, got, v.MeanShift)
			}
			if strings.Contains(got, "spread") {
				t.Errorf("a warning on the spread: %s (%.2f to %.2f)", got, v.SpreadLow, v.SpreadHigh)
			}
		})
	}
}

// The verdict's "more steps" advice names each sampler's own setting.
func TestMoreStepsNamesTheSamplersSetting(t *testing.T) {
	for kind, want := range map[string]string{
		"annealed": "sample.steps_per_level", "langevin": "sample.steps", "heun": "sample.steps",
		"dpmpp_2m": "sample.steps", "pc": "sample.levels", "ode": "lower sample.rtol and sample.atol",
	} {
		if got := workflow.MoreSteps(kind); got != want {
			t.Errorf("%s: %q, want %q", kind, got, want)
		}
	}
}

// Data whose columns are all constant (a class of identical points) have
// no spread or mean shift to compare: the verdict says so, and warns only
// about what it can measure, never with a ratio to a zero spread.
func TestVerdictOnConstantData(t *testing.T) {
	train := points.Points{N: 3, D: 2, X: []float64{5, 5, 5, 5, 5, 5}}
	samples := points.Points{N: 2, D: 2, X: []float64{0.1, 0.2, -0.3, 0.4}}
	v := workflow.Judge(samples, train, points.Points{D: 2}, workflow.Columns{})
	if !v.Constant || v.OutsideRange != 1 || len(v.Warnings) != 1 || !strings.Contains(v.Warnings[0], "outside the training data's range") {
		t.Errorf("verdict %+v", v)
	}
	if s := v.Summary(); !strings.Contains(s, "every column of the data is constant") || strings.Contains(s, "of the data's per column") {
		t.Errorf("summary %q", s)
	}
}

// One sample has no spread: the verdict compares its mean only.
func TestVerdictOnOneSample(t *testing.T) {
	train := points.Points{N: 4, D: 1, X: []float64{0, 1, 2, 3}}
	v := workflow.Judge(points.Points{N: 1, D: 1, X: []float64{1.5}}, train, points.Points{D: 1}, workflow.Columns{})
	if !v.Single || len(v.Warnings) != 0 || !strings.Contains(v.Summary(), "one sample, with no spread to compare; means within 0.00 sd") {
		t.Errorf("verdict %+v: %s", v, v.Summary())
	}
}

// Without held-out rows (a run refitted on every row) nearness is measured
// against a training row's distance to its nearest other: near 1 for new
// draws of the data, far below for copies, above for blurred ones, with
// the same thresholds and a fix that names no best checkpoint.
func TestVerdictWithoutHeldOutRows(t *testing.T) {
	train, none := gaussianPoints(500, 3, 1), points.New(0, 3)
	blurred := gaussianPoints(1000, 3, 4)
	for i := range blurred.X {
		blurred.X[i] *= 2
	}
	for _, c := range []struct {
		name    string
		samples points.Points
		low, hi float64  // the nearest ratio's bounds
		want    []string // in the warnings
		mustNot string
	}{
		{"new draws", gaussianPoints(1000, 3, 3), 0.85, 1.2, nil, "copy"},
		{"copies", train.Subset(seq(400)), 0, 0, []string{"copy the training data", "a training row's from the others (no rows held out)"}, "-checkpoint best"},
		{"blurred", blurred, 1.5, 5, []string{"diffuse", "a training row's from the others"}, "copy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(c.samples, train, none, workflow.Columns{})
			got := strings.Join(v.Warnings, "\n")
			if v.NearestAgainst != "training rows" || v.NearestRatio < c.low || v.NearestRatio > c.hi {
				t.Errorf("nearest ratio %.3f against %q, want %g-%g against the training rows", v.NearestRatio, v.NearestAgainst, c.low, c.hi)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q", got, w)
				}
			}
			if c.mustNot != "" && strings.Contains(got, c.mustNot) {
				t.Errorf("warnings %q say %q", got, c.mustNot)
			}
		})
	}
	if v := workflow.Judge(gaussianPoints(100, 3, 3), gaussianPoints(9, 3, 1), none, workflow.Columns{}); v.NearestRatio != 0 {
		t.Errorf("9 training rows and none held out: nearest ratio %v, want none measured", v.NearestRatio)
	}
	// 15 rows (R's women) measure a baseline of their own: copies of them
	// are told, with a wide error.
	few := gaussianPoints(15, 3, 1)
	copies := points.New(300, 3)
	for i := range copies.N {
		copy(copies.Row(i), few.Row(i%few.N))
	}
	if v := workflow.Judge(copies, few, none, workflow.Columns{}); v.NearestRatio != 0 || !strings.Contains(strings.Join(v.Warnings, "\n"), "copy the training data") {
		t.Errorf("copies of 15 training rows: nearest ratio %v, warnings %q; want 0 and a copy's warning", v.NearestRatio, v.Warnings)
	}
}

// A table of repeated rows: the held-out rows have twins among the
// training rows, their distance is 0, and no nearness is reported (it was
// +Inf, which no JSON holds).
func TestVerdictOnRepeatedRows(t *testing.T) {
	train := gaussianPoints(100, 2, 1)
	held := train.Subset(seq(40))
	v := workflow.Judge(gaussianPoints(200, 2, 3), train, held, workflow.Columns{})
	if v.NearestRatio != 0 || v.NearestAgainst != "" || strings.Contains(v.Summary(), "nearest") {
		t.Errorf("nearness %v against %q: %s", v.NearestRatio, v.NearestAgainst, v.Summary())
	}
}

// A run's data are judged as its samples come out: a flag column, trained
// spread over its cells, is put back onto its values before the samples'
// spread is compared with it. Exact draws from the data's own distribution
// (a 3% flag, 0 or 1) get no warning, in sample's verdict as in eval's
// nearness; the flag's cells alone once made their spread 0.5 of the
// data's.
func TestRunVerdictPutsFlagsBackOntoTheirValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	row := func() (float64, int) {
		flag := 0
		if rng.Float64() < 0.03 {
			flag = 1
		}
		return rng.NormFloat64(), flag
	}
	var b strings.Builder
	b.WriteString("x,flag\n")
	for range 3000 {
		x, f := row()
		fmt.Fprintf(&b, "%.6f,%d\n", x, f)
	}
	csv := filepath.Join(t.TempDir(), "flags.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := trained(t, testConfig(t, "data.dataset=file", "data.path="+csv, "train.steps=2", "train.eval_every=0"))
	if len(run.Discrete) != 1 {
		t.Fatalf("discrete columns %v, want the flag", run.Discrete)
	}
	data, err := run.Data("the test")
	if err != nil {
		t.Fatal(err)
	}
	perfect := points.New(2000, 2)
	for i := range perfect.N {
		x, f := row()
		perfect.X[2*i], perfect.X[2*i+1] = x, float64(f)
	}
	v, err := workflow.JudgeRun(run, data, perfect, "heun")
	if err != nil {
		t.Fatal(err)
	}
	if v.SpreadLow < 0.85 || v.SpreadHigh > 1.15 || len(v.Warnings) > 0 {
		t.Errorf("exact draws of the data: spread %.2f-%.2f, warnings %q", v.SpreadLow, v.SpreadHigh, v.Warnings)
	}
	// Twice as wide and shifted by one sd in x: the warnings name it by
	// the run's header.
	wide := points.Points{N: perfect.N, D: perfect.D, X: slices.Clone(perfect.X)}
	for i := range wide.N {
		wide.X[2*i] = 2*wide.X[2*i] + 1
	}
	v, err = workflow.JudgeRun(run, data, wide, "heun")
	if err != nil {
		t.Fatal(err)
	}
	says := strings.Join(v.Warnings, "\n")
	if v.SpreadColumn != 1 || v.MeanColumn != 1 || !strings.Contains(says, "(furthest off, column 1 (x): 1.9") || !strings.Contains(says, "column 1 (x)'s sample mean is 1.0") {
		t.Errorf("x twice as wide and shifted: spread column %d, mean column %d, warnings %q", v.SpreadColumn, v.MeanColumn, v.Warnings)
	}
}

// A discrete column's shares of its values: samples in the data's shares
// are good, a rare middle value drawn three times too often is warned of
// (naming the column, the value, and data.discrete_gap where it would
// widen the column: 3 to 6 numbers, standardised), a few samples off by
// their own noise are not, and a column of many values or an image's
// pixels are not judged.
func TestVerdictJudgesDiscreteShares(t *testing.T) {
	data := []float64{0.52, 0.13, 0.35}
	train, heldout := codes(2000, data, 1), codes(300, data, 2)
	three := map[int][]float64{0: {1, 2, 3}}
	threeNumbers := workflow.Columns{Levels: three, Standardized: true}
	for _, c := range []struct {
		name    string
		samples points.Points
		cols    workflow.Columns
		gap     [2]float64 // the level gap expected, within; 0, 0: none judged
		warn    string     // in the warnings; "" for none
		hint    bool       // the warning names data.discrete_gap
	}{
		{"the data's shares", codes(1000, data, 3), threeNumbers, [2]float64{0, 0.05}, "", false},
		{"the middle value three times too often", codes(1000, []float64{0.38, 0.39, 0.23}, 4), threeNumbers, [2]float64{0.2, 0.32}, "column 1's values come out in shares", true},
		{"not standardised: no data.discrete_gap", codes(1000, []float64{0.38, 0.39, 0.23}, 4), workflow.Columns{Levels: three}, [2]float64{0.2, 0.32}, "(total variation; 2: ", false},
		{"a column of names: its level's name, no data.discrete_gap", codes(1000, []float64{0.38, 0.39, 0.23}, 4),
			workflow.Columns{Levels: three, Names: map[int][]string{0: {"a", "b", "c", "d"}}, Standardized: true}, [2]float64{0.2, 0.32}, "(total variation; c: ", false},
		{"twenty samples, off by their noise", codes(20, []float64{0.4, 0.2, 0.4}, 5), threeNumbers, [2]float64{0, 0.3}, "", false},
		{"a scale of seven values: no data.discrete_gap", codes(1000, []float64{0.38, 0.39, 0.23}, 4), workflow.Columns{Levels: map[int][]float64{0: {1, 2, 3, 4, 5, 6, 7}}, Standardized: true}, [2]float64{0.2, 0.32}, "column 1's values", false},
		{"a column of many values", codes(1000, []float64{0.38, 0.39, 0.23}, 4), workflow.Columns{Levels: map[int][]float64{0: manyValues(40)}}, [2]float64{0, 0}, "", false},
		{"pixels", codes(1000, []float64{0.38, 0.39, 0.23}, 4), workflow.Columns{Levels: three, Pixels: true}, [2]float64{0, 0}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(c.samples, train, heldout, c.cols)
			got := strings.Join(v.Warnings, "\n")
			if c.gap[1] == 0 {
				if v.Levels != nil {
					t.Errorf("judged %+v, want no column judged", *v.Levels)
				}
				return
			}
			if v.Levels == nil || v.Levels.Gap < c.gap[0] || v.Levels.Gap > c.gap[1] {
				t.Fatalf("levels %+v, want a gap within %v", v.Levels, c.gap)
			}
			if (c.warn == "") != !v.Levels.Off || c.warn != "" && !strings.Contains(got, c.warn) || c.warn == "" && strings.Contains(got, "come out in shares") {
				t.Errorf("warnings %q (off: %v), want %q", got, v.Levels.Off, c.warn)
			}
			if strings.Contains(got, "data.discrete_gap") != c.hint {
				t.Errorf("warnings %q: data.discrete_gap named %v, want %v", got, !c.hint, c.hint)
			}
			if c.warn != "" && v.Levels.Value != 2 {
				t.Errorf("value drawn too often %v, want 2", v.Levels.Value)
			}
			if !strings.Contains(v.Summary(), "value shares within") {
				t.Errorf("summary %q lacks the shares", v.Summary())
			}
		})
	}
}

// codes are n rows of a code 1, 2, 3, ... drawn with shares, beside a
// normal column.
// manyValues are the values 1 to k.
func manyValues(k int) []float64 {
	out := make([]float64, k)
	for i := range out {
		out[i] = float64(i + 1)
	}
	return out
}

// A month's twelve values are judged (the bound was ten: an ozone
// table's summer drawn too often went unsaid), with the noise of the
// training rows' shares as well as the samples': samples in the smooth
// shares a few hundred rows were drawn from are good; summer months three
// times as common as the others are warned of.
func TestVerdictJudgesAMonthsTwelveValues(t *testing.T) {
	even := make([]float64, 12)
	summer := make([]float64, 12)
	for k := range even {
		even[k], summer[k] = 1.0/12, 0.4/8
		if k >= 4 && k < 8 {
			summer[k] = 0.6 / 4
		}
	}
	train, heldout := codes(300, even, 11), codes(100, even, 12)
	cols := workflow.Columns{Levels: map[int][]float64{0: manyValues(12)}, Standardized: true}
	for _, c := range []struct {
		name    string
		samples points.Points
		off     bool
	}{
		{"the shares the rows were drawn from", codes(1000, even, 13), false},
		{"summer three times as common", codes(1000, summer, 14), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(c.samples, train, heldout, cols)
			if v.Levels == nil || v.Levels.Off != c.off || strings.Contains(strings.Join(v.Warnings, "\n"), "column 1's values come out in shares") != c.off {
				t.Errorf("levels %+v, warnings %q; want off %v", v.Levels, v.Warnings, c.off)
			}
		})
	}
}

func codes(n int, shares []float64, seed uint64) points.Points {
	r := rand.New(rand.NewPCG(seed, 3))
	p := points.New(n, 2)
	for i := range n {
		u, k := r.Float64(), 0
		for k < len(shares)-1 && u > shares[k] {
			u -= shares[k]
			k++
		}
		p.X[2*i], p.X[2*i+1] = float64(k+1), r.NormFloat64()
	}
	return p
}

// Of two columns, the warning names the one beyond its threshold, not the
// one furthest off inside its noise; and a value of 0 drawn too often is
// kept in the verdict's JSON.
func TestVerdictNamesTheColumnThatIsOff(t *testing.T) {
	const n = 150
	train, samples := points.New(3000, 2), points.New(n, 2)
	for i := range train.N { // ten even values, and a flag at 0 half the time
		train.X[2*i], train.X[2*i+1] = float64(i%10), float64(i%2)
	}
	for i := range n {
		// Eight of the ten values only (0.20 off, inside the noise of 150
		// samples of ten values, 0.206); the flag's 0 at 64% (0.14 off,
		// beyond 0.1).
		samples.X[2*i] = float64(i % 8)
		if i%25 >= 16 {
			samples.X[2*i+1] = 1
		}
	}
	cols := workflow.Columns{Levels: map[int][]float64{0: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 1: {0, 1}}, Standardized: true}
	v := workflow.Judge(samples, train, points.Points{D: 2}, cols)
	l := v.Levels
	if l == nil || !l.Off || l.Column != 2 || l.Value != 0 || math.Abs(l.Gap-0.14) > 1e-9 || l.Worst < 0.19 {
		t.Fatalf("levels %+v, want column 2 off, its value 0 drawn too often", l)
	}
	out, err := json.Marshal(v)
	if err != nil || !strings.Contains(string(out), `"value":0,`) {
		t.Errorf("JSON %s (%v), want the value 0 kept", out, err)
	}
}

// On a table of a few rows, new rows themselves fall outside the
// training range often (2 in n + 1 for each column): the verdict allows
// for that before it calls samples out of range, and still calls samples
// three times too wide.
func TestVerdictAllowsForSmallTables(t *testing.T) {
	train := gaussianPoints(16, 4, 11)
	for _, c := range []struct {
		name    string
		samples points.Points
		warn    bool
	}{
		{"samples from the rows' distribution", gaussianPoints(1000, 4, 12), false},
		{"samples three times as wide", scaledPoints(gaussianPoints(1000, 4, 12), 3), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := workflow.Judge(c.samples, train, points.Points{D: 4}, workflow.Columns{})
			if v.OutsideRange <= 0.05 {
				t.Fatalf("%.1f%% outside: not what a flat 5%% bound would warn of; the test measures nothing", 100*v.OutsideRange)
			}
			if want := 2.0 / 17; math.Abs(v.NewRowsOutside-want) > 1e-12 {
				t.Errorf("new rows' share outside %v, want %v", v.NewRowsOutside, want)
			}
			got := strings.Join(v.Warnings, "\n")
			if warned := strings.Contains(got, "outside the training data's range"); warned != c.warn {
				t.Errorf("warned of the range: %v, want %v (%.1f%% outside): %s", warned, c.warn, 100*v.OutsideRange, got)
			}
			if c.warn && !strings.Contains(got, "where new rows would put about 11.8%") {
				t.Errorf("the warning does not say what new rows would give: %s", got)
			}
		})
	}
}

// A heavy-tailed column's spread rests on its few largest values, so a
// thousand perfect copies of the rows stray far from it: the verdict's
// spread noise follows the column's kurtosis, and a normal column's
// shortfall is still called.
func TestVerdictSpreadOfAHeavyTail(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 5))
	train := points.New(2000, 2)
	for i := range train.N {
		train.X[2*i], train.X[2*i+1] = math.Exp(2*r.NormFloat64()), r.NormFloat64()
	}
	copies := func(seed uint64) points.Points {
		r := rand.New(rand.NewPCG(seed, 6))
		idx := make([]int, 1000)
		for i := range idx {
			idx[i] = r.IntN(train.N)
		}
		return train.Subset(idx)
	}
	narrow := 0
	for seed := range uint64(20) {
		v := workflow.Judge(copies(seed), train, points.Points{D: 2}, workflow.Columns{})
		if v.SpreadLow < 0.8 {
			narrow++
		}
		if got := strings.Join(v.Warnings, "\n"); strings.Contains(got, "spread") {
			t.Errorf("copy %d: %s", seed, got)
		}
	}
	if narrow == 0 {
		t.Fatal("no copy's spread fell below 0.8: the test measures nothing")
	}
	off := copies(99)
	for i := range off.N {
		off.X[2*i+1] *= 0.7
	}
	v := workflow.Judge(off, train, points.Points{D: 2}, workflow.Columns{})
	if got := strings.Join(v.Warnings, "\n"); !strings.Contains(got, "spread per column") {
		t.Errorf("a normal column at 0.7 of its spread: no warning (%.2f to %.2f): %q", v.SpreadLow, v.SpreadHigh, got)
	}
}

// scaledPoints is p times f.
func scaledPoints(p points.Points, f float64) points.Points {
	out := points.New(p.N, p.D)
	for i, v := range p.X {
		out.X[i] = f * v
	}
	return out
}

// On a table of a few dozen rows the nearness baseline is the median of
// a few dozen distances: new draws of the rows' own distribution stray
// below 0.8 of it by chance, and are not called copies unless beyond
// 2.5 of the ratio's standard errors; copies of the rows still are.
func TestVerdictNearnessNoiseOnSmallTables(t *testing.T) {
	none := points.New(0, 1)
	low, called := 0, 0
	for seed := range uint64(40) {
		train := gaussianPoints(45, 1, 100+seed)
		v := workflow.Judge(gaussianPoints(1000, 1, 200+seed), train, none, workflow.Columns{})
		if v.NearestError <= 0 || v.NearestError > 1 {
			t.Errorf("seed %d: the ratio's error %v, want a share in (0, 1]", seed, v.NearestError)
		}
		if v.NearestRatio < 0.8 {
			low++
		}
		if strings.Contains(strings.Join(v.Warnings, "\n"), "copy") {
			called++
		}
		if seed < 3 {
			copies := jitterPoints(train.Subset(append(seq(45), seq(45)...)), 1e-3, seed)
			if got := strings.Join(workflow.Judge(copies, train, none, workflow.Columns{}).Warnings, "\n"); !strings.Contains(got, "copy the training data") {
				t.Errorf("seed %d: copies of the rows not called so: %q", seed, got)
			}
		}
	}
	// One column of 45 rows: of 1000 such tables' new draws, 270 read
	// below 0.8 and 37 are called copies (3 columns: 24 and 14).
	if low < 5 || called > low/4 {
		t.Errorf("of 40 tables' new draws, %d read below 0.8 and %d were called copies: want at least 5, and at most a quarter of them", low, called)
	}
}

// jitterPoints is p plus normal noise of scale s.
func jitterPoints(p points.Points, s float64, seed uint64) points.Points {
	out, noise := points.New(p.N, p.D), gaussianPoints(p.N, p.D, 900+seed)
	for i, v := range p.X {
		out.X[i] = v + s*noise.X[i]
	}
	return out
}

// The nearness baseline pools held-out rows with the training rows' own
// distances to their nearest other, so that an unlucky split of a few
// dozen held-out rows does not decide it: 25 held-out rows that lie far
// (drawn 1.6 times as wide) once made new draws of the data read as
// copies.
func TestVerdictNearnessPoolsHeldOutAndTrainingRows(t *testing.T) {
	train, held := gaussianPoints(200, 2, 31), scaledPoints(gaussianPoints(25, 2, 32), 1.6)
	v := workflow.Judge(gaussianPoints(1000, 2, 33), train, held, workflow.Columns{})
	if v.NearestAgainst != workflow.AgainstHeldOut || v.NearestRatio < 0.85 || v.NearestRatio > 1.2 {
		t.Errorf("nearest ratio %.3f against %q, want 0.85-1.2 against the held-out rows", v.NearestRatio, v.NearestAgainst)
	}
	if got := strings.Join(v.Warnings, "\n"); got != "" {
		t.Errorf("new draws of the data warned of: %s", got)
	}
	if !strings.Contains(v.Summary(), "as far as a held-out row's (or a training row's from the others)") {
		t.Errorf("summary %q does not name its baseline", v.Summary())
	}
}

// Samples of which a little over half copy training rows are copies: the
// distances either side of their median (copies' and new draws') once
// made its error so large that no ratio was called off. Fewer than 20
// samples make no median to judge.
func TestVerdictNearnessOfHalfCopiedSamples(t *testing.T) {
	train, held := gaussianPoints(1000, 3, 41), gaussianPoints(200, 3, 42)
	for _, share := range []float64{0.55, 0.6} {
		copies := int(share * 200)
		samples := jitterPoints(train.Subset(seq(copies)), 1e-4, 43)
		fresh := gaussianPoints(200-copies, 3, 44)
		samples.X, samples.N = append(samples.X, fresh.X...), 200
		v := workflow.Judge(samples, train, held, workflow.Columns{})
		if got := strings.Join(v.Warnings, "\n"); !strings.Contains(got, "copy the training data") {
			t.Errorf("%.0f%% copies: not called so (ratio %.4f, error %.3f): %q", 100*share, v.NearestRatio, v.NearestError, got)
		}
	}
	if v := workflow.Judge(gaussianPoints(19, 3, 45), train, held, workflow.Columns{}); v.NearestAgainst != "" || v.NearestRatio != 0 {
		t.Errorf("19 samples: nearness %v against %q, want none measured", v.NearestRatio, v.NearestAgainst)
	}
}
