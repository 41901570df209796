package vmath

import "fmt"

// Average sets ema = (1 - decay) theta + decay ema, elementwise (an
// exponential moving average of parameters): both products rounded to T
// and then added, never fused into an FMA, in the vector kernels and the
// portable Go alike, so every build gives the same bits.
func Average[T float32 | float64](theta, ema []T, decay T) {
	n := len(ema)
	if len(theta) < n {
		panic(fmt.Sprintf("vmath: Average: %d values for an average of %d", len(theta), n))
	}
	keep := 1 - decay
	done := 0
	switch th := any(theta).(type) {
	case []float32:
		e, a, d := any(ema).([]float32), float32(keep), float32(decay)
		switch {
		case haveAVX512 && n >= 16:
			done = n &^ 15
			averageAVX512S(&th[0], &e[0], done, a, d)
		case haveAVX2 && n >= 8:
			done = n &^ 7
			averageAVX2S(&th[0], &e[0], done, a, d)
		}
	case []float64:
		e, a, d := any(ema).([]float64), float64(keep), float64(decay)
		switch {
		case haveAVX512 && n >= 8:
			done = n &^ 7
			averageAVX512(&th[0], &e[0], done, a, d)
		case haveAVX2 && n >= 4:
			done = n &^ 3
			averageAVX2(&th[0], &e[0], done, a, d)
		}
	}
	for k := done; k < n; k++ {
		ema[k] = T(keep*theta[k]) + T(decay*ema[k]) // each product rounded: no FMA
	}
}
