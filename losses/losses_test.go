package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/nn"
)

// Every loss, on both engines, gets the finite-difference check of the
// exact one, with skip connections too. The noise it draws is held fixed by
// a fresh source with the same seed at every evaluation.
func TestLossGradientsMatchFiniteDifferences(t *testing.T) {
	cases := []struct {
		loss                  string
		conditional, residual bool
		sigmas                []float64
		d                     int
	}{
		{"exact", false, true, nil, 3},
		{"sliced", false, false, nil, 3},
		{"sliced_vr", false, false, nil, 3},
		{"sliced", false, false, nil, 10},
		{"sliced", false, true, nil, 3},
		{"sliced_vr", false, true, nil, 3},
		{"dsm", false, false, []float64{0.3}, 2},
		{"dsm", true, false, []float64{0.3}, 2},
		{"dsm", true, true, []float64{0.3}, 2},
		{"anneal_dsm", true, false, geometric(5, 0.1, 4), 2},
		{"anneal_dsm", true, false, geometric(5, 0.1, 4), 10},
		{"anneal_dsm", true, true, geometric(5, 0.1, 4), 3},
		{"vesde_dsm", true, false, []float64{4, 0.1}, 2},
		{"vesde_dsm", true, true, []float64{4, 0.1}, 10},
	}
	for _, c := range cases {
		for _, engine := range []string{Graph, Fused} {
			t.Run(fmt.Sprintf("%s/%s/%+v", engine, c.loss, c), func(t *testing.T) {
				checkLossAgainstFiniteDifferences(t, engine, c.loss, c.conditional, c.residual, c.sigmas, c.d)
			})
		}
	}
}

func checkLossAgainstFiniteDifferences(t *testing.T, engine, loss string, conditional, residual bool, sigmas []float64, d int) {
	{
		{
			hidden := []int{6, 5}
			if residual {
				hidden = []int{6, 6, 5}
			}
			m, err := nn.New(nn.Spec{Kind: "mlp", Dim: d, Hidden: hidden, Activation: "softplus", NoiseConditional: conditional, Residual: residual},
				rand.New(rand.NewPCG(uint64(d), 3)))
			if err != nil {
				t.Fatal(err)
			}
			const batch = 5
			l, err := New(loss, m, Options{Batch: batch, Gradients: true, Sigmas: sigmas, Engine: engine})
			if err != nil {
				t.Fatal(err)
			}
			x := randomPoints(rand.New(rand.NewPCG(9, 9)), batch, d)
			eval := func() float64 {
				terms, err := l.Evaluate(x, 1.0/batch, rand.New(rand.NewPCG(4, 4)))
				if err != nil {
					t.Fatal(err)
				}
				return terms.Loss
			}
			eval()
			var grads [][]float64
			for _, g := range l.Grads() {
				v := make([]float64, g.Shape().TotalSize())
				nn.GetData(v, g)
				grads = append(grads, v)
			}
			worst := 0.0
			for pi, p := range m.Params() {
				vals := p.Value.Data().([]float64)
				for k := range vals {
					old := vals[k]
					h := 1e-5 * math.Max(1, math.Abs(old))
					vals[k] = old + h
					up := eval()
					vals[k] = old - h
					down := eval()
					vals[k] = old
					worst = math.Max(worst, relErr(grads[pi][k], (up-down)/(2*h), 1e-4))
				}
			}
			t.Logf("max relative gradient error %.2g", worst)
			if worst > 1e-6 {
				t.Errorf("max relative gradient error %.3g > 1e-6", worst)
			}
		}
	}
}

// Averaged over directions, both sliced losses equal the exact loss.
func TestSlicedLossesAreUnbiased(t *testing.T) {
	const d, batch, draws = 4, 16, 4000
	m := newTestMLP(t, d, []int{12}, "tanh", 5)
	x := randomPoints(rand.New(rand.NewPCG(1, 2)), batch, d)
	exact, err := New("exact", m, Options{Batch: batch, Engine: Graph})
	if err != nil {
		t.Fatal(err)
	}
	want, err := exact.Evaluate(x, 1.0/batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sliced", "sliced_vr"} {
		l, err := New(name, m, Options{Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		noise := rand.New(rand.NewPCG(7, 7))
		var sum, sumSq float64
		for i := 0; i < draws; i++ {
			terms, err := l.Evaluate(x, 1.0/batch, noise)
			if err != nil {
				t.Fatal(err)
			}
			sum += terms.Loss
			sumSq += terms.Loss * terms.Loss
		}
		mean := sum / draws
		se := math.Sqrt((sumSq/draws - mean*mean) / draws)
		t.Logf("%s: mean %.5f +/- %.5f over %d draws, exact %.5f", name, mean, se, draws, want.Loss)
		if math.Abs(mean-want.Loss) > 4*se {
			t.Errorf("%s: mean %v is %.1f standard errors from the exact loss %v", name, mean, math.Abs(mean-want.Loss)/se, want.Loss)
		}
	}
}
