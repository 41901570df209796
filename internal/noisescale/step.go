package noisescale

import "math"

// Technique4 is the variance ratio s_T^2 / sigma_i^2 behind technique 4:
// the variance, relative to the level's own sigma_i^2, after T =
// stepsPerLevel of the paper's Langevin steps (see the package comment)
// with step size eps at level sigma_i, when the data are a single point, so
// that the score is exactly -x/sigma_i^2, and the chain starts at the
// variance gamma^2 sigma_i^2 of the level above. With u = eps/sigma_L^2,
//
//	f = (1-u)^(2T) (gamma^2 - 2eps/(sigma_L^2 - sigma_L^2 (1-u)^2))
//	    + 2eps/(sigma_L^2 - sigma_L^2 (1-u)^2).
//
// Each step multiplies the variance by (1-u)^2 and adds 2 eps
// sigma_i^2/sigma_L^2, so f is the same at every level, and
// 2eps/(sigma_L^2 - sigma_L^2 (1-u)^2) = 2/(2-u) is the variance ratio the
// chain would settle at; it is computed in the second form, which has none
// of the first's cancellation for small u. f is defined for
// 0 <= eps < 2 sigma_L^2, the steps for which the chain converges.
// Technique4 is NaN if stepsPerLevel < 1 or sigmaL <= 0.
func Technique4(gamma, sigmaL, eps float64, stepsPerLevel int) float64 {
	if stepsPerLevel < 1 || !(sigmaL > 0) {
		return math.NaN()
	}
	u := eps / (sigmaL * sigmaL)
	return technique4(gamma, u, stepsPerLevel)
}

// technique4 is Technique4 of u = eps/sigma_L^2.
func technique4(gamma, u float64, steps int) float64 {
	var r float64 // (1-u)^(2T)
	if u <= 1 {
		r = math.Exp(2 * float64(steps) * math.Log1p(-u))
	} else {
		r = math.Pow(u-1, 2*float64(steps))
	}
	c := 2 / (2 - u)
	return r*(gamma*gamma-c) + c
}

// The interval StepSize searches, in u = eps/sigma_L^2: from uLow, below
// which 1-u is 1 in float64, to 1 (eps = sigma_L^2) on a grid of gridPoints
// evenly spaced in log u.
const (
	uLow       = 1e-15
	gridPoints = 600
)

// StepSize is technique 4's step size for T = stepsPerLevel Langevin steps
// per level, levels in ratio gamma and smallest level sigmaL: the eps in
// (0, sigmaL^2) at which Technique4 is closest to 1, in the paper's
// convention (ScorenetEps converts it), with f, the value of Technique4
// there.
//
// For gamma > 1, f is gamma^2 at eps = 0 and falls from there (its slope
// in u is -2T(gamma^2-1)), and it is 2 and rising at eps = sigmaL^2, so the
// answer is an interior minimum of f. Its two terms are a weighted mean of
// gamma^2 and 2/(2-u), both above 1, so f stays above 1: technique 4 brings
// the variance near the level's, not onto it. f depends on eps only through
// u = eps/sigma_L^2. The search evaluates |f - 1| at 600 values of u evenly
// spaced in log u from 1e-15 to 1, then narrows the two grid intervals
// around the best of them by golden section on log u until they are 1e-12
// wide (about 55 steps), keeping the best point seen. The grid keeps the
// golden section off a local minimum; log u lets it reach the tiny steps
// that many steps per level or a ratio very near 1 ask for.
//
// StepSize returns NaN, NaN if stepsPerLevel < 1, if gamma is not finite
// and above 1 (technique 4 starts each level from the wider one above), or
// if sigmaL is not positive and finite.
func StepSize(gamma, sigmaL float64, stepsPerLevel int) (eps float64, f float64) {
	if stepsPerLevel < 1 || !(gamma > 1) || math.IsInf(gamma, 0) || !(sigmaL > 0) || math.IsInf(sigmaL, 0) {
		return math.NaN(), math.NaN()
	}
	cost := func(t float64) float64 { return math.Abs(technique4(gamma, math.Exp(t), stepsPerLevel) - 1) }
	tLow := math.Log(uLow)
	at := func(k int) float64 { return tLow * (1 - float64(k)/float64(gridPoints-1)) } // at(gridPoints-1) = 0: u = 1
	best, bestCost := 0, math.Inf(1)
	for k := range gridPoints {
		if c := cost(at(k)); c < bestCost {
			best, bestCost = k, c
		}
	}
	a, b := at(max(best-1, 0)), at(min(best+1, gridPoints-1))
	bestT := at(best)
	// Golden section on [a, b]; the best point seen is kept, so the result is
	// never worse than the grid's.
	const invPhi = 0.6180339887498949 // (sqrt(5)-1)/2
	x1, x2 := b-invPhi*(b-a), a+invPhi*(b-a)
	c1, c2 := cost(x1), cost(x2)
	for b-a > 1e-12 {
		if c1 <= c2 {
			b, x2, c2 = x2, x1, c1
			x1 = b - invPhi*(b-a)
			c1 = cost(x1)
		} else {
			a, x1, c1 = x1, x2, c2
			x2 = a + invPhi*(b-a)
			c2 = cost(x2)
		}
		if c1 < bestCost {
			bestT, bestCost = x1, c1
		}
		if c2 < bestCost {
			bestT, bestCost = x2, c2
		}
	}
	u := math.Exp(bestT)
	if u >= 1 { // eps must stay below sigma_L^2
		u = math.Nextafter(1, 0)
	}
	return u * sigmaL * sigmaL, technique4(gamma, u, stepsPerLevel)
}

// ScorenetEps is paperEps, a step size in the paper's convention (drift a s,
// noise sqrt(2a)), in scorenet's (drift (a/2) s, noise sqrt(a)): the same
// chain needs twice the value.
func ScorenetEps(paperEps float64) float64 { return 2 * paperEps }
