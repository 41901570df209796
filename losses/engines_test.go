package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"scorenet/internal/gemm"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// Every loss gives the same value and gradients on both engines, for every
// activation, with and without noise conditioning (where the loss takes it)
// and skip connections, in full and partial batches, drawing the same noise
// from the same source; and again after the weights change, since the
// fused buffers are reused.
func TestEnginesAgree(t *testing.T) {
	for _, name := range Names() {
		can, needs := NoiseConditional(name)
		for _, act := range nn.Activations() {
			for _, v := range []struct {
				conditional, residual bool
				d                     int
				hidden                []int
				sigmaData             float64 // model.sigma_data (preconditioning)
				classes               int     // the graph scores with the null label, the core without labels
			}{{false, false, 1, []int{7}, 0, 0}, {false, true, 3, []int{6, 6, 5}, 0, 0}, {true, false, 2, []int{6, 5}, 0, 0}, {true, true, 10, []int{8, 8, 5}, 0, 0},
				{true, true, 3, []int{6, 6, 5}, 0.5, 0}, {true, true, 3, []int{6, 6, 5}, 0.5, 4}} {
				if (v.conditional && !can) || (!v.conditional && needs) || (NeedsSigmaData(name) && v.sigmaData == 0) {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/%+v", name, act, v), func(t *testing.T) {
					m, err := nn.New(nn.Spec{Kind: "mlp", Dim: v.d, Hidden: v.hidden, Activation: act,
						NoiseConditional: v.conditional, Residual: v.residual, SigmaData: v.sigmaData, Classes: v.classes}, rand.New(rand.NewPCG(uint64(v.d), 9)))
					if err != nil {
						t.Fatal(err)
					}
					sigmas := []float64{0.4}
					if OverLevels(name) {
						sigmas = geometric(8, 0.2, 6)
					}
					const batch = 6
					graph, fused := bothEngines(t, name, m, Options{Batch: batch, Gradients: true, Sigmas: sigmas})
					rng := rand.New(rand.NewPCG(3, uint64(v.d)))
					for _, rows := range []int{batch, 4, batch} {
						x := randomPoints(rng, rows, v.d)
						want, err := graph.Evaluate(x, 0.37, rand.New(rand.NewPCG(6, uint64(rows))))
						if err != nil {
							t.Fatal(err)
						}
						wantGrads := copyGrads(graph)
						got, err := fused.Evaluate(x, 0.37, rand.New(rand.NewPCG(6, uint64(rows))))
						if err != nil {
							t.Fatal(err)
						}
						checkSameAsGraph(t, fmt.Sprintf("%d rows", rows), got, want, fused.Grads(), wantGrads)
						for _, p := range m.Params() { // new weights for the next round
							for k := range p.Value.Data().([]float64) {
								p.Value.Data().([]float64)[k] *= 1.1
							}
						}
					}
				})
			}
		}
	}
}

// A loss made without gradients gives the same terms as one made with
// them, on both engines, and no gradients.
func TestLossesWithoutGradients(t *testing.T) {
	m := newTestMLP(t, 3, []int{6, 5}, "tanh", 4)
	x := randomPoints(rand.New(rand.NewPCG(1, 2)), 5, 3)
	for _, name := range []string{"exact", "sliced", "sliced_vr", "dsm"} {
		for _, engine := range []string{Graph, Fused} {
			with, err := New(name, m, Options{Batch: 5, Gradients: true, Sigmas: []float64{0.3}, Engine: engine})
			if err != nil {
				t.Fatal(err)
			}
			without, err := New(name, m, Options{Batch: 5, Sigmas: []float64{0.3}, Engine: engine})
			if err != nil {
				t.Fatal(err)
			}
			a, err := with.Evaluate(x, 0.2, rand.New(rand.NewPCG(7, 7)))
			if err != nil {
				t.Fatal(err)
			}
			b, err := without.Evaluate(x, 0.2, rand.New(rand.NewPCG(7, 7)))
			if err != nil {
				t.Fatal(err)
			}
			if relErr(a.Loss, b.Loss, 1e-12) > 1e-13 || len(without.Grads()) != 0 {
				t.Errorf("%s on %s: loss %v with gradients, %v (and %d gradients) without", name, engine, a.Loss, b.Loss, len(without.Grads()))
			}
		}
	}
}

