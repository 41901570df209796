package sampler

import (
	"fmt"
	"math"
)

// DefaultRho is EDM's exponent for its schedule of levels.
const DefaultRho = 7

// Churn is the stochastic part of EDM's sampler (Karras et al. 2022,
// Algorithm 2): before the step from a level sigma in [Min, Max], the chains
// are moved up to sigma (1 + gamma) by fresh noise scaled by Noise, with
// gamma = min(Amount/steps, sqrt(2) - 1). Amount 0, EDM's default, is the
// deterministic Heun solver; Max 0 means no upper limit.
type Churn struct {
	Amount, Min, Max, Noise float64
}

// gamma is the churn at level sigma of a schedule of n levels, kept so that
// the raised level stays within top, the largest level the model was
// trained at.
func (c Churn) gamma(sigma, top float64, n int) float64 {
	if c.Amount <= 0 || sigma < c.Min || (c.Max > 0 && sigma > c.Max) {
		return 0
	}
	g := math.Min(c.Amount/float64(n), math.Sqrt2-1)
	return math.Max(0, math.Min(g, top/sigma-1))
}

// Heun advances the chains in place by EDM's sampler (Karras et al. 2022,
// Algorithm 2): Heun's second-order method on the probability-flow ODE
// dx/dsigma = (x - D(x, sigma)) / sigma = -sigma s(x, sigma) over the levels
// s.Sigmas (largest first; noisescale.Karras gives EDM's schedule), with the
// churn s.Churn, then one last Euler step to sigma = 0, which is the
// denoiser D(x, sigma_L) = x + sigma_L^2 s(x, sigma_L): a model trained down
// to sigma_L says nothing reliable below it. 2L - 1 score evaluations per
// chain for L levels; with s.SigmaStop, no last step, 2L - 2.
func Heun(c Chains, s Settings) ([]Snapshot, error) {
	if err := c.refuseKnown(KindHeun); err != nil {
		return nil, err
	}
	if err := checkSolverLevels(KindHeun, s.Sigmas); err != nil {
		return nil, err
	}
	n := len(s.Sigmas)
	r, err := newRunner(c, s, solverSteps(n, s.SigmaStop))
	if err != nil {
		return nil, err
	}
	r.slope, r.lift = make([]float64, len(c.X.X)), make([]float64, len(c.X.X))
	for i := 0; i+1 < n; i++ {
		from, to := s.Sigmas[i], s.Sigmas[i+1]
		if g := s.Churn.gamma(from, s.Sigmas[0], n); g > 0 {
			raised := from * (1 + g)
			r.addNoise(math.Sqrt(raised*raised-from*from) * s.Churn.Noise)
			from = raised
		}
		if err := r.heunStep(from, to); err != nil {
			return nil, err
		}
		if err := r.after(to, from-to); err != nil {
			return nil, err
		}
	}
	if s.SigmaStop > 0 { // the chains keep the last level's noise
		return r.snapshots, nil
	}
	if err := r.denoise(s.Sigmas[n-1]); err != nil {
		return nil, err
	}
	return r.snapshots, r.after(0, s.Sigmas[n-1])
}

// addNoise adds amount times a standard normal draw from each chain's own
// stream to every coordinate.
func (r *runner) addNoise(amount float64) {
	d, x := r.c.X.D, r.c.X.X
	r.each(func(_, lo, hi int) error { // chains draw from their own streams, so any split gives the same bits
		for c := lo / d; c < hi/d; c++ {
			z := r.c.Streams[c]
			for i := c * d; i < (c+1)*d; i++ {
				x[i] += amount * z.NormFloat64()
			}
		}
		return nil
	})
}

// heunStep moves every chain from level from to level to: an Euler step on
// the slope at from, then the trapezoid of the slopes at both ends.
func (r *runner) heunStep(from, to float64) error {
	x, h := r.c.X.X, to-from
	return r.each(func(w, lo, hi int) error {
		score := r.c.Scores[w]
		if err := score(r.grad[lo:hi], x[lo:hi], from); err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			r.slope[i] = -from * r.grad[i] // dx/dsigma at from
			r.lift[i] = x[i] + h*r.slope[i]
		}
		if err := score(r.grad[lo:hi], r.lift[lo:hi], to); err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			x[i] += h / 2 * (r.slope[i] - to*r.grad[i])
		}
		return nil
	})
}

// DPMSolver2M advances the chains in place by DPM-Solver++(2M) (Lu et al.
// 2022): with lambda = -log sigma, the exact solution of the
// probability-flow ODE for a denoiser held fixed over a step is
//
//	x' = (sigma'/sigma) x + (1 - sigma'/sigma) D,
//
// and the multistep variant replaces D by its linear extrapolation from
// the last two levels, (1 + 1/(2r)) D_i - 1/(2r) D_{i-1} with r the ratio of
// the last step in lambda to this one: second order for one evaluation per
// level. It walks s.Sigmas (largest first) and ends at sigma = 0 with the
// denoiser D(x, sigma_L). L score evaluations per chain for L levels.
func DPMSolver2M(c Chains, s Settings) ([]Snapshot, error) {
	if err := c.refuseKnown(KindDPMPP2M); err != nil {
		return nil, err
	}
	if err := checkSolverLevels(KindDPMPP2M, s.Sigmas); err != nil {
		return nil, err
	}
	n := len(s.Sigmas)
	r, err := newRunner(c, s, solverSteps(n, s.SigmaStop))
	if err != nil {
		return nil, err
	}
	x := c.X.X
	denoised, previous := make([]float64, len(x)), make([]float64, len(x))
	for i, sigma := range s.Sigmas {
		if i == n-1 && s.SigmaStop > 0 { // the chains keep the last level's noise
			break
		}
		next, weight := 0.0, 0.0
		if i+1 < n {
			next = s.Sigmas[i+1]
			if i > 0 { // 1/(2r): r = (lambda_i - lambda_{i-1}) / (lambda_{i+1} - lambda_i)
				weight = math.Log(sigma/next) / (2 * math.Log(s.Sigmas[i-1]/sigma))
			}
		}
		ratio := next / sigma
		err := r.each(func(w, lo, hi int) error {
			if err := r.c.Scores[w](r.grad[lo:hi], x[lo:hi], sigma); err != nil {
				return err
			}
			for j := lo; j < hi; j++ {
				d := x[j] + sigma*sigma*r.grad[j]
				extrapolated := (1+weight)*d - weight*previous[j]
				denoised[j] = d
				x[j] = ratio*x[j] + (1-ratio)*extrapolated
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		denoised, previous = previous, denoised
		if err := r.after(next, sigma-next); err != nil {
			return nil, err
		}
	}
	return r.snapshots, nil
}

// checkSolverLevels refuses fewer than two levels, or levels that are not
// positive and strictly decreasing.
func checkSolverLevels(kind string, sigmas []float64) error {
	if len(sigmas) < 2 {
		return fmt.Errorf("sampler: %s needs two or more noise levels, got %d", kind, len(sigmas))
	}
	return checkLadder(sigmas)
}

// solverSteps are the steps the solvers count over n levels: one to each
// level below the first and the last to sigma = 0, which a stop skips.
// dpmpp_2m evaluates the score once a step.
func solverSteps(n int, stop float64) int {
	if stop > 0 {
		return n - 1
	}
	return n
}

// heunEvaluations are heun's score evaluations over n levels: two a step
// between levels, and one for the last step to sigma = 0 unless stopped.
func heunEvaluations(n int, stop float64) int { return n - 1 + solverSteps(n, stop) }
