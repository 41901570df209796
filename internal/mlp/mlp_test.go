package mlp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"scorenet/internal/mlp"
	"scorenet/nn"
)

// newNet builds a float64 MLP through nn (for its activation table and
// initialisation) and returns the core's view of it.
func newNet(t testing.TB, layout mlp.Layout, act string, seed uint64) *mlp.Net {
	t.Helper()
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: layout.Dim, Hidden: layout.Hidden, Activation: act,
		NoiseConditional: layout.Conditional, Residual: layout.Residual,
		SigmaData: layout.SigmaData, Classes: layout.Classes}, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.(*nn.MLP).Net()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func normals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

var layouts = []struct {
	name   string
	layout mlp.Layout
}{
	{"plain", mlp.Layout{Dim: 3, Hidden: []int{7, 5}}},
	{"conditional", mlp.Layout{Dim: 3, Hidden: []int{7, 5}, Conditional: true}},
	{"residual", mlp.Layout{Dim: 2, Hidden: []int{6, 6, 6, 4}, Residual: true}},
	{"conditional residual", mlp.Layout{Dim: 4, Hidden: []int{5, 5}, Conditional: true, Residual: true}},
	{"preconditioned", mlp.Layout{Dim: 3, Hidden: []int{7, 5}, Conditional: true, SigmaData: 0.7}},
	{"preconditioned residual", mlp.Layout{Dim: 4, Hidden: []int{5, 5}, Conditional: true, Residual: true, SigmaData: 0.5}},
	{"class-conditional", mlp.Layout{Dim: 3, Hidden: []int{6, 6}, Conditional: true, Residual: true, SigmaData: 0.6, Classes: 2}},
}

// someLabels gives a class-conditional pass n labels cycling through
// every class and the null label; other passes keep none.
func someLabels(t testing.TB, p *mlp.Pass, n int) []int32 {
	t.Helper()
	k := p.Net().Classes
	if k == 0 {
		return nil
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32((i + 1) % (k + 1))
	}
	if err := p.SetLabels(labels); err != nil {
		t.Fatal(err)
	}
	return labels
}

// Jacobian-vector products match central differences of the forward pass,
// along random directions and along the unit directions (whose diagonal
// JacobianDiagonal reads), for every activation and layout.
func TestTangentsMatchFiniteDifferences(t *testing.T) {
	const n, k = 4, 2
	for _, act := range nn.Activations() {
		for _, c := range layouts {
			t.Run(act+"/"+c.name, func(t *testing.T) {
				net := newNet(t, c.layout, act, 3)
				D := net.Dim
				p, err := mlp.NewPass(net, mlp.Options{Batch: n * k, Tangents: D})
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(5, 5))
				x, dirs := normals(rng, n*D), normals(rng, n*k*D)
				sigmas := []float64{0.5, 2, 0.1, 7}
				labels := someLabels(t, p, n)
				if _, err := p.Forward(x, sigmas, true); err != nil {
					t.Fatal(err)
				}
				if err := p.Tangents(dirs, k); err != nil {
					t.Fatal(err)
				}
				jt, _ := p.OutputTangents()
				jt = append([]float64(nil), jt...)
				if err := p.Tangents(nil, 0); err != nil {
					t.Fatal(err)
				}
				diag := make([]float64, n*D)
				if err := p.JacobianDiagonal(diag); err != nil {
					t.Fatal(err)
				}
				columns, _ := p.OutputTangents() // rows (point, i): J e_i

				// Central differences, one point-direction pair at a time.
				fd := func(b int, v []float64) []float64 {
					const h = 1e-6
					xb := append([]float64(nil), x[b*D:(b+1)*D]...)
					if labels != nil {
						p.SetLabels(labels[b : b+1])
						defer p.SetLabels(labels)
					}
					at := func(sign float64) []float64 {
						for j := range xb {
							xb[j] = x[b*D+j] + sign*h*v[j]
						}
						s, err := p.Forward(xb, sigmas[b:b+1], false)
						if err != nil {
							t.Fatal(err)
						}
						return append([]float64(nil), s...)
					}
					up, down := at(1), at(-1)
					for j := range up {
						up[j] = (up[j] - down[j]) / (2 * h)
					}
					return up
				}
				worst := 0.0
				for b := 0; b < n; b++ {
					for r := 0; r < k; r++ {
						want := fd(b, dirs[(b*k+r)*D:(b*k+r+1)*D])
						for j, w := range want {
							worst = math.Max(worst, math.Abs(jt[(b*k+r)*D+j]-w)/math.Max(1, math.Abs(w)))
						}
					}
					for i := 0; i < D; i++ {
						e := make([]float64, D)
						e[i] = 1
						want := fd(b, e)
						for j, w := range want {
							worst = math.Max(worst, math.Abs(columns[(b*D+i)*D+j]-w)/math.Max(1, math.Abs(w)))
						}
						if d := diag[b*D+i]; math.Abs(d-columns[(b*D+i)*D+i]) > 1e-14*math.Max(1, math.Abs(d)) {
							t.Errorf("point %d: diagonal %d is %v, the full tangent's entry %v", b, i, d, columns[(b*D+i)*D+i])
						}
					}
				}
				if worst > 1e-7 {
					t.Errorf("tangents differ from central differences by %.2g", worst)
				}
			})
		}
	}
}

