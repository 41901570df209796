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
	// 0 three times (a point mass at the minimum), then a long tail.
	k := FitKnots(oneColumn(40, 0, 1, 0, 3, 0, 2), 0)
	if !slices.Equal(k.X, []float64{0, 0, 0, 1, 2, 3, 40}) {
		t.Fatalf("knots at %v, want the sorted column", k.X)
	}
	for r, z := range k.Z {
		if want := NormalScore(r, 7); z != want {
			t.Errorf("knot %d's score %v, want Phi^-1((%d + 1/2)/7) = %v", r, z, r, want)
		}
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
		{"on the maximum: the slope below it", 40, k.Z[6], (k.Z[6] - k.Z[5]) / 37, 40, true},
		{"on the mass: the middle of its stretch", 0, mid(0, 2), math.Inf(1), 0, true},
		{"below the range: held at the end", -5, k.Z[0], 0, 0, true},
		{"above the range", 41, k.Z[6], 0, 40, true},
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
// quantiles, in the column's order, tied rows spread over their stretch.
func TestRankInPlace(t *testing.T) {
	p := points.Points{N: 6, D: 2, X: []float64{5, 0, 0, 1, 9, 2, 0, 3, 0, 4, 7, 5}}
	RankInPlace(p, 0, rand.New(rand.NewPCG(1, 2)))
	var scores []float64
	for i := range p.N {
		scores = append(scores, p.X[2*i])
		if p.X[2*i+1] != float64(i) {
			t.Fatalf("column 2 changed: %v", p.X)
		}
	}
	sorted := slices.Clone(scores)
	slices.Sort(sorted)
	for r, z := range sorted {
		if z != NormalScore(r, 6) {
			t.Fatalf("scores %v are not the normal scores of 6 ranks", scores)
		}
	}
	// 0 < 5 < 7 < 9: the three 0s hold the three lowest scores.
	if !(scores[1] < sorted[3] && scores[3] < sorted[3] && scores[4] < sorted[3] && scores[0] < scores[5] && scores[5] < scores[2]) {
		t.Errorf("scores %v do not follow the column 5, 0, 9, 0, 0, 7", scores)
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
	RankInPlace(train, 0, rng)
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
