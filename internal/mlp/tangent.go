package mlp

import (
	"fmt"

	"scorenet/internal/gemm"
	"scorenet/internal/vmath"
)

// Tangents carries k tangents per point through the net, after a Forward
// that kept derivatives: the rows of dirs ((n k) x Dim, point-major), or,
// when dirs is nil, the Dim unit directions of each point (k = Dim), whose
// output tangents are the columns of the Jacobian. The tangents are in x
// only: log sigma (and so c_in) is held fixed.
func (p *PassOf[T]) Tangents(dirs []T, k int) error {
	net := p.net
	D, w, L, n := net.Dim, net.widths, net.layers(), p.n
	if dirs == nil {
		k = D
	}
	switch {
	case !p.derivs:
		return fmt.Errorf("mlp: Tangents needs a Forward that kept derivatives")
	case k < 1 || k > p.opt.Tangents:
		return fmt.Errorf("mlp: %d tangents per point, this pass carries 1 to %d", k, p.opt.Tangents)
	case dirs != nil && len(dirs) != n*k*D:
		return fmt.Errorf("mlp: %d direction values for %d points x %d tangents of dimension %d", len(dirs), n, k, D)
	}
	p.k, p.dirs = k, dirs
	R := n * k
	for l := 1; l < L; l++ {
		h := w[l]
		u, v := p.u[l][:R*h], p.v[l][:R*h]
		switch {
		case l > 1:
			p.gemm(false, false, R, h, w[l-1], p.v[l-1][:R*w[l-1]], w[l-1], net.W[l-1], h, 0, u, h)
		case dirs != nil:
			p.gemm(false, false, R, h, D, dirs, D, net.W[0], h, 0, u, h) // the x rows of W_1
			p.scaleRows(u, h, k)                                         // times c_in
		default:
			for b := 0; b < n; b++ {
				copy(u[b*D*h:(b+1)*D*h], net.W[0][:D*h]) // row i of W_1 is direction i's
			}
			p.scaleRows(u, h, k) // times c_in
		}
		d1, skip, prev := p.d1[l], net.Skip(l), p.v[l-1]
		gemm.Parallel(p.opt.Threads, R, h, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				mulTo(v[r*h:(r+1)*h], u[r*h:(r+1)*h], d1[(r/k)*h:(r/k+1)*h])
			}
			if skip {
				addTo(v[lo*h:hi*h], prev[lo*h:hi*h])
			}
		})
	}
	return nil
}

// JacobianDiagonal writes ds_i/dx_i of every point into dst (n x Dim), after
// Tangents along the unit directions; its row sums are the divergences
// tr(ds/dx). Only the diagonal is formed: Dim times less work than J.
func (p *PassOf[T]) JacobianDiagonal(dst []T) error {
	net := p.net
	D, L, n := net.Dim, net.layers(), p.n
	if p.k != D || p.dirs != nil {
		return fmt.Errorf("mlp: JacobianDiagonal needs Tangents along the unit directions")
	}
	if len(dst) < n*D {
		return fmt.Errorf("mlp: JacobianDiagonal of %d points into %d values", n, len(dst))
	}
	hl, wl := net.widths[L-1], net.W[L-1]
	vl := p.v[L-1]
	gemm.Parallel(p.opt.Threads, n*D, hl, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			acc := columnDot(vl[r*hl:(r+1)*hl], wl, r%D, D)
			if net.Conditional {
				acc = acc*p.scale[r/D] + p.skip[r/D]
			}
			dst[r] = acc
		}
	})
	return nil
}

// OutputTangents are J t for every tangent row t of the last Tangents:
// (n k) x Dim, the Pass's buffer, valid until the next Tangents.
func (p *PassOf[T]) OutputTangents() ([]T, error) {
	net := p.net
	D, L, R := net.Dim, net.layers(), p.n*p.k
	if p.k == 0 {
		return nil, fmt.Errorf("mlp: OutputTangents needs Tangents first")
	}
	hl := net.widths[L-1]
	out := p.tout[:R*D]
	p.gemm(false, false, R, D, hl, p.v[L-1][:R*hl], hl, net.W[L-1], D, 0, out, D)
	if net.Conditional {
		for j := range out {
			out[j] *= p.scale[j/(D*p.k)]
		}
	}
	if net.Conditional && net.SigmaData > 0 { // the skip term's J t = c t
		for r := 0; r < R; r++ {
			c, row := p.skip[r/p.k], out[r*D:(r+1)*D]
			if p.dirs == nil {
				row[r%D] += c // t is unit direction r mod D
				continue
			}
			for j, t := range p.dirs[r*D : (r+1)*D] {
				row[j] += c * t
			}
		}
	}
	return out, nil
}

// mulTo sets dst = a .* b.
func mulTo[T gemm.Float](dst, a, b []T) { vmath.Mul(dst, a, b) }

// columnDot is row . column i of the row-major matrix w of width d.
func columnDot[T gemm.Float](row, w []T, i, d int) T {
	var acc T
	for j, x := range row {
		acc += x * w[j*d+i]
	}
	return acc
}
