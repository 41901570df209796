package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/datasets"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// Every first-order loss gets the finite-difference check of the exact one.
// The noise it draws is held fixed by a fresh source with the same seed at
// every evaluation.
func TestNoisyLossGradientsMatchFiniteDifferences(t *testing.T) {
	cases := []struct {
		loss        string
		conditional bool
		sigmas      []float64
		d           int
	}{
		{"sliced", false, nil, 3},
		{"sliced_vr", false, nil, 3},
		{"sliced", false, nil, 10},
		{"dsm", false, []float64{0.3}, 2},
		{"dsm", true, []float64{0.3}, 2},
		{"anneal_dsm", true, GeometricSigmas(5, 0.1, 4), 2},
		{"anneal_dsm", true, GeometricSigmas(5, 0.1, 4), 10},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/conditional=%v/D=%d", c.loss, c.conditional, c.d), func(t *testing.T) {
			m, err := nn.New(nn.Spec{Kind: "mlp", Dim: c.d, Hidden: []int{6, 5}, Activation: "softplus", NoiseConditional: c.conditional},
				rand.New(rand.NewPCG(uint64(c.d), 3)))
			if err != nil {
				t.Fatal(err)
			}
			const batch = 5
			l, err := NewLoss(c.loss, m, batch, true, c.sigmas)
			if err != nil {
				t.Fatal(err)
			}
			x := randomPoints(rand.New(rand.NewPCG(9, 9)), batch, c.d)
			eval := func() float64 {
				terms, err := l.Evaluate(x, 1.0/batch, rand.New(rand.NewPCG(4, 4)))
				if err != nil {
					t.Fatal(err)
				}
				return terms.Loss
			}
			eval()
			var grads [][]float64
			for _, g := range l.Grads() {
				v := make([]float64, g.Shape().TotalSize())
				nn.GetData(v, g)
				grads = append(grads, v)
			}
			worst := 0.0
			for pi, p := range m.Params() {
				vals := p.Value.Data().([]float64)
				for k := range vals {
					old := vals[k]
					h := 1e-5 * math.Max(1, math.Abs(old))
					vals[k] = old + h
					up := eval()
					vals[k] = old - h
					down := eval()
					vals[k] = old
					worst = math.Max(worst, relErr(grads[pi][k], (up-down)/(2*h), 1e-4))
				}
			}
			t.Logf("max relative gradient error %.2g", worst)
			if worst > 1e-6 {
				t.Errorf("max relative gradient error %.3g > 1e-6", worst)
			}
		})
	}
}

// Averaged over directions, both sliced losses equal the exact loss.
func TestSlicedLossesAreUnbiased(t *testing.T) {
	const d, batch, draws = 4, 16, 4000
	m := newTestMLP(t, d, []int{12}, "tanh", 5)
	x := randomPoints(rand.New(rand.NewPCG(1, 2)), batch, d)
	exact, err := NewExact(m, batch, false)
	if err != nil {
		t.Fatal(err)
	}
	want, err := exact.Evaluate(x, 1.0/batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sliced", "sliced_vr"} {
		l, err := NewLoss(name, m, batch, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		noise := rand.New(rand.NewPCG(7, 7))
		var sum, sumSq float64
		for i := 0; i < draws; i++ {
			terms, err := l.Evaluate(x, 1.0/batch, noise)
			if err != nil {
				t.Fatal(err)
			}
			sum += terms.Loss
			sumSq += terms.Loss * terms.Loss
		}
		mean := sum / draws
		se := math.Sqrt((sumSq/draws - mean*mean) / draws)
		t.Logf("%s: mean %.5f +/- %.5f over %d draws, exact %.5f", name, mean, se, draws, want.Loss)
		if math.Abs(mean-want.Loss) > 4*se {
			t.Errorf("%s: mean %v is %.1f standard errors from the exact loss %v", name, mean, math.Abs(mean-want.Loss)/se, want.Loss)
		}
	}
}

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
			run, err := OpenRun(sum.Dir, "")
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

func TestGeometricSigmas(t *testing.T) {
	s := GeometricSigmas(20, 1, 10)
	if len(s) != 10 || s[0] != 20 || s[9] != 1 {
		t.Fatalf("ladder %v", s)
	}
	ratio := s[1] / s[0]
	for i := 1; i < len(s); i++ {
		if relErr(s[i]/s[i-1], ratio, 1e-12) > 1e-12 {
			t.Errorf("ratio %v at %d, want a constant %v", s[i]/s[i-1], i, ratio)
		}
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
