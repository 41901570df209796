package density

import (
	"math"
	"math/rand/v2"
	"scorenet/points"
	"testing"
)

func near(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}

// logMixture is log sum_k w_k N(x; mu_k, std^2 I) up to a constant, written
// out independently of Mixture.Score.
func logMixture(m *Mixture, x []float64) float64 {
	total := 0.0
	for k, mu := range m.Means {
		sq := 0.0
		for j := range x {
			sq += (x[j] - mu[j]) * (x[j] - mu[j])
		}
		total += m.Weights[k] * math.Exp(-sq/(2*m.Std*m.Std))
	}
	return math.Log(total)
}

func TestMixtureScoreMatchesFiniteDifferences(t *testing.T) {
	m, err := NewMixture([][]float64{{1, 0, -1}, {-2, 1, 0}, {0, 3, 1}}, []float64{0.5, 0.3, 0.2}, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	got, x := make([]float64, 3), make([]float64, 3)
	for trial := 0; trial < 20; trial++ {
		for j := range x {
			x[j] = 3 * rng.NormFloat64()
		}
		m.Score(got, x)
		for j := range x {
			const h = 1e-6
			old := x[j]
			x[j] = old + h
			up := logMixture(m, x)
			x[j] = old - h
			down := logMixture(m, x)
			x[j] = old
			if fd := (up - down) / (2 * h); !near(got[j], fd, 1e-6, 1e-6) {
				t.Errorf("x=%v, coordinate %d: score %v, finite difference %v", x, j, got[j], fd)
			}
		}
	}
	// Far from every component, responsibilities must not underflow to NaN.
	m.Score(got, []float64{1e3, -1e3, 1e3})
	for _, v := range got {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("score far away is %v", got)
		}
	}
}

func TestGaussianScoreAndSamples(t *testing.T) {
	mean := []float64{1, -2}
	cov := [][]float64{{2, 0.8}, {0.8, 1}}
	g, err := NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	// -Cov^{-1} (x - mean) with the 2x2 inverse written out.
	det := 2*1 - 0.8*0.8
	x := []float64{0.3, 0.7}
	dx, dy := x[0]-mean[0], x[1]-mean[1]
	want := []float64{-(1*dx - 0.8*dy) / det, -(-0.8*dx + 2*dy) / det}
	got := make([]float64, 2)
	g.Score(got, x)
	for j := range want {
		if !near(got[j], want[j], 1e-12, 1e-12) {
			t.Errorf("score[%d] = %v, want %v", j, got[j], want[j])
		}
	}
	p := points.New(200000, 2)
	g.Sample(p, rand.New(rand.NewPCG(3, 4)))
	m, c := p.Mean(), p.Covariance()
	// Standard errors at n = 2e5 are about 0.003 for these moments.
	for j := range mean {
		if !near(m[j], mean[j], 0.015, 0) {
			t.Errorf("sample mean[%d] = %v, want %v", j, m[j], mean[j])
		}
	}
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			if !near(c[2*a+b], cov[a][b], 0.03, 0) {
				t.Errorf("sample cov[%d][%d] = %v, want %v", a, b, c[2*a+b], cov[a][b])
			}
		}
	}
	wide := g.Perturbed(2).(*Gaussian)
	if wide.cov.At(0, 0) != 6 || wide.cov.At(0, 1) != 0.8 {
		t.Errorf("perturbed covariance %v, want cov + 4 I", wide.cov)
	}
}

func TestMixtureSamplesHaveTheWeights(t *testing.T) {
	m, err := NewMixture([][]float64{{5, 5}, {-5, -5}}, []float64{0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := points.New(50000, 2)
	m.Sample(p, rand.New(rand.NewPCG(5, 6)))
	near55 := 0
	for i := 0; i < p.N; i++ {
		if p.Row(i)[0]+p.Row(i)[1] > 0 {
			near55++
		}
	}
	// Binomial standard error sqrt(.8*.2/5e4) = 0.0018.
	if frac := float64(near55) / float64(p.N); !near(frac, 0.8, 0.01, 0) {
		t.Errorf("fraction near (5, 5) is %v, want 0.8", frac)
	}
}
