package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"scorenet/datasets"
	"scorenet/points"
	"scorenet/sampler"
)

func fractionNear55(t *testing.T, path string) float64 {
	t.Helper()
	p, err := datasets.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sampler.FractionNearest(p, [][]float64{{5, 5}, {-5, -5}})[0]
}

// A small noise-conditional run: sample and plot work end to end, and the
// analytic score reproduces the paper's annealed/plain contrast.
func TestSampleAndPlot(t *testing.T) {
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[16]", "-set", "train.steps=20", "-set", "data.n=500"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	out, img := filepath.Join(dir, "s.csv"), filepath.Join(dir, "s.png")
	code, stdout, errs := scorenet("sample", "-run", runDir, "-n", "64", "-out", out, "-plot", img,
		"-set", "sample.steps_per_level=3", "-set", "sample.snapshot_every=10", "-snapshots", filepath.Join(dir, "snaps.csv"))
	if code != 0 || !strings.Contains(stdout, "sampled 64 chains for 30 steps") || !strings.Contains(stdout, "chain-steps/s") {
		t.Fatalf("sample exited %d: %q %q", code, stdout, errs)
	}
	samples, err := datasets.ReadFile(out)
	if err != nil || samples.N != 64 || samples.D != 2 {
		t.Fatalf("samples file: %d x %d, %v", samples.N, samples.D, err)
	}
	snaps, err := datasets.ReadFile(filepath.Join(dir, "snaps.csv"))
	if err != nil || snaps.N != 3*64 || snaps.D != 5 {
		t.Fatalf("snapshots: %d x %d, %v", snaps.N, snaps.D, err)
	}
	for _, f := range []string{img} {
		checkPNG(t, f)
	}
	code, stdout, errs = scorenet("plot", "-run", runDir)
	if code != 0 || !strings.Contains(stdout, "loss.png") || !strings.Contains(stdout, "field.png") {
		t.Fatalf("plot exited %d: %q %q", code, stdout, errs)
	}
	checkPNG(t, filepath.Join(runDir, "loss.png"))
	checkPNG(t, filepath.Join(runDir, "field.png"))

	if code, stdout, errs := scorenet("eval", "-run", runDir, "-n", "50", "-set", "sample.eps=50"); code == 0 ||
		!strings.Contains(errs, "chains diverged") || strings.Contains(stdout, "mmd2") {
		t.Errorf("eval on diverging samples: exit %d, %q %q; want no metrics and the divergence named", code, stdout, errs)
	}
	code, stdout, errs = scorenet("eval", "-run", runDir, "-n", "50", "-set", "sample.eps=0.005")
	var rep struct {
		Step    int
		Heldout struct{ Points int }
		Fisher  []struct{ Sigma, Relative float64 }
		Samples struct {
			N          int
			Components []struct{ Weight, Fraction float64 }
		}
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil {
		t.Fatalf("eval exited %d: %q %q", code, stdout, errs)
	}
	if rep.Step != 20 || rep.Heldout.Points != 25 || len(rep.Fisher) != 10 || rep.Fisher[0].Sigma != 20 ||
		rep.Samples.N != 50 || len(rep.Samples.Components) != 2 || rep.Samples.Components[0].Weight != 0.8 {
		t.Errorf("eval report %+v lacks what the run has", rep)
	}
	if saved, err := os.ReadFile(filepath.Join(runDir, "eval.json")); err != nil || string(saved) != stdout {
		t.Errorf("eval.json does not hold the printed report (%v)", err)
	}

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-set", "train.steps=5"}, "sample changes only sample.* keys"},
		{[]string{"-sampler", "gibbs"}, `-sampler gibbs: sample.sampler: "gibbs" is not one of langevin, annealed`},
		{[]string{"-n", "0"}, `-n 0: sample.n: must be >= 1, got 0`},
		{[]string{"-n", "-5"}, `-n -5: sample.n: must be >= 1, got -5`},
		{[]string{"-n", "10000000000"}, `-n 10000000000: sample.n: must be at most 100000000`},
		{[]string{"-set", "sample.eps=.inf"}, "sample.eps: must be a finite number"},
		{[]string{"-score", "oracle"}, `-score "oracle": want network or analytic`},
		{[]string{"-set", "sample.eps=-1"}, "sample.eps: must be > 0"},
	}
	for _, c := range cases {
		code, _, errs := scorenet(append([]string{"sample", "-run", runDir, "-n", "64", "-out", out}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errs, c.want)
		}
	}

	// Outputs are checked, or their directories made, before the work.
	blocker := filepath.Join(dir, "blocker")
	os.WriteFile(blocker, nil, 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-out", filepath.Join(blocker, "s.csv")}, "-out " + filepath.Join(blocker, "s.csv") + ": cannot create its directory"},
		{[]string{"-out", out, "-plot", filepath.Join(blocker, "s.png")}, "-plot " + filepath.Join(blocker, "s.png") + ": cannot create its directory"},
		{[]string{"-out", dir}, "-out " + dir + ": is a directory"},
	} {
		code, stdout, errs := scorenet(append([]string{"sample", "-run", runDir, "-n", "64"}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.want) || stdout != "" {
			t.Errorf("%v: exit %d, %q %q; want %q before any sampling", c.args, code, stdout, errs, c.want)
		}
	}
	nested := filepath.Join(dir, "new", "dir", "s.csv")
	if code, stdout, errs := scorenet("sample", "-run", runDir, "-n", "8", "-out", nested, "-plot", filepath.Join(dir, "new", "p", "s.png"),
		"-set", "sample.steps_per_level=1"); code != 0 || !strings.Contains(stdout, "into "+nested) || !strings.Contains(stdout, "wrote "+filepath.Join(dir, "new", "p", "s.png")) {
		t.Errorf("sample into new directories: exit %d, %q %q", code, stdout, errs)
	}
	// Chains thrown far outside everything the model knows stop the run,
	// saying where, instead of writing huge samples.
	code, _, errs = scorenet("sample", "-run", runDir, "-n", "64", "-out", out, "-set", "sample.eps=50")
	if code == 0 || !regexp.MustCompile(`chains diverged: \d+ of 64 \(.*%\) left \|x\| <= [0-9.e+]+ in every coordinate \(model units\) by step \d+ of 1000 \(sigma [0-9.]+, step size [0-9.e+]+\), more than the 5% that may be left out: lower sample.eps`).MatchString(errs) {
		t.Errorf("diverging sampler: exit %d, %q", code, errs)
	}

	// With the true scores, the sampler alone shows the paper's contrast.
	annealed, plain := filepath.Join(dir, "a.csv"), filepath.Join(dir, "p.csv")
	for _, run := range [][]string{{"-out", annealed}, {"-out", plain, "-sampler", "langevin"}} {
		if code, _, errs := scorenet(append([]string{"sample", "-run", runDir, "-score", "analytic"}, run...)...); code != 0 {
			t.Fatalf("analytic sample: %s", errs)
		}
	}
	fa, fp := fractionNear55(t, annealed), fractionNear55(t, plain)
	t.Logf("analytic score, seed 0: annealed %.3f, plain %.3f near (5,5)", fa, fp)
	if fa < 0.75 || fa > 0.85 || fp > 0.6 {
		t.Errorf("analytic score: annealed %.3f, plain %.3f near (5,5); want about 0.8 and 0.5", fa, fp)
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	img := readPNG(t, path)
	if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 300 {
		t.Errorf("%s is only %dx%d", path, b.Dx(), b.Dy())
	}
}

// The paper's experiment with the trained network: the shipped config,
// trained as shipped, then annealed Langevin over 3 seeds of 1280 chains
// and plain Langevin over one.
func TestMixtureExperimentTrainedNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("trains configs/mixture_annealed.yaml and samples 4 x 1280 chains (about 12 s)")
	}
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+runDir); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	var fractions []float64
	sum := 0.0
	for seed := 1; seed <= 3; seed++ {
		out := filepath.Join(dir, fmt.Sprintf("a%d.csv", seed))
		code, stdout, errs := scorenet("sample", "-run", runDir, "-seed", fmt.Sprint(seed), "-out", out)
		if code != 0 {
			t.Fatalf("sample: %s", errs)
		}
		t.Log(strings.TrimSpace(stdout))
		f := fractionNear55(t, out)
		fractions = append(fractions, f)
		sum += f
	}
	plain := filepath.Join(dir, "plain.csv")
	if code, _, errs := scorenet("sample", "-run", runDir, "-sampler", "langevin", "-seed", "1", "-out", plain); code != 0 {
		t.Fatalf("sample: %s", errs)
	}
	mean, fp := sum/3, fractionNear55(t, plain)
	t.Logf("trained network, fraction near (5,5): annealed %.3f (mean %.3f), plain %.3f", fractions, mean, fp)
	if mean < 0.75 || mean > 0.85 {
		t.Errorf("annealed Langevin on the trained network: mean fraction %.3f, want 0.80 +/- 0.05", mean)
	}
	if fp > 0.65 {
		t.Errorf("plain Langevin on the trained network: fraction %.3f near (5,5); it should keep near its start's 0.5", fp)
	}
}

