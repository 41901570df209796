package nn

import (
	"fmt"

	"scorenet/internal/gemm"
	"scorenet/internal/memlimit"
	"scorenet/internal/mlp"
	"scorenet/internal/unet"
	"scorenet/internal/vmath"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Scorer evaluates a model's forward pass for any number of points, in
// chunks of a batch size fixed when it is made. It reads the model's
// parameters and writes nothing back; an MLP's scorer reads its weights
// when it is made (packed once for its products), so a model trained
// further needs a new scorer. An MLP runs the hand-written core
// (internal/mlp), in its own dtype (a float32 one on points rounded to
// float32, its scores widened back); other models, and NewGraphScorer,
// run the gorgonia graph.
type Scorer struct {
	// core is the hand-written forward pass of up to batch points (nil:
	// the graph's), in the model's dtype, its scores widened into dst.
	core      func(dst, x, sigmas []float64) error
	coreFLOPs func() float64
	// coreLabels gives the core's next pass its points' labels (nil for
	// networks without classes); labels are every point's of the next
	// Score or ScoreAt (SetLabels).
	coreLabels func([]int32) error
	labels     []int32
	sigmas     [1]float64
	model      Model
	batch      int
	x          *tensor.Dense
	sigma      *tensor.Dense // (batch, 1); nil unless the model is noise-conditional
	lastSigma  float64
	out        G.Value
	vm         G.VM
	g          *G.ExprGraph
}

// NewScorer prepares the forward pass of m for chunks of batch points, on
// at most threads threads (0: all; 1 for scorers that run side by side,
// one per sampling worker). The pass's buffers (batch x each layer's
// width) are asked of the memory budget (internal/memlimit) first.
func NewScorer(m Model, batch, threads int) (*Scorer, error) {
	if batch < 1 {
		return nil, fmt.Errorf("nn: scorer batch must be >= 1, got %d", batch)
	}
	what := fmt.Sprintf("nn: the forward pass of %d points (D = %d)", batch, m.Dim())
	var core corePass
	var err error
	switch mp := m.(type) {
	case *MLP:
		if err := memlimit.Check(ScorerBytes(m, batch), what); err != nil {
			return nil, err
		}
		opt := mlp.Options{Batch: batch, Threads: threads}
		if m.Dtype() == tensor.Float32 {
			core, err = mlpCore(mp.Net32, opt)
		} else {
			core, err = mlpCore(mp.Net, opt)
		}
	case *UNet:
		if err := memlimit.Check(ScorerBytes(m, batch), what); err != nil {
			return nil, err
		}
		opt := unet.Options{Batch: batch, Threads: threads}
		if m.Dtype() == tensor.Float32 {
			core, err = unetCore(mp.Net32, opt)
		} else {
			core, err = unetCore(mp.Net, opt)
		}
	default:
		return NewGraphScorer(m, batch)
	}
	if err != nil {
		return nil, err
	}
	return &Scorer{core: core.run, coreFLOPs: core.flops, coreLabels: core.labels, model: m, batch: batch}, nil
}

// SetLabels gives a class-conditional model's points their labels for the
// Score and ScoreAt calls that follow: one per point, 0..K-1, or K for
// none (mlp.Null); nil, the default, scores every point without a label.
// The Scorer keeps the slice.
func (sc *Scorer) SetLabels(labels []int32) error {
	if sc.coreLabels == nil {
		if labels == nil {
			return nil
		}
		return fmt.Errorf("nn: labels given to a %s model without classes", sc.model.Kind())
	}
	sc.labels = labels
	return nil
}

// chunkLabels gives the core the labels of points lo..hi-1, after
// checking that the labels cover the n points scored.
func (sc *Scorer) chunkLabels(lo, hi, n int) error {
	if sc.coreLabels == nil {
		return nil
	}
	if sc.labels == nil {
		return sc.coreLabels(nil)
	}
	if len(sc.labels) != n {
		return fmt.Errorf("nn: %d labels for %d points", len(sc.labels), n)
	}
	return sc.coreLabels(sc.labels[lo:hi])
}

// corePass is a hand-written forward pass on float64 points, and its
// count of product work.
type corePass struct {
	run    func(dst, x, sigmas []float64) error
	flops  func() float64
	labels func([]int32) error // nil: the network has no classes
}

// mlpCore is the forward pass of an MLP's core in T.
func mlpCore[T gemm.Float](net func() (*mlp.NetOf[T], error), opt mlp.Options) (corePass, error) {
	n, err := net()
	if err != nil {
		return corePass{}, err
	}
	n = n.Frozen() // a scorer reads the weights as they are when it is made
	pass, err := mlp.NewPassOf(n, opt)
	if err != nil {
		return corePass{}, err
	}
	forward := func(dst, x, sigmas []float64) error {
		if err := pass.Forward64(dst[:len(x)], x, sigmas); err != nil {
			return fmt.Errorf("nn: forward pass: %w", err)
		}
		return nil
	}
	var labels func([]int32) error
	if n.Classes > 0 {
		labels = pass.SetLabels
	}
	return corePass{forward, pass.MatmulFLOPs, labels}, nil
}

// unetCore is the forward pass of a UNet's core in T.
func unetCore[T gemm.Float](net func() (*unet.NetOf[T], error), opt unet.Options) (corePass, error) {
	n, err := net()
	if err != nil {
		return corePass{}, err
	}
	pass, err := unet.NewPassOf(n, opt)
	if err != nil {
		return corePass{}, err
	}
	var labels func([]int32) error
	if n.Classes > 0 {
		labels = pass.SetLabels
	}
	return corePass{widened(pass.Forward, opt.Batch*n.Dim()), pass.MatmulFLOPs, labels}, nil
}

// widened runs forward, a pass in T, on float64 points: rounded to T (a
// float32 pass), the scores widened back.
func widened[T gemm.Float](forward func(x []T, sigmas []float64) ([]T, error), values int) func(dst, x, sigmas []float64) error {
	var buf []T
	if _, same := any(buf).([]float64); !same {
		buf = make([]T, values)
	}
	return func(dst, x, sigmas []float64) error {
		xs, same := any(x).([]T)
		if !same {
			xs = buf[:len(x)]
			vmath.Narrow(any(xs).([]float32), x)
		}
		s, err := forward(xs, sigmas)
		if err != nil {
			return fmt.Errorf("nn: forward pass: %w", err)
		}
		if s64, ok := any(s).([]float64); ok {
			copy(dst, s64)
		} else {
			vmath.Widen(dst[:len(s)], any(s).([]float32))
		}
		return nil
	}
}

// ScorerBytes is the memory NewScorer takes for the forward pass of m on
// batch points, computed without allocating: the hand-written pass's
// buffers for a float64 MLP (batch x every layer's width), and as much
// again for the values of the graph of another model.
func ScorerBytes(m Model, batch int) float64 {
	var bytes float64
	switch mp := m.(type) {
	case *MLP:
		bytes = mlp.Options{Batch: batch}.Bytes(mp.layout) + 8*float64(mp.layout.FrozenValues())
	case *UNet:
		bytes = unet.Options{Batch: batch}.Bytes(mp.layout)
	default:
		return 2 * 8 * float64(batch) * float64(m.Dim())
	}
	if m.Dtype() != tensor.Float64 {
		bytes /= 2 // a float32 pass and weights, and its points rounded to float32
		bytes += 4 * float64(batch) * float64(m.Dim())
	}
	return bytes
}

// NewGraphScorer compiles the forward pass of m as a gorgonia graph: the
// reference the hand-written MLP forward pass is tested against.
func NewGraphScorer(m Model, batch int) (*Scorer, error) {
	if batch < 1 {
		return nil, fmt.Errorf("nn: scorer batch must be >= 1, got %d", batch)
	}
	g := G.NewGraph()
	sc := &Scorer{model: m, batch: batch, x: tensor.New(tensor.WithShape(batch, m.Dim()), tensor.Of(m.Dtype()))}
	x := G.NewMatrix(g, m.Dtype(), G.WithShape(batch, m.Dim()), G.WithName("x"), G.WithValue(sc.x))
	var sigma *G.Node
	if m.NoiseConditional() {
		sc.sigma = tensor.New(tensor.WithShape(batch, 1), tensor.Of(m.Dtype()))
		sigma = G.NewMatrix(g, m.Dtype(), G.WithShape(batch, 1), G.WithName("sigma"), G.WithValue(sc.sigma))
	}
	s, _, err := m.Score(x, sigma)
	if err != nil {
		return nil, err
	}
	G.Read(s, &sc.out)
	sc.vm, sc.g = G.NewTapeMachine(g), g
	return sc, nil
}

// Score writes s(x) for the points x (row-major, D per point) into dst. A
// noise-conditional model is evaluated at noise level sigma, which must be
// > 0; other models ignore it.
func (sc *Scorer) Score(dst, x []float64, sigma float64) error {
	d := sc.model.Dim()
	if len(x)%d != 0 || len(dst) != len(x) {
		return fmt.Errorf("nn: score of %d values into %d for dimension %d", len(x), len(dst), d)
	}
	if sc.model.NoiseConditional() && !(sigma > 0) {
		return fmt.Errorf("nn: noise level must be > 0, got %v", sigma)
	}
	chunk := sc.batch * d
	if sc.core != nil {
		sc.sigmas[0] = sigma
		for lo := 0; lo < len(x); lo += chunk {
			hi := min(lo+chunk, len(x))
			if err := sc.chunkLabels(lo/d, hi/d, len(x)/d); err != nil {
				return err
			}
			if err := sc.core(dst[lo:hi], x[lo:hi], sc.sigmas[:]); err != nil {
				return err
			}
		}
		return nil
	}
	if sc.sigma != nil && sigma != sc.lastSigma {
		col := make([]float64, sc.batch)
		for i := range col {
			col[i] = sigma
		}
		SetData(sc.sigma, col)
		sc.lastSigma = sigma
	}
	for lo := 0; lo < len(x); lo += chunk {
		hi := min(lo+chunk, len(x))
		SetData(sc.x, x[lo:hi])
		sc.vm.Reset()
		if err := sc.vm.RunAll(); err != nil {
			return fmt.Errorf("nn: forward pass: %w", err)
		}
		GetData(dst[lo:hi], sc.out)
	}
	return nil
}

// ScoreAt writes s(x_r, sigma_r) into dst for every point x_r of x
// (row-major, D per point), each at its own noise level sigmas[r] (> 0):
// what solvers that move each point on its own clock need. The model must
// be noise-conditional.
func (sc *Scorer) ScoreAt(dst, x, sigmas []float64) error {
	d := sc.model.Dim()
	if !sc.model.NoiseConditional() {
		return fmt.Errorf("nn: scores at per-point noise levels need a noise-conditional model")
	}
	if len(x)%d != 0 || len(dst) != len(x) || len(sigmas) != len(x)/d {
		return fmt.Errorf("nn: score of %d values at %d levels into %d for dimension %d", len(x), len(sigmas), len(dst), d)
	}
	for r, s := range sigmas {
		if !(s > 0) {
			return fmt.Errorf("nn: noise level of point %d must be > 0, got %v", r, s)
		}
	}
	for lo := 0; lo < len(sigmas); lo += sc.batch {
		hi := min(lo+sc.batch, len(sigmas))
		xs, out := x[lo*d:hi*d], dst[lo*d:hi*d]
		if sc.core != nil {
			if err := sc.chunkLabels(lo, hi, len(sigmas)); err != nil {
				return err
			}
			if err := sc.core(out, xs, sigmas[lo:hi]); err != nil {
				return err
			}
			continue
		}
		col := make([]float64, sc.batch)
		for i := range col {
			col[i] = 1 // padding rows: any valid level
		}
		copy(col, sigmas[lo:hi])
		SetData(sc.sigma, col)
		sc.lastSigma = 0 // the column no longer holds one level
		SetData(sc.x, xs)
		sc.vm.Reset()
		if err := sc.vm.RunAll(); err != nil {
			return fmt.Errorf("nn: forward pass: %w", err)
		}
		GetData(out, sc.out)
	}
	return nil
}
