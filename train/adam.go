package train

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"scorenet/internal/gemm"

	"scorenet/nn"
	"scorenet/rundir"

	"gorgonia.org/tensor"
)

// AdamSettings are Adam's hyperparameters.
type AdamSettings struct {
	LR, Beta1, Beta2, Eps float64
	// WeightDecay adds WeightDecay*theta to each gradient before the moments
	// are updated (L2 regularisation), as torch.optim.Adam does.
	WeightDecay float64
}

// Adam is the Adam optimiser (Kingma & Ba 2015) with bias-corrected moments,
// updating a model's parameters in place. Its moments have the dtype of the
// parameters they belong to.
type Adam struct {
	AdamSettings
	// Moments are the update count and the first and second moments, in
	// Params order, as checkpoints keep them.
	rundir.Moments
}

// NewAdam returns an optimiser with zero moments for params.
func NewAdam(s AdamSettings, params []nn.Param) *Adam {
	a := &Adam{AdamSettings: s}
	for _, p := range params {
		a.M = append(a.M, tensor.New(tensor.WithShape(p.Value.Shape()...), tensor.Of(p.Value.Dtype())))
		a.V = append(a.V, tensor.New(tensor.WithShape(p.Value.Shape()...), tensor.Of(p.Value.Dtype())))
	}
	return a
}

// Step applies one update from grads, first scaled by gradScale (for
// clipping).
func (a *Adam) Step(params []nn.Param, grads []tensor.Tensor, gradScale float64) error {
	if len(grads) != len(params) {
		return fmt.Errorf("train: %d gradients for %d parameters", len(grads), len(params))
	}
	a.Steps++
	c1 := 1 - math.Pow(a.Beta1, float64(a.Steps))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Steps))
	finite, bad := true, ""
	for i, p := range params {
		switch theta := p.Value.Data().(type) {
		case []float64:
			finite = adamParallel(a, theta, grads[i].Data().([]float64), a.M[i].Data().([]float64), a.V[i].Data().([]float64), gradScale, c1, c2) && finite
		case []float32:
			finite = adamParallel(a, theta, grads[i].Data().([]float32), a.M[i].Data().([]float32), a.V[i].Data().([]float32), gradScale, c1, c2) && finite
		default:
			return fmt.Errorf("train: parameter %s has unsupported data %T", p.Name, theta)
		}
		if !finite && bad == "" {
			bad = p.Name
		}
	}
	if bad != "" {
		return fmt.Errorf("%w (first in %s)", errNonFiniteUpdate, bad)
	}
	return nil
}

// errNonFiniteUpdate is an update that left a parameter or a moment
// infinite or NaN: the model can no longer be saved or used.
var errNonFiniteUpdate = errors.New("the update left parameters or Adam moments non-finite")

// adamUpdate updates theta and its moments in place and reports whether
// all three stayed finite, in the same pass.
func adamUpdate[T float32 | float64](a *Adam, theta, grad, m, v []T, scale, c1, c2 float64) bool {
	var check T // stays 0 unless some x*0 is NaN: x infinite or NaN
	b1, b2 := T(a.Beta1), T(a.Beta2)
	lr, eps, wd, s := T(a.LR), T(a.Eps), T(a.WeightDecay), T(scale)
	tc1, sc2 := T(c1), T(math.Sqrt(c2))
	for k := range theta {
		g := grad[k]*s + wd*theta[k]
		m[k] = b1*m[k] + (1-b1)*g
		v[k] = b2*v[k] + (1-b2)*g*g
		// torch's form: lr/c1 * m / (sqrt(v)/sqrt(c2) + eps)
		theta[k] -= lr / tc1 * m[k] / (T(math.Sqrt(float64(v[k])))/sc2 + eps)
		check += theta[k]*0 + m[k]*0 + v[k]*0
	}
	return check == 0
}

// adamParallel is adamUpdate over contiguous parts of a large tensor on
// every thread; each element's update is the same whatever the split.
func adamParallel[T float32 | float64](a *Adam, theta, grad, m, v []T, scale, c1, c2 float64) bool {
	parts := chunks(len(theta))
	finite := make([]bool, len(parts))
	parallel(len(parts), func(i int) {
		lo, hi := parts[i][0], parts[i][1]
		finite[i] = adamUpdate(a, theta[lo:hi], grad[lo:hi], m[lo:hi], v[lo:hi], scale, c1, c2)
	})
	for _, f := range finite {
		if !f {
			return false
		}
	}
	return true
}

// chunkSize is the size of the parts elementwise and reduction passes over
// the parameters are cut into. It is fixed, not a function of the number of
// threads, so that a sum over parts has the same bits on any machine.
const chunkSize = 1 << 16

// chunks cuts [0, n) into parts of chunkSize.
func chunks(n int) [][2]int {
	var out [][2]int
	for lo := 0; lo < n; lo += chunkSize {
		out = append(out, [2]int{lo, min(lo+chunkSize, n)})
	}
	return out
}

// parallel runs do(0..n-1) on every thread, each index once.
func parallel(n int, do func(i int)) {
	workers := min(gemm.Threads(), n)
	if workers < 2 {
		for i := range n {
			do(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				do(i)
			}
		}()
	}
	wg.Wait()
}

// GradNorm is the Euclidean norm of all gradients taken together, in one
// pass: the sum of squares of each fixed part, in parallel, then of the
// parts in order, so that its bits do not depend on the number of threads.
// A NaN or infinite entry gives a non-finite norm. Where the squares
// overflow (entries beyond 1e154), it is computed again scaled by the
// largest entry.
func GradNorm(grads []tensor.Tensor) float64 {
	type part struct {
		data []float64
		f32  []float32
	}
	var parts []part
	for _, g := range grads {
		switch d := g.Data().(type) {
		case []float64:
			for _, c := range chunks(len(d)) {
				parts = append(parts, part{data: d[c[0]:c[1]]})
			}
		case []float32:
			for _, c := range chunks(len(d)) {
				parts = append(parts, part{f32: d[c[0]:c[1]]})
			}
		}
	}
	sums, largest := make([]float64, len(parts)), make([]float64, len(parts))
	parallel(len(parts), func(i int) {
		sum, big := 0.0, 0.0
		for _, v := range parts[i].data {
			sum += v * v
			big = max(big, math.Abs(v))
		}
		for _, v32 := range parts[i].f32 {
			v := float64(v32)
			sum += v * v
			big = max(big, math.Abs(v))
		}
		sums[i], largest[i] = sum, big
	})
	total, big := 0.0, 0.0
	for i := range sums {
		total += sums[i]
		big = max(big, largest[i])
	}
	if isFinite(total) || !isFinite(big) {
		return math.Sqrt(total) // NaN or Inf when an entry is
	}
	scaled := 0.0 // the squares overflowed: scale them by the largest entry
	for _, p := range parts {
		for _, v := range p.data {
			scaled += (v / big) * (v / big)
		}
		for _, v := range p.f32 {
			scaled += (float64(v) / big) * (float64(v) / big)
		}
	}
	return big * math.Sqrt(scaled)
}

// clipScale is the factor that brings a gradient of norm `norm` down to at
// most maxNorm (torch.nn.utils.clip_grad_norm_); maxNorm <= 0 means no clipping.
func clipScale(norm, maxNorm float64) float64 {
	if maxNorm <= 0 || norm <= maxNorm {
		return 1
	}
	return maxNorm / (norm + 1e-6)
}
