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

	"scorenet/checkpoints"
	"scorenet/datasets"
	"scorenet/rundir"
	"scorenet/workflow"
)

func scorenet(args ...string) (code int, stdout, stderr string) {
	var out, errs strings.Builder
	code = run(args, &out, &errs)
	return code, out.String(), errs.String()
}

func TestTrainThenScore(t *testing.T) {
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	code, out, errs := scorenet("train", "-config", "../../configs/gaussian2d.yaml",
		"-set", "output.dir="+runDir, "-set", "model.hidden=[16]", "-set", "train.steps=30",
		"-set", "train.log_every=10", "-set", "train.checkpoint_every=10")
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	if !regexp.MustCompile(`^trained 30 steps in [0-9.]+ s \([0-9.]+ ms/step\)\nrun directory ` + regexp.QuoteMeta(runDir) + `; checkpoint .*step-000000030.safetensors\n$`).MatchString(out) {
		t.Errorf("stdout %q, want `trained 30 steps in X s (Y ms/step)` and where the run is", out)
	}
	if !strings.Contains(errs, "step 30/30 loss") {
		t.Errorf("no log line for the last step in %q", errs)
	}
	for _, f := range []string{"config.yaml", "metrics.jsonl", "checkpoints/step-000000030.safetensors"} {
		if _, err := os.Stat(filepath.Join(runDir, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}

	code, out, errs = scorenet("train", "-config", "../../configs/gaussian2d.yaml", "-resume",
		"-set", "output.dir="+runDir, "-set", "model.hidden=[16]", "-set", "train.steps=40",
		"-set", "train.log_every=10", "-set", "train.checkpoint_every=10")
	if code != 0 || !strings.HasPrefix(out, "trained 10 steps") || !strings.Contains(errs, "resuming from") {
		t.Fatalf("resume exited %d: %q %q", code, out, errs)
	}

	in := filepath.Join(dir, "points.csv")
	os.WriteFile(in, []byte("x,y\n1,-2\n0,0\n3.5,1e-3\n"), 0o644)
	for _, ext := range []string{".csv", ".npy"} {
		outPath := filepath.Join(dir, "scores"+ext)
		if code, _, errs := scorenet("score", "-run", runDir, "-in", in, "-out", outPath); code != 0 {
			t.Fatalf("score exited %d: %s", code, errs)
		}
		got, err := datasets.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		r, err := workflow.Open(runDir, "", "")
		if err != nil {
			t.Fatal(err)
		}
		score, _ := r.Scorer(3)
		want := make([]float64, 6)
		score(want, []float64{1, -2, 0, 0, 3.5, 1e-3}, 0)
		if got.N != 3 || got.D != 2 || r.Step != 40 {
			t.Fatalf("scores are %d x %d from step %d", got.N, got.D, r.Step)
		}
		for i := range want {
			if math.Float64bits(got.X[i]) != math.Float64bits(want[i]) {
				t.Errorf("%s: score %d written as %v, computed %v: not full precision", ext, i, got.X[i], want[i])
			}
		}
	}
	first := filepath.Join(runDir, "checkpoints", "step-000000030.safetensors")
	if code, out, errs := scorenet("score", "-run", runDir, "-checkpoint", first, "-in", in, "-out", filepath.Join(dir, "s.csv")); code != 0 || !strings.Contains(out, "(step 30)") {
		t.Errorf("-checkpoint did not load step 30: %d %s %s", code, out, errs)
	}
	// Noise levels and points that would make the scores non-finite are
	// refused, and nothing is written.
	// A run whose weights are scaled up overflows at far points.
	c, err := checkpoints.Load(first)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range c.Tensors {
		if strings.HasPrefix(tn.Name, "param/") {
			for k, v := range checkpoints.Float64s(tn.Data) {
				setTensorValue(tn.Data, k, v*1e10)
			}
		}
	}
	bigRun := filepath.Join(dir, "big")
	if _, err := checkpoints.Save(rundir.CheckpointDir(bigRun), c, 0); err != nil {
		t.Fatal(err)
	}
	far := filepath.Join(dir, "far.csv")
	os.WriteFile(far, []byte("0,0\n1e300,-1e300\n"), 0o644)
	if code, _, errs := scorenet("score", "-run", bigRun, "-in", far, "-out", filepath.Join(dir, "never.csv")); code == 0 ||
		!strings.Contains(errs, "the score at point 2 of "+far+" is") {
		t.Errorf("an overflowing score: exit %d, %q", code, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-in", in, "-sigma", "Inf"}, "-sigma must be from 1e-10 to 1e+10"},
		{[]string{"-in", in, "-sigma", "1e-320"}, "-sigma must be from 1e-10 to 1e+10"},
		{[]string{"-in", in, "-sigma", "-1"}, "-sigma must be from 1e-10 to 1e+10"},
	} {
		outPath := filepath.Join(dir, "never.csv")
		code, _, errs := scorenet(append([]string{"score", "-run", runDir, "-out", outPath}, c.args...)...)
		if _, statErr := os.Stat(outPath); code == 0 || !strings.Contains(errs, c.want) || statErr == nil {
			t.Errorf("%v: exit %d, %q (written: %v); want %q and nothing written", c.args, code, errs, statErr == nil, c.want)
		}
	}
	wide := filepath.Join(dir, "wide.csv")
	os.WriteFile(wide, []byte("1,2,3\n"), 0o644)
	code, _, errs = scorenet("score", "-run", runDir, "-in", wide, "-out", filepath.Join(dir, "s.csv"))
	if code == 0 || !strings.Contains(errs, "wide.csv has 3 columns, the model in") || !strings.Contains(errs, "scores points of dimension 2") {
		t.Errorf("wrong width: exit %d, %q", code, errs)
	}
}

func TestBadInvocations(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"fit"}, 2, `unknown command "fit"`},
		{"unknown flag", []string{"train", "-confg", "x.yaml"}, 2, "scorenet train: flag provided but not defined: -confg; did you mean -config? (see scorenet train -h)"},
		{"misspelled flag", []string{"plot", "-smaples", "x.csv"}, 2, "flag provided but not defined: -smaples; did you mean -samples?"},
		{"unknown flag far from any", []string{"eval", "-zzzzzz"}, 2, "flag provided but not defined: -zzzzzz (see scorenet eval -h)"},
		{"misspelled command", []string{"smaple"}, 2, `unknown command "smaple"; did you mean "sample"?`},
		{"config and run", []string{"train", "-config", "a.yaml", "-run", "r"}, 1, "give -config FILE to start or continue a run, or -run DIR to continue one, not both"},
		{"run without config.yaml", []string{"train", "-run", "nowhere"}, 1, "nowhere/config.yaml: no such file"},
		{"missing config flag", []string{"train"}, 1, "missing required flag -config (or -run DIR to continue a run"},
		{"missing config file", []string{"train", "-config", "nope.yaml"}, 1, "nope.yaml: no such file"},
		{"bad -set", []string{"train", "-config", "../../configs/moons.yaml", "-set", "train.stepz=1"}, 1, `-set train.stepz=1: train.stepz: unknown key; did you mean "steps"?`},
		{"missing run", []string{"score", "-run", "nowhere", "-in", "a.csv", "-out", "b.csv"}, 1, "rundir: no run directory nowhere"},
		{"missing in flag", []string{"score", "-run", "x", "-out", "b.csv"}, 1, "missing required flag -in"},
		{"stray argument", []string{"score", "extra"}, 2, `unexpected argument "extra"`},
		{"eval too many chains", []string{"eval", "-run", "x", "-n", "10000000000"}, 1, "-n must be from 1 to 100000000 chains"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := scorenet(c.args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Errorf("exit %d, output %q %q; want exit %d and %q", code, out, errs, c.code, c.want)
			}
			if c.code != 0 && c.name != "no command" && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("error spans several lines: %q", errs)
			}
		})
	}
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	for cmd, flags := range map[string][]string{
		"train":  {"-config", "-resume", "-set"},
		"score":  {"-run", "-checkpoint", "-in", "-out", "-batch", "-sigma"},
		"sample": {"-run", "-out", "-n", "-seed", "-sampler", "-set", "-plot"},
		"eval":   {"-run", "-n", "-seed", "-samples", "-set"},
	} {
		code, out, _ := scorenet(cmd, "-h")
		if code != 0 {
			t.Errorf("%s -h exited %d", cmd, code)
		}
		if strings.Contains(out, "(default -1)") || strings.Count(out, "(default sample.seed)") > 1 {
			t.Errorf("%s -h gives a default twice or a meaningless one:\n%s", cmd, out)
		}
		for _, f := range flags {
			if !strings.Contains(out, "  "+f) {
				t.Errorf("%s -h does not explain %s:\n%s", cmd, f, out)
			}
		}
	}
}

