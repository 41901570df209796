package gemm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// product32 is a product's operands rounded to float32.
type product32 struct {
	product
	a, b, c []float32
}

func toFloat32(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

func newProduct32(rng *rand.Rand, tA, tB bool, m, n, k int, alpha, beta float64, pad int) product32 {
	p := newProduct(rng, tA, tB, m, n, k, alpha, beta, pad)
	return product32{p, toFloat32(p.a), toFloat32(p.b), toFloat32(p.c)}
}

func (p product32) run() []float32 {
	c := append([]float32(nil), p.c...)
	Sgemm(p.tA, p.tB, p.m, p.n, p.k, float32(p.alpha), p.a, p.lda, p.b, p.ldb, float32(p.beta), c, p.ldc)
	return c
}

func sameFloat32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// Sgemm element by element against the definition summed exactly in
// float64 from the same float32 operands, within float32's rounding of a
// chain of k fused multiply-adds.
func TestSgemmMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	tests := []struct {
		name        string
		m, n, k     int
		alpha, beta float64
	}{
		{"one tile", 8, 32, 5, 1, 1},
		{"square 128", 128, 128, 128, 1, 0},
		{"deeper than a block", 16, 64, 300, 1, 1},
		{"edges everywhere", 13, 37, 7, 1, 1},
		{"one row", 1, 40, 9, 1, 0},
		{"one column", 37, 1, 9, 1, 1},
		{"alpha and beta", 12, 40, 30, -0.5, 2.5},
		{"k 0 scales C only", 5, 6, 0, 1, 0.5},
	}
	for _, tc := range tests {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/tA=%v,tB=%v", tc.name, tA, tB), func(t *testing.T) {
					p := newProduct32(rng, tA, tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, 3)
					got := p.run()
					at := func(s []float32, ld int, trans bool, i, j int) float64 {
						if trans {
							return float64(s[j*ld+i])
						}
						return float64(s[i*ld+j])
					}
					for i := range p.m {
						for j := range p.n {
							sum, mag := 0.0, 0.0
							for q := range p.k {
								v := at(p.a, p.lda, tA, i, q) * at(p.b, p.ldb, tB, q, j)
								sum += v
								mag += math.Abs(v)
							}
							want, c := tc.alpha*sum, float64(p.c[i*p.ldc+j])
							mag *= math.Abs(tc.alpha)
							if tc.beta != 0 {
								want += tc.beta * c
								mag += math.Abs(tc.beta * c)
							}
							// 2^-24 per operation: alpha's rounding into A, k
							// fused steps, the block sums and beta's scaling.
							if diff := math.Abs(float64(got[i*p.ldc+j]) - want); diff > 0x1p-24*float64(p.k+4)*mag+1e-30 {
								t.Fatalf("C[%d,%d] = %v, want %v (difference %.3g)", i, j, got[i*p.ldc+j], want, diff)
							}
						}
					}
				})
			}
		}
	}
}

// The float32 kernels, assembly and Go, give the same bits.
func TestSgemmKernelsGiveTheSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	compared := 0
	for trial := range 60 {
		m, n, k := 1+rng.IntN(70), 1+rng.IntN(90), 1+rng.IntN(300)
		if trial < 3 {
			m, n, k = 128, 128, 128*(trial+1)
		}
		p := newProduct32(rng, rng.IntN(2) == 0, rng.IntN(2) == 0, m, n, k, 1, float64(rng.IntN(2)), rng.IntN(3))
		var want []float32
		using(2, func() { want = p.run() })
		for set := range kernelSets[:2] {
			var got []float32
			if !using(set, func() { got = p.run() }) {
				continue
			}
			compared++
			for i := range got {
				if !sameFloat32(got[i], want[i]) {
					t.Fatalf("%s, %d x %d x %d: element %d is %v, the Go gives %v", kernelSets[set].name, m, n, k, i, got[i], want[i])
				}
			}
		}
	}
	if compared == 0 {
		t.Skipf("no assembly kernels here (%s); nothing to compare", Kernel())
	}
}

// Sgemm split over goroutines gives the bits of the product on one.
func TestSgemmThreadsGiveTheSameBits(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(13, 13))
	for _, sh := range [][3]int{{256, 256, 300}, {8, 1000, 300}, {1000, 8, 300}, {130, 129, 257}, {37, 600, 150}} {
		p := newProduct32(rng, rng.IntN(2) == 0, rng.IntN(2) == 0, sh[0], sh[1], sh[2], 1, float64(rng.IntN(2)), rng.IntN(3))
		SetThreads(1)
		want := p.run()
		for _, threads := range []int{2, 3, 8} {
			SetThreads(threads)
			got := p.run()
			for i := range got {
				if !sameFloat32(got[i], want[i]) {
					t.Fatalf("%d threads, %v: element %d is %v, one thread gives %v", threads, sh, i, got[i], want[i])
				}
			}
		}
	}
}

// FMA32 rounds a*b + c once, as exact arithmetic then rounding to float32
// (math/big) does, on sums a naive float64 evaluation rounds twice: an
// exact sum just off a float32 midpoint that float64 rounds onto it.
func TestFMA32RoundsOnce(t *testing.T) {
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(1000).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetPrec(1000).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetPrec(1000).SetFloat64(float64(c)))
		f, _ := x.Float32()
		return f
	}
	near1 := float32(1 + 0x1p-12) // near1^2 = 1 + 2^-11 + 2^-24: a float32 midpoint
	tests := []struct {
		name    string
		a, b, c float32
	}{
		{"just above a midpoint", near1, near1, 0x1p-80},
		{"just below a midpoint", near1, near1, -0x1p-80},
		{"on a midpoint", near1, near1, 0},
		{"negative, just above in size", -near1, near1, -0x1p-80},
		{"cancellation to zero", 3, 2, -6},
		{"to a subnormal", 0x1p-75, 0x1p-75, 0x1p-149},
		{"overflow", 3e38, 10, 0},
		{"infinity", float32(math.Inf(1)), 1, 1},
		{"tiny c", 1.5, 1.25, 1e-40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := FMA32(tc.a, tc.b, tc.c), exact(tc.a, tc.b, tc.c); !sameFloat32(got, want) {
				t.Errorf("FMA32(%g, %g, %g) = %g (%#x), want %g (%#x)", tc.a, tc.b, tc.c, got, math.Float32bits(got), want, math.Float32bits(want))
			}
		})
	}
	if naive := float32(float64(near1)*float64(near1) + 0x1p-80); naive == exact(near1, near1, 0x1p-80) {
		t.Error("the midpoint case does not catch double rounding: the test lost its point")
	}
	rng := rand.New(rand.NewPCG(14, 14))
	for range 200000 {
		a := float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20)))
		b := float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20)))
		c := float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(80)-40)))
		if got, want := FMA32(a, b, c), exact(a, b, c); !sameFloat32(got, want) {
			t.Fatalf("FMA32(%g, %g, %g) = %g, want %g", a, b, c, got, want)
		}
	}
}
