package unet

import "scorenet/internal/gemm"

// The steps a Pass is built of. Each closes over its maps and buffers and
// reads the number of images from the Pass at run time.

// conv is the convolution name (k = 3: 3x3, same padding; k = 1: per
// pixel) from in to out; with accumulate it adds to out instead of
// setting it. A 3x3 convolution's patches are packed straight from the
// image into the product's blocks (patches), never written out whole; its
// input gradient is the 3x3 convolution of the output gradient with the
// weights turned by 180 degrees and transposed (flipped).
func (p *PassOf[T]) conv(name string, k int, in, out *fmap[T], accumulate bool) step {
	wi, bi := p.net.param(name+".weight"), p.net.param(name+".bias")
	W, B := p.net.params[wi], p.net.params[bi]
	hw, ci, co := in.h*in.w, in.c, out.c
	K := k * k * ci
	var xPatches, xPatchesT, gPatches gemm.Packer[T]
	var flipped []T
	if k == 3 {
		xPatches = func(dst []T, i0, rows, p0, depth int) { packPatches(dst, in.v, in.h, in.w, ci, i0, rows, p0, depth) }
		xPatchesT = func(dst []T, i0, rows, p0, depth int) { packPatchesT(dst, in.v, in.h, in.w, ci, i0, rows, p0, depth) }
		if p.grad {
			gPatches = func(dst []T, i0, rows, p0, depth int) { packPatches(dst, out.g, out.h, out.w, co, i0, rows, p0, depth) }
			flipped = p.make(9 * co * ci)
		}
	}
	forward := func() {
		rows, dst := p.n*hw, out.v[:p.n*hw*co]
		if !accumulate { // the biases start each row's sums: no pass that fills dst
			p.flops += 2 * float64(rows) * float64(co) * float64(K)
			if k == 1 {
				gemm.OnRows(p.opt.Threads, false, false, rows, co, K, 1, in.v[:rows*ci], K, W, co, B, dst, co)
				return
			}
			gemm.OnPackedRows(p.opt.Threads, false, rows, co, K, xPatches, W, co, B, dst, co)
			return
		}
		for r := range rows {
			addTo(dst[r*co:(r+1)*co], B)
		}
		if k == 1 {
			p.gemm(false, false, rows, co, K, in.v[:rows*ci], K, W, co, 1, dst, co)
			return
		}
		p.packed(rows, co, K, xPatches, W, co, 1, dst, co)
	}
	backward := func() {
		rows, g := p.n*hw, out.g[:p.n*hw*co]
		if p.opt.Gradients {
			gW, gB := p.grads[wi], p.grads[bi]
			if k == 1 {
				p.gemm(true, false, K, co, rows, in.v[:rows*ci], K, g, co, 1, gW, co)
			} else {
				p.packed(K, co, rows, xPatchesT, g, co, 1, gW, co)
			}
			colSums(gB, g, co)
		}
		switch {
		case in.g == nil:
		case k == 1:
			p.gemm(false, true, rows, ci, co, g, co, W, co, in.beta(), in.g[:rows*ci], ci)
		default:
			flip(flipped, W, ci, co)
			p.packed(rows, ci, 9*co, gPatches, flipped, ci, in.beta(), in.g[:rows*ci], ci)
		}
	}
	return step{forward, backward}
}