// The reverse pass gives the gradient of a loss that reads the score, the
// Jacobian's diagonal and the output tangents, against central differences
// in every parameter, for every layout.
func TestBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, c := range layouts {
		for _, useDiag := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/diagonal=%v", c.name, useDiag), func(t *testing.T) {
				net := newNet(t, c.layout, "softplus", 4)
				D, n, k := net.Dim, 3, 2
				if useDiag {
					k = D
				}
				p, err := mlp.NewPass(net, mlp.Options{Batch: n, Tangents: k, Gradients: true})
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(6, 6))
				x, dirs := normals(rng, n*D), normals(rng, n*k*D)
				cs, ct := normals(rng, n*D), normals(rng, n*k*D) // the loss's coefficients
				sigmas := []float64{0.3, 1, 4}
				someLabels(t, p, n)
				// loss = cs . s + ct . (J t), or cs . s + ct[:nD] . diag(J)
				loss := func() float64 {
					s, err := p.Forward(x, sigmas, true)
					if err != nil {
						t.Fatal(err)
					}
					total := 0.0
					for j, v := range s {
						total += cs[j] * v
					}
					if useDiag {
						p.Tangents(nil, 0)
						diag := make([]float64, n*D)
						p.JacobianDiagonal(diag)
						for j, v := range diag {
							total += ct[j] * v
						}
					} else {
						p.Tangents(dirs, k)
						jt, _ := p.OutputTangents()
						for j, v := range jt {
							total += ct[j] * v
						}
					}
					return total
				}
				loss()
				seed := mlp.Seeds{Score: cs, Tangents: ct}
				if useDiag {
					seed = mlp.Seeds{Score: cs, Diagonal: ct[:n*D]}
				}
				if err := p.Backward(seed); err != nil {
					t.Fatal(err)
				}
				var grads [][]float64
				for _, g := range p.Grads() {
					grads = append(grads, append([]float64(nil), g...))
				}
				worst := 0.0
				for gi, params := range net.Arrays() {
					for j := range params {
						old := params[j]
						h := 1e-5 * math.Max(1, math.Abs(old)) // the skip term makes the loss large: 1e-6 loses digits
						params[j] = old + h
						up := loss()
						params[j] = old - h
						down := loss()
						params[j] = old
						fd := (up - down) / (2 * h)
						worst = math.Max(worst, math.Abs(grads[gi][j]-fd)/math.Max(1e-3, math.Abs(fd)))
					}
				}
				if worst > 1e-6 {
					t.Errorf("gradients differ from central differences by %.2g relative", worst)
				}
			})
		}
	}
}

