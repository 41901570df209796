package sampler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"scorenet/density"
)

// diagonalGaussian is N(mean, diag(vars)), whose probability-flow ODE has
// a closed-form solution coordinate by coordinate.
func diagonalGaussian(t *testing.T, mean, vars []float64) *density.Gaussian {
	cov := make([][]float64, len(vars))
	for j, v := range vars {
		cov[j] = make([]float64, len(vars))
		cov[j][j] = v
	}
	g, err := density.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// exactSolverEnd is where the exact probability-flow ODE takes x0 at level
// smax to level smin, followed by the exact denoiser at smin: along the
// flow, (x_j - mean_j) / sqrt(var_j + sigma^2) is constant, and
// D(x, sigma) = mean + var / (var + sigma^2) (x - mean).
func exactSolverEnd(x0, mean, vars []float64, smax, smin float64) []float64 {
	out := make([]float64, len(x0))
	d := len(mean)
	for i, v := range x0 {
		m, s2 := mean[i%d], vars[i%d]
		atMin := m + (v-m)*math.Sqrt((s2+smin*smin)/(s2+smax*smax))
		out[i] = m + s2/(s2+smin*smin)*(atMin-m)
	}
	return out
}

func maxError(got, want []float64) float64 {
	worst := 0.0
	for i := range got {
		worst = math.Max(worst, math.Abs(got[i]-want[i]))
	}
	return worst
}

// Both solvers are second order: on a Gaussian's analytic score, doubling
// the levels (halving every step of the schedule) divides the error
// against the exact flow by about 4; a first-order solver would give 2.
func TestEDMSolversAreSecondOrder(t *testing.T) {
	mean, vars := []float64{1, -2, 0.5}, []float64{0.5, 2, 0.05}
	g := diagonalGaussian(t, mean, vars)
	const smax, smin = 20, 0.02
	for _, kind := range []string{KindHeun, KindDPMPP2M} {
		t.Run(kind, func(t *testing.T) {
			var errs []float64
			for _, levels := range []int{16, 32, 64} {
				c := priorChains(7, 50, g, smax, 1)
				x0 := append([]float64(nil), c.X.X...)
				if _, err := Draw(Settings{Kind: kind, Steps: levels, Sigmas: []float64{smax, smin}}, c); err != nil {
					t.Fatal(err)
				}
				errs = append(errs, maxError(c.X.X, exactSolverEnd(x0, mean, vars, smax, smin)))
			}
			t.Logf("largest error at 16, 32, 64 levels: %.3g", errs)
			for i := 1; i < len(errs); i++ {
				if ratio := errs[i-1] / errs[i]; ratio < 3.2 || ratio > 5 {
					t.Errorf("doubling the levels divided the error by %.3g (%.3g to %.3g), want about 4", ratio, errs[i-1], errs[i])
				}
			}
			if errs[2] > 0.01 {
				t.Errorf("error %.3g at 64 levels", errs[2])
			}
		})
	}
}

// From the prior of a correlated Gaussian, the solvers reach its moments at
// 20-50 evaluations, churn or not: the mean within 4 standard errors, the
// covariance within 4 standard errors plus the solver's own error, which
// the second-order test bounds (0.02 here).
func TestEDMSolversReachGaussianMoments(t *testing.T) {
	mean := []float64{1, -2}
	cov := [][]float64{{1.5, 0.6}, {0.6, 0.8}}
	g, err := density.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	const n, smin, smax = 4000, 0.01, 30
	for _, tc := range []struct {
		name  string
		set   Settings
		evals int
	}{
		{"heun 18 levels", Settings{Kind: KindHeun, Steps: 18}, 35},
		{"heun with churn, 50 levels", Settings{Kind: KindHeun, Steps: 50, Churn: Churn{Amount: 5, Min: 0.05, Max: 10, Noise: 1}}, 99},
		{"dpmpp_2m 30 levels", Settings{Kind: KindDPMPP2M, Steps: 30}, 30},
		{"heun 18 levels, stopped at 0.5", Settings{Kind: KindHeun, Steps: 18, SigmaStop: 0.5}, 34},
		{"dpmpp_2m 30 levels, stopped at 0.5", Settings{Kind: KindDPMPP2M, Steps: 30, SigmaStop: 0.5}, 29},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The denoiser at smin shrinks the covariance to
			// S (S + smin^2 I)^-1 S; stopped at a level, the chains keep
			// its noise: S + sigma^2 I.
			want := denoisedCovariance(cov, smin)
			if stop := tc.set.SigmaStop; stop > 0 {
				want = [][]float64{{cov[0][0] + stop*stop, cov[0][1]}, {cov[1][0], cov[1][1] + stop*stop}}
			}
			c := priorChains(3, n, g, smax, 2)
			g.Perturbed(smax).Sample(c.X, rand.New(rand.NewPCG(3, 3))) // the exact prior
			tc.set.Sigmas = []float64{smax, smin}
			res, err := Draw(tc.set, c)
			if err != nil {
				t.Fatal(err)
			}
			if mean, most := res.MeanEvaluations(); mean != float64(tc.evals) || most != tc.evals {
				t.Errorf("%v evaluations per chain (%d at most), want %d", mean, most, tc.evals)
			}
			m, got := c.X.Mean(), c.X.Covariance()
			t.Logf("mean %.4f, covariance %.4f", m, got)
			for j := range mean {
				se := math.Sqrt(cov[j][j] / n)
				if math.Abs(m[j]-mean[j]) > 4*se {
					t.Errorf("mean[%d] = %.4f, want %v +- %.4f", j, m[j], mean[j], 4*se)
				}
			}
			for i := range 2 {
				for j := range 2 {
					se := math.Sqrt((cov[i][j]*cov[i][j] + cov[i][i]*cov[j][j]) / n)
					if v := got[i*2+j]; math.Abs(v-want[i][j]) > 4*se+0.02 {
						t.Errorf("cov[%d][%d] = %.4f, want %.4f +- %.4f", i, j, v, want[i][j], 4*se+0.02)
					}
				}
			}
		})
	}
}

