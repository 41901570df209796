package train

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"scorenet/internal/gemm"
	"scorenet/internal/vmath"

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
	// Alongside, when set, runs once during the next update, on another
	// thread than the one that begins the update's parts (on one thread:
	// before them), and is then cleared: serial work the update's memory
	// traffic hides, such as drawing the next step's noise.
	Alongside func()
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
	return a.step(params, grads, gradScale, nil)
}

// StepUnclipped is Step without clipping that also returns the norm of
// the gradients, with GradNorm's bits: each part's sum of squares is taken
// just before the part is updated, while it is in cache, instead of in a
// pass of its own over every gradient (one read of the gradients less a
// step, memory the threads share).
func (a *Adam) StepUnclipped(params []nn.Param, grads []tensor.Tensor) (norm float64, err error) {
	sums := make([][]float64, len(grads))
	err = a.step(params, grads, 1, sums)
	total := 0.0
	for _, s := range sums { // GradNorm's order: the gradients in turn, each part in turn
		for _, x := range s {
			total += x
		}
	}
	if !isFinite(total) { // a non-finite entry, or squares that overflowed: GradNorm tells them apart
		return GradNorm(grads), err
	}
	return math.Sqrt(total), err
}

// step is Step, and with sums not nil also sets sums[i] to the sums of
// squares of grads[i]'s parts.
func (a *Adam) step(params []nn.Param, grads []tensor.Tensor, gradScale float64, sums [][]float64) error {
	if len(grads) != len(params) {
		return fmt.Errorf("train: %d gradients for %d parameters", len(grads), len(params))
	}
	a.Steps++
	c1 := 1 - math.Pow(a.Beta1, float64(a.Steps))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Steps))
	for _, p := range params { // refused before any is updated, the first named
		switch p.Value.Data().(type) {
		case []float64, []float32:
		default:
			return fmt.Errorf("train: parameter %s has unsupported data %T", p.Name, p.Value.Data())
		}
	}
	// One parallel region over every parameter's parts, last parameter
	// first: the first layer's weights, which the next forward pass reads
	// first, are then the ones still in cache.
	type part struct{ param, index, lo, hi int }
	var parts []part
	for i := len(params) - 1; i >= 0; i-- {
		cs := chunks(params[i].Value.Shape().TotalSize())
		if sums != nil {
			sums[i] = make([]float64, len(cs))
		}
		for j, c := range cs {
			parts = append(parts, part{i, j, c[0], c[1]})
		}
	}
	step := vmath.AdamStep{LR: a.LR, Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps, WeightDecay: a.WeightDecay, Scale: gradScale, C1: c1, C2: c2}
	finite := make([]bool, len(parts))
	alongside := a.Alongside
	a.Alongside = nil
	parallelAlongside(len(parts), func(k int) {
		pt := parts[k]
		var sum *float64
		if sums != nil {
			sum = &sums[pt.param][pt.index]
		}
		i := pt.param
		switch theta := params[i].Value.Data().(type) {
		case []float64:
			finite[k] = adamPart(theta, grads[i].Data().([]float64), a.M[i].Data().([]float64), a.V[i].Data().([]float64), pt.lo, pt.hi, step, sum)
		case []float32:
			finite[k] = adamPart(theta, grads[i].Data().([]float32), a.M[i].Data().([]float32), a.V[i].Data().([]float32), pt.lo, pt.hi, step, sum)
		}
	}, alongside)
	bad := -1
	for k, ok := range finite {
		if !ok && (bad < 0 || parts[k].param < bad) {
			bad = parts[k].param // the first such parameter in order
		}
	}
	if bad >= 0 {
		return fmt.Errorf("%w (first in %s)", errNonFiniteUpdate, params[bad].Name)
	}
	return nil
}

// errNonFiniteUpdate is an update that left a parameter or a moment
// infinite or NaN: the model can no longer be saved or used.
var errNonFiniteUpdate = errors.New("the update left parameters or Adam moments non-finite")

// adamPart is vmath.AdamUpdate (the update in one vector pass, with the
// check that it stayed finite) on elements lo..hi of one parameter; with
// sum not nil, it first sets *sum to that part's sum of squares of grad,
// one of the sums GradNorm adds, while the part is in cache.
func adamPart[T float32 | float64](theta, grad, m, v []T, lo, hi int, step vmath.AdamStep, sum *float64) bool {
	if sum != nil {
		*sum = vmath.SumSquares(grad[lo:hi])
	}
	return vmath.AdamUpdate(theta[lo:hi], grad[lo:hi], m[lo:hi], v[lo:hi], step)
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
func parallel(n int, do func(i int)) { parallelAlongside(n, do, nil) }

// parallelAlongside is parallel that also runs alongside (when not nil)
// once, on the last thread before it takes indices, or first on one
// thread; the threads take indices as they come free, so the others
// take that thread's share meanwhile.
func parallelAlongside(n int, do func(i int), alongside func()) {
	workers := min(gemm.Threads(), n)
	if alongside != nil {
		workers = min(gemm.Threads(), n+1)
	}
	if workers < 2 {
		if alongside != nil {
			alongside()
		}
		for i := range n {
			do(i)
		}
		return
	}
	var next atomic.Int64
	gemm.Run(workers, func(part int) {
		if part == workers-1 && alongside != nil {
			alongside()
		}
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			do(i)
		}
	})
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
	sums := make([]float64, len(parts))
	parallel(len(parts), func(i int) {
		sums[i] = vmath.SumSquares(parts[i].data) + vmath.SumSquares(parts[i].f32) // a part holds one of the two
	})
	total := 0.0
	for _, s := range sums {
		total += s
	}
	if isFinite(total) {
		return math.Sqrt(total)
	}
	// Rarely here: the largest entry says whether an entry is not finite
	// (the norm is then NaN or Inf) or the squares overflowed.
	big := 0.0
	for _, p := range parts {
		for _, v := range p.data {
			big = max(big, math.Abs(v))
		}
		for _, v := range p.f32 {
			big = max(big, math.Abs(float64(v)))
		}
	}
	if !isFinite(big) {
		return math.Sqrt(total)
	}
	scaled := 0.0 // the squares overflowed: scale them by the largest entry
	for _, p := range parts {
		for _, v := range p.data {
			scaled += float64((v / big) * (v / big))
		}
		for _, v := range p.f32 {
			scaled += float64((float64(v) / big) * (float64(v) / big))
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
