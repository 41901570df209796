package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"scorenet/points"
)

// Split shuffles p with rng and returns the first n-h points for training and
// the last h = round(holdout*n) for validation. Holdout must be in [0, 1).
func Split(p points.Points, holdout float64, rng *rand.Rand) (train, valid points.Points, err error) {
	h, err := heldOut(p.N, holdout)
	if err != nil {
		return points.Points{}, points.Points{}, err
	}
	perm := rng.Perm(p.N)
	return p.Subset(perm[:p.N-h]), p.Subset(perm[p.N-h:]), nil
}

// Normalizer maps data to standard units, z = (x - Mean) / Std per coordinate,
// after mapping the columns of Quantiles (0-based) to their normal scores.
// A score learned in standard units maps back to data units as
// s_x(x) = s_z(z) g'(x) / Std, the chain rule of
// log p_x(x) = log p_z(z) + sum log g'(x) - sum log Std, where g is a
// column's quantile map (the identity for the others).
type Normalizer struct {
	Mean      []float64     `json:"mean"`
	Std       []float64     `json:"std"`
	Quantiles map[int]Knots `json:"quantiles,omitempty"`
}

// Identity returns the normalizer that leaves d-dimensional points unchanged.
func Identity(d int) Normalizer {
	n := Normalizer{Mean: make([]float64, d), Std: make([]float64, d)}
	for j := range n.Std {
		n.Std[j] = 1
	}
	return n
}

// FitNormalizer returns the per-coordinate mean and (biased) standard
// deviation of p. A coordinate with zero spread keeps Std = 1.
func FitNormalizer(p points.Points) Normalizer {
	n := Normalizer{Mean: p.Mean(), Std: make([]float64, p.D)}
	// The covariance's diagonal, summed as Covariance sums it, without the
	// D x D products.
	for i := 0; i < p.N; i++ {
		for j, v := range p.Row(i) {
			n.Std[j] += float64((v - n.Mean[j]) * (v - n.Mean[j])) // rounded: not fused into an FMA (GOAMD64=v3)
		}
	}
	for j := range n.Std {
		n.Std[j] = math.Sqrt(n.Std[j] / float64(p.N))
		if n.Std[j] == 0 {
			n.Std[j] = 1
		}
	}
	return n
}

// Differs reports the first column where n and m differ, and whether
// there is one; normalizers of different dimension differ at their first
// column past the shorter.
func (n Normalizer) Differs(m Normalizer) (int, bool) {
	d := min(len(n.Mean), len(m.Mean), len(n.Std), len(m.Std))
	for j := range d {
		if n.Mean[j] != m.Mean[j] || n.Std[j] != m.Std[j] || !sameKnots(n.Quantiles, m.Quantiles, j) {
			return j, true
		}
	}
	if len(n.Mean) != len(m.Mean) || len(n.Std) != len(m.Std) {
		return d, true
	}
	return 0, false
}

// sameKnots reports whether column j has the same quantile map, or none,
// in a and b.
func sameKnots(a, b map[int]Knots, j int) bool {
	ka, inA := a[j]
	kb, inB := b[j]
	return inA == inB && slices.Equal(ka.X, kb.X) && slices.Equal(ka.Z, kb.Z)
}

// Apply returns p in standard units.
func (n Normalizer) Apply(p points.Points) points.Points {
	out := points.New(p.N, p.D)
	copy(out.X, p.X)
	n.ApplyInPlace(out)
	return out
}

// ScoreToData converts scores computed in standard units at the points x
// (data units) to data units, in place. Outside a quantile-mapped
// column's observed range the model has no density, and on a value that
// rows repeat a point mass: the score there is NaN.
func (n Normalizer) ScoreToData(scores, x []float64) {
	d := len(n.Std)
	for i := range scores {
		scores[i] /= n.Std[i%d]
		if k, ok := n.Quantiles[i%d]; ok {
			if _, slope := k.Forward(x[i]); slope > 0 && !math.IsInf(slope, 0) {
				scores[i] *= slope
			} else {
				scores[i] = math.NaN()
			}
		}
	}
}

// LogJacobian is log |dz/dx| at the point x (data units): what
// log p_x(x) adds to log p_z(z). It is -Inf outside a quantile-mapped
// column's observed range (no density there). On a value that the
// column's rows repeat (a point mass, which training spread uniformly
// over its stretch of scores) it counts the stretch's width instead of
// the slope: log p_z at the stretch's middle plus it is the log of the
// model's probability of the value, a density of the other columns
// times a mass of this one (the midpoint rule, exact where the model's
// density is flat over the stretch, as its training rows were).
func (n Normalizer) LogJacobian(x []float64) float64 {
	sum := 0.0
	for j, s := range n.Std {
		sum -= math.Log(s)
		if k, ok := n.Quantiles[j]; ok {
			_, slope := k.Forward(x[j])
			if math.IsInf(slope, 1) {
				lo, hi := k.stretch(x[j])
				slope = hi - lo
			}
			sum += math.Log(slope)
		}
	}
	return sum
}

// Invert maps points in standard units back to data units.
func (n Normalizer) Invert(p points.Points) points.Points {
	out := points.New(p.N, p.D)
	for i, v := range p.X {
		j := i % p.D
		out.X[i] = v*n.Std[j] + n.Mean[j]
		if k, ok := n.Quantiles[j]; ok {
			out.X[i] = k.Back(out.X[i])
		}
	}
	return out
}

// SplitInPlace is Split without a copy: it reorders p's rows in place, as
// Split would copy them, and returns the two parts as views of p's storage,
// so that a large data set is held once.
func SplitInPlace(p points.Points, holdout float64, rng *rand.Rand) (train, valid points.Points, err error) {
	train, valid, _, _, err = SplitInPlaceLabelled(p, nil, holdout, rng)
	return train, valid, err
}

// permuteRows puts row perm[k] of p at row k, in place, following the
// permutation's cycles with one row of scratch.
func permuteRows(p points.Points, perm []int) {
	done := make([]bool, p.N)
	tmp := make([]float64, p.D)
	for start := range perm {
		if done[start] {
			continue
		}
		copy(tmp, p.Row(start))
		k := start
		for {
			done[k] = true
			next := perm[k]
			if next == start {
				copy(p.Row(k), tmp)
				break
			}
			copy(p.Row(k), p.Row(next))
			k = next
		}
	}
}

// ApplyInPlace maps p to standard units in its own storage.
func (n Normalizer) ApplyInPlace(p points.Points) {
	for j, k := range n.Quantiles {
		for i := range p.N {
			p.X[i*p.D+j], _ = k.Forward(p.X[i*p.D+j])
		}
	}
	n.StandardizeInPlace(p)
}

// StandardizeInPlace is ApplyInPlace for points whose quantile-mapped
// columns hold their normal scores already (Knots.MapInPlace).
func (n Normalizer) StandardizeInPlace(p points.Points) {
	for i, v := range p.X {
		j := i % p.D
		p.X[i] = (v - n.Mean[j]) / n.Std[j]
	}
}

// heldOut is the number of the n points a holdout fraction keeps back.
func heldOut(n int, holdout float64) (int, error) {
	if holdout < 0 || holdout >= 1 {
		return 0, fmt.Errorf("datasets: holdout fraction %v outside [0, 1)", holdout)
	}
	h := int(math.Round(holdout * float64(n)))
	if n-h < 1 {
		return 0, fmt.Errorf("datasets: holdout %v of %d points leaves none for training", holdout, n)
	}
	return h, nil
}
