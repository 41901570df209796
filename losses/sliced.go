package losses

import (
	"errors"
	"math/rand/v2"

	"scorenet/internal/mlp"
	"scorenet/nn"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sliced score matching (Song, Garg, Shi & Ermon 2019): the
// Jacobian trace of the exact loss is replaced by its projection on a random
// direction v ~ N(0, I), one per sample and step,
//
//	sliced:    L = mean of [ v'(ds/dx)v + 1/2 (v's)^2 ]
//	sliced_vr: L = mean of [ v'(ds/dx)v + 1/2 ||s||^2 ]
//
// whose expectations over v equal the exact loss (the second integrates the
// norm term analytically, which lowers the variance). v'(ds/dx)v comes from
// one backward pass of sum_b v_b's_b, whatever D is, so the cost does not
// grow with the dimension the way the exact loss's D passes do.

// slicedHead is a sliced loss on the core: one tangent per point, along its
// direction v, gives J v; the loss reads v'(Jv) and s, and one reverse pass
// through the tangent and the forward pass gives the parameter gradients.
type slicedHead struct {
	head
	vr           bool
	dirs, gs, gt []float64
}

// newSlicedHead returns the builder of the sliced (vr false) or sliced_vr
// head.
func newSlicedHead(vr bool) func(*mlp.Net, Options) (Loss, error) {
	return func(net *mlp.Net, o Options) (Loss, error) {
		h, err := newHead(net, o, 1)
		if err != nil {
			return nil, err
		}
		n := o.Batch * net.Dim
		return &slicedHead{head: h, vr: vr, dirs: make([]float64, n), gs: make([]float64, n), gt: make([]float64, n)}, nil
	}
}

// Evaluate computes the loss with fresh directions drawn from noise, as
// the graph draws them.
func (sl *slicedHead) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("losses: sliced score matching needs a random source for its directions")
	}
	n, err := sl.points(x)
	if err != nil {
		return Terms{}, err
	}
	D := sl.pass.Net().Dim
	dirs := sl.dirs[:n*D]
	fillNormal(dirs, noise)
	s, err := sl.pass.Forward(x, nil, true)
	if err != nil {
		return Terms{}, err
	}
	if err := sl.pass.Tangents(dirs, 1); err != nil {
		return Terms{}, err
	}
	jv, err := sl.pass.OutputTangents()
	if err != nil {
		return Terms{}, err
	}
	var trace, norm float64
	for k, v := range jv {
		trace += v * dirs[k]
	}
	gs, gt := sl.gs[:n*D], sl.gt[:n*D]
	if sl.vr {
		for k, v := range s {
			norm += v * v / 2
			gs[k] = rowWeight * v
		}
	} else {
		// 1/2 (v's)^2, gradient (v's) v
		for b := 0; b < n; b++ {
			sv := 0.0
			for j := 0; j < D; j++ {
				sv += s[b*D+j] * dirs[b*D+j]
			}
			norm += sv * sv / 2
			for j := 0; j < D; j++ {
				gs[b*D+j] = rowWeight * sv * dirs[b*D+j]
			}
		}
	}
	trace, norm = trace*rowWeight, norm*rowWeight
	if sl.gradients {
		for k, v := range dirs {
			gt[k] = rowWeight * v
		}
		if err := sl.pass.Backward(mlp.Seeds{Score: gs, Tangents: gt}); err != nil {
			return Terms{}, err
		}
	}
	return Terms{Loss: trace + norm, Trace: trace, Norm: norm}, nil
}

// slicedGraph is a sliced loss as a gorgonia graph: the reference.
type slicedGraph struct {
	*graphLoss
	vr         bool
	directions *tensor.Dense // v, (batch, D)
	rowWeights *tensor.Dense // (batch): sliced's per-row weights for (v's)^2
}

// newSlicedGraph returns the builder of the sliced (vr false) or sliced_vr
// graph.
func newSlicedGraph(vr bool) func(nn.Model, Options) (Loss, error) {
	return func(m nn.Model, o Options) (Loss, error) { return slicedGraphOf(m, o.Batch, o.Gradients, vr) }
}

func slicedGraphOf(m nn.Model, batch int, withGrads, vr bool) (*slicedGraph, error) {
	l, err := newGraphLoss(m, batch, 1)
	if err != nil {
		return nil, err
	}
	sl := &slicedGraph{graphLoss: l, vr: vr}
	x, w := l.bindBatch()
	var v *G.Node
	v, sl.directions = l.input("directions", batch, m.Dim())
	s, params, err := m.Score(x, nil)
	if err != nil {
		return nil, err
	}
	l.params = params
	sv, err := G.HadamardProd(s, v)
	if err != nil {
		return nil, err
	}
	total, err := G.Sum(sv)
	if err != nil {
		return nil, err
	}
	jv, err := grad(total, x) // row b: J_b' v_b
	if err != nil {
		return nil, err
	}
	vjv, err := G.HadamardProd(jv[0], v)
	if err != nil {
		return nil, err
	}
	trace, err := weightedSum(vjv, w)
	if err != nil {
		return nil, err
	}
	var norm *G.Node
	if vr {
		norm, err = halfSquaredNorm(s, w)
	} else {
		var rw *G.Node
		rw, sl.rowWeights = l.input("projection_weights", batch)
		norm, err = halfWeightedSquares(sv, rw)
	}
	if err != nil {
		return nil, err
	}
	if err := l.finishTwoTerms(trace, norm, withGrads); err != nil {
		return nil, err
	}
	return sl, nil
}

// halfWeightedSquares is 1/2 sum_b w_b (sum_j sv_bj)^2.
func halfWeightedSquares(sv, w *G.Node) (*G.Node, error) {
	rows, err := G.Sum(sv, 1)
	if err != nil {
		return nil, err
	}
	return halfSquaredNorm(rows, w)
}

// Evaluate computes the loss with fresh directions drawn from noise.
func (sl *slicedGraph) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("losses: sliced score matching needs a random source for its directions")
	}
	rows, err := sl.setBatch(x, rowWeight)
	if err != nil {
		return Terms{}, err
	}
	v := make([]float64, rows*sl.model.Dim())
	fillNormal(v, noise)
	nn.SetData(sl.directions, v)
	if !sl.vr {
		w := make([]float64, rows)
		for i := range w {
			w[i] = rowWeight
		}
		nn.SetData(sl.rowWeights, w)
	}
	return sl.run()
}
