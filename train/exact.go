package train

import (
	"fmt"
	"math/rand/v2"

	"scorenet/nn"

	G "gorgonia.org/gorgonia"
)

// Terms are the values of a score-matching loss and its two parts. Losses
// without such parts (dsm, anneal_dsm) leave Trace and Norm zero.
type Terms struct {
	Loss  float64 `json:"loss"`
	Trace float64 `json:"trace,omitempty"` // mean tr(ds/dx), or v'(ds/dx)v when sliced: the "Hessian" term
	Norm  float64 `json:"norm,omitempty"`  // mean 1/2 ||s||^2, or 1/2 (v's)^2 when sliced: the "Norm" term
}

// Add returns the termwise sum.
func (t Terms) Add(u Terms) Terms {
	return Terms{t.Loss + u.Loss, t.Trace + u.Trace, t.Norm + u.Norm}
}

// Exact is the exact score-matching loss of a model, compiled once for a
// fixed batch size. Rows of a batch carry weights, so a part-filled batch
// (zero weight on its padding) and a mean over several batches are both exact.
type Exact struct{ *graphLoss }

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
	l, err := newGraphLoss(m, batch)
	if err != nil {
		return nil, err
	}
	d := m.Dim()
	x, w := l.bindBatch()
	s, params, err := m.Score(x, nil)
	if err != nil {
		return nil, err
	}
	l.params = params
	var diag *G.Node // (batch, D): ds_i/dx_i for every sample
	for i := 0; i < d; i++ {
		onehot, mask := l.input(fmt.Sprintf("onehot_%d", i), batch, d)
		col := make([]float64, batch*d)
		for b := 0; b < batch; b++ {
			col[b*d+i] = 1
		}
		nn.SetData(mask, col)
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
	trace, err := weightedSum(diag, w)
	if err != nil {
		return nil, err
	}
	norm, err := halfSquaredNorm(s, w)
	if err != nil {
		return nil, err
	}
	if err := l.finishTwoTerms(trace, norm, withGrads); err != nil {
		return nil, err
	}
	return &Exact{l}, nil
}

// Evaluate computes the exact loss; it draws no noise.
func (e *Exact) Evaluate(x []float64, rowWeight float64, _ *rand.Rand) (Terms, error) {
	if _, err := e.setBatch(x, rowWeight); err != nil {
		return Terms{}, err
	}
	return e.run()
}

// halfSquaredNorm is 1/2 sum w .* s^2: 1/2 sum_b w_b ||s_b||^2 for a batch
// of scores with row weights repeated along each row.
func halfSquaredNorm(s, w *G.Node) (*G.Node, error) {
	sq, err := G.Square(s)
	if err != nil {
		return nil, err
	}
	total, err := weightedSum(sq, w)
	if err != nil {
		return nil, err
	}
	return halfOf(total)
}
