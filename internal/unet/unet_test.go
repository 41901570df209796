package unet

import (
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/internal/gemm"
	"scorenet/internal/mlp"
	"scorenet/internal/vmath"
)

// swish is x sigmoid(x) on internal/vmath's kernels, as nn's table has it
// (this package's tests cannot import nn).
func swish[T gemm.Float]() mlp.ActivationOf[T] {
	kernel := mlp.Activation{Value: vmath.Swish, Derivatives: func(z, f, d1, d2 []float64) {
		vmath.Sigmoid(d2, z)
		vmath.SwishDerivatives(f, d1, d2, z, d2)
	}}
	if act, ok := any(kernel).(mlp.ActivationOf[T]); ok {
		return act
	}
	// As nn's swish runs in float32: the derivatives in one pass.
	act := mlp.Float32Activation(kernel)
	act.Derivatives = vmath.SwishDerivatives32
	return any(act).(mlp.ActivationOf[T])
}

// randomNet is a network of layout l with parameters drawn from rng at
// scale spread (GroupNorm scales near 1).
func randomNet[T gemm.Float](t *testing.T, l Layout, rng *rand.Rand, spread float64) *NetOf[T] {
	t.Helper()
	var params [][]T
	for _, s := range l.Params() {
		p := make([]T, s.Rows*s.Cols)
		for k := range p {
			p[k] = T(spread * rng.NormFloat64())
			if len(s.Name) > 6 && s.Name[len(s.Name)-6:] == ".scale" {
				p[k] += 1
			}
		}
		params = append(params, p)
	}
	net, err := NewNetOf(l, swish[T](), params)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func tinyLayout(c int) Layout {
	return Layout{H: 4, W: 4, C: c, Channels: []int{4, 6}, Groups: 2, Frequencies: 3, Embed: 5, SigmaData: 0.5}
}

// TestGradientsMatchFiniteDifferences checks every parameter's gradient and
// the input gradient of L = sum_k w_k s_k against central differences.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layout Layout
	}{
		{"one channel, two levels", tinyLayout(1)},
		{"two channels, two levels", tinyLayout(2)},
		{"three levels", Layout{H: 8, W: 4, C: 1, Channels: []int{2, 4, 4}, Groups: 2, Frequencies: 2, Embed: 3, SigmaData: 1}},
		{"one level", Layout{H: 3, W: 5, C: 1, Channels: []int{3}, Groups: 3, Frequencies: 1, Embed: 2, SigmaData: 0.3}},
		{"class-conditional", Layout{H: 4, W: 4, C: 1, Channels: []int{2, 4}, Groups: 2, Frequencies: 2, Embed: 3, SigmaData: 0.5, Classes: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			net := randomNet[float64](t, tc.layout, rng, 0.4)
			n, D := 3, tc.layout.Dim()
			if tc.layout.Classes > 0 {
				pass0, _ := NewPassOf(net, Options{Batch: n})
				if pass0.SetLabels([]int32{0, 3, 1}) == nil {
					t.Error("a label past the null label: no error")
				}
			}
			x, w := make([]float64, n*D), make([]float64, n*D)
			for k := range x {
				x[k], w[k] = rng.NormFloat64(), rng.NormFloat64()
			}
			sigmas := []float64{0.05, 0.7, 3}
			pass, err := NewPassOf(net, Options{Batch: n, Gradients: true, InputGradient: true})
			if err != nil {
				t.Fatal(err)
			}
			if tc.layout.Classes > 0 {
				// Each label (the null one too): its embedding's gradient.
				if err := pass.SetLabels([]int32{1, 2, 0}); err != nil {
					t.Fatal(err)
				}
			}
			loss := func() float64 {
				s, err := pass.Forward(x, sigmas)
				if err != nil {
					t.Fatal(err)
				}
				sum := 0.0
				for k, v := range s {
					sum += w[k] * v
				}
				return sum
			}
			loss()
			if err := pass.Backward(w); err != nil {
				t.Fatal(err)
			}
			check := func(what string, values []float64, grad []float64) {
				t.Helper()
				g := append([]float64(nil), grad...)
				const h, atol, rtol = 1e-5, 1e-7, 1e-6
				for k := range values {
					v := values[k]
					values[k] = v + h
					up := loss()
					values[k] = v - h
					down := loss()
					values[k] = v
					fd := (up - down) / (2 * h)
					if math.Abs(fd-g[k]) > atol+rtol*math.Abs(fd) {
						t.Fatalf("%s[%d]: gradient %.10g, finite difference %.10g", what, k, g[k], fd)
					}
				}
			}
			for i, s := range tc.layout.Params() {
				check(s.Name, net.Arrays()[i], pass.Grads()[i])
			}
			check("x", x, pass.InputGrad())
		})
	}
}

