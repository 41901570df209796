package sampler

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"scorenet/internal/seeds"
	"scorenet/points"
	"scorenet/score"
)

// The samplers Draw runs, by name.
const (
	KindLangevin = "langevin" // plain Langevin at one level
	KindAnnealed = "annealed" // annealed Langevin down a ladder of levels
	KindPC       = "pc"       // the VE SDE's reverse diffusion with a Langevin corrector
	KindODE      = "ode"      // the VE SDE's probability-flow ODE
	KindHeun     = "heun"     // EDM's Heun solver of the probability-flow ODE
	KindDPMPP2M  = "dpmpp_2m" // DPM-Solver++(2M) on the probability-flow ODE
)

// Kinds lists the samplers Draw runs.
var Kinds = []string{KindLangevin, KindAnnealed, KindPC, KindODE, KindHeun, KindDPMPP2M}

// FromPrior reports whether sampler kind k starts its chains from the VE
// SDE's prior N(0, sigma_1^2 I) rather than from sample.init.
func FromPrior(k string) bool {
	return k == KindPC || k == KindODE || k == KindHeun || k == KindDPMPP2M
}

// Settings configure a sampler run.
type Settings struct {
	Kind          string    // for Draw: one of Kinds
	Steps         int       // plain Langevin: T; heun, dpmpp_2m: the number of levels
	StepsPerLevel int       // annealed: T at each level
	Eps           float64   // step size; annealed: the step at the smallest level
	Sigmas        []float64 // annealed, pc, ode: noise levels, largest first
	Sigma         float64   // plain: the level a noise-conditional score is evaluated at
	Denoise       bool      // annealed, pc, ode: end with x + sigma_L^2 s(x, sigma_L)
	SnapshotEvery int       // record the chains every k steps; 0: never
	// pc: the number of levels its predictor walks, geometric between the
	// ends of Sigmas (fewer than 2: Sigmas themselves), the Langevin
	// corrector steps after each predictor step, and their signal-to-noise
	// ratio.
	Levels         int
	CorrectorSteps int
	SNR            float64
	// ode: the solver's relative and absolute tolerances, and the most
	// steps a chain may take (0: the solver's own bound); a chain that
	// needs more is an error.
	Rtol, Atol float64
	MaxSteps   int
	// heun, dpmpp_2m: the exponent of the schedule noisescale.Karras spaces
	// Steps levels by, between the ends of Sigmas; heun: its churn.
	Rho   float64
	Churn Churn
	// SigmaStop: heun and dpmpp_2m stop at this level (at least the
	// smallest of Sigmas) and keep its noise, without the last step to
	// sigma = 0, the denoiser; 0: they take it.
	SigmaStop float64
	// MaxLost is the share of the chains that may leave the sane region
	// and be left out, the rest going on (Draw marks them in Chains.Lost);
	// 0: a chain that leaves it stops the sampling with an error. A lost
	// chain is set to 0 and no longer counted, so that nothing non-finite
	// is carried through the steps.
	MaxLost float64
	// Bound is the sane region: a chain with a coordinate beyond +-Bound
	// has diverged, and the sampler stops with an error saying where. 0
	// checks only that values stay finite.
	Bound float64
	// Progress, if set, is called after every step with the steps done and
	// the total.
	Progress func(done, total int)
}

// Chains are Langevin chains: their points, each chain's own random stream,
// and one score function per worker. The chains are split into as many
// contiguous blocks as there are workers, which move their blocks at the
// same time. A chain's path depends only on its start and its stream, never
// on the split, so samples have the same bits for any number of workers,
// and any subset of the chains can be drawn alone (sharding).
type Chains struct {
	X       points.Points
	Streams []*rand.Rand // one per chain (Streams)
	Scores  []score.Func // one per worker; each is called on its block only
	// Levels, one per worker, are the same scores at a level per point;
	// only the ode sampler needs them. It calls them on the block's
	// unfinished chains only, after telling Rows (one per worker, or nil)
	// which rows of the block they are, for scores whose chains differ
	// (each chain's own label).
	Levels []score.LevelFunc
	Rows   []func(rows []int)
	// Lost, when not nil, marks the chains that left the sane region and
	// were left out (Settings.MaxLost); nil: any such chain is an error.
	Lost []bool
	// Known, when not nil, are coordinates the chains are given: the
	// sampler draws the others from the model's conditional given them
	// (inpainting, imputation). Annealed and plain Langevin take them.
	Known *Known
}

