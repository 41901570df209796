package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"scorenet/points"
)

// oneColumn is a one-column table of the values vs.
func oneColumn(vs ...float64) points.Points {
	return points.Points{N: len(vs), D: 1, X: vs}
}

func TestKnotsMapAndMapBack(t *testing.T) {
	// 0 three times (a point mass at the minimum), then a long tail whose
	// end, 40, one row holds: it holds its whole cell of the normal, from
	// Phi^-1(6/7) up.
	k := FitKnots(oneColumn(40, 0, 1, 0, 3, 0, 2), 0)
	if !slices.Equal(k.X, []float64{0, 0, 0, 1, 2, 3, 40, 40}) {
		t.Fatalf("knots at %v, want the sorted column, its maximum twice", k.X)
	}
	for r, z := range k.Z {
		want := NormalScore(min(r, 6), 7)
		if r == 6 {
			want = math.Sqrt2 * math.Erfinv(2*6.0/7-1)
		}
		if math.Abs(z-want) > 1e-15 {
			t.Errorf("knot %d's score %v, want %v", r, z, want)
		}
	}
	if k.Z[6] >= k.Z[7] || k.Z[6] <= k.Z[5] {
		t.Errorf("the maximum's cell starts at %v, not between %v and %v", k.Z[6], k.Z[5], k.Z[7])
	}
	mid := func(a, b int) float64 { return (k.Z[a] + k.Z[b]) / 2 }
	for _, c := range []struct {
		name         string
		x            float64
		z, slope     float64
		back         float64 // Back(z)
		slopeIsFinal bool
	}{
		{"inside a segment", 2.5, k.Z[4] + 0.5*(k.Z[5]-k.Z[4]), k.Z[5] - k.Z[4], 2.5, true},
		{"on a knot: the slope above it", 1, k.Z[3], k.Z[4] - k.Z[3], 1, true},
		{"below the maximum: the last segment", 39, k.Z[5] + (36.0/37)*(k.Z[6]-k.Z[5]), (k.Z[6] - k.Z[5]) / 37, 39, true},
		{"on the maximum: the middle of its cell's stretch", 40, mid(6, 7), math.Inf(1), 40, true},
		{"on the mass: the middle of its stretch", 0, mid(0, 2), math.Inf(1), 0, true},
		{"below the range: held at the end", -5, k.Z[0], 0, 0, true},
		{"above the range", 41, k.Z[7], 0, 40, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			z, slope := k.Forward(c.x)
			if math.Abs(z-c.z) > 1e-15 || (slope != c.slope && math.Abs(slope-c.slope) > 1e-15) {
				t.Errorf("Forward(%v) = %v, slope %v; want %v, slope %v", c.x, z, slope, c.z, c.slope)
			}
			if back := k.Back(z); math.Abs(back-c.back) > 1e-12 {
				t.Errorf("Back(Forward(%v)) = %v, want %v", c.x, back, c.back)
			}
		})
	}
	// Samples never leave the observed range, however far out.
	for _, z := range []float64{-40, -3, 3, 40} {
		if x := k.Back(z); x < 0 || x > 40 {
			t.Errorf("Back(%v) = %v, outside [0, 40]", z, x)
		}
	}
	if err := k.Check(); err != nil {
		t.Errorf("fitted knots fail their check: %v", err)
	}
}

// The slope Forward returns is dz/dx: central differences agree inside
// every segment.
func TestKnotsSlopeIsTheDerivative(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := points.New(200, 1)
	for i := range p.X {
		p.X[i] = math.Exp(2 * rng.NormFloat64()) // skewness in the hundreds
	}
	k := FitKnots(p, 0)
	for i := 0; i+1 < len(k.X); i += 7 {
		if k.X[i+1] == k.X[i] { // an end's cell: no segment to differentiate
			continue
		}
		x := k.X[i] + 0.37*(k.X[i+1]-k.X[i])
		h := 1e-4 * (k.X[i+1] - k.X[i])
		zp, _ := k.Forward(x + h)
		zm, _ := k.Forward(x - h)
		_, slope := k.Forward(x)
		if fd := (zp - zm) / (2 * h); math.Abs(fd-slope) > 1e-6*math.Abs(slope) {
			t.Errorf("at %v: slope %v, central difference %v", x, slope, fd)
		}
	}
}