// run is one Forward and Backward of net on threads threads: the scores,
// the parameter gradients and the input gradient, widened to float64.
func run[T gemm.Float](t *testing.T, net *NetOf[T], threads int, x []T, w []T, sigmas []float64) (out []float64) {
	t.Helper()
	n := len(x) / net.Dim()
	pass, err := NewPassOf(net, Options{Batch: n, Gradients: true, InputGradient: true, Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	s, err := pass.Forward(x, sigmas)
	if err != nil {
		t.Fatal(err)
	}
	if err := pass.Backward(w); err != nil {
		t.Fatal(err)
	}
	for _, part := range append(append([][]T{s}, pass.Grads()...), pass.InputGrad()) {
		for _, v := range part {
			out = append(out, float64(v))
		}
	}
	return out
}

// TestSameBitsOnAnyThreads runs a network big enough that its products and
// elementwise passes split over goroutines on 1, 2 and 8 threads.
func TestSameBitsOnAnyThreads(t *testing.T) {
	l := Layout{H: 16, W: 16, C: 1, Channels: []int{16, 32}, Groups: 4, Frequencies: 4, Embed: 16, SigmaData: 0.5}
	rng := rand.New(rand.NewPCG(3, 4))
	n := 24
	x64, w64 := make([]float64, n*l.Dim()), make([]float64, n*l.Dim())
	sigmas := make([]float64, n)
	for k := range x64 {
		x64[k], w64[k] = rng.NormFloat64(), rng.NormFloat64()
	}
	for k := range sigmas {
		sigmas[k] = math.Exp(rng.NormFloat64())
	}
	t.Run("float64", func(t *testing.T) {
		net := randomNet[float64](t, l, rand.New(rand.NewPCG(5, 6)), 0.2)
		sameBits(t, func(threads int) []float64 { return run(t, net, threads, x64, w64, sigmas) })
	})
	t.Run("float32", func(t *testing.T) {
		net := randomNet[float32](t, l, rand.New(rand.NewPCG(5, 6)), 0.2)
		x, w := narrowed(x64), narrowed(w64)
		sameBits(t, func(threads int) []float64 { return run(t, net, threads, x, w, sigmas) })
	})
}

func narrowed(v []float64) []float32 {
	out := make([]float32, len(v))
	for k, x := range v {
		out[k] = float32(x)
	}
	return out
}

func sameBits(t *testing.T, of func(threads int) []float64) {
	t.Helper()
	want := of(1)
	for _, threads := range []int{2, 8} {
		got := of(threads)
		for k := range want {
			if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
				t.Fatalf("%d threads: value %d is %v, one thread gave %v", threads, k, got[k], want[k])
			}
		}
	}
}

// TestFloat32FollowsFloat64 compares a float32 network with the float64
// one of the same weights: float32 keeps about 7 digits, and the products
// sum hundreds of terms, so scores and gradients agree to a relative 1e-3
// of their scale.
func TestFloat32FollowsFloat64(t *testing.T) {
	l := Layout{H: 8, W: 8, C: 1, Channels: []int{8, 16}, Groups: 4, Frequencies: 4, Embed: 8, SigmaData: 0.5}
	rng := rand.New(rand.NewPCG(7, 8))
	n := 4
	x, w := make([]float64, n*l.Dim()), make([]float64, n*l.Dim())
	for k := range x {
		x[k], w[k] = rng.NormFloat64(), rng.NormFloat64()
	}
	sigmas := []float64{0.02, 0.3, 1, 20}
	net64 := randomNet[float64](t, l, rand.New(rand.NewPCG(9, 10)), 0.3)
	net32 := randomNet[float32](t, l, rand.New(rand.NewPCG(9, 10)), 0.3)
	want, got := run(t, net64, 1, x, w, sigmas), run(t, net32, 1, narrowed(x), narrowed(w), sigmas)
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-3*scale {
			t.Fatalf("value %d: float32 %v, float64 %v (scale %v)", k, got[k], want[k], scale)
		}
	}
}

func TestLayoutCheck(t *testing.T) {
	good := tinyLayout(1)
	for _, tc := range []struct {
		name string
		edit func(*Layout)
		ok   bool
	}{
		{"the tiny layout", func(*Layout) {}, true},
		{"no levels", func(l *Layout) { l.Channels = nil }, false},
		{"odd side for a pooling", func(l *Layout) { l.H = 5 }, false},
		{"channels not a multiple of the groups", func(l *Layout) { l.Channels = []int{4, 5} }, false},
		{"no frequencies", func(l *Layout) { l.Frequencies = 0 }, false},
		{"zero sigma_data", func(l *Layout) { l.SigmaData = 0 }, false},
		{"infinite sigma_data", func(l *Layout) { l.SigmaData = math.Inf(1) }, false},
		{"empty image", func(l *Layout) { l.W = 0 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := good
			l.Channels = append([]int(nil), good.Channels...)
			tc.edit(&l)
			if err := l.Check(); (err == nil) != tc.ok {
				t.Fatalf("Check() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestBytesCountsTheBuffers compares the counted bytes with what a Pass
// allocates, as the Go runtime measures it.
func TestBytesCountsTheBuffers(t *testing.T) {
	l := Layout{H: 16, W: 16, C: 1, Channels: []int{8, 16}, Groups: 4, Frequencies: 4, Embed: 8, SigmaData: 0.5}
	net := randomNet[float64](t, l, rand.New(rand.NewPCG(1, 1)), 0.1)
	opt := Options{Batch: 32, Gradients: true, Threads: 1}
	p, err := NewPassOf(net, opt)
	if err != nil {
		t.Fatal(err)
	}
	held := 0.0
	for _, m := range p.maps {
		held += float64(len(m.v) + len(m.g))
	}
	want := opt.Bytes(l)
	if 8*held > want || want > 8*held*3+4*gemm.WorkspaceBytes(9*16) {
		t.Fatalf("Bytes = %.0f, the maps alone hold %.0f", want, 8*held)
	}
}