// With sigmas and eps chosen from the data (train.sigmas: auto, sample.eps:
// auto), the mixture experiment still recovers the weights: annealed
// fraction within 0.80 +/- 0.03 over five seeds; the choice is said at
// start-up and kept in the run's config.yaml.
func TestMixtureExperimentWithAutoNoiseScales(t *testing.T) {
	if testing.Short() {
		t.Skip("trains configs/mixture_annealed.yaml with auto noise scales and samples 5 x 1280 chains (about 14 s)")
	}
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+runDir,
		"-set", "train.sigmas=auto", "-set", "sample.eps=auto")
	if code != 0 {
		t.Fatalf("train: %s", errs)
	}
	if !strings.Contains(errs, "train.sigmas auto: 17 levels from 20.73") || !strings.Contains(errs, "sample.eps auto: 0.0008754") {
		t.Errorf("the start-up lines do not say what was chosen:\n%s", errs)
	}
	saved, _ := os.ReadFile(filepath.Join(runDir, "config.yaml"))
	if !strings.Contains(string(saved), "auto: true") || !strings.Contains(string(saved), `"n": 17`) || !strings.Contains(string(saved), "eps_auto: true") {
		t.Errorf("config.yaml does not keep the chosen levels:\n%s", saved)
	}
	sum := 0.0
	for seed := 1; seed <= 5; seed++ {
		out := filepath.Join(dir, fmt.Sprintf("a%d.csv", seed))
		if code, _, errs := scorenet("sample", "-run", runDir, "-seed", fmt.Sprint(seed), "-n", "1280", "-out", out); code != 0 {
			t.Fatalf("sample: %s", errs)
		}
		sum += fractionNear55(t, out)
	}
	if mean := sum / 5; math.Abs(mean-0.8) > 0.03 {
		t.Errorf("annealed Langevin with auto noise scales: mean fraction %.3f, want 0.80 +/- 0.03", mean)
	} else {
		t.Logf("mean fraction near (5,5) with auto noise scales: %.3f", mean)
	}
	// EDM's solvers, 25 levels: the same weights, each mode's spread
	// within 0.9-1.15 of its standard deviation 1.
	for _, kind := range []string{"heun", "dpmpp_2m"} {
		var all points.Points
		for seed := 1; seed <= 5; seed++ {
			out := filepath.Join(dir, fmt.Sprintf("%s%d.csv", kind, seed))
			code, stdout, errs := scorenet("sample", "-run", runDir, "-seed", fmt.Sprint(seed), "-n", "1280", "-out", out, "-set", "sample.sampler="+kind)
			if code != 0 {
				t.Fatalf("sample: %s", errs)
			}
			if seed == 1 {
				t.Log(strings.TrimSpace(stdout))
			}
			p, err := datasets.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			all.X, all.N, all.D = append(all.X, p.X...), all.N+p.N, p.D
		}
		heavy, spreads := modeSpreads(all, [][]float64{{5, 5}, {-5, -5}})
		t.Logf("%s, 25 levels: fraction %.3f near (5,5); spreads per mode and column %.3f", kind, heavy, spreads)
		if math.Abs(heavy-0.8) > 0.03 {
			t.Errorf("%s with auto noise scales: fraction %.3f near (5,5), want 0.80 +/- 0.03", kind, heavy)
		}
		for k, s := range spreads {
			if s < 0.9 || s > 1.15 {
				t.Errorf("%s: spread %.3f (mode %d, column %d), want 0.9-1.15", kind, s, k/2+1, k%2+1)
			}
		}
	}
}

