package vmath

// SwishDerivatives sets f, d1 and d2 to swish's value x s, first
// derivative s + x s (1 - s) and second derivative s (1 - s)
// (2 + x (1 - 2 s)) at each z, given s = sigmoid(z) in float64; each is
// computed in float64, every product rounded before it is added (no FMA),
// then rounded to T. sig may be d2 when T is float64. The float32
// AVX-512 kernel takes 8 values at a time, in one pass where widening
// them, a loop of scalar float64 and three passes narrowing them back
// took a tenth of a float32 U-Net training step.
func SwishDerivatives[T float32 | float64](f, d1, d2, z []T, sig []float64) {
	n, done := len(z), 0
	if z32, ok := any(z).([]float32); ok && haveAVX512 && n >= 8 {
		f32, a32, b32 := any(f).([]float32), any(d1).([]float32), any(d2).([]float32)
		_, _, _, _ = f32[n-1], a32[n-1], b32[n-1], sig[n-1] // the assembly trusts the lengths
		done = n &^ 7
		swishDerivativesAVX512S(&f32[0], &a32[0], &b32[0], &z32[0], &sig[0], done)
	}
	sig, f, d1, d2 = sig[:n], f[:n], d1[:n], d2[:n]
	for k := done; k < n; k++ {
		x, s := float64(z[k]), sig[k]
		xs := float64(x * s)
		f[k] = T(xs)
		d1[k] = T(s + float64(xs*(1-s)))
		d2[k] = T(float64(s*(1-s)) * (2 + float64(x*(1-float64(2*s)))))
	}
}

// SwishDerivatives32 is swish's value and first two derivatives for
// float32 values, with the bits of the float64 kernel's narrowed: each
// chunk's sigmoids in float64 (Sigmoid), then SwishDerivatives.
func SwishDerivatives32(z, f, d1, d2 []float32) {
	var sig [256]float64
	for lo := 0; lo < len(z); lo += len(sig) {
		hi := min(lo+len(sig), len(z))
		s := sig[:hi-lo]
		Widen(s, z[lo:hi])
		sigmoidInPlace(s)
		SwishDerivatives(f[lo:hi], d1[lo:hi], d2[lo:hi], z[lo:hi], s)
	}
}

// sigmoidInPlace is Sigmoid(s, s), with its bits and split over kernels,
// calling the kernels directly: through the kernel table's function values
// the caller's buffer escaped to the heap, an allocation in every call
// (0.4 µs), which a layer's activation run a row at a time made a few
// hundred times a step.
func sigmoidInPlace(s []float64) {
	done := 0
	if n := len(s) &^ 15; haveAVX512 && n > 0 {
		sigmoidAVX512(&s[0], &s[0], n)
		done = n
	}
	if n := (len(s) - done) &^ 3; haveAVX2 && n > 0 {
		sigmoidAVX2(&s[done], &s[done], n)
		done += n
	}
	for k := done; k < len(s); k++ {
		s[k] = sigmoid(s[k])
	}
}
