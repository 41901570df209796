package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"scorenet/internal/gemm"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// StepUnclipped is GradNorm then Step with no clipping, to the bit: the
// same parameters and moments, and the same norm, over tensors of several
// parts (GradNorm's order of adding them), in both dtypes, and where the
// squares overflow or an entry is NaN.
func TestStepUnclippedIsGradNormThenStep(t *testing.T) {
	sizes := []int{3, 2*chunkSize + 17, 40}
	cases := []struct {
		name  string
		dtype tensor.Dtype
		spoil func(g [][]float64)
	}{
		{"float64", tensor.Float64, nil},
		{"float32", tensor.Float32, nil},
		{"float64, squares overflow", tensor.Float64, func(g [][]float64) { g[1][chunkSize+5] = 3e200 }},
		{"float32, a NaN", tensor.Float32, func(g [][]float64) { g[2][7] = math.NaN() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			var theta, grad [][]float64
			for _, n := range sizes {
				th, g := make([]float64, n), make([]float64, n)
				for k := range n {
					th[k], g[k] = rng.NormFloat64(), rng.NormFloat64()*1e-3
				}
				theta, grad = append(theta, th), append(grad, g)
			}
			if c.spoil != nil {
				c.spoil(grad)
			}
			settings := AdamSettings{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
			run := func(fused bool) (norms []float64, params []nn.Param, a *Adam) {
				params = paramsOf(theta, c.dtype)
				grads := make([]tensor.Tensor, len(grad))
				for i, g := range paramsOf(grad, c.dtype) {
					grads[i] = g.Value
				}
				a = NewAdam(settings, params)
				for range 3 { // moments that are not zero
					if fused {
						n, _ := a.StepUnclipped(params, grads)
						norms = append(norms, n)
					} else {
						norms = append(norms, GradNorm(grads))
						a.Step(params, grads, 1)
					}
				}
				return norms, params, a
			}
			wantNorms, wantParams, wantAdam := run(false)
			gotNorms, gotParams, gotAdam := run(true)
			for i := range wantNorms {
				if math.Float64bits(gotNorms[i]) != math.Float64bits(wantNorms[i]) {
					t.Fatalf("step %d: norm %v, GradNorm says %v", i+1, gotNorms[i], wantNorms[i])
				}
			}
			if c.spoil == nil && !(wantNorms[0] > 0) {
				t.Fatalf("norm %v: the gradients were not read", wantNorms[0])
			}
			for i := range wantParams {
				for _, pair := range [][2]*tensor.Dense{{gotParams[i].Value, wantParams[i].Value}, {gotAdam.M[i], wantAdam.M[i]}, {gotAdam.V[i], wantAdam.V[i]}} {
					if !sameBits(pair[0].Data(), pair[1].Data()) {
						t.Fatalf("tensor %d: the fused update differs from Step's", i)
					}
				}
			}
		})
	}
}

// paramsOf makes parameters of dtype from values.
func paramsOf(values [][]float64, dtype tensor.Dtype) []nn.Param {
	var out []nn.Param
	for i, v := range values {
		var d *tensor.Dense
		if dtype == tensor.Float32 {
			f := make([]float32, len(v))
			for k, x := range v {
				f[k] = float32(x)
			}
			d = tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(f))
		} else {
			d = tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(slices.Clone(v)))
		}
		out = append(out, nn.Param{Name: string(rune('a' + i)), Value: d})
	}
	return out
}

// sameBits reports whether two float slices hold the same bits (NaNs
// included).
func sameBits(a, b any) bool {
	switch a := a.(type) {
	case []float64:
		b := b.([]float64)
		return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
	case []float32:
		b := b.([]float32)
		return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
	}
	return false
}

