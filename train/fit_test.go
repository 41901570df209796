package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/evaluate"
	"scorenet/internal/gemm"
	"scorenet/nn"
	"scorenet/points"
	"scorenet/progress"
	"scorenet/rundir"
	"scorenet/workflow"
)

// relErr is |got - want| relative to the larger magnitude, with an absolute
// floor so that entries that are zero up to rounding compare absolutely.
func relErr(got, want, floor float64) float64 {
	return math.Abs(got-want) / math.Max(floor, math.Max(math.Abs(got), math.Abs(want)))
}

// loadConfig loads a config with overrides, writing into a fresh directory.
func loadConfig(t *testing.T, path string, overrides ...string) *configs.Config {
	t.Helper()
	cfg, err := configs.Load(path, append([]string{"output.dir=" + t.TempDir()}, overrides...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func parseConfig(t *testing.T, text string, overrides ...string) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse([]byte(text), "test.yaml", append([]string{"output.dir=" + t.TempDir()}, overrides...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func fit(t *testing.T, cfg *configs.Config, resume bool) *Summary {
	t.Helper()
	var log strings.Builder
	sum, err := Fit(context.Background(), cfg, Options{Resume: resume, Out: &log})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	return sum
}

const tinyRun = `name: tiny
seed: 5
data: {dataset: moons, n: 600, holdout: 0.2, standardize: true}
model: {type: mlp, hidden: [16, 16], activation: swish}
train: {batch_size: 32, steps: 40, lr: 0.01, grad_clip: 1, log_every: 5, eval_every: 10, checkpoint_every: 10, keep_checkpoints: 2}
`

// The seeds' worked example: score matching a Gaussian model recovers the
// sample mean and the biased (1/n) sample variance of its data.
func TestGaussianModelRecoversSampleMeanAndBiasedVariance(t *testing.T) {
	const file = "testdata/gaussian_model_data.csv"
	cfg := parseConfig(t, `name: worked_example
data: {dataset: file, path: `+file+`, holdout: 0}
model: {type: gaussian}
train: {batch_size: 400, steps: 4000, lr: 0.02, log_every: 500, eval_every: 0, checkpoint_every: 0}
`)
	sum := fit(t, cfg, false)
	run, err := workflow.Open(sum.Dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	pts, err := datasets.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	mean, cov := pts.Mean(), pts.Covariance()
	params := run.Model.(*nn.Gaussian)
	mu, logvar := params.Mean().Value.Data().([]float64), params.LogVariance().Value.Data().([]float64)
	for j := 0; j < pts.D; j++ {
		biased := cov[j*pts.D+j]
		unbiased := biased * float64(pts.N) / float64(pts.N-1)
		v := math.Exp(logvar[j])
		t.Logf("dim %d: mean %.10g (sample %.10g), variance %.10g (biased %.10g, unbiased %.10g)", j, mu[j], mean[j], v, biased, unbiased)
		if r := relErr(mu[j], mean[j], 1e-12); r > 1e-4 {
			t.Errorf("dim %d: learned mean %v, sample mean %v (relative error %.2g > 1e-4)", j, mu[j], mean[j], r)
		}
		if r := relErr(v, biased, 1e-12); r > 1e-4 {
			t.Errorf("dim %d: learned variance %v, biased sample variance %v (relative error %.2g > 1e-4)", j, v, biased, r)
		}
		if relErr(v, unbiased, 1e-12) <= 1e-4 {
			t.Errorf("dim %d: the test cannot tell the biased variance from the unbiased one", j)
		}
	}
}

// A denoising loss draws each step's noise during the update before it,
// but a resumed run's first step draws its own: the same bits either way.
func TestResumeMatchesUninterruptedRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"exact", nil},
		{"anneal_dsm float32, clipped", []string{"train.loss=anneal_dsm", "model.noise_conditional=true", "model.dtype=float32"}},
		{"edm_dsm, unclipped, with an EMA", []string{"train.loss=edm_dsm", "model.noise_conditional=true", "model.sigma_data=0.5", "train.grad_clip=0", "train.ema=0.9"}},
	} {
		t.Run(tc.name, func(t *testing.T) { testResume(t, tc.sets) })
	}
}

func testResume(t *testing.T, sets []string) {
	whole := parseConfig(t, tinyRun, sets...)
	fit(t, whole, false)

	half := parseConfig(t, tinyRun, append([]string{"train.steps=20"}, sets...)...)
	fit(t, half, false)
	resumed := parseConfig(t, tinyRun, append([]string{"output.dir=" + half.Output.Dir}, sets...)...)
	sum := fit(t, resumed, true)
	if sum.From != 20 || sum.To != 40 {
		t.Errorf("resumed run trained steps (%d, %d], want (20, 40]", sum.From, sum.To)
	}

	sameCheckpoints(t, whole.Output.Dir, half.Output.Dir, 40)
	bestOf := func(dir string) string {
		c, err := checkpoints.Load(rundir.BestPath(dir))
		if err != nil {
			t.Fatal(err)
		}
		return c.Meta["best"]
	}
	if a, b := bestOf(whole.Output.Dir), bestOf(half.Output.Dir); a != b {
		t.Errorf("best.safetensors: uninterrupted %s, resumed %s", a, b)
	}
	parts := whole.Train.Loss == "exact" || strings.HasPrefix(whole.Train.Loss, "sliced")
	wantMetrics := metricSteps(t, whole.Output.Dir, parts)
	if got := metricSteps(t, half.Output.Dir, parts); !slices.Equal(got, wantMetrics) {
		t.Errorf("resumed metrics.jsonl has steps %v, uninterrupted %v", got, wantMetrics)
	}
	kept, _ := checkpoints.List(rundir.CheckpointDir(whole.Output.Dir))
	if len(kept) != 2 {
		t.Errorf("keep_checkpoints 2 kept %d checkpoints", len(kept))
	}
}

// sameCheckpoints fails unless the checkpoints of step in the runs
// uninterrupted and resumed hold the same tensors, bit for bit.
func sameCheckpoints(t *testing.T, uninterrupted, resumed string, step int) {
	t.Helper()
	a, err := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(uninterrupted), step))
	if err != nil {
		t.Fatal(err)
	}
	b, err := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(resumed), step))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tensors) != len(b.Tensors) || len(a.Tensors) == 0 {
		t.Fatalf("checkpoints hold %d and %d tensors", len(a.Tensors), len(b.Tensors))
	}
	for i := range a.Tensors {
		x, y := checkpoints.Float64s(a.Tensors[i].Data), checkpoints.Float64s(b.Tensors[i].Data)
		for k := range x {
			if math.Float64bits(x[k]) != math.Float64bits(y[k]) {
				t.Fatalf("%s[%d]: uninterrupted %v, resumed %v", a.Tensors[i].Name, k, x[k], y[k])
			}
		}
	}
}