// A run trained on a data file keeps working when the file is gone: score,
// sample and eval -samples=false need only the checkpoint, and what truly
// needs the data (plot's field over the data, eval's sample metrics) says
// which file it needs.
func TestReadersWorkWithTheDataFileGone(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	var rows strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&rows, "%g,%g\n", math.Sin(float64(i)), math.Cos(float64(3*i)))
	}
	os.WriteFile(data, []byte(rows.String()), 0o644)
	cfg := filepath.Join(dir, "file.yaml")
	os.WriteFile(cfg, []byte("name: file\ndata: {dataset: file, path: "+data+"}\nmodel: {hidden: [8]}\n"+
		"train: {steps: 5, batch_size: 16, log_every: 5}\nsample: {n: 20, steps: 5}\n"), 0o644)
	runDir := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-config", cfg, "-set", "output.dir="+runDir)
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	// sin and cos of whole numbers crowd up to ±1 (an arcsine's density):
	// walls, which the line says between the two.
	for _, want := range []string{"data: 200 points of dimension 2 from " + data + "; 4 wall(s)", "; 150 for training, 50 held out"} { // data.holdout auto: 50 rows
		if !strings.Contains(errs, want) {
			t.Errorf("the start-up lines %q do not say %q", errs, want)
		}
	}
	if err := os.Remove(data); err != nil {
		t.Fatal(err)
	}
	points := filepath.Join(dir, "points.csv")
	os.WriteFile(points, []byte("0,0\n1,1\n"), 0o644)
	for _, args := range [][]string{
		{"sample", "-run", runDir, "-out", filepath.Join(dir, "samples.csv")},
		{"score", "-run", runDir, "-in", points, "-out", filepath.Join(dir, "scores.csv")},
		{"eval", "-run", runDir, "-samples=false"},
	} {
		if code, _, errs := scorenet(args...); code != 0 {
			t.Errorf("%s with the data file gone exited %d: %s", args[0], code, errs)
		}
	}
	for _, args := range [][]string{
		{"plot", "-run", runDir, "-out", dir},
		{"eval", "-run", runDir},
		{"sample", "-run", runDir, "-out", filepath.Join(dir, "s.csv"), "-plot", filepath.Join(dir, "s.png")},
	} {
		code, _, errs := scorenet(args...)
		if code == 0 || !strings.Contains(errs, "needs the run's training data, data.path "+data) {
			t.Errorf("%v with the data file gone: exit %d, %q; want the data file named", args, code, errs)
		}
	}
}

