package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/losses"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/workflow"
)

func TestRefitSteps(t *testing.T) {
	for _, c := range []struct {
		name                     string
		best, trainRows, heldOut int
		want                     int
	}{
		{"wine's split", 400, 99, 43, 574},
		{"exact", 100, 90, 10, 112}, // 111.1 rounds up
		{"nothing held out", 300, 50, 0, 300},
	} {
		if got := configs.RefitSteps(c.best, c.trainRows, c.heldOut); got != c.want {
			t.Errorf("%s: RefitSteps(%d, %d, %d) = %d, want %d", c.name, c.best, c.trainRows, c.heldOut, got, c.want)
		}
	}
}

func TestChosenLength(t *testing.T) {
	best := &rundir.Best{Step: 400}
	for _, c := range []struct {
		name string
		near *rundir.Near
		want int
	}{
		{"no nearness measured", nil, 400},
		{"samples as near later", &rundir.Near{Reached: 1600, LowestStep: 2000}, 1600},
		{"samples as near earlier", &rundir.Near{Reached: 200, LowestStep: 2000}, 400},
		{"never as near: their nearest", &rundir.Near{LowestStep: 1200}, 1200},
		{"never as near, nearest earlier", &rundir.Near{LowestStep: 200}, 400},
	} {
		if got := chosenLength(best, c.near); got != c.want {
			t.Errorf("%s: chosenLength = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestRefitsWhenHeldOutRowsAreMoreThanATenth(t *testing.T) {
	table := func(t *testing.T, sets ...string) *configs.Config {
		return parseConfig(t, "name: t\ndata: {dataset: file, path: x.csv}\n", sets...)
	}
	data := func(train, heldOut int) *workflow.Data {
		return &workflow.Data{Train: points.New(train, 2), Valid: points.New(heldOut, 2), Holdout: workflow.AutoHoldout(train + heldOut)}
	}
	for _, c := range []struct {
		name string
		cfg  *configs.Config
		data *workflow.Data
		want bool
	}{
		{"small table", table(t), data(99, 43), true},
		{"a tenth held out", table(t), data(450, 50), false},
		{"a tenth, rounded up to 76 rows of 755", table(t), data(679, 76), false},
		{"just over a tenth", table(t), data(449, 50), true},
		{"explicit false wins", table(t, "train.refit=false"), data(99, 43), false},
		{"explicit true wins", table(t, "train.refit=true"), data(4500, 500), true},
		{"auto given as auto", table(t, "train.refit=auto"), data(99, 43), true},
		{"fixed length", table(t, "train.steps=500"), data(99, 43), false},
		{"no patience", table(t, "train.patience=0"), data(99, 43), false},
		{"not a table", parseConfig(t, tinyRun), data(480, 120), false},
	} {
		if got := workflow.Refits(c.cfg, c.data); got != c.want {
			t.Errorf("%s: Refits = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRefitNeedsHeldOutLosses(t *testing.T) {
	for _, c := range []struct{ name, sets, want string }{
		{"no held-out rows", "data.holdout=0", "set data.holdout above 0"},
		{"no evaluations", "train.eval_every=0", "train.eval_every from 1 to train.steps"},
	} {
		_, err := configs.Parse([]byte(tinyRun), "test.yaml", []string{"train.refit=true", c.sets})
		if err == nil || !strings.Contains(err.Error(), "train.refit") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming train.refit and %q", c.name, err, c.want)
		}
	}
}

// A refitted run: the first training in select/ holds rows out and
// chooses the length; the second, in the run directory, trains on every
// row for as many steps per row; its config.yaml is a plain run that
// train -config repeats bit for bit.
func TestRefitTrainsAgainOnEveryRow(t *testing.T) {
	cfg := parseConfig(t, tinyRun, "train.refit=true", "train.lr=0.05", "train.steps=60", "train.checkpoint_every=0")
	dir := cfg.Output.Dir
	var log strings.Builder
	sum, err := Fit(context.Background(), cfg, Options{Out: &log})
	if err != nil {
		t.Fatal(err)
	}
	first := sum.Selection
	if first == nil || first.Dir != rundir.SelectionDir(dir) || first.Best == nil {
		t.Fatalf("selection %+v, want the first training in %s with a best step", first, rundir.SelectionDir(dir))
	}
	if first.Near == nil || first.Near.LowestStep == 0 {
		t.Fatalf("the first training followed no nearness: %+v", first.Near)
	}
	length := chosenLength(first.Best, first.Near)
	if want := configs.RefitSteps(length, 480, 120); sum.To != want {
		t.Errorf("the refit trained to step %d, want %d for length %d", sum.To, want, length)
	}
	var measured int
	for _, r := range readRecords(t, first.Dir) {
		if r.Valid != nil && r.Nearest > 0 {
			measured++
		}
	}
	if measured < 6 {
		t.Errorf("the first training's metrics hold %d nearness ratios, want one per held-out evaluation (6)", measured)
	}
	if !strings.Contains(log.String(), "training again from the start on all 600 rows") {
		t.Errorf("the log does not say the refit:\n%s", log.String())
	}
	saved, err := rundir.LoadConfig(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := saved.Train.Refitted
	if saved.Data.Holdout != 0 || saved.Train.Refit == nil || *saved.Train.Refit || r == nil || r.BestStep != first.Best.Step || r.Length != length || r.NearStep != first.Near.Reached || r.TrainRows != 480 || r.HeldOut != 120 || r.Dir != "select" {
		t.Errorf("the run's config.yaml: holdout %v, refit %v, refitted %+v", saved.Data.Holdout, saved.Train.Refit, r)
	}
	if sel, err := rundir.LoadConfig(rundir.SelectionDir(dir), nil); err != nil || sel.Data.Holdout != 0.2 {
		t.Errorf("the first training's config.yaml: %v, %v", sel, err)
	}
	again, err := rundir.LoadConfig(dir, []string{"output.dir=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if sum := fit(t, again, false); sum.Selection != nil {
		t.Errorf("the refit's own config trained twice")
	}
	sameCheckpoints(t, dir, again.Output.Dir, sum.To)
}

// A refitted run interrupted in either training and resumed ends with the
// bits of one never stopped.
func TestRefitResumesExactly(t *testing.T) {
	sets := []string{"train.refit=true", "train.lr=0.05", "train.steps=60", "train.checkpoint_every=10"}
	whole := parseConfig(t, tinyRun, sets...)
	sum := fit(t, whole, false)
	// Fit checks once after reading the data, then once a step.
	for _, c := range []struct {
		name string
		stop int
		at   string
	}{
		{"in the first training", 14, "at step 13"},
		{"in the second training", 1 + 60 + 8, "at step 8;"},
	} {
		stop, at := c.stop, c.at
		cut := parseConfig(t, tinyRun, sets...)
		_, err := Fit(&cancelAfter{context.Background(), stop}, cut, Options{})
		if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), at) {
			t.Fatalf("stop %d: got %v, want an interruption %s", stop, err, at)
		}
		// As train -run DIR does: the run's own config.yaml.
		resumed, err := rundir.LoadConfig(cut.Output.Dir, []string{"output.dir=" + cut.Output.Dir})
		if err != nil {
			t.Fatal(err)
		}
		if again := fit(t, resumed, true); again.To != sum.To {
			t.Fatalf("stop %d: the resumed run ended at step %d, the whole one at %d", stop, again.To, sum.To)
		}
		sameCheckpoints(t, whole.Output.Dir, cut.Output.Dir, sum.To)
		if _, err := os.Stat(rundir.BestPath(cut.Output.Dir)); err == nil {
			t.Errorf("stop %d: the refit on every row has a best checkpoint, with no held-out loss to choose it", stop)
		}
	}
}

// The held-out loss's stop waits while the samples are still farther from
// the training rows than new rows, beyond the measure's standard error,
// and their nearness keeps falling; it goes ahead once they come as near,
// or stop improving for patience evaluations.
func TestNearnessHoldsTheStopWhileSamplesSharpen(t *testing.T) {
	for _, c := range []struct {
		name    string
		ratios  []float64
		errs    []float64 // each ratio's standard error in its logarithm; none where nil
		stopAt  int       // the first evaluation (from 1) whose held-out patience ran out
		want    []bool
		reached int
	}{
		{"sharpening until as near", []float64{1.3, 1.2, 1.1, 1.0, 0.95}, nil, 2, []bool{false, false, false, true, true}, 4},
		{"as near already", []float64{0.9, 0.8, 0.85}, nil, 2, []bool{false, true, true}, 1},
		{"never as near, stalled", []float64{1.3, 1.2, 1.25, 1.22, 1.21}, nil, 2, []bool{false, false, false, false, true}, 0},
		{"within a standard error of as near", []float64{1.3, 1.2, 1.04, 1.03, 1.02}, []float64{0.05, 0.05, 0.05, 0.05, 0.05}, 2, []bool{false, false, true, true, true}, 3},
		{"beyond its standard error", []float64{1.3, 1.2, 1.04, 1.03, 1.02}, []float64{0.01, 0.01, 0.01, 0.01, 0.01}, 2, []bool{false, false, false, false, false}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := parseConfig(t, tinyRun, "train.patience=3")
			h := &nearHook{t: &trainer{cfg: cfg, s: &rundir.Snapshot{}}, patience: 3}
			for i, ratio := range c.ratios {
				e := &Step{N: 10 * (i + 1), Record: &rundir.Record{Valid: &losses.Terms{}, Nearest: ratio}}
				if c.errs != nil {
					e.Record.NearestError = c.errs[i]
				}
				if i+1 >= c.stopAt {
					e.Stop = "patience"
				}
				h.OnStep(e)
				if stopped := e.Stop != ""; stopped != c.want[i] {
					t.Errorf("evaluation %d (ratio %v): stopped %v, want %v", i+1, ratio, stopped, c.want[i])
				}
			}
			if got := h.t.s.Near.Reached; got != 10*c.reached {
				t.Errorf("reached at step %d, want %d", got, 10*c.reached)
			}
		})
	}
}

// A first training that had stopped (its patience out, its samples as near
// as they came) and is resumed before the second started, as after a
// crash between them, trains no further: the run ends as one never
// stopped. A plain run stopped early and resumed trains no further either.
func TestStoppedTrainingResumesWithoutTraining(t *testing.T) {
	for _, c := range []struct{ name, rows string }{
		{"nearness measured", "data.n=600"},
		{"too few held out to measure nearness", "data.n=80"}, // 16 held out
	} {
		t.Run(c.name, func(t *testing.T) {
			sets := []string{c.rows, "train.refit=true", "train.lr=0.05", "train.steps=400", "train.patience=2", "train.checkpoint_every=10"}
			whole := parseConfig(t, tinyRun, sets...)
			sum := fit(t, whole, false)
			if sum.Selection.Stopped == "" || sum.Selection.To >= 400 {
				t.Fatalf("the first training did not stop early (step %d): no stop to resume from", sum.Selection.To)
			}
			crashed := parseConfig(t, tinyRun, sets...)
			fit(t, crashed, false)
			// Undo the second training: the directory as the crash left it.
			if err := errors.Join(os.RemoveAll(rundir.CheckpointDir(crashed.Output.Dir)), os.Remove(filepath.Join(crashed.Output.Dir, "metrics.jsonl")),
				os.WriteFile(rundir.ConfigPath(crashed.Output.Dir), parseConfig(t, tinyRun, append(sets, "output.dir="+crashed.Output.Dir)...).YAML(), 0o644)); err != nil {
				t.Fatal(err)
			}
			resumed, err := rundir.LoadConfig(crashed.Output.Dir, []string{"output.dir=" + crashed.Output.Dir})
			if err != nil {
				t.Fatal(err)
			}
			again := fit(t, resumed, true)
			if first := again.Selection; first.To != first.From || first.To != sum.Selection.To {
				t.Errorf("the stopped first training resumed from step %d to %d; it had stopped at %d", first.From, first.To, sum.Selection.To)
			}
			sameCheckpoints(t, whole.Output.Dir, crashed.Output.Dir, sum.To)
		})
	}
	plain := parseConfig(t, tinyRun, "train.lr=1", "train.steps=400", "train.patience=2", "train.grad_clip=0")
	stopped := fit(t, plain, false)
	if stopped.Stopped == "" {
		t.Fatalf("the plain run did not stop early")
	}
	if again := fit(t, plain, true); again.To != stopped.To || again.From != stopped.To || again.Stopped == "" {
		t.Errorf("the plain run stopped at step %d resumed from %d to %d (stopped %q)", stopped.To, again.From, again.To, again.Stopped)
	}
	// Patience raised on the resume: the run goes on.
	plain.Train.Patience = 50
	if again := fit(t, plain, true); again.To <= stopped.To {
		t.Errorf("with patience raised to 50 the run stopped at step %d resumed to %d", stopped.To, again.To)
	}
}

// A resume of a refit's first training that is refused (other settings
// than the checkpoint's) leaves the run's config.yaml as it was, and the
// run resumable.
func TestRefusedRefitResumeKeepsTheConfig(t *testing.T) {
	sets := []string{"train.refit=true", "train.steps=60", "train.checkpoint_every=10"}
	cut := parseConfig(t, tinyRun, sets...)
	if _, err := Fit(&cancelAfter{context.Background(), 14}, cut, Options{}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want an interruption", err)
	}
	before, err := os.ReadFile(rundir.ConfigPath(cut.Output.Dir))
	if err != nil {
		t.Fatal(err)
	}
	other, err := rundir.LoadConfig(cut.Output.Dir, []string{"output.dir=" + cut.Output.Dir, "model.hidden=[8,8]"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Fit(context.Background(), other, Options{Resume: true}); err == nil {
		t.Fatalf("a resume with another network was not refused")
	}
	if after, _ := os.ReadFile(rundir.ConfigPath(cut.Output.Dir)); string(after) != string(before) {
		t.Errorf("the refused resume rewrote config.yaml:\n%s", after)
	}
	resumed, err := rundir.LoadConfig(cut.Output.Dir, []string{"output.dir=" + cut.Output.Dir})
	if err != nil {
		t.Fatal(err)
	}
	fit(t, resumed, true)
}

// A nearness sampling that fails (here: a start from a file, which the
// annealed sampler takes only from sample -init) is not measured, said,
// and not fatal.
func TestNearnessThatCannotSampleIsNotFatal(t *testing.T) {
	start := filepath.Join(t.TempDir(), "start.csv")
	if err := os.WriteFile(start, []byte("0,0\n1,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := parseConfig(t, tinyRun, "train.refit=true", "train.steps=30", "train.loss=anneal_dsm", "model.noise_conditional=true", "train.sigmas=auto", "sample.eps=auto",
		"sample.sampler=annealed", "sample.init.kind=file", "sample.init.path="+start)
	var log strings.Builder
	if _, err := Fit(context.Background(), cfg, Options{Out: &log}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "the samples' nearness is not measured") {
		t.Errorf("the log does not say the nearness was not measured:\n%s", log.String())
	}
}

// A table's run of train.steps: auto follows its samples' nearness
// (train.nearness, its default): it measures them at each evaluation and
// holds back the held-out loss's stop by them, as a refit's first training
// does; with train.nearness: false it measures nothing.
func TestNearnessFollowsATableRun(t *testing.T) {
	moons, _, err := datasets.Generate(datasets.Spec{Name: "moons", N: 600}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "moons.csv")
	if err := datasets.WriteFile(path, moons); err != nil {
		t.Fatal(err)
	}
	for _, follow := range []bool{true, false} {
		t.Run(fmt.Sprint("nearness ", follow), func(t *testing.T) {
			sets := []string{"model.hidden=[16,16]", "train.patience=2", "train.refit=false", fmt.Sprint("train.nearness=", follow)}
			if !follow {
				// anneal_dsm, whose held-out loss on these moons stops
				// improving within a few thousand steps; edm_dsm's (the
				// default) keeps falling to the cap on so small a network.
				sets = append(sets, "train.loss=anneal_dsm")
			}
			cfg := parseConfig(t, "name: t\ndata: {dataset: file, path: "+path+"}\n", sets...)
			if cfg.Train.Nearness != follow {
				t.Fatalf("train.nearness %v, want %v", cfg.Train.Nearness, follow)
			}
			sum := fit(t, cfg, false)
			_, records, err := rundir.ReadMetrics(cfg.Output.Dir, 1000, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			measured := 0
			for _, r := range records {
				if r.Nearest > 0 {
					measured++
				}
			}
			if follow != (measured > 0) {
				t.Errorf("%d evaluations measured the samples' nearness", measured)
			}
			// Without it the held-out loss's patience stops the run early;
			// with it the samples' nearness is said with the stop, or the
			// run goes to the cap while they keep coming nearer.
			said := strings.Contains(sum.Stopped, "; the samples")
			if follow && sum.Stopped != "" && !said || !follow && (sum.Stopped == "" || said) {
				t.Errorf("stopped at step %d: %q", sum.To, sum.Stopped)
			}
		})
	}
}

// A design's rows (a yield per year and site, once each) have no
// nearness to follow, as the verdict judges none: the held-out loss alone
// chooses the length, said, and no evaluation measures it (gapminder's
// panel was held to the cap by a nearness its verdict did not judge).
func TestNearnessSkipsADesign(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var b strings.Builder
	b.WriteString("year,site,yield\n")
	for year := 1990; year < 2010; year++ {
		for site := 1; site <= 10; site++ {
			fmt.Fprintf(&b, "%d,%d,%.3f\n", year, site, 50+float64(site)+0.5*float64(year-1990)+3*rng.NormFloat64())
		}
	}
	path := filepath.Join(t.TempDir(), "trial.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := parseConfig(t, "name: t\ndata: {dataset: file, path: "+path+"}\n", "model.hidden=[16,16]", "train.patience=2", "train.refit=false", "train.eval_every=200", "train.steps=auto", "train.nearness=true")
	var log strings.Builder
	if _, err := Fit(context.Background(), cfg, Options{Out: &log}); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "the rows are a design or a series") {
		t.Errorf("the log does not say the rows are a design:\n%s", log.String())
	}
	_, records, err := rundir.ReadMetrics(cfg.Output.Dir, 1000, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if r.Nearest > 0 {
			t.Fatalf("step %d measured the samples' nearness", r.Step)
		}
	}
}