// metricSteps reads a run's metrics.jsonl, checks every loss finite and,
// for a loss of two parts (exact, sliced), the sum of its parts, and
// returns the records' steps.
func metricSteps(t *testing.T, dir string, parts bool) []int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r rundir.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		if !isFinite(r.Loss) || parts && math.Abs(r.Loss-(r.Trace+r.Norm)) > 1e-9*math.Max(1, math.Abs(r.Loss)) {
			t.Errorf("step %d: loss %v is not trace %v + norm %v", r.Step, r.Loss, r.Trace, r.Norm)
		}
		if r.Step%10 == 0 && r.Valid == nil {
			t.Errorf("step %d has no validation loss", r.Step)
		}
		steps = append(steps, r.Step)
	}
	return steps
}

func TestSameSeedGivesBitIdenticalRuns(t *testing.T) {
	a, b := parseConfig(t, tinyRun, "train.steps=15"), parseConfig(t, tinyRun, "train.steps=15")
	fit(t, a, false)
	fit(t, b, false)
	ra, _ := rundir.Open(a.Output.Dir, "")
	rb, _ := rundir.Open(b.Output.Dir, "")
	for i, p := range ra.Model.Params() {
		if !slices.Equal(checkpoints.Float64s(p.Value), checkpoints.Float64s(rb.Model.Params()[i].Value)) {
			t.Fatalf("parameter %s differs between two runs of one config", p.Name)
		}
	}
}

func TestRunDirectoryRules(t *testing.T) {
	cfg := parseConfig(t, tinyRun, "train.steps=10")
	fit(t, cfg, false)
	cases := []struct {
		name      string
		overrides []string
		resume    bool
		want      string
	}{
		{"restart without -resume", nil, false, "already has a checkpoint at step 10: pass -resume"},
		{"resume with another lr", []string{"train.lr=0.5", "train.steps=20"}, true, `train.optimizer.lr: 0.01 -> 0.5`},
		{"resume with another model", []string{"model.hidden=[8]", "train.steps=20"}, true, `model.hidden: [16, 16] -> [8]`},
		{"resume past steps", []string{"train.steps=5"}, true, "past train.steps 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			again := parseConfig(t, tinyRun, append(c.overrides, "output.dir="+cfg.Output.Dir)...)
			_, err := Fit(context.Background(), again, Options{Resume: c.resume})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	t.Run("resume without checkpoint starts at 0", func(t *testing.T) {
		var log strings.Builder
		fresh := parseConfig(t, tinyRun, "train.steps=5")
		if _, err := Fit(context.Background(), fresh, Options{Resume: true, Out: &log}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), "starting from step 0") {
			t.Errorf("log %q does not say it starts from step 0", log.String())
		}
	})
}

// Resume refuses data that differ from what the run trained on, in size,
// dimension or values, even without standardisation (which would also
// notice), naming what changed; the same data resume.
func TestResumeRefusesChangedData(t *testing.T) {
	for _, c := range []struct{ name, now, want string }{
		{"same", "1,2\n3,4\n5,6\n7,8\n", ""},
		{"dimension", "1,2,3\n3,4,5\n5,6,7\n7,8,9\n", "it now has 4 points of dimension 3, the run was trained on 4 points of dimension 2"},
		{"more points", "1,2\n3,4\n5,6\n7,8\n9,10\n", "it now has 5 points of dimension 2, the run was trained on 4 points of dimension 2"},
		{"other values", "1,2\n3,4\n5,6\n7,9\n", "it has the same 4 points of dimension 2, but other values"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "points.csv")
			os.WriteFile(data, []byte("1,2\n3,4\n5,6\n7,8\n"), 0o644)
			text := "name: dims\ndata: {dataset: file, path: " + data + ", holdout: 0}\nmodel: {hidden: [4]}\ntrain: {batch_size: 2, steps: 2, eval_every: 0}\n"
			fit(t, parseConfig(t, text, "output.dir="+dir+"/run"), false)
			os.WriteFile(data, []byte(c.now), 0o644)
			_, err := Fit(context.Background(), parseConfig(t, text, "output.dir="+dir+"/run", "train.steps=4"), Options{Resume: true})
			switch {
			case c.want == "" && err != nil:
				t.Errorf("resume on the same data: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), "the training data has changed since the run started: "+c.want)):
				t.Errorf("got %v, want the change named: %q", err, c.want)
			}
		})
	}
}

func TestFloat32Trains(t *testing.T) {
	cfg := parseConfig(t, tinyRun, "model.dtype=float32", "train.steps=30")
	sum := fit(t, cfg, false)
	if !isFinite(sum.Last.Loss) || sum.Last.Valid == nil {
		t.Fatalf("float32 run ended with %+v", sum.Last)
	}
	run, err := workflow.Open(sum.Dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := run.Model.Params()[0].Value.Data().([]float32); !ok {
		t.Errorf("float32 run reloads as %T", run.Model.Params()[0].Value.Data())
	}
}

// relativeFisher trains cfg and measures E||s - s_true||^2 / E||s_true||^2
// on fresh draws from the true density.
func relativeFisher(t *testing.T, cfg *configs.Config) float64 {
	t.Helper()
	sum := fit(t, cfg, false)
	run, err := workflow.Open(sum.Dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := workflow.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	held := points.New(4000, data.Train.D)
	data.Density.Sample(held, rand.New(rand.NewPCG(99, 99)))
	score, err := run.Scorer(1000)
	if err != nil {
		t.Fatal(err)
	}
	sqErr, sqTrue, err := evaluate.ScoreError(score, 0, data.Density, held)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s after %d steps: E||s - s_true||^2 = %.4g, E||s_true||^2 = %.4g, relative %.4f (%.1f ms/step)",
		cfg.Name, sum.To, sqErr, sqTrue, sqErr/sqTrue, sum.MsPerStep())
	return sqErr / sqTrue
}

func TestGaussian2DLearnsTheTrueScoreShort(t *testing.T) {
	cfg := loadConfig(t, "../configs/gaussian2d.yaml", "model.hidden=[32, 32]", "train.steps=800", "train.lr=0.003", "train.eval_every=0")
	if rel := relativeFisher(t, cfg); rel > 0.05 {
		t.Errorf("relative Fisher divergence %.4f > 0.05", rel)
	}
}

func TestGaussian2DShippedConfigReachesTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the full shipped config (about 4 s)")
	}
	cfg := loadConfig(t, "../configs/gaussian2d.yaml")
	if rel := relativeFisher(t, cfg); rel > 0.05 {
		t.Errorf("relative Fisher divergence %.4f > 0.05", rel)
	}
	checkLangevinMoments(t, cfg)
}