// refuseKnown is the error of a sampler that does not take given
// coordinates, when c has some.
func (c Chains) refuseKnown(kind string) error {
	if c.Known == nil {
		return nil
	}
	return fmt.Errorf("sampler: given coordinates (inpainting, imputation) are drawn by annealed or plain Langevin, not by %s", kind)
}

// Known are given coordinates of the chains, in the units the score sees:
// Mask[i] says X.X[i] is given, with the value Values[i].
//
// Langevin holds them at their values through every step while the other
// coordinates move, so at each level sigma the free coordinates follow the
// model's joint at that level with the given ones fixed: its conditional
// given them, which is the data's conditional as sigma falls to 0. NCSN's
// inpainting (Song and Ermon 2019) instead sets them to their values plus
// noise of each level; measured on a two-mode mixture's analytic score,
// that noise moved the share of completions at each mode (0.70 at the
// heavy mode against 0.78 held exactly, 0.80 in truth), because a chain
// settles on a mode at a level where the noised value stands for the
// given one, and the noise's effect on the modes' weights does not average
// out. On real tables both gave the same errors (see sampler/known_test.go
// and docs/CONFIG.md). Held exactly, the given coordinates are, at large
// sigma, nearer the data's centre than a noised point of that level would
// be, which a network trained only on noised points has seen less of.
type Known struct {
	Mask   []bool
	Values []float64
}

// NewKnown are the coordinates of x marked by mask, with x's values.
func NewKnown(mask []bool, x []float64) *Known {
	return &Known{Mask: mask, Values: append([]float64(nil), x...)}
}

// Workers splits n chains over threads: the number of workers (one score
// function each), the most chains one takes, and the threads each worker's
// own passes may use: all of them for a single worker, one each when the
// workers already run side by side.
func Workers(n, threads int) (workers, batch, threadsEach int) {
	workers = max(1, min(threads, n))
	if workers > 1 {
		threadsEach = 1
	}
	return workers, (n + workers - 1) / workers, threadsEach
}

// Block is the chains lo..hi-1 of n that worker w of workers moves and
// scores, with the score NewChains made w-th.
func Block(w, workers, n int) (lo, hi int) { return w * n / workers, (w + 1) * n / workers }

// NewChains are the chains x with their streams, split over threads as
// Workers says, each worker with its own score from newScore (for batch
// chains at once, on threadsEach threads); a nil level score is left out.
// newScore is called once per worker, in order: the w-th score serves the
// chains of Block(w, workers, x.N), whatever their labels need.
func NewChains(x points.Points, streams []*rand.Rand, threads int, newScore func(batch, threads int) (score.Func, score.LevelFunc, error)) (Chains, error) {
	c := Chains{X: x, Streams: streams}
	workers, batch, threadsEach := Workers(x.N, threads)
	for range workers {
		s, levels, err := newScore(batch, threadsEach)
		if err != nil {
			return Chains{}, err
		}
		c.Scores = append(c.Scores, s)
		if levels != nil {
			c.Levels = append(c.Levels, levels)
		}
	}
	return c, nil
}

// Streams are the random streams of chains first..first+n-1 of a sampling
// run seeded by seed: chain c's starting point and noise come from stream
// c alone.
func Streams(seed uint64, first, n int) []*rand.Rand {
	out := make([]*rand.Rand, n)
	for c := range out {
		out[c] = seeds.NewIndexed(seed, seeds.Chain, uint64(first+c))
	}
	return out
}

// Snapshot is the state of every chain after a step.
type Snapshot struct {
	Step  int
	Sigma float64 // the level the step used
	X     []float64
}

// Langevin advances the chains in place by plain Langevin dynamics.
func Langevin(c Chains, s Settings) ([]Snapshot, error) {
	if s.Steps < 1 || !(s.Eps > 0) {
		return nil, fmt.Errorf("sampler: langevin needs steps >= 1 and eps > 0, got %d and %v", s.Steps, s.Eps)
	}
	r, err := newRunner(c, s, s.Steps)
	if err != nil {
		return nil, err
	}
	r.keepKnown(c.Known.exact())
	for t := 0; t < s.Steps; t++ {
		if err := r.step(s.Sigma, s.Eps); err != nil {
			return nil, err
		}
	}
	return r.snapshots, nil
}

