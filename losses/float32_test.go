package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"scorenet/nn"

	"gorgonia.org/tensor"
)

// float32Twin returns a float32 model holding m's float64 parameters.
func float32Twin(t *testing.T, m nn.Model, spec nn.Spec) nn.Model {
	t.Helper()
	spec.Dtype = tensor.Float32
	twin, err := nn.New(spec, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Params() {
		nn.SetData(twin.Params()[i].Value, p.Value.Data().([]float64))
	}
	return twin
}

// normRelErr is ||a - b|| / ||b||.
func normRelErr(a, b []float64) float64 {
	var diff, ref float64
	for i := range a {
		diff += (a[i] - b[i]) * (a[i] - b[i])
		ref += b[i] * b[i]
	}
	return math.Sqrt(diff / ref)
}

// float32 is accurate enough for the first-order losses and for sampling:
// with the same weights and the same noise, its gradients and scores are
// within 1e-4 of float64's. The exact loss, second order, is reported.
func TestFloat32IsAccurateForFirstOrderLossesAndSampling(t *testing.T) {
	for _, c := range []struct {
		loss        string
		conditional bool
		sigmas      []float64
		bound       float64
	}{
		{"dsm", false, []float64{0.5}, 1e-4},
		{"anneal_dsm", true, geometric(5, 0.1, 10), 1e-4},
		{"vesde_dsm", true, []float64{10, 0.1}, 1e-4},
		{"sliced_vr", false, nil, 1e-4},
		{"exact", false, nil, 1e-3},
	} {
		t.Run(c.loss, func(t *testing.T) {
			spec := nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{64, 64}, Activation: "softplus", NoiseConditional: c.conditional}
			m64, err := nn.New(spec, rand.New(rand.NewPCG(7, 7)))
			if err != nil {
				t.Fatal(err)
			}
			m32 := float32Twin(t, m64, spec)
			x := randomPoints(rand.New(rand.NewPCG(8, 8)), 128, 2)
			var grads [2][]float64
			for i, m := range []nn.Model{m64, m32} {
				l, err := New(c.loss, m, Options{Batch: 128, Gradients: true, Sigmas: c.sigmas})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := l.Evaluate(x, 1.0/128, rand.New(rand.NewPCG(9, 9))); err != nil {
					t.Fatal(err)
				}
				for _, g := range l.Grads() {
					v := make([]float64, g.Shape().TotalSize())
					nn.GetData(v, g)
					grads[i] = append(grads[i], v...)
				}
			}
			rel := normRelErr(grads[1], grads[0])
			t.Logf("float32 gradient differs from float64 by %.2g (relative norm)", rel)
			if rel > c.bound {
				t.Errorf("float32 gradient differs from float64 by %.3g > %g", rel, c.bound)
			}
		})
	}
	t.Run("sampling scores", func(t *testing.T) {
		spec := nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{128, 128}, Activation: "swish", NoiseConditional: true}
		m64, _ := nn.New(spec, rand.New(rand.NewPCG(3, 3)))
		m32 := float32Twin(t, m64, spec)
		x := randomPoints(rand.New(rand.NewPCG(4, 4)), 1280, 2)
		for _, sigma := range []float64{20, 1} {
			var s [2][]float64
			for i, m := range []nn.Model{m64, m32} {
				sc, err := nn.NewScorer(m, 1280, 0)
				if err != nil {
					t.Fatal(err)
				}
				s[i] = make([]float64, len(x))
				if err := sc.Score(s[i], x, sigma); err != nil {
					t.Fatal(err)
				}
			}
			if rel := normRelErr(s[1], s[0]); rel > 1e-5 {
				t.Errorf("sigma %v: float32 scores differ from float64 by %.3g", sigma, rel)
			} else {
				t.Log(fmt.Sprintf("sigma %v: float32 scores within %.2g of float64", sigma, rel))
			}
		}
	})
}

// The denoising losses on the float32 core agree with the float32 graph
// (the reference) for every activation and layout: the loss within 1e-5
// relative, each gradient within 1e-4 of its tensor's largest entry
// (float32 sums in another order), and every other loss refuses the
// float32 core, saying why.
func TestFloat32FusedDenoisingMatchesGraph(t *testing.T) {
	for _, name := range Names() {
		can, _ := NoiseConditional(name)
		if !can {
			m, _ := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{4}, Activation: "swish", Dtype: tensor.Float32}, rand.New(rand.NewPCG(1, 1)))
			if _, err := New(name, m, Options{Batch: 2, Engine: Fused}); err == nil || !strings.Contains(err.Error(), "in float64 only") {
				t.Errorf("%s on a float32 core: %v, want a refusal", name, err)
			}
			continue
		}
		for _, act := range nn.Activations() {
			for _, v := range []struct {
				d         int
				hidden    []int
				residual  bool
				sigmaData float64
			}{{2, []int{6, 5}, false, 0}, {10, []int{8, 8, 5}, true, 0}, {3, []int{6, 6, 5}, true, 0.5}} {
				if NeedsSigmaData(name) && v.sigmaData == 0 {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/%+v", name, act, v), func(t *testing.T) {
					m, err := nn.New(nn.Spec{Kind: "mlp", Dim: v.d, Hidden: v.hidden, Activation: act, Dtype: tensor.Float32,
						NoiseConditional: true, Residual: v.residual, SigmaData: v.sigmaData}, rand.New(rand.NewPCG(uint64(v.d), 9)))
					if err != nil {
						t.Fatal(err)
					}
					sigmas := []float64{0.4}
					if OverLevels(name) {
						sigmas = geometric(8, 0.2, 6)
					}
					graph, fused := bothEngines(t, name, m, Options{Batch: 6, Gradients: true, Sigmas: sigmas})
					x := randomPoints(rand.New(rand.NewPCG(3, uint64(v.d))), 5, v.d)
					want, err := graph.Evaluate(x, 0.37, rand.New(rand.NewPCG(6, 1)))
					if err != nil {
						t.Fatal(err)
					}
					wantGrads := copyGrads(graph)
					got, err := fused.Evaluate(x, 0.37, rand.New(rand.NewPCG(6, 1)))
					if err != nil {
						t.Fatal(err)
					}
					if relErr(got.Loss, want.Loss, 1e-6) > 1e-5 {
						t.Errorf("loss %.9g, the float32 graph's %.9g", got.Loss, want.Loss)
					}
					for i, g := range copyGrads(fused) {
						scale := 0.0
						for _, w := range wantGrads[i] {
							scale = math.Max(scale, math.Abs(w))
						}
						for k := range g {
							if d := math.Abs(g[k] - wantGrads[i][k]); d > 1e-4*scale+1e-7 {
								t.Fatalf("%s's gradient[%d]: %v, the graph's %v", m.Params()[i].Name, k, g[k], wantGrads[i][k])
							}
						}
					}
				})
			}
		}
	}
}
