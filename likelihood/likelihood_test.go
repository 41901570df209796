package likelihood

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scorenet/density"
	"scorenet/internal/mlp"
	"scorenet/nn"
	"scorenet/points"
	"scorenet/sampler"
	"scorenet/score"
)

// With the true score and the true prior, the flow's log-likelihood is the
// true log-density of the data perturbed by N(0, sigma_min^2 I): any error
// is the solver's (or the formula's).
func TestAnalyticMatchesClosedForm(t *testing.T) {
	gauss, err := density.NewGaussian([]float64{1, -0.5}, [][]float64{{1.5, 0.6}, {0.6, 0.8}})
	if err != nil {
		t.Fatal(err)
	}
	mix, err := density.NewMixture([][]float64{{-2, 0}, {2, 1}}, []float64{0.8, 0.2}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	gauss5, err := density.NewGaussian([]float64{0, 1, 2, -1, 0.5}, [][]float64{
		{2, 0.3, 0, 0, 0.1}, {0.3, 1, 0.2, 0, 0}, {0, 0.2, 0.5, 0.1, 0}, {0, 0, 0.1, 1, 0}, {0.1, 0, 0, 0, 3}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dens density.Density
		ve   sampler.VE
	}{
		{"gaussian 2-D", gauss, sampler.VE{Min: 0.01, Max: 20}},
		{"gaussian 5-D", gauss5, sampler.VE{Min: 0.02, Max: 30}},
		{"mixture 0.8/0.2", mix, sampler.VE{Min: 0.01, Max: 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pts := points.New(40, tc.dens.Dim())
			tc.dens.Sample(pts, rand.New(rand.NewPCG(3, 4)))
			prior, err := density.Prior(tc.dens, tc.ve.Max)
			if err != nil {
				t.Fatal(err)
			}
			s := Settings{VE: tc.ve, Rtol: 1e-6, Atol: 1e-6, Trace: Exact, Prior: prior}
			res, err := Compute([]score.Field{density.Field{Density: tc.dens}, density.Field{Density: tc.dens}}, pts, s)
			if err != nil {
				t.Fatal(err)
			}
			truth := tc.dens.Perturbed(tc.ve.Min).(interface{ LogDensity([]float64) float64 })
			worst := 0.0
			for i := range pts.N {
				worst = math.Max(worst, math.Abs(res.LogP[i]-truth.LogDensity(pts.Row(i))))
			}
			if worst > 1e-3 {
				t.Errorf("largest error %.3g nats, want <= 1e-3", worst)
			}
			mean, most := res.MeanEvaluations()
			t.Logf("largest error %.2g nats; %.0f evaluations per point (at most %d)", worst, mean, most)
		})
	}
}

// normalPoints are n points of N(0, std^2 I) in R^d, from seed.
func normalPoints(n, d int, std float64, seed uint64) points.Points {
	p := points.New(n, d)
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := range p.X {
		p.X[i] = std * rng.NormFloat64()
	}
	return p
}

// testNet is a random noise-conditional MLP, as the core sees it.
func testNet(t *testing.T, d int, residual bool) *mlp.Net {
	t.Helper()
	m, err := nn.New(nn.Spec{Kind: "mlp", Dim: d, Hidden: []int{16, 16}, Activation: "swish", NoiseConditional: true, Residual: residual},
		rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.(*nn.MLP).Net()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// The network's divergence is the trace of its Jacobian: checked against
// central differences of its score, for the exact trace and for
// Hutchinson with every sign pattern in R^3 as probes (which averages to
// the exact trace).
func TestNetworkDivergenceMatchesDifferences(t *testing.T) {
	const d, n = 3, 5
	net := testNet(t, d, true)
	rng := rand.New(rand.NewPCG(1, 2))
	x, sigmas := make([]float64, n*d), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range sigmas {
		sigmas[i] = 0.1 + rng.Float64()
	}
	exact, err := NewNetwork(net, Exact, 0, 2, 1) // batch 2: the chunking is tested too
	if err != nil {
		t.Fatal(err)
	}
	score, div := make([]float64, n*d), make([]float64, n)
	if err := exact.Divergence(score, div, x, sigmas, nil, 0); err != nil {
		t.Fatal(err)
	}
	plain, err := mlp.NewPass(net, mlp.Options{Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-5
	for r := range n {
		fd := 0.0
		for j := range d {
			xp := append([]float64(nil), x[r*d:(r+1)*d]...)
			xp[j] += h
			sp, _ := plain.Forward(xp, sigmas[r:r+1], false)
			up := sp[j]
			xp[j] -= 2 * h
			sm, _ := plain.Forward(xp, sigmas[r:r+1], false)
			fd += (up - sm[j]) / (2 * h)
		}
		if math.Abs(fd-div[r]) > 1e-6*max(1, math.Abs(fd)) {
			t.Errorf("point %d: divergence %.9g, central differences %.9g", r, div[r], fd)
		}
	}
	// All 8 sign vectors of R^3 as the probes of every point.
	const k = 8
	probes := make([]float64, n*k*d)
	for r := range n {
		for p := range k {
			for j := range d {
				probes[(r*k+p)*d+j] = float64(1 - 2*((p>>j)&1))
			}
		}
	}
	hutch, err := NewNetwork(net, Hutchinson, k, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	est := make([]float64, n)
	if err := hutch.Divergence(score, est, x, sigmas, probes, k); err != nil {
		t.Fatal(err)
	}
	for r := range n {
		if math.Abs(est[r]-div[r]) > 1e-12*max(1, math.Abs(div[r])) {
			t.Errorf("point %d: Hutchinson over all sign vectors %.15g, exact %.15g", r, est[r], div[r])
		}
	}
}

// Hutchinson's log-likelihood is unbiased: over many probe seeds its mean
// is the exact one within three standard errors.
func TestHutchinsonUnbiased(t *testing.T) {
	const d = 4
	net := testNet(t, d, false)
	pts := normalPoints(3, d, 1, 5)
	s := Settings{VE: sampler.VE{Min: 0.05, Max: 5}, Rtol: 1e-6, Atol: 1e-6, Trace: Exact}
	field := func(trace string, k int) []score.Field {
		f, err := NewNetwork(net, trace, k, 8, 1)
		if err != nil {
			t.Fatal(err)
		}
		return []score.Field{f}
	}
	exact, err := Compute(field(Exact, 0), pts, s)
	if err != nil {
		t.Fatal(err)
	}
	s.Trace, s.Probes = Hutchinson, 1
	const seeds = 200
	sum, sumSq := make([]float64, pts.N), make([]float64, pts.N)
	spread := false
	for seed := range uint64(seeds) {
		s.Seed = seed
		res, err := Compute(field(Hutchinson, 1), pts, s)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range res.LogP {
			sum[i] += v
			sumSq[i] += v * v
			spread = spread || math.Abs(v-exact.LogP[i]) > 1e-6
		}
	}
	if !spread {
		t.Fatal("Hutchinson's estimates equal the exact value: the probes are not random")
	}
	for i := range pts.N {
		mean := sum[i] / seeds
		se := math.Sqrt((sumSq[i]/seeds - mean*mean) / (seeds - 1))
		if math.Abs(mean-exact.LogP[i]) > 3*se {
			t.Errorf("point %d: Hutchinson mean %.5f +- %.5f, exact %.5f", i, mean, se, exact.LogP[i])
		}
	}
}

// A point's log-likelihood does not depend on the other points, the
// number of workers or the batch size.
func TestComputeIndependentOfSplit(t *testing.T) {
	const d = 3
	net := testNet(t, d, true)
	pts := normalPoints(7, d, 2, 9)
	for _, trace := range []string{Exact, Hutchinson} {
		s := Settings{VE: sampler.VE{Min: 0.05, Max: 8}, Rtol: 1e-5, Atol: 1e-5, Trace: trace, Probes: 2, Seed: 4}
		run := func(workers, batch int) Result {
			var fs []score.Field
			for range workers {
				f, err := NewNetwork(net, trace, 2, batch, 1)
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs, f)
			}
			res, err := Compute(fs, pts, s)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		one := run(1, 16)
		for _, c := range []struct{ workers, batch int }{{3, 16}, {2, 1}, {7, 2}} {
			got := run(c.workers, c.batch)
			for i := range pts.N {
				if got.LogP[i] != one.LogP[i] || got.Evaluations[i] != one.Evaluations[i] {
					t.Errorf("%s, %d workers, batch %d: point %d: %v (%d evaluations), alone %v (%d)", trace, c.workers, c.batch, i,
						got.LogP[i], got.Evaluations[i], one.LogP[i], one.Evaluations[i])
				}
			}
		}
	}
}

func TestSettingsRefused(t *testing.T) {
	ok := Settings{VE: sampler.VE{Min: 0.01, Max: 1}, Rtol: 1e-5, Atol: 1e-5, Trace: Exact}
	for _, tc := range []struct {
		name string
		edit func(*Settings)
	}{
		{"min above max", func(s *Settings) { s.VE.Min = 2 }},
		{"zero min", func(s *Settings) { s.VE.Min = 0 }},
		{"rtol 1", func(s *Settings) { s.Rtol = 1 }},
		{"atol NaN", func(s *Settings) { s.Atol = math.NaN() }},
		{"unknown trace", func(s *Settings) { s.Trace = "hutch" }},
		{"no probes", func(s *Settings) { s.Trace = Hutchinson }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			if err := s.Check(); err == nil {
				t.Error("accepted")
			}
		})
	}
	if err := ok.Check(); err != nil {
		t.Errorf("good settings refused: %v", err)
	}
}

func ExampleBitsPerDim() {
	// A density of 1 everywhere on [0, 1]^D: 0 nats; over 256 bins per
	// dimension, each bin has probability 1/256, 8 bits.
	fmt.Println(BitsPerDim(0, 784, 8))
	// Output: 8
}

// Progress follows the slowest worker's share of the flow up to 1000, and
// watching changes no result.
func TestProgressFollowsTheFlow(t *testing.T) {
	gauss, err := density.NewGaussian([]float64{1, -2}, [][]float64{{1.5, 0.6}, {0.6, 0.8}})
	if err != nil {
		t.Fatal(err)
	}
	pts := points.New(30, 2)
	gauss.Sample(pts, rand.New(rand.NewPCG(5, 6)))
	fields := []score.Field{density.Field{Density: gauss}, density.Field{Density: gauss}}
	s := Settings{VE: sampler.VE{Min: 0.01, Max: 20}, Rtol: 1e-5, Atol: 1e-5, Trace: Exact}
	plain, err := Compute(fields, pts, s)
	if err != nil {
		t.Fatal(err)
	}
	var done []int
	s.Progress = func(d, total int) {
		if total != 1000 {
			t.Errorf("total %d, want 1000", total)
		}
		done = append(done, d)
	}
	watched, err := Compute(fields, pts, s)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plain.LogP, watched.LogP) {
		t.Error("watching the flow changed log p")
	}
	if len(done) < 3 || done[len(done)-1] != 1000 || !slices.IsSorted(done) {
		t.Errorf("progress %v, want several reports rising to 1000", done)
	}
}

// scaledField is a field k times another: a field gone wrong, as a
// checkpoint's edited weights make one.
type scaledField struct {
	score.Field
	k float64
}

func (f scaledField) Divergence(s, div, x, sigmas, probes []float64, k int) error {
	if err := f.Field.Divergence(s, div, x, sigmas, probes, k); err != nil {
		return err
	}
	for i := range s {
		s[i] *= f.k
	}
	for i := range div {
		div[i] *= f.k
	}
	return nil
}

// A flow that carries points far beyond where any field that learned its
// data could is refused, naming the point; points far from the data under
// the true field are not (their log p is small, and right).
func TestFlowTooFarIsRefused(t *testing.T) {
	gauss, err := density.NewGaussian([]float64{0, 0}, [][]float64{{1, 0}, {0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	ve := sampler.VE{Min: 0.01, Max: 20}
	far := points.Points{N: 3, D: 2, X: []float64{0.5, -0.5, 30, 0, -200, 100}}
	s := Settings{VE: ve, Rtol: 1e-6, Atol: 1e-6, Trace: Exact}
	res, err := Compute([]score.Field{density.Field{Density: gauss}}, far, s)
	if err != nil {
		t.Fatalf("the true field on points far from the data: %v", err)
	}
	truth := gauss.Perturbed(ve.Min).(interface{ LogDensity([]float64) float64 })
	for i := range far.N {
		// The prior N(0, sigma_max^2) is not the true p_1: allow its error.
		if got, want := res.LogP[i], truth.LogDensity(far.Row(i)); math.Abs(got-want) > 0.05*math.Abs(want)+0.1 {
			t.Errorf("point %d: log p %.6g, want %.6g", i, got, want)
		}
	}
	_, err = Compute([]score.Field{scaledField{density.Field{Density: gauss}, 30}}, far, s)
	if err == nil || !regexp.MustCompile(`^likelihood: point \d: the flow moved coordinate \d by .*: it left the range the model knows`).MatchString(err.Error()) {
		t.Errorf("a field 30 times too strong: got %v, want the point refused", err)
	}
}

// The U-Net's divergence by reverse passes: with sqrt(D) times the D unit vectors as
// the probes, Hutchinson's estimate is the trace itself, which central
// differences of the score give.
func TestUNetDivergenceMatchesDifferences(t *testing.T) {
	m, err := nn.New(nn.Spec{Kind: "unet", Dim: 16, Shape: [3]int{4, 4, 1}, Channels: []int{4, 8}, Groups: 2,
		NoiseConditional: true, SigmaData: 0.5, Activation: "swish"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range m.Params() { // away from the zero-started branches
		data := p.Value.Data().([]float64)
		for i := range data {
			data[i] += 0.3 * rng.NormFloat64()
		}
	}
	net, err := m.(*nn.UNet).Net()
	if err != nil {
		t.Fatal(err)
	}
	const d, n = 16, 3
	x, sigmas := make([]float64, n*d), []float64{0.05, 0.5, 4}
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	probes := make([]float64, n*d*d)
	for r := range n {
		for p := range d {
			probes[(r*d+p)*d+p] = 4 // sqrt(D) e_p: E[v v^T] = I over the D of them
		}
	}
	field, err := NewUNetNetwork(net, Hutchinson, 2, 1) // batch 2: the chunking is tested too
	if err != nil {
		t.Fatal(err)
	}
	score, div := make([]float64, n*d), make([]float64, n)
	if err := field.Divergence(score, div, x, sigmas, probes, d); err != nil {
		t.Fatal(err)
	}
	sc, err := nn.NewScorer(m, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-5
	s := make([]float64, d)
	for r := range n {
		fd := 0.0
		for j := range d {
			xp := append([]float64(nil), x[r*d:(r+1)*d]...)
			xp[j] += h
			sc.ScoreAt(s, xp, sigmas[r:r+1])
			up := s[j]
			xp[j] -= 2 * h
			sc.ScoreAt(s, xp, sigmas[r:r+1])
			fd += (up - s[j]) / (2 * h)
		}
		if math.Abs(fd-div[r]) > 1e-6*max(1, math.Abs(fd)) {
			t.Errorf("image %d: divergence %.9g, central differences %.9g", r, div[r], fd)
		}
	}
	if _, err := NewUNetNetwork(net, Exact, 2, 1); err == nil || !strings.Contains(err.Error(), "-trace hutchinson") {
		t.Errorf("the exact trace on a unet: %v, want a refusal naming -trace hutchinson", err)
	}
}

// classFields is a class-conditional field made of one closed-form field
// a class, each point scored by its label's (Labelled).
type classFields struct {
	of     []score.Field
	labels []int32
}

func (c *classFields) UseLabels(labels []int32) { c.labels = labels }

func (c *classFields) Divergence(s, div, x, sigmas, probes []float64, k int) error {
	d := len(x) / len(sigmas)
	for r, y := range c.labels {
		if err := c.of[y].Divergence(s[r*d:(r+1)*d], div[r:r+1], x[r*d:(r+1)*d], sigmas[r:r+1], nil, 0); err != nil {
			return err
		}
	}
	return nil
}

// With labels, each point flows through its own class's field, whichever
// points the solver still has unfinished: its log-likelihood is the one
// it has flowed alone through that field, and near its class's perturbed
// log-density (two Gaussians of one mean, one ten times as wide, a third
// of the points drawn from the other's, so that a swapped field would
// miss by nats).
func TestLabelsGiveEachPointItsClassField(t *testing.T) {
	a, err := density.NewGaussian([]float64{1, 0}, [][]float64{{0.2, 0.05}, {0.05, 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := density.NewGaussian([]float64{1, 0}, [][]float64{{2, 0}, {0, 3}})
	if err != nil {
		t.Fatal(err)
	}
	classes := []density.Density{a, b}
	pts := points.New(30, 2)
	labels := make([]int32, pts.N)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range pts.N {
		labels[i] = int32(rng.IntN(2))
		classes[(int(labels[i])+i%3/2)%2].Sample(points.Points{N: 1, D: 2, X: pts.Row(i)}, rng)
	}
	ve := sampler.VE{Min: 0.01, Max: 100}
	s := Settings{VE: ve, Rtol: 1e-6, Atol: 1e-6, Trace: Exact, Labels: labels}
	field := func() score.Field {
		return &classFields{of: []score.Field{density.Field{Density: a}, density.Field{Density: b}}}
	}
	res, err := Compute([]score.Field{field(), field()}, pts, s)
	if err != nil {
		t.Fatal(err)
	}
	for i, y := range labels {
		alone, err := Compute([]score.Field{density.Field{Density: classes[y]}}, pts.Subset([]int{i}), Settings{VE: ve, Rtol: 1e-6, Atol: 1e-6, Trace: Exact})
		if err != nil {
			t.Fatal(err)
		}
		truth := classes[y].Perturbed(ve.Min).(interface{ LogDensity([]float64) float64 }).LogDensity(pts.Row(i))
		other := classes[1-y].Perturbed(ve.Min).(interface{ LogDensity([]float64) float64 }).LogDensity(pts.Row(i))
		// The solver's error on a point ten of its class's deviations out
		// reaches 0.03 nats; the prior N(0, 100^2 I) standing for
		// N(mu, Sigma + 100^2 I) adds thousandths.
		if res.LogP[i] != alone.LogP[0] || math.Abs(res.LogP[i]-truth) > 0.1 {
			t.Errorf("point %d, class %d: %v, alone %v; its class's log-density %v (the other's %v)", i, y, res.LogP[i], alone.LogP[0], truth, other)
		}
	}
	s.Labels = labels[:3]
	if _, err := Compute([]score.Field{field()}, pts, s); err == nil || !strings.Contains(err.Error(), "3 labels for 30 points") {
		t.Errorf("3 labels for 30 points: %v, want refused", err)
	}
	s.Labels = labels
	if _, err := Compute([]score.Field{density.Field{Density: a}}, pts, s); err == nil || !strings.Contains(err.Error(), "without classes") {
		t.Errorf("labels for a field without classes: %v, want refused", err)
	}
}

// A class-conditional network's likelihood of labelled points is that of
// each class's points flowed alone with their label, however the points
// are split among workers and passes: the MLP's exact trace and the
// U-Net's Hutchinson estimate.
func TestNetworkLabelsFollowTheirPoints(t *testing.T) {
	mlpNet, err := nn.New(nn.Spec{Kind: "mlp", Dim: 3, Hidden: []int{16, 16}, Activation: "swish", NoiseConditional: true, Residual: true, Classes: 3},
		rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	unetNet, err := nn.New(nn.Spec{Kind: "unet", Dim: 16, Shape: [3]int{4, 4, 1}, Channels: []int{4, 8}, Groups: 2,
		NoiseConditional: true, SigmaData: 0.5, Activation: "swish", Classes: 3}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range unetNet.Params() { // away from the zero-started branches, the classes' too
		data := p.Value.Data().([]float64)
		for i := range data {
			data[i] += 0.3 * rng.NormFloat64()
		}
	}
	for _, c := range []struct {
		name  string
		d     int
		trace string
		field func(batch int) score.Field
	}{
		{"mlp", 3, Exact, func(batch int) score.Field {
			net, err := mlpNet.(*nn.MLP).Net()
			if err != nil {
				t.Fatal(err)
			}
			f, err := NewNetwork(net, Exact, 0, batch, 1)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{"unet", 16, Hutchinson, func(batch int) score.Field {
			net, err := unetNet.(*nn.UNet).Net()
			if err != nil {
				t.Fatal(err)
			}
			f, err := NewUNetNetwork(net, Hutchinson, batch, 1)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pts := normalPoints(9, c.d, 1, 11)
			labels := []int32{0, 2, 1, 1, 0, 2, 2, 0, 1}
			s := Settings{VE: sampler.VE{Min: 0.05, Max: 8}, Rtol: 1e-4, Atol: 1e-4, Trace: c.trace, Probes: 1, Seed: 3}
			run := func(p points.Points, labels []int32, indexes []int, workers, batch int) Result {
				var fs []score.Field
				for range workers {
					fs = append(fs, c.field(batch))
				}
				s.Labels, s.Indexes = labels, indexes
				res, err := Compute(fs, p, s)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			together := run(pts, labels, nil, 2, 2)
			unlabelled := run(pts, nil, nil, 2, 2)
			for y := range int32(3) {
				var idx []int
				for i, l := range labels {
					if l == y {
						idx = append(idx, i)
					}
				}
				same := make([]int32, len(idx))
				for k := range same {
					same[k] = y
				}
				// The points' own indexes keep their probes (Hutchinson).
				alone := run(pts.Subset(idx), same, idx, 1, 16)
				for k, i := range idx {
					if together.LogP[i] != alone.LogP[k] {
						t.Errorf("class %d, point %d: %v among the others, %v alone", y, i, together.LogP[i], alone.LogP[k])
					}
					if together.LogP[i] == unlabelled.LogP[i] {
						t.Errorf("class %d, point %d: %v, the same without its label", y, i, together.LogP[i])
					}
				}
			}
		})
	}
}
