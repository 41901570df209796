package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/nn"

	"gorgonia.org/tensor"
)

// relErr is |got - want| relative to the larger magnitude, with an absolute
// floor so that entries that are zero up to rounding compare absolutely.
func relErr(got, want, floor float64) float64 {
	return math.Abs(got-want) / math.Max(floor, math.Max(math.Abs(got), math.Abs(want)))
}

// geometric is n noise levels from begin down to end, equally spaced in
// log sigma: test levels like an NCSN ladder.
func geometric(begin, end float64, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = begin * math.Pow(end/begin, float64(i)/float64(n-1))
	}
	return s
}

func randomPoints(rng *rand.Rand, n, d int) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func newTestMLP(t testing.TB, d int, hidden []int, act string, seed uint64) nn.Model {
	t.Helper()
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: d, Hidden: hidden, Activation: act}, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fdTrace is the batch mean of tr(ds/dx) by central differences of the
// model's forward pass, independent of the loss graph.
func fdTrace(t testing.TB, m nn.Model, x []float64) float64 {
	t.Helper()
	d := m.Dim()
	n := len(x) / d
	sc, err := nn.NewScorer(m, n, 0)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-5
	plus, minus := make([]float64, len(x)), make([]float64, len(x))
	xs := append([]float64(nil), x...)
	total := 0.0
	for i := 0; i < d; i++ {
		for b := 0; b < n; b++ {
			xs[b*d+i] = x[b*d+i] + h
		}
		if err := sc.Score(plus, xs, 0); err != nil {
			t.Fatal(err)
		}
		for b := 0; b < n; b++ {
			xs[b*d+i] = x[b*d+i] - h
		}
		if err := sc.Score(minus, xs, 0); err != nil {
			t.Fatal(err)
		}
		for b := 0; b < n; b++ {
			xs[b*d+i] = x[b*d+i]
			total += (plus[b*d+i] - minus[b*d+i]) / (2 * h)
		}
	}
	return total / float64(n)
}

func TestExactLossAndGradientsMatchFiniteDifferences(t *testing.T) {
	for _, impl := range []string{"graph", "mlp"} {
		for _, act := range nn.Activations() {
			for _, d := range []int{1, 2, 10} {
				t.Run(fmt.Sprintf("%s/%s/D=%d", impl, act, d), func(t *testing.T) {
					checkExactAgainstFiniteDifferences(t, impl, act, d)
				})
			}
		}
	}
}

