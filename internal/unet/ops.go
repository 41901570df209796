package unet

import (
	"math"

	"scorenet/internal/gemm"
	"scorenet/internal/vmath"
)

// The operations below work on feature maps of n images, each hw pixels
// of c channels (pixel-major). Each splits its work over images (or over
// channels for sums across images) so that every output is computed by
// one goroutine in a fixed order: results do not depend on the threads.

// packPatches packs rows i0..i0+rows, columns p0..p0+depth of the 3x3
// patches of the images x (h x w x c), as gemm.Packer: row r is pixel r
// of the images in order, column q the value at tap q/c (dy, dx =
// q/c/3 - 1, q/c%3 - 1), channel q%c, zero outside the image (same
// padding).
func packPatches[T gemm.Float](dst, x []T, h, w, c, i0, rows, p0, depth int) {
	const mr = gemm.PanelRows
	var src [mr][]T
	var at [mr]int // each row's pixel: its offset in x, in pixels
	var ii, jj [mr]int
	for ip := 0; ip*mr < rows; ip++ {
		panel := dst[ip*mr*depth : (ip+1)*mr*depth]
		r0 := i0 + ip*mr
		n := min(mr, i0+rows-r0)
		for rr := range n {
			r := r0 + rr
			pix := r % (h * w)
			at[rr], ii[rr], jj[rr] = r, pix/w, pix%w
		}
		for q := p0; q < p0+depth; {
			t := q / c
			c0 := q - t*c
			seg := min(c-c0, p0+depth-q)
			dy, dx := t/3-1, t%3-1
			for rr := range mr {
				src[rr] = nil // past the last row, or outside the image: zeros
				if y, xx := ii[rr]+dy, jj[rr]+dx; rr < n && y >= 0 && y < h && xx >= 0 && xx < w {
					src[rr] = x[(at[rr]+dy*w+dx)*c+c0:][:seg]
				}
			}
			gemm.Interleave(panel[(q-p0)*mr:], &src, seg)
			q += seg
		}
	}
}

// packPatchesT packs the transpose of packPatches' matrix: rows are the
// patch columns q, columns the pixels.
func packPatchesT[T gemm.Float](dst, x []T, h, w, c, i0, rows, p0, depth int) {
	const mr = gemm.PanelRows
	for ip := 0; ip*mr < rows; ip++ {
		panel := dst[ip*mr*depth : (ip+1)*mr*depth]
		q0 := i0 + ip*mr
		n := min(mr, i0+rows-q0)
		t0, c0 := q0/c, q0%c
		if n == mr && c0+mr <= c {
			packTapT(panel, x, h, w, c, c0, t0/3-1, t0%3-1, p0, depth)
			continue
		}
		pix := p0 % (h * w)
		i, j := pix/w, pix%w // of pixel r, stepped with it
		for pp := range depth {
			r := p0 + pp
			out := panel[pp*mr : (pp+1)*mr]
			for rr := range n {
				t, ch := (q0+rr)/c, (q0+rr)%c
				y, xx := i+t/3-1, j+t%3-1
				if y < 0 || y >= h || xx < 0 || xx >= w {
					out[rr] = 0
				} else {
					out[rr] = x[(r+(y-i)*w+xx-j)*c+ch]
				}
			}
			clear(out[n:])
			if j++; j == w {
				j = 0
				if i++; i == h {
					i = 0
				}
			}
		}
	}
}

// packTapT packs a whole panel of packPatchesT whose rows are channels
// c0..c0+8 of the tap (dy, dx), for the pixels p0..p0+depth: a run of
// pixels along an image row at a time, the taps inside the image copied 8
// values each without a test per pixel (a test and a branch per 8 values
// made the weight gradients' packing twice as slow as the forward's).
func packTapT[T gemm.Float](panel, x []T, h, w, c, c0, dy, dx, p0, depth int) {
	const mr = gemm.PanelRows
	pix := p0 % (h * w)
	i, j := pix/w, pix%w // of pixel p0+pp, stepped with it
	for pp := 0; pp < depth; {
		run := min(w-j, depth-pp) // pixels along row i from column j
		out := panel[pp*mr : (pp+run)*mr]
		if y := i + dy; y < 0 || y >= h {
			clear(out)
		} else {
			lo, hi := max(0, -dx-j), min(run, w-dx-j) // the run's pixels whose tap is inside
			hi = max(hi, lo)
			clear(out[:lo*mr])
			clear(out[hi*mr:])
			base := (p0+pp+dy*w+dx)*c + c0
			for k := lo; k < hi; k++ {
				// value by value: an array assignment called memmove
				o, v := (*[mr]T)(out[k*mr:]), (*[mr]T)(x[base+k*c:])
				o[0], o[1], o[2], o[3] = v[0], v[1], v[2], v[3]
				o[4], o[5], o[6], o[7] = v[4], v[5], v[6], v[7]
			}
		}
		pp += run
		if j += run; j == w {
			j = 0
			if i++; i == h {
				i = 0
			}
		}
	}
}

