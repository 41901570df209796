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

// tileKernelGo adds the mr x width tile ap'bp to c (leading dimension ldc):
// c[r][j] += sum over p of ap[p*mr+r] * bp[p*width+j], the sum a chain of
// fused multiply-adds from 0 in ascending p, each rounded once to T. With
// set, c is not read: it is set to 0 + the sum, the bits a cleared c would
// get (a sum of -0 stores +0). The assembly kernels compute exactly this.
func tileKernelGo[T Float](depth int, ap, bp, c []T, ldc int, set bool) {
	width := nr[T]()
	acc := make([]T, mr*width)
	switch acc := any(acc).(type) {
	case []float64:
		a, b := any(ap).([]float64), any(bp).([]float64)
		for p := range depth {
			for r, av := range a[p*mr : (p+1)*mr] {
				row := acc[r*width : (r+1)*width]
				for j, bv := range b[p*width : (p+1)*width] {
					row[j] = math.FMA(av, bv, row[j])
				}
			}
		}
	case []float32:
		a, b := any(ap).([]float32), any(bp).([]float32)
		for p := range depth {
			for r, av := range a[p*mr : (p+1)*mr] {
				row := acc[r*width : (r+1)*width]
				for j, bv := range b[p*width : (p+1)*width] {
					row[j] = FMA32(av, bv, row[j])
				}
			}
		}
	}
	for r := range mr {
		crow := c[r*ldc : r*ldc+width]
		if set {
			clear(crow)
		}
		for j := range crow {
			crow[j] += acc[r*width+j]
		}
	}
}

// FMA32 returns a*b + c rounded once to float32, as the VFMADD*PS
// instructions compute it. Go has no float32 fused multiply-add; in float64
// the product is exact (24 + 24 bits), and the sum, rounded to odd in
// float64's 53 bits, then rounds to float32's 24 bits as the exact sum
// would (round-to-odd needs 2 bits more than the target; it has 29).
func FMA32(a, b, c float32) float32 {
	p, q := float64(a)*float64(b), float64(c)
	s := p + q
	if s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s) // exact zero, or an infinity or NaN that is the answer
	}
	// The rounding error of s (Knuth's TwoSum: exact in float64).
	bb := s - p
	e := (p - (s - bb)) + (q - bb)
	if bits := math.Float64bits(s); e != 0 && bits&1 == 0 {
		// s was rounded: move it to the odd neighbour on e's side.
		if (e > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}

// Kernel is the code that computes the tiles on this machine.
func Kernel() cpu.Kernel { return cpu.Widest(haveAVX512, haveAVX2) }

// tileKernel adds the tile ap'bp to c with the widest kernel that runs
// here; with set, it sets c to it (0 + the sum) without reading c. Setting
// spares a product with beta 0 a pass that clears C, 128 bytes a call: 6%
// of a U-Net training step went on it.
func tileKernel[T Float](depth int, ap, bp, c []T, ldc int, set bool) {
	width := nr[T]()
	// The assembly trusts these lengths; check them once, here.
	_, _, _ = ap[depth*mr-1], bp[depth*width-1], c[(mr-1)*ldc+width-1]
	switch a := any(ap).(type) {
	case []float64:
		b, c := any(bp).([]float64), any(c).([]float64)
		switch {
		case haveAVX512:
			kernel8x16AVX512(depth, &a[0], &b[0], &c[0], ldc, set)
		case haveAVX2:
			for r := 0; r < mr; r += 4 {
				for j := 0; j < width; j += 8 {
					kernel4x8AVX2(depth, &a[r], &b[j], &c[r*ldc+j], ldc, set)
				}
			}
		default:
			tileKernelGo(depth, a, b, c, ldc, set)
		}
	case []float32:
		b, c := any(bp).([]float32), any(c).([]float32)
		switch {
		case haveAVX512:
			kernel8x32AVX512(depth, &a[0], &b[0], &c[0], ldc, set)
		case haveAVX2:
			for r := 0; r < mr; r += 4 {
				for j := 0; j < width; j += 16 {
					kernel4x16AVX2(depth, &a[r], &b[j], &c[r*ldc+j], ldc, set)
				}
			}
		default:
			tileKernelGo(depth, a, b, c, ldc, set)
		}
	}
}
