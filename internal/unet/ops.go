package unet

import (
	"math"

	"scorenet/internal/gemm"
)

// The operations below work on feature maps of n images, each hw pixels
// of c channels (pixel-major). Each splits its work over images (or over
// channels for sums across images) so that every output is computed by
// one goroutine in a fixed order: results do not depend on the threads.

// im2col writes the 3x3 patches of the images x (h x w x c) as the rows of
// dst, one row of 9c values (dy, dx, channel) per pixel, zero outside the
// image (same padding).
func im2col[T gemm.Float](threads int, dst, x []T, imgs, h, w, c int) {
	gemm.Parallel(threads, imgs, h*w*9*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			src := x[img*h*w*c:]
			for i := range h {
				for j := range w {
					row := dst[((img*h+i)*w+j)*9*c:][:9*c]
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							part := row[((dy+1)*3+dx+1)*c:][:c]
							y, x := i+dy, j+dx
							if y < 0 || y >= h || x < 0 || x >= w {
								clear(part)
								continue
							}
							copy(part, src[(y*w+x)*c:][:c])
						}
					}
				}
			}
		}
	})
}

// col2imAdd adds the patch gradients g (rows as im2col writes them) into
// the images' gradient gx.
func col2imAdd[T gemm.Float](threads int, gx, g []T, imgs, h, w, c int) {
	gemm.Parallel(threads, imgs, h*w*9*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			dst := gx[img*h*w*c:]
			for i := range h {
				for j := range w {
					row := g[((img*h+i)*w+j)*9*c:][:9*c]
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							y, x := i+dy, j+dx
							if y < 0 || y >= h || x < 0 || x >= w {
								continue
							}
							addTo(dst[(y*w+x)*c:][:c], row[((dy+1)*3+dx+1)*c:][:c])
						}
					}
				}
			}
		}
	})
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
	for r := 0; r+len(row) <= len(m); r += len(row) {
		copy(m[r:r+len(row)], row)
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
// channels) in xhat and keeps each image's and group's 1/std in rstd (n x
// groups). Sums are taken in float64, pixel by pixel.
func groupStats[T gemm.Float](threads int, xhat, rstd, x []T, imgs, hw, c, groups int) {
	cg := c / groups
	gemm.Parallel(threads, imgs, hw*c*4, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			src, dst := x[img*hw*c:][:hw*c], xhat[img*hw*c:][:hw*c]
			for g := range groups {
				var sum, sq float64
				for p := range hw {
					for _, v := range src[p*c+g*cg:][:cg] {
						sum += float64(v)
						sq += float64(v) * float64(v)
					}
				}
				count := float64(hw * cg)
				mean := sum / count
				r := 1 / math.Sqrt(max(sq/count-mean*mean, 0)+normEps)
				rstd[img*groups+g] = T(r)
				m, rt := T(mean), T(r)
				for p := range hw {
					o := p*c + g*cg
					for k, v := range src[o : o+cg] {
						dst[o+k] = (v - m) * rt
					}
				}
			}
		}
	})
}

// normEps keeps GroupNorm finite on a constant group.
const normEps = 1e-5

// affine sets y = xhat scale + shift, channel by channel.
func affine[T gemm.Float](threads int, y, xhat, scale, shift []T, rows, c int) {
	gemm.Parallel(threads, rows, c*2, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			src, dst := xhat[r*c:][:c], y[r*c:][:c]
			for k, v := range src {
				dst[k] = v*scale[k] + shift[k]
			}
		}
	})
}

// groupNormBackward adds to gx the gradient through GroupNorm with the
// affine (scale) of gy, the gradient of y, and adds the scale's and
// shift's gradients (image partials in part, n x 2c, summed in image
// order).
func groupNormBackward[T gemm.Float](threads int, gx, gy, xhat, rstd, scale, gscale, gshift, part []T, imgs, hw, c, groups int) {
	cg := c / groups
	gemm.Parallel(threads, imgs, hw*c*6, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			g, xh, dx := gy[img*hw*c:][:hw*c], xhat[img*hw*c:][:hw*c], gx[img*hw*c:][:hw*c]
			ps, pb := part[img*2*c:][:c], part[img*2*c+c:][:c]
			clear(ps)
			clear(pb)
			for p := range hw {
				for k := range c {
					ps[k] += g[p*c+k] * xh[p*c+k]
					pb[k] += g[p*c+k]
				}
			}
			for grp := range groups {
				var m1, m2 float64
				for p := range hw {
					o := p*c + grp*cg
					for k := o; k < o+cg; k++ {
						d := float64(g[k] * scale[k-p*c])
						m1 += d
						m2 += d * float64(xh[k])
					}
				}
				count := float64(hw * cg)
				a, b, r := T(m1/count), T(m2/count), rstd[img*groups+grp]
				for p := range hw {
					o := p*c + grp*cg
					for k := o; k < o+cg; k++ {
						dx[k] += r * (g[k]*scale[k-p*c] - a - xh[k]*b)
					}
				}
			}
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

// poolBackward adds to gsrc (h x w) the gradient of pool from gdst.
func poolBackward[T gemm.Float](threads int, gsrc, gdst []T, imgs, h, w, c int) {
	h2, w2 := h/2, w/2
	gemm.Parallel(threads, imgs, h*w*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			s, d := gsrc[img*h*w*c:], gdst[img*h2*w2*c:]
			for i := range h {
				for j := range w {
					g, o := d[((i/2)*w2+j/2)*c:][:c], s[(i*w+j)*c:][:c]
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

// upsampleBackward adds to gsrc (h x w) the gradient of upsample from gdst.
func upsampleBackward[T gemm.Float](threads int, gsrc, gdst []T, imgs, h, w, c int) {
	gemm.Parallel(threads, imgs, 4*h*w*c, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			s, d := gsrc[img*h*w*c:], gdst[img*4*h*w*c:]
			for i := range h {
				for j := range w {
					o := s[(i*w+j)*c:][:c]
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

// concatBackward adds the two parts of gdst to ga and gb.
func concatBackward[T gemm.Float](threads int, ga, gb, gdst []T, pixels, ca, cb int) {
	c := ca + cb
	gemm.Parallel(threads, pixels, c, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			addTo(ga[p*ca:][:ca], gdst[p*c:][:ca])
			addTo(gb[p*cb:][:cb], gdst[p*c+ca:][:cb])
		}
	})
}