// The training rows of a mapped column become exactly a normal's
// quantiles where the column has no ties, tied rows spread over their
// stretch, and every row maps back to its value, also past MaxKnots rows.
func TestMapInPlace(t *testing.T) {
	p := points.Points{N: 6, D: 2, X: []float64{5, 0, 0, 1, 9, 2, 0, 3, 0, 4, 7, 5}}
	k := FitKnots(p, 0)
	orig := slices.Clone(p.X)
	k.MapInPlace(p, 0, rand.New(rand.NewPCG(1, 2)))
	for i, want := range map[int]float64{0: NormalScore(3, 6), 5: NormalScore(4, 6)} {
		if p.X[2*i] != want {
			t.Errorf("row %d (value %v) maps to %v, want its rank's score %v", i+1, orig[2*i], p.X[2*i], want)
		}
	}
	// The maximum, 9, one row's: spread over its cell's stretch, from
	// Phi^-1(5/6) to its rank's score.
	if z, lo := p.X[2*2], math.Sqrt2*math.Erfinv(2*5.0/6-1); z < lo || z > NormalScore(5, 6) {
		t.Errorf("row 3 (value 9) maps to %v, outside its end's stretch [%v, %v]", z, lo, NormalScore(5, 6))
	}
	for _, i := range []int{1, 3, 4} { // the three 0s: spread over the three lowest scores
		if z := p.X[2*i]; z < NormalScore(0, 6) || z > NormalScore(2, 6) {
			t.Errorf("row %d (a 0) maps to %v, outside its stretch [%v, %v]", i+1, z, NormalScore(0, 6), NormalScore(2, 6))
		}
	}
	for i := range p.N {
		if back := k.Back(p.X[2*i]); back != orig[2*i] || p.X[2*i+1] != orig[2*i+1] {
			t.Errorf("row %d: %v maps back to %v; column 2 %v (was %v)", i+1, orig[2*i], back, p.X[2*i+1], orig[2*i+1])
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	big := points.New(5000, 1)
	for i := range big.X {
		big.X[i] = math.Exp(2 * rng.NormFloat64())
	}
	orig = slices.Clone(big.X)
	kb := FitKnots(big, 0)
	kb.MapInPlace(big, 0, rng)
	for i, z := range big.X {
		if back := kb.Back(z); math.Abs(back-orig[i]) > 1e-9*orig[i] {
			t.Fatalf("row %d of 5000: %v maps back to %v", i+1, orig[i], back)
		}
	}
}

func TestKnotsOfALargeColumn(t *testing.T) {
	p := points.New(3000, 1)
	for i := range p.X {
		p.X[i] = float64((i * 7919) % 3000)
	}
	k := FitKnots(p, 0)
	if len(k.X) != MaxKnots || k.X[0] != 0 || k.X[MaxKnots-1] != 2999 {
		t.Fatalf("%d knots from %v to %v, want %d from 0 to 2999", len(k.X), k.X[0], k.X[len(k.X)-1], MaxKnots)
	}
	if err := k.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestKnotsCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		k    Knots
	}{
		{"one knot", Knots{X: []float64{1}, Z: []float64{0}}},
		{"lengths differ", Knots{X: []float64{1, 2}, Z: []float64{0}}},
		{"values fall", Knots{X: []float64{2, 1}, Z: []float64{-1, 1}}},
		{"scores repeat", Knots{X: []float64{1, 2}, Z: []float64{1, 1}}},
		{"not a number", Knots{X: []float64{1, math.NaN()}, Z: []float64{-1, 1}}},
	} {
		if c.k.Check() == nil {
			t.Errorf("%s: %v passes", c.name, c.k)
		}
	}
}

// The chain rule through a quantile map: the score ScoreToData gives is the
// derivative of log p_z(z(x)) + LogJacobian(x), by central differences,
// for a normal p_z in model units.
func TestQuantileScoreAndLikelihoodAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	train := points.New(300, 2)
	for i := range train.N {
		train.X[2*i] = math.Exp(rng.NormFloat64())
		train.X[2*i+1] = rng.NormFloat64()
	}
	k := FitKnots(train, 0)
	k.MapInPlace(train, 0, rng)
	n := FitNormalizer(train)
	n.Quantiles = map[int]Knots{0: k}
	const mu, sd = 0.3, 0.8
	logP := func(x []float64) float64 {
		z := n.Apply(points.Points{N: 1, D: 2, X: slices.Clone(x)}).X
		lp := 0.0
		for _, v := range z {
			lp -= (v - mu) * (v - mu) / (2 * sd * sd)
		}
		return lp + n.LogJacobian(x)
	}
	for _, x := range [][]float64{{0.8, 0.1}, {2.2, -1.3}, {0.31, 0.7}} {
		z := n.Apply(points.Points{N: 1, D: 2, X: slices.Clone(x)}).X
		s := []float64{-(z[0] - mu) / (sd * sd), -(z[1] - mu) / (sd * sd)}
		n.ScoreToData(s, x)
		for j := range 2 {
			h := 1e-6
			up, down := slices.Clone(x), slices.Clone(x)
			up[j] += h
			down[j] -= h
			if fd := (logP(up) - logP(down)) / (2 * h); math.Abs(fd-s[j]) > 1e-6*math.Max(1, math.Abs(s[j])) {
				t.Errorf("at %v, column %d: score %v, central difference of the log density %v", x, j+1, s[j], fd)
			}
		}
	}
	// Outside the mapped column's range the model has no density.
	s := []float64{1, 1}
	n.ScoreToData(s, []float64{k.X[0] - 1, 0})
	if !math.IsNaN(s[0]) || !math.IsInf(n.LogJacobian([]float64{k.X[0] - 1, 0}), -1) {
		t.Errorf("below the range: score %v, log Jacobian %v; want NaN and -Inf", s[0], n.LogJacobian([]float64{k.X[0] - 1, 0}))
	}
}

