package losses

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"scorenet/nn"

	"gorgonia.org/tensor"
)

// Noise drawn ahead by Predraw gives the loss and gradients of drawing it
// in Evaluate, bit for bit; another source is drawn afresh; the same source
// on another batch shape is refused, since it has moved on.
func TestPredrawGivesTheSameBits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		loss  string
		dtype tensor.Dtype
	}{
		{"anneal_dsm float64", "anneal_dsm", tensor.Float64},
		{"anneal_dsm float32", "anneal_dsm", tensor.Float32},
		{"edm_dsm float32", "edm_dsm", tensor.Float32},
		{"dsm float64", "dsm", tensor.Float64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const dim, batch = 6, 20
			_, conditional := NoiseConditional(tc.loss)
			m, err := nn.New(nn.Spec{Kind: "mlp", Dim: dim, Hidden: []int{32, 32}, Activation: "swish", NoiseConditional: conditional,
				SigmaData: map[bool]float64{true: 0.7}[NeedsSigmaData(tc.loss)], Dtype: tc.dtype}, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			sigmas := []float64{0.1}
			if OverLevels(tc.loss) {
				sigmas = []float64{2, 0.5, 0.1}
			}
			l, err := New(tc.loss, m, Options{Batch: batch, Gradients: true, Sigmas: sigmas, Engine: Fused})
			if err != nil {
				t.Fatal(err)
			}
			p, ok := l.(Predrawer)
			if !ok {
				t.Fatalf("%s on the core draws no noise ahead", tc.loss)
			}
			x := randomPoints(rand.New(rand.NewPCG(3, 4)), batch, dim)
			source := func() *rand.Rand { return rand.New(rand.NewPCG(5, 6)) }
			want, err := l.Evaluate(x, 1.0/batch, source())
			if err != nil {
				t.Fatal(err)
			}
			wantGrads := copyGrads(l)

			ahead := source()
			if err := p.Predraw(batch, 1.0/batch, ahead); err != nil {
				t.Fatal(err)
			}
			got, err := l.Evaluate(x, 1.0/batch, ahead)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("drawn ahead: %+v, drawn in Evaluate: %+v", got, want)
			}
			for i, g := range copyGrads(l) {
				for k := range g {
					if math.Float64bits(g[k]) != math.Float64bits(wantGrads[i][k]) {
						t.Fatalf("drawn ahead: gradient %d[%d] = %v, drawn in Evaluate %v", i, k, g[k], wantGrads[i][k])
					}
				}
			}

			// Drawn ahead from one source, evaluated with another: the
			// other's noise, as if nothing had been drawn ahead.
			if err := p.Predraw(batch, 1.0/batch, rand.New(rand.NewPCG(9, 9))); err != nil {
				t.Fatal(err)
			}
			if got, err := l.Evaluate(x, 1.0/batch, source()); err != nil || got != want {
				t.Errorf("drawn ahead from another source: %+v, %v; want %+v", got, err, want)
			}

			// A source whose noise was drawn ahead has moved on: evaluated
			// on another shape, or after the noise went unused, refused.
			for _, c := range []struct {
				name   string
				points int
				weight float64
			}{{"fewer points", batch - 1, 1.0 / batch}, {"another row weight", batch, 0.5 / batch}} {
				ahead = source()
				if err := p.Predraw(batch, 1.0/batch, ahead); err != nil {
					t.Fatal(err)
				}
				_, err = l.Evaluate(x[:c.points*dim], c.weight, ahead)
				if err == nil || !strings.Contains(err.Error(), "drawn ahead for 20 points") {
					t.Errorf("%s than drawn ahead for: %v, want an error naming the 20 points", c.name, err)
				}
			}
			ahead = source()
			if err := p.Predraw(batch, 1.0/batch, ahead); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Evaluate(x, 1.0/batch, source()); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Evaluate(x, 1.0/batch, ahead); err == nil || !strings.Contains(err.Error(), "not used") {
				t.Errorf("a source whose noise drawn ahead went unused: %v, want an error", err)
			}
			if err := p.Predraw(batch+1, 1.0/batch, source()); err == nil {
				t.Errorf("noise drawn ahead for %d points on a batch of %d: no error", batch+1, batch)
			}
		})
	}
}
