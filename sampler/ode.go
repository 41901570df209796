package sampler

import (
	"fmt"
	"math"

	"scorenet/internal/ode"
)

// VE is the variance-exploding SDE of Song et al. (2021) between noise
// levels Min and Max: dx = g(t) dw with sigma(t) = Min (Max/Min)^t on
// t in [0, 1], so the data perturbed to time t is the data convolved with
// N(0, sigma(t)^2 I), and g(t)^2 = d sigma^2/dt = 2 sigma(t)^2 ln(Max/Min).
// A model trained by anneal_dsm or vesde_dsm over [Min, Max] gives its
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
// on a score at per-point levels.
func (v VE) Flow(score LevelScoreFunc) ode.Func {
	var sigmas []float64
	return func(dst, y, t []float64, _ []int) error {
		if cap(sigmas) < len(t) {
			sigmas = make([]float64, len(t))
		}
		sigmas = sigmas[:len(t)]
		for r, tr := range t {
			sigmas[r] = v.Sigma(tr)
		}
		if err := score(dst, y, sigmas); err != nil {
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
	r, err := newRunner(c, s, 1)
	if err != nil {
		return nil, err
	}
	nfe := make([]int, c.X.N)
	d := c.X.D
	err = r.each(func(w, lo, hi int) error {
		st, err := ode.Solve(ve.Flow(c.Levels[w]), c.X.X[lo:hi], d, 1, 0, ode.Settings{Rtol: s.Rtol, Atol: s.Atol})
		if err != nil {
			return fmt.Errorf("sampler: ode: %w", err)
		}
		copy(nfe[lo/d:hi/d], st.Evaluations)
		return nil
	})
	if err != nil {
		return nil, err
	}
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
