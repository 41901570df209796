package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkFunctions compares, per element, the kernels here with the
// scalar math-package forms they replace, on 128 x 256 pre-activations.
func BenchmarkFunctions(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 128*256)
	for k := range x {
		x[k] = rng.NormFloat64() * 3
	}
	sp, sig := make([]float64, len(x)), make([]float64, len(x))
	perElement := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(x)), "ns/elem")
	}
	b.Run("math.Tanh", func(b *testing.B) {
		for b.Loop() {
			for k, v := range x {
				sp[k] = math.Tanh(v)
			}
		}
		perElement(b)
	})
	b.Run("math", func(b *testing.B) {
		for b.Loop() {
			for k, v := range x {
				e := math.Exp(-math.Abs(v))
				sp[k] = math.Max(v, 0) + math.Log1p(e)
				sig[k] = 1 / (1 + math.Exp(-v))
			}
		}
		perElement(b)
	})
	funcs := []struct {
		name string
		f    func()
	}{
		{"SoftplusSigmoid", func() { SoftplusSigmoid(sp, sig, x) }},
		{"Softplus", func() { Softplus(sp, x) }},
		{"Sigmoid", func() { Sigmoid(sp, x) }},
		{"Swish", func() { Swish(sp, x) }},
		{"Tanh", func() { Tanh(sp, x) }},
		{"ELU", func() { ELU(sp, x) }},
	}
	for set, ks := range kernelSets {
		for _, fn := range funcs {
			b.Run(fn.name+"/"+ks.name, func(b *testing.B) {
				if !using(nil, set, func() {
					for b.Loop() {
						fn.f()
					}
				}) {
					b.Skip("not on this CPU")
				}
				perElement(b)
			})
		}
	}
}
