package unet

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkStep times one Forward and Backward of a Fashion-MNIST-sized
// U-Net in float32, batch 64.
func BenchmarkStep(b *testing.B) {
	for _, channels := range [][]int{{32, 64}, {64, 128}, {32, 64, 128}} {
		l := Layout{H: 28, W: 28, C: 1, Channels: channels, Groups: 8, Frequencies: 16, Embed: 64, SigmaData: 0.5}
		if len(channels) == 3 {
			l.H, l.W = 28, 28
		}
		if l.Check() != nil {
			continue
		}
		b.Run(fmt.Sprint(channels), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var params [][]float32
			for _, s := range l.Params() {
				p := make([]float32, s.Rows*s.Cols)
				for k := range p {
					p[k] = float32(0.05 * rng.NormFloat64())
				}
				params = append(params, p)
			}
			net, err := NewNetOf(l, swish[float32](), params)
			if err != nil {
				b.Fatal(err)
			}
			n := 64
			pass, err := NewPassOf(net, Options{Batch: n, Gradients: true})
			if err != nil {
				b.Fatal(err)
			}
			x := make([]float32, n*l.Dim())
			for k := range x {
				x[k] = float32(rng.NormFloat64())
			}
			for b.Loop() {
				s, err := pass.Forward(x, []float64{0.5})
				if err != nil {
					b.Fatal(err)
				}
				if err := pass.Backward(s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(pass.MatmulFLOPs()/1e9, "GFLOP/step")
		})
	}
}

// BenchmarkPackPatches times the packing of a batch's 3x3 patches (64
// images of 28x28x32) into the products' blocks, both ways round.
func BenchmarkPackPatches(b *testing.B) {
	const n, h, w, c = 64, 28, 28, 32
	x := make([]float32, n*h*w*c)
	for k := range x {
		x[k] = float32(k % 7)
	}
	rows, depth := n*h*w, 9*c
	dst := make([]float32, 128*128)
	b.Run("patches", func(b *testing.B) {
		for b.Loop() {
			for p0 := 0; p0 < depth; p0 += 128 {
				d := min(128, depth-p0)
				for i0 := 0; i0 < rows; i0 += 128 {
					packPatches(dst, x, h, w, c, i0, min(128, rows-i0), p0, d)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*depth), "ns/value")
	})
	b.Run("transposed", func(b *testing.B) {
		for b.Loop() {
			for p0 := 0; p0 < rows; p0 += 128 {
				d := min(128, rows-p0)
				for i0 := 0; i0 < depth; i0 += 128 {
					packPatchesT(dst, x, h, w, c, i0, min(128, depth-i0), p0, d)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*depth), "ns/value")
	})
}
