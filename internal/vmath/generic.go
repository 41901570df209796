package vmath

import "math"

// The explicit float64(...) conversions below look redundant but are not:
// the Go spec lets the compiler fuse a product and a sum, x*y + z, into one
// FMA (it does under GOAMD64=v3), skipping the product's rounding, and an
// explicit conversion rounds to float64 and so prevents that. Every
// operation must round as it does in the assembly kernels, or the results
// would stop being bit-identical to theirs; where a fused multiply-add is
// meant, math.FMA says so.

// The constants of the reduction exp(x) = 2^k exp(r), x = k ln2 + r: ln 2 is
// split so that k*ln2Hi is exact for the k that occur (|k| <= 1076).
const (
	log2e  = 1.44269504088896338700e+00
	ln2Hi  = 6.93147180369123816490e-01
	ln2Lo  = 1.90821492927058770002e-10
	sqrt2  = 1.41421356237309514547e+00
	minArg = -746 // exp(-746) rounds to 0
	// expm1(-40) rounds to -1: e^-40 is below half the spacing of doubles
	// next to -1.
	minArgM1 = -40
	expBias  = 1<<52 + 1023
)

// expCoeffs are 1/13!, ..., 1/0!: the Taylor series of exp, whose truncation
// error on |r| <= ln2/2 is below 5e-18 relative.
var expCoeffs = [14]float64{
	1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800,
	1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24,
	1.0 / 6, 1.0 / 2, 1, 1,
}

// logCoeffs are 2/21, 2/19, ..., 2/3: log(m) = 2 atanh(s) = 2s + s R(s^2)
// with R(z) = z (2/3 + 2z/5 + ...), truncated below 1e-18 relative for
// m in [1/sqrt2, sqrt2].
var logCoeffs = [10]float64{
	2.0 / 21, 2.0 / 19, 2.0 / 17, 2.0 / 15, 2.0 / 13, 2.0 / 11, 2.0 / 9,
	2.0 / 7, 2.0 / 5, 2.0 / 3,
}

// expNegAbs returns exp(-|v|), and NaN for NaN.
func expNegAbs(v float64) float64 {
	x := -math.Abs(v)
	if x < minArg { // false for NaN, which passes through
		x = minArg
	}
	kf := math.RoundToEven(float64(x * log2e))
	r := math.FMA(kf, -ln2Hi, x)
	r = math.FMA(kf, -ln2Lo, r)
	p := expCoeffs[0]
	for _, c := range expCoeffs[1:] {
		p = math.FMA(p, r, c)
	}
	// 2^k as two exact powers of two, so that subnormal results round once.
	k1 := math.Floor(float64(kf * 0.5))
	k2 := float64(kf - k1)
	s1 := math.Float64frombits(math.Float64bits(float64(k1+expBias)) << 52)
	s2 := math.Float64frombits(math.Float64bits(float64(k2+expBias)) << 52)
	return float64(float64(p*s1) * s2)
}

// log1pUnit returns log(1+e) for e in [0, 1] and its reciprocal 1/(1+e),
// which the sigmoid shares.
func log1pUnit(e float64) (l, inv float64) {
	u := float64(1 + e)
	c := float64(e - float64(u-1)) // what rounding 1+e lost, exactly
	inv = 1 / u
	m, kk := u, 0.0
	if u > sqrt2 {
		m, kk = float64(u*0.5), 1
	}
	f := float64(m - 1)
	s := f / float64(m+1)
	z := float64(s * s)
	p := logCoeffs[0]
	for _, c := range logCoeffs[1:] {
		p = math.FMA(p, z, c)
	}
	r := float64(p * z)
	logm := math.FMA(-s, float64(f-r), f) // f - s(f - R)
	corr := math.FMA(kk, ln2Lo, float64(c*inv))
	return math.FMA(kk, ln2Hi, float64(logm+corr)), inv
}

// softplusSigmoid returns log(1+exp(v)) and 1/(1+exp(-v)) from one exp.
func softplusSigmoid(v float64) (sp, sig float64) {
	e := expNegAbs(v)
	l, inv := log1pUnit(e)
	sig = inv
	if math.Signbit(v) {
		sig = float64(e * inv)
	}
	pos := v
	if !(v > 0) && v == v { // max(v, 0) with NaN kept, as VMAXPD does it
		pos = 0
	}
	return float64(pos + l), sig
}

// sigmoid returns 1/(1+exp(-v)), as softplusSigmoid does.
func sigmoid(v float64) float64 {
	e := expNegAbs(v)
	inv := 1 / float64(1+e)
	if math.Signbit(v) {
		return float64(e * inv)
	}
	return inv
}

// expm1Neg returns exp(x) - 1 for x <= 0, and NaN for NaN. It evaluates
// e^r - 1 = r + r^2 (1/2! + r/3! + ... + r^11/13!) on the reduced argument,
// without cancellation, and scales: 2^k (e^r - 1) + (2^k - 1).
func expm1Neg(x float64) float64 {
	if x < minArgM1 {
		x = minArgM1
	}
	kf := math.RoundToEven(float64(x * log2e))
	r := math.FMA(kf, -ln2Hi, x)
	r = math.FMA(kf, -ln2Lo, r)
	q := expCoeffs[0]
	for _, c := range expCoeffs[1:12] {
		q = math.FMA(q, r, c)
	}
	em1r := math.FMA(float64(r*r), q, r)
	s := math.Float64frombits(math.Float64bits(float64(kf+expBias)) << 52)
	return math.FMA(s, em1r, float64(s-1))
}

// swish returns v sigmoid(v).
func swish(v float64) float64 { return float64(v * sigmoid(v)) }

// tanh returns tanh(v) = sign(v) (-t)/(t+2) with t = expm1(-2|v|).
func tanh(v float64) float64 {
	t := expm1Neg(float64(-2 * math.Abs(v)))
	return math.Copysign(-t/float64(t+2), v)
}

// elu returns v for v > 0 and exp(v) - 1 otherwise.
func elu(v float64) float64 {
	if v > 0 {
		return v
	}
	return expm1Neg(v)
}
