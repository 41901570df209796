package noisescale

import (
	"errors"
	"fmt"
	"math"
)

// Technique2 is the left-hand side of technique 2's equation,
//
//	Phi(sqrt(2D)(gamma-1) + 3 gamma) - Phi(sqrt(2D)(gamma-1) - 3 gamma),
//
// with Phi the standard normal distribution function. The norm of a sample
// of N(0, sigma^2 I) in D dimensions is close to N(sigma sqrt(D), sigma^2/2),
// so this is the probability that a sample at level sigma_i lands in the
// shell where the level above, sigma_{i-1} = gamma sigma_i, has its samples
// (norm within 3 sigma_{i-1}/sqrt(2), three standard deviations of that
// norm, of sigma_{i-1} sqrt(D)), for D = d. Technique 2 asks for 0.5. It is NaN if d < 1.
func Technique2(d int, gamma float64) float64 {
	if d < 1 {
		return math.NaN()
	}
	s := math.Sqrt(2 * float64(d))
	hi := s*(gamma-1) + 3*gamma
	lo := s*(gamma-1) - 3*gamma
	// Phi(hi) - Phi(lo) as one difference of erfs: no 1 + erf to round.
	return 0.5 * (math.Erf(hi/math.Sqrt2) - math.Erf(lo/math.Sqrt2))
}

// Gamma is technique 2's ratio for dimension d: the gamma > 1 at which
// Technique2(d, gamma) = 0.5, to the last bit float64 can resolve.
//
// With s = sqrt(2d), the left-hand side is 0.9973 at gamma = 1, rises to
// a single peak (where 6 s gamma (gamma-1) = ln((s+3)/(s-3))) and then
// falls, to 0 when s > 3, so 0.5 is crossed exactly once on (1, inf). Gamma
// brackets that crossing between 1 and the first power of 2 where the
// left-hand side is below 0.5, and bisects until the two ends are adjacent
// floats, returning the end whose value is nearer 0.5. For d <= 4 (s < 3)
// the left-hand side never drops below Phi(3) - Phi(-s) > 0.5, so no ratio
// satisfies technique 2 and Gamma returns an error, as it does for d < 1.
func Gamma(d int) (float64, error) {
	if d < 1 {
		return 0, fmt.Errorf("noisescale: dimension must be >= 1, got %d", d)
	}
	if 2*float64(d) <= 9 {
		return 0, fmt.Errorf("noisescale: no ratio satisfies technique 2 in %d dimensions (it needs d >= 5)", d)
	}
	f := func(g float64) float64 { return Technique2(d, g) - 0.5 }
	lo, hi := 1.0, 2.0
	for f(hi) >= 0 {
		lo, hi = hi, 2*hi
		if math.IsInf(hi, 0) {
			return 0, errors.New("noisescale: technique 2's equation has no bracketed root") // not reached for d >= 5
		}
	}
	for {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if f(mid) >= 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	if math.Abs(f(hi)) < math.Abs(f(lo)) {
		return hi, nil
	}
	return lo, nil
}

// maxLevels bounds the ladders Levels returns.
const maxLevels = 1 << 30

// Levels is the geometric noise ladder from sigmaMax down to sigmaMin in
// d dimensions that technique 2 asks for: its number of levels n (both
// ends included) and the ratio gamma between consecutive levels,
//
//	n = ceil(log(sigmaMax/sigmaMin) / log(Gamma(d))) + 1,
//	gamma = (sigmaMax/sigmaMin)^(1/(n-1)) <= Gamma(d).
//
// The number of ratios is rounded up, never to the nearest, so that the
// ratio used is at most technique 2's and consecutive levels overlap at
// least as much as it asks (Technique2(d, gamma) >= 0.5). Level i
// (0-based) is sigmaMax / gamma^i. It is an error if d has no technique-2
// ratio (see Gamma), if sigmaMin is not positive and finite, or if
// sigmaMax is not finite and above sigmaMin.
func Levels(sigmaMax, sigmaMin float64, d int) (n int, gamma float64, err error) {
	if !(sigmaMin > 0) || math.IsInf(sigmaMin, 0) {
		return 0, 0, fmt.Errorf("noisescale: sigmaMin must be positive and finite, got %v", sigmaMin)
	}
	if !(sigmaMax > sigmaMin) || math.IsInf(sigmaMax, 0) {
		return 0, 0, fmt.Errorf("noisescale: sigmaMax must be finite and above sigmaMin %v, got %v", sigmaMin, sigmaMax)
	}
	g, err := Gamma(d)
	if err != nil {
		return 0, 0, err
	}
	ratio := sigmaMax / sigmaMin
	steps := math.Ceil(math.Log(ratio) / math.Log(g))
	if steps < 1 {
		steps = 1 // sigmaMax/sigmaMin rounds to 1: still two levels
	}
	if steps >= maxLevels {
		return 0, 0, fmt.Errorf("noisescale: %v to %v in %d dimensions needs %.3g levels, more than %d", sigmaMax, sigmaMin, d, steps+1, maxLevels)
	}
	return int(steps) + 1, math.Pow(ratio, 1/steps), nil
}
