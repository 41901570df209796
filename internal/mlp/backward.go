package mlp

import (
	"fmt"

	"scorenet/internal/gemm"
	"scorenet/internal/vmath"
)

// Seeds are the gradients of a loss with respect to what the passes
// computed; Backward carries them to the parameters.
type SeedsOf[T gemm.Float] struct {
	Score []T // dL/ds, n x Dim; nil when the loss does not read s
	// With tangents, at most one of:
	Diagonal []T // dL/d(ds_i/dx_i), n x Dim, after unit tangents
	Tangents []T // dL/d(J t), (n k) x Dim, after Tangents(dirs, k)
}

// Seeds are a float64 network's seeds.
type Seeds = SeedsOf[float64]

// Backward sets Grads to the parameter gradients of a loss whose gradients
// with respect to the score and the output tangents are seed, by one
// reverse pass through the tangents and the forward pass of the same batch.
func (p *PassOf[T]) Backward(seed SeedsOf[T]) error {
	net := p.net
	D, w, L, n := net.Dim, net.widths, net.layers(), p.n
	tangent := seed.Diagonal != nil || seed.Tangents != nil
	switch {
	case p.grads == nil || !p.derivs:
		return fmt.Errorf("mlp: Backward needs a pass made for gradients and a Forward that kept derivatives")
	case seed.Diagonal != nil && seed.Tangents != nil:
		return fmt.Errorf("mlp: seed the Jacobian diagonal or the output tangents, not both")
	case seed.Diagonal != nil && (p.dirs != nil || p.k != D || len(seed.Diagonal) < n*D):
		return fmt.Errorf("mlp: a Diagonal seed needs Tangents along the unit directions and n x Dim values")
	case seed.Tangents != nil && (p.k == 0 || len(seed.Tangents) < n*p.k*D):
		return fmt.Errorf("mlp: a Tangents seed needs Tangents first and (n k) x Dim values")
	case seed.Score != nil && len(seed.Score) < n*D:
		return fmt.Errorf("mlp: a Score seed needs n x Dim values")
	}
	gW := func(l int) []T { return p.grads[2*(l-1)] }
	gB := func(l int) []T { return p.grads[2*(l-1)+1] }
	// The gradients start at zero: a weight gradient that one product
	// makes is set by it (clearing 2.7 M weights on one thread beforehand
	// was 3% of a D = 784 float32 step); cleared here where several terms
	// add into one.
	first := T(0) // beta of a weight gradient's score-path product
	if tangent || seed.Score == nil {
		first = 1
	}
	for l := 1; l <= L; l++ {
		if first == 1 {
			clear(gW(l))
		}
		clear(gB(l))
	}
	k, R := p.k, n*p.k
	hl, wl := w[L-1], net.W[L-1]

	// The output tangents J t = V_{L-1} W_L (times the output scale, plus the
	// skip term's c t, which has no parameters): to V_{L-1}, W_L.
	if tangent {
		vl, gv := p.v[L-1][:R*hl], p.gv[L-1][:R*hl]
		if seed.Diagonal != nil {
			// By dimension i: the rows of one i add into the same column
			// of g, in ascending order, on one goroutine.
			g := gW(L)
			gemm.Parallel(p.opt.Threads, D, R/D*hl, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					for r := i; r < R; r += D {
						gd := seed.Diagonal[r]
						if net.Conditional {
							gd *= p.scale[r/D]
						}
						diagonalRow(gv[r*hl:(r+1)*hl], vl[r*hl:(r+1)*hl], wl, g, gd, i, D)
					}
				}
			})
		} else {
			gt := p.conditioned(seed.Tangents[:R*D], p.tout[:R*D], k)
			p.gemm(false, true, R, hl, D, gt, D, wl, D, 0, gv, hl)
			p.gemm(true, false, hl, D, R, vl, hl, gt, D, 1, gW(L), D)
		}
	}
	// The score s = a_{L-1} W_L + b_L (times the output scale; the skip
	// term has no parameters).
	ga := p.ga[L-1][:n*hl]
	if seed.Score != nil {
		gs := p.conditioned(seed.Score[:n*D], p.gz[L][:n*D], 1)
		p.gemm(true, false, hl, D, n, p.a[L-1][:n*hl], hl, gs, D, first, gW(L), D)
		p.colSum(gB(L), gs, D)
		p.gemm(false, true, n, hl, D, gs, D, wl, D, 0, ga, hl)
	} else {
		clear(ga)
	}

	for l := L - 1; l >= 1; l-- {
		h, in := w[l], w[l-1]
		gz, d1, d2, ga := p.gz[l][:n*h], p.d1[l][:n*h], p.d2[l][:n*h], p.ga[l]
		var gul, u, gvl []T
		if tangent {
			u, gvl, gul = p.u[l][:R*h], p.gv[l][:R*h], p.gu[l][:R*h]
		}
		// By point: a point's k tangent rows add into its row of gz, in
		// ascending order, on one goroutine.
		gemm.Parallel(p.opt.Threads, n, (k+1)*h, func(lo, hi int) {
			mulTo(gz[lo*h:hi*h], ga[lo*h:hi*h], d1[lo*h:hi*h])
			if !tangent {
				return
			}
			// V_l = U_l .* f'(z_l): to U_l through f', to z_l through f''.
			for r := lo * k; r < hi*k; r++ {
				b := r / k
				tangentRow(gul[r*h:(r+1)*h], gz[b*h:(b+1)*h], gvl[r*h:(r+1)*h], u[r*h:(r+1)*h], d1[b*h:(b+1)*h], d2[b*h:(b+1)*h])
			}
		})
		// z_l = a_{l-1} W_l + b_l.
		p.gemm(true, false, in, h, n, p.a[l-1][:n*in], in, gz, h, first, gW(l), h)
		p.colSum(gB(l), gz, h)
		if l > 1 {
			p.gemm(false, true, n, in, h, gz, h, net.W[l-1], h, 0, p.ga[l-1][:n*in], in)
			if net.Skip(l) {
				addTo(p.ga[l-1][:n*in], p.ga[l][:n*h])
			}
			if tangent {
				// U_l = V_{l-1} W_l.
				p.gemm(true, false, in, h, R, p.v[l-1][:R*in], in, gul, h, 1, gW(l), h)
				p.gemm(false, true, R, in, h, gul, h, net.W[l-1], h, 0, p.gv[l-1][:R*in], in)
				if net.Skip(l) {
					addTo(p.gv[l-1][:R*in], p.gv[l][:R*h])
				}
			}
			continue
		}
		switch {
		case !tangent:
		case p.dirs != nil:
			// U_1 = c_in t W_1 over the x rows of W_1.
			p.scaleRows(gul, h, k)
			p.gemm(true, false, D, h, R, p.dirs, D, gul, h, 1, gW(1), h)
		default:
			// U_1 = c_in times the rows of W_1: direction i's rows of every
			// point add to row i.
			p.scaleRows(gul, h, k)
			g := gW(1)
			gemm.Parallel(p.opt.Threads, D, R/D*h, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					for r := i; r < R; r += D {
						addTo(g[i*h:(i+1)*h], gul[r*h:(r+1)*h])
					}
				}
			})
		}
	}
	return nil
}

