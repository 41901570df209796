package vmath

// GroupNorm's passes over a batch of images stored pixel by pixel, each
// pixel's c channel values together (rows of c values). Each function is
// defined by its Go loop, in which every product is rounded before it is
// added or subtracted (the conversions forbid an FMA, which GOAMD64=v3
// would otherwise fuse); the AVX-512 kernels, which take float32 rows of a
// multiple of 16 channels, compute exactly that, so every build and every
// kernel give the same bits. Vectors of 16 channels instead of one value
// at a time made the passes a fifth of a U-Net training step's time less.

// ChannelSums adds each row's value of channel k to sum[k], and its square
// to sq[k], in float64, row after row.
func ChannelSums[T float32 | float64](x []T, c int, sum, sq []float64) {
	rows := len(x) / c
	if x32, ok := any(x).([]float32); ok && rows > 0 && vectorRows(c) {
		_, _ = sum[c-1], sq[c-1] // the assembly trusts the lengths
		channelSumsAVX512S(&x32[0], rows, c, &sum[0], &sq[0])
		return
	}
	sum, sq = sum[:c], sq[:c]
	for p := range rows {
		for k, v := range x[p*c:][:c] {
			f := float64(v)
			sum[k] += f
			sq[k] += float64(f * f)
		}
	}
}

// NormSums adds, over the rows of g and xhat, g*xhat to ps[k] and g to
// pb[k] (in T), and d = g*scale[k] (rounded to T, then widened) to m1[k]
// and d*xhat to m2[k] (in float64): the sums of GroupNorm's backward.
func NormSums[T float32 | float64](g, xhat, scale []T, c int, ps, pb []T, m1, m2 []float64) {
	rows := len(g) / c
	if g32, ok := any(g).([]float32); ok && rows > 0 && vectorRows(c) {
		x32, s32 := any(xhat).([]float32), any(scale).([]float32)
		ps32, pb32 := any(ps).([]float32), any(pb).([]float32)
		_, _, _, _, _, _ = xhat[rows*c-1], scale[c-1], ps[c-1], pb[c-1], m1[c-1], m2[c-1]
		normSumsAVX512S(&g32[0], &x32[0], &s32[0], rows, c, &ps32[0], &pb32[0], &m1[0], &m2[0])
		return
	}
	scale, ps, pb, m1, m2 = scale[:c], ps[:c], pb[:c], m1[:c], m2[:c]
	for p := range rows {
		xp := xhat[p*c:][:c]
		for k, v := range g[p*c:][:c] {
			ps[k] += T(v * xp[k])
			pb[k] += v
			d := float64(T(v * scale[k]))
			m1[k] += d
			m2[k] += float64(d * float64(xp[k]))
		}
	}
}

// NormGradient sets out (adds to it, with add) r[k]*((g*scale[k] - a[k]) -
// xhat*b[k]), row by row: GroupNorm's input gradient, given its group's
// terms a, b and r for each channel.
func NormGradient[T float32 | float64](out, g, xhat, scale, a, b, r []T, c int, add bool) {
	rows := len(g) / c
	if g32, ok := any(g).([]float32); ok && rows > 0 && vectorRows(c) {
		o32, x32, s32 := any(out).([]float32), any(xhat).([]float32), any(scale).([]float32)
		a32, b32, r32 := any(a).([]float32), any(b).([]float32), any(r).([]float32)
		_, _, _, _, _, _ = out[rows*c-1], xhat[rows*c-1], scale[c-1], a[c-1], b[c-1], r[c-1]
		normGradientAVX512S(&o32[0], &g32[0], &x32[0], &s32[0], &a32[0], &b32[0], &r32[0], rows, c, add)
		return
	}
	scale, a, b, r = scale[:c], a[:c], b[:c], r[:c]
	for p := range rows {
		xp, dst := xhat[p*c:][:c], out[p*c:][:c]
		for k, v := range g[p*c:][:c] {
			d := T(r[k] * (T(v*scale[k]) - a[k] - T(xp[k]*b[k])))
			if add {
				d += dst[k]
			}
			dst[k] = d
		}
	}
}

// NormalizeAffine sets xhat = (x - mean[k]) * rs[k] and y = xhat*scale[k]
// + shift[k], row by row, the product rounded before the sum: GroupNorm's
// output and what its backward keeps, in one pass over x.
func NormalizeAffine[T float32 | float64](xhat, y, x, mean, rs, scale, shift []T, c int) {
	rows := len(x) / c
	if x32, ok := any(x).([]float32); ok && rows > 0 && vectorRows(c) {
		h32, y32 := any(xhat).([]float32), any(y).([]float32)
		m32, r32, s32, t32 := any(mean).([]float32), any(rs).([]float32), any(scale).([]float32), any(shift).([]float32)
		_, _, _, _, _, _ = xhat[rows*c-1], y[rows*c-1], mean[c-1], rs[c-1], scale[c-1], shift[c-1]
		normalizeAffineAVX512S(&h32[0], &y32[0], &x32[0], &m32[0], &r32[0], &s32[0], &t32[0], rows, c)
		return
	}
	mean, rs, scale, shift = mean[:c], rs[:c], scale[:c], shift[:c]
	for p := range rows {
		h, out := xhat[p*c:][:c], y[p*c:][:c]
		for k, v := range x[p*c:][:c] {
			z := (v - mean[k]) * rs[k]
			h[k] = z
			out[k] = T(z*scale[k]) + shift[k]
		}
	}
}

// vectorRows reports whether the AVX-512 kernels take rows of c channels.
func vectorRows(c int) bool { return haveAVX512 && c > 0 && c%16 == 0 }
