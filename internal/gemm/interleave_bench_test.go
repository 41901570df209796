package gemm

import "testing"

func BenchmarkInterleave(b *testing.B) {
	const depth = 128
	x := make([]float32, 8*64)
	dst := make([]float32, 8*depth)
	var rows [mr][]float32
	for b.Loop() {
		for t := 0; t < depth; t += 32 {
			for r := range rows {
				rows[r] = x[r*64 : r*64+32]
			}
			Interleave(dst[t*mr:], &rows, 32)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*8*depth), "ns/value")
}

// BenchmarkPackB packs a 1024 x 1024 float32 weight matrix, block by
// block, as a forward product's B (plain) and as a backward product's
// B = W' read from W's rows (transposed), as a training step does for
// each layer.
func BenchmarkPackB(b *testing.B) {
	const k, n = 1024, 1024
	w := nr[float32]()
	src := make([]float32, k*n)
	for i := range src {
		src[i] = float32(i)
	}
	dst := make([]float32, n*kc)
	for _, transposed := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "transposed"}[transposed], func(b *testing.B) {
			for b.Loop() {
				for p0 := 0; p0 < k; p0 += kc {
					packB(dst, w, transposed, src, n, p0, kc, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k*n), "ns/value")
		})
	}
}
