package train

import (
	"fmt"
	"math/rand/v2"

	"scorenet/nn"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ExactMLP is the exact score-matching loss of a float64 MLP, written out by
// hand instead of built as a gorgonia graph: the same value and gradients as
// Exact (tested to 1e-12), at a fraction of the cost. Exact stays the
// reference it is tested against.
//
// For a batch of n points and the MLP z_l = a_{l-1} W_l + b_l,
// a_l = f(z_l) (l < L), s = a_{L-1} W_L + b_L, the D columns of ds/dx are
// carried forward together as tangents, one row per (point, dimension):
//
//	U_1 = rows W_1[i, :],  V_l = U_l .* f'(z_l),  U_l = V_{l-1} W_l,
//
// and the trace of ds/dx at point b is sum_i V_{L-1}[(b,i), :] . W_L[:, i].
// One reverse pass through these tangents and the forward pass gives the
// parameter gradients; the second derivative of f enters where the tangents depend on z_l. The
// products run through gorgonia's BLAS (gonum, or OpenBLAS with -tags
// openblas), buffers are allocated once, and the activation's value and two
// derivatives come from one exp per unit.
//
// With NewSlicedMLP it computes the sliced losses instead: the tangents
// follow one random direction v per point (drawn as Sliced draws them)
// rather than the D unit directions, and the trace term becomes v'(ds/dx)v.
type ExactMLP struct {
	*mlpLayers
	batch int
	// sliced losses: one direction per point, in dirs (batch x D)
	sliced, vr bool
	dirs, sdot []float64 // v; V_{L-1} W_L, the tangent of s along v

	u, v   [][]float64 // tangents, (n*D) x width
	gu, gv [][]float64
	gz, ga [][]float64
}

// mlpLayers is what the hand-written losses share: an MLP's weights as
// slices, its activation's derivatives, the BLAS, and the gradient buffers
// handed out as tensors.
type mlpLayers struct {
	mlp      *nn.MLP
	widths   []int       // input, hidden..., D
	w, b     [][]float64 // per layer l = 1..L (index l-1): weights, biases
	derivs   nn.Derivatives
	blas     blas.Float64
	grads    []*tensor.Dense
	gradData [][]float64
	flops    float64 // matrix-product operations of the last Evaluate

	// The forward pass, per layer: z, a = f(z), f'(z), f''(z); a[0] holds
	// the input rows and out the output rows.
	z, a, d1, d2 [][]float64
	out          []float64
}

// allocForward makes the forward buffers for batches of up to batch rows.
func (ml *mlpLayers) allocForward(batch int) {
	L := len(ml.w)
	ml.z, ml.a, ml.d1, ml.d2 = make([][]float64, L), make([][]float64, L), make([][]float64, L), make([][]float64, L)
	ml.a[0] = make([]float64, batch*ml.widths[0])
	for l := 1; l < L; l++ {
		n := batch * ml.widths[l]
		ml.z[l], ml.a[l], ml.d1[l], ml.d2[l] = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	ml.out = make([]float64, batch*ml.widths[L])
}

// forward runs the n input rows in a[0] through the network:
// z_l = a_{l-1} W_l + b_l, a_l = f(z_l) with the first two derivatives of f kept, and the
// output a_{L-1} W_L + b_L into out.
func (ml *mlpLayers) forward(n int) {
	L := len(ml.w)
	for l := 1; l <= L; l++ {
		in, width := ml.widths[l-1], ml.widths[l]
		var z []float64
		if l < L {
			z = ml.z[l][:n*width]
		} else {
			z = ml.out[:n*width]
		}
		for r := 0; r < n; r++ {
			copy(z[r*width:(r+1)*width], ml.b[l-1])
		}
		ml.gemm(false, false, n, width, in, ml.a[l-1], in, ml.w[l-1], width, 1, z, width)
		if l < L {
			ml.derivs(z, ml.a[l][:n*width], ml.d1[l][:n*width], ml.d2[l][:n*width])
		}
	}
}

func newMLPLayers(m *nn.MLP) (*mlpLayers, error) {
	if m.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("train: the hand-written losses need a float64 MLP, not %v", m.Dtype())
	}
	derivs, err := nn.ActivationDerivatives(m.Activation())
	if err != nil {
		return nil, err
	}
	ml := &mlpLayers{mlp: m, derivs: derivs, blas: G.WhichBLAS()}
	params := m.Params()
	ml.widths = []int{params[0].Value.Shape()[0]}
	for l := 0; l < len(params); l += 2 {
		ml.w = append(ml.w, params[l].Value.Data().([]float64))
		ml.b = append(ml.b, params[l+1].Value.Data().([]float64))
		ml.widths = append(ml.widths, params[l].Value.Shape()[1])
	}
	for _, p := range params {
		data := make([]float64, p.Value.Size())
		ml.gradData = append(ml.gradData, data)
		ml.grads = append(ml.grads, tensor.New(tensor.WithShape(p.Value.Shape()...), tensor.WithBacking(data)))
	}
	return ml, nil
}

// gW and gB are the gradient buffers of layer l's weights and biases (1-based).
func (ml *mlpLayers) gW(l int) []float64 { return ml.gradData[2*(l-1)] }
func (ml *mlpLayers) gB(l int) []float64 { return ml.gradData[2*(l-1)+1] }

func (ml *mlpLayers) clearGrads() {
	for _, g := range ml.gradData {
		clear(g)
	}
}

// NewExactMLP prepares the exact loss of m (a float64 MLP that is not
// noise-conditional) for batches of up to batch points.
func NewExactMLP(m *nn.MLP, batch int) (*ExactMLP, error) {
	if m.NoiseConditional() {
		return nil, fmt.Errorf("train: the exact loss needs an MLP that is not noise-conditional")
	}
	if batch < 1 {
		return nil, fmt.Errorf("train: batch size must be >= 1, got %d", batch)
	}
	layers, err := newMLPLayers(m)
	if err != nil {
		return nil, err
	}
	return newTangentMLP(layers, batch, false, false), nil
}

// NewSlicedMLP prepares the sliced (vr false) or sliced_vr loss of m, a
// float64 MLP that is not noise-conditional, for batches of up to batch
// points: the loss of Sliced, with the same directions from the same source.
func NewSlicedMLP(m *nn.MLP, batch int, vr bool) (*ExactMLP, error) {
	if m.NoiseConditional() || batch < 1 {
		return nil, fmt.Errorf("train: the sliced losses need an MLP that is not noise-conditional and batch >= 1")
	}
	layers, err := newMLPLayers(m)
	if err != nil {
		return nil, err
	}
	return newTangentMLP(layers, batch, true, vr), nil
}

func newTangentMLP(layers *mlpLayers, batch int, sliced, vr bool) *ExactMLP {
	e := &ExactMLP{mlpLayers: layers, batch: batch, sliced: sliced, vr: vr}
	L, d := len(e.w), layers.mlp.Dim()
	rows := batch * e.perPoint()
	if sliced {
		e.dirs, e.sdot = make([]float64, batch*d), make([]float64, batch*d)
	}
	alloc := func(n int) []float64 { return make([]float64, n) }
	e.allocForward(batch)
	e.u, e.v, e.gu, e.gv = make([][]float64, L), make([][]float64, L), make([][]float64, L), make([][]float64, L)
	e.gz, e.ga = make([][]float64, L+1), make([][]float64, L+1)
	for l := 1; l < L; l++ {
		h := e.widths[l]
		e.u[l], e.v[l], e.gu[l], e.gv[l] = alloc(rows*h), alloc(rows*h), alloc(rows*h), alloc(rows*h)
		e.gz[l], e.ga[l] = alloc(batch*h), alloc(batch*h)
	}
	e.gz[L] = alloc(batch * d)
	return e
}

// perPoint is the number of tangent rows of each point: its D unit
// directions for the exact loss, its one random direction when sliced.
func (e *ExactMLP) perPoint() int {
	if e.sliced {
		return 1
	}
	return e.widths[0]
}

// Batch is the largest number of points Evaluate takes.
func (e *ExactMLP) Batch() int { return e.batch }

// Grads returns the gradients of the last Evaluate, in Params order.
func (ml *mlpLayers) Grads() []tensor.Tensor {
	out := make([]tensor.Tensor, len(ml.grads))
	for i, g := range ml.grads {
		out[i] = g
	}
	return out
}

// gemm is C = op(A) op(B) + beta C for row-major matrices, op(A) m x k and
// op(B) k x n, counted in flops.
func (e *mlpLayers) gemm(ta, tb bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	t := func(x bool) blas.Transpose {
		if x {
			return blas.Trans
		}
		return blas.NoTrans
	}
	e.blas.Dgemm(t(ta), t(tb), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	e.flops += 2 * float64(m) * float64(n) * float64(k)
}

// MatmulFLOPs is the matrix-product work of the last Evaluate.
func (ml *mlpLayers) MatmulFLOPs() float64 { return ml.flops }

// Evaluate computes the loss on the points x, each weighted by rowWeight,
// and its parameter gradients. The exact loss draws no noise; the sliced
// ones draw their directions from noise.
func (e *ExactMLP) Evaluate(x []float64, rowWeight float64, noise *rand.Rand) (Terms, error) {
	D, L := e.widths[0], len(e.w)
	n := len(x) / D
	if len(x)%D != 0 || n < 1 || n > e.batch {
		return Terms{}, fmt.Errorf("train: %d values are not 1 to %d points of dimension %d", len(x), e.batch, D)
	}
	per := e.perPoint()
	R := n * per // tangent rows, (point, direction)
	var dirs []float64
	if e.sliced {
		if noise == nil {
			return Terms{}, fmt.Errorf("train: sliced score matching needs a random source for its directions")
		}
		dirs = e.dirs[:n*D]
		fillNormal(dirs, noise)
	}
	copy(e.a[0], x)
	e.flops = 0

	e.forward(n)

	// Tangents: U_1 = rows of W_1, V_l = U_l .* f'(z_l), U_{l+1} = V_l W_{l+1}.
	for l := 1; l < L; l++ {
		h := e.widths[l]
		u, v := e.u[l][:R*h], e.v[l][:R*h]
		if l == 1 && e.sliced {
			e.gemm(false, false, n, h, D, dirs, D, e.w[0], h, 0, u, h) // v W_1
		} else if l == 1 {
			for b := 0; b < n; b++ {
				copy(u[b*D*h:(b+1)*D*h], e.w[0]) // W_1 is D x h: row i is dimension i
			}
		} else {
			e.gemm(false, false, R, h, e.widths[l-1], e.v[l-1], e.widths[l-1], e.w[l-1], h, 0, u, h)
		}
		for r := 0; r < R; r++ {
			dz := e.d1[l][(r/per)*h : (r/per+1)*h]
			ur, vr := u[r*h:(r+1)*h], v[r*h:(r+1)*h]
			for k := range vr {
				vr[k] = ur[k] * dz[k]
			}
		}
	}

	// Loss: trace_b = sum_i V_{L-1}[(b,i)] . W_L[:, i]; norm_b = 1/2 ||s_b||^2.
	hl := e.widths[L-1]
	wl, vl := e.w[L-1], e.v[L-1][:R*hl]
	var trace, norm float64
	if e.sliced {
		// v'(ds/dx)v = (V_{L-1} W_L) . v
		sdot := e.sdot[:n*D]
		e.gemm(false, false, n, D, hl, vl, hl, wl, D, 0, sdot, D)
		for k, v := range sdot {
			trace += v * dirs[k]
		}
	} else {
		for r := 0; r < R; r++ {
			i := r % D
			row := vl[r*hl : (r+1)*hl]
			for k, x := range row {
				trace += x * wl[k*D+i]
			}
		}
	}
	gs := e.gz[L][:n*D] // the norm term's gradient with respect to s
	if e.sliced && !e.vr {
		// 1/2 (v's)^2, gradient (v's) v
		for b := 0; b < n; b++ {
			sv := 0.0
			for j := 0; j < D; j++ {
				sv += e.out[b*D+j] * dirs[b*D+j]
			}
			norm += sv * sv / 2
			for j := 0; j < D; j++ {
				gs[b*D+j] = rowWeight * sv * dirs[b*D+j]
			}
		}
	} else {
		for k, v := range e.out[:n*D] {
			norm += v * v / 2
			gs[k] = rowWeight * v
		}
	}
	trace, norm = trace*rowWeight, norm*rowWeight

	// Reverse pass.
	e.clearGrads()
	gW, gB := e.gW, e.gB
	// Trace through the last layer: d trace / d V_{L-1}[(b,i), k] = w W_L[k, i],
	// d trace / d W_L[k, i] = w sum_b V_{L-1}[(b,i), k].
	gv := e.gv[L-1][:R*hl]
	if e.sliced {
		// trace = sum (V_{L-1} W_L) .* v: through W_L and V_{L-1} with w v.
		wv := e.sdot[:n*D]
		for k, v := range dirs {
			wv[k] = rowWeight * v
		}
		e.gemm(false, true, n, hl, D, wv, D, wl, D, 0, gv, hl)
		e.gemm(true, false, hl, D, n, vl, hl, wv, D, 1, gW(L), D)
	} else {
		for r := 0; r < R; r++ {
			i := r % D
			row, src := gv[r*hl:(r+1)*hl], vl[r*hl:(r+1)*hl]
			g := gW(L)
			for k := range row {
				row[k] = rowWeight * wl[k*D+i]
				g[k*D+i] += rowWeight * src[k]
			}
		}
	}
	// The norm term through the last layer, from g_s.
	e.gemm(true, false, hl, D, n, e.a[L-1], hl, gs, D, 1, gW(L), D)
	colSum(gB(L), gs, D)
	ga := e.ga[L-1][:n*hl]
	e.gemm(false, true, n, hl, D, gs, D, wl, D, 0, ga, hl)

	for l := L - 1; l >= 1; l-- {
		h, in := e.widths[l], e.widths[l-1]
		gz := e.gz[l][:n*h]
		d1, d2 := e.d1[l][:n*h], e.d2[l][:n*h]
		for k := range gz {
			gz[k] = e.ga[l][k] * d1[k]
		}
		// V_l = U_l .* f'(z_l): to U_l through f', to z_l through f''.
		u, gvl, gul := e.u[l][:R*h], e.gv[l][:R*h], e.gu[l][:R*h]
		for r := 0; r < R; r++ {
			b := r / per
			dzb, d2b, gzb := d1[b*h:(b+1)*h], d2[b*h:(b+1)*h], gz[b*h:(b+1)*h]
			ur, gvr, gur := u[r*h:(r+1)*h], gvl[r*h:(r+1)*h], gul[r*h:(r+1)*h]
			for k := range gur {
				gur[k] = gvr[k] * dzb[k]
				gzb[k] += gvr[k] * ur[k] * d2b[k]
			}
		}
		// z_l = a_{l-1} W_l + b_l.
		e.gemm(true, false, in, h, n, e.a[l-1], in, gz, h, 1, gW(l), h)
		colSum(gB(l), gz, h)
		if l > 1 {
			e.gemm(false, true, n, in, h, gz, h, e.w[l-1], h, 0, e.ga[l-1][:n*in], in)
			// U_l = V_{l-1} W_l.
			e.gemm(true, false, in, h, R, e.v[l-1][:R*in], in, gul, h, 1, gW(l), h)
			e.gemm(false, true, R, in, h, gul, h, e.w[l-1], h, 0, e.gv[l-1][:R*in], in)
		} else if e.sliced {
			// U_1 = v W_1.
			e.gemm(true, false, D, h, n, dirs, D, gul, h, 1, gW(1), h)
		} else {
			// U_1 = rows of W_1: dimension i's rows of every point add to row i.
			g := gW(1)
			for r := 0; r < R; r++ {
				i := r % D
				row, src := g[i*h:(i+1)*h], gul[r*h:(r+1)*h]
				for k := range row {
					row[k] += src[k]
				}
			}
		}
	}
	return Terms{Loss: trace + norm, Trace: trace, Norm: norm}, nil
}

// colSum adds the column sums of the row-major matrix m (width w) to dst.
func colSum(dst, m []float64, w int) {
	for r := 0; r+w <= len(m); r += w {
		for k, v := range m[r : r+w] {
			dst[k] += v
		}
	}
}
