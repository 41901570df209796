//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// haveAVX2 and haveAVX512 say which assembly kernels can run here. Tests
// turn them off to check the kernels against each other and the Go.
var (
	haveAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	haveAVX512 = haveAVX2 && cpu.X86.HasAVX512F
)

//go:noescape
func kernel8x16AVX512(depth int, a, b, c *float64, ldc int)

//go:noescape
func kernel4x8AVX2(depth int, a, b, c *float64, ldc int)
