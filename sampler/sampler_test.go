package sampler

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"scorenet/density"
	"scorenet/points"
	"scorenet/score"
)

// chainsFrom is n chains of dimension d started uniformly in [low, high]^d,
// chains first.. of a sampling seeded by seed, moved by workers workers each
// with its own score from newScore.
func chainsFrom(seed uint64, first, n, d int, low, high float64, workers int, newScore func() score.Func) Chains {
	streams := Streams(seed, first, n)
	c := Chains{X: Uniform(d, low, high, streams), Streams: streams}
	for range workers {
		c.Scores = append(c.Scores, newScore())
	}
	return c
}

func analytic(d density.Density) func() score.Func {
	return func() score.Func { return density.ScoreOf(d) }
}

func moments1D(p points.Points) (mean, variance float64) {
	m, c := p.Mean(), p.Covariance()
	return m[0], c[0]
}

// Plain Langevin on N(mu, v) with this package's step is the AR(1) chain
// x' = x - (eps/2)(x - mu)/v + sqrt(eps) z, whose stationary variance is
// exactly v / (1 - eps/(4v)): a check of the step-size convention itself,
// not only of "roughly Gaussian".
func TestLangevinStationaryDistributionIsExact(t *testing.T) {
	const mu, v, eps, n = 2.0, 1.5, 0.5, 40000
	g, err := density.NewGaussian([]float64{mu}, [][]float64{{v}})
	if err != nil {
		t.Fatal(err)
	}
	c := chainsFrom(1, 0, n, 1, -3, 7, 2, analytic(g))
	x := c.X
	if _, err := Langevin(c, Settings{Steps: 300, Eps: eps}); err != nil {
		t.Fatal(err)
	}
	mean, variance := moments1D(x)
	wantVar := v / (1 - eps/(4*v))
	seMean, seVar := math.Sqrt(wantVar/n), wantVar*math.Sqrt(2.0/n)
	t.Logf("mean %.4f (want %v +/- %.4f), variance %.4f (want %.4f +/- %.4f; the target's own is %v)", mean, mu, seMean, variance, wantVar, seVar, v)
	if math.Abs(mean-mu) > 4*seMean {
		t.Errorf("mean %v, want %v", mean, mu)
	}
	if math.Abs(variance-wantVar) > 4*seVar {
		t.Errorf("variance %v, want %v", variance, wantVar)
	}
}

// The final denoising step is Tweedie's formula: for N(0, v) seen through
// noise sigma it shrinks the samples by v/(v + sigma^2).
func TestAnnealedDenoisingStep(t *testing.T) {
	const v, n = 1.0, 40000
	g, _ := density.NewGaussian([]float64{0}, [][]float64{{v}})
	sigmas := []float64{4, 2, 1}
	for _, denoise := range []bool{false, true} {
		c := chainsFrom(2, 0, n, 1, -8, 8, 2, analytic(g))
		x := c.X
		s := Settings{StepsPerLevel: 300, Eps: 0.1, Sigmas: sigmas, Denoise: denoise}
		if _, err := Annealed(c, s); err != nil {
			t.Fatal(err)
		}
		_, variance := moments1D(x)
		last := sigmas[len(sigmas)-1]
		perturbed := v + last*last
		want := perturbed / (1 - s.Eps/(4*perturbed)) // Langevin at the last level, as above
		if denoise {
			shrink := v / (v + last*last)
			want *= shrink * shrink
		}
		t.Logf("denoise=%v: variance %.4f, want %.4f", denoise, variance, want)
		if math.Abs(variance-want) > 4*want*math.Sqrt(2.0/n) {
			t.Errorf("denoise=%v: variance %v, want %v", denoise, variance, want)
		}
	}
}

func TestSamplersAreDeterministicAndSnapshot(t *testing.T) {
	m, _ := density.NewMixture([][]float64{{1, 1}, {-1, -1}}, []float64{0.5, 0.5}, 0.5)
	run := func(seed uint64) (points.Points, []Snapshot) {
		c := chainsFrom(seed, 0, 50, 2, -3, 3, 1, analytic(m))
		x := c.X
		done := 0
		snaps, err := Annealed(c, Settings{StepsPerLevel: 10, Eps: 0.05, Sigmas: []float64{2, 1, 0.5},
			SnapshotEvery: 5, Progress: func(d, total int) { done = d }})
		if err != nil {
			t.Fatal(err)
		}
		if done != 30 {
			t.Errorf("progress reached %d of 30 steps", done)
		}
		return x, snaps
	}
	a, snaps := run(1)
	b, _ := run(1)
	c, _ := run(2)
	if !slices.Equal(a.X, b.X) || slices.Equal(a.X, c.X) {
		t.Error("the same seed must give the same samples, another seed other samples")
	}
	if len(snaps) != 6 || snaps[0].Step != 5 || snaps[0].Sigma != 2 || snaps[5].Sigma != 0.5 || !slices.Equal(snaps[5].X, a.X) {
		t.Errorf("got %d snapshots, want 6 every 5 steps ending at the final state", len(snaps))
	}
}

