package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gaussian is the unnormalized Gaussian model of the score-matching
// literature's worked example: log p(x) = -sum_j (x_j - mu_j)^2 / (2 var_j) + c,
// with a learnable mean mu and per-dimension variance var = exp(logvar).
// Its score is s(x) = (mu - x) / var. Trained by score matching it lands on
// the sample mean and the biased (1/n) sample variance of its data.
//
// Parameters start at mu = 0, logvar = 0 (the standard normal).
type Gaussian struct {
	dim    int
	params []Param // mean (1, D), logvar (1, D)
}

func newGaussian(s Spec) *Gaussian {
	zero := func() float64 { return 0 }
	return &Gaussian{dim: s.Dim, params: []Param{
		newParam("mean", s.Dtype, 1, s.Dim, zero),
		newParam("logvar", s.Dtype, 1, s.Dim, zero),
	}}
}

func (m *Gaussian) Kind() string        { return "gaussian" }
func (m *Gaussian) Dim() int            { return m.dim }
func (m *Gaussian) Dtype() tensor.Dtype { return m.params[0].Value.Dtype() }
func (m *Gaussian) Params() []Param     { return m.params }
func (m *Gaussian) Mean() Param         { return m.params[0] }
func (m *Gaussian) LogVariance() Param  { return m.params[1] }

func (m *Gaussian) NoiseConditional() bool { return false }

func (m *Gaussian) Score(x, sigma *G.Node) (*G.Node, G.Nodes, error) {
	if sigma != nil {
		return nil, nil, fmt.Errorf("nn: the gaussian model is not noise-conditional")
	}
	g := x.Graph()
	mean, logvar := bind(g, m.params[0]), bind(g, m.params[1])
	diff, err := G.BroadcastSub(mean, x, []byte{0}, nil)
	if err != nil {
		return nil, nil, err
	}
	neg, err := G.Neg(logvar)
	if err != nil {
		return nil, nil, err
	}
	precision, err := G.Exp(neg)
	if err != nil {
		return nil, nil, err
	}
	s, err := G.BroadcastHadamardProd(diff, precision, nil, []byte{0})
	if err != nil {
		return nil, nil, err
	}
	return s, G.Nodes{mean, logvar}, nil
}
