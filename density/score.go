package density

import (
	"fmt"

	"scorenet/score"
)

// ScoreOf is the closed-form score of dens perturbed by N(0, sigma^2 I)
// (dens itself for sigma = 0): the score annealed Langevin needs at level
// sigma, known exactly.
func ScoreOf(dens Density) score.Func {
	perturbed := map[float64]Density{0: dens}
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

// LevelScoreOf is ScoreOf at a noise level per point.
func LevelScoreOf(dens Density) score.LevelFunc {
	d := dens.Dim()
	return func(dst, x, sigmas []float64) error {
		for r, sigma := range sigmas {
			p := dens
			if sigma > 0 {
				p = dens.Perturbed(sigma)
			}
			p.Score(dst[r*d:(r+1)*d], x[r*d:(r+1)*d])
		}
		return nil
	}
}

// Field is the closed-form score and divergence of a density perturbed by
// N(0, sigma^2 I), a score.Field for tests and for -score analytic: its
// likelihood is known, so the solver's can be checked against it.
type Field struct {
	Density Density
}

// divergent is a density whose score's divergence is known.
type divergent interface {
	ScoreDivergence(x []float64) float64
}

// Divergence implements score.Field (the exact trace only).
func (a Field) Divergence(score, div, x, sigmas, probes []float64, k int) error {
	if probes != nil {
		return fmt.Errorf("density: the analytic field has only the exact trace")
	}
	d := a.Density.Dim()
	for r, sigma := range sigmas {
		p := a.Density.Perturbed(sigma)
		dv, ok := p.(divergent)
		if !ok {
			return fmt.Errorf("density: %T has no closed-form divergence", a.Density)
		}
		p.Score(score[r*d:(r+1)*d], x[r*d:(r+1)*d])
		div[r] = dv.ScoreDivergence(x[r*d : (r+1)*d])
	}
	return nil
}

// Prior is the exact log p_1 of dens at the end of the probability-flow
// ODE: the density perturbed by N(0, sigma_max^2 I).
func Prior(dens Density, sigmaMax float64) (func([]float64) float64, error) {
	p, ok := dens.Perturbed(sigmaMax).(interface{ LogDensity(x []float64) float64 })
	if !ok {
		return nil, fmt.Errorf("density: %T has no closed-form log-density", dens)
	}
	return p.LogDensity, nil
}
