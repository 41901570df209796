package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"scorenet/internal/gemm"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

func TestGaussianScoreIsClosedForm(t *testing.T) {
	m, err := New(Spec{Kind: "gaussian", Dim: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := m.(*Gaussian)
	copy(g.Mean().Value.Data().([]float64), []float64{1, -3})
	copy(g.LogVariance().Value.Data().([]float64), []float64{math.Log(4), math.Log(0.5)})
	sc, err := NewScorer(m, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0, 0, 3, -2}
	got := make([]float64, 4)
	if err := sc.Score(got, x, 0); err != nil {
		t.Fatal(err)
	}
	want := []float64{1.0 / 4, -3 / 0.5, -2.0 / 4, -1 / 0.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-14 {
			t.Errorf("score[%d] = %v, want (mu - x)/var = %v", i, got[i], want[i])
		}
	}
}

func TestMLPInitialisationFollowsFanIn(t *testing.T) {
	m, err := New(Spec{Kind: "mlp", Dim: 3, Hidden: []int{64, 32}, Activation: "tanh"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, p := range m.Params() {
		names = append(names, p.Name)
		fanIn := p.Value.Shape()[0]
		if strings.HasSuffix(p.Name, ".bias") {
			fanIn = map[string]int{"layer0.bias": 3, "layer1.bias": 64, "layer2.bias": 32}[p.Name]
		}
		bound := 1 / math.Sqrt(float64(fanIn))
		largest := 0.0
		for _, v := range p.Value.Data().([]float64) {
			largest = math.Max(largest, math.Abs(v))
		}
		if largest > bound || (p.Value.Size() >= 32 && largest < 0.5*bound) {
			t.Errorf("%s: largest |value| %v, want within U(-%v, %v) and spread over it", p.Name, largest, bound, bound)
		}
	}
	want := []string{"layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("parameters %v, want %v", names, want)
	}
}

func TestScorerChunksAgreeWithOneBatch(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		m, err := New(Spec{Kind: "mlp", Dim: 2, Hidden: []int{8}, Activation: "elu", Dtype: dt}, rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float64, 2*10)
		for i := range x {
			x[i] = float64(i)/5 - 2
		}
		whole, chunked := make([]float64, len(x)), make([]float64, len(x))
		one, _ := NewScorer(m, 10, 0)
		three, _ := NewScorer(m, 3, 0)
		if err := one.Score(whole, x, 0); err != nil {
			t.Fatal(err)
		}
		if err := three.Score(chunked, x, 0); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(whole, chunked) {
			t.Errorf("%v: chunks of 3 give %v, one batch %v", dt, chunked, whole)
		}
	}
}

func TestNewRejectsBadSpecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		spec Spec
		want string
	}{
		{Spec{Kind: "mlp", Dim: 0}, "dimension must be >= 1"},
		{Spec{Kind: "cnn", Dim: 2}, `unknown model kind "cnn"`},
		{Spec{Kind: "mlp", Dim: 2, Hidden: []int{4}, Activation: "relu"}, `unknown activation "relu"`},
		{Spec{Kind: "mlp", Dim: 2, Hidden: []int{0}, Activation: "tanh"}, "width 0"},
		{Spec{Kind: "mlp", Dim: 2, Dtype: tensor.Int}, "want float64 or float32"},
	}
	for _, c := range cases {
		if _, err := New(c.spec, rng); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error containing %q", c.spec, err, c.want)
		}
	}
}

// A model's forward pass can be evaluated for any number of points; the
// scorer cuts them into batches of the size its graph was compiled for.
func ExampleNewScorer() {
	model, err := New(Spec{Kind: "gaussian", Dim: 1}, nil) // starts as N(0, 1)
	if err != nil {
		panic(err)
	}
	scorer, err := NewScorer(model, 2, 0)
	if err != nil {
		panic(err)
	}
	x := []float64{-1, 0, 0.5}
	s := make([]float64, 3)
	if err := scorer.Score(s, x, 0); err != nil {
		panic(err)
	}
	fmt.Println(s) // the standard normal's score is -x
	// Output: [1 0 -0.5]
}