// A label is its one-hot row of the first weight matrix added to the
// first layer's bias: a class-conditional net scores a point with label
// y (the null label K included) as the net without classes whose first
// bias has that row added (to rounding: the row joins the sum at another
// place).
func TestLabelIsAFirstLayerBias(t *testing.T) {
	layout := mlp.Layout{Dim: 3, Hidden: []int{6, 6}, Conditional: true, Residual: true, SigmaData: 0.6, Classes: 3}
	net := newNet(t, layout, "swish", 7)
	const n = 5
	x := normals(rand.New(rand.NewPCG(7, 7)), n*layout.Dim)
	sigmas := []float64{0.2, 1, 3, 0.05, 9}
	p, err := mlp.NewPass(net, mlp.Options{Batch: n})
	if err != nil {
		t.Fatal(err)
	}
	plainLayout := layout
	plainLayout.Classes = 0
	in, h := layout.Dim+1, layout.Hidden[0]
	for y := int32(0); y <= int32(layout.Classes); y++ {
		labels := []int32{y, y, y, y, y}
		if err := p.SetLabels(labels); err != nil {
			t.Fatal(err)
		}
		got, err := p.Forward(x, sigmas, false)
		if err != nil {
			t.Fatal(err)
		}
		got = append([]float64(nil), got...)
		params := net.Arrays()
		w0 := append([]float64(nil), params[0][:in*h]...)
		b0 := append([]float64(nil), params[1]...)
		for j := range b0 {
			b0[j] += params[0][(in+int(y))*h+j]
		}
		plain, err := mlp.NewNet(plainLayout, net.Act, append([][]float64{w0, b0}, params[2:]...))
		if err != nil {
			t.Fatal(err)
		}
		q, _ := mlp.NewPass(plain, mlp.Options{Batch: n})
		want, err := q.Forward(x, sigmas, false)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-13*math.Max(1, math.Abs(want[i])) {
				t.Fatalf("label %d: score %d is %v, the biased net's %v", y, i, got[i], want[i])
			}
		}
	}
	// No labels is the null label's score.
	if err := p.SetLabels(nil); err != nil {
		t.Fatal(err)
	}
	none, _ := p.Forward(x, sigmas, false)
	none = append([]float64(nil), none...)
	p.SetLabels([]int32{3, 3, 3, 3, 3})
	null, _ := p.Forward(x, sigmas, false)
	for i := range none {
		if none[i] != null[i] {
			t.Fatalf("score %d without labels %v, with the null label %v", i, none[i], null[i])
		}
	}
	for name, bad := range map[string][]int32{"negative": {0, -1, 0, 0, 0}, "past the null label": {0, 4, 0, 0, 0}} {
		if p.SetLabels(bad) == nil {
			t.Errorf("%s label: no error", name)
		}
	}
	p.SetLabels([]int32{0, 1})
	if _, err := p.Forward(x, sigmas, false); err == nil {
		t.Error("2 labels for 5 points: no error")
	}
}

