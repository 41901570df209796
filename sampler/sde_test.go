package sampler

import (
	"math"
	"math/rand/v2"
	"scorenet/density"
	"testing"
)

// priorChains are n chains started from the VE prior N(0, sigmaMax^2 I),
// moved by workers workers on the analytic score of dens.
func priorChains(seed uint64, n int, dens density.Density, sigmaMax float64, workers int) Chains {
	streams := Streams(seed, 0, n)
	c := Chains{X: Gaussian(dens.Dim(), sigmaMax, streams), Streams: streams}
	for range workers {
		c.Scores = append(c.Scores, density.ScoreOf(dens))
		c.Levels = append(c.Levels, density.LevelScoreOf(dens))
	}
	return c
}

// The probability-flow ODE is a deterministic map from the prior to the
// data: from exactly the prior of a Gaussian perturbed to sigma_max it
// must give the Gaussian perturbed to sigma_min, mean and covariance.
func TestODEMapsPriorToGaussian(t *testing.T) {
	mean := []float64{1, -2}
	cov := [][]float64{{1.5, 0.6}, {0.6, 0.8}}
	g, err := density.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	const n, smin, smax = 4000, 0.01, 30
	c := priorChains(3, n, g, smax, 2)
	// The true prior is N(mean, cov + smax^2 I): start there exactly.
	prior := g.Perturbed(smax)
	prior.Sample(c.X, rand.New(rand.NewPCG(3, 3)))
	nfe, err := ODE(c, Settings{Sigmas: []float64{smax, smin}, Rtol: 1e-5, Atol: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	m, got := c.X.Mean(), c.X.Covariance()
	for j := range mean {
		se := math.Sqrt(cov[j][j] / n)
		if math.Abs(m[j]-mean[j]) > 4*se {
			t.Errorf("mean[%d] = %.4f, want %v +- %.4f", j, m[j], mean[j], 4*se)
		}
	}
	for i := range 2 {
		for j := range 2 {
			want := cov[i][j]
			if i == j {
				want += smin * smin
			}
			se := math.Sqrt((cov[i][j]*cov[i][j] + cov[i][i]*cov[j][j]) / n)
			if v := got[i*2+j]; math.Abs(v-want) > 4*se {
				t.Errorf("cov[%d][%d] = %.4f, want %.4f +- %.4f", i, j, v, want, 4*se)
			}
		}
	}
	total := 0
	for _, e := range nfe {
		total += e
	}
	t.Logf("mean %.4f, covariance %.4f; %.1f score evaluations per chain", m, got, float64(total)/n)
	if total == 0 {
		t.Error("no score evaluations counted")
	}
}

// The ode sampler's chains do not depend on how they are split.
func TestODESameBitsAnyWorkers(t *testing.T) {
	m, err := density.NewMixture([][]float64{{2, 0}, {-2, 1}}, []float64{0.5, 0.5}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	var first []float64
	for _, workers := range []int{1, 3} {
		c := priorChains(5, 30, m, 10, workers)
		if _, err := ODE(c, Settings{Sigmas: []float64{10, 0.05}, Rtol: 1e-4, Atol: 1e-4, Denoise: true}); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = c.X.X
			continue
		}
		for i, v := range c.X.X {
			if v != first[i] {
				t.Fatalf("%d workers: value %d is %v, one worker gave %v", workers, i, v, first[i])
			}
		}
	}
}

// The ode sampler's progress counts thousandths of its span that every
// chain has covered, over all workers: rising, ending at the total that
// TotalSteps gives, and with the same chains as without it.
func TestODEProgress(t *testing.T) {
	m, err := density.NewMixture([][]float64{{2, 0}, {-2, 1}}, []float64{0.5, 0.5}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	plain := priorChains(5, 30, m, 10, 3)
	set := Settings{Sigmas: []float64{10, 0.05}, Rtol: 1e-4, Atol: 1e-4}
	if _, err := ODE(plain, set); err != nil {
		t.Fatal(err)
	}
	var done []int
	total := 0
	set.Progress = func(d, tot int) { done, total = append(done, d), tot }
	watched := priorChains(5, 30, m, 10, 3)
	if _, err := ODE(watched, set); err != nil {
		t.Fatal(err)
	}
	want := Settings{Kind: KindODE}.TotalSteps()
	if len(done) < 3 || done[len(done)-1] != want || total != want {
		t.Fatalf("progress %v of %d, want several reports ending at %d", done, total, want)
	}
	for i := 1; i < len(done); i++ {
		if done[i] < done[i-1] {
			t.Errorf("progress fell from %d to %d", done[i-1], done[i])
		}
	}
	for i, v := range watched.X.X {
		if v != plain.X.X[i] {
			t.Fatalf("watching changed value %d: %v, want %v", i, v, plain.X.X[i])
		}
	}
}

// Predictor-corrector sampling recovers the 0.8/0.2 weights of the mixture
// that plain Langevin cannot (see TestMixtureWeightsAnalyticScore).
func TestPCMixtureWeights(t *testing.T) {
	m, err := density.NewMixture([][]float64{{5, 5}, {-5, -5}}, []float64{0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	levels := make([]float64, 100) // geometric from 20 to 0.01
	for i := range levels {
		levels[i] = 20 * math.Pow(0.01/20, float64(i)/99)
	}
	sum := 0.0
	for seed := uint64(1); seed <= 3; seed++ {
		c := priorChains(seed, 1280, m, 20, 2)
		if _, err := PC(c, Settings{Sigmas: levels, CorrectorSteps: 1, SNR: 0.16, Denoise: true}); err != nil {
			t.Fatal(err)
		}
		f := FractionNearest(c.X, m.Means)[0]
		t.Logf("seed %d: %.3f nearer (5,5)", seed, f)
		sum += f
		// The samples are the mixture's: unit spread about each mean.
		near := 0
		for i := range c.X.N {
			r := c.X.Row(i)
			if math.Hypot(math.Abs(r[0])-5, math.Abs(r[1])-5) < 3 {
				near++
			}
		}
		if frac := float64(near) / float64(c.X.N); frac < 0.97 {
			t.Errorf("seed %d: only %.3f of the samples within 3 of a mean", seed, frac)
		}
	}
	if mean := sum / 3; math.Abs(mean-0.8) > 0.03 {
		t.Errorf("pc puts %.3f of the samples at (5,5), want 0.80 +/- 0.03", mean)
	}
}

func TestPCAndODERefuse(t *testing.T) {
	g, _ := density.NewGaussian([]float64{0}, [][]float64{{1}})
	c := priorChains(1, 4, g, 5, 1)
	for name, err := range map[string]error{
		"pc one level":     func() error { _, err := PC(c, Settings{Sigmas: []float64{1}, SNR: 0.16}); return err }(),
		"pc increasing":    func() error { _, err := PC(c, Settings{Sigmas: []float64{1, 2}, SNR: 0.16}); return err }(),
		"pc no snr":        func() error { _, err := PC(c, Settings{Sigmas: []float64{2, 1}, CorrectorSteps: 1}); return err }(),
		"ode equal levels": func() error { _, err := ODE(c, Settings{Sigmas: []float64{1, 1}, Rtol: 1e-5, Atol: 1e-5}); return err }(),
		"ode no levels score": func() error {
			_, err := ODE(Chains{X: c.X, Streams: c.Streams, Scores: c.Scores}, Settings{Sigmas: []float64{2, 1}, Rtol: 1e-5, Atol: 1e-5})
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