// flip sets dst (9 co x ci) to the 3x3 weights W (9 ci x co) turned by 180
// degrees with their channels swapped: dst[(t, o), c] = W[(8-t, c), o],
// the weights of the convolution that carries an output gradient back to
// the input.
func flip[T gemm.Float](dst, W []T, ci, co int) {
	for t := range 9 {
		for o := range co {
			row := dst[(t*co+o)*ci:][:ci]
			for c := range row {
				row[c] = W[((8-t)*ci+c)*co+o]
			}
		}
	}
}

// addTo adds src to dst.
func addTo[T gemm.Float](dst, src []T) {
	dst = dst[:len(src)]
	for k, v := range src {
		dst[k] += v
	}
}

// setRows sets every row of m (width len(row)) to row.
func setRows[T gemm.Float](m, row []T) {
	if len(row) == 0 || len(m) < len(row) {
		return
	}
	n := len(m) / len(row) * len(row)
	// Doubling copies: a few long moves where a row at a time made one
	// short call per pixel.
	done := copy(m[:len(row)], row)
	for done < n {
		done += copy(m[done:n], m[:done])
	}
}

// colSums adds the column sums of the row-major m (width w) to dst, row by
// row in order.
func colSums[T gemm.Float](dst, m []T, w int) {
	for r := 0; r+w <= len(m); r += w {
		addTo(dst, m[r:r+w])
	}
}

// groupStats normalises the images x (hw x c, groups groups of adjacent
// channels) in xhat, sets y = xhat scale + shift, and keeps each image's
// and group's 1/std in rstd (n x groups). Sums are taken in float64,
// channel by channel over the pixels in order and then over a group's
// channels, in one pass through the image (a pass per group strode through
// every pixel's channels groups times); acc holds 2c float64 and chans 2c
// values of T per image. then, if not nil, runs on each image once it is
// normalised, while it is in cache.
func groupStats[T gemm.Float](threads int, xhat, y, rstd, x, scale, shift []T, acc []float64, chans []T, imgs, hw, c, groups int, then func(img int)) {
	cg := c / groups
	gemm.Parallel(threads, imgs, hw*c*4, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			src, dst := x[img*hw*c:][:hw*c], xhat[img*hw*c:][:hw*c]
			sum, sq := acc[img*2*c:][:c], acc[img*2*c+c:][:c]
			clear(sum)
			clear(sq)
			vmath.ChannelSums(src, c, sum, sq)
			mean, rs := chans[img*2*c:][:c], chans[img*2*c+c:][:c] // per channel, its group's
			count := float64(hw * cg)
			for g := range groups {
				var s, q float64
				for k := g * cg; k < (g+1)*cg; k++ {
					s, q = s+sum[k], q+sq[k]
				}
				m := s / count
				r := 1 / math.Sqrt(max(q/count-m*m, 0)+NormEps)
				rstd[img*groups+g] = T(r)
				for k := g * cg; k < (g+1)*cg; k++ {
					mean[k], rs[k] = T(m), T(r)
				}
			}
			vmath.NormalizeAffine(dst, y[img*hw*c:][:hw*c], src, mean, rs, scale, shift, c)
			if then != nil {
				then(img)
			}
		}
	})
}

// NormEps keeps GroupNorm finite on a constant group.
const NormEps = 1e-5

// groupNormBackward adds to gx (sets it, with set) the gradient through
// GroupNorm with the affine (scale) of gy, the gradient of y, and adds the
// scale's and shift's gradients (image partials in part, n x 2c, summed in
// image order). One pass through each image gathers every sum, channel by
// channel (acc: 2c float64 an image), and a second sets the gradient
// (chans: 3c values of T an image, each channel's group's terms). first,
// if not nil, runs on each image before its sums, to set its part of gy.
func groupNormBackward[T gemm.Float](threads int, set bool, gx, gy, xhat, rstd, scale, gscale, gshift, part []T, acc []float64, chans []T, imgs, hw, c, groups int, first func(img int)) {
	cg := c / groups
	gemm.Parallel(threads, imgs, hw*c*6, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			if first != nil {
				first(img)
			}
			g, xh, dx := gy[img*hw*c:][:hw*c], xhat[img*hw*c:][:hw*c], gx[img*hw*c:][:hw*c]
			ps, pb := part[img*2*c:][:c], part[img*2*c+c:][:c]
			m1, m2 := acc[img*2*c:][:c], acc[img*2*c+c:][:c]
			clear(ps)
			clear(pb)
			clear(m1)
			clear(m2)
			vmath.NormSums(g, xh, scale, c, ps, pb, m1, m2)
			ca, cb, cr := chans[img*3*c:][:c], chans[img*3*c+c:][:c], chans[img*3*c+2*c:][:c]
			count := float64(hw * cg)
			for grp := range groups {
				var s1, s2 float64
				for k := grp * cg; k < (grp+1)*cg; k++ {
					s1, s2 = s1+m1[k], s2+m2[k]
				}
				a, b, r := T(s1/count), T(s2/count), rstd[img*groups+grp]
				for k := grp * cg; k < (grp+1)*cg; k++ {
					ca[k], cb[k], cr[k] = a, b, r
				}
			}
			vmath.NormGradient(dx, g, xh, scale, ca, cb, cr, c, !set)
		}
	})
	for img := range imgs {
		addTo(gscale, part[img*2*c:][:c])
		addTo(gshift, part[img*2*c+c:][:c])
	}
}