// Annealed advances the chains in place by annealed Langevin dynamics.
func Annealed(c Chains, s Settings) ([]Snapshot, error) {
	if len(s.Sigmas) == 0 || s.StepsPerLevel < 1 || !(s.Eps > 0) {
		return nil, fmt.Errorf("sampler: annealed needs noise levels, steps_per_level >= 1 and eps > 0")
	}
	if err := checkLadder(s.Sigmas); err != nil {
		return nil, err
	}
	last := s.Sigmas[len(s.Sigmas)-1]
	r, err := newRunner(c, s, len(s.Sigmas)*s.StepsPerLevel)
	if err != nil {
		return nil, err
	}
	r.keepKnown(c.Known.exact())
	for _, sigma := range s.Sigmas {
		alpha := s.Eps * (sigma * sigma) / (last * last)
		for t := 0; t < s.StepsPerLevel; t++ {
			if err := r.step(sigma, alpha); err != nil {
				return nil, err
			}
		}
	}
	if s.Denoise {
		if err := r.denoise(last); err != nil {
			return nil, err
		}
	}
	r.keepKnown(r.c.Known.exact())
	return r.snapshots, nil
}

// exact is the given values, or nil for no Known.
func (k *Known) exact() []float64 {
	if k == nil {
		return nil
	}
	return k.Values
}

// keepKnown puts the given coordinates of every chain at values.
func (r *runner) keepKnown(values []float64) {
	if values == nil {
		return
	}
	for i, given := range r.c.Known.Mask {
		if given {
			r.c.X.X[i] = values[i]
		}
	}
}

// denoise moves every chain to Tweedie's estimate of the clean point,
// x + sigma^2 s(x, sigma).
func (r *runner) denoise(sigma float64) error {
	return r.each(func(w, lo, hi int) error {
		if err := r.c.Scores[w](r.grad[lo:hi], r.c.X.X[lo:hi], sigma); err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			r.c.X.X[i] += sigma * sigma * r.grad[i]
		}
		return nil
	})
}

// runner holds what every step of a sampler needs.
type runner struct {
	c         Chains
	s         Settings
	grad      []float64
	done      int
	total     int
	snapshots []Snapshot
	// pc's corrector: each chain's noise, and the norms of its noise and
	// score.
	noise, zNorm, gNorm []float64
	// heun: each chain's slope at the level it steps from, and the point
	// its Euler step reaches.
	slope, lift []float64
}

func newRunner(c Chains, s Settings, total int) (*runner, error) {
	if len(c.Streams) != c.X.N || len(c.Scores) == 0 {
		return nil, fmt.Errorf("sampler: %d streams and %d score functions for %d chains", len(c.Streams), len(c.Scores), c.X.N)
	}
	if k := c.Known; k != nil {
		if len(k.Mask) != len(c.X.X) || len(k.Values) != len(c.X.X) {
			return nil, fmt.Errorf("sampler: %d given-coordinate marks and %d values for %d coordinates", len(k.Mask), len(k.Values), len(c.X.X))
		}
	}
	return &runner{c: c, s: s, grad: make([]float64, len(c.X.X)), total: total}, nil
}