// A skewed column mapped through its quantiles and back: the samples'
// values can never leave the column's observed range.
func ExampleKnots() {
	k := FitKnots(oneColumn(0, 0, 1, 2, 100), 0)
	for _, z := range []float64{-3, 0, 0.5, 3} {
		fmt.Printf("z %4.1f -> x %.3g\n", z, k.Back(z))
	}
	// Output:
	// z -3.0 -> x 0
	// z  0.0 -> x 1
	// z  0.5 -> x 1.95
	// z  3.0 -> x 100
}

// Each end value that one row holds comes back from normal scores with
// that row's whole share, 1/n, as every other row's value does: with the
// knots at the rows' own scores alone it came back half as often, and
// the values inside took the rest, which left a long tail's spread short
// (star98's worst column: 0.70-0.71 of the data's spread on two training
// seeds, 0.86-0.88 with its ends held).
// A table of more rows than MaxKnots - 2 keeps its knots as they are.
func TestKnotsEndsHoldTheirShare(t *testing.T) {
	const n = 20
	col := make([]float64, n)
	for i := range col {
		col[i] = math.Exp(float64(i) / 4) // a long tail, no ties
	}
	k := FitKnots(oneColumn(col...), 0)
	if err := k.Check(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const draws = 200000
	var atMin, atMax int
	for range draws {
		switch k.Back(rng.NormFloat64()) {
		case col[0]:
			atMin++
		case col[n-1]:
			atMax++
		}
	}
	for _, c := range []struct {
		end   string
		count int
	}{{"minimum", atMin}, {"maximum", atMax}} {
		// 1/20 of 200000 draws: 10000, standard deviation about 97
		if got := float64(c.count) / draws; math.Abs(got-1.0/n) > 0.002 {
			t.Errorf("the %s comes back for %.4f of normal scores, want 1/%d", c.end, got, n)
		}
	}
	big := points.New(MaxKnots-1, 1)
	for i := range big.X {
		big.X[i] = float64(i * i)
	}
	if kb := FitKnots(big, 0); len(kb.X) != MaxKnots-1 || kb.X[len(kb.X)-2] == kb.X[len(kb.X)-1] {
		t.Errorf("%d rows: %d knots, the last two %v; want the rows' own", big.N, len(kb.X), kb.X[len(kb.X)-2:])
	}
}

// On a value its rows repeat, a point mass, the log Jacobian counts the
// value's stretch of scores, and the value maps to the stretch's middle:
// with a model density flat over the stretch (as training spread the
// rows there), log p_z there plus it is the log of the model's
// probability of the value.
func TestPointMassCountsItsStretch(t *testing.T) {
	rows := make([]float64, 500)
	for i := range rows {
		if i%5 != 0 {
			rows[i] = math.Exp(0.01 * float64(i))
		}
	}
	k := FitKnots(oneColumn(rows...), 0)
	n := Normalizer{Mean: []float64{0.1}, Std: []float64{2}, Quantiles: map[int]Knots{0: k}}
	lo, hi := k.stretch(0)
	if got, want := n.LogJacobian([]float64{0}), math.Log(hi-lo)-math.Log(2); got != want {
		t.Errorf("log Jacobian at the point mass %v, want the log of its stretch over the std %v", got, want)
	}
	if z, _ := k.Forward(0); z != (lo+hi)/2 || !(hi-lo > 1) {
		t.Errorf("the point mass maps to %v, want its stretch's middle %v (the stretch %v to %v)", z, (lo+hi)/2, lo, hi)
	}
	if !math.IsInf(n.LogJacobian([]float64{-1}), -1) {
		t.Errorf("below the range: log Jacobian %v, want -Inf", n.LogJacobian([]float64{-1}))
	}
}
