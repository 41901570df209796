package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"scorenet/internal/mlp"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MLP is the score network of internal/mlp's Layout (D -> Hidden... -> D,
// optionally noise-conditional and residual) as a gorgonia graph: the
// reference the hand-written core is tested against, and the path for
// float32. Its float64 parameters are also the core's (Net).
//
// Initialisation follows PyTorch's nn.Linear: every weight and bias of a
// layer with fan-in f is drawn from U(-1/sqrt(f), 1/sqrt(f)).
type MLP struct {
	layout mlp.Layout
	act    Activation
	params []Param // in layout.Params order
}

func newMLP(s Spec, rng *rand.Rand) (*MLP, error) {
	act, err := LookupActivation(s.Activation)
	if err != nil {
		return nil, err
	}
	layout := mlp.Layout{Dim: s.Dim, Hidden: s.Hidden, Conditional: s.NoiseConditional, Residual: s.Residual,
		SigmaData: s.SigmaData, Classes: s.Classes}
	if err := layout.Check(); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	m := &MLP{layout: layout, act: act}
	shapes := layout.Params()
	for i, p := range shapes {
		in := shapes[i-i%2].Rows // a bias has its layer's weight's fan-in
		bound := 1 / math.Sqrt(float64(in))
		m.params = append(m.params, newParam(p.Name, s.Dtype, p.Rows, p.Cols, func() float64 { return bound * (2*rng.Float64() - 1) }))
	}
	return m, nil
}

func (m *MLP) Kind() string           { return "mlp" }
func (m *MLP) Dim() int               { return m.layout.Dim }
func (m *MLP) Dtype() tensor.Dtype    { return m.params[0].Value.Dtype() }
func (m *MLP) Params() []Param        { return m.params }
func (m *MLP) NoiseConditional() bool { return m.layout.Conditional }
func (m *MLP) Layout() mlp.Layout     { return m.layout }
func (m *MLP) Activation() Activation { return m.act }

// Classes is K for a class-conditional MLP, 0 otherwise.
func (m *MLP) Classes() int { return m.layout.Classes }

// Net is the hand-written core's view of the parameters, aliasing them (see
// mlp.Net); float64 MLPs only.
func (m *MLP) Net() (*mlp.Net, error) {
	if m.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("nn: the hand-written core needs a float64 MLP, not %v", m.Dtype())
	}
	data := make([][]float64, len(m.params))
	for i, p := range m.params {
		data[i] = p.Value.Data().([]float64)
	}
	return mlp.NewNet(m.layout, m.act.Kernel, data)
}

// Net64 is the network in float64 whatever its dtype: Net for a float64
// MLP; for a float32 one, a copy of its weights widened (exactly), for
// work that wants float64's precision from float32 weights (the
// likelihood's divergences). The copy does not follow later updates.
func (m *MLP) Net64() (*mlp.Net, error) {
	if m.Dtype() == tensor.Float64 {
		return m.Net()
	}
	return mlp.NewNet(m.layout, m.act.Kernel, float64Values(m.params))
}

// float64Values is a copy of params' values in float64 (exact from float32).
func float64Values(params []Param) [][]float64 {
	data := make([][]float64, len(params))
	for i, p := range params {
		data[i] = make([]float64, p.Value.Shape().TotalSize())
		GetData(data[i], p.Value)
	}
	return data
}

// Net32 is Net for a float32 MLP: the core runs it in float32.
func (m *MLP) Net32() (*mlp.NetOf[float32], error) {
	if m.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("nn: Net32 needs a float32 MLP, not %v", m.Dtype())
	}
	data := make([][]float32, len(m.params))
	for i, p := range m.params {
		data[i] = p.Value.Data().([]float32)
	}
	return mlp.NewNetOf(m.layout, m.act.Float32(), data)
}

