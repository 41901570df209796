package sampler

import (
	"math"
	"testing"

	"scorenet/density"
)

// imputed runs annealed Langevin on the analytic score of dens for n chains
// that are all given the coordinates where given is not NaN, and returns
// the chains.
func imputed(t *testing.T, dens density.Density, given []float64, n int, sigmas []float64, eps float64) [][]float64 {
	t.Helper()
	d := len(given)
	c := chainsFrom(7, 0, n, d, -8, 8, 2, analytic(dens))
	mask := make([]bool, n*d)
	for i := range mask {
		if v := given[i%d]; !math.IsNaN(v) {
			mask[i], c.X.X[i] = true, v
		}
	}
	c.Known = NewKnown(mask, c.X.X)
	if _, err := Annealed(c, Settings{StepsPerLevel: 100, Eps: eps, Sigmas: sigmas}); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, n)
	for r := range out {
		out[r] = c.X.Row(r)
		for j, v := range given {
			if !math.IsNaN(v) && out[r][j] != v {
				t.Fatalf("chain %d: given coordinate %d came back as %v, want %v exactly", r, j, out[r][j], v)
			}
		}
	}
	return out
}

func geometric(from, to float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = from * math.Pow(to/from, float64(i)/float64(n-1))
	}
	return out
}

// Given one coordinate of a correlated Gaussian, the completions follow the
// closed-form conditional N(mu_a + S_ab S_bb^-1 (x_b - mu_b), S_aa - S_ab
// S_bb^-1 S_ba): means within 4 standard errors, covariances within 8% of
// the largest conditional variance (the noise the given coordinate carries
// at the low levels, which the free ones forget slowly, adds about 1-3%;
// 4000 chains estimate a variance to 2.2%).
func TestKnownCoordinatesGiveTheGaussianConditional(t *testing.T) {
	mu := []float64{1, -2, 0.5}
	S := [][]float64{{2, 1.2, 0.5}, {1.2, 1.5, -0.3}, {0.5, -0.3, 1}}
	g, err := density.NewGaussian(mu, S)
	if err != nil {
		t.Fatal(err)
	}
	xb := 2.0 // coordinate 2 given
	wantMean := []float64{mu[0] + S[0][2]/S[2][2]*(xb-mu[2]), mu[1] + S[1][2]/S[2][2]*(xb-mu[2])}
	wantCov := [2][2]float64{}
	for i := range 2 {
		for j := range 2 {
			wantCov[i][j] = S[i][j] - S[i][2]*S[j][2]/S[2][2]
		}
	}
	const n = 4000
	chains := imputed(t, g, []float64{math.NaN(), math.NaN(), xb}, n, geometric(10, 0.01, 12), 2e-4)
	var mean [2]float64
	for _, x := range chains {
		mean[0] += x[0] / n
		mean[1] += x[1] / n
	}
	var cov [2][2]float64
	for _, x := range chains {
		for i := range 2 {
			for j := range 2 {
				cov[i][j] += (x[i] - mean[i]) * (x[j] - mean[j]) / (n - 1)
			}
		}
	}
	for i := range 2 {
		if se := math.Sqrt(wantCov[i][i] / n); math.Abs(mean[i]-wantMean[i]) > 4*se {
			t.Errorf("conditional mean of coordinate %d: %.4f, want %.4f +/- %.4f (4 standard errors)", i, mean[i], wantMean[i], 4*se)
		}
		for j := range 2 {
			if math.Abs(cov[i][j]-wantCov[i][j]) > 0.08*wantCov[0][0] {
				t.Errorf("conditional covariance [%d][%d]: %.4f, want %.4f +/- %.4f", i, j, cov[i][j], wantCov[i][j], 0.08*wantCov[0][0])
			}
		}
	}
}

// Given the first coordinate of the mixture 0.8 N((3,3), I) + 0.2
// N((-3,-3), I) near the heavy mode, the completions come from that mode's
// conditional N(3, 1) with its posterior weight (1 - 1e-4; 0.998 was
// measured); given it half way between the modes, where the posterior
// weights are the prior's 0.8 and 0.2, each mode gets its share within 0.04
// (0.777 was measured: annealed Langevin's own error on mode weights, as
// unconditioned in TestMixtureWeightsAnalyticScore) and each completion is
// that mode's N(+-3, 1).
func TestKnownCoordinatesGiveTheMixtureConditional(t *testing.T) {
	m, err := density.NewMixture([][]float64{{3, 3}, {-3, -3}}, []float64{0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	sigmas := geometric(20, 0.05, 12)
	cases := []struct {
		name   string
		given  float64
		weight float64 // of the mode at (3, 3)
		tol    float64
	}{
		{name: "near the heavy mode", given: 1.5, weight: 1 / (1 + 0.25*math.Exp(-9)), tol: 0.005},
		{name: "between the modes", given: 0, weight: 0.8, tol: 0.04},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chains := imputed(t, m, []float64{c.given, math.NaN()}, n, sigmas, 0.05*0.05)
			var heavy, sum, sq float64
			for _, x := range chains {
				if x[1] > 0 {
					heavy++
					sum += x[1]
					sq += x[1] * x[1]
				}
			}
			share := heavy / n
			mean := sum / heavy
			variance := sq/heavy - mean*mean
			t.Logf("share at the heavy mode %.4f (want %.4f); its completions' mean %.3f and variance %.3f", share, c.weight, mean, variance)
			if math.Abs(share-c.weight) > c.tol {
				t.Errorf("share of completions at the heavy mode: %.4f, want %.4f +/- %.3f", share, c.weight, c.tol)
			}
			if se := math.Sqrt(1 / heavy); math.Abs(mean-3) > 4*se {
				t.Errorf("the heavy mode's completions have mean %.4f, want 3 +/- %.4f", mean, 4*se)
			}
			if math.Abs(variance-1) > 0.1 {
				t.Errorf("the heavy mode's completions have variance %.4f, want 1 +/- 0.1", variance)
			}
		})
	}
}

// Samplers that do not take given coordinates say so, and a mask of the
// wrong size is refused.
func TestKnownCoordinatesRefused(t *testing.T) {
	g, err := density.NewGaussian([]float64{0, 0}, [][]float64{{1, 0}, {0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	c := chainsFrom(1, 0, 10, 2, -1, 1, 1, analytic(g))
	c.Known = NewKnown(make([]bool, 20), c.X.X)
	if _, err := PC(c, Settings{Sigmas: geometric(10, 0.1, 5), CorrectorSteps: 1, SNR: 0.16}); err == nil {
		t.Error("pc took given coordinates")
	}
	c.Known = NewKnown(make([]bool, 19), c.X.X)
	if _, err := Annealed(c, Settings{StepsPerLevel: 1, Eps: 0.1, Sigmas: geometric(10, 0.1, 5)}); err == nil {
		t.Error("annealed took a mask of 19 marks for 20 coordinates")
	}
}
