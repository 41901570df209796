package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MLP is a fully connected network D -> Hidden... -> D with a bias on every
// layer and an activation after every hidden layer; the output is linear.
//
// Initialisation follows PyTorch's nn.Linear: every weight and bias of a
// layer with fan-in f is drawn from U(-1/sqrt(f), 1/sqrt(f)).
//
// A noise-conditional MLP is s(x, sigma) = f([x, log sigma]) / sigma: the
// network sees log sigma as one more input, and its output is divided by
// sigma, so it only has to learn a score of order 1 at every noise level
// (the true score of data perturbed by N(0, sigma^2 I) scales like 1/sigma).
type MLP struct {
	dim            int
	conditional    bool
	activationName string
	activation     activation
	params         []Param // W0, b0, W1, b1, ...: W is (in, out), b is (1, out)
}

func newMLP(s Spec, rng *rand.Rand) (*MLP, error) {
	act, ok := activations[s.Activation]
	if !ok {
		return nil, fmt.Errorf("nn: unknown activation %q (known: %v)", s.Activation, Activations())
	}
	m := &MLP{dim: s.Dim, conditional: s.NoiseConditional, activationName: s.Activation, activation: act}
	in := s.Dim
	if s.NoiseConditional {
		in++
	}
	widths := append(append([]int{in}, s.Hidden...), s.Dim)
	for l := 0; l+1 < len(widths); l++ {
		in, out := widths[l], widths[l+1]
		if out < 1 {
			return nil, fmt.Errorf("nn: hidden layer %d has width %d, want >= 1", l, out)
		}
		bound := 1 / math.Sqrt(float64(in))
		uniform := func() float64 { return bound * (2*rng.Float64() - 1) }
		m.params = append(m.params,
			newParam(fmt.Sprintf("layer%d.weight", l), s.Dtype, in, out, uniform),
			newParam(fmt.Sprintf("layer%d.bias", l), s.Dtype, 1, out, uniform))
	}
	return m, nil
}

func (m *MLP) Kind() string { return "mlp" }
func (m *MLP) Dim() int     { return m.dim }
func (m *MLP) Dtype() tensor.Dtype {
	return m.params[0].Value.Dtype()
}
func (m *MLP) Params() []Param        { return m.params }
func (m *MLP) NoiseConditional() bool { return m.conditional }

// Activation names the MLP's activation.
func (m *MLP) Activation() string { return m.activationName }

func (m *MLP) Score(x, sigma *G.Node) (*G.Node, G.Nodes, error) {
	if m.conditional != (sigma != nil) {
		return nil, nil, fmt.Errorf("nn: noise-conditional mlp is %v but sigma given is %v", m.conditional, sigma != nil)
	}
	g := x.Graph()
	nodes := make(G.Nodes, len(m.params))
	for i, p := range m.params {
		nodes[i] = bind(g, p)
	}
	h := x
	if m.conditional {
		logSigma, err := G.Log(sigma)
		if err != nil {
			return nil, nil, err
		}
		if h, err = G.Concat(1, x, logSigma); err != nil {
			return nil, nil, fmt.Errorf("nn: joining x and log sigma: %w", err)
		}
	}
	layers := len(nodes) / 2
	for l := 0; l < layers; l++ {
		xw, err := G.Mul(h, nodes[2*l])
		if err != nil {
			return nil, nil, fmt.Errorf("nn: layer %d: %w", l, err)
		}
		if h, err = G.BroadcastAdd(xw, nodes[2*l+1], nil, []byte{0}); err != nil {
			return nil, nil, fmt.Errorf("nn: layer %d bias: %w", l, err)
		}
		if l+1 < layers {
			if h, err = m.activation(h); err != nil {
				return nil, nil, fmt.Errorf("nn: layer %d activation: %w", l, err)
			}
		}
	}
	if m.conditional {
		var err error
		if h, err = G.BroadcastHadamardDiv(h, sigma, nil, []byte{1}); err != nil {
			return nil, nil, fmt.Errorf("nn: dividing by sigma: %w", err)
		}
	}
	return h, nodes, nil
}