// checkLangevinMoments samples the trained run with plain Langevin, as its
// config's sample section says, and compares the sample mean and covariance
// with the true ones, within 4 standard errors of n samples.
func checkLangevinMoments(t *testing.T, cfg *configs.Config) {
	run, err := workflow.Open(cfg.Output.Dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	job, err := run.RunJob(cfg.Sample, "network")
	if err != nil {
		t.Fatal(err)
	}
	drawn, err := workflow.Sample(job)
	if err != nil {
		t.Fatal(err)
	}
	x := drawn.Samples
	mean, cov := x.Mean(), x.Covariance()
	wantMean, wantCov := cfg.Data.Mean, cfg.Data.Cov
	n := float64(x.N)
	t.Logf("plain Langevin, %d chains x %d steps: mean %.3f (true %v), covariance %.3f (true %v)",
		x.N, cfg.Sample.Steps, mean, wantMean, cov, wantCov)
	for a := 0; a < 2; a++ {
		if se := math.Sqrt(wantCov[a][a] / n); math.Abs(mean[a]-wantMean[a]) > 4*se {
			t.Errorf("sample mean[%d] = %v, true %v (standard error %.3f)", a, mean[a], wantMean[a], se)
		}
		for b := 0; b < 2; b++ {
			// Var of a sample covariance entry: (S_aa S_bb + S_ab^2)/n.
			se := math.Sqrt((wantCov[a][a]*wantCov[b][b] + wantCov[a][b]*wantCov[a][b]) / n)
			if math.Abs(cov[2*a+b]-wantCov[a][b]) > 4*se {
				t.Errorf("sample cov[%d][%d] = %v, true %v (standard error %.3f)", a, b, cov[2*a+b], wantCov[a][b], se)
			}
		}
	}
}

// cancelAfter is a context that reports cancellation from its n-th check on,
// so an interruption lands on a known step.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestInterruptedRunCheckpointsAndResumesExactly(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"constant rate", nil},
		{"falling rate, cut while it falls", []string{"train.lr_decay=0.75"}}, // from step 10 of 40
		{"falling rate, unclipped", []string{"train.lr_decay=0.75", "train.grad_clip=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) { testInterrupted(t, tc.sets) })
	}
}

func testInterrupted(t *testing.T, sets []string) {
	whole := parseConfig(t, tinyRun, sets...)
	fit(t, whole, false)

	cut := parseConfig(t, tinyRun, sets...)
	// Fit checks once after reading the data, then once a step.
	_, err := Fit(&cancelAfter{context.Background(), 14}, cut, Options{})
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "at step 13") {
		t.Fatalf("got %v, want an interruption at step 13", err)
	}
	if _, err := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(cut.Output.Dir), 13)); err != nil {
		t.Fatalf("no checkpoint at the interrupted step: %v", err)
	}
	fit(t, cut, true)
	a, _ := rundir.Open(whole.Output.Dir, "")
	b, _ := rundir.Open(cut.Output.Dir, "")
	if a.Step != 40 || b.Step != 40 {
		t.Fatalf("runs ended at steps %d and %d", a.Step, b.Step)
	}
	for i, p := range a.Model.Params() {
		if !slices.Equal(checkpoints.Float64s(p.Value), checkpoints.Float64s(b.Model.Params()[i].Value)) {
			t.Fatalf("%s differs after an interruption at step 13 and a resume", p.Name)
		}
	}
}

// decayedLR keeps the rate until the last share of the steps, then takes
// it down by base/n a step to base/n at the last.
func TestDecayedLR(t *testing.T) {
	for _, c := range []struct {
		name        string
		step, steps int
		share, want float64
	}{
		{"constant", 39, 40, 0, 0.01},
		{"before the fall", 29, 40, 0.25, 0.01},
		{"its first step", 30, 40, 0.25, 0.01},
		{"falling", 35, 40, 0.25, 0.005},
		{"the last step", 39, 40, 0.25, 0.001},
		{"a share below one step", 39, 40, 0.01, 0.01},
		{"a share rounded down to whole steps", 38, 40, 0.06, 0.01 * 2 / 2},
		{"a share rounded up to whole steps", 38, 40, 0.07, 0.01 * 2 / 3},
		{"almost every step", 0, 40, 0.99, 0.01 * 40 / 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := decayedLR(0.01, c.step, c.steps, c.share); math.Abs(got-c.want) > 1e-15 {
				t.Errorf("decayedLR(0.01, %d, %d, %v) = %v, want %v", c.step, c.steps, c.share, got, c.want)
			}
		})
	}
}

