package mlp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/internal/mlp"
	"scorenet/nn"
)

// float32Of is net's float32 twin: the same layout and activation, each
// parameter rounded to float32.
func float32Of(t testing.TB, net *mlp.Net, act string) *mlp.NetOf[float32] {
	t.Helper()
	var params [][]float32
	for _, a := range net.Arrays() {
		params = append(params, toFloat32(a))
	}
	a, err := nn.LookupActivation(act)
	if err != nil {
		t.Fatal(err)
	}
	n32, err := mlp.NewNetOf(net.Layout, mlp.Float32Activation(a.Kernel), params)
	if err != nil {
		t.Fatal(err)
	}
	return n32
}

func toFloat32(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

// run32 is one float32 forward, unit tangents and backward pass on
// threads threads: the scores, the Jacobian diagonals and the gradients
// of a loss seeded by fixed weights.
func run32(t testing.TB, net *mlp.NetOf[float32], x []float32, sigmas []float64, threads int) (s, diag []float32, grads [][]float32) {
	t.Helper()
	D, n := net.Dim, len(x)/net.Dim
	p, err := mlp.NewPassOf(net, mlp.Options{Batch: n, Tangents: D, Gradients: true, Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Forward(x, sigmas, true)
	if err != nil {
		t.Fatal(err)
	}
	s = append([]float32(nil), out...)
	if err := p.Tangents(nil, D); err != nil {
		t.Fatal(err)
	}
	diag = make([]float32, n*D)
	if err := p.JacobianDiagonal(diag); err != nil {
		t.Fatal(err)
	}
	seed := make([]float32, n*D)
	for i := range seed {
		seed[i] = float32(i%5) - 1.5
	}
	if err := p.Backward(mlp.SeedsOf[float32]{Score: seed, Diagonal: seed}); err != nil {
		t.Fatal(err)
	}
	for _, g := range p.Grads() {
		grads = append(grads, append([]float32(nil), g...))
	}
	return s, diag, grads
}

// The float32 core computes what the float64 core does, to float32's
// precision, for every layout and activation: scores, Jacobian diagonals
// and parameter gradients agree within a relative 1e-4 of each array's
// largest value. And it has the same bits on 1, 2 and 3 threads.
func TestFloat32CoreMatchesFloat64(t *testing.T) {
	const n = 300 // enough rows that the passes split over threads
	for _, act := range nn.Activations() {
		for _, c := range layouts {
			t.Run(act+"/"+c.name, func(t *testing.T) {
				net := newNet(t, c.layout, act, 5)
				net32 := float32Of(t, net, act)
				D := net.Dim
				rng := rand.New(rand.NewPCG(6, 6))
				x32 := toFloat32(normals(rng, n*D))
				x := make([]float64, len(x32))
				for i, v := range x32 {
					x[i] = float64(v)
				}
				sigmas := []float64{0.3}
				if !c.layout.Conditional {
					sigmas = nil
				}
				p, err := mlp.NewPass(net, mlp.Options{Batch: n, Tangents: D, Gradients: true, Threads: 1})
				if err != nil {
					t.Fatal(err)
				}
				out, err := p.Forward(x, sigmas, true)
				if err != nil {
					t.Fatal(err)
				}
				s := append([]float64(nil), out...)
				p.Tangents(nil, D)
				diag := make([]float64, n*D)
				p.JacobianDiagonal(diag)
				seed := make([]float64, n*D)
				for i := range seed {
					seed[i] = float64(i%5) - 1.5
				}
				if err := p.Backward(mlp.Seeds{Score: seed, Diagonal: seed}); err != nil {
					t.Fatal(err)
				}
				s32, diag32, grads32 := run32(t, net32, x32, sigmas, 1)
				near(t, "scores", s32, s)
				near(t, "Jacobian diagonals", diag32, diag)
				for i, g := range p.Grads() {
					near(t, net.Params()[i].Name+"'s gradient", grads32[i], g)
				}
				for _, threads := range []int{2, 3} {
					s2, diag2, grads2 := run32(t, net32, x32, sigmas, threads)
					same(t, threads, "scores", s2, s32)
					same(t, threads, "Jacobian diagonals", diag2, diag32)
					for i := range grads2 {
						same(t, threads, net.Params()[i].Name+"'s gradient", grads2[i], grads32[i])
					}
				}
			})
		}
	}
}

// near checks got against want within 1e-4 of want's largest magnitude.
func near(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-4*scale+1e-30) {
			t.Fatalf("%s[%d]: float32 %v, float64 %v (difference %.3g, %.3g of the largest)", what, i, got[i], want[i], d, d/scale)
		}
	}
}

func same(t *testing.T, threads int, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] on %d threads: %v, one thread gives %v", what, i, threads, got[i], want[i])
		}
	}
}

// A float32 network large enough that its products and elementwise passes
// split over goroutines has the same bits on any number of threads.
func TestFloat32CoreBitsOnAnyThreads(t *testing.T) {
	layout := mlp.Layout{Dim: 16, Hidden: []int{256, 256}, Conditional: true, Residual: true, SigmaData: 0.8}
	net32 := float32Of(t, newNet(t, layout, "swish", 9), "swish")
	rng := rand.New(rand.NewPCG(10, 10))
	x := toFloat32(normals(rng, 512*layout.Dim))
	sigmas := make([]float64, 512)
	for i := range sigmas {
		sigmas[i] = math.Exp(rng.NormFloat64())
	}
	s1, d1, g1 := run32(t, net32, x, sigmas, 1)
	for _, threads := range []int{2, 4, 7} {
		s, d, g := run32(t, net32, x, sigmas, threads)
		same(t, threads, "scores", s, s1)
		same(t, threads, "Jacobian diagonals", d, d1)
		for i := range g {
			same(t, threads, "gradient", g[i], g1[i])
		}
	}
}

