package losses

import (
	"fmt"

	"scorenet/internal/memlimit"
	"scorenet/internal/mlp"
	"scorenet/nn"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// graphLoss is what every loss's gorgonia graph shares: a compiled graph with a batch input,
// per-row weights repeated along each row, and read-outs of the loss, its
// two terms and the parameter gradients.
type graphLoss struct {
	model  nn.Model
	batch  int
	g      *G.ExprGraph
	x      *tensor.Dense // the batch, (batch, D)
	w      *tensor.Dense // row weights, (batch, D)
	rows   int           // rows and weight that w was last set to
	rowW   float64
	vm     G.VM
	terms  [3]G.Value // loss, trace, norm; nil for terms a loss lacks
	grads  []G.Value
	params G.Nodes
}

// graphMemoryFactor is how many times the fused engine's buffers for the
// same batch (mlp.Options.Bytes) a gorgonia graph holds at its peak, and
// graphRowValues how many more values of D each row takes in it (its
// inputs, noise, targets, weights and their broadcasts and gradients).
// Measured: MLPs 64-64 at D = 2 took 2.5-2.7 times the fused buffers for
// anneal_dsm and 3.9-4.3 for the exact loss; at D = 784 (a [8] MLP, whose
// buffers are the D-wide rows) anneal_dsm and sliced took 250 KB a row,
// 32 values of D.
const (
	graphMemoryFactor = 5
	graphRowValues    = 40
)

// newGraphLoss starts the graph of a loss carrying tangents tangents per
// point (D for the exact loss), after checking that it fits in memory.
func newGraphLoss(m nn.Model, batch, tangents int) (*graphLoss, error) {
	if batch < 1 {
		return nil, fmt.Errorf("losses: batch size must be >= 1, got %d", batch)
	}
	if net, ok := m.(interface{ Layout() mlp.Layout }); ok {
		opt := mlp.Options{Batch: batch, Derivatives: true, Tangents: tangents, Gradients: true}
		what := fmt.Sprintf("losses: the gorgonia graph of a batch of %d points with %d tangents each (D = %d)", batch, tangents, m.Dim())
		need := graphMemoryFactor*opt.Bytes(net.Layout()) + 8*graphRowValues*float64(batch)*float64(m.Dim())
		if err := memlimit.Check(need, what); err != nil {
			return nil, fmt.Errorf("%w: lower train.batch_size, or use train.engine fused (a fifth of the memory)", err)
		}
	}
	l := &graphLoss{model: m, batch: batch, g: G.NewGraph(), rows: -1}
	l.x = tensor.New(tensor.WithShape(batch, m.Dim()), tensor.Of(m.Dtype()))
	l.w = tensor.New(tensor.WithShape(batch, m.Dim()), tensor.Of(m.Dtype()))
	return l, nil
}

// input adds a named input node bound to a fresh tensor of the given shape.
func (l *graphLoss) input(name string, shape ...int) (*G.Node, *tensor.Dense) {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(l.model.Dtype()))
	return G.NewTensor(l.g, l.model.Dtype(), len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t)), t
}

// bindBatch adds the x and row-weight inputs.
func (l *graphLoss) bindBatch() (x, w *G.Node) {
	d, dt := l.model.Dim(), l.model.Dtype()
	x = G.NewMatrix(l.g, dt, G.WithShape(l.batch, d), G.WithName("x"), G.WithValue(l.x))
	w = G.NewMatrix(l.g, dt, G.WithShape(l.batch, d), G.WithName("row_weights"), G.WithValue(l.w))
	return x, w
}

// finish reads out the loss and its terms (trace and norm may be nil),
// builds the parameter gradients when asked, and compiles the graph.
func (l *graphLoss) finish(loss, trace, norm *G.Node, withGrads bool) error {
	for i, n := range []*G.Node{loss, trace, norm} {
		if n != nil {
			G.Read(n, &l.terms[i])
		}
	}
	if withGrads {
		gs, err := grad(loss, l.params...)
		if err != nil {
			return fmt.Errorf("losses: parameter gradients: %w", err)
		}
		l.grads = make([]G.Value, len(gs))
		for i := range gs {
			G.Read(gs[i], &l.grads[i])
		}
	}
	l.vm = G.NewTapeMachine(l.g)
	return nil
}

// finishTwoTerms is finish for a loss that is the sum of a trace term and a
// norm term.
func (l *graphLoss) finishTwoTerms(trace, norm *G.Node, withGrads bool) error {
	loss, err := G.Add(trace, norm)
	if err != nil {
		return err
	}
	return l.finish(loss, trace, norm, withGrads)
}

func (l *graphLoss) Batch() int { return l.batch }

// MatmulFLOPs is the matrix-product work of one evaluation, gradients
// included (see nn.MatmulFLOPs).
func (l *graphLoss) MatmulFLOPs() float64 { return nn.MatmulFLOPs(l.g) }

// setBatch checks x and loads it with its row weights.
func (l *graphLoss) setBatch(x []float64, rowWeight float64) (rows int, err error) {
	d := l.model.Dim()
	rows = len(x) / d
	if len(x)%d != 0 || rows > l.batch || rows == 0 {
		return 0, fmt.Errorf("losses: %d values are not 1 to %d points of dimension %d", len(x), l.batch, d)
	}
	if rows != l.rows || rowWeight != l.rowW {
		w := make([]float64, rows*d)
		for i := range w {
			w[i] = rowWeight
		}
		nn.SetData(l.w, w)
		l.rows, l.rowW = rows, rowWeight
	}
	nn.SetData(l.x, x)
	return rows, nil
}

func (l *graphLoss) run() (Terms, error) {
	l.vm.Reset()
	if err := l.vm.RunAll(); err != nil {
		return Terms{}, fmt.Errorf("losses: loss graph: %w", err)
	}
	var t [3]float64
	for i, v := range l.terms {
		if v != nil {
			t[i] = nn.Scalar(v)
		}
	}
	return Terms{Loss: t[0], Trace: t[1], Norm: t[2]}, nil
}

func (l *graphLoss) Grads() []tensor.Tensor {
	out := make([]tensor.Tensor, len(l.grads))
	for i, v := range l.grads {
		out[i] = v.(tensor.Tensor)
	}
	return out
}

// weightedSum is sum(a .* w).
func weightedSum(a, w *G.Node) (*G.Node, error) {
	return sumOf(G.HadamardProd(a, w))
}

// halfOf is 0.5 * n.
func halfOf(n *G.Node) (*G.Node, error) {
	return G.Mul(n, G.NewConstant(scalarOf(n.Dtype(), 0.5), G.WithName("half")))
}

func sumOf(n *G.Node, err error) (*G.Node, error) {
	if err != nil {
		return nil, err
	}
	return G.Sum(n)
}

func scalarOf(dt tensor.Dtype, v float64) any {
	if dt == tensor.Float32 {
		return float32(v)
	}
	return v
}
