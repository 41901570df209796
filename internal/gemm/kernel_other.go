//go:build !amd64 || purego

package gemm

func kernel8x16AVX512(depth int, a, b, c *float64, ldc int) {
	panic("gemm: no AVX-512 kernel in this build")
}

func kernel4x8AVX2(depth int, a, b, c *float64, ldc int) {
	panic("gemm: no AVX2 kernel in this build")
}

func kernel8x32AVX512(depth int, a, b, c *float32, ldc int) {
	panic("gemm: no AVX-512 kernel in this build")
}

func kernel4x16AVX2(depth int, a, b, c *float32, ldc int) {
	panic("gemm: no AVX2 kernel in this build")
}
