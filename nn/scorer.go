package nn

import (
	"fmt"

	"scorenet/internal/memlimit"
	"scorenet/internal/mlp"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Scorer evaluates a model's forward pass for any number of points, in
// chunks of a batch size fixed when it is made. It reads the model's
// parameters and writes nothing back. An MLP runs the hand-written core
// (internal/mlp), in its own dtype (a float32 one on points rounded to
// float32, its scores widened back); other models, and NewGraphScorer,
// run the gorgonia graph.
type Scorer struct {
	pass      *mlp.Pass
	pass32    *mlp.PassOf[float32]
	x32       []float32
	sigmas    [1]float64
	model     Model
	batch     int
	x         *tensor.Dense
	sigma     *tensor.Dense // (batch, 1); nil unless the model is noise-conditional
	lastSigma float64
	out       G.Value
	vm        G.VM
	g         *G.ExprGraph
}

// NewScorer prepares the forward pass of m for chunks of batch points, on
// at most threads threads (0: all; 1 for scorers that run side by side,
// one per sampling worker). The pass's buffers (batch x each layer's
// width) are asked of the memory budget (internal/memlimit) first.
func NewScorer(m Model, batch, threads int) (*Scorer, error) {
	if batch < 1 {
		return nil, fmt.Errorf("nn: scorer batch must be >= 1, got %d", batch)
	}
	if mp, ok := m.(*MLP); ok && m.Dtype() == tensor.Float64 {
		net, err := mp.Net()
		if err != nil {
			return nil, err
		}
		if err := memlimit.Check(ScorerBytes(m, batch), fmt.Sprintf("nn: the forward pass of %d points (D = %d)", batch, net.Dim)); err != nil {
			return nil, err
		}
		pass, err := mlp.NewPass(net, mlp.Options{Batch: batch, Threads: threads})
		if err != nil {
			return nil, err
		}
		return &Scorer{pass: pass, model: m, batch: batch}, nil
	}
	if mp, ok := m.(*MLP); ok && m.Dtype() == tensor.Float32 {
		net, err := mp.Net32()
		if err != nil {
			return nil, err
		}
		if err := memlimit.Check(ScorerBytes(m, batch), fmt.Sprintf("nn: the forward pass of %d points (D = %d)", batch, net.Dim)); err != nil {
			return nil, err
		}
		pass, err := mlp.NewPassOf(net, mlp.Options{Batch: batch, Threads: threads})
		if err != nil {
			return nil, err
		}
		return &Scorer{pass32: pass, x32: make([]float32, batch*net.Dim), model: m, batch: batch}, nil
	}
	return NewGraphScorer(m, batch)
}

// ScorerBytes is the memory NewScorer takes for the forward pass of m on
// batch points, computed without allocating: the hand-written pass's
// buffers for a float64 MLP (batch x every layer's width), and as much
// again for the values of the graph of another model.
func ScorerBytes(m Model, batch int) float64 {
	if mp, ok := m.(*MLP); ok {
		bytes := mlp.Options{Batch: batch}.Bytes(mp.layout)
		if m.Dtype() != tensor.Float64 {
			bytes /= 2 // a float32 pass, and its points rounded to float32
			bytes += 4 * float64(batch) * float64(m.Dim())
		}
		return bytes
	}
	return 2 * 8 * float64(batch) * float64(m.Dim())
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
	if sc.pass32 != nil {
		sc.sigmas[0] = sigma
		for lo := 0; lo < len(x); lo += chunk {
			hi := min(lo+chunk, len(x))
			if err := sc.forward32(dst[lo:hi], x[lo:hi], sc.sigmas[:]); err != nil {
				return err
			}
		}
		return nil
	}
	if sc.pass != nil {
		sc.sigmas[0] = sigma
		for lo := 0; lo < len(x); lo += chunk {
			hi := min(lo+chunk, len(x))
			s, err := sc.pass.Forward(x[lo:hi], sc.sigmas[:], false)
			if err != nil {
				return fmt.Errorf("nn: forward pass: %w", err)
			}
			copy(dst[lo:hi], s)
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
		if sc.pass32 != nil {
			if err := sc.forward32(out, xs, sigmas[lo:hi]); err != nil {
				return err
			}
			continue
		}
		if sc.pass != nil {
			s, err := sc.pass.Forward(xs, sigmas[lo:hi], false)
			if err != nil {
				return fmt.Errorf("nn: forward pass: %w", err)
			}
			copy(out, s)
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

// forward32 is the float32 pass on x rounded to float32, its scores
// widened into dst.
func (sc *Scorer) forward32(dst, x, sigmas []float64) error {
	xs := sc.x32[:len(x)]
	for i, v := range x {
		xs[i] = float32(v)
	}
	s, err := sc.pass32.Forward(xs, sigmas, false)
	if err != nil {
		return fmt.Errorf("nn: forward pass: %w", err)
	}
	for i, v := range s {
		dst[i] = float64(v)
	}
	return nil
}
