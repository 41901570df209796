package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Scorer evaluates a model's forward pass for any number of points, in
// chunks of a batch size fixed when the graph is compiled. It reads the
// model's parameters and writes nothing back. A float64 MLP runs a
// hand-written forward pass (the same numbers, about twice as fast);
// other models, and NewGraphScorer, run the gorgonia graph.
type Scorer struct {
	fast      *mlpForward
	model     Model
	batch     int
	x         *tensor.Dense
	sigma     *tensor.Dense // (batch, 1); nil unless the model is noise-conditional
	lastSigma float64
	out       G.Value
	vm        G.VM
	g         *G.ExprGraph
}

// NewScorer prepares the forward pass of m for chunks of batch points.
func NewScorer(m Model, batch int) (*Scorer, error) {
	if mlp, ok := m.(*MLP); ok && m.Dtype() == tensor.Float64 && batch >= 1 {
		fast, err := newMLPForward(mlp, batch)
		if err != nil {
			return nil, err
		}
		return &Scorer{fast: fast, model: m, batch: batch}, nil
	}
	return NewGraphScorer(m, batch)
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
	if sc.fast != nil {
		chunk := sc.batch * d
		for lo := 0; lo < len(x); lo += chunk {
			hi := min(lo+chunk, len(x))
			sc.fast.score(dst[lo:hi], x[lo:hi], sigma)
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
	chunk := sc.batch * d
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