// Alongside runs once during the next update, whatever the number of
// threads, is then cleared, and leaves the update's bits as they were.
func TestAdamRunsAlongsideOnce(t *testing.T) {
	defer gemm.SetThreads(0)
	rng := rand.New(rand.NewPCG(3, 9))
	theta, grad := make([][]float64, 3), make([][]float64, 3)
	for i, n := range []int{5, 3*chunkSize + 1, 7} {
		theta[i], grad[i] = make([]float64, n), make([]float64, n)
		for k := range n {
			theta[i][k], grad[i][k] = rng.NormFloat64(), rng.NormFloat64()
		}
	}
	settings := AdamSettings{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	update := func(alongside bool) ([]nn.Param, int) {
		params := paramsOf(theta, tensor.Float32)
		grads := make([]tensor.Tensor, len(grad))
		for i, g := range paramsOf(grad, tensor.Float32) {
			grads[i] = g.Value
		}
		a := NewAdam(settings, params)
		var runs atomic.Int32
		for range 2 {
			if alongside {
				a.Alongside = func() { runs.Add(1) }
			}
			if _, err := a.StepUnclipped(params, grads); err != nil {
				t.Fatal(err)
			}
			if a.Alongside != nil {
				t.Fatal("Alongside is still set after the update")
			}
		}
		if _, err := a.StepUnclipped(params, grads); err != nil { // none set: none run
			t.Fatal(err)
		}
		return params, int(runs.Load())
	}
	for _, threads := range []int{1, 2, 8} {
		gemm.SetThreads(threads)
		want, _ := update(false)
		got, runs := update(true)
		if runs != 2 {
			t.Errorf("%d threads: Alongside ran %d times in two updates", threads, runs)
		}
		for i := range want {
			if !sameBits(got[i].Value.Data(), want[i].Value.Data()) {
				t.Errorf("%d threads: parameter %d differs with Alongside set", threads, i)
			}
		}
	}
}

// An update that leaves several parameters non-finite names the first in
// Params order, though the threads update their parts in any order.
func TestNonFiniteUpdateNamesTheFirstParameter(t *testing.T) {
	defer gemm.SetThreads(0)
	sizes := []int{7, 3*chunkSize + 5, 2*chunkSize + 1}
	for _, threads := range []int{1, 2, 8} {
		gemm.SetThreads(threads)
		theta, grad := make([][]float64, len(sizes)), make([][]float64, len(sizes))
		for i, n := range sizes {
			theta[i], grad[i] = make([]float64, n), make([]float64, n)
		}
		grad[1][3*chunkSize+2] = math.Inf(1) // in parameter b's last part
		grad[2][0] = math.NaN()              // in c's first, which the update reaches first
		params := paramsOf(theta, tensor.Float32)
		grads := make([]tensor.Tensor, len(grad))
		for i, g := range paramsOf(grad, tensor.Float32) {
			grads[i] = g.Value
		}
		err := NewAdam(AdamSettings{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, params).Step(params, grads, 1)
		if err == nil || !strings.Contains(err.Error(), "(first in b)") {
			t.Errorf("%d threads: %v, want the error to name parameter b", threads, err)
		}
	}
}

// An update allocates nothing per part: tensor.Dense.Data allocates at
// every call, and when each part read its four tensors through it an
// update of the D = 784 model made 406 allocations. What is left is the
// hand-off to the threads: the closure they run, and on two threads the
// parts' counter and gemm.Run's region and closure.
func TestAdamUpdateAllocatesOnlyItsHandOff(t *testing.T) {
	cases := []struct {
		threads, most int
		dtype         tensor.Dtype
	}{
		{1, 1, tensor.Float64},
		{1, 1, tensor.Float32},
		{2, 5, tensor.Float64},
		{2, 5, tensor.Float32},
	}
	for _, c := range cases {
		dtype := c.dtype
		t.Run(fmt.Sprintf("%v on %d threads", dtype, c.threads), func(t *testing.T) {
			gemm.SetThreads(c.threads)
			defer gemm.SetThreads(0)
			rng := rand.New(rand.NewPCG(3, 4))
			var theta, grad [][]float64
			for _, n := range []int{3*chunkSize + 5, 7} {
				th, g := make([]float64, n), make([]float64, n)
				for k := range n {
					th[k], g[k] = rng.NormFloat64(), rng.NormFloat64()
				}
				theta, grad = append(theta, th), append(grad, g)
			}
			params := paramsOf(theta, dtype)
			grads := make([]tensor.Tensor, len(grad))
			for i, g := range paramsOf(grad, dtype) {
				grads[i] = g.Value
			}
			a := NewAdam(AdamSettings{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, params)
			steps := map[string]func(){
				"Step":          func() { a.Step(params, grads, 1) },
				"StepUnclipped": func() { a.StepUnclipped(params, grads) },
			}
			for name, step := range steps {
				if allocs := testing.AllocsPerRun(10, step); allocs > float64(c.most) {
					t.Errorf("%s: %v allocations an update, want at most %d", name, allocs, c.most)
				}
			}
		})
	}
}

// A tensor's data is read as its dtype's slice, empty ones too, and a
// tensor of the other dtype is refused rather than read as the wrong type.
func TestFloatsReadsOnlyItsDtype(t *testing.T) {
	cases := []struct {
		name   string
		tensor tensor.Tensor
		n64    int // -1: not float64
		n32    int // -1: not float32
	}{
		{"float64", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3})), 3, -1},
		{"float32", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2})), -1, 2},
		{"empty float64", tensor.New(tensor.WithShape(0), tensor.Of(tensor.Float64)), 0, -1},
		{"int", tensor.New(tensor.WithShape(2), tensor.WithBacking([]int{1, 2})), -1, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f64, ok64 := floats[float64](c.tensor)
			f32, ok32 := floats[float32](c.tensor)
			if ok64 != (c.n64 >= 0) || (ok64 && len(f64) != c.n64) {
				t.Errorf("as float64: %d values, ok %v; want %d", len(f64), ok64, c.n64)
			}
			if ok32 != (c.n32 >= 0) || (ok32 && len(f32) != c.n32) {
				t.Errorf("as float32: %d values, ok %v; want %d", len(f32), ok32, c.n32)
			}
			if ok64 && c.n64 > 0 && f64[c.n64-1] != float64(c.n64) {
				t.Errorf("float64 data %v", f64)
			}
		})
	}
}

