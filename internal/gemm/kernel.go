package gemm

import (
	"math"

	"scorenet/internal/cpu"
)

// haveAVX2 and haveAVX512 say which assembly kernels can run here (none
// with -tags purego or off amd64). Tests turn them off to check the kernels
// against each other and the Go.
var (
	haveAVX2   = cpu.HasAVX2FMA
	haveAVX512 = haveAVX2 && cpu.HasAVX512F
)

// tileKernelGo adds the mr x nr tile ap'bp to c (leading dimension ldc):
// c[r][j] += sum over p of ap[p*mr+r] * bp[p*nr+j], the sum a chain of fused
// multiply-adds from 0 in ascending p. The assembly kernels compute exactly
// this.
func tileKernelGo(depth int, ap, bp, c []float64, ldc int) {
	var acc [mr * nr]float64
	for p := range depth {
		a := ap[p*mr : (p+1)*mr]
		b := bp[p*nr : (p+1)*nr]
		for r, av := range a {
			row := acc[r*nr : (r+1)*nr]
			for j, bv := range b {
				row[j] = math.FMA(av, bv, row[j])
			}
		}
	}
	for r := range mr {
		crow := c[r*ldc : r*ldc+nr]
		for j := range crow {
			crow[j] += acc[r*nr+j]
		}
	}
}

// Kernel is the code that computes the tiles on this machine.
func Kernel() cpu.Kernel { return cpu.Widest(haveAVX512, haveAVX2) }

// tileKernel adds the tile ap'bp to c with the widest kernel that runs here.
func tileKernel(depth int, ap, bp, c []float64, ldc int) {
	// The assembly trusts these lengths; check them once, here.
	_, _, _ = ap[depth*mr-1], bp[depth*nr-1], c[(mr-1)*ldc+nr-1]
	switch {
	case haveAVX512:
		kernel8x16AVX512(depth, &ap[0], &bp[0], &c[0], ldc)
	case haveAVX2:
		for r := 0; r < mr; r += 4 {
			for j := 0; j < nr; j += 8 {
				kernel4x8AVX2(depth, &ap[r], &bp[j], &c[r*ldc+j], ldc)
			}
		}
	default:
		tileKernelGo(depth, ap, bp, c, ldc)
	}
}
