package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every kernel widens and narrows as Go's conversions do, bit for bit:
// values of every scale, ties between two float32s, float32's subnormals,
// overflow to infinity, signed zeros, at lengths around the kernels'
// 16-value blocks.
func TestConversionsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	special := []float64{0, math.Copysign(0, -1), 1, -1, math.MaxFloat32 * 2, -math.MaxFloat32 * 2, 1e-42, -3e-45,
		1 + 0x1p-24, 1 + 3*0x1p-24, math.Inf(1), math.Inf(-1)} // 1 + 2^-24 and 1 + 3 2^-24: ties, to even
	for _, n := range []int{0, 1, 15, 16, 17, 33, 1000} {
		x64 := make([]float64, n)
		for i := range x64 {
			x64[i] = rng.NormFloat64() * math.Exp(10*rng.NormFloat64())
			if i < len(special) && n >= 16 {
				x64[i] = special[i]
			}
		}
		x32 := make([]float32, n)
		for i, v := range x64 {
			x32[i] = float32(v)
		}
		for set := range kernelSets {
			got32 := make([]float32, n)
			got64 := make([]float64, n)
			if !using(t, set, func() { Narrow(got32, x64); Widen(got64, x32) }) {
				continue
			}
			for i := range n {
				if math.Float32bits(got32[i]) != math.Float32bits(float32(x64[i])) {
					t.Fatalf("%s, n %d: Narrow(%v) = %v, Go's float32 %v", kernelSets[set].name, n, x64[i], got32[i], float32(x64[i]))
				}
				if math.Float64bits(got64[i]) != math.Float64bits(float64(x32[i])) {
					t.Fatalf("%s, n %d: Widen(%v) = %v, Go's float64 %v", kernelSets[set].name, n, x32[i], got64[i], float64(x32[i]))
				}
			}
		}
	}
}
