package train

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

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

	// Average, when set, is a moving average of the parameters that the
	// next update also advances, each part right after its own update
	// while the new values are in cache: one pass over the parameters
	// instead of the EMA's pass of its own after it. It is then cleared.
	Average *MovingAverage

	// plan is the last update's parts and slices, kept so that an update
	// allocates nothing: tensor.Dense.Data allocates at every call, and an
	// update read four tensors a part, 400 allocations a step at D = 784.
	plan adamPlan
}

// MovingAverage is ema = (1 - Decay) theta + Decay ema over each
// parameter's values (vmath.Average: the decay rounded to the dtype),
// Values in Params order. Done reports that an update completed with it;
// one that failed may have advanced some of its parts, and training then
// stops.
type MovingAverage struct {
	Values []*tensor.Dense
	Decay  float64
	Done   bool
}

// adamPlan is what one update works on: each parameter's data, its
// gradient and moments, and the parts they are cut into.
type adamPlan struct {
	data   []adamData
	parts  []adamPartRange
	finite []bool
	sums   []float64 // each part's sum of squares, in GradNorm's order: the parameters in turn, each one's parts in turn
}

// adamData is one parameter's values, gradient and moments, as float64 or
// as float32 slices.
type adamData struct {
	theta, grad, m, v         []float64
	theta32, grad32, m32, v32 []float32
	f32                       bool // the float32 slices hold it
	n                         int  // its number of values
	ema                       []float64
	ema32                     []float32 // the moving average's values, when the update advances one
}

// adamPartRange is elements lo..hi of parameter param, whose sum of
// squares goes to sums[sum].
type adamPartRange struct{ param, sum, lo, hi int }

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
	return a.step(params, grads, gradScale, false)
}

// StepUnclipped is Step without clipping that also returns the norm of
// the gradients, with GradNorm's bits: each part's sum of squares is taken
// just before the part is updated, while it is in cache, instead of in a
// pass of its own over every gradient (one read of the gradients less a
// step, memory the threads share).
func (a *Adam) StepUnclipped(params []nn.Param, grads []tensor.Tensor) (norm float64, err error) {
	err = a.step(params, grads, 1, true)
	total := 0.0
	for _, x := range a.plan.sums { // GradNorm's order
		total += x
	}
	if !isFinite(total) { // a non-finite entry, or squares that overflowed: GradNorm tells them apart
		return GradNorm(grads), err
	}
	return math.Sqrt(total), err
}

// step is Step, and with sums also sets a.plan.sums to the sums of
// squares of the gradients' parts.
func (a *Adam) step(params []nn.Param, grads []tensor.Tensor, gradScale float64, sums bool) error {
	a.plan.sums = a.plan.sums[:0] // a refused update reports no norm, not the last one's
	avg := a.Average
	a.Average = nil
	if len(grads) != len(params) {
		return fmt.Errorf("train: %d gradients for %d parameters", len(grads), len(params))
	}
	if err := a.plan.make(params, grads, a.M, a.V, avg, sums); err != nil { // refused before any is updated
		return err
	}
	a.Steps++
	c1 := 1 - math.Pow(a.Beta1, float64(a.Steps))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Steps))
	step := vmath.AdamStep{LR: a.LR, Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps, WeightDecay: a.WeightDecay, Scale: gradScale, C1: c1, C2: c2}
	plan := &a.plan
	alongside := a.Alongside
	a.Alongside = nil
	parallelAlongside(len(plan.parts), func(k int) {
		pt := plan.parts[k]
		var sum *float64
		if sums {
			sum = &plan.sums[pt.sum]
		}
		d := &plan.data[pt.param]
		if d.f32 {
			plan.finite[k] = adamPart(d.theta32, d.grad32, d.m32, d.v32, pt.lo, pt.hi, step, sum)
			if avg != nil {
				vmath.Average(d.theta32[pt.lo:pt.hi], d.ema32[pt.lo:pt.hi], float32(avg.Decay))
			}
		} else {
			plan.finite[k] = adamPart(d.theta, d.grad, d.m, d.v, pt.lo, pt.hi, step, sum)
			if avg != nil {
				vmath.Average(d.theta[pt.lo:pt.hi], d.ema[pt.lo:pt.hi], avg.Decay)
			}
		}
	}, alongside)
	bad := -1
	for k, ok := range plan.finite {
		if !ok && (bad < 0 || plan.parts[k].param < bad) {
			bad = plan.parts[k].param // the first such parameter in order
		}
	}
	if bad >= 0 {
		return fmt.Errorf("%w (first in %s)", errNonFiniteUpdate, params[bad].Name)
	}
	if avg != nil {
		avg.Done = true
	}
	return nil
}