// denoisedCovariance is S (S + s^2 I)^-1 S for a 2x2 S.
func denoisedCovariance(s [][]float64, sigma float64) [][]float64 {
	a, b, d := s[0][0]+sigma*sigma, s[0][1], s[1][1]+sigma*sigma
	det := a*d - b*b
	inv := [][]float64{{d / det, -b / det}, {-b / det, a / det}}
	out := [][]float64{{0, 0}, {0, 0}}
	for i := range 2 {
		for j := range 2 {
			for k := range 2 {
				for l := range 2 {
					out[i][j] += s[i][k] * inv[k][l] * s[l][j]
				}
			}
		}
	}
	return out
}

// The solvers' chains do not depend on how they are split over workers,
// churn's noise included.
func TestEDMSolversSameBitsAnyWorkers(t *testing.T) {
	m, err := density.NewMixture([][]float64{{2, 0}, {-2, 1}}, []float64{0.5, 0.5}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []Settings{
		{Kind: KindHeun, Steps: 10, Churn: Churn{Amount: 5, Noise: 1.007}},
		{Kind: KindDPMPP2M, Steps: 10},
	} {
		t.Run(set.Kind, func(t *testing.T) {
			var first []float64
			for _, workers := range []int{1, 3} {
				c := priorChains(5, 31, m, 10, workers)
				set.Sigmas = []float64{10, 0.05}
				if _, err := Draw(set, c); err != nil {
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
		})
	}
}

// On a two-mode mixture's analytic score the solvers put each mode's
// share of the samples where its weight says.
func TestEDMSolversKeepModeWeights(t *testing.T) {
	centres := [][]float64{{-3, 0}, {3, 0}}
	m, err := density.NewMixture(centres, []float64{0.8, 0.2}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	for _, kind := range []string{KindHeun, KindDPMPP2M} {
		t.Run(kind, func(t *testing.T) {
			c := priorChains(11, n, m, 20, 2)
			m.Perturbed(20).Sample(c.X, rand.New(rand.NewPCG(11, 1)))
			if _, err := Draw(Settings{Kind: kind, Steps: 25, Sigmas: []float64{20, 0.01}}, c); err != nil {
				t.Fatal(err)
			}
			heavy := FractionNearest(c.X, centres)[0]
			if se := math.Sqrt(0.8 * 0.2 / n); math.Abs(heavy-0.8) > 4*se {
				t.Errorf("%.3f of the samples at the heavy mode, want 0.8 +- %.3f", heavy, 4*se)
			}
		})
	}
}

func TestEDMSolversRefuse(t *testing.T) {
	g := diagonalGaussian(t, []float64{0}, []float64{1})
	for _, tc := range []struct {
		name string
		set  Settings
	}{
		{"one level", Settings{Kind: KindHeun, Steps: 1, Sigmas: []float64{10, 0.1}}},
		{"no ladder", Settings{Kind: KindDPMPP2M, Steps: 10, Sigmas: []float64{1}}},
		{"rho that overflows", Settings{Kind: KindHeun, Steps: 10, Sigmas: []float64{10, 0.1}, Rho: 1e-3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Draw(tc.set, priorChains(1, 3, g, 10, 1)); err == nil {
				t.Error("no error")
			} else if want := fmt.Sprintf("sampler: %s", tc.set.Kind); len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
				t.Errorf("error %q, want it to start %q", err, want)
			}
		})
	}
}

// The solvers' chains start from N(mean, (sigma_1^2 + var) I) with the
// data's moments, and from N(0, sigma_1^2 I) without them.
func TestStartFromPrior(t *testing.T) {
	const n, sigma = 20000, 3.0
	for _, tc := range []struct {
		name  string
		prior Prior
		mean  []float64
		std   float64
	}{
		{"no moments", Prior{}, []float64{0, 0}, sigma},
		{"moments", Prior{Mean: []float64{2, -1}, Var: 16}, []float64{2, -1}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Start(KindHeun, Init{}, []float64{sigma, 0.1}, tc.prior, 2, Streams(1, 0, n))
			if err != nil {
				t.Fatal(err)
			}
			m, cov := p.Mean(), p.Covariance()
			for j := range 2 {
				if se := tc.std / math.Sqrt(n); math.Abs(m[j]-tc.mean[j]) > 4*se {
					t.Errorf("mean[%d] %.4f, want %v +- %.4f", j, m[j], tc.mean[j], 4*se)
				}
				if sd := math.Sqrt(cov[3*j]); math.Abs(sd-tc.std) > 0.03*tc.std {
					t.Errorf("std[%d] %.4f, want %v +- 3%%", j, sd, tc.std)
				}
			}
		})
	}
	if _, err := Start(KindODE, Init{}, []float64{1, 0.1}, Prior{Mean: []float64{1}}, 2, Streams(1, 0, 3)); err == nil {
		t.Error("a prior mean of the wrong width: no error")
	}
	if _, err := Start(KindODE, Init{}, []float64{1, 0.1}, Prior{Var: 1, Axes: []Axis{{Var: 2, Dir: []float64{1}}}}, 2, Streams(1, 0, 3)); err == nil {
		t.Error("a prior axis of the wrong width: no error")
	}
}

// With the data's axes the start has the data's covariance plus sigma_1^2
// along them, and Rest plus sigma_1^2 across them.
func TestStartAlongTheDataAxes(t *testing.T) {
	const n, sigma = 40000, 2.0
	c, s := math.Cos(0.6), math.Sin(0.6)
	u1, u2, u3 := []float64{c, s, 0}, []float64{-s, c, 0}, []float64{0, 0, 1}
	outer := func(u []float64, v float64, into []float64) {
		for i := range 3 {
			for j := range 3 {
				into[3*i+j] += v * u[i] * u[j]
			}
		}
	}
	for _, tc := range []struct {
		name  string
		prior Prior
		data  func([]float64) // adds the data's covariance
	}{
		{"every axis", Prior{Var: 2, Axes: []Axis{{9, u1}, {0.5, u2}, {0.1, u3}}},
			func(c []float64) { outer(u1, 9, c); outer(u2, 0.5, c); outer(u3, 0.1, c) }},
		{"one axis and the rest", Prior{Var: 2, Axes: []Axis{{9, u1}}, Rest: 0.3},
			func(c []float64) { outer(u1, 9, c); outer(u2, 0.3, c); outer(u3, 0.3, c) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Start(KindHeun, Init{}, []float64{sigma, 0.1}, tc.prior, 3, Streams(4, 0, n))
			if err != nil {
				t.Fatal(err)
			}
			want := []float64{sigma * sigma, 0, 0, 0, sigma * sigma, 0, 0, 0, sigma * sigma}
			tc.data(want)
			got := p.Covariance()
			for k := range want {
				// A sample covariance's standard error is about
				// sqrt((s_ii s_jj + s_ij^2) / n): under 1% of the
				// diagonal here; 4% of it bounds every entry.
				i, j := k/3, k%3
				if tol := 0.04 * math.Sqrt(want[4*i]*want[4*j]); math.Abs(got[k]-want[k]) > tol {
					t.Errorf("covariance[%d][%d] %.4f, want %.4f +- %.3f", i, j, got[k], want[k], tol)
				}
			}
		})
	}
}

// A probability-flow solver maps its start deterministically: from the
// data's mean variance in every direction it gives a principal direction
// of variance lambda the spread sqrt((sigma_1^2 + Var) / (sigma_1^2 +
// lambda)) of the data's (Prior's doc; exact for a Gaussian), from the
// data's axes the data's own. Heun in 128 levels on a Gaussian's analytic
// score, sigma_1 = 3 against lambda = 6 and 0.2.
func TestHeunFromTheAxesKeepsTheSpread(t *testing.T) {
	const n, smax, smin = 8000, 3.0, 0.01
	mean := []float64{1, -1}
	c, s := math.Cos(0.4), math.Sin(0.4)
	u1, u2 := []float64{c, s}, []float64{-s, c}
	lambda := []float64{6, 0.2}
	cov := [][]float64{{0, 0}, {0, 0}}
	for k, u := range [][]float64{u1, u2} {
		for i := range 2 {
			for j := range 2 {
				cov[i][j] += lambda[k] * u[i] * u[j]
			}
		}
	}
	g, err := density.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	isotropic := Prior{Mean: mean, Var: (lambda[0] + lambda[1]) / 2}
	axes := isotropic
	axes.Axes = []Axis{{lambda[0], u1}, {lambda[1], u2}}
	for _, tc := range []struct {
		name  string
		prior Prior
		ratio []float64 // the spread along u1, u2 over the data's
	}{
		{"mean variance", isotropic, []float64{
			math.Sqrt((smax*smax + isotropic.Var) / (smax*smax + lambda[0])),
			math.Sqrt((smax*smax + isotropic.Var) / (smax*smax + lambda[1]))}},
		{"axes", axes, []float64{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chains := priorChains(9, n, g, smax, 2)
			start, err := Start(KindHeun, Init{}, []float64{smax, smin}, tc.prior, 2, chains.Streams)
			if err != nil {
				t.Fatal(err)
			}
			chains.X = start
			if _, err := Draw(Settings{Kind: KindHeun, Steps: 128, Sigmas: []float64{smax, smin}}, chains); err != nil {
				t.Fatal(err)
			}
			for k, u := range [][]float64{u1, u2} {
				sum, sq := 0.0, 0.0
				for i := range n {
					v := u[0]*(chains.X.X[2*i]-mean[0]) + u[1]*(chains.X.X[2*i+1]-mean[1])
					sum, sq = sum+v, sq+v*v
				}
				m := sum / n
				got := math.Sqrt(sq/n-m*m) / math.Sqrt(lambda[k])
				// The spread's standard error from n draws is 1/sqrt(2n),
				// 0.8%; 3% also holds the denoiser's shrinkage at smin.
				if math.Abs(got-tc.ratio[k]) > 0.03 {
					t.Errorf("spread along axis %d: %.4f of the data's, want %.4f +- 0.03", k+1, got, tc.ratio[k])
				}
			}
		})
	}
}

// Stopped at a level, the solvers take one step to each level below the
// first and none after: a snapshot a step, the last at the level stopped
// at, and the progress ends at the steps counted.
func TestEDMSolversStoppedCountTheirSteps(t *testing.T) {
	g, err := density.NewGaussian([]float64{0, 0}, [][]float64{{1, 0}, {0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{KindHeun, KindDPMPP2M} {
		for _, stop := range []float64{0, 0.5} {
			c := priorChains(4, 20, g, 10, 1)
			set := Settings{Kind: kind, Steps: 12, Sigmas: []float64{10, 0.01}, SigmaStop: stop, SnapshotEvery: 1}
			last, total := 0, 0
			set.Progress = func(done, of int) { last, total = done, of }
			res, err := Draw(set, c)
			if err != nil {
				t.Fatal(err)
			}
			want := set.TotalSteps()
			if wantSteps := map[bool]int{true: 11, false: 12}[stop > 0]; want != wantSteps || len(res.Snapshots) != want || last != want || total != want {
				t.Errorf("%s stopped at %v: %d snapshots, progress %d of %d, TotalSteps %d; want %d of each", kind, stop, len(res.Snapshots), last, total, want, wantSteps)
			}
			if end := res.Snapshots[len(res.Snapshots)-1].Sigma; stop > 0 && math.Abs(end-stop) > 1e-12 {
				t.Errorf("%s: the last snapshot at level %v, want the stop %v", kind, end, stop)
			}
		}
	}
}
