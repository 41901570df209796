package evaluate

import (
	"scorenet/density"
	"scorenet/points"
	"scorenet/score"
)

// ScoreError compares a score function with the true score of a density at
// the points pts (data units), at noise level sigma for a noise-conditional
// score: it returns the mean squared error
// E||s(x) - s_true(x)||^2 and the mean squared true score E||s_true(x)||^2.
// Their ratio is the relative Fisher divergence; half the first is the
// Fisher divergence itself.
func ScoreError(score score.Func, sigma float64, truth density.Density, pts points.Points) (sqErr, sqTrue float64, err error) {
	got := make([]float64, len(pts.X))
	if err := score(got, pts.X, sigma); err != nil {
		return 0, 0, err
	}
	want := make([]float64, pts.D)
	for i := 0; i < pts.N; i++ {
		truth.Score(want, pts.Row(i))
		for j, w := range want {
			diff := got[i*pts.D+j] - w
			sqErr += diff * diff
			sqTrue += w * w
		}
	}
	n := float64(pts.N)
	return sqErr / n, sqTrue / n, nil
}