// scorenet version names the build, the Go version and the kernels.
func TestVersion(t *testing.T) {
	code, out, _ := scorenet("version")
	if code != 0 || !regexp.MustCompile(`^scorenet \S+, commit \S+.*, go1\.\d+.* linux/amd64\nmatrix products: .+\nactivations: .+\n$`).MatchString(out) {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// eval on a run directory that cannot take eval.json still prints its
// results, then fails naming the file.
func TestEvalPrintsResultsItCannotSave(t *testing.T) {
	runDir := filepath.Join(t.TempDir(), "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/gaussian2d.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[8]", "-set", "train.steps=5"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	os.MkdirAll(filepath.Join(runDir, "eval.json", "in-the-way"), 0o755) // a directory where the file would go
	code, out, errs := scorenet("eval", "-run", runDir, "-samples=false")
	var rep struct {
		Step    int
		Heldout *struct{ Points int }
		File    string
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Step != 5 || rep.Heldout == nil || rep.File != "" {
		t.Errorf("stdout %q (%v): want the report, without a file it was saved to", out, err)
	}
	if code == 0 || !strings.Contains(errs, "the results above could not be written to "+filepath.Join(runDir, "eval.json")) {
		t.Errorf("exit %d, %q: want a failure naming eval.json", code, errs)
	}
}

// The README's commands write their outputs under runs/ (which git ignores),
// never into the checkout.
func TestReadmeCommandsWriteUnderRuns(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	outputs := regexp.MustCompile(`go run \./cmd/scorenet [^\n]*?-(?:out|plot|snapshots) (\S+)`).FindAllStringSubmatch(string(b), -1)
	if len(outputs) == 0 {
		t.Fatal("no output flags found in the README's commands")
	}
	for _, m := range outputs {
		if !strings.HasPrefix(m[1], "runs/") {
			t.Errorf("the README writes %s outside runs/", m[1])
		}
	}
}

// Readers say which newer checkpoints they skipped, and why.
func TestReadersSaySkippedCheckpoints(t *testing.T) {
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/gaussian2d.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[8]", "-set", "train.steps=20", "-set", "train.checkpoint_every=10"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	newest := filepath.Join(runDir, "checkpoints", "step-000000020.safetensors")
	os.WriteFile(newest, []byte("not a checkpoint"), 0o644)
	in := filepath.Join(dir, "p.csv")
	os.WriteFile(in, []byte("0,0\n"), 0o644)
	code, out, errs := scorenet("score", "-run", runDir, "-in", in, "-out", filepath.Join(dir, "s.csv"))
	if code != 0 || !strings.Contains(out, "(step 10)") || !strings.Contains(errs, "skipping a checkpoint that does not load: "+newest) {
		t.Errorf("exit %d, %q %q: want step 10 used and the broken step 20 named", code, out, errs)
	}
}

// scorenet sigmas says what auto chooses, and how, without training.
func TestSigmasCommand(t *testing.T) {
	code, out, errs := scorenet("sigmas", "-config", "../../configs/mixture_annealed.yaml", "-set", "train.sigmas=auto", "-set", "sample.eps=auto")
	if code != 0 || !strings.Contains(out, "train.sigmas auto: 17 levels from 20.73") || !strings.Contains(out, "levels (17): 20.73 ") ||
		!strings.Contains(out, "sample.eps: 0.0008754 (chosen, 100 steps per level)") {
		t.Errorf("sigmas: exit %d, %q %q", code, out, errs)
	}
	code, out, _ = scorenet("sigmas", "-config", "../../configs/mixture_annealed.yaml")
	if code != 0 || !strings.Contains(out, "levels (10): 20 ") || !strings.Contains(out, "sample.eps: 0.1 (as written") {
		t.Errorf("sigmas as written: exit %d, %q", code, out)
	}
	// -data: train -data's choices for the file, nothing written.
	dir := t.TempDir()
	data := filepath.Join(dir, "mine.csv")
	writeWaves(t, data, 300, true)
	t.Chdir(dir)
	code, out, errs = scorenet("sigmas", "-data", data, "-set", "model.activation=softplus")
	if code != 0 || !strings.Contains(errs, "train.loss edm_dsm") || !strings.Contains(out, "1 discrete column(s)") || strings.Contains(errs, "model.activation swish") ||
		!strings.Contains(out, "model.hidden auto: [128 128 128]") || !strings.Contains(out, "levels (16): ") ||
		!strings.Contains(out, "spread over 0.5 of each value's cell about it (data.discrete_spread)") {
		t.Errorf("sigmas -data: exit %d, %q %q", code, out, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("sigmas -data wrote %d entries beside its data file", len(entries)-1)
	}
	for _, args := range [][]string{{"sigmas"}, {"sigmas", "-data", data, "-config", "c.yaml"}} {
		if code, _, errs := scorenet(args...); code != 1 || !strings.Contains(errs, "-data FILE") {
			t.Errorf("%q: exit %d, %q; want an error naming -config and -data", args, code, errs)
		}
	}
}

// rewriteRunConfig edits the config of the run in dir as a run written by
// an older version would hold it: its config.yaml and every checkpoint's
// copy of it.
func rewriteRunConfig(t *testing.T, dir string, edit func(string) string) {
	t.Helper()
	config := filepath.Join(dir, "config.yaml")
	text, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, []byte(edit(string(text))), 0o644); err != nil {
		t.Fatal(err)
	}
	ckpts, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.safetensors"))
	for _, path := range ckpts {
		c, err := checkpoints.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		c.Meta["config"] = edit(c.Meta["config"])
		if err := checkpoints.SaveAs(path, c); err != nil {
			t.Fatal(err)
		}
	}
}
