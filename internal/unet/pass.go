package unet

import (
	"fmt"
	"math"
	"scorenet/internal/mlp"

	"scorenet/internal/gemm"
)

// Options size a Pass; its buffers are allocated once, for these sizes.
type Options struct {
	Batch int // the most images one Forward takes
	// Gradients allocates what Backward needs for the parameter gradients.
	Gradients bool
	// InputGradient makes Backward also compute the gradient with respect
	// to the input x (a vector-Jacobian product), as the likelihood's
	// trace estimate needs.
	InputGradient bool
	// Threads bounds the goroutines one pass splits its work over (0: all,
	// gemm.Threads).
	Threads int
}

// fmap is a feature map of up to Batch images: values, their gradient
// (with Backward), and the shape of one image. A map read by several
// steps gets its gradient from each: the first to reach it in Backward
// sets it (fresh), the others add to it, so no map is cleared first.
type fmap[T gemm.Float] struct {
	v, g    []T
	h, w, c int
	fresh   bool
}

// take reports whether the gradient is still to be set rather than added
// to, and marks it set.
func (m *fmap[T]) take() bool {
	fresh := m.fresh
	m.fresh = false
	return fresh
}

// beta is take as a product's beta: 0 sets C, 1 adds to it.
func (m *fmap[T]) beta() T {
	if m.take() {
		return 0
	}
	return 1
}

func (m *fmap[T]) size() int { return m.h * m.w * m.c }

// step is one operation of the network: forward reads its inputs' values
// and sets its outputs'; backward adds to its inputs' gradients.
type step struct{ forward, backward func() }

// PassOf runs a NetOf over batches of up to Options.Batch images: Forward,
// then optionally Backward. It is not safe for concurrent use; several
// Passes may share one Net.
type PassOf[T gemm.Float] struct {
	net   *NetOf[T]
	opt   Options
	grad  bool // Backward possible
	n     int  // images of the last Forward
	flops float64
	// labels are the next Forward's labels (class-conditional); nil: the
	// null label.
	labels []int32
	// dry passes count their buffers (counted values) and allocate none;
	// widest is the most channels a map has.
	dry     bool
	counted float64
	widest  int

	in0         fmap[T]
	scale, skip []T // per image: the output scale and the skip factor
	cin         []T // per image: c_in
	maps        []*fmap[T]
	steps       []step
	out         fmap[T] // f, D a point
	s           []T     // the score
	gx          []T     // the input gradient
	grads       [][]T
	s1, d2, prt []T       // scratch: a gradient before the activation, f'' that nothing reads, partial sums
	chans       []T       // scratch: GroupNorm's terms of each channel's group, 3 per channel an image
	acc         []float64 // scratch: GroupNorm's float64 sums, 2 per channel an image

	// The noise embedding: phi, then two swish layers, and the gradient
	// every block adds into.
	phi, z1, e1, d1a, z2, e2, d1b, d2e, ge2, ge1 []T
}

// Pass is a pass of a float64 network.
type Pass = PassOf[float64]

// NewPassOf allocates a Pass of net for the sizes in opt.
func NewPassOf[T gemm.Float](net *NetOf[T], opt Options) (*PassOf[T], error) {
	if opt.Batch < 1 {
		return nil, fmt.Errorf("unet: batch must be >= 1, got %d", opt.Batch)
	}
	return build(net, opt, false), nil
}

// Bytes is the memory a Pass of a float64 network of layout l takes for
// the sizes in opt, counted without allocating its buffers; a float32
// one's takes half (the products' packed blocks aside).
func (opt Options) Bytes(l Layout) float64 {
	if opt.Batch < 1 || l.Check() != nil {
		return 0
	}
	net := &NetOf[float64]{Layout: l, params: make([][]float64, len(l.Params())), index: map[string]int{}}
	for i, s := range l.Params() {
		net.index[s.Name] = i
	}
	p := build(net, opt, true)
	threads := opt.Threads
	if threads <= 0 {
		threads = gemm.Threads()
	}
	return 8*p.counted + float64(threads)*gemm.WorkspaceBytes(9*p.widest)
}

