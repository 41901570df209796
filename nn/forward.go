package nn

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// mlpForward is a float64 MLP's forward pass written out by hand: the
// products through gorgonia's BLAS (gonum, or OpenBLAS with -tags
// openblas) into buffers allocated once, the activation without a graph.
// Scorer uses it for float64 MLPs and is tested to agree with the
// gorgonia graph it replaces.
type mlpForward struct {
	m      *MLP
	batch  int
	widths []int // input (D, or D+1 with log sigma), hidden..., D
	w, b   [][]float64
	act    func(dst, z []float64)
	blas   blas.Float64
	in     []float64   // batch x widths[0]
	h      [][]float64 // per hidden layer: batch x width, z then f(z) in place
	out    []float64
	flops  float64
}

func newMLPForward(m *MLP, batch int) (*mlpForward, error) {
	act, ok := activationValues[m.activationName]
	if !ok || m.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("nn: no hand-written forward pass for a %v %s MLP", m.Dtype(), m.activationName)
	}
	f := &mlpForward{m: m, batch: batch, act: act, blas: G.WhichBLAS()}
	f.widths = []int{m.params[0].Value.Shape()[0]}
	for l := 0; l < len(m.params); l += 2 {
		f.w = append(f.w, m.params[l].Value.Data().([]float64))
		f.b = append(f.b, m.params[l+1].Value.Data().([]float64))
		f.widths = append(f.widths, m.params[l].Value.Shape()[1])
	}
	f.in = make([]float64, batch*f.widths[0])
	for _, width := range f.widths[1 : len(f.widths)-1] {
		f.h = append(f.h, make([]float64, batch*width))
	}
	f.out = make([]float64, batch*m.dim)
	return f, nil
}

// score writes s(x, sigma) for n = len(x)/D <= batch points into dst.
func (f *mlpForward) score(dst, x []float64, sigma float64) {
	d, in := f.m.dim, f.widths[0]
	n := len(x) / d
	if f.m.conditional {
		logSigma := math.Log(sigma)
		for r := 0; r < n; r++ {
			copy(f.in[r*in:r*in+d], x[r*d:(r+1)*d])
			f.in[r*in+d] = logSigma
		}
	} else {
		copy(f.in, x)
	}
	f.flops = 0
	prev := f.in
	for l := range f.w {
		width, next := f.widths[l+1], f.out
		if l < len(f.h) {
			next = f.h[l]
		}
		next = next[:n*width]
		for r := 0; r < n; r++ {
			copy(next[r*width:(r+1)*width], f.b[l])
		}
		f.blas.Dgemm(blas.NoTrans, blas.NoTrans, n, width, f.widths[l], 1, prev, f.widths[l], f.w[l], width, 1, next, width)
		f.flops += 2 * float64(n) * float64(width) * float64(f.widths[l])
		if l < len(f.h) {
			f.act(next, next)
		}
		prev = next
	}
	copy(dst, f.out[:n*d])
	if f.m.conditional {
		for k := range dst[:n*d] {
			dst[k] /= sigma
		}
	}
}