func (m *MLP) Score(x, sigma *G.Node) (*G.Node, G.Nodes, error) {
	if m.layout.Conditional != (sigma != nil) {
		return nil, nil, fmt.Errorf("nn: noise-conditional mlp is %v but sigma given is %v", m.layout.Conditional, sigma != nil)
	}
	g := x.Graph()
	nodes := make(G.Nodes, len(m.params))
	for i, p := range m.params {
		nodes[i] = bind(g, p)
	}
	h := x
	var cin *G.Node // c_in per row, with preconditioning
	if m.layout.Conditional {
		logSigma, err := G.Log(sigma)
		if err != nil {
			return nil, nil, err
		}
		in := x
		if m.layout.SigmaData > 0 {
			// c_in = 1/sqrt(sigma^2 + sigma_data^2), one per row.
			sd2 := G.NewConstant(scalar(m.Dtype(), m.layout.SigmaData*m.layout.SigmaData), G.WithName("sigma_data^2"))
			if cin, err = G.InverseSqrt(G.Must(G.Add(G.Must(G.Square(sigma)), sd2))); err != nil {
				return nil, nil, fmt.Errorf("nn: input scale: %w", err)
			}
			if in, err = G.BroadcastHadamardProd(x, cin, nil, []byte{1}); err != nil {
				return nil, nil, fmt.Errorf("nn: scaling the input: %w", err)
			}
		}
		if h, err = G.Concat(1, in, logSigma); err != nil {
			return nil, nil, fmt.Errorf("nn: joining x and log sigma: %w", err)
		}
		if k := m.layout.Classes; k > 0 {
			// The graph scores without a label: every row's code is the
			// null label's (the core's labels are tested against it
			// through the first layer's bias, internal/mlp).
			code := tensor.New(tensor.WithShape(x.Shape()[0], k+1), tensor.Of(m.Dtype()))
			for r := 0; r < x.Shape()[0]; r++ {
				if err := code.SetAt(scalar(m.Dtype(), 1), r, k); err != nil {
					return nil, nil, err
				}
			}
			if h, err = G.Concat(1, h, G.NewConstant(code, G.WithName("null_label"))); err != nil {
				return nil, nil, fmt.Errorf("nn: joining the null label: %w", err)
			}
		}
	}
	layers := len(nodes) / 2
	for l := 0; l < layers; l++ {
		xw, err := G.Mul(h, nodes[2*l])
		if err != nil {
			return nil, nil, fmt.Errorf("nn: layer %d: %w", l, err)
		}
		z, err := G.BroadcastAdd(xw, nodes[2*l+1], nil, []byte{0})
		if err != nil {
			return nil, nil, fmt.Errorf("nn: layer %d bias: %w", l, err)
		}
		if l+1 == layers {
			h = z
			break
		}
		a, err := m.act.Graph(z)
		if err != nil {
			return nil, nil, fmt.Errorf("nn: layer %d activation: %w", l, err)
		}
		if m.layout.Skip(l + 1) {
			if a, err = G.Add(h, a); err != nil {
				return nil, nil, fmt.Errorf("nn: layer %d skip connection: %w", l, err)
			}
		}
		h = a
	}
	if m.layout.Conditional {
		var err error
		if h, err = G.BroadcastHadamardDiv(h, sigma, nil, []byte{1}); err != nil {
			return nil, nil, fmt.Errorf("nn: dividing by sigma: %w", err)
		}
		if cin != nil { // EDM's preconditioning (mlp.Layout)
			sd := G.NewConstant(scalar(m.Dtype(), m.layout.SigmaData), G.WithName("sigma_data"))
			if h, err = G.BroadcastHadamardProd(h, G.Must(G.Mul(cin, sd)), nil, []byte{1}); err != nil {
				return nil, nil, fmt.Errorf("nn: the output scale: %w", err)
			}
			pull, err := G.BroadcastHadamardProd(x, G.Must(G.Square(cin)), nil, []byte{1})
			if err != nil {
				return nil, nil, fmt.Errorf("nn: the skip term: %w", err)
			}
			if h, err = G.Sub(h, pull); err != nil {
				return nil, nil, fmt.Errorf("nn: the skip term: %w", err)
			}
		}
	}
	return h, nodes, nil
}

// scalar is v as a scalar of dtype dt.
func scalar(dt tensor.Dtype, v float64) any {
	if dt == tensor.Float32 {
		return float32(v)
	}
	return v
}