// lrDecaySaid names the steps of the fall, counted as the log counts
// them, and warns where train.steps is auto's cap.
func TestLRDecaySaid(t *testing.T) {
	for _, c := range []struct {
		name string
		t    configs.Train
		want string
	}{
		{"fixed length", configs.Train{Steps: 7500, LRDecay: 0.2}, "train.lr_decay 0.2: the learning rate 0.0005 falls linearly to 0 over steps 6001-7500 of 7500"},
		{"auto's cap", configs.Train{Steps: 20000, StepsAuto: true, LRDecay: 0.1}, "train.lr_decay 0.1: the learning rate 0.0005 falls linearly to 0 over steps 18001-20000 of 20000 (train.steps: auto's cap; a run that patience stops before step 18001 keeps the rate constant)"},
		{"under a step", configs.Train{Steps: 40, LRDecay: 0.01}, "train.lr_decay 0.01: less than one of the 40 steps: the learning rate stays 0.0005"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := lrDecaySaid(c.t, 5e-4); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// A run with train.lr_decay says where its rate falls and logs each
// record's rate, base/n at its last step, and trains to other weights
// than at a constant rate, which logs none.
func TestLRDecayLowersTheRate(t *testing.T) {
	falling := parseConfig(t, tinyRun, "train.lr_decay=0.5")
	var log strings.Builder
	if _, err := Fit(context.Background(), falling, Options{Out: &log}); err != nil {
		t.Fatal(err)
	}
	if want := "train.lr_decay 0.5: the learning rate 0.01 falls linearly to 0 over steps 21-40 of 40\n"; !strings.Contains(log.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, log.String())
	}
	constant := parseConfig(t, tinyRun)
	fit(t, constant, false)
	rates := func(dir string) map[int]float64 {
		out := map[int]float64{}
		all, _, err := rundir.ReadMetrics(dir, 1000, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			out[r.Step] = r.LR
		}
		return out
	}
	got := rates(falling.Output.Dir)
	for step, want := range map[int]float64{5: 0.01, 20: 0.01, 25: 0.01 * 16 / 20, 40: 0.01 / 20} {
		if math.Abs(got[step]-want) > 1e-15 {
			t.Errorf("the record of step %d says lr %v, want %v", step, got[step], want)
		}
	}
	for step, lr := range rates(constant.Output.Dir) {
		if lr != 0 {
			t.Errorf("a constant rate's record of step %d says lr %v", step, lr)
		}
	}
	a, _ := rundir.Open(falling.Output.Dir, "")
	b, _ := rundir.Open(constant.Output.Dir, "")
	if slices.Equal(checkpoints.Float64s(a.Model.Params()[0].Value), checkpoints.Float64s(b.Model.Params()[0].Value)) {
		t.Error("a falling rate trained the same first weights as a constant one")
	}
}

func TestResumeFallsBackFromABrokenNewestCheckpoint(t *testing.T) {
	whole := parseConfig(t, tinyRun, "train.steps=30")
	fit(t, whole, false)
	cut := parseConfig(t, tinyRun, "train.steps=20", "train.keep_checkpoints=0")
	fit(t, cut, false)
	newest := checkpoints.Path(rundir.CheckpointDir(cut.Output.Dir), 20)
	b, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(newest, b[:len(b)-100], 0o644) // as a failing disk might leave it
	var log strings.Builder
	resumed := parseConfig(t, tinyRun, "train.steps=30", "train.keep_checkpoints=0", "output.dir="+cut.Output.Dir)
	if _, err := Fit(context.Background(), resumed, Options{Resume: true, Out: &log}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"skipping a broken checkpoint: " + newest, "resuming from " + checkpoints.Path(rundir.CheckpointDir(cut.Output.Dir), 10) + " (step 10)"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, log.String())
		}
	}
	a, _ := rundir.Open(whole.Output.Dir, "")
	r, _ := rundir.Open(cut.Output.Dir, "")
	for i, p := range a.Model.Params() {
		if !slices.Equal(checkpoints.Float64s(p.Value), checkpoints.Float64s(r.Model.Params()[i].Value)) {
			t.Fatalf("%s differs after falling back to step 10 and resuming", p.Name)
		}
	}
}

func TestDivergenceStopsWithoutTouchingCheckpoints(t *testing.T) {
	// A learning rate of 1e300 moves every weight to about +-1e300 in one
	// Adam step: still finite, so step 1 is checkpointed, and step 2's
	// forward pass overflows.
	// The config refuses it (at most 1): set past the check.
	cfg := parseConfig(t, tinyRun, "train.grad_clip=0", "train.checkpoint_every=1", "train.keep_checkpoints=0")
	_, err := Fit(context.Background(), cfg, Options{lrBeyondBounds: 1e300})
	if err == nil {
		t.Fatal("a learning rate of 1e300 did not diverge")
	}
	msg := err.Error()
	var step int
	if _, scanErr := fmt.Sscanf(msg[strings.Index(msg, "step "):], "step %d:", &step); scanErr != nil ||
		!strings.Contains(msg, "training diverged") || !strings.Contains(msg, "lower train.optimizer.lr") {
		t.Fatalf("error %q does not name the step and what to change", msg)
	}
	paths, _ := checkpoints.List(rundir.CheckpointDir(cfg.Output.Dir))
	if step < 2 || len(paths) != step-1 {
		t.Errorf("diverged at step %d with %d checkpoints, want a good checkpoint for every finished step", step, len(paths))
	} else if !strings.Contains(msg, "the last checkpoint ("+paths[len(paths)-1]+") is untouched") {
		t.Errorf("error %q does not name the last checkpoint, %s (written in the background as the step failed)", msg, paths[len(paths)-1])
	}
	for _, p := range paths {
		c, err := checkpoints.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range c.Tensors {
			for _, v := range checkpoints.Float64s(tn.Data) {
				if !isFinite(v) {
					t.Fatalf("%s holds %v in %s: a bad state was written", p, v, tn.Name)
				}
			}
		}
	}
	t.Logf("%s", msg)
}

func TestUnwritableOutputFailsBeforeTraining(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o644)
	long := filepath.Join(t.TempDir(), strings.Repeat("a", 300))
	for _, c := range []struct{ dir, want string }{
		{filepath.Join(blocker, "run"), "mkdir " + blocker + ": not a directory"},
		{"/dev/null", "mkdir /dev/null: not a directory"},
		{long, "file name too long"},
	} {
		cfg := parseConfig(t, tinyRun, "output.dir="+c.dir)
		_, err := Fit(context.Background(), cfg, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "do not load") {
			t.Errorf("output.dir %.40s...: got %v, want an error naming the path that cannot be written: %q", c.dir, err, c.want)
		}
	}
}

// An update that overflows the parameters stops the run at that step with
// the divergence message, and no checkpoint holding a non-finite value is
// ever written, whether a checkpoint or the validation is due at that step.
func TestNonFiniteUpdateIsNeverSaved(t *testing.T) {
	for _, overrides := range [][]string{
		{"train.checkpoint_every=1"},
		{"train.steps=1"},
	} {
		cfg := parseConfig(t, tinyRun, overrides...)
		_, err := Fit(context.Background(), cfg, Options{lrBeyondBounds: 1e308}) // the config refuses it
		if err == nil || !strings.Contains(err.Error(), "step 1: the update left parameters or Adam moments non-finite") ||
			!strings.Contains(err.Error(), "training diverged") {
			t.Errorf("%v: got %v, want the divergence at step 1 named", overrides, err)
		}
		if paths, _ := checkpoints.List(rundir.CheckpointDir(cfg.Output.Dir)); len(paths) != 0 {
			t.Errorf("%v: checkpoints %v were written", overrides, paths)
		}
	}
}

// A run resumes however its directory is spelt now: relative or absolute,
// through a symbolic link, or after being moved.
func TestResumeFindsTheRunByItsDirectory(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	fit(t, parseConfig(t, tinyRun, "output.dir=run", "train.steps=10"), false)
	os.Symlink(filepath.Join(root, "run"), filepath.Join(root, "link"))
	steps := 10
	for _, spelling := range []string{"./run", filepath.Join(root, "run"), "link", "moved"} {
		if spelling == "moved" {
			if err := os.Rename(filepath.Join(root, "run"), filepath.Join(root, "moved")); err != nil {
				t.Fatal(err)
			}
		}
		steps += 5
		sum := fit(t, parseConfig(t, tinyRun, "output.dir="+spelling, fmt.Sprintf("train.steps=%d", steps)), true)
		if sum.From != steps-5 || sum.To != steps {
			t.Errorf("output.dir=%s: trained steps (%d, %d], want (%d, %d]", spelling, sum.From, sum.To, steps-5, steps)
		}
	}
}

