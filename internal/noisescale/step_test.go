package noisescale

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStepSizeCIFAR10: the authors' CIFAR-10 sampler, 232 levels from 50
// to 0.01 (ratio 5000^(1/231) = 1.037559, 1.0376 in the paper), T = 5
// steps per level. The best step is about 6.18e-6 in the paper's
// convention (the configuration's step_lr is 6.2e-6), where the variance
// ratio is 1.055; scorenet's sampler needs twice it. At the rounded 1.0376
// the optimum moves by 0.1%, well within the 1% checked.
func TestStepSizeCIFAR10(t *testing.T) {
	cases := []struct {
		name  string
		gamma float64
	}{
		{"paper's 1.0376", 1.0376},
		{"configuration's ratio", math.Pow(cifarSigma1/cifarSigmaL, 1.0/231)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eps, f := StepSize(c.gamma, cifarSigmaL, 5)
			check := func(name string, got, want, rel float64) {
				t.Helper()
				if math.Abs(got-want) > rel*math.Abs(want) {
					t.Errorf("%s = %.6g, want %.6g within %g relative", name, got, want, rel)
				}
			}
			check("eps", eps, 6.18e-6, 0.01)
			check("eps vs the configuration's step_lr", eps, 6.2e-6, 0.01)
			check("ScorenetEps", ScorenetEps(eps), 1.236e-5, 0.01)
			if want, tol := 1.055, 1e-3; math.Abs(f-want) > tol {
				t.Errorf("f = %.6f, want %.3f within %g", f, want, tol)
			}
			if got := Technique4(c.gamma, cifarSigmaL, eps, 5); got != f {
				t.Errorf("Technique4 at eps = %v, StepSize's f = %v", got, f)
			}
		})
	}
}

// TestStepSizeOptimal checks the minimiser on a table against a dense
// linear scan of its own and against small moves of eps, and checks that
// eps/sigma_L^2 does not depend on sigma_L.
func TestStepSizeOptimal(t *testing.T) {
	cases := []struct {
		name          string
		gamma, sigmaL float64
		steps         int
	}{
		{"CIFAR-10 config", 1.0376, 0.01, 5},
		{"CIFAR-10 technique 2", 1.0398, 0.01, 5},
		{"one step", 1.0376, 0.01, 1},
		{"NCSN v1 style", 1.2915, 0.01, 100},
		{"many steps", 1.0376, 0.01, 1000},
		{"ratio near 1", 1.0001, 1, 5},
		{"wide ratio", 3, 0.5, 3},
		{"gamma^2 above 2", 1.6, 2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eps, f := StepSize(c.gamma, c.sigmaL, c.steps)
			s2 := c.sigmaL * c.sigmaL
			if !(eps > 0 && eps < s2) {
				t.Fatalf("eps = %v not in (0, %v)", eps, s2)
			}
			if !(f > 1) {
				t.Errorf("f = %v, want > 1", f)
			}
			cost := func(e float64) float64 { return math.Abs(Technique4(c.gamma, c.sigmaL, e, c.steps) - 1) }
			best := cost(eps)
			for _, r := range []float64{0.999, 0.9999, 1.0001, 1.001} {
				if e := eps * r; e < s2 && cost(e) < best-1e-15 {
					t.Errorf("|f-1| at %v eps is %v < %v", r, cost(e), best)
				}
			}
			// Linear scan, 2e5 points of (0, sigma_L^2), and a log scan
			// down to 1e-12 sigma_L^2 for the small optima.
			for i := 1; i < 200000; i++ {
				if e := s2 * float64(i) / 200000; cost(e) < best-1e-12 {
					t.Fatalf("|f-1| at eps %v is %v < %v at StepSize's %v", e, cost(e), best, eps)
				}
			}
			for i := range 24000 {
				if e := s2 * math.Pow(10, -12+float64(i)/2000); cost(e) < best-1e-12 {
					t.Fatalf("|f-1| at eps %v is %v < %v at StepSize's %v", e, cost(e), best, eps)
				}
			}
			unit, _ := StepSize(c.gamma, 1, c.steps)
			if math.Abs(eps/s2-unit) > 1e-6*unit {
				t.Errorf("eps/sigma_L^2 = %v, but %v at sigma_L = 1", eps/s2, unit)
			}
		})
	}
}

