package train

import (
	"errors"
	"math/rand/v2"

	"scorenet/nn"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sliced is sliced score matching (Song, Garg, Shi & Ermon 2019): the
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
type Sliced struct {
	*graphLoss
	vr         bool
	directions *tensor.Dense // v, (batch, D)
	rowWeights *tensor.Dense // (batch): sliced's per-row weights for (v's)^2
}

func newSliced(m nn.Model, batch int, withGrads, vr bool) (*Sliced, error) {
	l, err := newGraphLoss(m, batch)
	if err != nil {
		return nil, err
	}
	sl := &Sliced{graphLoss: l, vr: vr}
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
func (sl *Sliced) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	if noise == nil {
		return Terms{}, errors.New("train: sliced score matching needs a random source for its directions")
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
