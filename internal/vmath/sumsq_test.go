package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sumSquaresReference is SumSquares as its comment defines it, written
// out apart from the kernels' code.
func sumSquaresReference[T float32 | float64](x []T) float64 {
	var lanes [16]float64
	full := len(x) &^ 15
	for k, v := range x {
		w := float64(v)
		lane := k % 16
		if k >= full {
			lane = 0
		}
		lanes[lane] += float64(w * w)
	}
	for w := 8; w >= 1; w /= 2 {
		for j := range w {
			lanes[j] += lanes[j+w]
		}
	}
	return lanes[0]
}

func TestSumSquaresKernelsMatchTheDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 1000, 4099} {
		x64 := make([]float64, n)
		x32 := make([]float32, n)
		for i := range x64 {
			x64[i] = rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
			x32[i] = float32(x64[i])
		}
		want64, want32 := sumSquaresReference(x64), sumSquaresReference(x32)
		for set := range kernelSets {
			var got64, got32 float64
			if !using(t, set, func() { got64, got32 = SumSquares(x64), SumSquares(x32) }) {
				continue
			}
			if got64 != want64 || got32 != want32 {
				t.Errorf("%s, n %d: %v and %v (float32), the definition gives %v and %v", kernelSets[set].name, n, got64, got32, want64, want32)
			}
			// And close to the plain sum: the order changes only rounding.
			plain := 0.0
			for _, v := range x64 {
				plain += v * v
			}
			if math.Abs(got64-plain) > 1e-12*plain {
				t.Errorf("%s, n %d: %v, the plain sum is %v", kernelSets[set].name, n, got64, plain)
			}
		}
	}
}

func BenchmarkSumSquares32(b *testing.B) {
	x := make([]float32, 1<<20)
	for i := range x {
		x[i] = float32(i%97) / 97
	}
	b.SetBytes(4 << 20)
	for b.Loop() {
		SumSquares(x)
	}
}