// TestTechnique4Recursion checks the closed form against T steps of the
// variance recursion it sums, written in the paper's terms at several
// levels sigma_i: the chain x <- x + a (-x/sigma_i^2) + sqrt(2a) z with
// a = eps sigma_i^2/sigma_L^2 maps variance v to (1 - a/sigma_i^2)^2 v + 2a,
// and starts at gamma^2 sigma_i^2. It also checks the paper's unsimplified
// form.
func TestTechnique4Recursion(t *testing.T) {
	cases := []struct {
		name                 string
		gamma, sigmaL, sigma float64
		eps                  float64
		steps                int
	}{
		{"CIFAR smallest level", 1.0376, 0.01, 0.01, 6.2e-6, 5},
		{"CIFAR top level", 1.0376, 0.01, 50, 6.2e-6, 5},
		{"large step", 1.5, 0.1, 0.7, 0.009, 3},
		{"tiny step", 1.01, 1, 3, 1e-9, 50},
		{"one step", 2, 1, 1, 0.5, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.eps * c.sigma * c.sigma / (c.sigmaL * c.sigmaL)
			v := c.gamma * c.gamma * c.sigma * c.sigma
			for range c.steps {
				m := 1 - a/(c.sigma*c.sigma)
				v = m*m*v + 2*a
			}
			want := v / (c.sigma * c.sigma)
			got := Technique4(c.gamma, c.sigmaL, c.eps, c.steps)
			if math.Abs(got-want) > 1e-12*want {
				t.Errorf("Technique4 = %.17g, recursion %.17g", got, want)
			}
			s2 := c.sigmaL * c.sigmaL
			q := 1 - c.eps/s2
			stat := 2 * c.eps / (s2 - s2*q*q)
			paper := math.Pow(q, 2*float64(c.steps))*(c.gamma*c.gamma-stat) + stat
			if math.Abs(got-paper) > 1e-9*paper {
				t.Errorf("Technique4 = %.17g, the paper's form %.17g", got, paper)
			}
		})
	}
}

// TestStepSizeConventions runs T Langevin steps on a Gaussian level, many
// independent coordinates at once, in both conventions, and compares the
// variance reached, over the level's, with Technique4: the paper's step with
// eps and scorenet's with ScorenetEps(eps) give Technique4(eps), scorenet's
// with eps itself gives Technique4(eps/2). At StepSize's eps, where f is
// flat, the two differ by only 0.4%, so a large step, where they differ by
// 15%, tells the conventions apart.
func TestStepSizeConventions(t *testing.T) {
	const (
		gamma  = 1.0376
		sigmaL = 0.01
		sigma  = 0.37 // any level
		steps  = 5
		coords = 400000 // the variance estimate's relative sd: sqrt(2/coords) = 0.22%
		rel    = 0.01   // 4.5 sd
	)
	run := func(alpha float64, paper bool, rng *rand.Rand) float64 {
		var sum float64
		for range coords {
			x := gamma * sigma * rng.NormFloat64()
			for range steps {
				score := -x / (sigma * sigma)
				if paper {
					x += alpha*score + math.Sqrt(2*alpha)*rng.NormFloat64()
				} else {
					x += alpha/2*score + math.Sqrt(alpha)*rng.NormFloat64()
				}
			}
			sum += x * x
		}
		return sum / coords / (sigma * sigma)
	}
	best, _ := StepSize(gamma, sigmaL, steps)
	cases := []struct {
		name string
		eps  float64
	}{
		{"StepSize's eps", best},
		{"large eps", 0.5 * sigmaL * sigmaL},
	}
	level := sigma * sigma / (sigmaL * sigmaL)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seed := uint64(10 * i)
			f := Technique4(gamma, sigmaL, c.eps, steps)
			half := Technique4(gamma, sigmaL, c.eps/2, steps)
			if got := run(c.eps*level, true, rand.New(rand.NewPCG(seed, 1))); math.Abs(got-f) > rel*f {
				t.Errorf("paper's step: variance ratio %.5f, want %.5f within %g", got, f, rel)
			}
			if got := run(ScorenetEps(c.eps)*level, false, rand.New(rand.NewPCG(seed, 2))); math.Abs(got-f) > rel*f {
				t.Errorf("scorenet's step with ScorenetEps: variance ratio %.5f, want %.5f within %g", got, f, rel)
			}
			if got := run(c.eps*level, false, rand.New(rand.NewPCG(seed, 3))); math.Abs(got-half) > rel*half {
				t.Errorf("scorenet's step with the paper's eps: variance ratio %.5f, want %.5f within %g", got, half, rel)
			}
		})
	}
	if f, half := Technique4(gamma, sigmaL, cases[1].eps, steps), Technique4(gamma, sigmaL, cases[1].eps/2, steps); !(math.Abs(f-half) > 4*rel*f) {
		t.Errorf("large eps: Technique4 %v and %v too close to tell the conventions apart", f, half)
	}
}

func TestStepSizeInvalid(t *testing.T) {
	cases := []struct {
		name          string
		gamma, sigmaL float64
		steps         int
	}{
		{"no steps", 1.0376, 0.01, 0},
		{"negative steps", 1.0376, 0.01, -5},
		{"gamma 1", 1, 0.01, 5},
		{"gamma below 1", 0.9, 0.01, 5},
		{"gamma NaN", math.NaN(), 0.01, 5},
		{"gamma infinite", math.Inf(1), 0.01, 5},
		{"sigmaL 0", 1.0376, 0, 5},
		{"sigmaL negative", 1.0376, -0.01, 5},
		{"sigmaL infinite", 1.0376, math.Inf(1), 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if eps, f := StepSize(c.gamma, c.sigmaL, c.steps); !math.IsNaN(eps) || !math.IsNaN(f) {
				t.Errorf("StepSize = %v, %v; want NaN, NaN", eps, f)
			}
		})
	}
	for _, c := range []struct {
		name   string
		sigmaL float64
		steps  int
	}{{"no steps", 0.01, 0}, {"sigmaL 0", 0, 5}} {
		if v := Technique4(1.0376, c.sigmaL, 1e-6, c.steps); !math.IsNaN(v) {
			t.Errorf("Technique4 %s = %v, want NaN", c.name, v)
		}
	}
}