// On a terminal, the bar's last frame shows the final step's validation
// loss, not the one before it.
func TestProgressBarEndsWithTheLastValidation(t *testing.T) {
	cfg := parseConfig(t, tinyRun)
	var out strings.Builder
	sum, err := Fit(context.Background(), cfg, Options{Out: &out, Terminal: true})
	if err != nil {
		t.Fatal(err)
	}
	frames := strings.Split(strings.TrimRight(out.String(), "\n"), "\r")
	last := frames[len(frames)-1]
	want := fmt.Sprintf("val %+.4f", sum.Last.Valid.Loss)
	if !strings.Contains(last, want) || !strings.Contains(last, "40/40") {
		t.Errorf("last frame %q, want %q at 40/40", last, want)
	}
}

// Training on 1, 2 or 8 threads gives bit-identical checkpoints, for losses
// whose products and elementwise passes are large enough to be split, in
// float64 and (the denoising losses) float32.
func TestThreadsGiveBitIdenticalRuns(t *testing.T) {
	defer gemm.SetThreads(0)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, run := range []struct{ loss, dtype string }{{"exact", "float64"}, {"anneal_dsm", "float64"}, {"anneal_dsm", "float32"}} {
		loss := run.loss
		var want map[string][]float64
		for _, threads := range []int{1, 2, 8} {
			runtime.GOMAXPROCS(threads)
			gemm.SetThreads(threads)
			cfg := parseConfig(t, tinyRun, "model.hidden=[256,256]", "train.batch_size=256", "train.steps=6", "train.loss="+loss,
				"model.noise_conditional="+strconv.FormatBool(loss == "anneal_dsm"), "model.residual=true", "model.dtype="+run.dtype)
			sum := fit(t, cfg, false)
			got := tensorsOf(t, sum.Checkpoint)
			if want == nil {
				want = got
				continue
			}
			for name, v := range want {
				for k := range v {
					if math.Float64bits(v[k]) != math.Float64bits(got[name][k]) {
						t.Fatalf("%s in %s on %d threads: %s[%d] = %v, on one thread %v", loss, run.dtype, threads, name, k, got[name][k], v[k])
					}
				}
			}
		}
	}
}

// A checkpoint written while training goes on holds the state of its own
// step: step 10 of a 40-step run is the end of a 10-step run, bit for bit.
func TestBackgroundCheckpointsHoldTheirStep(t *testing.T) {
	long := parseConfig(t, tinyRun, "train.steps=40", "train.checkpoint_every=10", "train.keep_checkpoints=0")
	short := parseConfig(t, tinyRun, "train.steps=10")
	fit(t, long, false)
	fit(t, short, false)
	a, err := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(long.Output.Dir), 10))
	if err != nil {
		t.Fatal(err)
	}
	b, err := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(short.Output.Dir), 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, ta := range a.Tensors {
		tb, _ := b.Tensor(ta.Name)
		if !slices.Equal(checkpoints.Float64s(ta.Data), checkpoints.Float64s(tb.Data)) {
			t.Errorf("%s at step 10 differs between the 40-step run and the 10-step run", ta.Name)
		}
	}
}

// The moving average is (1 - d) theta + d ema after every update: for
// parameters held at v from a start u, ema = v + (u - v) d^k after k.
func TestEMAFollowsItsFormula(t *testing.T) {
	m, err := nn.New(nn.Spec{Kind: "gaussian", Dim: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		copy(p.Value.Data().([]float64), []float64{1, -2, 4})
	}
	h := &emaHook{decay: 0.9, params: m.Params(), ema: newEMA(m.Params())}
	for _, p := range m.Params() {
		copy(p.Value.Data().([]float64), []float64{0, 0, 1})
	}
	for range 7 {
		h.OnStep(&Step{N: 1000}) // past the warm-up: the decay is 0.9
	}
	for i, want := range []float64{math.Pow(0.9, 7), -2 * math.Pow(0.9, 7), 1 + 3*math.Pow(0.9, 7)} {
		if got := h.ema[0].Data().([]float64)[i]; math.Abs(got-want) > 1e-15 {
			t.Errorf("ema[%d] = %v, want %v", i, got, want)
		}
	}
}

// Early on the average forgets faster: the decay grows as (1 + n)/(10 + n)
// up to the configured one.
func TestEMAWarmsUp(t *testing.T) {
	for _, c := range []struct {
		n    int
		want float64
	}{{0, 0.1}, {1, 2.0 / 11}, {90, 0.91}, {8990, 0.999}, {100000, 0.999}} {
		if got := warmDecay(0.999, c.n); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("decay after %d steps %v, want %v", c.n, got, c.want)
		}
	}
}

// The moving average is kept in the checkpoint and continues bit for bit on
// resume; readers use it by default, the raw weights on request.
func TestEMAResumesExactlyAndIsWhatReadersUse(t *testing.T) {
	whole := parseConfig(t, tinyRun, "train.ema=0.9")
	half := parseConfig(t, tinyRun, "train.ema=0.9", "train.steps=20")
	fit(t, whole, false)
	fit(t, half, false)
	half.Train.Steps = 40
	fit(t, half, true)
	a, _ := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(whole.Output.Dir), 40))
	b, _ := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(half.Output.Dir), 40))
	if a == nil || b == nil {
		t.Fatal("no checkpoint at step 40")
	}
	ema, ok := a.Tensor("ema/layer0.weight")
	raw, _ := a.Tensor("param/layer0.weight")
	resumed, _ := b.Tensor("ema/layer0.weight")
	if !ok || !slices.Equal(checkpoints.Float64s(ema.Data), checkpoints.Float64s(resumed.Data)) || slices.Equal(checkpoints.Float64s(ema.Data), checkpoints.Float64s(raw.Data)) {
		t.Fatalf("the EMA is missing, equal to the raw weights, or differs after resume")
	}
	run, err := rundir.Open(whole.Output.Dir, "")
	if err != nil || run.Weights != rundir.WeightsEMA || !slices.Equal(checkpoints.Float64s(run.Model.Params()[0].Value), checkpoints.Float64s(ema.Data)) {
		t.Errorf("Open loaded %v weights (%v), want the EMA", run.Weights, err)
	}
	run, err = rundir.OpenWeights(whole.Output.Dir, "", rundir.WeightsRaw)
	if err != nil || !slices.Equal(checkpoints.Float64s(run.Model.Params()[0].Value), checkpoints.Float64s(raw.Data)) {
		t.Errorf("OpenWeights raw: %v", err)
	}
	plain := parseConfig(t, tinyRun, "train.steps=10")
	fit(t, plain, false)
	if _, err := workflow.Open(plain.Output.Dir, "", rundir.WeightsEMA); err == nil || !strings.Contains(err.Error(), "has no EMA weights (the run's train.ema is 0): use -weights raw") {
		t.Errorf("EMA weights of a run without them: %v", err)
	}
}

