package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Add and Mul give the bits of one rounded operation per element, in
// every kernel, around the vector widths and in both types, and leave
// what follows the first len(dst) values alone.
func TestAddAndMulRoundOncePerElement(t *testing.T) {
	cases := []struct {
		name string
		n    int
	}{
		{"empty", 0},
		{"shorter than a vector", 7},
		{"one float64 loop less one", 15},
		{"one float64 loop", 16},
		{"one float32 loop", 32},
		{"a float32 loop and a tail", 45},
		{"a batch row", 1024},
		{"odd", 4099},
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, c := range cases {
		a64, b64, d64 := make([]float64, c.n+3), make([]float64, c.n+3), make([]float64, c.n+3)
		a32, b32, d32 := make([]float32, c.n+3), make([]float32, c.n+3), make([]float32, c.n+3)
		for i := range a64 {
			a64[i], b64[i], d64[i] = rng.NormFloat64()*math.Exp(4*rng.NormFloat64()), rng.NormFloat64(), rng.NormFloat64()
			a32[i], b32[i], d32[i] = float32(a64[i]), float32(b64[i]), float32(d64[i])
		}
		for set := range kernelSets {
			sum64, sum32 := append([]float64(nil), d64...), append([]float32(nil), d32...)
			prod64, prod32 := append([]float64(nil), d64...), append([]float32(nil), d32...)
			if !using(t, set, func() {
				Add(sum64[:c.n], a64)
				Add(sum32[:c.n], a32)
				Mul(prod64[:c.n], a64, b64)
				Mul(prod32[:c.n], a32, b32)
			}) {
				continue
			}
			for i := range a64 {
				want := [4]float64{d64[i] + a64[i], float64(d32[i] + a32[i]), a64[i] * b64[i], float64(a32[i] * b32[i])}
				if i >= c.n { // past dst: untouched
					want = [4]float64{d64[i], float64(d32[i]), d64[i], float64(d32[i])}
				}
				got := [4]float64{sum64[i], float64(sum32[i]), prod64[i], float64(prod32[i])}
				for k := range got {
					if !sameFloat(got[k], want[k]) {
						t.Fatalf("%s, %s, element %d, result %d (Add64, Add32, Mul64, Mul32): %v, want %v", c.name, kernelSets[set].name, i, k, got[k], want[k])
					}
				}
			}
		}
	}
}

func TestAddAndMulRefuseShortOperands(t *testing.T) {
	for _, c := range []struct {
		name string
		call func()
	}{
		{"Add", func() { Add(make([]float32, 4), make([]float32, 3)) }},
		{"Mul a", func() { Mul(make([]float64, 4), make([]float64, 3), make([]float64, 4)) }},
		{"Mul b", func() { Mul(make([]float64, 4), make([]float64, 4), make([]float64, 3)) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on a short operand", c.name)
				}
			}()
			c.call()
		}()
	}
}
