//go:build amd64 && !purego

package vmath

// The AVX2 kernels handle the first n&^3 elements, the AVX-512 ones the
// first n&^15; n counts elements.

//go:noescape
func softplusSigmoidAVX2(z, dst, dst2 *float64, n int)

//go:noescape
func softplusAVX2(z, dst *float64, n int)

//go:noescape
func sigmoidAVX2(z, dst *float64, n int)

//go:noescape
func softplusSigmoidAVX512(z, dst, dst2 *float64, n int)

//go:noescape
func softplusAVX512(z, dst *float64, n int)

//go:noescape
func sigmoidAVX512(z, dst *float64, n int)

//go:noescape
func tanhAVX2(z, dst *float64, n int)

//go:noescape
func tanhAVX512(z, dst *float64, n int)

//go:noescape
func eluAVX2(z, dst *float64, n int)

//go:noescape
func eluAVX512(z, dst *float64, n int)

//go:noescape
func expNegAbsAVX2(z, dst *float64, n int)

//go:noescape
func expNegAbsAVX512(z, dst *float64, n int)

//go:noescape
func swishAVX2(z, dst *float64, n int)

//go:noescape
func swishAVX512(z, dst *float64, n int)

// The Adam kernels update the first n&^7 (AVX-512) or n&^3 (AVX2) elements
// and add their t*0 + m*0 + v*0 to check's lanes.

//go:noescape
func adamAVX512(theta, grad, m, v *float64, n int, c *[9]float64, check *[8]float64)

//go:noescape
func adamAVX2(theta, grad, m, v *float64, n int, c *[9]float64, check *[8]float64)

// The float32 Adam kernels update the first n&^15 (AVX-512) or n&^7 (AVX2)
// elements.

//go:noescape
func adamAVX512S(theta, grad, m, v *float32, n int, c *[9]float32, check *[16]float32)

//go:noescape
func adamAVX2S(theta, grad, m, v *float32, n int, c *[9]float32, check *[16]float32)

// The sum-of-squares kernels add the squares of the first n (a multiple of
// 16) elements to the sixteen lanes, element k to lane k mod 16.

//go:noescape
func sumSquaresAVX512(x *float64, n int, lanes *[16]float64)

//go:noescape
func sumSquaresAVX2(x *float64, n int, lanes *[16]float64)

//go:noescape
func sumSquaresAVX512S(x *float32, n int, lanes *[16]float64)

//go:noescape
func sumSquaresAVX2S(x *float32, n int, lanes *[16]float64)

// The conversion kernels convert the first n (a multiple of 16) values.

//go:noescape
func widenAVX512(dst *float64, src *float32, n int)

//go:noescape
func widenAVX2(dst *float64, src *float32, n int)

//go:noescape
func narrowAVX512(dst *float32, src *float64, n int)

//go:noescape
func narrowAVX2(dst *float32, src *float64, n int)

// The GroupNorm kernels (norm.go) take rows of c float32 values, c a
// multiple of 16.

//go:noescape
func channelSumsAVX512S(x *float32, rows, c int, sum, sq *float64)

//go:noescape
func normSumsAVX512S(gy, xhat, scale *float32, rows, c int, ps, pb *float32, m1, m2 *float64)

//go:noescape
func normGradientAVX512S(out, gy, xhat, scale, a, b, r *float32, rows, c int, add bool)

//go:noescape
func normalizeAffineAVX512S(xhat, y, x, mean, rs, scale, shift *float32, rows, c int)

// swishDerivativesAVX512S computes SwishDerivatives for n float32 values, n
// a multiple of 8.
//
//go:noescape
func swishDerivativesAVX512S(f, d1, d2, z *float32, sig *float64, n int)

// The averaging kernels set ema = keep theta + decay ema for the first n
// values (a multiple of 16 in float32, 8 in float64), each product rounded.

//go:noescape
func averageAVX512S(theta, ema *float32, n int, keep, decay float32)

//go:noescape
func averageAVX2S(theta, ema *float32, n int, keep, decay float32)

//go:noescape
func averageAVX512(theta, ema *float64, n int, keep, decay float64)

//go:noescape
func averageAVX2(theta, ema *float64, n int, keep, decay float64)

// The elementwise kernels (elementwise.go) for the first n values, a
// multiple of 32 in float32 and 16 in float64.

//go:noescape
func addAVX2S(dst, src *float32, n int)

//go:noescape
func addAVX2(dst, src *float64, n int)

//go:noescape
func mulAVX2S(dst, a, b *float32, n int)

//go:noescape
func mulAVX2(dst, a, b *float64, n int)