// build lays out a Pass; with dry it only counts the values its buffers
// would hold (in counted) and allocates none.
func build[T gemm.Float](net *NetOf[T], opt Options, dry bool) *PassOf[T] {
	p := &PassOf[T]{net: net, opt: opt, grad: opt.Gradients || opt.InputGradient, dry: dry}
	l, b := net.Layout, opt.Batch
	mk := p.make
	mkMap := func(h, w, c int) *fmap[T] {
		m := &fmap[T]{v: mk(b * h * w * c), h: h, w: w, c: c}
		if p.grad {
			m.g = mk(b * h * w * c)
		}
		p.maps = append(p.maps, m)
		return m
	}
	F2, E := l.EmbedIn(), l.Embed
	p.phi, p.z1, p.e1, p.z2, p.e2 = mk(b*F2), mk(b*E), mk(b*E), mk(b*E), mk(b*E)
	p.d1a, p.d1b, p.d2e, p.ge2, p.ge1 = mk(b*E), mk(b*E), mk(b*E), mk(b*E), mk(b*E)
	p.in0 = fmap[T]{v: mk(b * l.Dim()), h: l.H, w: l.W, c: l.C}
	if opt.InputGradient {
		p.in0.g = mk(b * l.Dim()) // the first convolution's input gradient is needed for nothing else
		p.maps = append(p.maps, &p.in0)
	}
	p.scale, p.skip, p.cin = mk(b), mk(b), mk(b)
	p.s = mk(b * l.Dim())
	if opt.InputGradient {
		p.gx = mk(b * l.Dim())
	}
	if p.grad {
		for _, s := range l.Params() {
			p.grads = append(p.grads, mk(s.Rows*s.Cols))
		}
	}

	// The steps, in the order of the Layout's description.
	widest := l.C
	track := func(m *fmap[T]) { widest = max(widest, m.c) }
	track(&p.in0)
	cur := mkMap(l.H, l.W, l.Channels[0])
	p.steps = append(p.steps, p.conv("in", 3, &p.in0, cur, false))
	L := len(l.Channels)
	var kept []*fmap[T]
	specs := l.Blocks()
	for _, spec := range specs[:L] {
		track(cur)
		out := mkMap(cur.h, cur.w, spec.Out)
		p.steps = append(p.steps, p.block(spec, cur, out)...)
		kept = append(kept, out)
		cur = out
		if spec.Level < L-1 {
			pooled := mkMap(cur.h/2, cur.w/2, cur.c)
			p.steps = append(p.steps, p.pool(cur, pooled))
			cur = pooled
		}
	}
	for _, spec := range specs[L:] {
		in := cur
		if spec.Name != "mid" {
			skip := kept[spec.Level]
			in = mkMap(cur.h, cur.w, cur.c+skip.c)
			p.steps = append(p.steps, p.concat(cur, skip, in))
		}
		track(in)
		out := mkMap(in.h, in.w, spec.Out)
		p.steps = append(p.steps, p.block(spec, in, out)...)
		cur = out
		if spec.Name != "mid" && spec.Level > 0 {
			up := mkMap(cur.h*2, cur.w*2, cur.c)
			p.steps = append(p.steps, p.upsample(cur, up))
			cur = up
		}
	}
	normed := mkMap(cur.h, cur.w, cur.c)
	p.out = fmap[T]{v: mk(b * l.Dim()), h: l.H, w: l.W, c: l.C}
	if p.grad {
		p.out.g = mk(b * l.Dim()) // set, not added to, by Backward
	}
	p.steps = append(p.steps, p.norm("out.norm", cur, normed)...)
	p.steps = append(p.steps, p.conv("out", 3, normed, &p.out, false))

	if p.grad {
		p.s1 = mk(b * l.H * l.W * widest)
		p.prt = mk(b * 2 * widest)
	}
	p.d2 = mk(b * l.H * l.W * widest)
	p.chans = mk(b * 3 * widest)
	p.counted += float64(2 * b * 2 * widest) // acc: float64 whatever T, counted as two values of T
	if !p.dry {
		p.acc = make([]float64, b*2*widest)
	}
	p.widest = widest
	return p
}

// make is a buffer of n values, or nil counted in p.counted when p.dry.
func (p *PassOf[T]) make(n int) []T {
	p.counted += float64(n)
	if p.dry {
		return nil
	}
	return make([]T, n)
}

// Net is the network the Pass runs.
func (p *PassOf[T]) Net() *NetOf[T] { return p.net }

// Batch is the most images Forward takes.
func (p *PassOf[T]) Batch() int { return p.opt.Batch }

// MatmulFLOPs counts the matrix-product operations since the last Forward
// began.
func (p *PassOf[T]) MatmulFLOPs() float64 { return p.flops }

// Grads are the parameter gradients of the last Backward, in Layout.Params
// order.
func (p *PassOf[T]) Grads() [][]T { return p.grads }

// InputGrad is the gradient with respect to x of the last Backward (with
// Options.InputGradient), n x D.
func (p *PassOf[T]) InputGrad() []T { return p.gx[:p.n*p.net.Dim()] }