// pool sets dst to the 2x2 averages of the images src (h x w x c).
func pool[T gemm.Float](threads int, dst, src []T, imgs, h, w, c int) {
	h2, w2 := h/2, w/2
	gemm.Parallel(threads, imgs, h*w*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			s, d := src[img*h*w*c:], dst[img*h2*w2*c:]
			for i := range h2 {
				for j := range w2 {
					o := d[(i*w2+j)*c:][:c]
					a, b := s[((2*i)*w+2*j)*c:][:c], s[((2*i)*w+2*j+1)*c:][:c]
					e, f := s[((2*i+1)*w+2*j)*c:][:c], s[((2*i+1)*w+2*j+1)*c:][:c]
					for k := range o {
						o[k] = (a[k] + b[k] + e[k] + f[k]) / 4
					}
				}
			}
		}
	})
}

// poolBackward adds to gsrc (h x w; sets it, with set) the gradient of
// pool from gdst.
func poolBackward[T gemm.Float](threads int, set bool, gsrc, gdst []T, imgs, h, w, c int) {
	h2, w2 := h/2, w/2
	gemm.Parallel(threads, imgs, h*w*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			s, d := gsrc[img*h*w*c:], gdst[img*h2*w2*c:]
			for i := range h {
				for j := range w {
					g, o := d[((i/2)*w2+j/2)*c:][:c], s[(i*w+j)*c:][:c]
					if set {
						clear(o)
					}
					for k := range o {
						o[k] += g[k] / 4
					}
				}
			}
		}
	})
}

// upsample sets dst (2h x 2w) to the images src (h x w) with each pixel
// repeated 2x2.
func upsample[T gemm.Float](threads int, dst, src []T, imgs, h, w, c int) {
	gemm.Parallel(threads, imgs, 4*h*w*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			s, d := src[img*h*w*c:], dst[img*4*h*w*c:]
			for i := range 2 * h {
				for j := range 2 * w {
					copy(d[(i*2*w+j)*c:][:c], s[((i/2)*w+j/2)*c:][:c])
				}
			}
		}
	})
}

// upsampleBackward adds to gsrc (h x w; sets it, with set) the gradient of
// upsample from gdst.
func upsampleBackward[T gemm.Float](threads int, set bool, gsrc, gdst []T, imgs, h, w, c int) {
	gemm.Parallel(threads, imgs, 4*h*w*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			s, d := gsrc[img*h*w*c:], gdst[img*4*h*w*c:]
			for i := range h {
				for j := range w {
					o := s[(i*w+j)*c:][:c]
					if set {
						clear(o)
					}
					for di := range 2 {
						for dj := range 2 {
							addTo(o, d[((2*i+di)*2*w+2*j+dj)*c:][:c])
						}
					}
				}
			}
		}
	})
}

// concat sets dst (ca + cb channels a pixel) to a's channels then b's.
func concat[T gemm.Float](threads int, dst, a, b []T, pixels, ca, cb int) {
	c := ca + cb
	gemm.Parallel(threads, pixels, c, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			copy(dst[p*c:][:ca], a[p*ca:][:ca])
			copy(dst[p*c+ca:][:cb], b[p*cb:][:cb])
		}
	})
}

// concatBackward adds the two parts of gdst to ga and gb (sets them, with
// setA, setB).
func concatBackward[T gemm.Float](threads int, setA, setB bool, ga, gb, gdst []T, pixels, ca, cb int) {
	c := ca + cb
	gemm.Parallel(threads, pixels, c, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			if setA {
				copy(ga[p*ca:][:ca], gdst[p*c:][:ca])
			} else {
				addTo(ga[p*ca:][:ca], gdst[p*c:][:ca])
			}
			if setB {
				copy(gb[p*cb:][:cb], gdst[p*c+ca:][:cb])
			} else {
				addTo(gb[p*cb:][:cb], gdst[p*c+ca:][:cb])
			}
		}
	})
}
