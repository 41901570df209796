package losses

import (
	"fmt"
	"math/rand/v2"

	"scorenet/internal/mlp"
	"scorenet/nn"

	G "gorgonia.org/gorgonia"
)

// The exact loss of Hyvarinen (2005): the mean over the batch of
// tr(ds/dx) + 1/2 ||s||^2, with the trace exact.

// exactHead is the exact loss on the core: the D unit directions of every
// point carried forward as tangents give the Jacobian's diagonal (the trace
// term), and one reverse pass through the tangents and the forward pass gives
// the parameter gradients.
type exactHead struct {
	head
	diag, gs, gd []float64
}

func newExactHead(net *mlp.Net, o Options) (Loss, error) {
	h, err := newHead(net, o, net.Dim)
	if err != nil {
		return nil, err
	}
	n := o.Batch * net.Dim
	return &exactHead{head: h, diag: make([]float64, n), gs: make([]float64, n), gd: make([]float64, n)}, nil
}

// Evaluate computes the exact loss; it draws no noise.
func (e *exactHead) Evaluate(x []float64, rowWeight float64, _ *rand.Rand) (Terms, error) {
	if _, err := e.points(x); err != nil {
		return Terms{}, err
	}
	s, err := e.pass.Forward(x, nil, true)
	if err != nil {
		return Terms{}, err
	}
	if err := e.pass.Tangents(nil, 0); err != nil {
		return Terms{}, err
	}
	diag := e.diag[:len(s)]
	if err := e.pass.JacobianDiagonal(diag); err != nil {
		return Terms{}, err
	}
	var trace, norm float64
	for _, v := range diag {
		trace += v
	}
	gs, gd := e.gs[:len(s)], e.gd[:len(s)]
	for k, v := range s {
		norm += v * v / 2
		gs[k], gd[k] = rowWeight*v, rowWeight
	}
	trace, norm = trace*rowWeight, norm*rowWeight
	if e.gradients {
		if err := e.pass.Backward(mlp.Seeds{Score: gs, Diagonal: gd}); err != nil {
			return Terms{}, err
		}
	}
	return Terms{Loss: trace + norm, Trace: trace, Norm: norm}, nil
}

// exactGraph is the exact loss as a gorgonia graph, compiled once for a
// fixed batch size: the reference. Rows of a batch carry weights, so a
// part-filled batch (zero weight on its padding) and a mean over several
// batches are both exact.
type exactGraph struct{ *graphLoss }

// newExactGraph compiles the exact loss of m, with its parameter gradients
// when o.Gradients is set.
//
// The trace: for each dimension i, the backward pass of sum_b s_i(x_b) with
// respect to x gives ds_i/dx for every sample (samples do not interact), and
// its column i is the diagonal entry ds_i/dx_i. Columns are selected by
// elementwise products with one-hot masks, never by Slice, whose gradient is
// wrong at second order (TestKnownIssueSliceSecondOrder). The masks are named
// input nodes rather than constants, because gorgonia merges constants whose
// printed forms agree, and it prints large tensors elided
// (TestKnownIssueConstantsMergedByPrintedForm).
func newExactGraph(m nn.Model, o Options) (Loss, error) {
	batch := o.Batch
	l, err := newGraphLoss(m, batch, m.Dim())
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
			return nil, fmt.Errorf("losses: backward pass for dimension %d: %w", i, err)
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
	if err := l.finishTwoTerms(trace, norm, o.Gradients); err != nil {
		return nil, err
	}
	return &exactGraph{l}, nil
}

// Evaluate computes the exact loss; it draws no noise.
func (e *exactGraph) Evaluate(x []float64, rowWeight float64, _ *rand.Rand) (Terms, error) {
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
