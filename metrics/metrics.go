package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"scorenet/points"
	"sort"
)

func sqDist(a, b []float64) float64 {
	s := 0.0
	for j := range a {
		d := a[j] - b[j]
		s += d * d
	}
	return s
}

func checkSets(x, y points.Points) error {
	if x.N == 0 || y.N == 0 || x.D != y.D {
		return fmt.Errorf("metrics: sets of %d x %d and %d x %d points cannot be compared", x.N, x.D, y.N, y.D)
	}
	return nil
}

// MedianBandwidth is the median heuristic: the median distance between
// points of the two sets pooled.
func MedianBandwidth(x, y points.Points) float64 {
	pool := points.Points{N: x.N + y.N, D: x.D, X: append(append([]float64(nil), x.X...), y.X...)}
	dists := make([]float64, 0, pool.N*(pool.N-1)/2)
	for i := 0; i < pool.N; i++ {
		for j := i + 1; j < pool.N; j++ {
			dists = append(dists, math.Sqrt(sqDist(pool.Row(i), pool.Row(j))))
		}
	}
	if len(dists) == 0 {
		return 1
	}
	sort.Float64s(dists)
	return dists[len(dists)/2]
}

// MMD2 is the squared maximum mean discrepancy between x and y under the
// kernel k(a, b) = exp(-||a - b||^2 / (2 h^2)), in its V-statistic form
// mean k(x, x') + mean k(y, y') - 2 mean k(x, y), which is exactly 0 for
// identical sets.
func MMD2(x, y points.Points, h float64) (float64, error) {
	if err := checkSets(x, y); err != nil {
		return 0, err
	}
	k := func(a, b []float64) float64 { return math.Exp(-sqDist(a, b) / (2 * h * h)) }
	mean := func(a, b points.Points) float64 {
		s := 0.0
		for i := 0; i < a.N; i++ {
			for j := 0; j < b.N; j++ {
				s += k(a.Row(i), b.Row(j))
			}
		}
		return s / float64(a.N*b.N)
	}
	return mean(x, x) + mean(y, y) - 2*mean(x, y), nil
}

// EnergyDistance is 2 E||X - Y|| - E||X - X'|| - E||Y - Y'|| in its
// V-statistic form, exactly 0 for identical sets.
func EnergyDistance(x, y points.Points) (float64, error) {
	if err := checkSets(x, y); err != nil {
		return 0, err
	}
	mean := func(a, b points.Points) float64 {
		s := 0.0
		for i := 0; i < a.N; i++ {
			for j := 0; j < b.N; j++ {
				s += math.Sqrt(sqDist(a.Row(i), b.Row(j)))
			}
		}
		return s / float64(a.N*b.N)
	}
	return 2*mean(x, y) - mean(x, x) - mean(y, y), nil
}

// SlicedWasserstein is the sliced 2-Wasserstein distance: the root mean over
// `directions` random unit directions (drawn from rng) of the squared
// 1-D Wasserstein-2 distance between the projected sets. Sets of different
// sizes are compared at matching quantiles.
func SlicedWasserstein(x, y points.Points, directions int, rng *rand.Rand) (float64, error) {
	if err := checkSets(x, y); err != nil {
		return 0, err
	}
	if directions < 1 {
		return 0, fmt.Errorf("metrics: need at least one direction, got %d", directions)
	}
	theta := make([]float64, x.D)
	px, py := make([]float64, x.N), make([]float64, y.N)
	total := 0.0
	for k := 0; k < directions; k++ {
		norm := 0.0
		for j := range theta {
			theta[j] = rng.NormFloat64()
			norm += theta[j] * theta[j]
		}
		for j := range theta {
			theta[j] /= math.Sqrt(norm)
		}
		project(px, x, theta)
		project(py, y, theta)
		total += w2Squared1D(px, py)
	}
	return math.Sqrt(total / float64(directions)), nil
}

func project(dst []float64, p points.Points, theta []float64) {
	for i := range dst {
		s := 0.0
		for j, v := range p.Row(i) {
			s += v * theta[j]
		}
		dst[i] = s
	}
	sort.Float64s(dst)
}

// w2Squared1D is the squared 2-Wasserstein distance between two sorted
// samples, comparing their quantile functions on a common grid.
func w2Squared1D(a, b []float64) float64 {
	n := max(len(a), len(b))
	s := 0.0
	for i := 0; i < n; i++ {
		q := (float64(i) + 0.5) / float64(n)
		d := a[int(q*float64(len(a)))] - b[int(q*float64(len(b)))]
		s += d * d
	}
	return s / float64(n)
}