// The best checkpoint is the one of the lowest held-out loss, kept whatever
// keep_checkpoints says; patience stops a run whose held-out loss no longer
// improves, saying so, and a resumed run remembers the best so far.
func TestBestCheckpointAndPatience(t *testing.T) {
	cfg := parseConfig(t, tinyRun, "train.steps=60", "train.keep_checkpoints=1", "train.lr=0.05")
	sum := fit(t, cfg, false)
	best, err := checkpoints.Load(rundir.BestPath(cfg.Output.Dir))
	if err != nil {
		t.Fatal(err)
	}
	var lowest rundir.Record
	for _, r := range readRecords(t, cfg.Output.Dir) {
		if r.Valid != nil && (lowest.Valid == nil || r.Valid.Loss < lowest.Valid.Loss) {
			lowest = r
		}
	}
	if best.Step != lowest.Step {
		t.Errorf("best.safetensors is step %d, the lowest held-out loss was at step %d", best.Step, lowest.Step)
	}
	if run, err := rundir.Open(cfg.Output.Dir, "best"); err != nil || run.Step != lowest.Step {
		t.Errorf("Open(best): %v", err)
	}
	// Resumed halfway, the run knows its best so far and ends with the same.
	half := parseConfig(t, tinyRun, "train.steps=30", "train.keep_checkpoints=1", "train.lr=0.05")
	fit(t, half, false)
	half.Train.Steps = 60
	fit(t, half, true)
	if again, err := checkpoints.Load(rundir.BestPath(half.Output.Dir)); err != nil || again.Step != best.Step || again.Meta["best"] != best.Meta["best"] {
		t.Errorf("resumed run's best: step %v, %v; uninterrupted: step %d, %s", again, err, best.Step, best.Meta["best"])
	}
	_ = sum

	// A learning rate far too high stops improving at once.
	stuck := parseConfig(t, tinyRun, "train.steps=400", "train.lr=1", "train.patience=2", "train.grad_clip=0")
	sum = fit(t, stuck, false)
	if sum.Stopped == "" || sum.To >= 400 || !strings.Contains(sum.Stopped, "has not improved for 2 evaluations (train.patience 2)") {
		t.Errorf("patience 2: stopped %q at step %d", sum.Stopped, sum.To)
	}
	if _, err := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(stuck.Output.Dir), sum.To)); err != nil {
		t.Errorf("no checkpoint where patience stopped the run: %v", err)
	}
}

