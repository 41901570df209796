package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkDgemm reports GFLOP/s for the shapes scorenet's MLP steps use, for
// each kernel this CPU runs and for gonum's Dgemm.
func BenchmarkDgemm(b *testing.B) {
	shapes := []struct {
		tA      bool
		m, n, k int
	}{
		{false, 128, 128, 128},
		{false, 1280, 128, 128},
		{true, 128, 128, 1280},
		{false, 1280, 2, 128},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range shapes {
		p := newProduct(rng, s.tA, false, s.m, s.n, s.k, 1, 0, 0)
		c := make([]float64, len(p.c))
		flops := 2 * float64(s.m*s.n*s.k)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		name := fmt.Sprintf("tA=%v/%dx%dx%d", s.tA, s.m, s.n, s.k)
		for set, ks := range kernelSets {
			b.Run(name+"/"+ks.name, func(b *testing.B) {
				if !using(set, func() {
					for b.Loop() {
						Dgemm(p.tA, false, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, c, p.ldc)
					}
				}) {
					b.Skip("not on this CPU")
				}
				report(b)
			})
		}
		b.Run(name+"/gonum", func(b *testing.B) {
			tA := blas.NoTrans
			if s.tA {
				tA = blas.Trans
			}
			for b.Loop() {
				gonum.Implementation{}.Dgemm(tA, blas.NoTrans, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, c, p.ldc)
			}
			report(b)
		})
	}
}

// BenchmarkSgemm reports GFLOP/s of the float32 product on the shapes of a
// D = 784 step (batch 128, width 1024), for each kernel this CPU runs.
func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		tA, tB  bool
		m, n, k int
	}{
		{false, true, 128, 1024, 785},  // forward: X W'
		{false, false, 128, 784, 1024}, // backward to the input
		{true, false, 1024, 1024, 128}, // a weight gradient: G' H
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range shapes {
		p := newProduct32(rng, s.tA, s.tB, s.m, s.n, s.k, 1, 0, 0)
		c := make([]float32, len(p.c))
		flops := 2 * float64(s.m*s.n*s.k)
		name := fmt.Sprintf("tA=%v,tB=%v/%dx%dx%d", s.tA, s.tB, s.m, s.n, s.k)
		for set, ks := range kernelSets {
			b.Run(name+"/"+ks.name, func(b *testing.B) {
				if !using(set, func() {
					for b.Loop() {
						Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, c, p.ldc)
					}
				}) {
					b.Skip("not on this CPU")
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		b.Run(name+"/float64", func(b *testing.B) {
			c64 := make([]float64, len(p.c))
			for b.Loop() {
				Dgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.product.a, p.lda, p.product.b, p.ldb, 0, c64, p.ldc)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
