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

// tileKernelGo sets the mr x width tile of c (leading dimension ldc) to
// src (leading dimension lds) plus ap'bp: c[r][j] = src[r][j] + the sum over
// p of ap[p*mr+r] * bp[p*width+j], the sum a chain of fused multiply-adds
// from 0 in ascending p, each rounded once to T. src is c itself to add to
// it, or a row of zeros or biases (lds 0) to set it without reading it.
// The assembly kernels compute exactly this.
func tileKernelGo[T Float](depth int, ap, bp, c []T, ldc int, src []T, lds int) {
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
		crow, srow := c[r*ldc:r*ldc+width], src[r*lds:r*lds+width]
		for j := range crow {
			crow[j] = srow[j] + acc[r*width+j]
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

// tileKernel sets a tile of c to src plus ap'bp (tileKernelGo) with the
// widest kernel that runs here. A tile set from a row of zeros or biases
// spares a product with beta 0, or one that starts from a bias, the pass
// that clears or fills C first: 6% of a U-Net training step went on
// clears of 128 bytes a call.
func tileKernel[T Float](depth int, ap, bp, c []T, ldc int, src []T, lds int) {
	width := nr[T]()
	// The assembly trusts these lengths; check them once, here.
	_, _, _, _ = ap[depth*mr-1], bp[depth*width-1], c[(mr-1)*ldc+width-1], src[(mr-1)*lds+width-1]
	switch a := any(ap).(type) {
	case []float64:
		b, c, s := any(bp).([]float64), any(c).([]float64), any(src).([]float64)
		switch {
		case haveAVX512:
			kernel8x16AVX512(depth, &a[0], &b[0], &c[0], ldc, &s[0], lds)
		case haveAVX2:
			for r := 0; r < mr; r += 4 {
				for j := 0; j < width; j += 8 {
					kernel4x8AVX2(depth, &a[r], &b[j], &c[r*ldc+j], ldc, &s[r*lds+j], lds)
				}
			}
		default:
			tileKernelGo(depth, a, b, c, ldc, s, lds)
		}
	case []float32:
		b, c, s := any(bp).([]float32), any(c).([]float32), any(src).([]float32)
		switch {
		case haveAVX512:
			kernel8x32AVX512(depth, &a[0], &b[0], &c[0], ldc, &s[0], lds)
		case haveAVX2:
			for r := 0; r < mr; r += 4 {
				for j := 0; j < width; j += 16 {
					kernel4x16AVX2(depth, &a[r], &b[j], &c[r*ldc+j], ldc, &s[r*lds+j], lds)
				}
			}
		default:
			tileKernelGo(depth, a, b, c, ldc, s, lds)
		}
	}
}

// zeros is a row of a tile, in either precision, for tiles set from 0.
var (
	zeros64 [16]float64
	zeros32 [32]float32
)

// zeroRow is a row of nr[T]() zeros.
func zeroRow[T Float]() []T {
	if z, ok := any(zeros32[:]).([]T); ok {
		return z
	}
	return any(zeros64[:]).([]T)
}
