package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/nn"

	"gorgonia.org/tensor"
)

// The hand-written exact loss agrees with the gorgonia graph, value and
// every gradient, for every activation, depth and dimension; partial
// batches and row weights included.
func TestExactMLPMatchesTheGraph(t *testing.T) {
	for _, act := range nn.Activations() {
		for _, c := range []struct {
			d      int
			hidden []int
		}{{1, []int{7}}, {2, []int{6, 5}}, {10, []int{8, 6, 5}}} {
			t.Run(fmt.Sprintf("%s/D=%d/hidden=%v", act, c.d, c.hidden), func(t *testing.T) {
				m := newTestMLP(t, c.d, c.hidden, act, uint64(c.d)+9)
				const batch = 6
				graph, err := NewExact(m, batch, true)
				if err != nil {
					t.Fatal(err)
				}
				fast, err := NewExactMLP(m.(*nn.MLP), batch)
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(3, uint64(c.d)))
				for _, rows := range []int{batch, 4} {
					x := randomPoints(rng, rows, c.d)
					want, err := graph.Evaluate(x, 0.37, nil)
					if err != nil {
						t.Fatal(err)
					}
					wantGrads := copyGrads(graph)
					got, err := fast.Evaluate(x, 0.37, nil)
					if err != nil {
						t.Fatal(err)
					}
					checkSameAsGraph(t, fmt.Sprintf("%d rows", rows), got, want, fast.Grads(), wantGrads)
				}
				// The buffers are reused: a second call at new weights must not
				// see the first.
				for _, p := range m.Params() {
					for k := range p.Value.Data().([]float64) {
						p.Value.Data().([]float64)[k] *= 1.1
					}
				}
				x := randomPoints(rng, batch, c.d)
				want, _ := graph.Evaluate(x, 1.0/batch, nil)
				got, _ := fast.Evaluate(x, 1.0/batch, nil)
				if relErr(got.Loss, want.Loss, 1e-12) > 1e-12 {
					t.Errorf("after an update: loss %.15g, graph %.15g", got.Loss, want.Loss)
				}
			})
		}
	}
}

// The hand-written loss counts its matrix work exactly: for n = 8 points,
// D = 2, widths 2-16-16-2 and R = nD = 16 tangent rows,
// forward 2n(2*16 + 16*16 + 16*2) = 5120; tangents 2R*16*16 = 8192;
// reverse, last layer 2*16*2*n + 2*n*16*2 = 1024, middle layer
// 2*16*16*n + 2*n*16*16 + 2*16*16*R + 2*R*16*16 = 24576, first layer
// 2*2*16*n = 512: 39424 in all, less than the graph's.
func TestExactMLPCountsItsWork(t *testing.T) {
	m := newTestMLP(t, 2, []int{16, 16}, "tanh", 1)
	graph, _ := NewExact(m, 8, true)
	fast, _ := NewExactMLP(m.(*nn.MLP), 8)
	x := randomPoints(rand.New(rand.NewPCG(1, 1)), 8, 2)
	fast.Evaluate(x, 1.0/8, nil)
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

// With one random direction per point, the same code computes the sliced
// losses: the value, both terms and every gradient of the gorgonia Sliced
// graph, drawing the same directions from the same source.
func TestSlicedMLPMatchesTheGraph(t *testing.T) {
	for _, vr := range []bool{false, true} {
		for _, act := range nn.Activations() {
			for _, c := range []struct {
				d      int
				hidden []int
			}{{1, []int{7}}, {3, []int{6, 5}}, {10, []int{8, 6, 5}}} {
				t.Run(fmt.Sprintf("vr=%v/%s/D=%d", vr, act, c.d), func(t *testing.T) {
					m := newTestMLP(t, c.d, c.hidden, act, uint64(c.d)+2)
					const batch = 6
					graph, err := newSliced(m, batch, true, vr)
					if err != nil {
						t.Fatal(err)
					}
					fast, err := NewSlicedMLP(m.(*nn.MLP), batch, vr)
					if err != nil {
						t.Fatal(err)
					}
					for _, rows := range []int{batch, 4} {
						x := randomPoints(rand.New(rand.NewPCG(8, uint64(rows))), rows, c.d)
						want, err := graph.Evaluate(x, 0.29, rand.New(rand.NewPCG(9, 9)))
						if err != nil {
							t.Fatal(err)
						}
						wantGrads := copyGrads(graph)
						got, err := fast.Evaluate(x, 0.29, rand.New(rand.NewPCG(9, 9)))
						if err != nil {
							t.Fatal(err)
						}
						checkSameAsGraph(t, fmt.Sprintf("%d rows", rows), got, want, fast.Grads(), wantGrads)
					}
				})
			}
		}
	}
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
