package gemm

import "unsafe"

// transposeAVX2 does the first columns of interleaveInto, as many as whole
// blocks of the AVX2 transpose cover (8 float32 or 4 float64), and returns
// how many it did; none without AVX2. The caller has checked the lengths.
func transposeAVX2[T Float](dst []T, stride int, src *[mr][]T, depth int) int {
	if !haveAVX2 {
		return 0
	}
	switch d := any(dst).(type) {
	case []float32:
		blocks := depth / 8
		if blocks == 0 {
			return 0
		}
		var rows [mr]*float32
		for r := range rows {
			rows[r] = &any(src[r]).([]float32)[0]
		}
		transposeF32AVX2(&d[0], stride, &rows, blocks)
		return 8 * blocks
	case []float64:
		blocks := depth / 4
		if blocks == 0 {
			return 0
		}
		var rows [mr]*float64
		for r := range rows {
			rows[r] = &any(src[r]).([]float64)[0]
		}
		transposeF64AVX2(&d[0], stride, &rows, blocks)
		return 4 * blocks
	}
	return 0
}

// copyPieces copies count panel rows of B (nr values, 128 bytes in either
// type), piece i from src[i nr:] to dst[i stride:], with AVX2 where the CPU
// has it.
func copyPieces[T Float](dst []T, stride int, src []T, count int) {
	width := nr[T]()
	if count <= 0 {
		return
	}
	_, _ = dst[(count-1)*stride+width-1], src[count*width-1] // the assembly trusts these
	if haveAVX2 {
		size := int(unsafe.Sizeof(src[0]))
		copyPiecesAVX2((*byte)(unsafe.Pointer(&dst[0])), stride*size, (*byte)(unsafe.Pointer(&src[0])), count)
		return
	}
	for i := range count {
		copyRow(dst[i*stride:i*stride+width], src[i*width:(i+1)*width])
	}
}
