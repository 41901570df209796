package mlp

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"

	"scorenet/internal/gemm"
	"scorenet/internal/vmath"
)

// BLAS is a whole BLAS, as gorgonia takes it; the core itself calls only
// its Dgemm.
type BLAS interface {
	blas.Float32
	blas.Float64
	blas.Complex64
	blas.Complex128
}

// Options size a Pass; its buffers are allocated once, for these sizes.
type Options struct {
	Batch int // the most points one Forward takes
	// Derivatives keeps the activation's f' and f'' in Forward, as
	// Tangents and Backward need.
	Derivatives bool
	// Tangents is the most tangents per point Tangents carries (the unit
	// directions need Dim); 0 for none.
	Tangents int
	// Gradients allocates what Backward needs.
	Gradients bool
	// Threads bounds the goroutines one pass splits its work over (0: all,
	// gemm.Threads); 1 for passes that already run side by side.
	Threads int
}

// Pass runs a Net over batches of up to Options.Batch points: Forward, then
// optionally Tangents, then optionally Backward, each reading what the one
// before left in the Pass's buffers. A Pass is not safe for concurrent use;
// several Passes may share one Net.
//
// For a batch and the layers z_l = a_{l-1} W_l + b_l, a_l = f(z_l)
// (+ a_{l-1} where the layout skips), s = a_{L-1} W_L + b_L (times the
// output scale, plus the skip term, when conditional; Layout), the
// tangents of each point are carried forward as rows:
//
//	U_1 = t W_1,  V_l = U_l .* f'(z_l) (+ V_{l-1}),  U_l = V_{l-1} W_l,
//
// so that row t's output tangent V_{L-1} W_L is J t, J = ds/dx.
type PassOf[T gemm.Float] struct {
	net *NetOf[T]
	opt Options

	labels []int32 // the next Forward's labels (class-conditional); nil: the null label

	n      int  // points of the last Forward
	derivs bool // whether the last Forward kept derivatives
	flops  float64

	// Forward, per layer l = 0..L-1 (a[0] is the input rows [x, log sigma]);
	// z, d1, d2 only with derivatives; out holds s.
	z, a, d1, d2 [][]T
	out, scale   []T // s; the output scale per row (conditional)
	cin, skip    []T // c_in(sigma) and the skip factor per row (conditional)

	// Tangents: k per point, from dirs (nil: the unit directions).
	k    int
	dirs []T
	u, v [][]T
	tout []T // output tangents, rows (point, tangent)

	// Backward.
	ga, gz, gu, gv [][]T // gz has one more entry: the output layer's
	grads          [][]T
}

// Pass is a pass of a float64 network.
type Pass = PassOf[float64]

// Bytes is the memory a Pass of a float64 net with layout l takes for the
// sizes in opt, computed without allocating (in float64, so it cannot
// overflow); a float32 net's takes half.
func (opt Options) Bytes(l Layout) float64 {
	w := l.Widths()
	b, rows := float64(opt.Batch), float64(opt.Batch)*float64(opt.Tangents)
	derivs := opt.Derivatives || opt.Tangents > 0 || opt.Gradients
	values := b * float64(w[0]+2*l.Dim+3)
	for _, h := range w[1 : len(w)-1] {
		per := b // a
		if derivs {
			per += 3 * b // z, f', f''
		}
		if opt.Gradients {
			per += 2 * b // ga, gz
		}
		per += 2 * rows // u, v
		if opt.Gradients {
			per += 2 * rows // gu, gv
		}
		values += per * float64(h)
	}
	values += rows * float64(l.Dim)
	if opt.Gradients {
		for _, p := range l.Params() {
			values += float64(p.Rows) * float64(p.Cols)
		}
	}
	// The products' packed blocks, one set a thread (for D = 1e5 outputs
	// about 100 MB each).
	threads := opt.Threads
	if threads <= 0 {
		threads = gemm.Threads()
	}
	return 8*values + float64(threads)*gemm.WorkspaceBytes(slices.Max(w))
}

