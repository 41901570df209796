// Package score is the contract between everything that gives a score,
// ∇ₓ log p(x), and everything that uses one: networks and closed-form
// densities on one side; samplers, the likelihood and plots on the other.
//
// All three forms take points row-major (point r is x[r*D:(r+1)*D]) and
// write one row of dst per point; none keeps x or dst after it returns.
package score

// Func writes the score at the points x into dst, at noise level sigma for
// noise-conditional scores (others ignore sigma).
type Func func(dst, x []float64, sigma float64) error

// LevelFunc writes the score at the points x into dst, each point at its
// own noise level sigmas[r]: what a sampler needs whose chains move on
// clocks of their own (the probability-flow ODE).
type LevelFunc func(dst, x, sigmas []float64) error

// Field is a noise-conditional score with its divergence, what the
// change-of-variables formula of the probability-flow ODE integrates.
type Field interface {
	// Divergence writes s(x_r, sigmas[r]) into score and tr(ds/dx) at x_r
	// into div[r] for each point x_r of x; with probes (k rows of D per
	// point, point-major) it writes Hutchinson's estimate, the mean over
	// the probes v of v' (ds/dx) v, instead.
	Divergence(score, div, x, sigmas, probes []float64, k int) error
}
