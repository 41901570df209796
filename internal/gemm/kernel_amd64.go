//go:build amd64 && !purego

package gemm

//go:noescape
func kernel8x16AVX512(depth int, a, b, c *float64, ldc int)

//go:noescape
func kernel4x8AVX2(depth int, a, b, c *float64, ldc int)

//go:noescape
func kernel8x32AVX512(depth int, a, b, c *float32, ldc int)

//go:noescape
func kernel4x16AVX2(depth int, a, b, c *float32, ldc int)