// NewPass allocates a Pass of net for the sizes in opt.
func NewPass(net *Net, opt Options) (*Pass, error) { return NewPassOf(net, opt) }

// NewPassOf is NewPass for a network of any element type.
func NewPassOf[T gemm.Float](net *NetOf[T], opt Options) (*PassOf[T], error) {
	if opt.Batch < 1 {
		return nil, fmt.Errorf("mlp: batch must be >= 1, got %d", opt.Batch)
	}
	if opt.Tangents < 0 {
		return nil, fmt.Errorf("mlp: tangents per point must be >= 0, got %d", opt.Tangents)
	}
	if opt.Tangents > 0 || opt.Gradients {
		opt.Derivatives = true
	}
	p := &PassOf[T]{net: net, opt: opt}
	w, L, b := net.widths, net.layers(), opt.Batch
	rows := b * opt.Tangents
	mk := func(n int) []T { return make([]T, n) }
	p.z, p.a, p.d1, p.d2 = make([][]T, L), make([][]T, L), make([][]T, L), make([][]T, L)
	p.u, p.v, p.ga, p.gu, p.gv = make([][]T, L), make([][]T, L), make([][]T, L), make([][]T, L), make([][]T, L)
	p.gz = make([][]T, L+1)
	p.a[0] = mk(b * w[0])
	for l := 1; l < L; l++ {
		p.a[l] = mk(b * w[l])
		if opt.Derivatives {
			p.z[l], p.d1[l], p.d2[l] = mk(b*w[l]), mk(b*w[l]), mk(b*w[l])
		}
	}
	p.out, p.scale, p.cin, p.skip = mk(b*net.Dim), mk(b), mk(b), mk(b)
	for l := 1; l < L; l++ {
		if rows > 0 {
			p.u[l], p.v[l] = mk(rows*w[l]), mk(rows*w[l])
		}
		if opt.Gradients && rows > 0 {
			p.gu[l], p.gv[l] = mk(rows*w[l]), mk(rows*w[l])
		}
	}
	for l := 1; l < L; l++ {
		if opt.Gradients {
			p.ga[l], p.gz[l] = mk(b*w[l]), mk(b*w[l])
		}
	}
	if rows > 0 {
		p.tout = mk(rows * net.Dim)
	}
	if opt.Gradients {
		p.gz[L] = mk(b * net.Dim)
		for _, s := range net.Params() {
			p.grads = append(p.grads, mk(s.Rows*s.Cols))
		}
	}
	return p, nil
}

// Net is the network the Pass runs.
func (p *PassOf[T]) Net() *NetOf[T] { return p.net }

// Batch is the most points Forward takes.
func (p *PassOf[T]) Batch() int { return p.opt.Batch }

// MatmulFLOPs counts the matrix-product operations since the last Forward
// began: 2mkn for each (m x k)(k x n).
func (p *PassOf[T]) MatmulFLOPs() float64 { return p.flops }

// Grads are the parameter gradients of the last Backward, in Layout.Params
// order; the next Backward overwrites them.
func (p *PassOf[T]) Grads() [][]T { return p.grads }

// SetLabels gives a class-conditional net's points their labels for the
// Forward passes that follow (one per point, 0..K-1, or the null label K:
// mlp.Null); nil, the default, gives every point the null label, the
// unconditional score. The Pass keeps the slice.
func (p *PassOf[T]) SetLabels(labels []int32) error {
	if err := CheckLabels(labels, p.net.Classes); err != nil {
		return fmt.Errorf("mlp: %w", err)
	}
	p.labels = labels
	return nil
}

