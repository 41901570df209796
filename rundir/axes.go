package rundir

import (
	"math"

	"scorenet/internal/gemm"
	"scorenet/points"

	"gonum.org/v1/gonum/mat"
)

// Axis is a principal direction of the training data in model units (a
// unit vector) and the data's variance along it.
type Axis struct {
	Var float64   `json:"var"`
	Dir []float64 `json:"dir"`
}

// MaxAxes is how many principal directions a run records; data of at most
// as many columns get all of theirs, and so the covariance itself.
// Readers take any count up to it.
const MaxAxes = 32

// MaxAxesDim is the largest dimension whose axes are fitted: the
// covariance's N D^2 multiply-adds (N at most axesRows) and its
// eigendecomposition's D^3 work stay near a second there (Fashion-MNIST's
// 58800 images of 784 pixels: 1.3 s on an AMD EPYC); larger images keep
// the isotropic start.
const MaxAxesDim = 1024

// axesRows is how many rows at most the covariance is fitted on (every
// N/axesRows-th, rounded up, of a larger set): the start needs its
// largest directions, which a sample this size gives to about 1%, not
// the last digit, and a table of a million rows of 1024 columns would
// otherwise take ten seconds.
const axesRows = 1 << 16

// axesBlock is how many rows each product of the covariance sums: a fixed
// size, so that the products' sums fall in the same order whatever the
// threads and kernels (the eigendecomposition's own bits are gonum's, and
// a resumed run keeps the ones its checkpoint recorded).
const axesBlock = 2048

// FitAxes records in m the largest min(D, MaxAxes) principal directions of
// p about m.Mean and, in Rest, the mean variance of the directions they
// leave out (0 where they are all of them): what the solvers need to start
// from the data's covariance at the largest noise level
// (sampler.Prior). It records none for data of more than MaxAxesDim
// columns or fewer than two rows, a mean of another width, or a
// covariance gonum cannot factorise.
func (m *DataMoments) FitAxes(p points.Points) {
	d := p.D
	m.Axes, m.Rest = nil, 0
	if d > MaxAxesDim || p.N < 2 || len(m.Mean) != d {
		return
	}
	stride := (p.N + axesRows - 1) / axesRows
	n := (p.N + stride - 1) / stride // rows 0, stride, 2 stride, ...
	cov, block := make([]float64, d*d), make([]float64, min(n, axesBlock)*d)
	for lo := 0; lo < n; lo += axesBlock {
		hi := min(lo+axesBlock, n)
		rows := block[:(hi-lo)*d]
		for r := lo; r < hi; r++ {
			x, into := p.Row(r*stride), rows[(r-lo)*d:(r-lo+1)*d]
			for j, v := range x {
				into[j] = v - m.Mean[j]
			}
		}
		gemm.Dgemm(true, false, d, d, hi-lo, 1/float64(n), rows, d, rows, d, 1, cov, d)
	}
	for i := range d { // the product's two triangles agree only to rounding
		for j := range i {
			cov[i*d+j] = cov[j*d+i]
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(d, cov), true) {
		return
	}
	values := eig.Values(nil) // ascending
	var vectors mat.Dense
	eig.VectorsTo(&vectors)
	// Scaled to the trace of every row's moments (the rows fitted on may
	// be a sample of them), which readers check the axes against.
	trace := 0.0
	for _, v := range values {
		trace += math.Max(v, 0)
	}
	if !(trace > 0) {
		return
	}
	scale := float64(d) * m.Var / trace
	k := min(d, MaxAxes)
	m.Axes = make([]Axis, 0, k)
	for c := d - 1; c >= d-k; c-- {
		a := Axis{Var: scale * math.Max(values[c], 0), Dir: make([]float64, d)}
		mat.Col(a.Dir, c, &vectors)
		m.Axes = append(m.Axes, a)
	}
	for c := range d - k { // summed, not the trace less the axes': no cancellation
		m.Rest += math.Max(values[c], 0)
	}
	if k < d {
		m.Rest *= scale / float64(d-k)
	}
}

// axesFit reports whether m's axes are ones FitAxes could have recorded
// for data of dimension dim whose largest |x| is maxAbs (0: not
// recorded, which the reader refuses for its own reason): none, or up to
// MaxAxes orthonormal directions (to 1e-6) of variances at most dim
// maxAbs^2 (a point's squared length, the most any direction can hold),
// largest first, which with Rest (0 where they are every direction) sum
// to the trace dim Var (to 1e-6 of it, and finite).
func axesFit(m DataMoments, dim int, maxAbs float64) bool {
	if len(m.Axes) == 0 {
		return m.Rest == 0
	}
	whole := float64(dim) * m.Var
	most := whole * (1 + 1e-6) // the trace, to the rounding of two sums of it
	if maxAbs > 0 {
		most = math.Min(most, float64(dim)*maxAbs*maxAbs)
	}
	if math.IsInf(whole, 0) || len(m.Axes) > min(dim, MaxAxes) || !(m.Rest >= 0 && m.Rest <= most) || (len(m.Axes) == dim && m.Rest != 0) {
		return false
	}
	trace := m.Rest * float64(dim-len(m.Axes))
	for k, a := range m.Axes {
		if len(a.Dir) != dim || !(a.Var >= 0 && a.Var <= most) || (k > 0 && a.Var > m.Axes[k-1].Var) {
			return false
		}
		trace += a.Var
		for j := range k + 1 {
			dot := 0.0
			for i, u := range a.Dir {
				dot += u * m.Axes[j].Dir[i]
			}
			want := 0.0 // orthogonal to the others, of unit length itself
			if j == k {
				want = 1
			}
			if !(math.Abs(dot-want) <= 1e-6) {
				return false
			}
		}
	}
	return math.Abs(trace-whole) <= 1e-6*whole
}