// BenchmarkImagePass times one forward and backward pass of the D = 784
// image network (785-1024-1024-784, residual swish, preconditioned), batch
// 128, as a denoising loss runs it, in float64 and float32.
func BenchmarkImagePass(b *testing.B) {
	layout := mlp.Layout{Dim: 784, Hidden: []int{1024, 1024}, Conditional: true, Residual: true, SigmaData: 0.35}
	net := newNet(b, layout, "swish", 1)
	a, _ := nn.LookupActivation("swish")
	var params [][]float32
	for _, p := range net.Arrays() {
		params = append(params, toFloat32(p))
	}
	net32, err := mlp.NewNetOf(layout, mlp.Float32Activation(a.Kernel), params)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := normals(rng, 128*784)
	sigmas := []float64{0.5}
	b.Run("float64", func(b *testing.B) {
		p, _ := mlp.NewPass(net, mlp.Options{Batch: 128, Gradients: true})
		for b.Loop() {
			s, _ := p.Forward(x, sigmas, true)
			if err := p.Backward(mlp.Seeds{Score: s}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("float32", func(b *testing.B) {
		p, _ := mlp.NewPassOf(net32, mlp.Options{Batch: 128, Gradients: true})
		x32 := toFloat32(x)
		for b.Loop() {
			s, _ := p.Forward(x32, sigmas, true)
			if err := p.Backward(mlp.SeedsOf[float32]{Score: s}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A frozen network (weights packed once, for sampling) scores with the same
// bits as the network it was frozen from, in both precisions and on any
// number of threads, and keeps the weights it was frozen with.
func TestFrozenNetScoresTheSame(t *testing.T) {
	layout := mlp.Layout{Dim: 20, Hidden: []int{300, 200}, Conditional: true, Residual: true, SigmaData: 0.8}
	net := newNet(t, layout, "swish", 11)
	rng := rand.New(rand.NewPCG(12, 12))
	x := normals(rng, 400*layout.Dim)
	sigmas := make([]float64, 400)
	for i := range sigmas {
		sigmas[i] = math.Exp(rng.NormFloat64())
	}
	forward := func(n *mlp.Net, threads int) []float64 {
		p, err := mlp.NewPass(n, mlp.Options{Batch: 400, Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Forward(x, sigmas, false)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), out...)
	}
	want := forward(net, 1)
	frozen := net.Frozen()
	for _, threads := range []int{1, 2, 5} {
		got := forward(frozen, threads)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%d threads: frozen score %d = %v, want %v", threads, i, got[i], want[i])
			}
		}
	}
	net32 := float32Of(t, net, "swish")
	want32, _, _ := run32(t, net32, toFloat32(x), sigmas, 1)
	p, err := mlp.NewPassOf(net32.Frozen(), mlp.Options{Batch: 400, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	got32, err := p.Forward(toFloat32(x), sigmas, false)
	if err != nil {
		t.Fatal(err)
	}
	same(t, 2, "frozen float32 scores", got32, want32)

	if frozen == net {
		return // -tags openblas: nothing is packed, nothing kept
	}
	net.W[0][0] += 1 // after freezing: the frozen copy keeps the old weights
	if got := forward(frozen, 1); got[0] != want[0] {
		t.Errorf("a frozen net followed a change to its weights: %v, want %v", got[0], want[0])
	}
}

// Forward64 gives Forward's scores on the points rounded to the net's
// type, widened, to the bit: with and without the skip term, conditional
// or not, in float32 and float64.
func TestForward64IsForwardWidened(t *testing.T) {
	cases := []struct {
		name   string
		layout mlp.Layout
	}{
		{"preconditioned", mlp.Layout{Dim: 12, Hidden: []int{64, 48}, Conditional: true, Residual: true, SigmaData: 0.8}},
		{"conditional without skip", mlp.Layout{Dim: 12, Hidden: []int{64}, Conditional: true}},
		{"unconditional", mlp.Layout{Dim: 12, Hidden: []int{64, 64}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			net := newNet(t, c.layout, "swish", 5)
			rng := rand.New(rand.NewPCG(6, 6))
			const n = 37
			x := normals(rng, n*c.layout.Dim)
			var sigmas []float64
			if c.layout.Conditional {
				for range n {
					sigmas = append(sigmas, math.Exp(rng.NormFloat64()))
				}
			}
			got := make([]float64, len(x))
			p64, err := mlp.NewPass(net, mlp.Options{Batch: n})
			if err != nil {
				t.Fatal(err)
			}
			if err := p64.Forward64(got, x, sigmas); err != nil {
				t.Fatal(err)
			}
			want, err := p64.Forward(x, sigmas, false)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("float64: score %d = %v, want %v", i, got[i], want[i])
				}
			}
			p32, err := mlp.NewPassOf(float32Of(t, net, "swish"), mlp.Options{Batch: n})
			if err != nil {
				t.Fatal(err)
			}
			if err := p32.Forward64(got, x, sigmas); err != nil {
				t.Fatal(err)
			}
			want32, err := p32.Forward(toFloat32(x), sigmas, false)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want32 {
				if math.Float64bits(got[i]) != math.Float64bits(float64(want32[i])) {
					t.Fatalf("float32: score %d = %v, want %v", i, got[i], want32[i])
				}
			}
			if err := p32.Forward64(got[:len(x)-1], x, sigmas); err == nil {
				t.Fatal("a score slice one short was taken")
			}
		})
	}
}