// Forward computes s(x) for the n = len(x)/Dim points x (row-major), or
// s(x, sigma) for a conditional net, with sigmas holding one level for all
// points or one per point (and s(x, sigma, y) for a class-conditional one,
// with the labels SetLabels gave). With derivatives it keeps f' and f” for
// Tangents and Backward. The result is the Pass's buffer (n x Dim), valid
// until the next Forward.
func (p *PassOf[T]) Forward(x []T, sigmas []float64, derivatives bool) ([]T, error) {
	D := p.net.Dim
	n, err := p.layers(len(x), func(dst []T, r int) { copy(dst, x[r*D:(r+1)*D]) }, sigmas, derivatives)
	if err != nil {
		return nil, err
	}
	s := p.out[:n*D]
	if p.net.Conditional {
		gemm.Parallel(p.opt.Threads, n, 4*D, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				row := s[r*D : (r+1)*D]
				p.scaleRow(row, r)
				if p.net.SigmaData > 0 {
					skip, xr := p.skip[r], x[r*D:(r+1)*D]
					for j := range row {
						row[j] += skip * xr[j]
					}
				}
			}
		})
	}
	return s, nil
}

// Forward64 is Forward without derivatives for float64 points, the scores
// written to dst: the values of Forward on the points rounded to T, then
// widened, but rounded as they are read in and widened as the output is
// scaled, not in two more passes over the batch (3% of a float32 sampling
// step).
func (p *PassOf[T]) Forward64(dst, x, sigmas []float64) error {
	D := p.net.Dim
	if len(dst) != len(x) {
		return fmt.Errorf("mlp: %d values for the scores of %d", len(dst), len(x))
	}
	n, err := p.layers(len(x), func(in []T, r int) { convert(in, x[r*D:(r+1)*D]) }, sigmas, false)
	if err != nil {
		return err
	}
	gemm.Parallel(p.opt.Threads, n, 4*D, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row, out := p.out[r*D:(r+1)*D], dst[r*D:(r+1)*D]
			if !p.net.Conditional {
				convert(out, row)
				continue
			}
			p.scaleRow(row, r)
			if p.net.SigmaData == 0 {
				convert(out, row)
				continue
			}
			skip, xr := p.skip[r], x[r*D:(r+1)*D]
			for j := range row {
				out[j] = float64(row[j] + skip*T(xr[j]))
			}
		}
	})
	return nil
}

// scaleRow multiplies the r-th output row by its level's output scale.
func (p *PassOf[T]) scaleRow(row []T, r int) {
	scale := p.scale[r]
	for j := range row {
		row[j] *= scale
	}
}

// convert copies src into dst, rounding or widening between float types
// (vector conversions, the bits of Go's).
func convert[T, U gemm.Float](dst []T, src []U) {
	switch d := any(dst).(type) {
	case []float32:
		if s, ok := any(src).([]float64); ok {
			vmath.Narrow(d, s)
			return
		}
	case []float64:
		if s, ok := any(src).([]float32); ok {
			vmath.Widen(d, s)
			return
		}
	}
	copy(dst, any(src).([]T))
}