// Bad requests fail with a message, on the engine asked for.
func TestNewRefusesWhatItCannotBuild(t *testing.T) {
	mlp := newTestMLP(t, 2, []int{4}, "tanh", 1)
	cond, _ := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{4}, Activation: "tanh", NoiseConditional: true}, rand.New(rand.NewPCG(1, 1)))
	gauss, _ := nn.New(nn.Spec{Kind: "gaussian", Dim: 2}, nil)
	f32, _ := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{4}, Activation: "tanh", Dtype: tensor.Float32}, rand.New(rand.NewPCG(1, 1)))
	cases := []struct {
		name string
		m    nn.Model
		o    Options
		want string
	}{
		{"nope", mlp, Options{Batch: 2}, `unknown loss "nope"`},
		{"exact", mlp, Options{Batch: 0}, "batch size must be >= 1"},
		{"exact", cond, Options{Batch: 2}, "not noise-conditional"},
		{"anneal_dsm", mlp, Options{Batch: 2, Sigmas: []float64{1, 0.5}}, "needs a noise-conditional model"},
		{"dsm", mlp, Options{Batch: 2, Sigmas: []float64{1, 0.5}}, "takes one noise level"},
		{"dsm", mlp, Options{Batch: 2, Sigmas: []float64{-1}}, "finite and > 0"},
		{"exact", gauss, Options{Batch: 2, Engine: Fused}, "runs MLPs and U-Nets only"},
		{"exact", f32, Options{Batch: 2, Engine: Fused}, "float64"},
		{"exact", mlp, Options{Batch: 2, Engine: "gpu"}, `unknown engine "gpu"`},
	}
	for _, c := range cases {
		if _, err := New(c.name, c.m, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%s, %s, %+v): %v, want an error containing %q", c.name, c.m.Kind(), c.o, err, c.want)
		}
	}
	// Buffers larger than the memory available are refused before allocation.
	wide, err := nn.New(nn.Spec{Kind: "mlp", Dim: 784, Hidden: []int{2048}, Activation: "tanh"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New("exact", wide, Options{Batch: 8192, Gradients: true})
	if err == nil || !strings.Contains(err.Error(), "a batch of 8192 points with 784 tangents each (D = 784) needs 430.") ||
		!strings.Contains(err.Error(), "use loss sliced or sliced_vr") {
		t.Errorf("an exact loss needing 430 GiB: %v", err)
	}
	// Auto falls back to the graph where the core does not run.
	if l, err := New("exact", gauss, Options{Batch: 2}); err != nil {
		t.Errorf("auto on the gaussian model: %v", err)
	} else if _, ok := l.(*exactGraph); !ok {
		t.Errorf("auto on the gaussian model built %T, want the graph", l)
	}
	if l, _ := New("exact", mlp, Options{Batch: 2}); l == nil {
		t.Error("auto on a float64 MLP built nothing")
	} else if _, ok := l.(*exactHead); !ok {
		t.Errorf("auto on a float64 MLP built %T, want the fused head", l)
	}
}

// The hand-written loss counts its matrix work exactly: for n = 8 points,
// D = 2, widths 2-16-16-2 and R = nD = 16 tangent rows,
// forward 2n(2*16 + 16*16 + 16*2) = 5120; tangents 2R*16*16 = 8192;
// reverse, last layer 2*16*2*n + 2*n*16*2 = 1024, middle layer
// 2*16*16*n + 2*n*16*16 + 2*16*16*R + 2*R*16*16 = 24576, first layer
// 2*2*16*n = 512: 39424 in all, less than the graph's.
func TestFusedExactCountsItsWork(t *testing.T) {
	m := newTestMLP(t, 2, []int{16, 16}, "tanh", 1)
	graph, err := New("exact", m, Options{Batch: 8, Gradients: true, Engine: Graph})
	if err != nil {
		t.Fatal(err)
	}
	fast, err := New("exact", m, Options{Batch: 8, Gradients: true, Engine: Fused})
	if err != nil {
		t.Fatal(err)
	}
	x := randomPoints(rand.New(rand.NewPCG(1, 1)), 8, 2)
	if _, err := fast.Evaluate(x, 1.0/8, nil); err != nil {
		t.Fatal(err)
	}
	if got := fast.MatmulFLOPs(); got != 39424 || got >= graph.MatmulFLOPs() {
		t.Errorf("hand-written loss counts %v FLOPs, want 39424 (the graph: %v)", got, graph.MatmulFLOPs())
	}
}

// maxGradDiff is the largest relative difference between the gradients
// got and want.
func maxGradDiff(got []tensor.Tensor, want [][]float64) float64 {
	worst := 0.0
	for i, g := range got {
		for k, v := range g.Data().([]float64) {
			worst = math.Max(worst, relErr(v, want[i][k], 1e-10))
		}
	}
	return worst
}

// checkSameAsGraph compares a hand-written loss's terms and gradients with
// the graph's: 1e-12 relative for the terms, 1e-11 for the gradients.
func checkSameAsGraph(t *testing.T, what string, got, want Terms, grads []tensor.Tensor, wantGrads [][]float64) {
	t.Helper()
	for name, pair := range map[string][2]float64{"loss": {got.Loss, want.Loss}, "trace": {got.Trace, want.Trace}, "norm": {got.Norm, want.Norm}} {
		if relErr(pair[0], pair[1], 1e-12) > 1e-12 {
			t.Errorf("%s: %s %.15g, graph %.15g", what, name, pair[0], pair[1])
		}
	}
	if worst := maxGradDiff(grads, wantGrads); worst > 1e-11 {
		t.Errorf("%s: gradients differ from the graph's by %.2g relative", what, worst)
	}
}

// The fused losses give the same bits, value and gradients, whatever the
// number of threads their products and elementwise passes are split over:
// every loss at D = 10, and the denoising ones at D = 600 too, wide enough
// that their passes over the batch (the perturbing, the residuals, the
// input and output scales, the bias gradients) are split as well.
func TestFusedLossesAreThreadIndependent(t *testing.T) {
	defer gemm.SetThreads(0)
	type size struct {
		dim, width int
		dtype      tensor.Dtype
	}
	sizes := func(name string) []size {
		if !strings.HasSuffix(name, "dsm") {
			return []size{{10, 96, tensor.Float64}}
		}
		return []size{{10, 96, tensor.Float64}, {600, 512, tensor.Float64}, {600, 512, tensor.Float32}}
	}
	for _, name := range Names() {
		for _, sz := range sizes(name) {
			testThreadIndependence(t, name, sz.dim, sz.width, sz.dtype)
		}
	}
}

func testThreadIndependence(t *testing.T, name string, dim, width int, dtype tensor.Dtype) {
	_, needs := NoiseConditional(name)
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: dim, Hidden: []int{width, width}, Activation: "swish", NoiseConditional: needs, Residual: true,
		SigmaData: map[bool]float64{true: 0.7}[NeedsSigmaData(name)], Dtype: dtype}, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(name, m, Options{Batch: 200, Gradients: true, Sigmas: []float64{2, 0.5, 0.1}[:map[bool]int{true: 3, false: 1}[OverLevels(name)]], Engine: Fused})
	if err != nil {
		t.Fatal(err)
	}
	name = fmt.Sprintf("%s at D = %d in %v", name, dim, dtype)
	x := randomPoints(rand.New(rand.NewPCG(8, 8)), 200, dim)
	var want Terms
	var wantGrads [][]float64
	for _, threads := range []int{1, 2, 3, 8} {
		gemm.SetThreads(threads)
		got, err := l.Evaluate(x, 1.0/200, rand.New(rand.NewPCG(9, 9)))
		if err != nil {
			t.Fatal(err)
		}
		grads := copyGrads(l)
		if threads == 1 {
			want, wantGrads = got, grads
			continue
		}
		if got != want {
			t.Errorf("%s, %d threads: %+v, one thread %+v", name, threads, got, want)
		}
		for i := range grads {
			for k := range grads[i] {
				if math.Float64bits(grads[i][k]) != math.Float64bits(wantGrads[i][k]) {
					t.Fatalf("%s, %d threads: gradient %d[%d] = %v, one thread %v", name, threads, i, k, grads[i][k], wantGrads[i][k])
				}
			}
		}
	}
}

