package metrics

import (
	"math"
	"math/rand/v2"
	"scorenet/points"
	"testing"
)

func normal(n, d int, shift []float64, seed uint64) points.Points {
	rng := rand.New(rand.NewPCG(seed, 1))
	p := points.New(n, d)
	for i := range p.X {
		p.X[i] = rng.NormFloat64() + shift[i%d]
	}
	return p
}

func TestIdenticalSetsAreAtDistanceZero(t *testing.T) {
	x := normal(300, 3, []float64{1, 2, 3}, 1)
	h := MedianBandwidth(x, x)
	mmd, _ := MMD2(x, x, h)
	ed, _ := EnergyDistance(x, x)
	sw, _ := SlicedWasserstein(x, x, 50, rand.New(rand.NewPCG(1, 1)))
	for name, v := range map[string]float64{"MMD^2": mmd, "energy distance": ed, "sliced Wasserstein": sw} {
		if math.Abs(v) > 1e-12 {
			t.Errorf("%s of a set with itself is %v, want 0", name, v)
		}
	}
}

// Standard normal samples against samples shifted by delta: each distance
// has a closed form (Gaussian integrals), which the estimates must match
// within their sampling error.
func TestShiftedGaussiansMatchClosedForms(t *testing.T) {
	const n = 1500
	cases := []struct {
		name  string
		delta []float64
	}{
		{"1-D shift 1", []float64{1}},
		{"2-D shift (1, 1)", []float64{1, 1}},
		{"5-D shift 2 on one axis", []float64{2, 0, 0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := len(c.delta)
			x, y := normal(n, d, make([]float64, d), 2), normal(n, d, c.delta, 3)
			shift2 := 0.0
			for _, v := range c.delta {
				shift2 += v * v
			}
			// Sliced W2^2 for N(0, I) vs N(delta, I): (delta . theta)^2 averaged
			// over unit theta, = |delta|^2 / D.
			sw, _ := SlicedWasserstein(x, y, 500, rand.New(rand.NewPCG(4, 4)))
			if want := math.Sqrt(shift2 / float64(d)); math.Abs(sw-want) > 0.1*want {
				t.Errorf("sliced Wasserstein %.4f, want %.4f", sw, want)
			}
			// MMD^2 with bandwidth h: 2 r^(D/2) (1 - exp(-|delta|^2 / (2(h^2 + 2)))),
			// r = h^2/(h^2 + 2); the V-statistic adds (1 - r^(D/2)) (1/n + 1/m).
			h := MedianBandwidth(x, y)
			r := math.Pow(h*h/(h*h+2), float64(d)/2)
			wantMMD := 2*r*(1-math.Exp(-shift2/(2*(h*h+2)))) + (1-r)*2/float64(n)
			mmd, _ := MMD2(x, y, h)
			if math.Abs(mmd-wantMMD) > 0.15*wantMMD {
				t.Errorf("MMD^2 %.5f at bandwidth %.3f, want %.5f", mmd, h, wantMMD)
			}
			if d == 1 {
				// 1-D energy distance: 2 E|N(delta, 2)| - 2 E|N(0, 2)|, with
				// E|N(m, s^2)| = s sqrt(2/pi) exp(-m^2/(2 s^2)) + m (1 - 2 Phi(-m/s)).
				s, m := math.Sqrt2, c.delta[0]
				absMean := func(m float64) float64 {
					return s*math.Sqrt(2/math.Pi)*math.Exp(-m*m/(2*s*s)) + m*math.Erf(m/(s*math.Sqrt2))
				}
				want := 2*absMean(m) - 2*absMean(0)
				ed, _ := EnergyDistance(x, y)
				if math.Abs(ed-want) > 0.1*want {
					t.Errorf("energy distance %.4f, want %.4f", ed, want)
				}
			}
			t.Logf("SW %.4f, MMD^2 %.5f (h %.3f, closed form %.5f)", sw, mmd, h, wantMMD)
		})
	}
}

func TestMismatchedSetsAreRefused(t *testing.T) {
	if _, err := EnergyDistance(normal(3, 2, []float64{0, 0}, 1), normal(3, 3, []float64{0, 0, 0}, 1)); err == nil {
		t.Error("sets of different dimensions compared")
	}
}