// The forward pass of a D-H-D MLP on a batch of B points multiplies
// (B x D)(D x H) and (B x H)(H x D): 2BDH + 2BHD operations.
func TestMatmulFLOPsOfAForwardPass(t *testing.T) {
	m, err := New(Spec{Kind: "mlp", Dim: 3, Hidden: []int{7}, Activation: "tanh"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := float64(2*5*3*7 + 2*5*7*3)
	graph, err := NewGraphScorer(m, 5)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := NewScorer(m, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	fast.Score(make([]float64, 15), make([]float64, 15), 0)
	if g, f := graph.MatmulFLOPs(), fast.MatmulFLOPs(); g != want || f != want {
		t.Errorf("forward pass counts %v FLOPs in the graph and %v by hand, want %v", g, f, want)
	}
}

// The hand-written MLP forward pass gives what the gorgonia graph gives,
// for every activation, with and without noise conditioning, in chunks.
func TestHandWrittenForwardMatchesTheGraph(t *testing.T) {
	for _, act := range Activations() {
		for _, v := range []struct{ conditional, residual bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			conditional := v.conditional
			m, err := New(Spec{Kind: "mlp", Dim: 3, Hidden: []int{9, 9, 7}, Activation: act, NoiseConditional: conditional, Residual: v.residual},
				rand.New(rand.NewPCG(5, 5)))
			if err != nil {
				t.Fatal(err)
			}
			graph, _ := NewGraphScorer(m, 4)
			fast, _ := NewScorer(m, 4, 0)
			if fast.core == nil {
				t.Fatal("NewScorer did not choose the hand-written pass for a float64 MLP")
			}
			x := make([]float64, 3*10) // 10 points: chunks of 4, 4 and 2
			for i := range x {
				x[i] = float64(i%11)/2 - 2.5
			}
			for _, sigma := range []float64{0.3, 7} {
				want, got := make([]float64, len(x)), make([]float64, len(x))
				if err := graph.Score(want, x, sigma); err != nil {
					t.Fatal(err)
				}
				if err := fast.Score(got, x, sigma); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
						t.Fatalf("%s %+v sigma=%v: score[%d] = %.17g, graph %.17g", act, v, sigma, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// Every activation's Value kernel gives Derivatives' f bit for bit (the
// mlp.Activation contract), so a forward pass does not depend on whether it
// keeps the derivatives.
func TestActivationValueMatchesDerivativesBitwise(t *testing.T) {
	z := make([]float64, 4000)
	for i := range z {
		z[i] = float64(i-2000) / 97
	}
	for _, name := range Activations() {
		a, _ := LookupActivation(name)
		v, f, d1, d2 := make([]float64, len(z)), make([]float64, len(z)), make([]float64, len(z)), make([]float64, len(z))
		a.Kernel.Value(v, z)
		a.Kernel.Derivatives(z, f, d1, d2)
		for i := range z {
			if math.Float64bits(v[i]) != math.Float64bits(f[i]) {
				t.Errorf("%s(%v): Value %v, Derivatives' f %v", name, z[i], v[i], f[i])
				break
			}
		}
	}
}

// Each activation's float32 derivatives (Float32: Derivatives32 where
// the table has one) are its float64 kernel's, narrowed, bit for bit, on
// lengths that leave a tail past the kernels' blocks and the chunks.
func TestActivationFloat32MatchesFloat64Narrowed(t *testing.T) {
	for _, n := range []int{5, 256, 4003} {
		z := make([]float32, n)
		for i := range z {
			z[i] = float32(i-n/2) / 97
		}
		wide := make([]float64, n)
		for i, v := range z {
			wide[i] = float64(v)
		}
		for _, name := range Activations() {
			a, _ := LookupActivation(name)
			f, d1, d2 := make([]float64, n), make([]float64, n), make([]float64, n)
			a.Kernel.Derivatives(wide, f, d1, d2)
			g, g1, g2 := make([]float32, n), make([]float32, n), make([]float32, n)
			a.Float32().Derivatives(z, g, g1, g2)
			for i := range z {
				for j, pair := range [][2]float64{{f[i], float64(g[i])}, {d1[i], float64(g1[i])}, {d2[i], float64(g2[i])}} {
					if math.Float32bits(float32(pair[0])) != math.Float32bits(float32(pair[1])) {
						t.Fatalf("%s, n %d, z = %v: derivative %d is %v in float32, %v narrowed from float64", name, n, z[i], j, pair[1], float32(pair[0]))
					}
				}
			}
		}
	}
}

// Each activation's first and second derivatives match central
// differences of its value and first derivative, on both sides of 0.
func TestActivationDerivatives(t *testing.T) {
	z := []float64{-30, -5, -1.3, -0.2, 0.3, 1.1, 4, 25}
	for _, name := range Activations() {
		a, err := LookupActivation(name)
		if err != nil {
			t.Fatal(err)
		}
		d := a.Kernel.Derivatives
		n := len(z)
		at := func(shift float64) (f, d1, d2 []float64) {
			zz := make([]float64, n)
			for i, v := range z {
				zz[i] = v + shift
			}
			f, d1, d2 = make([]float64, n), make([]float64, n), make([]float64, n)
			d(zz, f, d1, d2)
			return
		}
		const h = 1e-6
		_, g1, g2 := at(0)
		fp, d1p, _ := at(h)
		fm, d1m, _ := at(-h)
		for i := range z {
			if e := math.Abs((fp[i]-fm[i])/(2*h) - g1[i]); e > 1e-8*math.Max(1, math.Abs(g1[i])) {
				t.Errorf("%s'(%v) = %v, central difference %v", name, z[i], g1[i], (fp[i]-fm[i])/(2*h))
			}
			if e := math.Abs((d1p[i]-d1m[i])/(2*h) - g2[i]); e > 1e-8*math.Max(1, math.Abs(g2[i])) {
				t.Errorf("%s''(%v) = %v, central difference %v", name, z[i], g2[i], (d1p[i]-d1m[i])/(2*h))
			}
		}
	}
	if _, err := LookupActivation("relu"); err == nil {
		t.Error("unknown activation accepted")
	}
}

// A network too large to hold is refused before anything is allocated.
func TestNewRefusesHugeNetworks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Kind: "mlp", Dim: 2, Hidden: []int{1_000_000_000}, Activation: "tanh"}, "the mlp 2-1000000000-2 would have 5000000002 parameters, above the limit of 134217728"},
		{Spec{Kind: "mlp", Dim: 2, Hidden: []int{100000, 100000}, Activation: "tanh"}, "would have 10000600002 parameters"},
		{Spec{Kind: "mlp", Dim: 1_000_000_000, Hidden: []int{8}, Activation: "tanh"}, "dimension 1000000000 is above the limit of 131072"},
		{Spec{Kind: "gaussian", Dim: 1_000_000_000}, "dimension 1000000000 is above the limit"},
	} {
		if _, err := New(c.spec, rng); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.spec.Hidden, err, c.want)
		}
	}
}

// The red team's `scorenet sample -n 100000000` passed the chains' check and
// died allocating a scorer's pass of 5e7 points x 128 units (51 GB): the
// pass is asked of the memory budget first, and the commands ask for
// every worker's (ScorerBytes) before they make the chains.
func TestNewScorerAsksTheBudget(t *testing.T) {
	m, err := New(Spec{Kind: "mlp", Dim: 2, Hidden: []int{128, 128}, Activation: "softplus"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// 8 x 265 values a point, each thread's packed blocks of the
	// products, and the weights packed once (2x128 + 128x128 + 128x32,
	// the last layer's 2 columns padded to a panel of 32; none with
	// -tags openblas, which packs inside each product).
	frozen := m.(*MLP).layout.FrozenValues()
	if frozen != 0 && frozen != 20736 {
		t.Errorf("FrozenValues = %d, want 20736", frozen)
	}
	if got, want := ScorerBytes(m, 1_000_000_000), 8*265e9+float64(gemm.Threads())*gemm.WorkspaceBytes(128)+8*float64(frozen); got != want {
		t.Errorf("ScorerBytes = %v, want %v", got, want)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = NewScorer(m, 1_000_000_000, 1)
	runtime.ReadMemStats(&after)
	// 10^9 x (2 + 2*2+3 + 128 + 128) values of 8 bytes: 2.1 TB.
	want := "nn: the forward pass of 1000000000 points (D = 2) needs 1974.4 GiB of memory, more than the "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %q...", err, want)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("refusing allocated %d bytes", got)
	}
}

// A float32 MLP's scorer runs the float32 core, and agrees with its
// gorgonia graph within float32's precision (1e-5 of the largest score),
// at one level and at a level per point.
func TestFloat32ScorerMatchesGraph(t *testing.T) {
	m, err := New(Spec{Kind: "mlp", Dim: 5, Hidden: []int{16, 16}, Activation: "swish", Dtype: tensor.Float32,
		NoiseConditional: true, Residual: true, SigmaData: 0.7}, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	fused, err := NewScorer(m, 7, 0)
	if err != nil || fused.core == nil {
		t.Fatalf("a float32 MLP's scorer: %v, want the float32 core", err)
	}
	graph, err := NewGraphScorer(m, 7)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	x := make([]float64, 20*5)
	sigmas := make([]float64, 20)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range sigmas {
		sigmas[i] = math.Exp(rng.NormFloat64())
	}
	for _, at := range []string{"one level", "a level per point"} {
		got, want := make([]float64, len(x)), make([]float64, len(x))
		if at == "one level" {
			fused.Score(got, x, 0.3)
			graph.Score(want, x, 0.3)
		} else {
			fused.ScoreAt(got, x, sigmas)
			graph.ScoreAt(want, x, sigmas)
		}
		scale := 0.0
		for _, w := range want {
			scale = math.Max(scale, math.Abs(w))
		}
		for i := range got {
			if d := math.Abs(got[i] - want[i]); !(d <= 1e-5*scale) {
				t.Fatalf("%s: score[%d] %v, the graph's %v", at, i, got[i], want[i])
			}
		}
	}
}
