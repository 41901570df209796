package vmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// normCase is one set of GroupNorm inputs: rows of c channels and each
// channel's terms, drawn at spreads a training step meets.
type normCase struct {
	rows, c                         int
	x, g, xhat                      []float32
	scale, shift, mean, rs, a, b, r []float32
	sum, sq, m1, m2                 []float64 // running sums to add to
	ps, pb                          []float32
	out                             []float32 // what NormGradient adds to
}

func newNormCase(rng *rand.Rand, rows, c int) normCase {
	draw := func(n int, mean, spread float64) []float32 {
		v := make([]float32, n)
		for k := range v {
			v[k] = float32(mean + spread*rng.NormFloat64())
		}
		return v
	}
	draw64 := func(n int) []float64 {
		v := make([]float64, n)
		for k := range v {
			v[k] = rng.NormFloat64()
		}
		return v
	}
	return normCase{rows: rows, c: c,
		x: draw(rows*c, 0.3, 2), g: draw(rows*c, 0, 0.01), xhat: draw(rows*c, 0, 1),
		scale: draw(c, 1, 0.2), shift: draw(c, 0, 0.2), mean: draw(c, 0.3, 0.1), rs: draw(c, 0.5, 0.1),
		a: draw(c, 0, 0.001), b: draw(c, 0, 0.001), r: draw(c, 0.5, 0.1),
		sum: draw64(c), sq: draw64(c), m1: draw64(c), m2: draw64(c),
		ps: draw(c, 0, 1), pb: draw(c, 0, 1), out: draw(rows*c, 0, 0.01)}
}

// run applies every GroupNorm function to fresh copies of the case's
// outputs and returns them all, as float64 bits to compare.
func (n normCase) run() map[string][]float64 {
	out := map[string][]float64{}
	sum, sq := append([]float64(nil), n.sum...), append([]float64(nil), n.sq...)
	ChannelSums(n.x, n.c, sum, sq)
	out["ChannelSums sum"], out["ChannelSums sq"] = sum, sq
	ps, pb := append([]float32(nil), n.ps...), append([]float32(nil), n.pb...)
	m1, m2 := append([]float64(nil), n.m1...), append([]float64(nil), n.m2...)
	NormSums(n.g, n.xhat, n.scale, n.c, ps, pb, m1, m2)
	out["NormSums ps"], out["NormSums pb"], out["NormSums m1"], out["NormSums m2"] = wide(ps), wide(pb), m1, m2
	for _, add := range []bool{false, true} {
		dst := append([]float32(nil), n.out...)
		NormGradient(dst, n.g, n.xhat, n.scale, n.a, n.b, n.r, n.c, add)
		out[fmt.Sprintf("NormGradient add %v", add)] = wide(dst)
	}
	xhat, y := make([]float32, len(n.x)), make([]float32, len(n.x))
	NormalizeAffine(xhat, y, n.x, n.mean, n.rs, n.scale, n.shift, n.c)
	out["NormalizeAffine xhat"], out["NormalizeAffine y"] = wide(xhat), wide(y)
	return out
}

func wide(v []float32) []float64 {
	w := make([]float64, len(v))
	for k, x := range v {
		w[k] = float64(x)
	}
	return w
}

// The GroupNorm kernels give the bits of their Go loops, on rows of 16 to
// 128 channels (the kernels' blocks) and of 8 and 24 (the Go's alone).
func TestNormKernelsMatchTheirLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	compared := 0
	for _, size := range []struct{ rows, c int }{{1, 16}, {49, 128}, {196, 64}, {100, 48}, {7, 32}, {5, 8}, {9, 24}} {
		n := newNormCase(rng, size.rows, size.c)
		var want map[string][]float64
		using(t, 2, func() { want = n.run() })
		for set := range kernelSets[:2] {
			var got map[string][]float64
			if !using(t, set, func() { got = n.run() }) {
				continue
			}
			if set == 0 {
				compared++
			}
			for name, w := range want {
				for k := range w {
					if !sameFloat(got[name][k], w[k]) {
						t.Fatalf("%s, %d rows of %d: %s[%d] = %v, the Go gives %v", kernelSets[set].name, size.rows, size.c, name, k, got[name][k], w[k])
					}
				}
			}
		}
	}
	if compared == 0 {
		t.Skipf("no AVX-512 here (%s), the only kernels of these passes; nothing to compare", Kernel())
	}
}

// The Go loops compute what their comments say, against the sums written
// out in float64, within float32's rounding.
func TestNormLoopsComputeTheirDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n := newNormCase(rng, 30, 16)
	var got map[string][]float64
	using(t, 2, func() { got = n.run() })
	const tol = 1e-5 // relative, a few float32 roundings of sums of 30 terms
	close := func(name string, k int, want float64) {
		t.Helper()
		if g := got[name][k]; math.Abs(g-want) > tol*(1+math.Abs(want)) {
			t.Errorf("%s[%d] = %v, want %v", name, k, g, want)
		}
	}
	for k := range n.c {
		sum, sq, ps, pb, m1, m2 := n.sum[k], n.sq[k], float64(n.ps[k]), float64(n.pb[k]), n.m1[k], n.m2[k]
		for p := range n.rows {
			x, g, xh := float64(n.x[p*n.c+k]), float64(n.g[p*n.c+k]), float64(n.xhat[p*n.c+k])
			sum, sq = sum+x, sq+x*x
			ps, pb = ps+g*xh, pb+g
			d := g * float64(n.scale[k])
			m1, m2 = m1+d, m2+d*xh
			i := p*n.c + k
			grad := float64(n.r[k]) * (d - float64(n.a[k]) - xh*float64(n.b[k]))
			close("NormGradient add false", i, grad)
			close("NormGradient add true", i, grad+float64(n.out[i]))
			z := (x - float64(n.mean[k])) * float64(n.rs[k])
			close("NormalizeAffine xhat", i, z)
			close("NormalizeAffine y", i, z*float64(n.scale[k])+float64(n.shift[k]))
		}
		close("ChannelSums sum", k, sum)
		close("ChannelSums sq", k, sq)
		close("NormSums ps", k, ps)
		close("NormSums pb", k, pb)
		close("NormSums m1", k, m1)
		close("NormSums m2", k, m2)
	}
}