// Bad calls get an error, not a panic or a wrong answer.
func TestPassRefusesMisuse(t *testing.T) {
	net := newNet(t, mlp.Layout{Dim: 2, Hidden: []int{4}, Conditional: true}, "tanh", 1)
	p, err := mlp.NewPass(net, mlp.Options{Batch: 2, Tangents: 1})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{1, 2, 3, 4}
	for name, err := range map[string]error{
		"too many points":  func() error { _, err := p.Forward(append(x, 5, 6), []float64{1}, true); return err }(),
		"ragged points":    func() error { _, err := p.Forward(x[:3], []float64{1}, true); return err }(),
		"zero sigma":       func() error { _, err := p.Forward(x, []float64{0}, true); return err }(),
		"sigmas per point": func() error { _, err := p.Forward(x, []float64{1, 2, 3}, true); return err }(),
		"unit tangents":    func() error { p.Forward(x, []float64{1}, true); return p.Tangents(nil, 0) }(),
		"no gradients":     p.Backward(mlp.Seeds{Score: x}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := mlp.NewNet(mlp.Layout{Dim: 2, Hidden: []int{4}}, net.Act, nil); err == nil {
		t.Error("NewNet took no parameters for a layout that needs four")
	}
}

// A noise-conditional network divides by sigma: a net whose weights are all
// zero but the output bias scores b/sigma everywhere.
func ExamplePass_Forward() {
	act, _ := nn.LookupActivation("tanh")
	layout := mlp.Layout{Dim: 2, Hidden: []int{3}, Conditional: true}
	var params [][]float64
	for _, s := range layout.Params() {
		params = append(params, make([]float64, s.Rows*s.Cols))
	}
	params[3][0], params[3][1] = 1, -2 // layer1.bias
	net, _ := mlp.NewNet(layout, act.Kernel, params)
	p, _ := mlp.NewPass(net, mlp.Options{Batch: 2})
	s, _ := p.Forward([]float64{5, 5, -1, 0}, []float64{0.5}, false)
	fmt.Println(s)
	// Output: [2 -4 2 -4]
}

// Bytes counts what NewPass allocates: the Go heap grows by about that much.
func TestPassBytesCountsTheBuffers(t *testing.T) {
	net := newNet(t, mlp.Layout{Dim: 50, Hidden: []int{128, 128}}, "tanh", 1)
	opt := mlp.Options{Batch: 64, Tangents: 50, Gradients: true}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := mlp.NewPass(net, opt)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(p)
	got, want := float64(after.TotalAlloc-before.TotalAlloc), opt.Bytes(net.Layout)
	if math.Abs(got-want) > 0.02*want {
		t.Errorf("NewPass allocated %.0f bytes, Bytes says %.0f", got, want)
	}
}

// Preconditioning is off in the zero Layout (c_in = 1, output scale
// 1/sigma, no skip term, the parameters as without it), has EDM's factors
// with it, and needs a conditional net.
func TestPreconditioningFactors(t *testing.T) {
	const tol = 1e-15
	plain := mlp.Layout{Dim: 3, Hidden: []int{4, 4}, Conditional: true}
	scaled := plain
	scaled.SigmaData = 4
	for _, c := range []struct {
		name           string
		layout         mlp.Layout
		cin, out, skip float64
	}{
		{"off", plain, 1, 1.0 / 3, 0},
		// sigma 3, sigma_data 4: c_in = 1/5, sigma_data c_in / sigma = 4/15, -c_in^2 = -1/25.
		{"sigma_data 4", scaled, 0.2, 4.0 / 15, -0.04},
	} {
		if got := c.layout.InputScale(3); math.Abs(got-c.cin) > tol {
			t.Errorf("%s: c_in(3) = %v, want %v", c.name, got, c.cin)
		}
		if got := c.layout.OutputScale(3); math.Abs(got-c.out) > tol {
			t.Errorf("%s: output scale(3) = %v, want %v", c.name, got, c.out)
		}
		if got := c.layout.SkipScale(3); math.Abs(got-c.skip) > tol {
			t.Errorf("%s: skip scale(3) = %v, want %v", c.name, got, c.skip)
		}
	}
	if fmt.Sprint(scaled.Params()) != fmt.Sprint(plain.Params()) {
		t.Errorf("preconditioning changed the parameters: %v, want %v", scaled.Params(), plain.Params())
	}
	for _, bad := range []mlp.Layout{
		{Dim: 3, Hidden: []int{4}, Classes: 2},
		{Dim: 3, Hidden: []int{4}, Conditional: true, Classes: -1},
		{Dim: 3, Hidden: []int{4}, SigmaData: 1},
		{Dim: 3, Hidden: []int{4}, Conditional: true, SigmaData: -1},
		{Dim: 3, Hidden: []int{4}, Conditional: true, SigmaData: math.Inf(1)},
	} {
		if bad.Check() == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// A preconditioned network whose parameters are all zero (f = 0) is the
// score of N(0, (sigma^2 + sigma_data^2) I), -x/(sigma^2 + sigma_data^2),
// with that Jacobian, through every pass: what pulls chains that wander far
// from the data back, whatever the network has learned.
func TestPreconditionedZeroNetIsGaussianScore(t *testing.T) {
	const D, n, k, sd = 3, 2, 2, 0.5
	net := newNet(t, mlp.Layout{Dim: D, Hidden: []int{4, 4}, Conditional: true, Residual: true, SigmaData: sd}, "swish", 1)
	for _, p := range net.Arrays() {
		clear(p)
	}
	p, err := mlp.NewPass(net, mlp.Options{Batch: n, Tangents: D})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	x, dirs, sigmas := normals(rng, n*D), normals(rng, n*k*D), []float64{0.2, 3}
	want := func(r int) float64 { return -1 / (sigmas[r]*sigmas[r] + sd*sd) }
	const tol = 1e-15
	s, err := p.Forward(x, sigmas, true)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range s {
		if w := want(j/D) * x[j]; math.Abs(v-w) > tol {
			t.Errorf("score[%d] = %v, want %v", j, v, w)
		}
	}
	if err := p.Tangents(nil, 0); err != nil {
		t.Fatal(err)
	}
	diag := make([]float64, n*D)
	if err := p.JacobianDiagonal(diag); err != nil {
		t.Fatal(err)
	}
	for j, v := range diag {
		if math.Abs(v-want(j/D)) > tol {
			t.Errorf("ds_%d/dx_%d of point %d = %v, want %v", j%D, j%D, j/D, v, want(j/D))
		}
	}
	if err := p.Tangents(dirs, k); err != nil {
		t.Fatal(err)
	}
	jt, err := p.OutputTangents()
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range jt {
		if w := want(j/(k*D)) * dirs[j]; math.Abs(v-w) > tol {
			t.Errorf("(J t)[%d] = %v, want %v", j, v, w)
		}
	}
}
