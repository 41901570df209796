package train

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"scorenet/losses"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// BenchmarkExactStep times one training step of the exact loss: the forward
// pass, the trace of ds/dx, the parameter gradients and an Adam update, for
// an MLP D-128-128-D (softplus, float64) on a batch of 128, both as the
// gorgonia graph (D backward passes) and as the hand-written head on the core.
func BenchmarkExactStep(b *testing.B) {
	for _, impl := range []string{"graph", "fused"} {
		for _, d := range []int{2, 10} {
			b.Run(fmt.Sprintf("%s/D=%d", impl, d), func(b *testing.B) {
				m, err := nn.New(nn.Spec{Kind: "mlp", Dim: d, Hidden: []int{128, 128}, Activation: "softplus"}, rand.New(rand.NewPCG(1, 0)))
				if err != nil {
					b.Fatal(err)
				}
				var l losses.Loss
				if impl == "graph" {
					l, err = losses.New("exact", m, losses.Options{Batch: 128, Gradients: true, Engine: losses.Graph})
				} else {
					l, err = losses.New("exact", m, losses.Options{Batch: 128, Gradients: true, Engine: losses.Fused})
				}
				if err != nil {
					b.Fatal(err)
				}
				adam := NewAdam(AdamSettings{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, m.Params())
				rng := rand.New(rand.NewPCG(1, 1))
				x := make([]float64, 128*d)
				for i := range x {
					x[i] = rng.NormFloat64()
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := l.Evaluate(x, 1.0/128, nil); err != nil {
						b.Fatal(err)
					}
					if err := adam.Step(m.Params(), l.Grads(), 1); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/step")
			})
		}
	}
}

// BenchmarkImageStep times one training step of the D = 784 image network
// (785-1024-1024-784, residual swish, preconditioned), anneal_dsm, batch
// 128, on the fused engine: the loss and its gradients, the gradient norm
// and Adam, in float64 and float32.
func BenchmarkImageStep(b *testing.B) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		b.Run(dt.String(), func(b *testing.B) {
			m, err := nn.New(nn.Spec{Kind: "mlp", Dim: 784, Hidden: []int{1024, 1024}, Activation: "swish", Dtype: dt,
				NoiseConditional: true, Residual: true, SigmaData: 0.35}, rand.New(rand.NewPCG(1, 0)))
			if err != nil {
				b.Fatal(err)
			}
			sigmas := []float64{20, 5, 1, 0.2, 0.05, 0.013}
			l, err := losses.New("anneal_dsm", m, losses.Options{Batch: 128, Gradients: true, Sigmas: sigmas, Engine: losses.Fused})
			if err != nil {
				b.Fatal(err)
			}
			adam := NewAdam(AdamSettings{LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, m.Params())
			rng := rand.New(rand.NewPCG(1, 1))
			x := make([]float64, 128*784)
			for i := range x {
				x[i] = rng.Float64()
			}
			for b.Loop() {
				if _, err := l.Evaluate(x, 1.0/128, rng); err != nil {
					b.Fatal(err)
				}
				if _, err := adam.StepUnclipped(m.Params(), l.Grads()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