// The U-Net on the core against its gorgonia graph (gorgonia's Conv2d,
// GroupNorm written out, pooling by reshaping): the denoising losses'
// values and every parameter's gradient, float64, to 1e-10 relative.
func TestUNetEnginesAgree(t *testing.T) {
	for _, tc := range []struct {
		name     string
		shape    [3]int
		channels []int
		classes  int // the graph scores with the null label, the core without labels
	}{
		{"one channel, two levels", [3]int{4, 4, 1}, []int{4, 6}, 0},
		{"two channels, two levels", [3]int{4, 6, 2}, []int{2, 4}, 0},
		{"three levels", [3]int{8, 4, 1}, []int{2, 4, 4}, 0},
		{"class-conditional", [3]int{4, 4, 1}, []int{2, 4}, 3},
	} {
		for _, name := range []string{"dsm", "anneal_dsm", "edm_dsm"} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				d := tc.shape[0] * tc.shape[1] * tc.shape[2]
				m, err := nn.New(nn.Spec{Kind: "unet", Dim: d, Shape: tc.shape, Channels: tc.channels, Groups: 2,
					NoiseConditional: true, SigmaData: 0.5, Activation: "swish", Classes: tc.classes}, rand.New(rand.NewPCG(1, 2)))
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(5, 6))
				for _, p := range m.Params() { // away from the zero-started branches
					for k := range p.Value.Data().([]float64) {
						p.Value.Data().([]float64)[k] += 0.3 * rng.NormFloat64()
					}
				}
				sigmas := []float64{0.4}
				if OverLevels(name) {
					sigmas = geometric(8, 0.05, 6)
				}
				const batch = 3
				graph, fused := bothEngines(t, name, m, Options{Batch: batch, Gradients: true, Sigmas: sigmas})
				x := randomPoints(rng, batch, d)
				want, err := graph.Evaluate(x, 1, rand.New(rand.NewPCG(7, 7)))
				if err != nil {
					t.Fatal(err)
				}
				wantGrads := copyGrads(graph)
				got, err := fused.Evaluate(x, 1, rand.New(rand.NewPCG(7, 7)))
				if err != nil {
					t.Fatal(err)
				}
				if relErr(got.Loss, want.Loss, 1e-12) > 1e-10 {
					t.Errorf("loss %.15g, graph %.15g", got.Loss, want.Loss)
				}
				// Relative 1e-10 of each value, and absolute 1e-10 of the
				// largest: gradients that are zero in exact arithmetic (a
				// bias before a GroupNorm) come out as rounding noise of
				// 1e-16 on both engines.
				scale := 0.0
				for _, g := range wantGrads {
					for _, v := range g {
						scale = math.Max(scale, math.Abs(v))
					}
				}
				for i, p := range m.Params() {
					for k, v := range fused.Grads()[i].Data().([]float64) {
						if w := wantGrads[i][k]; math.Abs(v-w) > 1e-10*(scale+math.Abs(w)) {
							t.Fatalf("%s[%d]: gradient %.15g, graph %.15g (largest gradient %.3g)", p.Name, k, v, w, scale)
						}
					}
				}
			})
		}
	}
}

// bothEngines is loss name on model m with options o, on the gorgonia
// graph and on the fused core.
func bothEngines(t *testing.T, name string, m nn.Model, o Options) (graph, fused Loss) {
	t.Helper()
	var err error
	o.Engine = Graph
	if graph, err = New(name, m, o); err != nil {
		t.Fatal(err)
	}
	o.Engine = Fused
	if fused, err = New(name, m, o); err != nil {
		t.Fatal(err)
	}
	return graph, fused
}
