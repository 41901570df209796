package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"scorenet/points"
)

// Knots map one column through its training quantiles onto a standard
// normal's and back (sklearn's QuantileTransformer with a normal output,
// as TabDDPM prepares tables). X holds the column's order statistics, Z
// their normal scores Phi^-1((k + 1/2)/n); between knots the map is linear
// in z, so it is a bijection between [X[0], X[last]] and [Z[0], Z[last]]
// except where a value repeats (a point mass, a flat stretch of the
// inverse). A heavy tail, which standardising leaves to a handful of rows
// far out, becomes a normal's, and the inverse cannot leave the column's
// observed range.
type Knots struct {
	X []float64 `json:"x"` // non-decreasing
	Z []float64 `json:"z"` // increasing
}

// MaxKnots bounds the knots a column keeps: a table of more rows keeps
// evenly spaced order statistics, the smallest and largest among them.
const MaxKnots = 1024

// FitKnots returns the knots of column j of p (p.N >= 2).
func FitKnots(p points.Points, j int) Knots {
	sorted := make([]float64, p.N)
	for i := range p.N {
		sorted[i] = p.X[i*p.D+j]
	}
	slices.Sort(sorted)
	k := min(p.N, MaxKnots)
	out := Knots{X: make([]float64, k), Z: make([]float64, k)}
	for i := range k {
		pos := i
		if k < p.N {
			pos = int(math.Round(float64(i) * float64(p.N-1) / float64(k-1)))
		}
		out.X[i], out.Z[i] = sorted[pos], NormalScore(pos, p.N)
	}
	if k == p.N && k+2 <= MaxKnots && k >= 3 {
		out = out.holdEnds(p.N)
	}
	return out
}

// holdEnds makes each end value that one row holds hold its whole cell
// of the normal (below Phi^-1(1/n), above Phi^-1((n-1)/n)), as a value
// that rows repeat holds its stretch.
func (k Knots) holdEnds(n int) Knots {
	last := len(k.X) - 1
	if k.X[last] > k.X[last-1] {
		k.X = slices.Insert(k.X, last, k.X[last])
		k.Z = slices.Insert(k.Z, last, normalQuantile(float64(n-1)/float64(n)))
	}
	if k.X[0] < k.X[1] {
		k.X = slices.Insert(k.X, 1, k.X[0])
		k.Z = slices.Insert(k.Z, 1, normalQuantile(1/float64(n)))
	}
	return k
}

// NormalScore is the normal score of rank r (from 0) of n:
// Phi^-1((r + 1/2)/n).
func NormalScore(r, n int) float64 {
	return normalQuantile((float64(r) + 0.5) / float64(n))
}

// normalQuantile is Phi^-1(p), the standard normal's quantile.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// MapInPlace replaces column j of p by its normal scores through k: a
// value the knots hold once maps to its knot's score, one between knots
// linearly, and a value that rows repeat (a point mass) to a point drawn
// uniformly from its stretch of scores, by rng, as a discrete value is
// spread over its cell. Training rows fitted by FitKnots then hold exactly
// a normal's quantiles where the column has no ties, and Back(z) gives
// every row's value back.
func (k Knots) MapInPlace(p points.Points, j int, rng *rand.Rand) {
	for i := range p.N {
		x := &p.X[i*p.D+j]
		z, slope := k.Forward(*x)
		if math.IsInf(slope, 1) {
			lo, hi := k.stretch(*x)
			z = lo + (hi-lo)*rng.Float64()
		}
		*x = z
	}
}

// stretch is the range of scores of the knots at the value x.
func (k Knots) stretch(x float64) (lo, hi float64) {
	a, _ := slices.BinarySearch(k.X, x)
	return k.Z[a], k.Z[k.lastOf(a)]
}

// lastOf is the last knot holding knot a's value.
func (k Knots) lastOf(a int) int {
	b := a
	for b+1 < len(k.X) && k.X[b+1] == k.X[a] {
		b++
	}
	return b
}

// Forward maps the value x to its normal score, and returns dz/dx there:
// 0 outside the observed range (where z is held at the end), +Inf on a
// repeated value (a point mass, whose z is the middle of its stretch).
func (k Knots) Forward(x float64) (z, slope float64) {
	last := len(k.X) - 1
	switch {
	case math.IsNaN(x):
		return x, x
	case x < k.X[0]:
		return k.Z[0], 0
	case x > k.X[last]:
		return k.Z[last], 0
	}
	lo, _ := slices.BinarySearch(k.X, x) // the first knot at or above x
	if k.X[lo] == x {
		if hi := k.lastOf(lo); hi > lo {
			return (k.Z[lo] + k.Z[hi]) / 2, math.Inf(1)
		}
		segment := lo // the slope above the knot; below the maximum
		if lo == last {
			segment--
		}
		return k.Z[lo], k.slope(segment)
	}
	s := k.slope(lo - 1)
	return k.Z[lo-1] + (x-k.X[lo-1])*s, s
}

// slope is dz/dx on the segment from knot i to i+1.
func (k Knots) slope(i int) float64 {
	return (k.Z[i+1] - k.Z[i]) / (k.X[i+1] - k.X[i])
}

// Back maps the normal score z to the column's value, held within the
// observed range.
func (k Knots) Back(z float64) float64 {
	last := len(k.Z) - 1
	switch {
	case math.IsNaN(z):
		return z
	case z <= k.Z[0]:
		return k.X[0]
	case z >= k.Z[last]:
		return k.X[last]
	}
	hi, _ := slices.BinarySearch(k.Z, z)
	if k.Z[hi] == z {
		return k.X[hi]
	}
	t := (z - k.Z[hi-1]) / (k.Z[hi] - k.Z[hi-1])
	return k.X[hi-1] + t*(k.X[hi]-k.X[hi-1])
}

// Check reports what is wrong with k, for a checkpoint's metadata.
func (k Knots) Check() error {
	if len(k.X) < 2 || len(k.X) != len(k.Z) || len(k.X) > MaxKnots {
		return fmt.Errorf("%d values and %d normal scores, want as many of each, from 2 to %d", len(k.X), len(k.Z), MaxKnots)
	}
	for i := range k.X {
		if math.IsNaN(k.X[i]) || math.IsInf(k.X[i], 0) || math.IsNaN(k.Z[i]) || math.IsInf(k.Z[i], 0) {
			return fmt.Errorf("knot %d is (%v, %v), want finite numbers", i+1, k.X[i], k.Z[i])
		}
		if i > 0 && (k.X[i] < k.X[i-1] || k.Z[i] <= k.Z[i-1]) {
			return fmt.Errorf("knot %d (%v, %v) does not follow knot %d (%v, %v): want values non-decreasing and scores increasing", i+1, k.X[i], k.Z[i], i, k.X[i-1], k.Z[i-1])
		}
	}
	return nil
}
