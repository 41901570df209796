package nn

import "fmt"

// ScoreAt writes s(x_r, sigma_r) into dst for every point x_r of x
// (row-major, D per point), each at its own noise level sigmas[r] (> 0):
// what solvers that move each point on its own clock need. The model must
// be noise-conditional.
func (sc *Scorer) ScoreAt(dst, x, sigmas []float64) error {
	d := sc.model.Dim()
	if !sc.model.NoiseConditional() {
		return fmt.Errorf("nn: scores at per-point noise levels need a noise-conditional model")
	}
	if len(x)%d != 0 || len(dst) != len(x) || len(sigmas) != len(x)/d {
		return fmt.Errorf("nn: score of %d values at %d levels into %d for dimension %d", len(x), len(sigmas), len(dst), d)
	}
	for r, s := range sigmas {
		if !(s > 0) {
			return fmt.Errorf("nn: noise level of point %d must be > 0, got %v", r, s)
		}
	}
	for lo := 0; lo < len(sigmas); lo += sc.batch {
		hi := min(lo+sc.batch, len(sigmas))
		xs, out := x[lo*d:hi*d], dst[lo*d:hi*d]
		if sc.pass != nil {
			s, err := sc.pass.Forward(xs, sigmas[lo:hi], false)
			if err != nil {
				return fmt.Errorf("nn: forward pass: %w", err)
			}
			copy(out, s)
			continue
		}
		col := make([]float64, sc.batch)
		for i := range col {
			col[i] = 1 // padding rows: any valid level
		}
		copy(col, sigmas[lo:hi])
		SetData(sc.sigma, col)
		sc.lastSigma = 0 // the column no longer holds one level
		SetData(sc.x, xs)
		sc.vm.Reset()
		if err := sc.vm.RunAll(); err != nil {
			return fmt.Errorf("nn: forward pass: %w", err)
		}
		GetData(out, sc.out)
	}
	return nil
}