// norm sets out = swish(GroupNorm(in) scale + shift), keeping what its
// backward needs.
func (p *PassOf[T]) norm(name string, in, out *fmap[T]) []step {
	si, ti := p.net.param(name+".scale"), p.net.param(name+".shift")
	scale, shift := p.net.params[si], p.net.params[ti]
	G, hw, c, b := p.net.Groups, in.h*in.w, in.c, p.opt.Batch
	xhat, rstd := p.make(b*hw*c), p.make(b*G)
	var d1 []T
	if p.grad {
		d1 = p.make(b * hw * c)
	}
	act := p.net.Act
	// Each image is normalised, scaled and activated by one goroutine in
	// turn, while it is in cache, and its gradient before the activation
	// formed just before GroupNorm's backward reads it.
	size := hw * c
	activate := func(img int) {
		lo, hi := img*size, (img+1)*size
		if d1 == nil {
			act.Value(out.v[lo:hi], out.v[lo:hi])
		} else {
			act.Derivatives(out.v[lo:hi], out.v[lo:hi], d1[lo:hi], p.d2[lo:hi])
		}
	}
	forward := func() {
		groupStats(p.opt.Threads, xhat, out.v, rstd, in.v, scale, shift, p.acc, p.chans, p.n, hw, c, G, activate)
	}
	backward := func() {
		gy := p.s1[:p.n*size]
		beforeActivation := func(img int) {
			for k := img * size; k < (img+1)*size; k++ {
				gy[k] = out.g[k] * d1[k]
			}
		}
		groupNormBackward(p.opt.Threads, in.take(), in.g, gy, xhat, rstd, scale, p.grads[si], p.grads[ti], p.prt, p.acc, p.chans, p.n, hw, c, G, beforeActivation)
	}
	return []step{{forward, backward}}
}

// block is the residual block spec from in to out.
func (p *PassOf[T]) block(spec BlockSpec, in, out *fmap[T]) []step {
	mkMap := func(c int) *fmap[T] {
		m := &fmap[T]{v: p.make(p.opt.Batch * in.h * in.w * c), h: in.h, w: in.w, c: c}
		if p.grad {
			m.g = p.make(p.opt.Batch * in.h * in.w * c)
		}
		p.maps = append(p.maps, m)
		return m
	}
	a0, t, a1 := mkMap(spec.In), mkMap(spec.Out), mkMap(spec.Out)
	var steps []step
	steps = append(steps, p.norm(spec.Name+".norm0", in, a0)...)
	steps = append(steps, p.conv(spec.Name+".conv0", 3, a0, t, false), p.embedAdd(spec.Name+".embed", t))
	steps = append(steps, p.norm(spec.Name+".norm1", t, a1)...)
	steps = append(steps, p.conv(spec.Name+".conv1", 3, a1, out, false))
	if spec.In != spec.Out {
		return append(steps, p.conv(spec.Name+".skip", 1, in, out, true))
	}
	return append(steps, step{
		forward: func() { addTo(out.v[:p.n*out.size()], in.v[:p.n*in.size()]) },
		backward: func() {
			if in.take() {
				copy(in.g[:p.n*in.size()], out.g[:p.n*out.size()])
			} else {
				addTo(in.g[:p.n*in.size()], out.g[:p.n*out.size()])
			}
		},
	})
}

// embedAdd adds to every pixel of m its image's projection of the noise
// embedding, e P + q.
func (p *PassOf[T]) embedAdd(name string, m *fmap[T]) step {
	wi, bi := p.net.param(name+".weight"), p.net.param(name+".bias")
	P, q := p.net.params[wi], p.net.params[bi]
	E, c, hw := p.net.Embed, m.c, m.h*m.w
	proj := p.make(p.opt.Batch * c)
	var gproj []T
	if p.grad {
		gproj = p.make(p.opt.Batch * c)
	}
	forward := func() {
		pr := proj[:p.n*c]
		setRows(pr, q)
		p.gemm(false, false, p.n, c, E, p.e2, E, P, c, 1, pr, c)
		gemm.Parallel(p.opt.Threads, p.n, hw*c, func(lo, hi int) {
			for img := lo; img < hi; img++ {
				for px := range hw {
					addTo(m.v[(img*hw+px)*c:][:c], pr[img*c:][:c])
				}
			}
		})
	}
	backward := func() {
		g := gproj[:p.n*c]
		gemm.Parallel(p.opt.Threads, p.n, hw*c, func(lo, hi int) {
			for img := lo; img < hi; img++ {
				clear(g[img*c : (img+1)*c])
				for px := range hw {
					addTo(g[img*c:][:c], m.g[(img*hw+px)*c:][:c])
				}
			}
		})
		if !p.opt.Gradients {
			return // the embedding's gradient reaches only parameters
		}
		p.gemm(true, false, E, c, p.n, p.e2, E, g, c, 1, p.grads[wi], c)
		colSums(p.grads[bi], g, c)
		p.gemm(false, true, p.n, E, c, g, c, P, c, 1, p.ge2, E)
	}
	return step{forward, backward}
}

