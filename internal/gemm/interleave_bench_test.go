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
