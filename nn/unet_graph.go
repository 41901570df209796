package nn

import (
	"fmt"
	"scorenet/internal/unet"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Score adds the U-Net to x's graph, in gorgonia's channels-first layout
// (batch, channels, height, width) with its Conv2d: the reference the
// hand-written core (internal/unet) is tested against. The layers are the
// core's, written out as gorgonia ops.
func (m *UNet) Score(x, sigma *G.Node) (*G.Node, G.Nodes, error) {
	if sigma == nil {
		return nil, nil, fmt.Errorf("nn: the unet is noise-conditional: sigma is needed")
	}
	g := x.Graph()
	b := &unetGraph{m: m, params: map[string]*G.Node{}, batch: x.Shape()[0]}
	nodes := make(G.Nodes, len(m.params))
	for i, p := range m.params {
		nodes[i] = bind(g, p)
		b.params[p.Name] = nodes[i]
	}
	l := m.layout
	dt := m.Dtype()
	// c_in, the output scale and the skip factor, one per row.
	sd2 := G.NewConstant(scalar(dt, l.SigmaData*l.SigmaData))
	cin := b.do(G.InverseSqrt(b.do(G.Add(b.do(G.Square(sigma)), sd2))))
	in := b.do(G.BroadcastHadamardProd(x, cin, nil, []byte{1}))
	// The noise embedding from log(sigma)/4.
	freqs := make([]float64, l.Frequencies)
	for k := range freqs {
		freqs[k] = l.Frequency(k)
	}
	fr := G.NewMatrix(g, dt, G.WithShape(1, l.Frequencies), G.WithName("frequencies"), G.WithValue(tensorOf(dt, []int{1, l.Frequencies}, freqs)))
	quarter := G.NewConstant(scalar(dt, 0.25))
	t := b.do(G.Mul(b.do(G.HadamardProd(b.do(G.Log(sigma)), quarter)), fr)) // (batch, F)
	phi := b.do(G.Concat(1, b.do(G.Sin(t)), b.do(G.Cos(t))))
	if k := l.Classes; k > 0 {
		// The graph scores without a label, as the MLP's does.
		code := tensor.New(tensor.WithShape(b.batch, k+1), tensor.Of(dt))
		for r := range b.batch {
			if err := code.SetAt(scalar(dt, 1), r, k); err != nil {
				return nil, nil, err
			}
		}
		phi = b.do(G.Concat(1, phi, G.NewConstant(code, G.WithName("null_label"))))
	}
	e := b.swish(b.dense(phi, "embed0"))
	b.e = b.swish(b.dense(e, "embed1"))

	h := b.channelsFirst(in, l.H, l.W, l.C)
	h = b.conv(h, "in", 3)
	L := len(l.Channels)
	var kept []*G.Node
	specs := l.Blocks()
	for i, spec := range specs[:L] {
		h = b.block(h, spec.Name, spec.In != spec.Out)
		kept = append(kept, h)
		if i < L-1 {
			h = b.pool(h)
		}
	}
	for _, spec := range specs[L:] {
		if spec.Name != "mid" {
			h = b.do(G.Concat(1, h, kept[spec.Level]))
		}
		h = b.block(h, spec.Name, spec.In != spec.Out)
		if spec.Name != "mid" && spec.Level > 0 {
			h = b.do(G.Upsample2D(h, 2))
		}
	}
	h = b.conv(b.swish(b.groupNorm(h, "out.norm")), "out", 3)
	f := b.do(G.Reshape(b.do(G.Transpose(h, 0, 2, 3, 1)), tensor.Shape{b.batch, l.Dim()}))
	// s = -c_in^2 x + sigma_data c_in / sigma f.
	sd := G.NewConstant(scalar(dt, l.SigmaData))
	outScale := b.do(G.HadamardDiv(b.do(G.Mul(cin, sd)), sigma))
	s := b.do(G.Sub(b.do(G.BroadcastHadamardProd(f, outScale, nil, []byte{1})), b.do(G.BroadcastHadamardProd(x, b.do(G.Square(cin)), nil, []byte{1}))))
	if b.err != nil {
		return nil, nil, fmt.Errorf("nn: the unet's graph: %w", b.err)
	}
	return s, nodes, nil
}

// unetGraph builds the U-Net's graph, keeping the first error.
type unetGraph struct {
	m      *UNet
	params map[string]*G.Node
	batch  int
	e      *G.Node // the noise embedding, (batch, Embed)
	err    error
}

func (b *unetGraph) do(n *G.Node, err error) *G.Node {
	if err != nil && b.err == nil {
		b.err = err
	}
	return n
}

func (b *unetGraph) swish(x *G.Node) *G.Node { return b.do(swishGraph(x)) }

// dense is x name.weight + name.bias.
func (b *unetGraph) dense(x *G.Node, name string) *G.Node {
	if b.err != nil {
		return x
	}
	return b.do(G.BroadcastAdd(b.do(G.Mul(x, b.params[name+".weight"])), b.params[name+".bias"], nil, []byte{0}))
}

// channelsFirst turns rows of h x w x c pixels into (batch, c, h, w).
func (b *unetGraph) channelsFirst(x *G.Node, h, w, c int) *G.Node {
	if b.err != nil {
		return x
	}
	return b.do(G.Transpose(b.do(G.Reshape(x, tensor.Shape{b.batch, h, w, c})), 0, 3, 1, 2))
}

// conv is the k x k convolution name (same padding) with its bias; the
// core's weight ((dy, dx, channel in) x out) becomes gorgonia's filter
// (out, in, dy, dx).
func (b *unetGraph) conv(x *G.Node, name string, k int) *G.Node {
	if b.err != nil {
		return x
	}
	ci := x.Shape()[1]
	w := b.params[name+".weight"]
	co := w.Shape()[1]
	filter := b.do(G.Transpose(b.do(G.Reshape(w, tensor.Shape{k, k, ci, co})), 3, 2, 0, 1))
	pad := (k - 1) / 2
	y := b.do(G.Conv2d(x, filter, tensor.Shape{k, k}, []int{pad, pad}, []int{1, 1}, nil))
	if b.err != nil {
		return x
	}
	bias := b.do(G.Reshape(b.params[name+".bias"], tensor.Shape{1, co, 1, 1}))
	return b.do(G.BroadcastAdd(y, bias, nil, []byte{0, 2, 3}))
}

// groupNorm normalises each image's groups of channels and applies the
// per-channel scale and shift.
func (b *unetGraph) groupNorm(x *G.Node, name string) *G.Node {
	if b.err != nil {
		return x
	}
	s := x.Shape()
	n, c, h, w := s[0], s[1], s[2], s[3]
	groups := b.m.layout.Groups
	dt := b.m.Dtype()
	// A copy first: Reshape is a view of x's values, and the tape machine,
	// seeing the view's register free after the subtraction below, works
	// in place in it, so a block's input, still needed by its skip
	// connection, was overwritten (TestKnownIssueInPlaceOnAReshapedView).
	copied := b.do(G.Add(x, G.NewConstant(scalar(dt, 0))))
	grouped := b.do(G.Reshape(copied, tensor.Shape{n, groups, c / groups * h * w}))
	mean := b.do(G.Mean(grouped, 2))
	centred := b.do(G.BroadcastSub(grouped, b.do(G.Reshape(mean, tensor.Shape{n, groups, 1})), nil, []byte{2}))
	variance := b.do(G.Mean(b.do(G.Square(centred)), 2))
	eps := G.NewConstant(scalar(dt, unet.NormEps))
	// 1/sqrt, not InverseSqrt, whose gradient is wrong (see
	// TestKnownIssueInverseSqrtGradient).
	rstd := b.do(G.Inverse(b.do(G.Sqrt(b.do(G.Add(variance, eps))))))
	normed := b.do(G.BroadcastHadamardProd(centred, b.do(G.Reshape(rstd, tensor.Shape{n, groups, 1})), nil, []byte{2}))
	y := b.do(G.Reshape(normed, tensor.Shape{n, c, h, w}))
	scale := b.do(G.Reshape(b.params[name+".scale"], tensor.Shape{1, c, 1, 1}))
	shift := b.do(G.Reshape(b.params[name+".shift"], tensor.Shape{1, c, 1, 1}))
	return b.do(G.BroadcastAdd(b.do(G.BroadcastHadamardProd(y, scale, nil, []byte{0, 2, 3})), shift, nil, []byte{0, 2, 3}))
}

// pool averages 2x2 blocks.
func (b *unetGraph) pool(x *G.Node) *G.Node {
	if b.err != nil {
		return x
	}
	s := x.Shape()
	blocks := b.do(G.Reshape(x, tensor.Shape{s[0], s[1], s[2] / 2, 2, s[3] / 2, 2}))
	sum := b.do(G.Sum(b.do(G.Sum(blocks, 5)), 3))
	return b.do(G.HadamardProd(sum, G.NewConstant(scalar(b.m.Dtype(), 0.25))))
}

// block is the residual block name.
func (b *unetGraph) block(x *G.Node, name string, project bool) *G.Node {
	if b.err != nil {
		return x
	}
	t := b.conv(b.swish(b.groupNorm(x, name+".norm0")), name+".conv0", 3)
	if b.err != nil {
		return x
	}
	co := t.Shape()[1]
	proj := b.do(G.Reshape(b.dense(b.e, name+".embed"), tensor.Shape{b.batch, co, 1, 1}))
	t = b.do(G.BroadcastAdd(t, proj, nil, []byte{2, 3}))
	out := b.conv(b.swish(b.groupNorm(t, name+".norm1")), name+".conv1", 3)
	skip := x
	if project {
		skip = b.conv(x, name+".skip", 1)
	}
	return b.do(G.Add(out, skip))
}

// tensorOf is values as a tensor of dtype dt and shape.
func tensorOf(dt tensor.Dtype, shape []int, values []float64) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	SetData(t, values)
	return t
}
