package train

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"scorenet/nn"
)

// The hand-written denoising loss agrees with the gorgonia graph, value
// and gradients, drawing the same noise from the same source.
func TestDSMMLPMatchesTheGraph(t *testing.T) {
	for _, c := range []struct {
		loss        string
		conditional bool
		sigmas      []float64
	}{
		{"dsm", false, []float64{0.4}},
		{"dsm", true, []float64{0.4}},
		{"anneal_dsm", true, GeometricSigmas(8, 0.2, 6)},
	} {
		for _, act := range nn.Activations() {
			t.Run(fmt.Sprintf("%s/conditional=%v/%s", c.loss, c.conditional, act), func(t *testing.T) {
				m, err := nn.New(nn.Spec{Kind: "mlp", Dim: 3, Hidden: []int{9, 7}, Activation: act, NoiseConditional: c.conditional},
					rand.New(rand.NewPCG(4, 4)))
				if err != nil {
					t.Fatal(err)
				}
				const batch = 6
				graph, err := newDSM(m, batch, true, c.sigmas)
				if err != nil {
					t.Fatal(err)
				}
				fast, err := NewDSMMLP(m.(*nn.MLP), batch, c.sigmas)
				if err != nil {
					t.Fatal(err)
				}
				for _, rows := range []int{batch, 4} {
					x := randomPoints(rand.New(rand.NewPCG(5, uint64(rows))), rows, 3)
					want, err := graph.Evaluate(x, 0.3, rand.New(rand.NewPCG(6, 6)))
					if err != nil {
						t.Fatal(err)
					}
					wantGrads := copyGrads(graph)
					got, err := fast.Evaluate(x, 0.3, rand.New(rand.NewPCG(6, 6)))
					if err != nil {
						t.Fatal(err)
					}
					checkSameAsGraph(t, fmt.Sprintf("%d rows", rows), got, want, fast.Grads(), wantGrads)
				}
			})
		}
	}
}
