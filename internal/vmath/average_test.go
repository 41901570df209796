package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Average's kernels give the bits of its definition, each product
// rounded to the type and then added, written out here as a float64
// computation rounded step by step, in both types and around the vector
// widths.
func TestAverageKernelsMatchTheDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 3, 4, 7, 8, 15, 16, 17, 33, 1000, 4099} {
		theta64, ema64 := make([]float64, n), make([]float64, n)
		theta32, ema32 := make([]float32, n), make([]float32, n)
		for i := range n {
			theta64[i], ema64[i] = rng.NormFloat64()*math.Exp(3*rng.NormFloat64()), rng.NormFloat64()
			theta32[i], ema32[i] = float32(theta64[i]), float32(ema64[i])
		}
		decay := 0.999
		want64, want32 := make([]float64, n), make([]float32, n)
		keep64, keep32 := 1-decay, float32(1)-float32(decay)
		for i := range n {
			want64[i] = float64(keep64*theta64[i]) + float64(decay*ema64[i]) // rounded: not fused
			// float32 products of float32 values are exact in float64,
			// so rounding them to float32 is rounding once, as float32
			// arithmetic does.
			p, q := float32(float64(keep32)*float64(theta32[i])), float32(float64(float32(decay))*float64(ema32[i]))
			want32[i] = float32(float64(p) + float64(q))
		}
		for set := range kernelSets {
			got64, got32 := append([]float64(nil), ema64...), append([]float32(nil), ema32...)
			if !using(t, set, func() { Average(theta64, got64, decay); Average(theta32, got32, float32(decay)) }) {
				continue
			}
			for i := range n {
				if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) || math.Float32bits(got32[i]) != math.Float32bits(want32[i]) {
					t.Fatalf("%s, n %d, element %d: %v and %v (float32), the definition gives %v and %v",
						kernelSets[set].name, n, i, got64[i], got32[i], want64[i], want32[i])
				}
			}
		}
	}
}

func BenchmarkAverage32(b *testing.B) {
	theta, ema := make([]float32, 1<<20), make([]float32, 1<<20)
	for i := range theta {
		theta[i] = float32(i%97) / 97
	}
	b.SetBytes(12 << 20)
	for b.Loop() {
		Average(theta, ema, 0.999)
	}
}