func checkExactAgainstFiniteDifferences(t *testing.T, impl, act string, d int) {
	rng := rand.New(rand.NewPCG(uint64(d), 7))
	m := newTestMLP(t, d, []int{6, 5}, act, uint64(d))
	const batch = 4
	x := randomPoints(rng, batch, d)
	var e Loss
	var err error
	if impl == "graph" {
		e, err = New("exact", m, Options{Batch: batch, Gradients: true, Engine: Graph})
	} else {
		e, err = New("exact", m, Options{Batch: batch, Gradients: true, Engine: Fused})
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Evaluate(x, 1.0/batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkTermsIndependently(t, m, x, got)
	grads := copyGrads(e)
	worst, where := 0.0, ""
	for pi, p := range m.Params() {
		g := grads[pi]
		vals := p.Value.Data().([]float64)
		for k := range vals {
			fd := centralDifference(t, e, x, &vals[k])
			if r := relErr(g[k], fd, 1e-4); r > worst {
				worst, where = r, fmt.Sprintf("%s[%d]: autodiff %.12g, finite difference %.12g", p.Name, k, g[k], fd)
			}
		}
	}
	t.Logf("max relative gradient error %.2g at %s", worst, where)
	if worst > 1e-6 {
		t.Errorf("max relative gradient error %.3g > 1e-6 at %s", worst, where)
	}
}

// copyGrads copies the gradients of the last evaluation out of the graph,
// which reuses their memory on the next run.
func copyGrads(e interface{ Grads() []tensor.Tensor }) [][]float64 {
	var out [][]float64
	for _, g := range e.Grads() {
		v := make([]float64, g.Shape().TotalSize())
		nn.GetData(v, g)
		out = append(out, v)
	}
	return out
}

// centralDifference is dL/dtheta for the parameter entry *theta, with a step
// scaled to the entry.
func centralDifference(t *testing.T, e Loss, x []float64, theta *float64) float64 {
	t.Helper()
	old := *theta
	h := 1e-5 * math.Max(1, math.Abs(old))
	w := 1.0 / float64(e.Batch())
	*theta = old + h
	up, err := e.Evaluate(x, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	*theta = old - h
	down, err := e.Evaluate(x, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	*theta = old
	return (up.Loss - down.Loss) / (2 * h)
}

// checkTermsIndependently recomputes both loss terms from the forward pass
// alone: the trace by finite differences, the norm directly.
func checkTermsIndependently(t *testing.T, m nn.Model, x []float64, got Terms) {
	t.Helper()
	n := len(x) / m.Dim()
	sc, err := nn.NewScorer(m, n, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]float64, len(x))
	if err := sc.Score(s, x, 0); err != nil {
		t.Fatal(err)
	}
	norm := 0.0
	for _, v := range s {
		norm += v * v / 2
	}
	norm /= float64(n)
	trace := fdTrace(t, m, x)
	if r := relErr(got.Norm, norm, 1e-12); r > 1e-12 {
		t.Errorf("norm term %.15g, direct %.15g (relative error %.2g)", got.Norm, norm, r)
	}
	if r := relErr(got.Trace, trace, 1e-3); r > 1e-6 {
		t.Errorf("trace term %.15g, finite differences %.15g (relative error %.2g)", got.Trace, trace, r)
	}
	if got.Loss != got.Trace+got.Norm {
		t.Errorf("loss %v is not trace %v + norm %v", got.Loss, got.Trace, got.Norm)
	}
}

func TestExactTraceMatchesFiniteDifferences(t *testing.T) {
	for _, d := range []int{1, 2, 10, 50} {
		t.Run(fmt.Sprintf("D=%d", d), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(d), 11))
			m := newTestMLP(t, d, []int{16}, "tanh", uint64(d)+100)
			const batch = 8
			x := randomPoints(rng, batch, d)
			e, err := New("exact", m, Options{Batch: batch, Engine: Graph})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Evaluate(x, 1.0/batch, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := fdTrace(t, m, x)
			if r := relErr(got.Trace, want, 1e-3); r > 1e-6 {
				t.Errorf("trace %.12g, finite differences %.12g (relative error %.2g)", got.Trace, want, r)
			}
		})
	}
}

func TestExactPartialBatchesAverageExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	m := newTestMLP(t, 3, []int{8}, "softplus", 3)
	x := randomPoints(rng, 10, 3)
	whole, err := New("exact", m, Options{Batch: 10, Engine: Graph})
	if err != nil {
		t.Fatal(err)
	}
	want, err := whole.Evaluate(x, 0.1, nil)
	if err != nil {
		t.Fatal(err)
	}
	chunked, err := New("exact", m, Options{Batch: 4, Engine: Graph})
	if err != nil {
		t.Fatal(err)
	}
	var got Terms
	for lo := 0; lo < 10; lo += 4 {
		part, err := chunked.Evaluate(x[lo*3:min(lo+4, 10)*3], 0.1, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = got.Add(part)
	}
	if relErr(got.Loss, want.Loss, 1e-12) > 1e-12 || relErr(got.Trace, want.Trace, 1e-12) > 1e-12 {
		t.Errorf("chunks of 4 give %+v, one batch of 10 gives %+v", got, want)
	}
}

func TestExactFloat32AgreesWithFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	m64 := newTestMLP(t, 2, []int{16, 16}, "softplus", 9)
	m32, err := nn.New(nn.Spec{Kind: "mlp", Dim: 2, Hidden: []int{16, 16}, Activation: "softplus", Dtype: tensor.Float32}, rand.New(rand.NewPCG(9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	x := randomPoints(rng, 32, 2)
	var terms [2]Terms
	for i, m := range []nn.Model{m64, m32} {
		e, err := New("exact", m, Options{Batch: 32, Gradients: true, Engine: Graph})
		if err != nil {
			t.Fatal(err)
		}
		if terms[i], err = e.Evaluate(x, 1.0/32, nil); err != nil {
			t.Fatal(err)
		}
	}
	if r := relErr(terms[1].Loss, terms[0].Loss, 1e-3); r > 1e-4 {
		t.Errorf("float32 loss %v, float64 loss %v (relative difference %.2g)", terms[1].Loss, terms[0].Loss, r)
	}
}
