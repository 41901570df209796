package train

import (
	"fmt"

	"scorenet/nn"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Terms are the values of a score-matching loss and its two parts.
type Terms struct {
	Loss  float64 `json:"loss"`
	Trace float64 `json:"trace"` // mean tr(ds/dx): the "Hessian" term
	Norm  float64 `json:"norm"`  // mean 1/2 ||s||^2: the "Norm" term
}

// Add returns the termwise sum.
func (t Terms) Add(u Terms) Terms {
	return Terms{t.Loss + u.Loss, t.Trace + u.Trace, t.Norm + u.Norm}
}

// Exact is the exact score-matching loss of a model, compiled once for a
// fixed batch size. Rows of a batch carry weights, so a part-filled batch
// (zero weight on its padding) and a mean over several batches are both exact.
type Exact struct {
	model nn.Model
	batch int
	x     *tensor.Dense // the batch, (batch, D)
	w     *tensor.Dense // row weights, repeated along each row, (batch, D)
	rows  int           // rows and weight that w was last set to
	rowW  float64
	vm    G.VM
	terms [3]G.Value // loss, trace, norm
	grads []G.Value  // one per model parameter; nil without gradients
}

// NewExact compiles the exact loss of m for batches of the given size, and
// its parameter gradients when withGrads is set.
//
// The trace: for each dimension i, the backward pass of sum_b s_i(x_b) with
// respect to x gives ds_i/dx for every sample (samples do not interact), and
// its column i is the diagonal entry ds_i/dx_i. Columns are selected by
// elementwise products with one-hot masks, never by Slice, whose gradient is
// wrong at second order (TestKnownIssueSliceSecondOrder). The masks are named
// input nodes rather than constants, because gorgonia merges constants whose
// printed forms agree, and it prints large tensors elided
// (TestKnownIssueConstantsMergedByPrintedForm).
func NewExact(m nn.Model, batch int, withGrads bool) (*Exact, error) {
	if batch < 1 {
		return nil, fmt.Errorf("train: batch size must be >= 1, got %d", batch)
	}
	d, dt := m.Dim(), m.Dtype()
	g := G.NewGraph()
	e := &Exact{model: m, batch: batch, rows: -1,
		x: tensor.New(tensor.WithShape(batch, d), tensor.Of(dt)),
		w: tensor.New(tensor.WithShape(batch, d), tensor.Of(dt)),
	}
	input := func(name string, t *tensor.Dense) *G.Node {
		return G.NewMatrix(g, dt, G.WithShape(batch, d), G.WithName(name), G.WithValue(t))
	}
	x, w := input("x", e.x), input("row_weights", e.w)
	s, params, err := m.Score(x)
	if err != nil {
		return nil, err
	}
	var diag *G.Node // (batch, D): ds_i/dx_i for every sample
	for i := 0; i < d; i++ {
		mask := tensor.New(tensor.WithShape(batch, d), tensor.Of(dt))
		col := make([]float64, batch*d)
		for b := 0; b < batch; b++ {
			col[b*d+i] = 1
		}
		nn.SetData(mask, col)
		onehot := input(fmt.Sprintf("onehot_%d", i), mask)
		si, err := sumOf(G.HadamardProd(s, onehot))
		if err != nil {
			return nil, err
		}
		ds, err := grad(si, x)
		if err != nil {
			return nil, fmt.Errorf("train: backward pass for dimension %d: %w", i, err)
		}
		term, err := G.HadamardProd(ds[0], onehot)
		if err != nil {
			return nil, err
		}
		if diag == nil {
			diag = term
		} else if diag, err = G.Add(diag, term); err != nil {
			return nil, err
		}
	}
	trace, err := sumOf(G.HadamardProd(diag, w))
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(s)
	if err != nil {
		return nil, err
	}
	sqSum, err := sumOf(G.HadamardProd(sq, w))
	if err != nil {
		return nil, err
	}
	half := G.NewConstant(scalarOf(dt, 0.5), G.WithName("half"))
	norm, err := G.Mul(sqSum, half)
	if err != nil {
		return nil, err
	}
	loss, err := G.Add(trace, norm)
	if err != nil {
		return nil, err
	}
	for i, n := range []*G.Node{loss, trace, norm} {
		G.Read(n, &e.terms[i])
	}
	if withGrads {
		gs, err := grad(loss, params...)
		if err != nil {
			return nil, fmt.Errorf("train: parameter gradients: %w", err)
		}
		e.grads = make([]G.Value, len(gs))
		for i := range gs {
			G.Read(gs[i], &e.grads[i])
		}
	}
	e.vm = G.NewTapeMachine(g)
	return e, nil
}

// Batch is the number of rows the graph was compiled for.
func (e *Exact) Batch() int { return e.batch }

// Evaluate computes the loss on the points x (row-major, at most Batch of
// them), each weighted by rowWeight: 1/len for the batch mean, 1/N for one
// chunk of a mean over N points.
func (e *Exact) Evaluate(x []float64, rowWeight float64) (Terms, error) {
	d := e.model.Dim()
	rows := len(x) / d
	if len(x)%d != 0 || rows > e.batch || rows == 0 {
		return Terms{}, fmt.Errorf("train: %d values are not 1 to %d points of dimension %d", len(x), e.batch, d)
	}
	if rows != e.rows || rowWeight != e.rowW {
		w := make([]float64, rows*d)
		for i := range w {
			w[i] = rowWeight
		}
		nn.SetData(e.w, w)
		e.rows, e.rowW = rows, rowWeight
	}
	nn.SetData(e.x, x)
	e.vm.Reset()
	if err := e.vm.RunAll(); err != nil {
		return Terms{}, fmt.Errorf("train: exact loss: %w", err)
	}
	return Terms{
		Loss:  nn.Scalar(e.terms[0]),
		Trace: nn.Scalar(e.terms[1]),
		Norm:  nn.Scalar(e.terms[2]),
	}, nil
}

// Grads returns the gradients of the last Evaluate with respect to the
// model's parameters, in Params order. They are overwritten by the next call.
func (e *Exact) Grads() []tensor.Tensor {
	out := make([]tensor.Tensor, len(e.grads))
	for i, v := range e.grads {
		out[i] = v.(tensor.Tensor)
	}
	return out
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
