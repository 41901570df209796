package workflow_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/configs"
	"scorenet/internal/noisescale"
	"scorenet/points"
	"scorenet/train"
	"scorenet/workflow"
)

func testConfig(t *testing.T, overrides ...string) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse([]byte("name: r\ndata: {dataset: moons}\nmodel: {hidden: [16, 16]}\n"), "r.yaml",
		append([]string{"output.dir=" + t.TempDir()}, overrides...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// trained trains cfg briefly and opens the run.
func trained(t *testing.T, cfg *configs.Config) *workflow.Run {
	t.Helper()
	if _, err := train.Fit(context.Background(), cfg, train.Options{}); err != nil {
		t.Fatal(err)
	}
	run, err := workflow.Open(cfg.Output.Dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// A run trained on a data file opens after the file has gone; only Data
// asks for the file, naming it and what needed it.
func TestRunDataNamesTheMissingFile(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "points.csv")
	if err := os.WriteFile(csv, []byte("1,2\n3,5\n-1,0\n2,2\n0,1\n4,-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, "data.dataset=file", "data.path="+csv, "data.holdout=0", "train.steps=2", "train.batch_size=4", "train.eval_every=0")
	run := trained(t, cfg)
	if err := os.Remove(csv); err != nil {
		t.Fatal(err)
	}
	_, err := run.Data("plotting over the data")
	if err == nil || !strings.Contains(err.Error(), "plotting over the data needs the run's training data, data.path "+csv) {
		t.Errorf("Data with the file gone: %v, want the file and the reason named", err)
	}
}

// One recipe for every sampling: any shard of the chains draws the same
// bits as those rows of the whole, the samples come back in data units,
// and a file start without its points is ErrFileStart.
func TestSampleShardsMatchTheWhole(t *testing.T) {
	for _, c := range []struct {
		name     string
		sampler  string
		settings []string
	}{
		{"annealed", "annealed", []string{"sample.steps_per_level=3"}},
		{"ode", "ode", nil},
		{"langevin", "langevin", []string{"sample.steps=20"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t, append([]string{"train.loss=anneal_dsm", "model.noise_conditional=true", "train.sigmas={begin: 3, end: 0.1, n: 5}",
				"train.steps=20", "train.eval_every=0", "data.standardize=true", "sample.sampler=" + c.sampler, "sample.n=12"}, c.settings...)...)
			run := trained(t, cfg)
			job, err := run.RunJob(run.Config.Sample, "network")
			if err != nil {
				t.Fatal(err)
			}
			whole, err := workflow.Sample(job)
			if err != nil {
				t.Fatal(err)
			}
			job.First, job.Count = 5, 4
			part, err := workflow.Sample(job)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(part.Samples.X, whole.Samples.X[5*2:9*2]) {
				t.Errorf("chains 5..8 drawn alone differ from those rows of the whole")
			}
			back := run.Norm.Invert(whole.Chains)
			if !slices.Equal(back.X, whole.Samples.X) {
				t.Error("the samples are not the chains mapped back to data units")
			}
			if whole.Steps != job.Settings().TotalSteps() || len(whole.Evaluations) != 12 {
				t.Errorf("%d steps, %d evaluation counts", whole.Steps, len(whole.Evaluations))
			}
		})
	}
	cfg := testConfig(t, "train.steps=2", "train.eval_every=0", "sample.init.kind=file", "sample.init.path=start.csv")
	run := trained(t, cfg)
	job, err := run.RunJob(run.Config.Sample, "network")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workflow.Sample(job); err != workflow.ErrFileStart {
		t.Errorf("a file start without points: %v, want ErrFileStart", err)
	}
}

// Choosing reads the config and writes nothing into it; Apply writes what
// was chosen.
func TestChooseAutoLeavesTheConfig(t *testing.T) {
	cfg := testConfig(t, "train.sigmas=auto", "sample.eps=auto", "model.sigma_data=auto", "train.loss=anneal_dsm", "model.noise_conditional=true")
	p := points.New(64, 2)
	for i := range p.X {
		p.X[i] = float64(i%7) - 0.5*float64(i%3)
	}
	before := string(cfg.YAML())
	auto, err := workflow.ChooseAuto(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.YAML()) != before {
		t.Error("ChooseAuto changed the config")
	}
	if len(auto.Said) != 3 || auto.Sigmas.N < 2 || !(auto.SigmaData > 0) || !(auto.Eps > 0) {
		t.Fatalf("chose %+v", auto)
	}
	auto.Apply(cfg)
	if cfg.Train.Sigmas != auto.Sigmas || cfg.Model.SigmaData != auto.SigmaData || cfg.Sample.Eps != auto.Eps {
		t.Errorf("Apply wrote sigmas %+v, sigma_data %v, eps %v; chose %+v", cfg.Train.Sigmas, cfg.Model.SigmaData, cfg.Sample.Eps, auto)
	}
	again, err := workflow.ChooseAuto(cfg, p)
	if err != nil || len(again.Said) != 0 {
		t.Errorf("a config whose auto values are chosen chose again: %+v, %v", again, err)
	}
}

// Auto noise scales are chosen from the data as documented: sigma_1 the
// largest distance, sigma_L 0.03 of the RMS standard deviation, the levels
// by technique 2 (D >= 5) or a ratio of at most 1.4; eps by technique 4.
func TestChooseNoiseScales(t *testing.T) {
	// The 256 corners of [-1, 1]^8, four times: RMS std 1, largest
	// distance 2 sqrt(8), nearest distinct neighbours 2 apart, so the
	// spacing floor 2/(10 sqrt 8) = 0.0707 is above 0.03 and wins.
	p := points.New(1024, 8)
	for i := range p.X {
		p.X[i] = float64(2*((i/8)%256>>(i%8)&1) - 1)
	}
	cfg := testConfig(t, "train.sigmas=auto", "sample.eps=auto", "train.loss=anneal_dsm", "model.noise_conditional=true")
	s, said, err := workflow.ChooseSigmas(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Train.Sigmas = s
	if math.Abs(s.Begin-2*math.Sqrt(8)) > 1e-12 || math.Abs(s.End-2/(10*math.Sqrt(8))) > 1e-12 || s.N < 2 || !s.Auto {
		t.Errorf("chose %+v (%s), want 5.657 down to 0.0707", s, said)
	}
	ratio := math.Pow(s.Begin/s.End, 1/float64(s.N-1))
	if gamma, _ := noisescale.Gamma(8); ratio > gamma || math.Pow(s.Begin/s.End, 1/float64(s.N-2)) <= gamma {
		t.Errorf("%d levels give ratio %v; technique 2 for D = 8 allows %v, and one level fewer must exceed it", s.N, ratio, gamma)
	}
	eps, said, err := workflow.ChooseEps(cfg)
	if err != nil || !(eps > 0) || !strings.Contains(said, "technique 4") {
		t.Errorf("eps %v (%s, %v)", eps, said, err)
	}
	plain := testConfig(t, "sample.eps=auto")
	if _, _, err := workflow.ChooseEps(plain); err == nil || !strings.Contains(err.Error(), "needs a ladder of 2 or more noise levels") {
		t.Errorf("eps auto without a ladder: %v", err)
	}
}

// model.sigma_data: auto is the standard deviation of all the training
// values about their common mean, taken once, and refused for constant data.
func TestChooseSigmaData(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		want   float64 // 0: an error
	}{
		// Mean 2, deviations -2, 0, 0, 2: variance 8/4.
		{"two columns", []float64{0, 2, 2, 4}, math.Sqrt2},
		{"pixels", []float64{0, 0, 0, 1}, math.Sqrt(3.0 / 16)},
		{"constant", []float64{3, 3, 3, 3}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t, "model.sigma_data=auto", "model.noise_conditional=true", "train.loss=anneal_dsm")
			p := points.Points{N: 2, D: 2, X: c.values}
			std, said, err := workflow.ChooseSigmaData(cfg, p)
			if c.want == 0 {
				if err == nil || !strings.Contains(err.Error(), "set model.sigma_data by hand") {
					t.Errorf("constant data: %v", err)
				}
				return
			}
			if err != nil || math.Abs(std-c.want) > 1e-15 || !strings.Contains(said, "standard deviation") {
				t.Errorf("sigma_data %v (%q, %v), want %v", std, said, err, c.want)
			}
			cfg.Model.SigmaData = std
			_, again, _ := workflow.ChooseSigmaData(cfg, points.Points{N: 1, D: 2, X: []float64{0, 100}})
			if again != "" || math.Abs(cfg.Model.SigmaData-c.want) > 1e-15 {
				t.Errorf("a chosen sigma_data was chosen again: %v (%q)", cfg.Model.SigmaData, again)
			}
		})
	}
}

// sample.churn_max: auto is ChurnMaxSpreads times the data's spread, chosen
// once, and refused where it would leave churn nowhere to start or the data
// have no spread.
func TestChooseChurnMax(t *testing.T) {
	for _, c := range []struct {
		name    string
		sample  configs.Sample
		spread  float64
		want    float64
		problem string // "": no error
	}{
		{"auto", configs.Sample{ChurnMaxAuto: true}, 0.35, 0.525, ""},
		{"auto above churn_min", configs.Sample{ChurnMaxAuto: true, ChurnMin: 0.5}, 0.35, 0.525, ""},
		{"not auto", configs.Sample{ChurnMax: 0.2}, 0.35, 0, ""},
		{"chosen before", configs.Sample{ChurnMaxAuto: true, ChurnMax: 0.7}, 0.35, 0, ""},
		{"churn_min above it", configs.Sample{ChurnMaxAuto: true, ChurnMin: 0.6}, 0.35, 0, "not above sample.churn_min 0.6"},
		{"no spread", configs.Sample{ChurnMaxAuto: true}, 0, 0, "set sample.churn_max by hand"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, said, err := workflow.ChooseChurnMax(c.sample, c.spread, "the spread")
			if c.problem != "" {
				if err == nil || !strings.Contains(err.Error(), c.problem) {
					t.Errorf("error %v, want one saying %q", err, c.problem)
				}
				return
			}
			if err != nil || math.Abs(got-c.want) > 1e-15 || (c.want > 0) != strings.Contains(said, "1.5 times the spread") {
				t.Errorf("churn_max %v (%q, %v), want %v", got, said, err, c.want)
			}
		})
	}
}

// churn_max: auto on a run trained without it (given to sample) takes the
// run's recorded data spread; train chooses it from the training values
// and the run keeps the number.
func TestChurnMaxFromTheRun(t *testing.T) {
	cfg := testConfig(t, "train.loss=anneal_dsm", "model.noise_conditional=true", "train.sigmas={begin: 3, end: 0.1, n: 5}",
		"train.steps=2", "train.eval_every=0", "sample.sampler=heun", "sample.churn=10", "sample.n=4", "sample.steps=3")
	run := trained(t, cfg)
	if run.Config.Sample.ChurnMax != 0 || run.Config.Sample.ChurnMaxAuto {
		t.Fatalf("the run chose churn_max %v (auto %v) unasked", run.Config.Sample.ChurnMax, run.Config.Sample.ChurnMaxAuto)
	}
	s := run.Config.Sample
	s.ChurnMaxAuto = true
	job, err := run.RunJob(s, "network")
	if err != nil {
		t.Fatal(err)
	}
	want := configs.ChurnMaxSpreads * run.Moments.Spread()
	if !(want > 0) || job.Sample.ChurnMax != want || job.Settings().Churn.Max != want {
		t.Errorf("sampling with churn_max auto: %v (settings %v), want %v times the recorded spread, %v", job.Sample.ChurnMax, job.Settings().Churn.Max, configs.ChurnMaxSpreads, want)
	}

	auto := testConfig(t, "train.loss=anneal_dsm", "model.noise_conditional=true", "train.sigmas={begin: 3, end: 0.1, n: 5}",
		"train.steps=2", "train.eval_every=0", "sample.sampler=heun", "sample.churn=10", "sample.churn_max=auto")
	chosen := trained(t, auto)
	if s := chosen.Config.Sample; !s.ChurnMaxAuto || math.Abs(s.ChurnMax-configs.ChurnMaxSpreads*chosen.Moments.Spread()) > 1e-12*s.ChurnMax {
		t.Errorf("train kept churn_max %v (auto %v), want %v times the data's spread %v", s.ChurnMax, s.ChurnMaxAuto, configs.ChurnMaxSpreads, chosen.Moments.Spread())
	}
}

// Starting points given for every chain set how many there are; a shard
// beyond them, or points of another dimension, is an error, not a panic.
func TestSampleFromGivenStartingPoints(t *testing.T) {
	cfg := testConfig(t, "train.steps=2", "train.eval_every=0", "sample.n=100", "sample.steps=3")
	run := trained(t, cfg)
	job, err := run.RunJob(run.Config.Sample, "network")
	if err != nil {
		t.Fatal(err)
	}
	start := points.New(10, 2)
	job.Start = &start
	drawn, err := workflow.Sample(job)
	if err != nil || drawn.Samples.N != 10 {
		t.Fatalf("10 starting points drew %v chains (%v), want 10", drawn, err)
	}
	job.First, job.Count = 8, 5
	if _, err := workflow.Sample(job); err == nil || !strings.Contains(err.Error(), "chains 8 to 12 of 10") {
		t.Errorf("a shard beyond the points: %v", err)
	}
	wide := points.New(10, 3)
	job.Start, job.First, job.Count = &wide, 0, 0
	if _, err := workflow.Sample(job); err == nil || !strings.Contains(err.Error(), "3 coordinates, the model's dimension is 2") {
		t.Errorf("points of another dimension: %v", err)
	}
}

// model.hidden: auto grows with D and is held back by few training points.
func TestChooseHidden(t *testing.T) {
	cfg := testConfig(t, "model.hidden=auto")
	for _, c := range []struct {
		name  string
		d, n  int
		width int
	}{
		{"two-moons", 2, 1600, 128},
		{"wine", 13, 114, 128},
		{"breast cancer", 30, 409, 128},
		{"digits", 64, 1150, 512},
		{"Fashion-MNIST", 784, 54000, 1024},
	} {
		t.Run(c.name, func(t *testing.T) {
			hidden, said := workflow.ChooseHidden(cfg, c.d, c.n)
			if !slices.Equal(hidden, []int{c.width, c.width, c.width}) || !strings.Contains(said, "model.hidden auto") {
				t.Errorf("D %d, %d points: %v (%s), want three layers of %d", c.d, c.n, hidden, said, c.width)
			}
		})
	}
}

// Snapshots are kept only for a job that writes them: a snapshot_every
// left in a run's config made eval and the training figures keep every
// chain at every step, and run out of memory.
func TestSnapshotsKeptOnlyWhenWritten(t *testing.T) {
	j := workflow.Job{Sample: configs.Sample{Sampler: "annealed", SnapshotEvery: 1}}
	if got := j.Settings().SnapshotEvery; got != 0 {
		t.Errorf("a job that writes no snapshots keeps one every %d steps", got)
	}
	j.KeepSnapshots = true
	if got := j.Settings().SnapshotEvery; got != 1 {
		t.Errorf("sample -snapshots keeps one every %d steps, want 1", got)
	}
}

// The likelihood's memory check counts what writing its results takes:
// found wanting only at the writing, a whole solve was lost.
func TestLikelihoodBudgetsItsOutput(t *testing.T) {
	x := points.New(1000, 2)
	if err := (workflow.LikelihoodOptions{}).CheckMemory(x); err != nil {
		t.Fatalf("1000 points: %v", err)
	}
	err := (workflow.LikelihoodOptions{OutputBytes: 1 << 62}).CheckMemory(x)
	if err == nil || !strings.Contains(err.Error(), "the ODE's state for 1000 points") {
		t.Errorf("an output too large to hold: %v", err)
	}
}
