package nn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkScorer times one forward pass of 1280 chains through a
// noise-conditional MLP 2-128-128-2 (softplus, float64): one Langevin step.
func BenchmarkScorer(b *testing.B) {
	for _, act := range Activations() {
		b.Run(act, func(b *testing.B) { benchmarkScorer(b, act) })
	}
}

func benchmarkScorer(b *testing.B, act string) {
	m, err := New(Spec{Kind: "mlp", Dim: 2, Hidden: []int{128, 128}, Activation: act, NoiseConditional: true}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		b.Fatal(err)
	}
	const chains = 1280
	sc, err := NewScorer(m, chains, 0)
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float64, 2*chains)
	for i := range x {
		x[i] = float64(i%17) - 8
	}
	dst := make([]float64, len(x))
	b.ReportAllocs()
	for b.Loop() {
		if err := sc.Score(dst, x, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(chains*float64(b.N)/b.Elapsed().Seconds(), "chain-steps/s")
}
