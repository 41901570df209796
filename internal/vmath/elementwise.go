package vmath

import "fmt"

// Add sets dst += src and Mul sets dst = a .* b, elementwise: the
// backward pass's products with f'(z), a residual layer's skip and the
// biases' gradient, a column sum, are each a pass of these over a batch's
// activations. In the compiler's scalar loop they were 3% of a D = 784
// float32 training step on one thread, and on two threads Mul ran alone
// between the products, too small to split. One rounded operation per
// element, so the vector kernels give the bits of the scalar loop.
func Add[T float32 | float64](dst, src []T) {
	n := len(dst)
	if len(src) < n {
		panic(fmt.Sprintf("vmath: Add: %d values to add to %d", len(src), n))
	}
	done := 0
	if haveAVX2 {
		switch d := any(dst).(type) {
		case []float32:
			if done = n &^ 31; done > 0 {
				addAVX2S(&d[0], &any(src).([]float32)[0], done)
			}
		case []float64:
			if done = n &^ 15; done > 0 {
				addAVX2(&d[0], &any(src).([]float64)[0], done)
			}
		}
	}
	for k := done; k < n; k++ {
		dst[k] += src[k]
	}
}

// Mul sets dst = a .* b (see Add).
func Mul[T float32 | float64](dst, a, b []T) {
	n := len(dst)
	if len(a) < n || len(b) < n {
		panic(fmt.Sprintf("vmath: Mul: %d and %d values for %d", len(a), len(b), n))
	}
	done := 0
	if haveAVX2 {
		switch d := any(dst).(type) {
		case []float32:
			if done = n &^ 31; done > 0 {
				mulAVX2S(&d[0], &any(a).([]float32)[0], &any(b).([]float32)[0], done)
			}
		case []float64:
			if done = n &^ 15; done > 0 {
				mulAVX2(&d[0], &any(a).([]float64)[0], &any(b).([]float64)[0], done)
			}
		}
	}
	for k := done; k < n; k++ {
		dst[k] = a[k] * b[k]
	}
}
