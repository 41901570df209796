//go:build !amd64 || purego

package vmath

func softplusSigmoidAVX2(z, sp, sig *float64, n int) { panic("vmath: no AVX2 kernels in this build") }
func softplusAVX2(z, sp *float64, n int)             { panic("vmath: no AVX2 kernels in this build") }
func sigmoidAVX2(z, sig *float64, n int)             { panic("vmath: no AVX2 kernels in this build") }
func softplusSigmoidAVX512(z, sp, sig *float64, n int) {
	panic("vmath: no AVX-512 kernels in this build")
}
func softplusAVX512(z, sp *float64, n int) { panic("vmath: no AVX-512 kernels in this build") }
func sigmoidAVX512(z, sig *float64, n int) { panic("vmath: no AVX-512 kernels in this build") }

func tanhAVX2(z, dst *float64, n int)   { panic("vmath: no AVX2 kernels in this build") }
func tanhAVX512(z, dst *float64, n int) { panic("vmath: no AVX-512 kernels in this build") }

func eluAVX2(z, dst *float64, n int)   { panic("vmath: no AVX2 kernels in this build") }
func eluAVX512(z, dst *float64, n int) { panic("vmath: no AVX-512 kernels in this build") }

func expNegAbsAVX2(z, dst *float64, n int)   { panic("vmath: no AVX2 kernels in this build") }
func expNegAbsAVX512(z, dst *float64, n int) { panic("vmath: no AVX-512 kernels in this build") }

func swishAVX2(z, dst *float64, n int)   { panic("vmath: no AVX2 kernels in this build") }
func swishAVX512(z, dst *float64, n int) { panic("vmath: no AVX-512 kernels in this build") }

func adamAVX512(theta, grad, m, v *float64, n int, c *[9]float64, check *[8]float64) {
	panic("vmath: no AVX-512 kernels in this build")
}
func adamAVX2(theta, grad, m, v *float64, n int, c *[9]float64, check *[8]float64) {
	panic("vmath: no AVX2 kernels in this build")
}
func adamAVX512S(theta, grad, m, v *float32, n int, c *[9]float32, check *[16]float32) {
	panic("vmath: no AVX-512 kernels in this build")
}
func adamAVX2S(theta, grad, m, v *float32, n int, c *[9]float32, check *[16]float32) {
	panic("vmath: no AVX2 kernels in this build")
}

func sumSquaresAVX512(x *float64, n int, lanes *[16]float64) {
	panic("vmath: no AVX-512 kernels in this build")
}
func sumSquaresAVX2(x *float64, n int, lanes *[16]float64) {
	panic("vmath: no AVX2 kernels in this build")
}
func sumSquaresAVX512S(x *float32, n int, lanes *[16]float64) {
	panic("vmath: no AVX-512 kernels in this build")
}
func sumSquaresAVX2S(x *float32, n int, lanes *[16]float64) {
	panic("vmath: no AVX2 kernels in this build")
}

func widenAVX512(dst *float64, src *float32, n int) { panic("vmath: no AVX-512 kernels in this build") }
func widenAVX2(dst *float64, src *float32, n int)   { panic("vmath: no AVX2 kernels in this build") }
func narrowAVX512(dst *float32, src *float64, n int) {
	panic("vmath: no AVX-512 kernels in this build")
}
func narrowAVX2(dst *float32, src *float64, n int) { panic("vmath: no AVX2 kernels in this build") }

func channelSumsAVX512S(x *float32, rows, c int, sum, sq *float64) {
	panic("vmath: no AVX-512 kernels in this build")
}
func normSumsAVX512S(gy, xhat, scale *float32, rows, c int, ps, pb *float32, m1, m2 *float64) {
	panic("vmath: no AVX-512 kernels in this build")
}
func normGradientAVX512S(out, gy, xhat, scale, a, b, r *float32, rows, c int, add bool) {
	panic("vmath: no AVX-512 kernels in this build")
}
func normalizeAffineAVX512S(xhat, y, x, mean, rs, scale, shift *float32, rows, c int) {
	panic("vmath: no AVX-512 kernels in this build")
}
func swishDerivativesAVX512S(f, d1, d2, z *float32, sig *float64, n int) {
	panic("vmath: no AVX-512 kernels in this build")
}

func averageAVX512S(theta, ema *float32, n int, keep, decay float32) {
	panic("vmath: no AVX-512 kernels in this build")
}
func averageAVX2S(theta, ema *float32, n int, keep, decay float32) {
	panic("vmath: no AVX2 kernels in this build")
}
func averageAVX512(theta, ema *float64, n int, keep, decay float64) {
	panic("vmath: no AVX-512 kernels in this build")
}
func averageAVX2(theta, ema *float64, n int, keep, decay float64) {
	panic("vmath: no AVX2 kernels in this build")
}

func addAVX2S(dst, src *float32, n int)  { panic("vmath: no AVX2 kernels in this build") }
func addAVX2(dst, src *float64, n int)   { panic("vmath: no AVX2 kernels in this build") }
func mulAVX2S(dst, a, b *float32, n int) { panic("vmath: no AVX2 kernels in this build") }
func mulAVX2(dst, a, b *float64, n int)  { panic("vmath: no AVX2 kernels in this build") }
