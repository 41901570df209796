package nn

import (
	"fmt"
	"strings"

	"scorenet/internal/mlp"
	"scorenet/internal/vmath"

	G "gorgonia.org/gorgonia"
)

// Activation is one entry of the activation table: everything scorenet
// knows of an MLP activation, in one place. Config validation, error
// messages and -h list the table's names; the gorgonia graph builds Graph;
// the hand-written core runs Kernel.
type Activation struct {
	Name string
	// Graph adds f(x) to a gorgonia graph. It must be twice differentiable
	// almost everywhere through gorgonia's autodiff, as the exact loss
	// differentiates the network's Jacobian once more.
	Graph func(*G.Node) (*G.Node, error)
	// Kernel is f, f' and f'' over slices, from internal/vmath's kernels
	// (the same bits on every machine), agreeing with Graph (tested).
	Kernel mlp.Activation
	// Derivatives32, where set, is Kernel.Derivatives for float32 values
	// in one pass, with the bits of Kernel's narrowed (tested); elsewhere
	// a float32 network widens its values through Kernel.
	Derivatives32 func(z, f, d1, d2 []float32)
}

// Float32 is the activation as a float32 network runs it.
func (a Activation) Float32() mlp.ActivationOf[float32] {
	act := mlp.Float32Activation(a.Kernel)
	if a.Derivatives32 != nil {
		act.Derivatives = a.Derivatives32
	}
	return act
}

// activations is the table, sorted by name.
var activations = []Activation{
	// elu(x) = x for x > 0, exp(x) - 1 otherwise, written in the graph as
	// relu(x) + expm1(-relu(-x)) so that no branch is taken on values; f''
	// is the one-sided exp(x) for x <= 0.
	{Name: "elu", Graph: eluGraph, Kernel: mlp.Activation{Value: vmath.ELU, Derivatives: func(z, f, d1, d2 []float64) {
		vmath.ExpNegAbs(d1, z) // exp(z) where z <= 0
		vmath.ELU(f, z)
		for k, v := range z {
			if v > 0 {
				d1[k], d2[k] = 1, 0
			} else {
				d2[k] = d1[k]
			}
		}
	}}},
	{Name: "sigmoid", Graph: G.Sigmoid, Kernel: mlp.Activation{Value: vmath.Sigmoid, Derivatives: func(z, f, d1, d2 []float64) {
		vmath.Sigmoid(f, z)
		for k, s := range f[:len(z)] {
			d1[k] = s * (1 - s)
			d2[k] = s * (1 - s) * (1 - 2*s)
		}
	}}},
	{Name: "softplus", Graph: G.Softplus, Kernel: mlp.Activation{Value: vmath.Softplus, Derivatives: func(z, f, d1, d2 []float64) {
		vmath.SoftplusSigmoid(f, d1, z)
		for k, s := range d1[:len(z)] {
			d2[k] = s * (1 - s)
		}
	}}},
	// swish(x) = x sigmoid(x), also called SiLU.
	{Name: "swish", Graph: swishGraph, Kernel: mlp.Activation{Value: vmath.Swish, Derivatives: func(z, f, d1, d2 []float64) {
		sig := d2 // d2 holds sigmoid(z) until each element's turn
		vmath.Sigmoid(sig, z)
		vmath.SwishDerivatives(f, d1, d2, z, sig)
	}}, Derivatives32: vmath.SwishDerivatives32},
	{Name: "tanh", Graph: G.Tanh, Kernel: mlp.Activation{Value: vmath.Tanh, Derivatives: func(z, f, d1, d2 []float64) {
		vmath.Tanh(f, z)
		for k, t := range f[:len(z)] {
			d1[k] = 1 - t*t
			d2[k] = -2 * t * (1 - t*t)
		}
	}}},
}

// Activations lists the names of the MLP activations, sorted.
func Activations() []string {
	names := make([]string, len(activations))
	for i, a := range activations {
		names[i] = a.Name
	}
	return names
}

// LookupActivation returns the table entry of the named activation.
func LookupActivation(name string) (Activation, error) {
	for _, a := range activations {
		if a.Name == name {
			return a, nil
		}
	}
	return Activation{}, fmt.Errorf("nn: unknown activation %q (known: %s)", name, strings.Join(Activations(), ", "))
}

func eluGraph(x *G.Node) (*G.Node, error) {
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
}

func swishGraph(x *G.Node) (*G.Node, error) {
	sg, err := G.Sigmoid(x)
	if err != nil {
		return nil, err
	}
	return G.HadamardProd(x, sg)
}
