package sampler

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"scorenet/internal/ode"
	"scorenet/score"
)

// VE is the variance-exploding SDE of Song et al. (2021) between noise
// levels Min and Max: dx = g(t) dw with sigma(t) = Min (Max/Min)^t on
// t in [0, 1], so the data perturbed to time t is the data convolved with
// N(0, sigma(t)^2 I), and g(t)^2 = d sigma^2/dt = 2 sigma(t)^2 ln(Max/Min).
// A model trained by anneal_dsm, vesde_dsm or edm_dsm over [Min, Max] gives its
// score at every sigma(t).
type VE struct{ Min, Max float64 }

// Check refuses levels that make no schedule.
func (v VE) Check() error {
	if !(v.Min > 0) || !(v.Max > v.Min) || math.IsInf(v.Max, 0) {
		return fmt.Errorf("sampler: the VE SDE needs 0 < sigma_min < sigma_max < inf, got %v and %v", v.Min, v.Max)
	}
	return nil
}

// Sigma is sigma(t).
func (v VE) Sigma(t float64) float64 { return v.Min * math.Pow(v.Max/v.Min, t) }

// FlowScale is the factor -g(t)^2/2 = -sigma(t)^2 ln(Max/Min) that turns
// the score into the probability-flow ODE's velocity,
// dx/dt = -g(t)^2/2 s(x, sigma(t)).
func (v VE) FlowScale(t float64) float64 {
	s := v.Sigma(t)
	return -s * s * math.Log(v.Max/v.Min)
}

// Flow returns the probability-flow ODE's right-hand side for the solver,
// on a score at per-point levels; rows, when not nil, is told which rows
// the solver scores before each evaluation.
func (v VE) Flow(levelScore score.LevelFunc, rows func([]int)) ode.Func {
	var sigmas []float64
	return func(dst, y, t []float64, idx []int) error {
		if rows != nil {
			rows(idx)
		}
		if cap(sigmas) < len(t) {
			sigmas = make([]float64, len(t))
		}
		sigmas = sigmas[:len(t)]
		for r, tr := range t {
			sigmas[r] = v.Sigma(tr)
		}
		if err := levelScore(dst, y, sigmas); err != nil {
			return err
		}
		d := len(y) / len(t)
		for r, tr := range t {
			scale := v.FlowScale(tr)
			for j := r * d; j < (r+1)*d; j++ {
				dst[j] *= scale
			}
		}
		return nil
	}
}

// ODE moves the chains in place along the probability-flow ODE of the VE
// SDE from sigma_1 = s.Sigmas[0] down to sigma_L = the last level, by the
// adaptive Dormand-Prince 5(4) solver with tolerances s.Rtol, s.Atol: a
// deterministic map from the prior N(0, sigma_1^2 I), where the chains
// should start, to the data. Every chain takes its own steps, so its path
// does not depend on the other chains. It returns the score evaluations of
// each chain.
func ODE(c Chains, s Settings) ([]int, error) {
	if err := c.refuseKnown(KindODE); err != nil {
		return nil, err
	}
	if len(s.Sigmas) < 2 {
		return nil, fmt.Errorf("sampler: ode needs the largest and smallest noise levels")
	}
	ve := VE{Min: s.Sigmas[len(s.Sigmas)-1], Max: s.Sigmas[0]}
	if err := ve.Check(); err != nil {
		return nil, err
	}
	if len(c.Levels) != len(c.Scores) {
		return nil, fmt.Errorf("sampler: ode needs scores at per-point noise levels, one per worker")
	}
	r, err := newRunner(c, s, odeProgressUnits)
	if err != nil {
		return nil, err
	}
	nfe := make([]int, c.X.N)
	d := c.X.D
	progress := r.odeProgress(len(c.Scores))
	err = r.each(func(w, lo, hi int) error {
		var rows func([]int)
		if c.Rows != nil {
			rows = c.Rows[w]
		}
		st, err := ode.Solve(ve.Flow(c.Levels[w], rows), c.X.X[lo:hi], d, 1, 0, ode.Settings{Rtol: s.Rtol, Atol: s.Atol, MaxSteps: s.MaxSteps, Progress: progress(w)})
		if err != nil {
			return fmt.Errorf("sampler: ode: %w", err)
		}
		copy(nfe[lo/d:hi/d], st.Evaluations)
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.done = odeProgressUnits - 1 // after counts the end of the span
	if err := r.after(ve.Min, 0); err != nil {
		return nil, err
	}
	if s.Denoise {
		if err := r.denoise(ve.Min); err != nil {
			return nil, err
		}
		for i := range nfe {
			nfe[i]++
		}
	}
	return nfe, nil
}

// odeProgressUnits is what the ode sampler's progress counts to: the
// thousandths of its time span that every chain has covered.
const odeProgressUnits = 1000

// odeProgress makes one ode.Settings.Progress per worker that reports, in
// thousandths, the share of the time span the least advanced chain of all
// workers has covered to s.Progress (nil when it is not set). The workers
// run side by side, so the reports are joined under a lock and only
// increases are passed on.
func (r *runner) odeProgress(workers int) func(w int) func(float64) {
	if r.s.Progress == nil {
		return func(int) func(float64) { return nil }
	}
	var mu sync.Mutex
	covered, reported := make([]float64, workers), 0
	return func(w int) func(float64) {
		return func(share float64) {
			mu.Lock()
			defer mu.Unlock()
			covered[w] = share
			done := int(slices.Min(covered) * odeProgressUnits)
			if done > reported {
				reported = done
				r.s.Progress(done, odeProgressUnits)
			}
		}
	}
}
