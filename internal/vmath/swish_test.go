package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// SwishDerivatives' kernel gives its Go loop's bits, and both give swish's
// derivatives, on values from far below 0 to far above.
func TestSwishDerivativesMatchTheirLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	compared := 0
	for _, n := range []int{0, 1, 7, 8, 9, 64, 257} {
		z := make([]float32, n)
		for k := range z {
			z[k] = float32(rng.NormFloat64() * math.Exp(2*rng.NormFloat64()))
		}
		sig := make([]float64, n)
		Widen(sig, z)
		Sigmoid(sig, sig)
		run := func() [3][]float32 {
			out := [3][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
			SwishDerivatives(out[0], out[1], out[2], z, sig)
			return out
		}
		var want [3][]float32
		using(t, 2, func() { want = run() })
		for set := range kernelSets[:2] {
			var got [3][]float32
			if !using(t, set, func() { got = run() }) {
				continue
			}
			if set == 0 && n >= 8 {
				compared++
			}
			for i := range got {
				for k := range got[i] {
					if math.Float32bits(got[i][k]) != math.Float32bits(want[i][k]) {
						t.Fatalf("%s, n %d: output %d at z = %v is %v, the Go gives %v", kernelSets[set].name, n, i, z[k], got[i][k], want[i][k])
					}
				}
			}
		}
		for k, v := range z {
			x := float64(v)
			s := 1 / (1 + math.Exp(-x))
			for i, w := range []float64{x * s, s + x*s*(1-s), s * (1 - s) * (2 + x*(1-2*s))} {
				if g := float64(want[i][k]); math.Abs(g-w) > 1e-6*(1+math.Abs(w)) {
					t.Errorf("n %d, z = %v: output %d is %v, want %v", n, x, i, g, w)
				}
			}
		}
	}
	if compared == 0 {
		t.Logf("no AVX-512 here (%s): the Go loop checked against the formulas only", Kernel())
	}
}

// SwishDerivatives32 has the bits of its steps taken one by one (widen,
// Sigmoid, SwishDerivatives) on every kernel set, and allocates nothing:
// a layer's activation may run it once a row.
func TestSwishDerivatives32IsItsStepsWithoutAllocating(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 3, 4, 15, 16, 17, 255, 256, 257, 600} {
		z := make([]float32, n)
		for k := range z {
			z[k] = float32(rng.NormFloat64() * math.Exp(2*rng.NormFloat64()))
		}
		out := [3][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
		for set := range kernelSets {
			using(t, set, func() {
				sig := make([]float64, n)
				Widen(sig, z)
				Sigmoid(sig, sig)
				want := [3][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
				SwishDerivatives(want[0], want[1], want[2], z, sig)
				SwishDerivatives32(z, out[0], out[1], out[2])
				for i := range out {
					for k := range out[i] {
						if math.Float32bits(out[i][k]) != math.Float32bits(want[i][k]) {
							t.Fatalf("%s, n %d: output %d at z = %v is %v, its steps give %v", kernelSets[set].name, n, i, z[k], out[i][k], want[i][k])
						}
					}
				}
				if a := testing.AllocsPerRun(5, func() { SwishDerivatives32(z, out[0], out[1], out[2]) }); a != 0 {
					t.Errorf("%s, n %d: %v allocations a call, want 0", kernelSets[set].name, n, a)
				}
			})
		}
	}
}
