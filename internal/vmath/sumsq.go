package vmath

// SumSquares is the sum of the squares of x, in float64 whatever T is:
// each square is taken in float64 and rounded before it is added (no FMA),
// element k going to running sum k mod 16 (the tail past the last 16 to
// sum 0, in order), and the sixteen sums added pairwise, 8 apart, then 4,
// 2 and 1. The vector kernels keep those sixteen sums in their lanes, so
// every kernel and the portable Go give the same bits; sixteen sums in
// flight, not one waiting on the last, are what make it fast.
func SumSquares[T float32 | float64](x []T) float64 {
	var lanes [16]float64
	n, done := len(x), 0
	if k := n &^ 15; k > 0 {
		switch x := any(x).(type) {
		case []float32:
			switch {
			case haveAVX512:
				sumSquaresAVX512S(&x[0], k, &lanes)
				done = k
			case haveAVX2:
				sumSquaresAVX2S(&x[0], k, &lanes)
				done = k
			}
		case []float64:
			switch {
			case haveAVX512:
				sumSquaresAVX512(&x[0], k, &lanes)
				done = k
			case haveAVX2:
				sumSquaresAVX2(&x[0], k, &lanes)
				done = k
			}
		}
	}
	sumSquaresGo(x[done:], &lanes)
	for w := 8; w >= 1; w /= 2 {
		for j := range w {
			lanes[j] += lanes[j+w]
		}
	}
	return lanes[0]
}

// sumSquaresGo adds x's squares to the lanes as SumSquares says, x
// starting at a multiple of 16.
func sumSquaresGo[T float32 | float64](x []T, lanes *[16]float64) {
	k := 0
	for ; k+16 <= len(x); k += 16 {
		row := x[k : k+16 : k+16]
		for j, v := range row {
			w := float64(v)
			lanes[j] += float64(w * w) // rounded: not fused into an FMA
		}
	}
	for ; k < len(x); k++ {
		w := float64(x[k])
		lanes[0] += float64(w * w)
	}
}
