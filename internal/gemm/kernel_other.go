//go:build !amd64 || purego

package gemm

func kernel8x16AVX512(depth int, a, b, c *float64, ldc int, src *float64, lds int) {
	panic("gemm: no AVX-512 kernel in this build")
}

func kernel4x8AVX2(depth int, a, b, c *float64, ldc int, src *float64, lds int) {
	panic("gemm: no AVX2 kernel in this build")
}

func kernel8x32AVX512(depth int, a, b, c *float32, ldc int, src *float32, lds int) {
	panic("gemm: no AVX-512 kernel in this build")
}

func kernel4x16AVX2(depth int, a, b, c *float32, ldc int, src *float32, lds int) {
	panic("gemm: no AVX2 kernel in this build")
}

func transposeF32AVX2(dst *float32, stride int, rows *[8]*float32, blocks int) {
	panic("gemm: no AVX2 packing in this build")
}

func transposeF64AVX2(dst *float64, stride int, rows *[8]*float64, blocks int) {
	panic("gemm: no AVX2 packing in this build")
}

func copyPiecesAVX2(dst *byte, stride int, src *byte, count int) {
	panic("gemm: no AVX2 packing in this build")
}