// make fills p for an update of params, reusing what the last one
// allocated. Its parts run over every parameter, last parameter first:
// the first layer's weights, which the next forward pass reads first, are
// then the ones still in cache.
func (p *adamPlan) make(params []nn.Param, grads []tensor.Tensor, m, v []*tensor.Dense, avg *MovingAverage, sums bool) error {
	p.data = p.data[:0]
	if avg != nil && len(avg.Values) != len(params) {
		return fmt.Errorf("train: a moving average of %d parameters for %d", len(avg.Values), len(params))
	}
	for i, param := range params {
		var d adamData
		var ok bool
		switch theta := param.Value; theta.Dtype() {
		case tensor.Float64:
			d.theta, d.grad, d.m, d.v, ok = quad[float64](theta, grads[i], m[i], v[i])
			d.n = len(d.theta)
		case tensor.Float32:
			d.theta32, d.grad32, d.m32, d.v32, ok = quad[float32](theta, grads[i], m[i], v[i])
			d.f32, d.n = true, len(d.theta32)
		default:
			return fmt.Errorf("train: parameter %s has unsupported data %v", param.Name, theta.Dtype())
		}
		if !ok {
			return fmt.Errorf("train: parameter %s: its gradient or moments are not %d values of its dtype %v", param.Name, param.Value.Shape().TotalSize(), param.Value.Dtype())
		}
		if avg != nil {
			var okAvg bool
			if d.f32 {
				d.ema32, okAvg = floats[float32](avg.Values[i])
				okAvg = okAvg && len(d.ema32) == len(d.theta32)
			} else {
				d.ema, okAvg = floats[float64](avg.Values[i])
				okAvg = okAvg && len(d.ema) == len(d.theta)
			}
			if !okAvg {
				return fmt.Errorf("train: parameter %s: its moving average is not %d values of its dtype %v", param.Name, param.Value.Shape().TotalSize(), param.Value.Dtype())
			}
		}
		p.data = append(p.data, d)
	}
	total := 0 // parts, and sums of squares
	for _, d := range p.data {
		total += chunkCount(d.n)
	}
	p.parts = p.parts[:0]
	start := total // where parameter i's sums start, counted down
	for i := len(params) - 1; i >= 0; i-- {
		n := p.data[i].n
		start -= chunkCount(n)
		for j := range chunkCount(n) {
			lo, hi := chunk(n, j)
			p.parts = append(p.parts, adamPartRange{i, start + j, lo, hi})
		}
	}
	p.sums = p.sums[:0]
	if sums {
		if cap(p.sums) < total {
			p.sums = make([]float64, total)
		}
		p.sums = p.sums[:total]
	}
	if cap(p.finite) < len(p.parts) {
		p.finite = make([]bool, len(p.parts))
	}
	p.finite = p.finite[:len(p.parts)]
	return nil
}

// quad is a parameter's values, its gradient and its two moments as []T,
// and whether all four hold T and are the same length.
func quad[T float32 | float64](theta, grad, m, v tensor.Tensor) (th, g, mt, vt []T, ok bool) {
	var oks [4]bool
	th, oks[0] = floats[T](theta)
	g, oks[1] = floats[T](grad)
	mt, oks[2] = floats[T](m)
	vt, oks[3] = floats[T](v)
	ok = oks == [4]bool{true, true, true, true} && len(g) == len(th) && len(mt) == len(th) && len(vt) == len(th)
	return th, g, mt, vt, ok
}

// floats is t's data as a []T, and whether it holds T. A *tensor.Dense's
// is read through its typed accessor, which, unlike Data, does not
// allocate.
func floats[T float32 | float64](t tensor.Tensor) ([]T, bool) {
	var zero T
	want := tensor.Float64
	if _, ok := any(zero).(float32); ok {
		want = tensor.Float32
	}
	if t.Dtype() != want {
		return nil, false
	}
	d, ok := t.(*tensor.Dense)
	if !ok {
		out, ok := t.Data().([]T)
		return out, ok
	}
	if want == tensor.Float32 {
		s := d.Float32s()
		return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), true
	}
	s := d.Float64s()
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), true
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

// chunkCount is the number of parts of chunkSize that [0, n) is cut into.
func chunkCount(n int) int { return (n + chunkSize - 1) / chunkSize }

// chunk is the i-th of them.
func chunk(n, i int) (lo, hi int) { return i * chunkSize, min((i+1)*chunkSize, n) }

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
			for i := range chunkCount(len(d)) {
				lo, hi := chunk(len(d), i)
				parts = append(parts, part{data: d[lo:hi]})
			}
		case []float32:
			for i := range chunkCount(len(d)) {
				lo, hi := chunk(len(d), i)
				parts = append(parts, part{f32: d[lo:hi]})
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
