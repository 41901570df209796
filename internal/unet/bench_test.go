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
