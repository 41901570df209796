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