// conditioned is seed scaled row by row by the output scale (k rows a point) into
// buf for a conditional net, seed itself otherwise.
func (p *PassOf[T]) conditioned(seed, buf []T, k int) []T {
	if !p.net.Conditional {
		return seed
	}
	rows := p.net.Dim * k // a point's values
	gemm.Parallel(p.opt.Threads, len(seed)/rows, 2*rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			scale, out := p.scale[r], buf[r*rows:(r+1)*rows]
			for j, g := range seed[r*rows : (r+1)*rows] {
				out[j] = g * scale
			}
		}
	})
	return buf
}

// diagonalRow carries the seed gd of the diagonal entry i of one tangent
// row's output (its V_{L-1} row src times column i of W_L) back: to the row
// (into gv) and to column i of W_L's gradient g. The hot loops are small
// functions of their own so that they keep their operands in registers.
func diagonalRow[T gemm.Float](gv, src, wl, g []T, gd T, i, d int) {
	for j := range gv {
		gv[j] = gd * wl[j*d+i]
		g[j*d+i] += gd * src[j]
	}
}

// tangentRow carries one tangent row's gradient gv through
// V = U .* f'(z): gu = gv .* f', and gz += gv .* U .* f”.
func tangentRow[T gemm.Float](gu, gz, gv, u, d1, d2 []T) {
	gu = gu[:len(gv)]
	gz, u, d1, d2 = gz[:len(gv)], u[:len(gv)], d1[:len(gv)], d2[:len(gv)]
	for j, g := range gv {
		gu[j] = g * d1[j]
		gz[j] += g * u[j] * d2[j]
	}
}

// addTo sets dst += src over src's length.
func addTo[T gemm.Float](dst, src []T) { vmath.Add(dst[:len(src)], src) }
