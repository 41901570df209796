package sampler

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"scorenet/datasets"
)

// ScoreFunc writes the score at the points x (row-major) into dst, at noise
// level sigma for noise-conditional scores (others ignore it).
type ScoreFunc func(dst, x []float64, sigma float64) error

// Settings configure a sampler run.
type Settings struct {
	Steps         int       // plain Langevin: T
	StepsPerLevel int       // annealed: T at each level
	Eps           float64   // step size; annealed: the step at the smallest level
	Sigmas        []float64 // annealed: noise levels, largest first
	Sigma         float64   // plain: the level a noise-conditional score is evaluated at
	Denoise       bool      // annealed: end with x + sigma_L^2 s(x, sigma_L)
	SnapshotEvery int       // record the chains every k steps; 0: never
	// Bound is the sane region: a chain with a coordinate beyond +-Bound
	// has diverged, and the sampler stops with an error saying where. 0
	// checks only that values stay finite.
	Bound float64
	// Progress, if set, is called after every step with the steps done and
	// the total.
	Progress func(done, total int)
}

// Snapshot is the state of every chain after a step.
type Snapshot struct {
	Step  int
	Sigma float64 // the level the step used
	X     []float64
}

// Langevin advances the chains x in place by plain Langevin dynamics.
func Langevin(x datasets.Points, score ScoreFunc, s Settings, rng *rand.Rand) ([]Snapshot, error) {
	if s.Steps < 1 || !(s.Eps > 0) {
		return nil, fmt.Errorf("sampler: langevin needs steps >= 1 and eps > 0, got %d and %v", s.Steps, s.Eps)
	}
	r := newRunner(x, score, s, rng, s.Steps)
	for t := 0; t < s.Steps; t++ {
		if err := r.step(s.Sigma, s.Eps); err != nil {
			return nil, err
		}
	}
	return r.snapshots, nil
}

// Annealed advances the chains x in place by annealed Langevin dynamics.
func Annealed(x datasets.Points, score ScoreFunc, s Settings, rng *rand.Rand) ([]Snapshot, error) {
	if len(s.Sigmas) == 0 || s.StepsPerLevel < 1 || !(s.Eps > 0) {
		return nil, fmt.Errorf("sampler: annealed needs noise levels, steps_per_level >= 1 and eps > 0")
	}
	for i, sg := range s.Sigmas {
		if !(sg > 0) || (i > 0 && !(sg < s.Sigmas[i-1])) {
			return nil, errors.New("sampler: noise levels must be positive and strictly decreasing")
		}
	}
	last := s.Sigmas[len(s.Sigmas)-1]
	r := newRunner(x, score, s, rng, len(s.Sigmas)*s.StepsPerLevel)
	for _, sigma := range s.Sigmas {
		alpha := s.Eps * (sigma * sigma) / (last * last)
		for t := 0; t < s.StepsPerLevel; t++ {
			if err := r.step(sigma, alpha); err != nil {
				return nil, err
			}
		}
	}
	if s.Denoise {
		if err := score(r.grad, x.X, last); err != nil {
			return nil, err
		}
		for i := range x.X {
			x.X[i] += last * last * r.grad[i]
		}
	}
	return r.snapshots, nil
}

// runner holds what every step of a sampler needs.
type runner struct {
	x         datasets.Points
	score     ScoreFunc
	s         Settings
	rng       *rand.Rand
	grad      []float64
	done      int
	total     int
	snapshots []Snapshot
}

func newRunner(x datasets.Points, score ScoreFunc, s Settings, rng *rand.Rand, total int) *runner {
	return &runner{x: x, score: score, s: s, rng: rng, grad: make([]float64, len(x.X)), total: total}
}

// step is x <- x + (alpha/2) s(x, sigma) + sqrt(alpha) z for every chain.
func (r *runner) step(sigma, alpha float64) error {
	if err := r.score(r.grad, r.x.X, sigma); err != nil {
		return err
	}
	noise := math.Sqrt(alpha)
	for i, g := range r.grad {
		r.x.X[i] = r.x.X[i] + alpha/2*g + noise*r.rng.NormFloat64()
	}
	r.done++
	if out := r.outside(); out > 0 {
		region := "finite values"
		if r.s.Bound > 0 {
			region = fmt.Sprintf("|x| <= %.4g in every coordinate (model units)", r.s.Bound)
		}
		return fmt.Errorf("sampler: chains diverged: %d of %d (%.1f%%) left %s at step %d of %d (sigma %.4g, step size %.4g): "+
			"lower sample.eps, or use more noise levels (train.sigmas)", out, r.x.N, 100*float64(out)/float64(r.x.N), region,
			r.done, r.total, sigma, alpha)
	}
	if r.s.SnapshotEvery > 0 && r.done%r.s.SnapshotEvery == 0 {
		r.snapshots = append(r.snapshots, Snapshot{Step: r.done, Sigma: sigma, X: append([]float64(nil), r.x.X...)})
	}
	if r.s.Progress != nil {
		r.s.Progress(r.done, r.total)
	}
	return nil
}

// outside counts the chains with a coordinate beyond the bound, or not
// finite.
func (r *runner) outside() int {
	count, d := 0, r.x.D
	for c := 0; c < r.x.N; c++ {
		for _, v := range r.x.X[c*d : (c+1)*d] {
			if !(math.Abs(v) <= r.s.Bound) && (r.s.Bound > 0 || v-v != 0) {
				count++
				break
			}
		}
	}
	return count
}

// Uniform returns n points uniform in the box [low, high]^d.
func Uniform(n, d int, low, high float64, rng *rand.Rand) datasets.Points {
	p := datasets.NewPoints(n, d)
	for i := range p.X {
		p.X[i] = low + (high-low)*rng.Float64()
	}
	return p
}

// Gaussian returns n points from N(0, std^2 I) in R^d.
func Gaussian(n, d int, std float64, rng *rand.Rand) datasets.Points {
	p := datasets.NewPoints(n, d)
	for i := range p.X {
		p.X[i] = std * rng.NormFloat64()
	}
	return p
}

// AnalyticScore is the closed-form score of dens perturbed by N(0, sigma^2 I)
// (dens itself for sigma = 0): the score annealed Langevin needs at level
// sigma, known exactly.
func AnalyticScore(dens datasets.Density) ScoreFunc {
	perturbed := map[float64]datasets.Density{0: dens}
	d := dens.Dim()
	return func(dst, x []float64, sigma float64) error {
		p, ok := perturbed[sigma]
		if !ok {
			p = dens.Perturbed(sigma)
			perturbed[sigma] = p
		}
		for i := 0; i+d <= len(x); i += d {
			p.Score(dst[i:i+d], x[i:i+d])
		}
		return nil
	}
}

// FractionNearest returns, for each of the centres, the fraction of points
// nearer to it than to any other.
func FractionNearest(p datasets.Points, centres [][]float64) []float64 {
	counts := make([]float64, len(centres))
	for i := 0; i < p.N; i++ {
		best, bestDist := 0, math.Inf(1)
		for k, c := range centres {
			dist := 0.0
			for j, v := range p.Row(i) {
				dist += (v - c[j]) * (v - c[j])
			}
			if dist < bestDist {
				best, bestDist = k, dist
			}
		}
		counts[best]++
	}
	for k := range counts {
		counts[k] /= float64(p.N)
	}
	return counts
}
