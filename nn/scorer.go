package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Scorer evaluates a model's forward pass for any number of points, in
// chunks of a batch size fixed when the graph is compiled. It reads the
// model's parameters and writes nothing back.
type Scorer struct {
	model Model
	batch int
	x     *tensor.Dense
	out   G.Value
	vm    G.VM
}

// NewScorer compiles the forward pass of m for chunks of batch points.
func NewScorer(m Model, batch int) (*Scorer, error) {
	if batch < 1 {
		return nil, fmt.Errorf("nn: scorer batch must be >= 1, got %d", batch)
	}
	g := G.NewGraph()
	xt := tensor.New(tensor.WithShape(batch, m.Dim()), tensor.Of(m.Dtype()))
	x := G.NewMatrix(g, m.Dtype(), G.WithShape(batch, m.Dim()), G.WithName("x"), G.WithValue(xt))
	s, _, err := m.Score(x)
	if err != nil {
		return nil, err
	}
	sc := &Scorer{model: m, batch: batch, x: xt}
	G.Read(s, &sc.out)
	sc.vm = G.NewTapeMachine(g)
	return sc, nil
}

// Score writes s(x) for the points x (row-major, D per point) into dst.
func (sc *Scorer) Score(dst, x []float64) error {
	d := sc.model.Dim()
	if len(x)%d != 0 || len(dst) != len(x) {
		return fmt.Errorf("nn: score of %d values into %d for dimension %d", len(x), len(dst), d)
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
