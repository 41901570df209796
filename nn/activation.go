package nn

import (
	"sort"

	G "gorgonia.org/gorgonia"
)

type activation func(*G.Node) (*G.Node, error)

// activations are all twice differentiable almost everywhere, as the exact
// score-matching loss differentiates the network's Jacobian once more. ELU
// and swish are composed from primitives whose second-order gradients were
// checked against finite differences (see the package tests).
var activations = map[string]activation{
	"softplus": G.Softplus,
	"tanh":     G.Tanh,
	"sigmoid":  G.Sigmoid,
	// elu(x) = x for x > 0, exp(x) - 1 otherwise, written as
	// relu(x) + exp(-relu(-x)) - 1 so that no branch is taken on values.
	"elu": func(x *G.Node) (*G.Node, error) {
		pos, err := G.Rectify(x)
		if err != nil {
			return nil, err
		}
		negx, err := G.Neg(x)
		if err != nil {
			return nil, err
		}
		rn, err := G.Rectify(negx)
		if err != nil {
			return nil, err
		}
		nrn, err := G.Neg(rn)
		if err != nil {
			return nil, err
		}
		em1, err := G.Expm1(nrn)
		if err != nil {
			return nil, err
		}
		return G.Add(pos, em1)
	},
	// swish(x) = x * sigmoid(x), also called SiLU.
	"swish": func(x *G.Node) (*G.Node, error) {
		sg, err := G.Sigmoid(x)
		if err != nil {
			return nil, err
		}
		return G.HadamardProd(x, sg)
	},
}

// Activations lists the MLP activations, sorted.
func Activations() []string {
	names := make([]string, 0, len(activations))
	for n := range activations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