// each runs do on every worker's block of values [lo, hi) at once, and
// returns the first error.
func (r *runner) each(do func(w, lo, hi int) error) error {
	workers, n, d := len(r.c.Scores), r.c.X.N, r.c.X.D
	if workers == 1 { // no hand-off on the one-thread path
		return do(0, 0, n*d)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := Block(w, workers, n)
		lo, hi = lo*d, hi*d
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = do(w, lo, hi)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// step is x <- x + (alpha/2) s(x, sigma) + sqrt(alpha) z for every chain,
// each chain's z from its own stream.
func (r *runner) step(sigma, alpha float64) error {
	noise, d, x := math.Sqrt(alpha), r.c.X.D, r.c.X.X
	found := make([][]int, len(r.c.Scores))
	err := r.each(func(w, lo, hi int) error {
		if err := r.c.Scores[w](r.grad[lo:hi], x[lo:hi], sigma); err != nil {
			return err
		}
		for c := lo / d; c < hi/d; c++ { // chain by chain: lo and hi are whole chains
			z := r.c.Streams[c]
			if k := r.c.Known; k != nil {
				for i := c * d; i < (c+1)*d; i++ {
					if !k.Mask[i] { // a given coordinate stays at its value
						x[i] = x[i] + alpha/2*r.grad[i] + noise*z.NormFloat64()
					}
				}
			} else {
				for i := c * d; i < (c+1)*d; i++ {
					x[i] = x[i] + alpha/2*r.grad[i] + noise*z.NormFloat64()
				}
			}
			// Checked here, while the chain is in cache, rather than in a
			// pass of after's own (3% of a 1000-chain step).
			if r.left(c) {
				found[w] = append(found[w], c)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.afterChecked(sigma, alpha, slices.Concat(found...))
}

// after counts a step at level sigma with step size alpha, stops if a chain
// left the sane region, and records a snapshot and the progress.
func (r *runner) after(sigma, alpha float64) error {
	return r.afterChecked(sigma, alpha, r.outside())
}

// afterChecked is after with the chains that left the region found: out,
// in order.
func (r *runner) afterChecked(sigma, alpha float64, out []int) error {
	x := r.c.X.X
	r.done++
	for c, lost := range r.c.Lost { // held at 0: nothing non-finite goes on
		if lost {
			clear(x[c*r.c.X.D : (c+1)*r.c.X.D])
		}
	}
	if len(out) > 0 {
		lost := len(out)
		if r.c.Lost != nil {
			d := r.c.X.D
			for _, c := range out {
				r.c.Lost[c] = true
				clear(x[c*d : (c+1)*d])
			}
			lost = 0
			for _, l := range r.c.Lost {
				if l {
					lost++
				}
			}
		}
		if r.c.Lost == nil || float64(lost) > r.s.MaxLost*float64(r.c.X.N) {
			region := "finite values"
			if r.s.Bound > 0 {
				region = fmt.Sprintf("|x| <= %.4g in every coordinate (model units)", r.s.Bound)
			}
			allowed := ""
			if r.c.Lost != nil {
				allowed = fmt.Sprintf(", more than the %g%% that may be left out", 100*r.s.MaxLost)
			}
			return fmt.Errorf("sampler: chains diverged: %d of %d (%.1f%%) left %s by step %d of %d (sigma %.4g, step size %.4g)%s: %s",
				lost, r.c.X.N, 100*float64(lost)/float64(r.c.X.N), region, r.done, r.total, sigma, alpha, allowed, Remedy(r.s.Kind))
		}
	}
	if r.s.SnapshotEvery > 0 && r.done%r.s.SnapshotEvery == 0 {
		r.snapshots = append(r.snapshots, Snapshot{Step: r.done, Sigma: sigma, X: append([]float64(nil), x...)})
	}
	if r.s.Progress != nil {
		r.s.Progress(r.done, r.total)
	}
	return nil
}

// Remedy is what to change when chains of sampler kind k diverge: the
// setting that sets its step size, and the ladder.
func Remedy(k string) string {
	switch k {
	case KindPC:
		return "lower sample.snr (the corrector's step), use more levels (sample.levels), or more noise levels (train.sigmas)"
	case KindODE:
		return "lower sample.rtol and sample.atol, or use more noise levels (train.sigmas)"
	case KindLangevin:
		return "lower sample.eps"
	case KindHeun, KindDPMPP2M:
		return "use more levels (sample.steps), or more noise levels (train.sigmas)"
	}
	return "lower sample.eps, or use more noise levels (train.sigmas)"
}

// outside lists the chains, not already lost, with a coordinate beyond
// the bound, or not finite.
func (r *runner) outside() []int {
	found := make([][]int, len(r.c.Scores))
	d := r.c.X.D
	// Split as the steps are, so each part is read by the thread that just
	// wrote it (a pass on one thread was 5% of a 1000-chain step's time).
	r.each(func(w, lo, hi int) error {
		for c := lo / d; c < hi/d; c++ {
			if r.left(c) {
				found[w] = append(found[w], c)
			}
		}
		return nil
	})
	return slices.Concat(found...) // the parts are in chain order
}

// left reports whether chain c, not already lost, has a coordinate beyond
// the bound (or not finite).
func (r *runner) left(c int) bool {
	if r.c.Lost != nil && r.c.Lost[c] {
		return false
	}
	d := r.c.X.D
	for _, v := range r.c.X.X[c*d : (c+1)*d] {
		if !(math.Abs(v) <= r.s.Bound) && (r.s.Bound > 0 || v-v != 0) {
			return true
		}
	}
	return false
}

// Uniform returns a point per stream, uniform in the box [low, high]^d,
// each from its own stream.
func Uniform(d int, low, high float64, streams []*rand.Rand) points.Points {
	p := points.New(len(streams), d)
	for i := range p.X {
		p.X[i] = low + (high-low)*streams[i/d].Float64()
	}
	return p
}

// Gaussian returns a point per stream from N(0, std^2 I) in R^d, each from
// its own stream.
func Gaussian(d int, std float64, streams []*rand.Rand) points.Points {
	p := points.New(len(streams), d)
	for i := range p.X {
		p.X[i] = std * streams[i/d].NormFloat64()
	}
	return p
}

// FractionNearest returns, for each of the centres, the fraction of points
// nearer to it than to any other.
func FractionNearest(p points.Points, centres [][]float64) []float64 {
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