// modeSpreads are the share of p nearest the first centre, and the standard
// deviation of each column among the points nearest each centre, centre by
// centre.
func modeSpreads(p points.Points, centres [][]float64) (first float64, spreads []float64) {
	groups := make([]points.Points, len(centres))
	for i := range p.N {
		row, best := p.Row(i), 0
		for k := range centres {
			if sq(row, centres[k]) < sq(row, centres[best]) {
				best = k
			}
		}
		groups[best].X, groups[best].N, groups[best].D = append(groups[best].X, row...), groups[best].N+1, p.D
	}
	for _, g := range groups {
		cov := g.Covariance()
		for j := range p.D {
			spreads = append(spreads, math.Sqrt(cov[j*p.D+j]))
		}
	}
	return float64(groups[0].N) / float64(p.N), spreads
}

func sq(a, b []float64) float64 {
	s := 0.0
	for j := range a {
		s += (a[j] - b[j]) * (a[j] - b[j])
	}
	return s
}

// The gaussian2d experiment on a noise-conditional model: annealed
// Langevin and EDM's solvers at 25 levels all recover the data's mean
// (within 0.1) and covariance (each entry within 15% of the largest
// variance) from the same trained run.
func TestGaussian2DWithEachSampler(t *testing.T) {
	if testing.Short() {
		t.Skip("trains configs/gaussian2d.yaml by anneal_dsm and samples it three ways (about 12 s)")
	}
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/gaussian2d.yaml", "-set", "output.dir="+runDir,
		"-set", "train.loss=anneal_dsm", "-set", "model.noise_conditional=true", "-set", "train.sigmas=auto", "-set", "sample.eps=auto",
		"-set", "model.sigma_data=auto", "-set", "model.activation=swish", "-set", "train.steps=6000"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	mean, cov := []float64{1, -2}, []float64{2, 0.8, 0.8, 1}
	for _, kind := range []string{"annealed", "heun", "dpmpp_2m"} {
		out := filepath.Join(dir, kind+".csv")
		if code, _, errs := scorenet("sample", "-run", runDir, "-n", "2000", "-out", out, "-set", "sample.sampler="+kind); code != 0 {
			t.Fatalf("sample %s: %s", kind, errs)
		}
		p, err := datasets.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		m, c := p.Mean(), p.Covariance()
		t.Logf("%s: mean %.3f, covariance %.3f", kind, m, c)
		for j := range mean {
			if math.Abs(m[j]-mean[j]) > 0.1 {
				t.Errorf("%s: mean[%d] %.3f, want %v +- 0.1", kind, j, m[j], mean[j])
			}
		}
		for k := range cov {
			if math.Abs(c[k]-cov[k]) > 0.15*2 {
				t.Errorf("%s: covariance entry %d %.3f, want %v +- 0.3", kind, k, c[k], cov[k])
			}
		}
	}
}
