package evaluate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"scorenet/configs"
	"scorenet/metrics"
	"scorenet/nn"
	"scorenet/points"
	"scorenet/train"
	"scorenet/workflow"
)

// A gaussian model set to the data's true mean and variances has the true
// score: its Fisher divergence is 0 and its held-out exact loss is
// -1/2 E||s||^2 = -1/2 sum_j 1/v_j up to sampling error.
func TestTrueModelScoresPerfectly(t *testing.T) {
	run, _ := trainedRun(t, `name: truth
seed: 3
data: {dataset: gaussian, n: 4000, holdout: 0.5, mean: [1, -2], cov: [[4, 0], [0, 0.25]]}
model: {type: gaussian}
train: {batch_size: 100, steps: 1, eval_every: 0}
sample: {sampler: langevin, n: 400, steps: 400, eps: 0.05, init: {kind: gaussian, std: 2}}
`)
	g, ok := run.Model.(*nn.Gaussian)
	if !ok {
		t.Fatalf("the run's model is %T, want *nn.Gaussian", run.Model)
	}
	copy(g.Mean().Value.Data().([]float64), []float64{1, -2})
	copy(g.LogVariance().Value.Data().([]float64), []float64{math.Log(4), math.Log(0.25)})
	rep, err := Run(run, Options{Samples: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case rep == nil:
		t.Fatal("Run returned no report and no error")
	case rep.Heldout == nil:
		t.Fatalf("the report has no held-out terms: %+v", rep)
	case rep.Samples == nil:
		t.Fatalf("the report has no sample statistics, though Options.Samples was set: %+v", rep)
	}
	if len(rep.Fisher) != 1 || rep.Fisher[0].Divergence > 1e-20 || rep.Fisher[0].Relative > 1e-20 {
		t.Errorf("the true model's Fisher divergence is %+v, want 0", rep.Fisher)
	}
	// Var of trace + 1/2 ||s||^2 per point: 1/2 sum_j 1/v_j^2.
	want := -0.5 * (1/4.0 + 1/0.25)
	se := math.Sqrt(0.5*(1/16.0+16)) / math.Sqrt(float64(rep.Heldout.Points))
	if math.Abs(rep.Heldout.Loss-want) > 4*se {
		t.Errorf("held-out loss of the true model %.4f, want %.4f +/- %.4f", rep.Heldout.Loss, want, se)
	}
	if math.Abs(rep.Heldout.Trace-(-1/4.0-4)) > 1e-12 {
		t.Errorf("held-out trace %.6f, want the constant -sum 1/v = %v", rep.Heldout.Trace, -1/4.0-4)
	}
	s := rep.Samples
	if s.N != 400 || s.SlicedW2 > 0.25 || s.EnergyDistance > 0.05 || s.MMD2 > 0.02 {
		t.Errorf("samples from the true score are far from fresh data: %+v", s)
	}
	t.Logf("held-out loss %.4f (want %.4f), samples: SW %.3f, energy %.4f, MMD^2 %.4f", rep.Heldout.Loss, want, s.SlicedW2, s.EnergyDistance, s.MMD2)
}

// eval's held-out loss is training's validation loss: for the losses that
// draw noise too, the same number for the same checkpoint (both measure the EMA where the run keeps one), on either engine.
func TestHeldoutIsTrainingsValidation(t *testing.T) {
	for _, c := range []struct{ loss, engine, extra string }{
		{"dsm", "auto", ""},
		{"sliced", "auto", ""},
		{"sliced_vr", "graph", ""},
		{"anneal_dsm", "fused", ", noise_conditional: true"},
	} {
		t.Run(c.loss+"/"+c.engine, func(t *testing.T) {
			run, sum := trainedRun(t, `name: held
seed: 4
data: {dataset: moons, n: 700, holdout: 0.3}
model: {type: mlp, hidden: [8]`+c.extra+`}
train: {loss: `+c.loss+`, engine: `+c.engine+`, batch_size: 32, steps: 20, log_every: 10, eval_every: 10, ema: 0.9}
`)
			if sum.Last.Valid == nil {
				t.Fatal("training recorded no validation loss")
			}
			rep, err := Run(run, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Heldout == nil {
				t.Fatal("no held-out loss in the report")
			}
			if rep.Heldout.Terms != *sum.Last.Valid {
				t.Errorf("eval's held-out %+v, training's validation %+v at the same checkpoint", rep.Heldout.Terms, *sum.Last.Valid)
			}
		})
	}
}

// The memorisation ratio is 0 for samples that copy training images and 1
// for samples that are held-out images themselves.
func TestMemorisationRatio(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	train, heldout := points.New(300, 16), points.New(50, 16)
	for _, p := range []points.Points{train, heldout} {
		for i := range p.X {
			p.X[i] = rng.Float64()
		}
	}
	copies := points.Points{N: 50, D: 16, X: train.X[:50*16]}
	if m := memorisation(train, copies, heldout); m.Ratio != 0 || m.Points != 50 {
		t.Errorf("copies of training images: %+v, want ratio 0", m)
	}
	if m := memorisation(train, heldout, heldout); m.Ratio != 1 || !(m.Heldout > 0) {
		t.Errorf("held-out images as samples: %+v, want ratio 1", m)
	}
}

// With a one-level ladder, anneal_dsm's held-out loss is the loss at that
// level: the per-level report agrees with it bit for bit.
func TestPerLevelHeldout(t *testing.T) {
	run, _ := trainedRun(t, `name: lv
seed: 2
data: {dataset: moons, n: 800, holdout: 0.25}
model: {type: mlp, hidden: [16], noise_conditional: true}
train: {loss: anneal_dsm, sigmas: {begin: 0.5, end: 0.5, n: 1}, batch_size: 32, steps: 10, eval_every: 10}
`)
	rep, err := Run(run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Heldout == nil || len(rep.Heldout.PerLevel) != 1 || rep.Heldout.PerLevel[0].Loss != rep.Heldout.Loss {
		t.Errorf("per-level held-out %+v, want the one level's loss %v", rep.Heldout, rep.Heldout.Loss)
	}
}

// trainedRun trains the config text in a fresh directory and opens the run.
func trainedRun(t *testing.T, text string) (*workflow.Run, *train.Summary) {
	t.Helper()
	cfg, err := configs.Parse([]byte(text), "test.yaml", []string{"output.dir=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := train.Fit(context.Background(), cfg, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := workflow.Open(cfg.Output.Dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return run, sum
}

func TestSpreadOut(t *testing.T) {
	long := make([]float64, 100000)
	for i := range long {
		long[i] = float64(len(long) - i)
	}
	for _, tc := range []struct {
		name   string
		levels []float64
		k      int
		want   []float64
	}{
		{"short ladder kept", []float64{3, 2, 1}, 100, []float64{3, 2, 1}},
		{"five of nine", []float64{9, 8, 7, 6, 5, 4, 3, 2, 1}, 5, []float64{9, 7, 5, 3, 1}},
		{"ends of a long ladder", long, MaxPerLevel, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := spreadOut(tc.levels, tc.k)
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Fatalf("%v, want %v", got, tc.want)
			}
			if len(got) > tc.k || got[0] != tc.levels[0] || got[len(got)-1] != tc.levels[len(tc.levels)-1] {
				t.Errorf("%d levels from %v to %v, want at most %d with both ends", len(got), got[0], got[len(got)-1], tc.k)
			}
		})
	}
}

// eval's verdict warns where the samples' energy distance to held-out rows
// is far beyond the held-out rows' own to the training rows: samples of
// one of a table's two modes get the warning, naming the fix; training
// rows standing for samples do not.
func TestEnergyWarnsOfAMissingMode(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 800 {
		fmt.Fprintf(&b, "%.4f,%.4f\n", float64(2*(i%2)-1)*3+0.3*rng.NormFloat64(), rng.NormFloat64())
	}
	path := filepath.Join(t.TempDir(), "modes.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run, _ := trainedRun(t, fmt.Sprintf(`name: modes
data: {dataset: file, path: %q, holdout: 0.25, standardize: true}
model: {type: mlp, hidden: [8], noise_conditional: true}
train: {loss: anneal_dsm, sigmas: {begin: 1, end: 0.1, n: 3}, batch_size: 32, steps: 5}
`, path))
	data, err := run.Data("the test")
	if err != nil {
		t.Fatal(err)
	}
	fresh := run.DataUnits(firstRows(data.Valid, 2000))
	rows := run.DataUnits(data.Train)
	var oneMode []int
	for i := range rows.N {
		if rows.Row(i)[0] > 0 {
			oneMode = append(oneMode, i)
		}
	}
	for _, c := range []struct {
		name    string
		samples points.Points
		warns   bool
	}{
		{"the training rows", firstRows(rows, 400), false},
		{"one mode's rows", firstRows(rows.Subset(oneMode), 400), true},
	} {
		energy, err := metrics.EnergyDistance(run.Norm.Apply(c.samples), run.Norm.Apply(fresh))
		if err != nil {
			t.Fatal(err)
		}
		v, err := verdict(run, data, c.samples, energy, "heun")
		if err != nil {
			t.Fatal(err)
		}
		warned := slices.ContainsFunc(v.Warnings, func(w string) bool {
			return strings.Contains(w, "(a mode) may be missing from the samples; train longer (train.steps), or sample with more steps (sample.steps)")
		})
		if warned != c.warns {
			t.Errorf("%s: energy distance %.3g, warned %v, want %v: %q", c.name, energy, warned, c.warns, v.Warnings)
		}
	}
}