func readRecords(t *testing.T, dir string) []rundir.Record {
	t.Helper()
	r, _, err := rundir.ReadMetrics(dir, 1<<30, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// train.sample_every keeps samples-latest.png in the run directory current.
func TestSampleFiguresDuringTraining(t *testing.T) {
	cfg := parseConfig(t, tinyRun, "train.sample_every=20", "train.ema=0.9", "sample.n=30", "sample.steps=20")
	fit(t, cfg, false)
	info, err := os.Stat(filepath.Join(cfg.Output.Dir, "samples-latest.png"))
	if err != nil || info.Size() < 1000 {
		t.Fatalf("samples-latest.png: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(cfg.Output.Dir, "*.tmp.png")); len(leftovers) > 0 {
		t.Errorf("temporary figures left behind: %v", leftovers)
	}
}

// countingHook counts what the loop tells a caller's hook.
type countingHook struct {
	steps []int
	stops []Stop
	fail  error // returned by OnStop
}

func (h *countingHook) OnStep(e *Step) error { h.steps = append(h.steps, e.N); return nil }
func (h *countingHook) OnStop(why Stop) error {
	h.stops = append(h.stops, why)
	return h.fail
}

// A caller's hooks (Options.Hooks) follow every step after the run's own,
// and each hears the end once, even when another hook's OnStop fails.
func TestCallersHooksFollowTheLoop(t *testing.T) {
	cfg := parseConfig(t, tinyRun, "train.steps=7")
	failing := &countingHook{fail: errors.New("disk full")}
	after := &countingHook{}
	_, err := Fit(context.Background(), cfg, Options{Hooks: []Hook{failing, after}})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Fit: %v, want the hook's error", err)
	}
	for _, h := range []*countingHook{failing, after} {
		if !slices.Equal(h.steps, []int{1, 2, 3, 4, 5, 6, 7}) || !slices.Equal(h.stops, []Stop{Finished}) {
			t.Errorf("hook saw steps %v and stops %v, want 1..7 and one Finished", h.steps, h.stops)
		}
	}
}

// Off a terminal, a step with no record for progress.LogEvery still gets
// a line; a record resets the wait.
func TestReporterLogsSlowStepsOffATerminal(t *testing.T) {
	var out strings.Builder
	r := newReporter(&out, false, 0, 100)
	r.step(1, 0.5)
	if out.Len() != 0 {
		t.Fatalf("a line before any wait: %q", out.String())
	}
	r.lastLine = time.Now().Add(-progress.LogEvery)
	r.step(2, 0.25)
	if want := "step 2/100 loss 0.25 (this step's; a record every train.log_every steps)\n"; out.String() != want {
		t.Errorf("after a wait: %q, want %q", out.String(), want)
	}
	out.Reset()
	r.step(3, 0.125)
	if out.Len() != 0 {
		t.Errorf("a second line at once: %q", out.String())
	}
}

// model.dtype: auto trains a denoising loss in float32 (F32 checkpoints),
// and a run from before auto (float64), resumed with a config that leaves
// dtype to auto, goes on in float64 to the bits of an uninterrupted run.
func TestAutoDtype(t *testing.T) {
	dsm := []string{"train.loss=dsm", "model.noise_conditional=true", "train.sigma=0.5"}
	auto := parseConfig(t, tinyRun, append(dsm, "train.steps=20")...)
	if auto.Model.Dtype != "float32" || !auto.Model.DtypeAuto {
		t.Fatalf("dtype auto with dsm: %s (auto %v), want float32", auto.Model.Dtype, auto.Model.DtypeAuto)
	}
	fit(t, auto, false)
	c, _, _, err := checkpoints.Newest(rundir.CheckpointDir(auto.Output.Dir))
	if err != nil || c.Meta["dtype"] != "float32" {
		t.Fatalf("the auto run's checkpoint: dtype %q, %v; want float32", c.Meta["dtype"], err)
	}
	if exact := parseConfig(t, tinyRun); exact.Model.Dtype != "float64" {
		t.Errorf("dtype auto with the exact loss: %s, want float64", exact.Model.Dtype)
	}

	old := parseConfig(t, tinyRun, append(dsm, "model.dtype=float64", "train.steps=20")...)
	fit(t, old, false)
	resumed := parseConfig(t, tinyRun, append(dsm, "train.steps=40", "output.dir="+old.Output.Dir)...)
	fit(t, resumed, true)
	whole := parseConfig(t, tinyRun, append(dsm, "model.dtype=float64", "train.steps=40")...)
	fit(t, whole, false)
	a, _, _, errA := checkpoints.Newest(rundir.CheckpointDir(old.Output.Dir))
	b, _, _, errB := checkpoints.Newest(rundir.CheckpointDir(whole.Output.Dir))
	if errA != nil || errB != nil || a.Meta["dtype"] != "float64" || a.Step != 40 {
		t.Fatalf("resumed old run: %v %v, dtype %q step %d", errA, errB, a.Meta["dtype"], a.Step)
	}
	for i := range a.Tensors {
		if !slices.Equal(checkpoints.Float64s(a.Tensors[i].Data), checkpoints.Float64s(b.Tensors[i].Data)) {
			t.Fatalf("%s differs from the uninterrupted float64 run's", a.Tensors[i].Name)
		}
	}
}

// A labelled run drops the same labels after a resume as without one (each
// step's dropout is its own stream), its held-out loss is the one eval
// reports, and relabelled data are refused on resume as changed values are.
func TestLabelledRunResumesExactly(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y,class\n")
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 200 {
		fmt.Fprintf(&b, "%.5f,%.5f,%d\n", rng.NormFloat64()+float64(4*(i%2)), rng.NormFloat64(), i%2)
	}
	data := filepath.Join(dir, "labelled.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "name: labelled\ndata: {dataset: file, path: " + data + ", label_column: class, holdout: 0.2}\n" +
		"model: {hidden: [16, 16], sigma_data: 1}\ntrain: {batch_size: 32, steps: 30, sigmas: {begin: 5, end: 0.1, n: 6}, eval_every: 10, checkpoint_every: 10, keep_checkpoints: 0, steps_auto: false, patience: 0}\n"
	whole := parseConfig(t, text)
	fit(t, whole, false)
	half := parseConfig(t, text, "train.steps=20")
	fit(t, half, false)
	fit(t, parseConfig(t, text, "output.dir="+half.Output.Dir), true)
	sameCheckpoints(t, whole.Output.Dir, half.Output.Dir, 30)
	run, err := workflow.Open(whole.Output.Dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if run.Config.Model.Classes != 2 || len(run.Moments.ByClass) != 2 {
		t.Fatalf("model.classes %d, %d classes' moments recorded; want 2", run.Config.Model.Classes, len(run.Moments.ByClass))
	}
	rep, err := evaluate.Run(run, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if valid := lastValid(t, whole.Output.Dir); rep.Heldout == nil || rep.Heldout.Loss != valid {
		t.Errorf("eval's held-out loss %v, training's last %v", rep.Heldout, valid)
	}
	relabelled := strings.Replace(b.String(), ",0\n", ",1\n", 1)
	if err := os.WriteFile(data, []byte(relabelled), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Fit(context.Background(), parseConfig(t, text, "output.dir="+whole.Output.Dir, "train.steps=40"), Options{Resume: true})
	if err == nil || !strings.Contains(err.Error(), "other values or labels") {
		t.Errorf("resume on relabelled data: %v", err)
	}
}

// lastValid is the last held-out loss a run's metrics.jsonl records.
func lastValid(t *testing.T, dir string) float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	last := math.NaN()
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r rundir.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Valid != nil {
			last = r.Valid.Loss
		}
	}
	return last
}

// A run that ended off the evaluation grid and is resumed with more steps
// keeps the best checkpoint and the patience count of a run that trained
// the longer schedule at once: the extra evaluation at the first run's
// last step does not count. (Before, on this data, the resumed run
// stopped early at step 40 and the other trained on to 48.)
func TestResumeWithMoreStepsKeepsTheBest(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d.csv")
	rng := rand.New(rand.NewPCG(1, 1))
	var b strings.Builder
	b.WriteString("a,b\n")
	for range 300 {
		fmt.Fprintf(&b, "%.4f,%.4f\n", rng.NormFloat64(), rng.NormFloat64())
	}
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "name: grid\ndata: {dataset: file, path: " + data + "}\nmodel: {hidden: [16, 16]}\n" +
		"train: {log_every: 10, eval_every: 10, checkpoint_every: 10, patience: 4}\n"
	whole := parseConfig(t, text, "train.steps=48")
	w := fit(t, whole, false)
	half := parseConfig(t, text, "train.steps=36")
	fit(t, half, false)
	h := fit(t, parseConfig(t, text, "output.dir="+half.Output.Dir, "train.steps=48"), true)
	if w.To != h.To || w.Stopped != h.Stopped {
		t.Fatalf("uninterrupted: to step %d (%q); resumed: to step %d (%q)", w.To, w.Stopped, h.To, h.Stopped)
	}
	meta := func(path string) string {
		c, err := checkpoints.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return c.Meta["best"]
	}
	if a, b := meta(rundir.BestPath(whole.Output.Dir)), meta(rundir.BestPath(half.Output.Dir)); a != b {
		t.Errorf("best: %s uninterrupted, %s resumed", a, b)
	}
}

// The moving average taken in the update's own pass has the bits of the
// EMA's pass of its own after the update: a run's last checkpoint, its
// average included, is the same either way, with clipping (Step) and
// without (StepUnclipped).
func TestEMAJoinedToTheUpdateHasItsOwnPassBits(t *testing.T) {
	t.Cleanup(func() { fuseEMA = true }) // a failed run below leaves the default for the tests after
	for _, clip := range []string{"1", "0"} {
		var want map[string][]float64
		for _, fused := range []bool{false, true} {
			fuseEMA = fused
			cfg := parseConfig(t, tinyRun, "train.steps=30", "train.ema=0.9", "train.grad_clip="+clip)
			before := emaPassesOfItsOwn.Load()
			fit(t, cfg, false)
			fuseEMA = true
			if own, want := emaPassesOfItsOwn.Load()-before, map[bool]int64{false: 30, true: 0}[fused]; own != want {
				t.Fatalf("grad_clip %s, joined %v: %d averages in a pass of their own, want %d", clip, fused, own, want)
			}
			got := tensorsOf(t, checkpoints.Path(rundir.CheckpointDir(cfg.Output.Dir), 30))
			if want == nil {
				want = got
				continue
			}
			averaged := 0
			for name, v := range want {
				if strings.HasPrefix(name, "ema/") {
					averaged++
				}
				if !slices.Equal(v, got[name]) {
					t.Errorf("grad_clip %s: %s differs between the joined average and its own pass", clip, name)
				}
			}
			if averaged == 0 {
				t.Fatalf("grad_clip %s: no averaged tensor in the checkpoint (names %v)", clip, slices.Collect(maps.Keys(want)))
			}
		}
	}
}

// tensorsOf is every tensor of the checkpoint at path, by name, as
// float64s.
func tensorsOf(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	c, err := checkpoints.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for _, tn := range c.Tensors {
		out[tn.Name] = checkpoints.Float64s(tn.Data)
	}
	return out
}

// A run records its data's principal axes, the solvers' start; a run from
// before them (its checkpoint records none) resumes without them, so its
// samples start as its earlier checkpoints' did.
func TestRunsRecordTheDataAxesAndOldRunsKeepNone(t *testing.T) {
	axesAt := func(dir string, step int) rundir.DataMoments {
		t.Helper()
		c, err := checkpoints.Load(checkpoints.Path(rundir.CheckpointDir(dir), step))
		if err != nil {
			t.Fatal(err)
		}
		var m rundir.DataMoments
		if err := json.Unmarshal([]byte(c.Meta["data_moments"]), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	half := parseConfig(t, tinyRun, "train.steps=20")
	fit(t, half, false)
	fitted := axesAt(half.Output.Dir, 20)
	if len(fitted.Axes) != 2 || fitted.Rest != 0 || !(fitted.Axes[0].Var >= fitted.Axes[1].Var) || !(fitted.Axes[1].Var > 0) {
		t.Fatalf("a new run recorded axes %+v, rest %v; want both of the data's 2, largest first", fitted.Axes, fitted.Rest)
	}
	// Resumed, a run keeps the axes it recorded.
	kept := parseConfig(t, tinyRun, "train.steps=20")
	fit(t, kept, false)
	fit(t, parseConfig(t, tinyRun, "output.dir="+kept.Output.Dir), true)
	if m := axesAt(kept.Output.Dir, 40); !reflect.DeepEqual(m.Axes, fitted.Axes) {
		t.Errorf("resumed, a run recorded axes %+v, want its own %+v", m.Axes, fitted.Axes)
	}
	// The checkpoint as a run from before the axes wrote it.
	path := checkpoints.Path(rundir.CheckpointDir(half.Output.Dir), 20)
	c, err := checkpoints.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m := axesAt(half.Output.Dir, 20)
	m.Axes, m.Rest = nil, 0
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	c.Meta["data_moments"] = string(b)
	if _, err := checkpoints.Save(rundir.CheckpointDir(half.Output.Dir), c, 0); err != nil {
		t.Fatal(err)
	}
	fit(t, parseConfig(t, tinyRun, "output.dir="+half.Output.Dir), true)
	if m := axesAt(half.Output.Dir, 40); len(m.Axes) != 0 || m.Rest != 0 {
		t.Errorf("a run from before the axes, resumed, recorded %d axes", len(m.Axes))
	}
}

// A run that train.steps: auto's cap ends, not its patience, says so and
// how to train longer; one that stopped, or whose steps were given, says
// nothing.
func TestCappedSaysTheCapEndedTheRun(t *testing.T) {
	cases := []struct {
		name     string
		auto     bool
		step     int
		stopped  string
		best     *rundir.Best
		nearness bool
		near     *rundir.Near
		want     string // a part of the note, or "" for none
	}{
		{"still falling", true, 3000, "", &rundir.Best{Step: 3000}, false, nil,
			"train.steps auto's cap of 3000 steps ended the run with the held-out loss still falling: -set train.steps=6000 trains longer"},
		{"lowest before, within patience", true, 3000, "", &rundir.Best{Step: 2400, Since: 3}, false, nil, ""},
		{"samples still coming nearer", true, 3000, "", &rundir.Best{Step: 3000}, true, &rundir.Near{Lowest: 1.7, LowestStep: 3000},
			"still falling and the samples still coming nearer the training rows, never as near as new rows (ratio 1.7)"},
		{"samples coming nearer, loss not", true, 3000, "", &rundir.Best{Step: 2000, Since: 4}, true, &rundir.Near{Lowest: 1.7, LowestStep: 3000},
			"cap of 3000 steps ended the run with the samples still coming nearer"},
		{"samples no nearer", true, 3000, "", &rundir.Best{Step: 2000, Since: 4}, true, &rundir.Near{Lowest: 1.7, LowestStep: 2000, Since: 4}, ""},
		{"samples near", true, 3000, "", &rundir.Best{Step: 3000}, true, &rundir.Near{Reached: 1200, Lowest: 0.9},
			"still falling: -set train.steps=6000"},
		{"stopped by patience", true, 3000, "the held-out loss has not improved", &rundir.Best{Step: 1000, Since: 10}, false, nil, ""},
		{"steps given", false, 3000, "", &rundir.Best{Step: 3000}, false, nil, ""},
		{"short of the cap", true, 2000, "", &rundir.Best{Step: 2000}, false, nil, ""},
		{"no held-out rows", true, 3000, "", nil, false, nil, ""},
	}
	for _, c := range cases {
		cfg := &configs.Config{}
		cfg.Train.Steps, cfg.Train.StepsAuto, cfg.Train.Nearness = 3000, c.auto, c.nearness
		tr := &trainer{cfg: cfg, s: &rundir.Snapshot{Step: c.step, Best: c.best, Near: c.near}}
		got := tr.capped(0, c.stopped)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: capped = %q, want it to hold %q", c.name, got, c.want)
		}
	}
	// R's economics: lowest 2 evaluations before the cap, which patience
	// (10) would not yet have ended: the cap did.
	cfg := &configs.Config{}
	cfg.Train.Steps, cfg.Train.StepsAuto, cfg.Train.Patience = 20000, true, 10
	tr := &trainer{cfg: cfg, s: &rundir.Snapshot{Step: 20000, Best: &rundir.Best{Step: 19200, Since: 2}}}
	if got, want := tr.capped(0, ""), "the held-out loss lowest 2 evaluation(s) before the end (at step 19200), fewer than the 10 of train.patience: -set train.steps=40000 trains longer"; !strings.Contains(got, want) {
		t.Errorf("lowest within patience of the cap: capped = %q, want %q", got, want)
	}
}
