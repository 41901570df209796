package vmath

// Widen sets dst[i] = float64(src[i]) and Narrow dst[i] = float32(src[i])
// (rounded to nearest, ties to even), for i < len(src). Conversion is
// exact or correctly rounded on every kernel, so the vector kernels give
// the portable loop's bits; they convert 16 values an instruction or two
// where the loop converts one, for the float32 paths that run their
// activations in float64.
func Widen(dst []float64, src []float32) {
	dst = dst[:len(src)]
	done := 0
	if k := len(src) &^ 15; k > 0 {
		switch {
		case haveAVX512:
			widenAVX512(&dst[0], &src[0], k)
			done = k
		case haveAVX2:
			widenAVX2(&dst[0], &src[0], k)
			done = k
		}
	}
	for i := done; i < len(src); i++ {
		dst[i] = float64(src[i])
	}
}

// Narrow: see Widen.
func Narrow(dst []float32, src []float64) {
	dst = dst[:len(src)]
	done := 0
	if k := len(src) &^ 15; k > 0 {
		switch {
		case haveAVX512:
			narrowAVX512(&dst[0], &src[0], k)
			done = k
		case haveAVX2:
			narrowAVX2(&dst[0], &src[0], k)
			done = k
		}
	}
	for i := done; i < len(src); i++ {
		dst[i] = float32(src[i])
	}
}
