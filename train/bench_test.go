package train

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkExactStep times one training step of the exact loss: the forward
// pass, D backward passes for the trace, the parameter gradients and an Adam
// update, for an MLP D-128-128-D (softplus, float64) on a batch of 128.
func BenchmarkExactStep(b *testing.B) {
	for _, d := range []int{2, 10} {
		b.Run(fmt.Sprintf("D=%d", d), func(b *testing.B) {
			m := newTestMLP(b, d, []int{128, 128}, "softplus", 1)
			e, err := NewExact(m, 128, true)
			if err != nil {
				b.Fatal(err)
			}
			adam := NewAdam(AdamSettings{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, m.Params())
			x := randomPoints(rand.New(rand.NewPCG(1, 1)), 128, d)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Evaluate(x, 1.0/128, nil); err != nil {
					b.Fatal(err)
				}
				if err := adam.Step(m.Params(), e.Grads(), 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
		})
	}
}
