package workflow

import (
	"math"
	"testing"
)

// The likelihood summary's mean, standard error and median of -log p, on
// numbers worked by hand; one far point moves the mean, not the median.
func TestNLLSummary(t *testing.T) {
	const tol = 1e-12
	for _, c := range []struct {
		name                 string
		logp                 []float64
		mean, stdErr, median float64
	}{
		{"one point", []float64{-2}, 2, 0, 2},
		// -log p 1, 2, 3: mean 2, sample variance 1, standard error 1/sqrt 3.
		{"odd", []float64{-3, -1, -2}, 2, 1 / math.Sqrt(3), 2},
		{"even", []float64{-4, -1, -2, -3}, 2.5, math.Sqrt(5.0 / 3 / 4), 2.5},
		// -log p 1, 2, 3, 1000: the mean follows the far point, the median not.
		{"a far point", []float64{-1, -2, -3, -1000}, 251.5, math.Sqrt((250.5*250.5 + 249.5*249.5 + 248.5*248.5 + 748.5*748.5) / 3 / 4), 2.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			mean, se, median := nllSummary(c.logp)
			if math.Abs(mean-c.mean) > tol*math.Abs(c.mean) || math.Abs(se-c.stdErr) > tol*max(1, c.stdErr) || math.Abs(median-c.median) > tol {
				t.Errorf("mean %v, standard error %v, median %v; want %v, %v, %v", mean, se, median, c.mean, c.stdErr, c.median)
			}
		})
	}
}