// SetLabels gives a class-conditional net's images their labels for the
// Forward passes that follow (one per image, 0..K-1, or the null label K);
// nil, the default, gives every image the null label. The Pass keeps the
// slice.
func (p *PassOf[T]) SetLabels(labels []int32) error {
	if err := mlp.CheckLabels(labels, p.net.Classes); err != nil {
		return fmt.Errorf("unet: %w", err)
	}
	p.labels = labels
	return nil
}

// Forward computes s(x, sigma) for the n = len(x)/D images x, with sigmas
// holding one level for all or one per image (and s(x, sigma, y) for a
// class-conditional net, with the labels SetLabels gave). The result is the Pass's
// buffer, valid until the next Forward.
func (p *PassOf[T]) Forward(x []T, sigmas []float64) ([]T, error) {
	l := p.net.Layout
	D := l.Dim()
	n := len(x) / D
	if len(x)%D != 0 || n < 1 || n > p.opt.Batch {
		return nil, fmt.Errorf("unet: %d values are not 1 to %d images of %dx%dx%d", len(x), p.opt.Batch, l.H, l.W, l.C)
	}
	if len(sigmas) != 1 && len(sigmas) != n {
		return nil, fmt.Errorf("unet: %d noise levels for %d images", len(sigmas), n)
	}
	p.n, p.flops = n, 0
	if p.labels != nil && len(p.labels) != n {
		return nil, fmt.Errorf("unet: %d labels for %d images", len(p.labels), n)
	}
	F, in := l.Frequencies, l.EmbedIn()
	for r := range n {
		sigma := sigmas[min(r, len(sigmas)-1)]
		if !(sigma > 0) || math.IsInf(sigma, 0) {
			return nil, fmt.Errorf("unet: noise level must be finite and > 0, got %v", sigma)
		}
		c := T(l.InputScale(sigma))
		p.cin[r] = c
		for j, v := range x[r*D : (r+1)*D] {
			p.in0.v[r*D+j] = c * v
		}
		p.scale[r], p.skip[r] = T(l.OutputScale(sigma)), T(l.SkipScale(sigma))
		t := math.Log(sigma) / 4
		for k := range F {
			sin, cos := math.Sincos(l.Frequency(k) * t)
			p.phi[r*in+k], p.phi[r*in+F+k] = T(sin), T(cos)
		}
		if l.Classes > 0 {
			mlp.SetLabelCode(p.phi[r*in+2*F:(r+1)*in], p.labels, r)
		}
	}
	p.embed()
	for _, s := range p.steps {
		s.forward()
	}
	s, f := p.s[:n*D], p.out.v[:n*D]
	for k := range s {
		r := k / D
		s[k] = p.skip[r]*x[k] + p.scale[r]*f[k]
	}
	return s, nil
}

// Backward sets Grads (and with Options.InputGradient, InputGrad) to the
// gradients of a loss whose gradient with respect to the last Forward's
// scores is gs.
func (p *PassOf[T]) Backward(gs []T) error {
	l := p.net.Layout
	D, n := l.Dim(), p.n
	if !p.grad || n == 0 {
		return fmt.Errorf("unet: Backward needs a pass made for gradients and a Forward before it")
	}
	if len(gs) < n*D {
		return fmt.Errorf("unet: %d score gradients for %d images of %d values", len(gs), n, D)
	}
	for _, g := range p.grads {
		clear(g)
	}
	for _, m := range p.maps {
		m.fresh = true
	}
	clear(p.ge2[:n*l.Embed])
	for k := range n * D {
		p.out.g[k] = p.scale[k/D] * gs[k]
	}
	for i := len(p.steps) - 1; i >= 0; i-- {
		p.steps[i].backward()
	}
	p.embedBackward()
	if p.gx != nil {
		for k := range n * D {
			r := k / D
			p.gx[k] = p.skip[r]*gs[k] + p.cin[r]*p.in0.g[k]
		}
	}
	return nil
}

// packed is C = A B + beta C for an A its packer gives, counted in flops.
func (p *PassOf[T]) packed(m, n, k int, a gemm.Packer[T], b []T, ldb int, beta T, c []T, ldc int) {
	gemm.OnPacked(p.opt.Threads, false, m, n, k, a, b, ldb, beta, c, ldc)
	p.flops += 2 * float64(m) * float64(n) * float64(k)
}

// gemm is C = op(A) op(B) + beta C, counted in flops.
func (p *PassOf[T]) gemm(ta, tb bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm.On(p.opt.Threads, ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	p.flops += 2 * float64(m) * float64(n) * float64(k)
}