// layers runs the network on n = values/Dim points, each row of its input
// written by load, and leaves the last layer's output (before the output
// scale and skip) in p.out.
func (p *PassOf[T]) layers(values int, load func(dst []T, r int), sigmas []float64, derivatives bool) (int, error) {
	net := p.net
	D, w, L := net.Dim, net.widths, net.layers()
	n := values / D
	if values%D != 0 || n < 1 || n > p.opt.Batch {
		return 0, fmt.Errorf("mlp: %d values are not 1 to %d points of dimension %d", values, p.opt.Batch, D)
	}
	if derivatives && !p.opt.Derivatives {
		return 0, fmt.Errorf("mlp: this pass was not made to keep derivatives")
	}
	in := p.a[0]
	if p.labels != nil && len(p.labels) != n {
		return 0, fmt.Errorf("mlp: %d labels for %d points", len(p.labels), n)
	}
	if net.Conditional {
		if len(sigmas) != 1 && len(sigmas) != n {
			return 0, fmt.Errorf("mlp: %d noise levels for %d points", len(sigmas), n)
		}
		for r := 0; r < n; r++ {
			if sigma := sigmas[min(r, len(sigmas)-1)]; !(sigma > 0) || math.IsInf(sigma, 0) {
				return 0, fmt.Errorf("mlp: noise level must be finite and > 0, got %v", sigma)
			}
		}
		gemm.Parallel(p.opt.Threads, n, 4*w[0], func(lo, hi int) {
			for r := lo; r < hi; r++ {
				sigma := sigmas[min(r, len(sigmas)-1)]
				dst, c := in[r*w[0]:r*w[0]+D], net.InputScale(sigma)
				load(dst, r)
				if c != 1 {
					for j := range dst {
						dst[j] *= T(c)
					}
				}
				p.cin[r] = T(c)
				in[r*w[0]+D] = T(math.Log(sigma))
				if net.Classes > 0 {
					SetLabelCode(in[r*w[0]+D+1:(r+1)*w[0]], p.labels, r)
				}
				p.scale[r], p.skip[r] = T(net.OutputScale(sigma)), T(net.SkipScale(sigma))
			}
		})
	} else {
		gemm.Parallel(p.opt.Threads, n, 2*D, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				load(in[r*D:(r+1)*D], r)
			}
		})
	}
	p.n, p.derivs, p.k, p.flops = n, derivatives, 0, 0
	prev := in[:n*w[0]]
	for l := 1; l <= L; l++ {
		width := w[l]
		var z []T
		switch {
		case l == L:
			z = p.out[:n*width]
		case derivatives:
			z = p.z[l][:n*width]
		default:
			z = p.a[l][:n*width] // f is applied in place
		}
		// The biases start each row's sums (the bits of copying them into
		// z and adding the product, without that pass over z).
		if net.packedW != nil {
			gemm.OnPackedBRows(p.opt.Threads, false, n, 1, prev, w[l-1], net.packedW[l-1], net.B[l-1], z, width)
		} else {
			gemmRowsOn(p.opt.Threads, false, false, n, width, w[l-1], 1, prev, w[l-1], net.W[l-1], width, net.B[l-1], z, width)
		}
		p.flops += 2 * float64(n) * float64(width) * float64(w[l-1])
		if l == L {
			break
		}
		a := p.a[l][:n*width]
		d1, d2, skip, in := p.d1[l], p.d2[l], net.Skip(l), prev
		gemm.Parallel(p.opt.Threads, n*width, 8, func(lo, hi int) {
			if derivatives {
				net.Act.Derivatives(z[lo:hi], a[lo:hi], d1[lo:hi], d2[lo:hi])
			} else {
				net.Act.Value(a[lo:hi], a[lo:hi])
			}
			if skip {
				addTo(a[lo:hi], in[lo:hi])
			}
		})
		prev = a
	}
	return n, nil
}

// gemm is C = op(A) op(B) + beta C for row-major matrices, op(A) m x k and
// op(B) k x n, counted in flops.
func (p *PassOf[T]) gemm(ta, tb bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmOn(p.opt.Threads, ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	p.flops += 2 * float64(m) * float64(n) * float64(k)
}

// colSum adds the column sums of the row-major matrix m (width w) to dst,
// each column's rows in ascending order whatever the split.
func (p *PassOf[T]) colSum(dst, m []T, w int) {
	gemm.Parallel(p.opt.Threads, w, 4*len(m)/w, func(lo, hi int) {
		for r := 0; r+w <= len(m); r += w {
			addTo(dst[lo:hi], m[r+lo:r+hi])
		}
	})
}

// scaleRows multiplies the rows of m (width w, k rows a point) by the
// points' input scale c_in; a no-op when every c_in is 1.
func (p *PassOf[T]) scaleRows(m []T, w, k int) {
	if !(p.net.Conditional && p.net.SigmaData > 0) {
		return
	}
	for r := 0; r*w < len(m); r++ {
		c := p.cin[r/k]
		row := m[r*w : (r+1)*w]
		for j := range row {
			row[j] *= c
		}
	}
}
