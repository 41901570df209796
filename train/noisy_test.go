package train

import (
	"math"
	"testing"

	"scorenet/datasets"
	"scorenet/nn"
	"scorenet/rundir"

	"gorgonia.org/tensor"
)

// Trained by dsm at noise sigma, the gaussian model learns the data seen
// through the noise: the sample mean, and the variance plus sigma^2. Trained
// by sliced_vr it learns the sample mean and variance, like the exact loss.
func TestGaussianModelUnderNoisyLosses(t *testing.T) {
	const file = "testdata/gaussian_model_data.csv"
	pts, err := datasets.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	mean, cov := pts.Mean(), pts.Covariance()
	for _, c := range []struct {
		loss  string
		extra float64 // added variance
		tol   float64 // relative; the noise makes these estimates, not exact minima
	}{
		{"dsm", 0.25, 0.05},
		{"sliced_vr", 0, 0.05},
	} {
		t.Run(c.loss, func(t *testing.T) {
			cfg := parseConfig(t, `name: noisy
data: {dataset: file, path: `+file+`, holdout: 0}
model: {type: gaussian}
train: {loss: `+c.loss+`, sigma: 0.5, batch_size: 400, steps: 3000, log_every: 500, eval_every: 0, checkpoint_every: 0,
        optimizer: {lr: 0.02}}
`)
			sum := fit(t, cfg, false)
			run, err := rundir.Open(sum.Dir, "")
			if err != nil {
				t.Fatal(err)
			}
			g := run.Model.(*nn.Gaussian)
			mu, logvar := g.Mean().Value.Data().([]float64), g.LogVariance().Value.Data().([]float64)
			for j := range mu {
				wantVar := cov[j*pts.D+j] + c.extra
				t.Logf("dim %d: mean %.4f (sample %.4f), variance %.4f (want %.4f)", j, mu[j], mean[j], math.Exp(logvar[j]), wantVar)
				if math.Abs(mu[j]-mean[j]) > c.tol*math.Sqrt(wantVar) {
					t.Errorf("dim %d: mean %v, want %v", j, mu[j], mean[j])
				}
				if relErr(math.Exp(logvar[j]), wantVar, 1e-12) > c.tol {
					t.Errorf("dim %d: variance %v, want %v", j, math.Exp(logvar[j]), wantVar)
				}
			}
		})
	}
}

func TestGradNormDoesNotOverflow(t *testing.T) {
	big := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{3e200, -4e200}))
	if got := GradNorm([]tensor.Tensor{big}); relErr(got, 5e200, 1e-300) > 1e-15 {
		t.Errorf("norm of (3e200, -4e200) = %v, want 5e200", got)
	}
	nan := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, math.NaN()}))
	if got := GradNorm([]tensor.Tensor{big, nan}); !math.IsNaN(got) {
		t.Errorf("norm with a NaN entry = %v, want NaN", got)
	}
}