// pool averages in's 2x2 blocks into out.
func (p *PassOf[T]) pool(in, out *fmap[T]) step {
	return step{
		forward:  func() { pool(p.opt.Threads, out.v, in.v, p.n, in.h, in.w, in.c) },
		backward: func() { poolBackward(p.opt.Threads, in.take(), in.g, out.g, p.n, in.h, in.w, in.c) },
	}
}

// upsample repeats in's pixels 2x2 into out.
func (p *PassOf[T]) upsample(in, out *fmap[T]) step {
	return step{
		forward:  func() { upsample(p.opt.Threads, out.v, in.v, p.n, in.h, in.w, in.c) },
		backward: func() { upsampleBackward(p.opt.Threads, in.take(), in.g, out.g, p.n, in.h, in.w, in.c) },
	}
}

// concat puts a's channels then b's into out.
func (p *PassOf[T]) concat(a, b, out *fmap[T]) step {
	return step{
		forward: func() { concat(p.opt.Threads, out.v, a.v, b.v, p.n*a.h*a.w, a.c, b.c) },
		backward: func() {
			concatBackward(p.opt.Threads, a.take(), b.take(), a.g, b.g, out.g, p.n*a.h*a.w, a.c, b.c)
		},
	}
}

// embed computes the noise embedding e2 from phi.
func (p *PassOf[T]) embed() {
	n, E, F2 := p.n, p.net.Embed, p.net.EmbedIn()
	A1, b1 := p.net.params[p.net.param("embed0.weight")], p.net.params[p.net.param("embed0.bias")]
	A2, b2 := p.net.params[p.net.param("embed1.weight")], p.net.params[p.net.param("embed1.bias")]
	z1, z2 := p.z1[:n*E], p.z2[:n*E]
	setRows(z1, b1)
	p.gemm(false, false, n, E, F2, p.phi, F2, A1, E, 1, z1, E)
	p.net.Act.Derivatives(z1, p.e1[:n*E], p.d1a[:n*E], p.d2e[:n*E])
	setRows(z2, b2)
	p.gemm(false, false, n, E, E, p.e1, E, A2, E, 1, z2, E)
	p.net.Act.Derivatives(z2, p.e2[:n*E], p.d1b[:n*E], p.d2e[:n*E])
}

// embedBackward carries the blocks' gradient of e2 to the embedding's
// parameters.
func (p *PassOf[T]) embedBackward() {
	if !p.opt.Gradients {
		return
	}
	n, E, F2 := p.n, p.net.Embed, p.net.EmbedIn()
	i1, i2 := p.net.param("embed0.weight"), p.net.param("embed1.weight")
	A2 := p.net.params[i2]
	g2, g1 := p.ge2[:n*E], p.ge1[:n*E]
	for k := range g2 {
		g2[k] *= p.d1b[k]
	}
	p.gemm(true, false, E, E, n, p.e1, E, g2, E, 1, p.grads[i2], E)
	colSums(p.grads[i2+1], g2, E)
	p.gemm(false, true, n, E, E, g2, E, A2, E, 0, g1, E)
	for k := range g1 {
		g1[k] *= p.d1a[k]
	}
	p.gemm(true, false, F2, E, n, p.phi, F2, g1, E, 1, p.grads[i1], E)
	colSums(p.grads[i1+1], g1, E)
}