// A refused update reports a norm of 0, not the last accepted one's.
func TestRefusedUpdateReportsNoNorm(t *testing.T) {
	params := paramsOf([][]float64{{1, 2, 3}}, tensor.Float64)
	grads := []tensor.Tensor{paramsOf([][]float64{{1, 1, 1}}, tensor.Float64)[0].Value}
	a := NewAdam(AdamSettings{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, params)
	if n, err := a.StepUnclipped(params, grads); err != nil || !(n > 0) {
		t.Fatalf("accepted update: norm %v, error %v", n, err)
	}
	refusals := map[string][]tensor.Tensor{
		"a float32 gradient": {paramsOf([][]float64{{1, 1, 1}}, tensor.Float32)[0].Value},
		"no gradient":        nil,
	}
	for name, g := range refusals {
		if n, err := a.StepUnclipped(params, g); err == nil || n != 0 {
			t.Errorf("%s: norm %v, error %v; want 0 and an error", name, n, err)
		}
	}
	if a.Steps != 1 {
		t.Errorf("%d updates counted, want 1: refused ones do not count", a.Steps)
	}
}

// An update that advances a moving average leaves it, and the parameters,
// with the bits of the update followed by the EMA's pass of its own, on
// one thread and two, in both dtypes; an average of the wrong size is
// refused before anything is updated.
func TestUpdateAdvancesTheAverageAsItsOwnPassWould(t *testing.T) {
	for _, dtype := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%v on %d threads", dtype, threads), func(t *testing.T) {
				gemm.SetThreads(threads)
				defer gemm.SetThreads(0)
				rng := rand.New(rand.NewPCG(5, 6))
				var theta, grad, start [][]float64
				for _, n := range []int{2*chunkSize + 9, 5} {
					th, g, e := make([]float64, n), make([]float64, n), make([]float64, n)
					for k := range n {
						th[k], g[k], e[k] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
					}
					theta, grad, start = append(theta, th), append(grad, g), append(start, e)
				}
				run := func(joined bool) (params, ema []nn.Param) {
					params, ema = paramsOf(theta, dtype), paramsOf(start, dtype)
					grads := make([]tensor.Tensor, len(grad))
					for i, g := range paramsOf(grad, dtype) {
						grads[i] = g.Value
					}
					values := make([]*tensor.Dense, len(ema))
					for i, e := range ema {
						values[i] = e.Value
					}
					a := NewAdam(AdamSettings{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, params)
					for n := 1; n <= 3; n++ {
						decay := warmDecay(0.99, n)
						if !joined {
							a.StepUnclipped(params, grads)
							h := &emaHook{decay: 0.99, params: params, ema: values}
							if err := h.OnStep(&Step{N: n}); err != nil {
								t.Fatal(err)
							}
							continue
						}
						avg := &MovingAverage{Values: values, Decay: decay}
						a.Average = avg
						if _, err := a.StepUnclipped(params, grads); err != nil || !avg.Done {
							t.Fatalf("update %d: error %v, average advanced: %v", n, err, avg.Done)
						}
					}
					return params, ema
				}
				wantParams, wantEMA := run(false)
				gotParams, gotEMA := run(true)
				for _, pair := range [][2][]nn.Param{{wantParams, gotParams}, {wantEMA, gotEMA}} {
					for i := range pair[0] {
						w, g := floatsOf(pair[0][i].Value), floatsOf(pair[1][i].Value)
						for k := range w {
							if math.Float64bits(w[k]) != math.Float64bits(g[k]) {
								t.Fatalf("%s[%d] = %v joined, %v by a pass of its own", pair[0][i].Name, k, g[k], w[k])
							}
						}
					}
				}
				if floatsOf(wantEMA[0].Value)[0] == start[0][0] {
					t.Fatal("the average did not move")
				}
				// The wrong number of averaged parameters: refused, nothing moved.
				params := paramsOf(theta, dtype)
				grads := []tensor.Tensor{paramsOf(grad, dtype)[0].Value, paramsOf(grad, dtype)[1].Value}
				a := NewAdam(AdamSettings{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, params)
				a.Average = &MovingAverage{Values: []*tensor.Dense{paramsOf(start, dtype)[0].Value}, Decay: 0.5}
				if err := a.Step(params, grads, 1); err == nil || a.Steps != 0 || floatsOf(params[0].Value)[0] != float64(floatOf(dtype, theta[0][0])) {
					t.Fatalf("an average of 1 parameter for 2: error %v, %d updates", err, a.Steps)
				}
			})
		}
	}
}

// floatsOf is a float64 or float32 tensor's values as float64s.
func floatsOf(t *tensor.Dense) []float64 {
	if f, ok := floats[float64](t); ok {
		return f
	}
	f, _ := floats[float32](t)
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out
}

// floatOf is x as dtype holds it.
func floatOf(dtype tensor.Dtype, x float64) float64 {
	if dtype == tensor.Float32 {
		return float64(float32(x))
	}
	return x
}
