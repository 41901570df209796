package sampler

import (
	"fmt"
	"math"
)

// PC advances the chains in place by the predictor-corrector sampler of the
// variance-exploding SDE (Song et al. 2021, Algorithm 2): from each level of
// s.Sigmas to the next, one reverse-diffusion predictor step
//
//	x <- x + (sigma_i^2 - sigma_{i+1}^2) s(x, sigma_i) + sqrt(sigma_i^2 - sigma_{i+1}^2) z,
//
// then s.CorrectorSteps Langevin corrector steps at the new level,
//
//	x <- x + e s(x, sigma_{i+1}) + sqrt(2 e) z,  e = 2 (snr ||z|| / ||s||)^2.
//
// The order is the paper's: predictor, then corrector at the level the
// predictor reached. score_sde_pytorch's pc_sampler runs the corrector
// first, at the level before the predictor (its issue #50); both target the
// same marginals, but only the paper's ends with a corrector at sigma_L.
// The corrector's step size comes from norms averaged over all the chains,
// as score_sde's does over its batch (a chain's own norms would give
// unbounded steps to chains near a mode, where the score vanishes), so a
// chain's path depends on the others: the same bits on any number of
// workers, but not when the chains are split into shards. The chains
// should start from the prior N(0, sigma_1^2 I).
func PC(c Chains, s Settings) ([]Snapshot, error) {
	if err := c.refuseKnown(KindPC); err != nil {
		return nil, err
	}
	if len(s.Sigmas) < 2 || s.CorrectorSteps < 0 || (s.CorrectorSteps > 0 && !(s.SNR > 0)) {
		return nil, fmt.Errorf("sampler: pc needs two or more noise levels, corrector_steps >= 0 and snr > 0")
	}
	if err := checkLadder(s.Sigmas); err != nil {
		return nil, err
	}
	r, err := newRunner(c, s, (len(s.Sigmas)-1)*(1+s.CorrectorSteps))
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(s.Sigmas); i++ {
		from, to := s.Sigmas[i], s.Sigmas[i+1]
		if err := r.predict(from, to); err != nil {
			return nil, err
		}
		for range s.CorrectorSteps {
			if err := r.correct(to, s.SNR); err != nil {
				return nil, err
			}
		}
	}
	if s.Denoise {
		if err := r.denoise(s.Sigmas[len(s.Sigmas)-1]); err != nil {
			return nil, err
		}
	}
	return r.snapshots, nil
}

// checkLadder refuses noise levels that are not positive and strictly
// decreasing.
func checkLadder(sigmas []float64) error {
	for i, sg := range sigmas {
		if !(sg > 0) || math.IsInf(sg, 0) || (i > 0 && !(sg < sigmas[i-1])) {
			return fmt.Errorf("sampler: noise levels must be finite, positive and strictly decreasing")
		}
	}
	return nil
}

// predict is one reverse-diffusion step of the VE SDE from level from down
// to level to.
func (r *runner) predict(from, to float64) error {
	g2 := from*from - to*to
	g, d, x := math.Sqrt(g2), r.c.X.D, r.c.X.X
	err := r.each(func(w, lo, hi int) error {
		if err := r.c.Scores[w](r.grad[lo:hi], x[lo:hi], from); err != nil {
			return err
		}
		for c := lo / d; c < hi/d; c++ {
			z := r.c.Streams[c]
			for i := c * d; i < (c+1)*d; i++ {
				x[i] += g2*r.grad[i] + g*z.NormFloat64()
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.after(to, g2)
}

// correct is one Langevin step at level sigma whose size is set by the
// signal-to-noise ratio, score_sde's rule: e = 2 (snr mean||z|| /
// mean||s||)^2, the norms averaged over all the chains in chain order (the
// same bits on any number of workers; a shard's average is its own).
func (r *runner) correct(sigma, snr float64) error {
	d, x, n := r.c.X.D, r.c.X.X, r.c.X.N
	if len(r.noise) != len(x) {
		r.noise, r.zNorm, r.gNorm = make([]float64, len(x)), make([]float64, n), make([]float64, n)
	}
	err := r.each(func(w, lo, hi int) error {
		if err := r.c.Scores[w](r.grad[lo:hi], x[lo:hi], sigma); err != nil {
			return err
		}
		for c := lo / d; c < hi/d; c++ {
			zz, gg := 0.0, 0.0
			for j := c * d; j < (c+1)*d; j++ {
				z := r.c.Streams[c].NormFloat64()
				r.noise[j] = z
				zz += z * z
				gg += r.grad[j] * r.grad[j]
			}
			r.zNorm[c], r.gNorm[c] = math.Sqrt(zz), math.Sqrt(gg)
		}
		return nil
	})
	if err != nil {
		return err
	}
	zMean, gMean := 0.0, 0.0
	for c := range n {
		zMean += r.zNorm[c]
		gMean += r.gNorm[c]
	}
	if gMean == 0 {
		return r.after(sigma, 0) // no signal: no step
	}
	ratio := snr * zMean / gMean
	step := 2 * ratio * ratio
	noise := math.Sqrt(2 * step)
	if err := r.each(func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			x[i] += step*r.grad[i] + noise*r.noise[i]
		}
		return nil
	}); err != nil {
		return err
	}
	return r.after(sigma, step)
}