func TestSettingsAreChecked(t *testing.T) {
	g, _ := density.NewGaussian([]float64{0}, [][]float64{{1}})
	c := chainsFrom(1, 0, 3, 1, -1, 1, 1, analytic(g))
	if _, err := Annealed(c, Settings{StepsPerLevel: 1, Eps: 0.1, Sigmas: []float64{1, 2}}); err == nil {
		t.Error("increasing noise levels accepted")
	}
	if _, err := Langevin(c, Settings{Steps: 1, Eps: 0}); err == nil {
		t.Error("eps 0 accepted")
	}
	if _, err := Langevin(c, Settings{Steps: 200, Eps: 1e6}); err == nil {
		t.Error("diverging chains not reported")
	}
	c.Streams = c.Streams[:2]
	if _, err := Langevin(c, Settings{Steps: 1, Eps: 0.1}); err == nil {
		t.Error("fewer streams than chains accepted")
	}
}

// The experiment of Song & Ermon (2019, section 3.2.2): data 0.8 N((5,5), I)
// + 0.2 N((-5,-5), I), 1280 chains started uniformly in [-8, 8]^2. Driven
// by the true scores, annealed Langevin recovers the weights; plain Langevin
// cannot move mass between the modes and keeps the even split of its start.
func TestMixtureWeightsAnalyticScore(t *testing.T) {
	m, err := density.NewMixture([][]float64{{5, 5}, {-5, -5}}, []float64{0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	sigmas := make([]float64, 10) // geometric from 20 to 1
	for i := range sigmas {
		sigmas[i] = 20 * math.Pow(1.0/20, float64(i)/9)
	}
	var annealed, plain []float64
	for seed := uint64(1); seed <= 5; seed++ {
		c := chainsFrom(seed, 0, 1280, 2, -8, 8, 2, analytic(m))
		if _, err := Annealed(c, Settings{StepsPerLevel: 100, Eps: 0.1, Sigmas: sigmas}); err != nil {
			t.Fatal(err)
		}
		annealed = append(annealed, FractionNearest(c.X, m.Means)[0])
		p := chainsFrom(seed+100, 0, 1280, 2, -8, 8, 2, analytic(m))
		if _, err := Langevin(p, Settings{Steps: 1000, Eps: 0.1}); err != nil {
			t.Fatal(err)
		}
		plain = append(plain, FractionNearest(p.X, m.Means)[0])
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	t.Logf("fraction nearer (5,5) over 5 seeds: annealed %s (mean %.3f), plain %s (mean %.3f)",
		fmt.Sprintf("%.3f", annealed), mean(annealed), fmt.Sprintf("%.3f", plain), mean(plain))
	if a := mean(annealed); math.Abs(a-0.8) > 0.03 {
		t.Errorf("annealed Langevin puts %.3f of the samples at (5,5), want 0.80 +/- 0.03", a)
	}
	if p := mean(plain); math.Abs(p-0.5) > 0.05 {
		t.Errorf("plain Langevin puts %.3f of the samples at (5,5), want its start's 0.5 +/- 0.05", p)
	}
}

// Chains that leave the sane region stop the sampler at that step, saying
// how many left, where and at which noise level; without a bound only
// non-finite values do.
func TestDivergedChainsStopTheSampler(t *testing.T) {
	repel := func(dst, x []float64, _ float64) error { // s(x) = x: pushes every chain out
		copy(dst, x)
		return nil
	}
	x := points.Points{N: 4, D: 1, X: []float64{0.5, -1, 3, 0.1}}
	_, err := Langevin(Chains{X: x, Streams: Streams(1, 0, 4), Scores: []score.Func{repel}}, Settings{Steps: 100, Eps: 0.5, Bound: 10})
	if err == nil || !strings.Contains(err.Error(), "of 4 (") || !strings.Contains(err.Error(), "left |x| <= 10 in every coordinate") ||
		!strings.Contains(err.Error(), "of 100 (sigma 0, step size 0.5)") {
		t.Errorf("got %v, want the chains that left named", err)
	}
	for _, v := range x.X {
		if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > 1000 {
			t.Errorf("the sampler went on after the chains left: %v", x.X)
		}
	}
	y := points.Points{N: 1, D: 1, X: []float64{1}}
	if _, err := Langevin(Chains{X: y, Streams: Streams(1, 0, 1), Scores: []score.Func{repel}}, Settings{Steps: 5, Eps: 0.5}); err != nil {
		t.Errorf("without a bound, finite values are not divergence: %v", err)
	}
}

// A chain's path depends only on its own stream: the samples have the same
// bits for any number of workers, and shards drawn alone, concatenated in
// order, are the whole run.
func TestChainsAreIndependentOfWorkersAndShards(t *testing.T) {
	m, _ := density.NewMixture([][]float64{{1, 1}, {-1, -1}}, []float64{0.3, 0.7}, 0.5)
	set := Settings{StepsPerLevel: 20, Eps: 0.05, Sigmas: []float64{2, 1, 0.5}, Denoise: true}
	whole := chainsFrom(7, 0, 101, 2, -3, 3, 1, analytic(m))
	if _, err := Annealed(whole, set); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{2, 3, 8} {
		c := chainsFrom(7, 0, 101, 2, -3, 3, workers, analytic(m))
		if _, err := Annealed(c, set); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.X.X, whole.X.X) {
			t.Errorf("%d workers give other samples than one", workers)
		}
	}
	var joined []float64
	for _, shard := range [][2]int{{0, 33}, {33, 34}, {67, 34}} {
		c := chainsFrom(7, shard[0], shard[1], 2, -3, 3, 2, analytic(m))
		if _, err := Annealed(c, set); err != nil {
			t.Fatal(err)
		}
		joined = append(joined, c.X.X...)
	}
	if !slices.Equal(joined, whole.X.X) {
		t.Error("the shards, joined, differ from the whole run")
	}
}
