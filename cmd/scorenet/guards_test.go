package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"scorenet/checkpoints"
	"scorenet/datasets"
	"scorenet/rundir"
)

// digestOf is the sha256 of the file at path ("" when it does not exist).
func digestOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// trainGuarded trains a small noise-conditional run on the CSV at data into
// dir/name, in-process.
func trainGuarded(t *testing.T, dir, name, data string, sets ...string) string {
	t.Helper()
	runDir := filepath.Join(dir, name)
	config := filepath.Join(dir, name+".yaml")
	yaml := "name: " + name + "\ndata: {dataset: file, path: " + data + ", holdout: 0.1}\n" +
		"model: {hidden: [16], noise_conditional: true}\n" +
		"train: {loss: anneal_dsm, sigmas: {begin: 3, end: 0.1, n: 5}, steps: 20, batch_size: 16, checkpoint_every: 10, eval_every: 10}\n" +
		"sample: {sampler: annealed, steps_per_level: 2, eps: 0.01}\n"
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"train", "-config", config, "-set", "output.dir=" + runDir}
	for _, s := range sets {
		args = append(args, "-set", s)
	}
	if code, _, errs := scorenet(args...); code != 0 {
		t.Fatalf("train exited %d: %s", code, errs)
	}
	return runDir
}

// attack runs scorenet with args and wants exit 1, one line of stderr
// saying want, and the file target (if any) as it was.
func attack(t *testing.T, name, target, want string, args ...string) {
	t.Helper()
	before := digestOf(t, target)
	code, _, errs := scorenet(args...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	oneLine(t, name, errs, want)
	if target != "" && digestOf(t, target) != before {
		t.Errorf("%s changed", target)
	}
}

// trainAttack is attack for train, whose start-up lines come first: its
// last line of stderr is the one-line error.
func trainAttack(t *testing.T, name, target, want string, args ...string) {
	t.Helper()
	before := digestOf(t, target)
	code, _, errs := scorenet(args...)
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	if last := lines[len(lines)-1]; code != 1 || !strings.HasPrefix(last, "scorenet train: ") || !strings.Contains(last, want) {
		t.Errorf("%s: exit %d, stderr ending %q; want exit 1 and an error saying %q", name, code, last, want)
	}
	if target != "" && digestOf(t, target) != before {
		t.Errorf("%s changed", target)
	}
}

// guardedRun is a small trained run on a fresh CSV: the directory of
// both, the CSV and the run.
func guardedRun(t *testing.T) (dir, data, run string) {
	t.Helper()
	dir = t.TempDir()
	data = filepath.Join(dir, "data.csv")
	writeCSV(t, data, 200, 2, 3, 1)
	return dir, data, trainGuarded(t, dir, "a", data)
}

// The red team's attacks on the commands that read a run (issue 19), each
// rerun: a one-line error naming the flag, key or file, exit 1, and the
// file it aimed at unchanged.
func TestAttacksEndInOneLineErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeCSV(t, data, 200, 2, 3, 1)
	runA := trainGuarded(t, dir, "a", data)
	other := filepath.Join(dir, "other.csv")
	writeCSV(t, other, 200, 3, 1, 2)
	runB := trainGuarded(t, dir, "b", other, "seed=5")
	points := filepath.Join(dir, "points.csv")
	writeCSV(t, points, 10, 2, 1, 3)
	ckptA := filepath.Join(runA, "checkpoints", "step-000000020.safetensors")
	ckptB := filepath.Join(runB, "checkpoints", "step-000000020.safetensors")
	config := filepath.Join(runA, "config.yaml")
	for _, c := range []struct {
		name   string
		args   []string
		target string // a file that must stay as it was
		want   string
	}{
		{"plot over a checkpoint", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-plot", ckptA}, ckptA, "which this command reads"},
		{"grid over the config", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-grid", config}, config, "belongs to the run"},
		{"samples over the training data", []string{"sample", "-run", runA, "-out", data}, data, "is the run's training data"},
		{"score over its input", []string{"score", "-run", runA, "-in", points, "-out", points}, points, "which this command reads"},
		{"likelihood over its input", []string{"likelihood", "-run", runA, "-in", points, "-out", points}, points, "which this command reads"},
		{"likelihood over the data", []string{"likelihood", "-run", runA, "-in", points, "-out", data}, data, "is the run's training data"},
		{"two outputs on one path", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-snapshots", filepath.Join(dir, "s.csv")}, "", "the same path as -out"},
		{"a newline in a path", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s\nwrote x.csv")}, "", "control character"},
		{"a billion pc levels", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-set", "sample.sampler=pc", "-set", "sample.levels=1000000000"}, "", "sample.levels: must be 0 (the run's ladder) or from 2 to 100000"},
		{"1e8 corrector steps", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-set", "sample.corrector_steps=100000000"}, "", "sample.corrector_steps: must be from 0 to 1000"},
		{"1e12 steps", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-set", "sample.steps=1000000000000"}, "", "sample.steps: must be from 1 to 10000000"},
		{"snapshots beyond memory", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-n", "1000000", "-snapshots", filepath.Join(dir, "snap.csv"),
			"-set", "sample.snapshot_every=1", "-set", "sample.steps_per_level=10000000"}, "", "-snapshots"},
		{"tolerances that underflow", []string{"likelihood", "-run", runA, "-in", points, "-rtol", "1e-200", "-atol", "1e-200"}, "", "-rtol must be at least 1e-12 (float64 rounding) and below 1"},
		{"sample tolerances that underflow", []string{"sample", "-run", runA, "-out", filepath.Join(dir, "s.csv"), "-sampler", "ode", "-set", "sample.rtol=1e-200"}, "", "sample.rtol: must be at least 1e-12 (float64 rounding) and below 1"},
		{"eval of another run's checkpoint", []string{"eval", "-run", runA, "-checkpoint", ckptB}, filepath.Join(runA, "eval.json"), "belongs to another run than " + runA},
		{"sample from another run's checkpoint", []string{"sample", "-run", runA, "-checkpoint", ckptB, "-out", filepath.Join(dir, "s.csv")}, "", "belongs to another run"},
	} {
		t.Run(c.name, func(t *testing.T) { attack(t, c.name, c.target, c.want, c.args...) })
	}
}

// A checkpoint whose metadata or weights were tampered with is refused
// when it is read, naming it: nothing non-finite is written.
func TestTamperedCheckpointsAreRefusedOnRead(t *testing.T) {
	dir, _, run := guardedRun(t)
	good := filepath.Join(run, "checkpoints", "step-000000020.safetensors")
	for _, c := range []struct {
		name   string
		tamper func(c *checkpoints.Checkpoint)
		want   string
	}{
		{"std 1e308", func(c *checkpoints.Checkpoint) {
			c.Meta["normalization"] = `{"mean":[0,0],"std":[1e308,1]}`
		}, "column 1 has mean 0 and standard deviation 1e+308"},
		{"std 0", func(c *checkpoints.Checkpoint) { c.Meta["normalization"] = `{"mean":[0,0],"std":[1,0]}` }, "column 2 has mean 0 and standard deviation 0"},
		{"negative std", func(c *checkpoints.Checkpoint) { c.Meta["normalization"] = `{"mean":[0,0],"std":[-1,1]}` }, "standard deviation -1"},
		{"quantiles that fall", func(c *checkpoints.Checkpoint) {
			c.Meta["normalization"] = `{"mean":[0,0],"std":[1,1],"quantiles":{"0":{"x":[2,1],"z":[-1,1]}}}`
		}, "column 1's quantiles: knot 2 (1, 1) does not follow knot 1 (2, -1)"},
		{"quantiles of a column past the last", func(c *checkpoints.Checkpoint) {
			c.Meta["normalization"] = `{"mean":[0,0],"std":[1,1],"quantiles":{"4":{"x":[1,2],"z":[-1,1]}}}`
		}, "quantiles of column 5, want a column from 1 to 2"},
		{"a NaN parameter", func(c *checkpoints.Checkpoint) {
			for _, tn := range c.Tensors { // the weights sample reads: EMA where kept, else raw
				if strings.HasPrefix(tn.Name, "param/") || strings.HasPrefix(tn.Name, "ema/") {
					setTensorValue(tn.Data, 0, math.NaN())
				}
			}
		}, "holds a non-finite value at index 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ckpt, err := checkpoints.Load(good)
			if err != nil {
				t.Fatal(err)
			}
			c.tamper(ckpt)
			ckpt.Step = 30 // as its name says: a misnamed step is refused first
			bad := filepath.Join(run, "checkpoints", "step-000000030.safetensors")
			if err := checkpoints.SaveAs(bad, ckpt); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(bad)
			out := filepath.Join(dir, "s.csv")
			code, _, errs := scorenet("sample", "-run", run, "-checkpoint", bad, "-out", out)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			oneLine(t, c.name, errs, bad)
			oneLine(t, c.name, errs, c.want)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// eval, and anything else that reads the run's data, notices that the
// data file changed since training: it does not measure another split.
func TestReadersNoticeChangedData(t *testing.T) {
	_, data, run := guardedRun(t)
	writeCSV(t, data, 100, 2, 3, 1)
	code, _, errs := scorenet("eval", "-run", run, "-likelihood", "0")
	if code != 1 {
		t.Errorf("eval exit %d, want 1", code)
	}
	oneLine(t, "eval on changed data", errs, "has changed since")
	if _, err := os.Stat(filepath.Join(run, "eval.json")); err == nil {
		t.Error("eval wrote eval.json on changed data")
	}
}

// Resuming a run that has reached train.steps says there is nothing to
// train and how to go on, not an empty checkpoint path.
func TestResumingAFinishedRunSaysSo(t *testing.T) {
	_, _, run := guardedRun(t)
	code, out, errs := scorenet("train", "-run", run)
	if code != 0 || !strings.Contains(out, "nothing to train: run directory "+run+" is at step 20 of train.steps 20 (raise train.steps, e.g. -set train.steps=40, to continue)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// writeWaves writes n rows of x = sin i, y = cos 3i under a header, with a
// 0/1 column first where flag is set.
func writeWaves(t *testing.T, path string, n int, flag bool) {
	t.Helper()
	var rows strings.Builder
	if flag {
		rows.WriteString("flag,")
	}
	rows.WriteString("x,y\n")
	for i := range n {
		if flag {
			fmt.Fprintf(&rows, "%d,", i%2)
		}
		fmt.Fprintf(&rows, "%g,%g\n", math.Sin(float64(i)), math.Cos(float64(3*i)))
	}
	if err := os.WriteFile(path, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// train -data with no config: every choice is announced with its reason,
// written into config.yaml, overridden by an explicit value, and kept on
// resume; a discrete column is found, and samples land on its values.
func TestTrainFromDataChoosesAndKeeps(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "mine.csv")
	writeWaves(t, data, 300, true)
	run := filepath.Join(dir, "run")
	code, out, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=30", "-set", "train.eval_every=10")
	if code != 0 {
		t.Fatalf("train -data: exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"defaults for data read from a file (set a key to change it): data.standardize true, data.missing drop, data.quantile auto, data.holdout auto, train.loss edm_dsm",
		"model.hidden auto: [128 128 128]", "model.sigma_data auto", "train.sigmas auto", "sample.eps auto", "sample.sampler heun",
		"data.holdout auto: 0.167 (50 rows held out", "1 discrete column(s)", "flag (2 values)",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("start-up lines lack %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "trained 30 steps") {
		t.Errorf("stdout %q", out)
	}
	config, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	for _, want := range []string{"hidden:\n        - 128\n        - 128\n        - 128", "hidden_auto: true", "loss: edm_dsm", "holdout: 0.16", "sigma_data_auto: true", "ema: 0.999", "sampler: heun"} {
		if !strings.Contains(string(config), want) {
			t.Errorf("config.yaml lacks %q:\n%s", want, config)
		}
	}
	if code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=40"); code != 0 || strings.Contains(errs, "auto:") {
		t.Errorf("resume: exit %d; it chose again or failed: %s", code, errs)
	}
	samples := filepath.Join(dir, "s.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-out", samples, "-n", "50", "-set", "sample.steps_per_level=3"); code != 0 || !strings.Contains(errs, "verdict on 50 samples") {
		t.Fatalf("sample: exit %d: %s", code, errs)
	}
	got, err := datasets.ReadFile(samples)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.N {
		if v := got.X[i*3]; v != 0 && v != 1 {
			t.Fatalf("sample %d's flag is %v, want 0 or 1", i, v)
		}
	}
	explicit := filepath.Join(dir, "explicit")
	code, _, errs = scorenet("train", "-data", data, "-out", explicit, "-set", "train.steps=10", "-set", "model.hidden=[16]", "-set", "train.loss=exact", "-set", "data.discrete=none")
	if code != 0 || strings.Contains(errs, "model.hidden auto") || strings.Contains(errs, "train.loss edm_dsm") || strings.Contains(errs, "discrete column") {
		t.Errorf("explicit keys: exit %d, yet auto chose them: %s", code, errs)
	}
	annealed := filepath.Join(dir, "annealed")
	code, _, errs = scorenet("train", "-data", data, "-out", annealed, "-set", "train.steps=10", "-set", "sample.sampler=annealed")
	config, _ = os.ReadFile(filepath.Join(annealed, "config.yaml"))
	if code != 0 || strings.Contains(errs, "sample.sampler heun") || !strings.Contains(string(config), "sampler: annealed") || !strings.Contains(string(config), "loss: anneal_dsm") {
		t.Errorf("an explicit sample.sampler: exit %d, yet auto chose heun: %s", code, errs)
	}
}

// The second red-team pass's attacks (issue 19): hard links into the
// checkpoints, the checkpoint read as an output, merge -out onto the run's
// data, a symlink to another run's checkpoint inside checkpoints/, and
// metadata that overflows within old bounds.
func TestSecondRedTeamAttacks(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeCSV(t, data, 200, 2, 3, 1)
	runA := trainGuarded(t, dir, "a", data)
	runB := trainGuarded(t, dir, "b", data, "seed=5")
	ckptA := filepath.Join(runA, "checkpoints", "step-000000020.safetensors")
	linked := filepath.Join(dir, "p.png")
	if err := os.Link(ckptA, linked); err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, "ck.csv")
	b, _ := os.ReadFile(ckptA)
	os.WriteFile(copied, b, 0o644)
	other := filepath.Join(runA, "checkpoints", "other.safetensors")
	if err := os.Symlink(filepath.Join(runB, "checkpoints", "step-000000020.safetensors"), other); err != nil {
		t.Fatal(err)
	}
	shard := func(k string) string {
		out := filepath.Join(dir, "s"+k+".csv")
		if code, _, errs := scorenet("sample", "-run", runA, "-out", out, "-n", "10", "-shard", k+"/2"); code != 0 {
			t.Fatalf("shard %s: %s", k, errs)
		}
		return out
	}
	s0, s1 := shard("0"), shard("1")
	// Without -out every shard would write the run's samples.csv.
	if code, _, errs := scorenet("sample", "-run", runA, "-n", "10", "-shard", "1/2"); code == 0 || !strings.Contains(errs, "-shard 1/2 writes one file of many: give each shard its own -out (e.g. -out samples-1of2.csv)") {
		t.Errorf("-shard without -out: exit %d: %s", code, errs)
	}
	for _, c := range []struct {
		name, target, want string
		args               []string
	}{
		{"a hard link into checkpoints/", ckptA, "would write into " + filepath.Join(runA, "checkpoints"),
			[]string{"sample", "-run", runA, "-checkpoint", filepath.Join(runA, "checkpoints", "step-000000010.safetensors"), "-out", filepath.Join(dir, "x.csv"), "-plot", linked}},
		{"the checkpoint read as the output", copied, "which this command reads",
			[]string{"sample", "-run", runA, "-checkpoint", copied, "-out", copied}},
		{"merge onto the run's data", data, "would overwrite " + data + ", a file of the run",
			[]string{"merge", "-out", data, s0, s1}},
		{"merge onto a newline path", "", "control character",
			[]string{"merge", "-out", filepath.Join(dir, "m\nx.csv"), s0, s1}},
		{"another run's checkpoint linked into checkpoints/", filepath.Join(runA, "eval.json"), "belongs to another run",
			[]string{"eval", "-run", runA, "-checkpoint", other, "-samples=false"}},
	} {
		t.Run(c.name, func(t *testing.T) { attack(t, c.name, c.target, c.want, c.args...) })
	}
	for _, c := range []struct{ name, key, value, want string }{
		{"mean 1e300", "normalization", `{"mean":[1e300,0],"std":[1,1]}`, "column 1 has mean 1e+300"},
		{"std 1e150", "normalization", `{"mean":[0,0],"std":[1e150,1]}`, "standard deviation 1e+150"},
		{"max_abs infinite", "data_max_abs", "+Inf", "bad data_max_abs metadata"},
		{"moments of another width", "data_moments", `{"mean":[0],"var":1}`, "bad data_moments metadata"},
		{"a mean beyond the range", "data_moments", `{"mean":[0,1e9],"var":1}`, "bad data_moments metadata"},
		{"a negative variance", "data_moments", `{"mean":[0,0],"var":-1}`, "bad data_moments metadata"},
		{"moments that are no JSON", "data_moments", `[`, "bad data_moments metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ckpt, err := checkpoints.Load(ckptA)
			if err != nil {
				t.Fatal(err)
			}
			ckpt.Meta[c.key] = c.value
			ckpt.Step = 30
			bad := filepath.Join(runA, "checkpoints", "step-000000030.safetensors")
			if err := checkpoints.SaveAs(bad, ckpt); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(bad)
			code, _, errs := scorenet("eval", "-run", runA, "-checkpoint", bad)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			oneLine(t, c.name, errs, c.want)
		})
	}
}

// A resume from a checkpoint whose optimiser state holds a NaN names the
// checkpoint and the tensor instead of diverging at the next step.
func TestResumeRefusesDamagedMoments(t *testing.T) {
	_, _, run := guardedRun(t)
	path := filepath.Join(run, "checkpoints", "step-000000020.safetensors")
	ckpt, err := checkpoints.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range ckpt.Tensors {
		if strings.HasPrefix(tn.Name, "adam.v/") {
			setTensorValue(tn.Data, 0, math.NaN())
			break
		}
	}
	if err := checkpoints.SaveAs(path, ckpt); err != nil {
		t.Fatal(err)
	}
	code, _, errs := scorenet("train", "-run", run, "-set", "train.steps=40")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	oneLine(t, "NaN moments", lines[len(lines)-1], path+": adam.v/")
}

// Shards started from a file that changed between them do not merge: the
// sidecar records the starting points' digest, not only their path.
func TestMergeRefusesAChangedStartFile(t *testing.T) {
	dir, _, run := guardedRun(t)
	start := filepath.Join(dir, "start.csv")
	var shards []string
	for k, seed := range []uint64{7, 8} {
		writeCSV(t, start, 10, 2, 1, seed)
		out := filepath.Join(dir, fmt.Sprintf("s%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-out", out, "-set", "sample.init.kind=file", "-set", "sample.init.path="+start, "-shard", fmt.Sprintf("%d/2", k)); code != 0 {
			t.Fatalf("shard %d: %s", k, errs)
		}
		shards = append(shards, out)
	}
	code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "m.csv")}, shards...)...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	oneLine(t, "changed start file", errs, "init_sha256")
}

// Readers take the best checkpoint over a worse newest one: always for
// the losses that fit a density (exact, sliced); for a denoising model
// when the newest's held-out loss (metrics.jsonl) is above the best's by
// more than its noise (0.5%), and not when it is within it.
func TestReadersPickBestForDensityLosses(t *testing.T) {
	for _, c := range []struct {
		name, loss string
		rise       float64 // the newest's held-out loss over the best's
		usesBest   bool
	}{
		{"exact", "exact", 0.001, true},
		{"anneal_dsm within the noise", "anneal_dsm", 0.004, false},
		{"anneal_dsm worse", "anneal_dsm", 0.02, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data.csv")
			writeCSV(t, data, 200, 2, 3, 1)
			sets := []string{"train.loss=" + c.loss}
			if c.loss == "exact" {
				sets = append(sets, "model.noise_conditional=false", "model.sigma_data=0", "sample.sampler=langevin", "sample.steps=5")
			}
			run := trainGuarded(t, dir, "a", data, sets...)
			_, valid, err := rundir.ReadMetrics(run, 100, io.Discard)
			if err != nil || len(valid) == 0 || valid[len(valid)-1].Step != 20 {
				t.Fatalf("no held-out loss at step 20 in metrics.jsonl: %v", err)
			}
			newestLoss := valid[len(valid)-1].Valid.Loss
			bestLoss := newestLoss - c.rise*math.Abs(newestLoss)
			ckpts := filepath.Join(run, "checkpoints")
			early, err := checkpoints.Load(filepath.Join(ckpts, "step-000000010.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if err := checkpoints.SaveAs(filepath.Join(ckpts, "best.safetensors"), early); err != nil {
				t.Fatal(err)
			}
			newest, err := checkpoints.Load(filepath.Join(ckpts, "step-000000020.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			newest.Meta["best"] = fmt.Sprintf(`{"loss":%v,"step":10,"evaluations_since":1}`, bestLoss)
			if err := checkpoints.SaveAs(filepath.Join(ckpts, "step-000000020.safetensors"), newest); err != nil {
				t.Fatal(err)
			}
			code, _, errs := scorenet("sample", "-run", run, "-n", "20", "-out", filepath.Join(dir, "s.csv"))
			if code != 0 {
				t.Fatalf("sample: %s", errs)
			}
			if used := strings.Contains(errs, "using "+filepath.Join(ckpts, "best.safetensors")+" (step 10"); used != c.usesBest {
				t.Errorf("used best %v, want %v: %s", used, c.usesBest, errs)
			}
		})
	}
}

// The third red-team pass's attacks (issue 19): a dangling link into the
// checkpoints, merge -out onto the starting points or with the run gone,
// an endless ladder, a null in the standardisation.
func TestThirdRedTeamAttacks(t *testing.T) {
	dir, _, run := guardedRun(t)
	dangling := filepath.Join(dir, "d.png")
	into := filepath.Join(run, "checkpoints", "step-000000999.safetensors")
	if err := os.Symlink(into, dangling); err != nil {
		t.Fatal(err)
	}
	start := filepath.Join(dir, "start.csv")
	writeCSV(t, start, 10, 2, 1, 3)
	var shards []string
	for k := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("i%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-out", out, "-set", "sample.init.kind=file", "-set", "sample.init.path="+start, "-shard", fmt.Sprintf("%d/2", k)); code != 0 {
			t.Fatalf("shard %d: %s", k, errs)
		}
		shards = append(shards, out)
	}
	attack(t, "a dangling link into checkpoints/", "", "would write into "+filepath.Join(run, "checkpoints"),
		"sample", "-run", run, "-out", filepath.Join(dir, "x.csv"), "-plot", dangling)
	if _, err := os.Stat(into); err == nil {
		t.Errorf("%s was written", into)
	}
	attack(t, "merge onto the starting points", start, "would overwrite "+start,
		append([]string{"merge", "-out", start}, shards...)...)
	attack(t, "an endless ladder", "", "train.sigmas.n: must be from 1 to 100000",
		"sigmas", "-config", "../../configs/mixture_annealed.yaml", "-set", "train.sigmas.n=1000000000")
	moved := run + "-moved"
	if err := os.Rename(run, moved); err != nil {
		t.Fatal(err)
	}
	attack(t, "merge with the run gone", "", "is not there to check the output against",
		append([]string{"merge", "-out", filepath.Join(dir, "m.csv")}, shards...)...)
	os.Rename(moved, run)
	ckpt, err := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ckpt.Meta["normalization"] = `{"mean":[null,0.25],"std":[1,1]}`
	ckpt.Step = 30
	bad := filepath.Join(run, "checkpoints", "step-000000030.safetensors")
	if err := checkpoints.SaveAs(bad, ckpt); err != nil {
		t.Fatal(err)
	}
	attack(t, "a null mean", "", "bad normalization metadata", "sample", "-run", run, "-checkpoint", bad, "-out", filepath.Join(dir, "y.csv"))
}

// What the third pass found and left (issue 19), each rerun.
func TestThirdPassLeftovers(t *testing.T) {
	dir, _, run := guardedRun(t)
	good := filepath.Join(run, "checkpoints", "step-000000020.safetensors")
	var shards []string
	for k := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("s%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-n", "40", "-out", out, "-shard", fmt.Sprintf("%d/2", k)); code != 0 {
			t.Fatalf("shard %d: %s", k, errs)
		}
		shards = append(shards, out)
	}
	merged := filepath.Join(dir, "m.csv")
	if code, _, errs := scorenet(append([]string{"merge", "-out", merged, "-verify", "20"}, shards...)...); code != 0 || !strings.Contains(errs, "bit-identical") {
		t.Fatalf("merge of good shards, every chain re-drawn: exit %d: %s", code, errs)
	}

	// Rows edited with the sidecar's digest recomputed: only a re-drawn
	// chain tells.
	b, err := os.ReadFile(shards[1])
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(string(b), "\n")
	rows[3] = "0.5,0.5"
	forged := []byte(strings.Join(rows, "\n"))
	var info map[string]any
	side, _ := os.ReadFile(sidecar(shards[1]))
	if err := json.Unmarshal(side, &info); err != nil {
		t.Fatal(err)
	}
	info["file_sha256"] = fmt.Sprintf("%x", sha256.Sum256(forged))
	side, _ = json.Marshal(info)
	if err := os.WriteFile(shards[1], forged, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sidecar(shards[1]), side, 0o644); err != nil {
		t.Fatal(err)
	}
	attack(t, "edited rows, digest recomputed", "", "chain 23 is not what the run draws",
		append([]string{"merge", "-out", filepath.Join(dir, "f.csv"), "-verify", "20"}, shards...)...)

	// A FIFO given as a shard: refused at once, not waited on.
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	if err := os.WriteFile(sidecar(fifo), side, 0o644); err != nil {
		t.Fatal(err)
	}
	withoutBlocking(t, "merge of a FIFO shard", func() {
		attack(t, "a FIFO as a shard", "", "is a FIFO, not a regular file", "merge", "-out", filepath.Join(dir, "g.csv"), shards[0], fifo)
	})

	// A checkpoint copied under a newer step's name.
	copied := filepath.Join(run, "checkpoints", "step-000000099.safetensors")
	ck, _ := os.ReadFile(good)
	if err := os.WriteFile(copied, ck, 0o644); err != nil {
		t.Fatal(err)
	}
	attack(t, "a copy under a newer step's name", "", "is named for step 99 but holds step 20",
		"sample", "-run", run, "-checkpoint", copied, "-out", filepath.Join(dir, "c.csv"))
	code, out, errs := scorenet("sample", "-run", run, "-n", "4", "-out", filepath.Join(dir, "c.csv"))
	if code != 0 || !strings.Contains(errs, "named for step 99") || !strings.Contains(out, "c.csv") {
		t.Errorf("sample passing over the misnamed copy to step 20: exit %d, %s", code, errs)
	}
	os.Remove(copied)

	for _, c := range []struct {
		name, cmd string
		tamper    func(c *checkpoints.Checkpoint)
		want      string
	}{
		{"a standardisation not fitted to the data", "eval", func(c *checkpoints.Checkpoint) {
			c.Meta["normalization"] = `{"mean":[0,0],"std":[1e-100,1e-100]}`
		}, "is not the one fitted to the training data"},
		{"a negative best step", "sample", func(c *checkpoints.Checkpoint) { c.Meta["best"] = `{"loss":1,"step":-3,"evaluations_since":0}` }, "bad best metadata"},
		{"a best step after the checkpoint's", "sample", func(c *checkpoints.Checkpoint) { c.Meta["best"] = `{"loss":1,"step":400,"evaluations_since":0}` }, "bad best metadata"},
		{"an image shape on a table", "sample", func(c *checkpoints.Checkpoint) { c.Meta["image"] = "1x2x1" }, "are not images"},
		{"a nearness step after the checkpoint's", "sample", func(c *checkpoints.Checkpoint) {
			c.Meta["near"] = `{"reached":400,"lowest":0.9,"lowest_step":10,"evaluations_since":0}`
		}, "bad near metadata"},
		{"a non-finite nearness", "sample", func(c *checkpoints.Checkpoint) {
			c.Meta["near"] = `{"lowest":1e999,"lowest_step":10,"evaluations_since":0}`
		}, "bad near metadata"},
		{"NaN in the weights not read", "sample", func(c *checkpoints.Checkpoint) {
			for _, tn := range c.Tensors {
				if strings.HasPrefix(tn.Name, "adam") {
					setTensorValue(tn.Data, 0, math.NaN())
					return
				}
			}
			t.Fatal("no Adam moment in the checkpoint")
		}, "holds a non-finite value at index 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ckpt, err := checkpoints.Load(good)
			if err != nil {
				t.Fatal(err)
			}
			c.tamper(ckpt)
			bad := filepath.Join(dir, "tampered.safetensors")
			if err := checkpoints.SaveAs(bad, ckpt); err != nil {
				t.Fatal(err)
			}
			args := []string{c.cmd, "-run", run, "-checkpoint", bad, "-n", "20"}
			if c.cmd == "sample" {
				args = append(args, "-out", filepath.Join(dir, "t.csv"))
			}
			attack(t, c.name, "", c.want, args...)
		})
	}
	attack(t, "a line separator in a path", "", "a line separator", "sample", "-run", run, "-out", filepath.Join(dir, "a\u2028b.csv"))
	attack(t, "atol of 10", "", "sample.atol: must be at least 1e-12 (float64 rounding) and below 1", "sample", "-run", run, "-out", filepath.Join(dir, "o.csv"), "-set", "sample.sampler=ode", "-set", "sample.atol=10")
}

// The fourth red-team pass's findings (issue 19), each rerun.
func TestFourthRedTeamAttacks(t *testing.T) {
	dir := t.TempDir()
	idx := filepath.Join(dir, "images-idx3-ubyte")
	writeIDX(t, idx, 100, 4, 4)
	cfg := filepath.Join(dir, "img.yaml")
	os.WriteFile(cfg, []byte("name: img\ndata: {dataset: idx, path: "+idx+"}\n"+
		"model: {hidden: [16], noise_conditional: true}\n"+
		"train: {loss: anneal_dsm, sigmas: {begin: 3, end: 0.1, n: 4}, steps: 20, batch_size: 16, checkpoint_every: 10}\n"+
		"sample: {n: 4, steps_per_level: 2, eps: 0.01, init: {kind: uniform, low: 0, high: 1}}\n"), 0o644)
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", cfg, "-set", "output.dir="+run); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	config, ckpt := filepath.Join(run, "config.yaml"), filepath.Join(run, "checkpoints", "step-000000020.safetensors")
	before := map[string]string{config: digestOf(t, config), ckpt: digestOf(t, ckpt), idx: digestOf(t, idx)}

	// D1: links already inside an output directory, to the run's files and
	// its data, symbolic, dangling and hard: written around, never through.
	out, snaps := filepath.Join(dir, "o")+"/", filepath.Join(dir, "s")+"/"
	os.MkdirAll(out, 0o755)
	os.MkdirAll(snaps, 0o755)
	os.Symlink(config, filepath.Join(out, "sample-000001.png"))
	os.Symlink(filepath.Join(run, "checkpoints", "step-000000090.safetensors"), filepath.Join(out, "sample-000000.png"))
	if code, _, errs := scorenet("sample", "-run", run, "-out", out); code != 0 {
		t.Fatalf("sample -out DIR/ with links in it: %s", errs)
	}
	code, outLines, errs := scorenet("sample", "-run", run, "-out", filepath.Join(dir, "q.npy"), "-snapshots", snaps)
	if code != 0 {
		t.Fatalf("sample -snapshots: %s", errs)
	}
	var snapshot string
	for _, line := range strings.Split(outLines, "\n") {
		if p, ok := strings.CutPrefix(line, "wrote "); ok && strings.HasPrefix(p, snaps) {
			snapshot = p
			break
		}
	}
	if snapshot == "" {
		t.Fatalf("no snapshot written: %q", outLines)
	}
	os.Remove(snapshot)
	if err := os.Link(idx, snapshot); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-out", filepath.Join(dir, "q.npy"), "-snapshots", snaps); code != 0 {
		t.Fatalf("sample -snapshots over a hard link: %s", errs)
	}
	for path, digest := range before {
		if digestOf(t, path) != digest {
			t.Errorf("%s was written through a link in an output directory", path)
		}
	}
	if _, err := os.Lstat(filepath.Join(run, "checkpoints", "step-000000090.safetensors")); err == nil {
		t.Errorf("a file was made in checkpoints/ through a dangling link")
	}

	// D2: a file output inside a directory output of the same command.
	attack(t, "-grid inside -snapshots", "", "a name of the files -snapshots",
		"sample", "-run", run, "-out", filepath.Join(dir, "q.npy"), "-snapshots", snaps, "-grid", snapshot)

	// D6, D7, D8: sizes whose squares overflow.
	for _, c := range []struct{ name, set, want string }{
		{"a starting box of ±1e308", "sample.init.low=-1e308", "sample.init.low: must be within ±1e+100"},
		{"a starting spread of 1e300", "sample.init.std=1e300", "sample.init.std: must be > 0 and at most 1e+100"},
	} {
		attack(t, c.name, "", c.want, "sample", "-run", run, "-out", filepath.Join(dir, "t.csv"), "-set", c.set)
	}
	attack(t, "moons of noise 1e200", "", "data.noise: must be from 0 to 1e+100",
		"train", "-config", "../../configs/moons.yaml", "-set", "output.dir="+filepath.Join(dir, "m"), "-set", "data.noise=1e200")
	attack(t, "a Gaussian of mean 1e308", "", "data.mean: 1e+308 is beyond",
		"train", "-config", "../../configs/gaussian2d.yaml", "-set", "output.dir="+filepath.Join(dir, "g"), "-set", "data.mean=[1e308, 0]")
	big := filepath.Join(dir, "big.csv")
	os.WriteFile(big, []byte("1,2\n3,4\n1e200,5\n"+strings.Repeat("1,2\n", 40)), 0o644)
	trainAttack(t, "a table value of 1e200", "", "row 3, column 1: 1e+200 is beyond",
		"train", "-data", big, "-out", filepath.Join(dir, "b"))

	// D3, D4: a checkpoint's clock and Adam's count, on resume.
	dir2, _, table := guardedRun(t)
	for _, c := range []struct{ name, key, value, want string }{
		{"elapsed NaN", "elapsed_seconds", "NaN", "bad elapsed_seconds \"NaN\""},
		{"elapsed negative", "elapsed_seconds", "-5", "bad elapsed_seconds \"-5\""},
		{"Adam ahead of the step", "adam_steps", "999", "bad adam_steps \"999\": want a count from 0 to the checkpoint's step, 20"},
	} {
		t.Run(c.name, func(t *testing.T) {
			copyDir := filepath.Join(dir2, strings.ReplaceAll(c.name, " ", "_"))
			if err := os.CopyFS(copyDir, os.DirFS(table)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(copyDir, "checkpoints", "step-000000020.safetensors")
			ck, err := checkpoints.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			ck.Meta[c.key] = c.value
			if err := checkpoints.SaveAs(path, ck); err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(copyDir, "checkpoints", "best.safetensors"))
			trainAttack(t, c.name, path, c.want, "train", "-run", copyDir, "-set", "train.steps=30")
		})
	}

	// D5: another run's checkpoint with the same name, seed, data and
	// model but another learning rate.
	// Same name as the first run: only the learning rate differs.
	cfgA, _ := os.ReadFile(filepath.Join(table, "config.yaml"))
	cfgB := strings.Replace(string(cfgA), "lr: 0.001", "lr: 0.02", 1)
	if cfgB == string(cfgA) {
		t.Fatalf("no lr: 0.001 in %s", cfgA)
	}
	sameName := filepath.Join(dir2, "same.yaml")
	os.WriteFile(sameName, []byte(strings.Replace(cfgB, "dir: "+table, "dir: "+filepath.Join(dir2, "lr"), 1)), 0o644)
	if code, _, errs := scorenet("train", "-config", sameName); code != 0 {
		t.Fatalf("train the twin: %s", errs)
	}
	twin := filepath.Join(dir2, "lr", "checkpoints", "step-000000020.safetensors")
	attack(t, "a twin with another learning rate", filepath.Join(table, "eval.json"), "belongs to another run",
		"eval", "-run", table, "-checkpoint", twin, "-samples=false")
}

// writeZeroNPY writes a .npy of n rows of d zeros, sparsely: a big input
// that costs no time to make.
func writeZeroNPY(t *testing.T, path string, n, d int) {
	t.Helper()
	header := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", n, d)
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	b = append(b, header...)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(len(b)) + int64(8*n*d)); err != nil {
		t.Fatal(err)
	}
}

// The fifth pass's memory attacks (issue 19): a big input file that fits
// the budget, under ulimit -d, and then the work on it that did not (the
// scores, the likelihood's ODE state, the chains of an init file, a figure
// of every point) died with "fatal error: out of memory". Each is now
// refused in one line, or (plot) draws a part, within the limit.
func TestBigInputsUnderUlimitD(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command under ulimit -d on a 128 MB input")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run ulimit -d in")
	}
	bin := binary(t)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/mixture_vesde.yaml", "-set", "output.dir="+run,
		"-set", "train.steps=20", "-set", "model.hidden=[16]"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	big := filepath.Join(dir, "big.npy")
	writeZeroNPY(t, big, 8_000_000, 2)
	writeZeroNPY(t, filepath.Join(dir, "mid.npy"), 3_000_000, 2)
	writeCSV(t, filepath.Join(dir, "p.csv"), 100, 2, 1, 1)
	writeCSV(t, filepath.Join(dir, "many.csv"), 300_000, 2, 1, 2)
	// A run whose metrics.jsonl is 200 MB: logged at every step of a long run.
	longLog := filepath.Join(dir, "longlog")
	if err := os.CopyFS(longLog, os.DirFS(run)); err != nil {
		t.Fatal(err)
	}
	cfgText, _ := os.ReadFile(filepath.Join(longLog, "config.yaml"))
	os.WriteFile(filepath.Join(longLog, "config.yaml"), []byte(strings.ReplaceAll(string(cfgText), run, longLog)), 0o644)
	line := `{"step":20,"loss":1.2345678901234567,"grad_norm":2.345678901234567,"elapsed_seconds":0.123456789}` + "\n"
	os.WriteFile(filepath.Join(longLog, "metrics.jsonl"), []byte(strings.Repeat(line, 200_000_000/len(line))), 0o644)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"score", []string{"score", "-run", run, "-in", big, "-out", filepath.Join(dir, "s.npy")}, 1, "scoring the 8000000 points of"},
		{"likelihood", []string{"likelihood", "-run", run, "-in", big, "-out", filepath.Join(dir, "l.npy")}, 1, "the ODE's state for 8000000 points"},
		{"sample from a file", []string{"sample", "-run", run, "-out", filepath.Join(dir, "x.csv"), "-set", "sample.init.kind=file", "-set", "sample.init.path=" + big}, 1, "8000000 chains of dimension 2 needs"},
		{"plot", []string{"plot", "-run", run, "-out", filepath.Join(dir, "p"), "-samples", big}, 0, "drawing its first 100000 points of 8000000"},
		{"the graph engine's batch", []string{"train", "-data", filepath.Join(dir, "many.csv"), "-out", filepath.Join(dir, "graph"), "-set", "model.hidden=[64,64]",
			"-set", "train.engine=graph", "-set", "train.batch_size=200000", "-set", "train.steps=2"}, 1, "the gorgonia graph of a batch of 200000 points"},
		{"a network too large", []string{"train", "-data", filepath.Join(dir, "p.csv"), "-out", filepath.Join(dir, "wide"), "-set", "model.hidden=[11000,11000]"}, 1, "the network's 121"},
		{"plot a long log, thinned", []string{"plot", "-run", longLog, "-out", filepath.Join(dir, "q")}, 0, ""},
		// Refused before the sampling, not at the writing after it (pass 14).
		{"chains that could be drawn but not written", []string{"sample", "-run", run, "-n", "700000", "-sampler", "dpmpp_2m", "-out", filepath.Join(dir, "many.npy")}, 1, "700000 chains of dimension 2 needs"},
		{"resume a long log, streamed", []string{"train", "-run", longLog, "-set", "train.steps=30"}, 0, ""},
		// Snapshots whose file the writer could not encode: refused before
		// the sampling, with the writer's own estimate, not after -out was
		// written (pass 23).
		// The scores' file is budgeted with the scoring, before it (pass 34).
		{"scores budgeted with their file", []string{"score", "-run", run, "-in", filepath.Join(dir, "mid.npy"), "-out", filepath.Join(dir, "mid-scores.csv")}, 1, "scoring the 3000000 points of " + filepath.Join(dir, "mid.npy") + " and writing their scores to"},
		{"snapshots budgeted as the writer budgets them", []string{"sample", "-run", run, "-n", "10000", "-out", filepath.Join(dir, "before.csv"),
			"-snapshots", filepath.Join(dir, "snaps.csv"), "-set", "sample.levels=40", "-set", "sample.snapshot_every=1"}, 1, "-snapshots " + filepath.Join(dir, "snaps.csv") + ": 78 snapshots of 10000 chains"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(sh, append([]string{"-c", `ulimit -d 420000 && exec "$@"`, "sh", bin}, c.args...)...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if e, ok := err.(*exec.ExitError); ok {
				code = e.ExitCode()
			}
			if code != c.code || !strings.Contains(stderr.String(), c.want) || strings.Contains(stderr.String(), "fatal error") {
				t.Errorf("exit %d, stderr %q; want exit %d saying %q", code, firstLines(stderr.String(), 3), c.code, c.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "before.csv")); err == nil {
		t.Error("sample wrote -out, then refused its -snapshots")
	}
}

// firstLines is s cut to its first n lines.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// The fifth red-team pass's findings (issue 19), each rerun; the memory
// ones are TestBigInputsUnderUlimitD.
func TestFifthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	good := filepath.Join(run, "checkpoints", "step-000000020.safetensors")

	// A run directory inside the folder of training images.
	pngs := filepath.Join(dir, "pngs")
	writePNGFolder(t, pngs, 12)
	trainAttack(t, "a run inside its images", "", "is data.path "+pngs+", the folder of training images",
		"train", "-data", pngs, "-out", pngs)
	if entries, _ := os.ReadDir(pngs); len(entries) != 12 {
		t.Errorf("the image folder holds %d entries, want its 12 images", len(entries))
	}

	// FIFOs as data inputs: refused at once, not waited on.
	fifo := filepath.Join(dir, "ff.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"score -in", []string{"score", "-run", run, "-in", fifo, "-out", filepath.Join(dir, "sc.csv")}},
		{"plot -samples", []string{"plot", "-run", run, "-out", filepath.Join(dir, "p"), "-samples", fifo}},
		{"sample.init.path", []string{"sample", "-run", run, "-out", filepath.Join(dir, "s.csv"), "-set", "sample.init.kind=file", "-set", "sample.init.path=" + fifo}},
		{"train -data", []string{"train", "-data", fifo, "-out", filepath.Join(dir, "f")}},
	} {
		withoutBlocking(t, c.name+" on a FIFO", func() {
			code, _, errs := scorenet(c.args...)
			if code != 1 || !strings.Contains(errs, fifo+" is a FIFO, not a regular file") {
				t.Errorf("%s on a FIFO: exit %d, %q", c.name, code, errs)
			}
		})
	}

	// A usage error, as -threads -3 is: exit 2.
	if code, _, errs := scorenet("score", "-run", run, "-in", data, "-out", filepath.Join(dir, "t.csv"), "-threads", "1000000000"); code != 2 {
		t.Errorf("a billion threads: exit %d, want 2", code)
	} else {
		oneLine(t, "a billion threads", errs, fmt.Sprintf("-threads must be from 1 to %d", maxThreads()))
	}

	for _, c := range []struct {
		name, cmd, key, value, want string
	}{
		{"a forged range", "eval", "data_max_abs", "1e99", "the training data's range it records"},
		// The record's spread no longer matches the run's sigma_data: refused
		// on reading, before the data are compared.
		{"forged moments", "eval", "data_moments", `{"mean":[0.5,0],"var":1}`, "and the training values' spread, 1.03078, disagree: the checkpoint was edited"},
		{"a digest that is no SHA-256", "score", "data", `{"n":180,"d":2,"sha256":"zz"}`, "bad data metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck, err := checkpoints.Load(good)
			if err != nil {
				t.Fatal(err)
			}
			ck.Meta[c.key] = c.value
			bad := filepath.Join(dir, "forged.safetensors")
			if err := checkpoints.SaveAs(bad, ck); err != nil {
				t.Fatal(err)
			}
			args := []string{c.cmd, "-run", run, "-checkpoint", bad}
			if c.cmd == "score" {
				args = append(args, "-in", data, "-out", filepath.Join(dir, "sc2.csv"))
			} else {
				args = append(args, "-n", "20")
			}
			attack(t, c.name, "", c.want, args...)
		})
	}

	// merge re-draws from the sidecar's settings: they are bounded as
	// sample's own are.
	var shards []string
	for k := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("h%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-n", "10", "-out", out, "-shard", fmt.Sprintf("%d/2", k)); code != 0 {
			t.Fatalf("shard %d: %s", k, errs)
		}
		var info map[string]any
		side, _ := os.ReadFile(sidecar(out))
		json.Unmarshal(side, &info)
		var s map[string]any
		json.Unmarshal([]byte(info["sample"].(string)), &s)
		s["StepsPerLevel"] = 1e18
		b, _ := json.Marshal(s)
		info["sample"] = string(b)
		side, _ = json.Marshal(info)
		os.WriteFile(sidecar(out), side, 0o644)
		shards = append(shards, out)
	}
	attack(t, "a sidecar's endless sampling", "", "sample.steps_per_level: must be from 1 to 10000000",
		append([]string{"merge", "-out", filepath.Join(dir, "m.csv")}, shards...)...)

	for _, c := range []struct{ name, set, want string }{
		{"sigma_data 1e200", "model.sigma_data=1e200", "model.sigma_data: must be 0 (no preconditioning) or from 1e-10 to 1e+10"},
		{"a ladder from 1e200", "train.sigmas={begin: 1e200, end: 0.01, n: 10}", "train.sigmas.begin: must be at most 1e+10"},
	} {
		attack(t, c.name, "", c.want, "sigmas", "-config", "../../configs/mixture_vesde.yaml", "-set", c.set)
	}

	// -snapshots that would be none: refused before the sampling writes -out.
	out := filepath.Join(dir, "snapout.csv")
	attack(t, "snapshots without snapshot_every", out, "-snapshots needs sample.snapshot_every > 0",
		"sample", "-run", run, "-out", out, "-snapshots", filepath.Join(dir, "snaps.csv"))
	if _, err := os.Stat(out); err == nil {
		t.Errorf("-out %s was written before -snapshots was refused", out)
	}

	// Two outputs that are one file by a hard link.
	first, second := filepath.Join(dir, "one.csv"), filepath.Join(dir, "two.csv")
	os.WriteFile(first, []byte("1,2\n"), 0o644)
	if err := os.Link(first, second); err != nil {
		t.Skip(err)
	}
	attack(t, "-out and -snapshots hard-linked", first, "the same file as -out",
		"sample", "-run", run, "-out", first, "-snapshots", second, "-set", "sample.snapshot_every=1")
}

// What a second reader found the hardening of issue 19 refused that users
// do, each now allowed; and a run's config.yaml as a FIFO, refused at once.
func TestLegitimateUsesStillWork(t *testing.T) {
	dir, data, run := guardedRun(t)

	// Shards with starting points named relative to where sample ran
	// merge from anywhere.
	start := filepath.Join(dir, "start.csv")
	writeCSV(t, start, 6, 2, 1, 9)
	wd, _ := os.Getwd()
	os.Chdir(dir)
	var shards []string
	for k := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("r%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-out", out, "-set", "sample.init.kind=file", "-set", "sample.init.path=start.csv", "-shard", fmt.Sprintf("%d/2", k)); code != 0 {
			os.Chdir(wd)
			t.Fatalf("shard %d: %s", k, errs)
		}
		shards = append(shards, out)
	}
	os.Chdir(wd)
	if code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "rm.csv"), "-verify", "3"}, shards...)...); code != 0 {
		t.Errorf("merge from another directory than sample ran in: %s", errs)
	}

	// Shards drawn from best.safetensors merge after best has moved on,
	// found by their hash among the run's checkpoints.
	var bestShards []string
	for k := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("b%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-checkpoint", "best", "-n", "6", "-out", out, "-shard", fmt.Sprintf("%d/2", k)); code != 0 {
			t.Fatalf("shard %d of best: %s", k, errs)
		}
		bestShards = append(bestShards, out)
	}
	best := filepath.Join(run, "checkpoints", "best.safetensors")
	b, _ := os.ReadFile(best)
	ck, _ := checkpoints.Load(best)
	if same, _ := os.ReadFile(checkpoints.Path(filepath.Join(run, "checkpoints"), ck.Step)); string(same) == string(b) {
		os.Remove(best) // as if a later best replaced it: the step's file still holds it
		if code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "bm.csv")}, bestShards...)...); code != 0 {
			t.Errorf("merge of shards from best after best moved: %s", errs)
		}
		os.WriteFile(best, b, 0o644)
	}

	// A grid beside the PNGs of an image run's -out DIR/, and a run
	// directory below (not in) a folder of training images.
	pngs := filepath.Join(dir, "imgs")
	writePNGFolder(t, pngs, 12)
	imageRun := filepath.Join(pngs, "runs", "r")
	if code, _, errs := scorenet("train", "-data", pngs, "-out", imageRun, "-set", "train.steps=10", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("a run below its folder of images: %s", errs)
	}
	outDir := filepath.Join(dir, "each") + "/"
	if code, _, errs := scorenet("sample", "-run", imageRun, "-n", "3", "-set", "sample.steps_per_level=1", "-out", outDir, "-grid", filepath.Join(outDir, "grid.png")); code != 0 {
		t.Errorf("-grid beside -out DIR/'s PNGs: %s", errs)
	}

	// A run trained before discrete columns were recorded: its checkpoint
	// has no record, and readers prepare its data as it was trained.
	discrete := filepath.Join(dir, "codes.csv")
	var rows strings.Builder
	for i := range 300 {
		fmt.Fprintf(&rows, "%d,%g\n", i%3, math.Sin(float64(i)))
	}
	os.WriteFile(discrete, []byte(rows.String()), 0o644)
	old := trainGuarded(t, dir, "old", discrete, "data.discrete=none")
	rewriteRunConfig(t, old, func(c string) string { return strings.Replace(c, "    discrete: none\n", "", 1) })
	if code, _, errs := scorenet("eval", "-run", old, "-n", "20"); code != 0 {
		t.Errorf("eval of a run from before discrete columns: %s", errs)
	}
	_ = data

	// The run's config.yaml as a FIFO: refused, not waited on.
	fifoRun := filepath.Join(dir, "fiforun")
	os.CopyFS(fifoRun, os.DirFS(run))
	os.Remove(filepath.Join(fifoRun, "config.yaml"))
	if err := syscall.Mkfifo(filepath.Join(fifoRun, "config.yaml"), 0o644); err != nil {
		t.Skip(err)
	}
	withoutBlocking(t, "sample of a run whose config.yaml is a FIFO", func() {
		code, _, errs := scorenet("sample", "-run", fifoRun, "-out", filepath.Join(dir, "ff.csv"))
		if code != 1 || !strings.Contains(errs, "is a FIFO, not a regular file") {
			t.Errorf("config.yaml a FIFO: exit %d, %q", code, errs)
		}
	})
}

// The sixth red-team pass's findings (issue 19), each rerun.
func TestSixthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	good := filepath.Join(run, "checkpoints", "step-000000020.safetensors")

	// An edited range is refused before sample does any work.
	ck, _ := checkpoints.Load(good)
	ck.Meta["data_max_abs"] = "1e99"
	forged := filepath.Join(dir, "forged.safetensors")
	checkpoints.SaveAs(forged, ck)
	out := filepath.Join(dir, "s.csv")
	attack(t, "sample on an edited range", "", "the checkpoint was edited", "sample", "-run", run, "-checkpoint", forged, "-out", out)
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written from an edited checkpoint", out)
	}

	// Unstandardised data have the identity standardisation.
	unstd := trainGuarded(t, dir, "u", data, "data.standardize=false")
	ck, _ = checkpoints.Load(filepath.Join(unstd, "checkpoints", "step-000000020.safetensors"))
	ck.Meta["normalization"] = `{"mean":[0,0],"std":[2,1]}`
	checkpoints.SaveAs(forged, ck)
	attack(t, "a standardisation on unstandardised data", "", "every mean must be 0 and every standard deviation 1",
		"score", "-run", unstd, "-checkpoint", forged, "-in", data, "-out", filepath.Join(dir, "sc.csv"))

	// Settings that train nothing, with exit 0, are refused first.
	for _, c := range []struct{ set, want string }{
		{"train.optimizer.weight_decay=1e300", "train.optimizer.weight_decay: must be from 0 to 1"},
		{"train.optimizer.eps=1e300", "train.optimizer.eps: must be in (0, 1]"},
		{"train.grad_clip=1e-300", "train.grad_clip: must be 0 (no clipping) or from 1e-06"},
	} {
		trainAttack(t, c.set, "", c.want, "train", "-data", data, "-out", filepath.Join(dir, "x"), "-set", c.set)
	}
	for _, sd := range []string{"1e10", "1e-10"} {
		trainAttack(t, "sigma_data "+sd, "", "times the training values' spread",
			"train", "-data", data, "-out", filepath.Join(dir, "sd"+sd), "-set", "model.sigma_data="+sd)
	}

	// Another run's files are no output either.
	attack(t, "-plot over another run's config.yaml", filepath.Join(unstd, "config.yaml"), "would write into the files of run "+unstd,
		"sample", "-run", run, "-out", filepath.Join(dir, "o.csv"), "-plot", filepath.Join(unstd, "config.yaml"))
	attack(t, "-out into another run's checkpoints/", "", "would write into the files of run "+unstd,
		"sample", "-run", run, "-out", filepath.Join(unstd, "checkpoints", "x.csv"))

	// A shard's sidecar is one of sample's outputs.
	shardOut := filepath.Join(dir, "z.csv")
	attack(t, "-plot over the shard's sidecar", "", "-plot "+sidecar(shardOut)+": a shard's sidecar name",
		"sample", "-run", run, "-n", "10", "-shard", "0/2", "-out", shardOut, "-plot", sidecar(shardOut))

	// Auto's choices keep the bounds: data at 1e100 unstandardised.
	huge := filepath.Join(dir, "huge.csv")
	var rows strings.Builder
	for i := range 300 {
		fmt.Fprintf(&rows, "%g,%g\n", float64(i%17-8)*1e99, float64(i%5)*1e99)
	}
	os.WriteFile(huge, []byte(rows.String()), 0o644)
	trainAttack(t, "auto choices beyond the bounds", "", "the data's scale puts them beyond scorenet's bounds",
		"train", "-data", huge, "-out", filepath.Join(dir, "hg"), "-set", "data.standardize=false")

	// A folder where the sample figure goes: training goes on without it.
	figRun := filepath.Join(dir, "fig")
	os.MkdirAll(filepath.Join(figRun, "samples-latest.png"), 0o755)
	code, _, errs := scorenet("train", "-data", data, "-out", figRun, "-set", "train.steps=20", "-set", "train.sample_every=10", "-set", "model.hidden=[8]", "-set", "sample.steps_per_level=1")
	if code != 0 || !strings.Contains(errs, "no sample figure") {
		t.Errorf("training with a folder at samples-latest.png: exit %d, %s", code, errs)
	}
}

// The seventh red-team pass's findings (issue 19), each rerun.
func TestSeventhRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	// A run inside another run's checkpoints/.
	trainAttack(t, "a run inside another's checkpoints/", "", "lies in the files of run "+run,
		"train", "-data", data, "-out", filepath.Join(run, "checkpoints"))
	// A learning rate that moves nothing.
	trainAttack(t, "lr 1e-300", "", "train.optimizer.lr: must be from 1e-12 to 1",
		"train", "-data", data, "-out", filepath.Join(dir, "lr"), "-set", "train.optimizer.lr=1e-300")
	// A resumed checkpoint whose weights give a non-finite loss is blamed,
	// not the learning rate.
	ck, _ := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	for _, tn := range ck.Tensors {
		if strings.HasPrefix(tn.Name, "param/") {
			for k := range checkpoints.Float64s(tn.Data) {
				setTensorValue(tn.Data, k, hugeFor(tn.Data))
			}
		}
	}
	broken := filepath.Join(dir, "broken")
	os.CopyFS(broken, os.DirFS(run))
	os.Remove(filepath.Join(broken, "checkpoints", "best.safetensors"))
	os.Remove(filepath.Join(broken, "checkpoints", "step-000000010.safetensors"))
	checkpoints.SaveAs(filepath.Join(broken, "checkpoints", "step-000000020.safetensors"), ck)
	trainAttack(t, "resuming from weights that give NaN", "", "the first after resuming from "+filepath.Join(broken, "checkpoints", "step-000000020.safetensors"),
		"train", "-run", broken, "-set", "train.steps=30")
}

// The eighth red-team pass's findings (issue 19), each rerun.
func TestEighthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	// A run's sample figure and eval's report are its files too.
	os.WriteFile(filepath.Join(run, "eval.json"), []byte("{}\n"), 0o644)
	attack(t, "-plot over eval.json", filepath.Join(run, "eval.json"), "would write into the files of run "+run,
		"sample", "-run", run, "-out", filepath.Join(dir, "a.csv"), "-plot", filepath.Join(run, "eval.json"))
	// Any shard sidecar's name.
	attack(t, "-plot over another shard's sidecar", "", "a shard's sidecar name",
		"sample", "-run", run, "-out", filepath.Join(dir, "b.csv"), "-plot", filepath.Join(dir, "x.csv.shard.json"))
	// Training images inside the run's own checkpoints/.
	imgs := filepath.Join(dir, "r", "checkpoints")
	writePNGFolder(t, imgs, 12)
	trainAttack(t, "images in the run's checkpoints/", "", "lies in "+imgs+", which training writes",
		"train", "-data", imgs, "-out", filepath.Join(dir, "r"))
	// A network that blows up at initialisation: too deep.
	deep := "[" + strings.Repeat("8,", 40) + "8]"
	trainAttack(t, "41 layers", "", "model.hidden: at most 32 layers", "train", "-data", data, "-out", filepath.Join(dir, "deep"), "-set", "model.hidden="+deep)
	// score's -sigma within the noise levels a config may hold.
	attack(t, "-sigma 1e300", "", "-sigma must be from 1e-10 to 1e+10", "score", "-run", run, "-in", data, "-out", filepath.Join(dir, "s.csv"), "-sigma", "1e300")
	// A mapping -set of sample is a sample key.
	if code, _, errs := scorenet("sample", "-run", run, "-out", filepath.Join(dir, "m.csv"), "-set", "sample={n: 5, sampler: annealed, steps_per_level: 2, eps: 0.01}"); code != 0 {
		t.Errorf("-set sample={...}: %s", errs)
	}
	// A tensor of the wrong shape, even one not read, is refused.
	ck, _ := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	for i, tn := range ck.Tensors {
		if strings.HasPrefix(tn.Name, "adam.m/") {
			ck.Tensors[i].Shape = []int{1, len(checkpoints.Float64s(tn.Data))}
			break
		}
	}
	forged := filepath.Join(dir, "shape.safetensors")
	checkpoints.SaveAs(forged, ck)
	attack(t, "an unread tensor of another shape", "", "has shape", "score", "-run", run, "-checkpoint", forged, "-in", data, "-out", filepath.Join(dir, "t.csv"))
	// A checkpoints/ that is a dangling link fails before the first step.
	dangling := filepath.Join(dir, "dl")
	os.MkdirAll(dangling, 0o755)
	os.Symlink("../nowhere/ck", filepath.Join(dangling, "checkpoints"))
	trainAttack(t, "checkpoints/ a dangling link", "", "the checkpoints' folder", "train", "-data", data, "-out", dangling)
}

// writePNGFolder writes n 4x4 grayscale PNGs, each with one bright pixel
// of its own, into dir.
func writePNGFolder(t *testing.T, dir string, n int) {
	t.Helper()
	writeSquarePNGs(t, dir, n, 4)
}

// writeSquarePNGs writes n grayscale PNGs of side x side pixels into dir,
// image i with pixel i lit.
func writeSquarePNGs(t *testing.T, dir string, n, side int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, side, side))
		img.Pix[i%(side*side)] = 200
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("im%02d.png", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// withoutBlocking runs f, failing the test if it has not returned within
// 30 s: a command waiting on a FIFO would never return.
func withoutBlocking(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan bool)
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

// What the eighth pass left and the ninth pass found (issue 19).
func TestNinthRedTeamAttacks(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeCSV(t, data, 2000, 2, 1, 7)
	// A learning rate no network takes is refused before training; one
	// within bounds but far too large for the data stops with the cause
	// named, not exit 0 with a meaningless model.
	trainAttack(t, "lr 1e6", "", "train.optimizer.lr: must be from 1e-12 to 1",
		"train", "-data", data, "-out", filepath.Join(dir, "big"), "-set", "train.optimizer.lr=1e6")
	trainAttack(t, "lr 0.5 on standardised data", "", "training diverged",
		"train", "-data", data, "-out", filepath.Join(dir, "half"), "-set", "train.optimizer.lr=0.5", "-set", "train.steps=300")

	// plot's loss.png replaces a link at its name, never writes through
	// it: one to a file outside any run, a hard link to another run's
	// checkpoint.
	rdir, rdata, run := guardedRun(t)
	_, _, other := guardedRun(t)
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("precious\n"), 0o644)
	best := filepath.Join(other, "checkpoints", "step-000000020.safetensors")
	for i, link := range []func(at string) error{
		func(at string) error { return os.Symlink(victim, at) },
		func(at string) error { return os.Link(best, at) },
	} {
		out := filepath.Join(dir, fmt.Sprintf("figs%d", i))
		os.MkdirAll(out, 0o755)
		if err := link(filepath.Join(out, "loss.png")); err != nil {
			t.Fatal(err)
		}
		before, beforeBest := digestOf(t, victim), digestOf(t, best)
		if code, _, errs := scorenet("plot", "-run", run, "-out", out); code != 0 {
			t.Fatalf("plot: %s", errs)
		}
		if digestOf(t, victim) != before || digestOf(t, best) != beforeBest {
			t.Errorf("plot -out %s wrote loss.png through the link at its name", out)
		}
	}

	// A checkpoint's range or image record zeroed or deleted, with the
	// data at hand, is an edit, not an older version.
	ck, _ := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	for name, c := range map[string]struct {
		edit func(m map[string]string)
		want string
	}{
		"range 0":       {func(m map[string]string) { m["data_max_abs"] = "0" }, "the training data's range it records (largest |x| 0 in model units) is not the data's"},
		"range deleted": {func(m map[string]string) { delete(m, "data_max_abs") }, "no data_max_abs metadata, though it records its training data"},
	} {
		edit, want := c.edit, c.want
		edited := *ck
		edited.Meta = maps.Clone(ck.Meta)
		edit(edited.Meta)
		forged := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".safetensors")
		checkpoints.SaveAs(forged, &edited)
		attack(t, name, "", want, "sample", "-run", run, "-checkpoint", forged, "-out", filepath.Join(dir, "r.csv"))
	}
	imgs := filepath.Join(dir, "imgs")
	writePNGFolder(t, imgs, 12)
	imgRun := filepath.Join(dir, "imgrun")
	if code, _, errs := scorenet("train", "-data", imgs, "-out", imgRun, "-set", "train.steps=20", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("train on images: %s", errs)
	}
	ick, _, _, err := checkpoints.Newest(filepath.Join(imgRun, "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	delete(ick.Meta, "image")
	noImage := filepath.Join(dir, "noimage.safetensors")
	checkpoints.SaveAs(noImage, ick)
	attack(t, "image record deleted", "", "no image metadata, though the run's data (dataset images) are images",
		"sample", "-run", imgRun, "-checkpoint", noImage, "-out", filepath.Join(dir, "i.csv"))

	// Another run's checkpoint that differs by seed is refused naming seed.
	seeded := trainGuarded(t, t.TempDir(), "a", rdata, "seed=3")
	attack(t, "a run differing by seed", "", "differ in seed:", "score", "-run", run, "-checkpoint", filepath.Join(seeded, "checkpoints", "step-000000020.safetensors"),
		"-in", rdata, "-out", filepath.Join(rdir, "sd.csv"))

	// The corrector's ratio is bounded, and its divergence names it.
	attack(t, "snr 1e200", "", "sample.snr: must be in (0, 1]", "sample", "-run", run, "-out", filepath.Join(dir, "snr.csv"), "-set", "sample.snr=1e200")
}

// The tenth red-team pass's findings (issue 19), each rerun.
func TestTenthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	_, _, other := guardedRun(t)
	otherCk := filepath.Join(other, "checkpoints", "step-000000020.safetensors")

	// A lock file that is a link: to a file outside any run, or a second
	// name of another run's checkpoint.
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("precious\n"), 0o644)
	for i, c := range []struct {
		link func(at string) error
		want string
	}{
		{func(at string) error { return os.Symlink(victim, at) }, "is a symbolic link, not the run's lock file"},
		{func(at string) error { return os.Link(otherCk, at) }, "is not the run's lock file (a regular file with one name: it has 2"},
	} {
		runDir := filepath.Join(dir, fmt.Sprintf("locked%d", i))
		os.MkdirAll(runDir, 0o755)
		if err := c.link(filepath.Join(runDir, ".lock")); err != nil {
			t.Fatal(err)
		}
		before, beforeCk := digestOf(t, victim), digestOf(t, otherCk)
		trainAttack(t, "a linked .lock", "", c.want, "train", "-data", data, "-out", runDir, "-set", "train.steps=5", "-set", "model.hidden=[8]")
		if digestOf(t, victim) != before || digestOf(t, otherCk) != beforeCk {
			t.Errorf("train wrote through the .lock link of %s", runDir)
		}
	}

	// Another run's checkpoints/ as a directory output, by its path or a
	// link to it; merge -out into it.
	linked := filepath.Join(dir, "ck")
	os.Symlink(filepath.Join(other, "checkpoints"), linked)
	for _, out := range []string{filepath.Join(other, "checkpoints") + "/", linked + "/"} {
		attack(t, "-out "+out, "", "would write into the files of run "+other,
			"sample", "-run", run, "-n", "3", "-out", out)
	}
	attack(t, "-snapshots into another run's checkpoints/", "", "would write into the files of run "+other,
		"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "x.csv"), "-set", "sample.snapshot_every=2", "-snapshots", filepath.Join(other, "checkpoints")+"/")
	var shards []string
	for k := range 2 {
		s := filepath.Join(dir, fmt.Sprintf("s%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-n", "6", "-shard", fmt.Sprintf("%d/2", k), "-out", s); code != 0 {
			t.Fatalf("shard %d: %s", k, errs)
		}
		shards = append(shards, s)
	}
	code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(other, "checkpoints", "m.csv")}, shards...)...)
	if code != 1 || !strings.Contains(errs, "would write into the files of run "+other) {
		t.Errorf("merge -out into another run's checkpoints/: exit %d, %q", code, errs)
	}

	// A ladder set key by key with train -data is the user's.
	byParts := filepath.Join(dir, "byparts")
	if code, _, errs := scorenet("train", "-data", data, "-out", byParts, "-set", "train.steps=5", "-set", "model.hidden=[8]",
		"-set", "train.sigmas.begin=2", "-set", "train.sigmas.end=0.05", "-set", "train.sigmas.n=5"); code != 0 {
		t.Fatalf("train with a ladder by parts: %s", errs)
	}
	cfg, err := rundir.LoadConfig(byParts, nil)
	if err != nil || cfg.Train.Sigmas.Begin != 2 || cfg.Train.Sigmas.End != 0.05 || cfg.Train.Sigmas.N != 5 || cfg.Train.Sigmas.Auto {
		t.Errorf("train.sigmas given by parts: the run has %+v (%v), want begin 2, end 0.05, n 5", cfg.Train.Sigmas, err)
	}
}

// setTensorValue sets entry k of a float64 or float32 tensor's data.
func setTensorValue(d any, k int, v float64) {
	switch d := d.(type) {
	case []float64:
		d[k] = v
	case []float32:
		d[k] = float32(v)
	default:
		panic(fmt.Sprintf("a tensor of %T", d))
	}
}

// hugeFor is a finite value near the top of the tensor's dtype, whose
// products overflow it.
func hugeFor(d any) float64 {
	if _, ok := d.([]float32); ok {
		return 1e30
	}
	return 1e300
}

// The eleventh red-team pass's findings (issue 19), each rerun.
func TestEleventhRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)

	// A run whose checkpoints/ is a link to a folder of another name: that
	// folder is known by what it holds.
	store := filepath.Join(dir, "store", "ck")
	os.MkdirAll(filepath.Dir(store), 0o755)
	other := trainGuarded(t, dir, "linked", data)
	if err := os.Rename(filepath.Join(other, "checkpoints"), store); err != nil {
		t.Fatal(err)
	}
	os.Symlink(store, filepath.Join(other, "checkpoints"))
	ck := filepath.Join(store, "step-000000020.safetensors")
	attack(t, "-plot over a checkpoint in a linked checkpoints/", ck, "would write into the files of run "+store,
		"sample", "-run", run, "-out", filepath.Join(dir, "a.csv"), "-plot", ck)
	trainAttack(t, "a run inside a linked checkpoints/", "", "holds checkpoints: it is a run's checkpoints/ folder",
		"train", "-data", data, "-out", store)

	// A refused output leaves no directory behind: not one named like the
	// next checkpoint, not one below the lock's name.
	os.Remove(filepath.Join(run, ".lock")) // as before the run's next training makes it
	for _, out := range []string{
		filepath.Join(run, "checkpoints", "step-000000040.safetensors", "x.csv"),
		filepath.Join(run, ".lock", "x.csv"),
	} {
		attack(t, "-out "+out, "", "would write into", "score", "-run", run, "-in", data, "-out", out)
		if _, err := os.Stat(filepath.Dir(out)); err == nil {
			t.Errorf("a refused -out %s left its directory", out)
		}
	}

	// A checkpoint's discrete record edited, with the data at hand.
	table := filepath.Join(dir, "flags.csv")
	var rows strings.Builder
	for i := range 200 {
		fmt.Fprintf(&rows, "%d,%g\n", i%2, math.Sin(float64(i)))
	}
	os.WriteFile(table, []byte(rows.String()), 0o644)
	flagRun := filepath.Join(dir, "flags")
	if code, _, errs := scorenet("train", "-data", table, "-out", flagRun, "-set", "train.steps=10", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("train on a table with a flag column: %s", errs)
	}
	c, _, _, err := checkpoints.Newest(filepath.Join(flagRun, "checkpoints"))
	if err != nil || c.Meta["discrete"] == "" {
		t.Fatalf("no discrete record: %v", err)
	}
	c.Meta["discrete"] = `{"0":[1000,2000]}`
	edited := filepath.Join(dir, "discrete.safetensors")
	checkpoints.SaveAs(edited, c)
	attack(t, "discrete values edited", "", "the discrete columns it records are not the training data's (column 1",
		"sample", "-run", flagRun, "-checkpoint", edited, "-out", filepath.Join(dir, "d.csv"))
	// A record of whole-number columns that names a discrete one, or one
	// the data lack.
	for _, whole := range []string{"[0]", "[2]", "[1,1]", `"1"`} {
		c, _, _, _ := checkpoints.Newest(filepath.Join(flagRun, "checkpoints"))
		c.Meta["whole"] = whole
		checkpoints.SaveAs(edited, c)
		attack(t, "whole columns edited to "+whole, "", "bad whole metadata",
			"sample", "-run", flagRun, "-checkpoint", edited, "-out", filepath.Join(dir, "d.csv"))
	}
	// ... or a column of fractions, which would round every sample of it.
	c, _, _, _ = checkpoints.Newest(filepath.Join(flagRun, "checkpoints"))
	c.Meta["whole"] = "[1]"
	checkpoints.SaveAs(edited, c)
	attack(t, "a fractional column recorded whole", "", "the columns of whole numbers it records ([2], from 1) are not the training data's",
		"sample", "-run", flagRun, "-checkpoint", edited, "-out", filepath.Join(dir, "d.csv"))

	// A column that varies by less than a standardisation can be read back
	// with is refused before training, naming it.
	tiny := filepath.Join(dir, "tiny.csv")
	os.WriteFile(tiny, []byte(strings.Repeat("1,3e-150\n2,1e-150\n", 50)), 0o644)
	trainAttack(t, "a column of spread 1e-150", "", "column 2 has standard deviation 1.02e-150, below 1e-100",
		"train", "-data", tiny, "-out", filepath.Join(dir, "tiny"), "-set", "model.hidden=[8]")

	// -data's errors name -data and the -set, not a temporary file.
	trainAttack(t, "-data with a bad ladder part", "", "configs: the config of -data "+data+": train.sigmas.end",
		"train", "-data", data, "-out", filepath.Join(dir, "ladder"), "-set", "train.sigmas.begin=0.005")
	// -run with another output.dir is refused, not ignored.
	trainAttack(t, "-run with -set output.dir", "", "-set output.dir="+filepath.Join(dir, "x")+": with -run the run's directory is "+run,
		"train", "-run", run, "-set", "output.dir="+filepath.Join(dir, "x"))

	// A sample figure whose sampling would hold training up is skipped,
	// saying so, and training goes on.
	code, _, errs := scorenet("train", "-data", data, "-out", filepath.Join(dir, "figs"), "-set", "train.steps=20", "-set", "model.hidden=[8]",
		"-set", "train.sample_every=10", "-set", "sample.sampler=annealed", "-set", "sample.steps_per_level=10000000")
	if code != 0 || !strings.Contains(errs, "no sample figures: their sampling would take") {
		t.Errorf("a figure of 1e7 steps a level: exit %d, %s", code, errs)
	}
}

// The twelfth red-team pass's findings (issue 19), each rerun.
func TestTwelfthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	// Every refused output leaves no directory behind, whatever refused it.
	for _, c := range []struct{ name, cmd, flag, out, want string }{
		{"a control character", "score", "-out", filepath.Join(dir, "nd\nx", "s.csv"), "control character"},
		{"a sidecar's name", "score", "-out", filepath.Join(dir, "newdir", "s.shard.json"), "a shard's sidecar name"},
		{"a sidecar's name, likelihood", "likelihood", "-out", filepath.Join(dir, "q", "r", "x.shard.json"), "a shard's sidecar name"},
		{"the run's own data's folder", "sample", "-plot", filepath.Join(run, "checkpoints", "new", "p.png"), "would write into"},
	} {
		args := []string{c.cmd, "-run", run, c.flag, c.out}
		switch c.cmd {
		case "score", "likelihood":
			args = append(args, "-in", data)
		case "sample":
			args = append(args, "-out", filepath.Join(dir, "ok.csv"))
		}
		attack(t, c.name, "", c.want, args...)
		if _, err := os.Stat(filepath.Dir(c.out)); err == nil {
			t.Errorf("%s: the refused %s %q left its directory", c.name, c.flag, c.out)
		}
	}
	// A run whose checkpoints/ is a link to a folder still empty: known by
	// the path's own name.
	empty := filepath.Join(dir, "elsewhere")
	os.MkdirAll(empty, 0o755)
	fresh := filepath.Join(dir, "fresh")
	os.MkdirAll(fresh, 0o755)
	cfgText, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	os.WriteFile(filepath.Join(fresh, "config.yaml"), cfgText, 0o644)
	os.Symlink(empty, filepath.Join(fresh, "checkpoints"))
	out := filepath.Join(fresh, "checkpoints", "step-000001000.safetensors", "x.csv")
	attack(t, "into a linked, empty checkpoints/", "", "would write into", "score", "-run", run, "-in", data, "-out", out)
	if _, err := os.Stat(filepath.Dir(out)); err == nil {
		t.Errorf("the refused -out %s left its directory", out)
	}
	// A ".." after a link leaves the link's target, as the kernel has it:
	// x/L/../config.yaml, with L a link to the run's checkpoints/, is the
	// run's config.yaml. Refused as any '..' after a link is (pass 13).
	x := filepath.Join(dir, "x")
	os.MkdirAll(x, 0o755)
	os.Symlink(filepath.Join(run, "checkpoints"), filepath.Join(x, "L"))
	for _, target := range []string{"config.yaml", filepath.Join("checkpoints", "step-000000020.safetensors")} {
		through := filepath.Join(x, "L") + "/../" + target
		attack(t, "-plot "+through, filepath.Join(run, target), "has '..' after a link", "sample", "-run", run, "-out", filepath.Join(dir, "b.csv"), "-plot", through)
	}
	// A noise level too small to learn from is said to be one.
	code, _, errs := scorenet("train", "-data", data, "-out", filepath.Join(dir, "still"), "-set", "train.loss=dsm", "-set", "train.sigma=1e-10",
		"-set", "train.steps=200", "-set", "model.hidden=[8]")
	if code != 0 || !strings.Contains(errs, "warning: the gradients are too small for Adam to move the parameters") {
		t.Errorf("sigma 1e-10: exit %d, %s", code, errs)
	}
	// A tensor of another dtype than the model's, even one not read.
	ck, _ := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	for i, tn := range ck.Tensors {
		if strings.HasPrefix(tn.Name, "adam.v/") {
			if _, ok := tn.Data.([]float32); !ok {
				t.Fatalf("the guarded run is not float32: %T", tn.Data)
			}
			ck.Tensors[i].Data = checkpoints.Float64s(tn.Data)
			break
		}
	}
	mixed := filepath.Join(dir, "mixed.safetensors")
	checkpoints.SaveAs(mixed, ck)
	attack(t, "an F64 moment in an F32 checkpoint", "", "is F64, the model's dtype is float32",
		"score", "-run", run, "-checkpoint", mixed, "-in", data, "-out", filepath.Join(dir, "m.csv"))
	// Counters only a resume uses are checked on every read.
	for key, v := range map[string]string{"adam_steps": "-1", "elapsed_seconds": "-5"} {
		ck, _ := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
		ck.Meta[key] = v
		bad := filepath.Join(dir, key+".safetensors")
		checkpoints.SaveAs(bad, ck)
		attack(t, key+" "+v, "", "bad "+key+" \""+v+"\"", "sample", "-run", run, "-checkpoint", bad, "-out", filepath.Join(dir, key+".csv"))
	}
	// A float32 model's start box beyond what its passes take.
	attack(t, "a float32 start box of 1e39", "", "sample.init: a start box or spread of 1e+39",
		"sample", "-run", run, "-out", filepath.Join(dir, "box.csv"), "-set", "sample.init.low=-1e39", "-set", "sample.init.high=1e39")
	// Adam's betas nearer 1 than 1e-6 are refused.
	trainAttack(t, "beta1 1-1e-16", "", "train.optimizer.beta1: must be from 0 to 0.999999",
		"train", "-data", data, "-out", filepath.Join(dir, "b1"), "-set", "train.optimizer.beta1=0.9999999999999999")
}

// A folder that holds someone else's best.safetensors is no run's
// checkpoints/: outputs may go there.
func TestAnotherToolsCheckpointFolderIsNotARun(t *testing.T) {
	dir, data, run := guardedRun(t)
	models := filepath.Join(dir, "models")
	os.MkdirAll(models, 0o755)
	os.WriteFile(filepath.Join(models, "best.safetensors"), []byte("not scorenet's"), 0o644)
	if code, _, errs := scorenet("score", "-run", run, "-in", data, "-out", filepath.Join(models, "scores.csv")); code != 0 {
		t.Errorf("score into a folder with another tool's best.safetensors: %s", errs)
	}
}

// An image run from before the image learning rate, resumed with its
// config (which set no lr), goes on at the run's own.
func TestImageRunFromBeforeTheImageDefaultResumes(t *testing.T) {
	dir := t.TempDir()
	imgs := filepath.Join(dir, "imgs")
	writePNGFolder(t, imgs, 12)
	run := filepath.Join(dir, "run")
	cfg := filepath.Join(dir, "old.yaml")
	os.WriteFile(cfg, []byte("name: old\ndata: {dataset: images, path: "+imgs+"}\nmodel: {hidden: [8]}\ntrain: {steps: 10}\noutput: {dir: "+run+"}\n"), 0o644)
	// As the run trained then: torch's rate.
	if code, _, errs := scorenet("train", "-config", cfg, "-set", "train.lr=0.001"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	code, _, errs := scorenet("train", "-config", cfg, "-resume", "-set", "train.steps=20")
	if code != 0 || !strings.Contains(errs, "resuming: keeping train.optimizer.lr 0.001") {
		t.Errorf("resume with the old config: exit %d, %s", code, errs)
	}
}

// The thirteenth pass.
func TestThirteenthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	link := filepath.Join(dir, "L")
	if err := os.Symlink(run, link); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(run, "config.yaml")
	// A '..' after a directory another output makes: resolved by its text
	// before, by the kernel from the new directory after.
	attack(t, "'..' past a directory -out makes", config, "has '..' after a link or a directory that does not exist yet",
		"sample", "-run", run, "-n", "3", "-out", filepath.Join(link, "new", "o.csv"), "-plot", link+"/new/../L/../config.yaml") // not filepath.Join, which cleans it
	if _, err := os.Stat(filepath.Join(run, "new")); err == nil {
		t.Error("the refused sampling left a directory in the run")
	}
	// A link on the way that leads nowhere yet, and somewhere once -out
	// has made its target (pass 14).
	os.Symlink("nd/../L", filepath.Join(dir, "DL"))
	os.Symlink("nd2/../L/checkpoints", filepath.Join(dir, "DK"))
	attack(t, "a link that leads nowhere yet", config, "is a link that leads nowhere yet",
		"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "nd", "o.csv"), "-plot", dir+"/DL/config.yaml")
	attack(t, "a link that leads nowhere yet, to checkpoints/", filepath.Join(run, "checkpoints", "step-000000020.safetensors"), "is a link that leads nowhere yet",
		"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "nd2", "o.csv"), "-plot", dir+"/DK/step-000000020.safetensors")
	for _, nd := range []string{"nd", "nd2"} {
		if _, err := os.Stat(filepath.Join(dir, nd)); err == nil {
			t.Errorf("the refused sampling made %s", nd)
		}
	}
	attack(t, "merge -out with '..' past a missing directory", config, "has '..' after a link or a directory that does not exist yet",
		"merge", "-out", link+"/nd/../config.yaml", data)

	// A run's directory through a link to another run's checkpoints/.
	if err := os.Symlink(filepath.Join(run, "checkpoints"), filepath.Join(dir, "C")); err != nil {
		t.Fatal(err)
	}
	code, _, errs := scorenet("train", "-data", data, "-out", dir+"/C/../checkpoints/newrun", "-set", "train.steps=10")
	if code != 1 || !strings.Contains(errs, "scorenet train: output.dir "+dir+"/C/../checkpoints/newrun: has '..' after a link") {
		t.Errorf("output.dir through a link and '..': exit %d, %s", code, errs)
	}
	attack(t, "plot -out through a link and '..'", "", "has '..' after a link",
		"plot", "-run", run, "-out", dir+"/C/../checkpoints/pdir")
	for _, made := range []string{"newrun", "pdir"} {
		if _, err := os.Stat(filepath.Join(run, "checkpoints", made)); err == nil {
			t.Errorf("a refused output made %s in the run's checkpoints/", made)
		}
	}

	// A checkpoint without a tensor its run writes is refused by every
	// reader, not only by a resume (pass 14).
	ck, err := checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for i, tn := range ck.Tensors {
		if strings.HasPrefix(tn.Name, "adam.m/") {
			ck.Tensors = slices.Delete(ck.Tensors, i, i+1)
			break
		}
	}
	dropped := filepath.Join(dir, "dropped.safetensors")
	if err := checkpoints.SaveAs(dropped, ck); err != nil {
		t.Fatal(err)
	}
	attack(t, "a checkpoint without one of Adam's moments", "", "is missing: a run's checkpoint holds it",
		"sample", "-run", run, "-checkpoint", dropped, "-n", "3", "-out", filepath.Join(dir, "d.csv"))
	// Nor one with a negative second moment, which a resume refuses (pass 22).
	ck, err = checkpoints.Load(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range ck.Tensors {
		if strings.HasPrefix(tn.Name, "adam.v/") {
			setTensorValue(tn.Data, 0, -1)
			break
		}
	}
	negative := filepath.Join(dir, "negative.safetensors")
	if err := checkpoints.SaveAs(negative, ck); err != nil {
		t.Fatal(err)
	}
	attack(t, "a negative second moment", "", "holds a negative second moment at index 0",
		"sample", "-run", run, "-checkpoint", negative, "-n", "3", "-out", filepath.Join(dir, "n.csv"))

	// A training figure by the ode sampler at tolerances it cannot meet is
	// bounded, said, and does not stop the training.
	code, _, errs = scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+filepath.Join(dir, "ode"),
		"-set", "train.steps=100", "-set", "train.sample_every=100", "-set", "model.hidden=[8]",
		"-set", "sample.sampler=ode", "-set", "sample.rtol=1e-12", "-set", "sample.atol=1e-12")
	if code != 0 || !strings.Contains(errs, "step 100: no sample figure: sampler: ode") || !strings.Contains(errs, "took more than 1666 steps") {
		t.Errorf("an ode figure that cannot finish: exit %d, %s", code, errs)
	}
}

// The fifteenth pass: eval on a ladder of 100000 levels reports the
// held-out loss at 100 of them, not 100000 after minutes of silence.
func TestFifteenthRedTeamAttacks(t *testing.T) {
	dir, data, _ := guardedRun(t)
	run := filepath.Join(dir, "long")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=5", "-set", "model.hidden=[8]",
		"-set", "train.sigmas={begin: 5, end: 0.01, n: 100000}"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	code, stdout, errs := scorenet("eval", "-run", run, "-samples=false", "-likelihood", "0")
	if code != 0 {
		t.Fatalf("eval: %s", errs)
	}
	var rep struct {
		Heldout struct {
			PerLevel []struct{ Sigma float64 } `json:"per_level"`
		} `json:"heldout"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("eval's report: %v", err)
	}
	levels := rep.Heldout.PerLevel
	if len(levels) != 100 || levels[0].Sigma != 5 || math.Abs(levels[99].Sigma-0.01) > 1e-12 {
		t.Errorf("%d levels reported, from %v to %v; want 100 from 5 to 0.01", len(levels), levels[0].Sigma, levels[len(levels)-1].Sigma)
	}
}

// The sixteenth pass.
func TestSixteenthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	// A folder of checkpoints named past step 10^9 (ten digits) is a run's
	// checkpoints too.
	store := filepath.Join(dir, "store")
	os.MkdirAll(store, 0o755)
	b, err := os.ReadFile(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ten := filepath.Join(store, "step-1000000000.safetensors")
	os.WriteFile(ten, b, 0o644)
	attack(t, "-plot over a ten-digit checkpoint", ten, "would write into the files of run "+store,
		"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "o.csv"), "-plot", ten)
	attack(t, "plot -out into a folder of ten-digit checkpoints", ten, "",
		"plot", "-run", run, "-out", store)
	if _, err := os.Stat(filepath.Join(store, "loss.png")); err == nil {
		t.Error("plot wrote loss.png among the checkpoints")
	}

	// An eps set by hand that moves nothing on the ladder chosen from the
	// data is named as such, not blamed on the data's scale.
	code, _, errs := scorenet("train", "-data", data, "-out", filepath.Join(dir, "eps"), "-set", "train.steps=5", "-set", "model.hidden=[8]", "-set", "sample.sampler=annealed", "-set", "sample.eps=1e-300")
	if code != 1 || !strings.Contains(errs, "-set sample.eps=1e-300: sample.eps: 1e-300 moves a chain by about") || strings.Contains(errs, "standardise") {
		t.Errorf("a hand-set eps that moves nothing: exit %d, %s", code, errs)
	}
}

// The seventeenth pass.
func TestSeventeenthRedTeamAttacks(t *testing.T) {
	dir, data, run := guardedRun(t)
	// A folder of checkpoints whose name is a glob pattern.
	store := filepath.Join(dir, "st[1]")
	os.MkdirAll(store, 0o755)
	os.MkdirAll(filepath.Join(dir, "st1"), 0o755)
	b, _ := os.ReadFile(filepath.Join(run, "checkpoints", "step-000000020.safetensors"))
	ck := filepath.Join(store, "step-000000020.safetensors")
	os.WriteFile(ck, b, 0o644)
	attack(t, "-plot into a checkpoint folder named like a pattern", ck, "would write into the files of run "+store,
		"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "o.csv"), "-plot", ck)

	// Refused outputs leave no directory, whatever check refuses them, and
	// a data output of an unknown kind is refused before the work.
	for _, c := range []struct {
		name, made, want string
		args             []string
	}{
		{"snapshots into a directory on a points run", "na", "image runs write a grid per snapshot into a directory",
			[]string{"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "na", "o.csv"), "-snapshots", filepath.Join(dir, "na", "sub") + "/", "-set", "sample.snapshot_every=1"}},
		{"a grid of a points run", "c", "-grid and -out DIR/ need an image run",
			[]string{"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "o2.csv"), "-grid", filepath.Join(dir, "c", "g.png")}},
		{"samples as .txt", "e", `unknown extension ".txt", want .csv or .npy`,
			[]string{"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "e", "o.txt")}},
		{"snapshots as .txt", "s", `unknown extension ".txt", want .csv or .npy`,
			[]string{"sample", "-run", run, "-n", "3", "-out", filepath.Join(dir, "o3.csv"), "-snapshots", filepath.Join(dir, "s", "s.txt"), "-set", "sample.snapshot_every=1"}},
		{"scores as .txt", "f", `unknown extension ".txt", want .csv or .npy`,
			[]string{"score", "-run", run, "-in", data, "-out", filepath.Join(dir, "f", "s.txt")}},
		{"log-likelihoods as .txt", "l", `unknown extension ".txt", want .csv or .npy`,
			[]string{"likelihood", "-run", run, "-in", data, "-out", filepath.Join(dir, "l", "l.txt")}},
		{"merged samples as .txt", "m", `unknown extension ".txt", want .csv or .npy`,
			[]string{"merge", "-out", filepath.Join(dir, "m", "m.txt"), data}},
	} {
		t.Run(c.name, func(t *testing.T) {
			attack(t, c.name, "", c.want, c.args...)
			if _, err := os.Stat(filepath.Join(dir, c.made)); err == nil {
				t.Errorf("the refused command made %s", c.made)
			}
		})
	}
}

// The twenty-third red-team pass (issue 19): an eps chosen from noise
// levels far below the data's scale is refused when training starts, as
// the same eps set by hand is, and when a run that holds one is read.
func TestTwentyThirdRedTeamAttacks(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "tiny")
	code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+run,
		"-set", "train.steps=5", "-set", "train.sigmas={begin: 1e-9, end: 1e-10, n: 10}", "-set", "sample.eps=auto")
	if code != 1 || !strings.Contains(errs, "sample.eps auto: ") || !strings.Contains(errs, "use train.sigmas: auto") {
		t.Errorf("train: exit %d, %q; want the auto eps refused, naming train.sigmas", code, errs)
	}
	if _, err := os.Stat(run); err == nil {
		t.Error("the refused run left its directory")
	}
}

// The twenty-fourth pass: on a table read unstandardised whose spread is
// 1e-5, the eps chosen from its own noise levels samples (it moves a chain
// by a thousandth of that spread, not of 1), at train and at sample.
func TestTwentyFourthRedTeamAttacks(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "small.csv")
	writeCSV(t, data, 300, 2, 1e-5, 7)
	run := filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "data.standardize=false", "-set", "train.steps=20", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("train on data of spread 1e-5: %s", errs)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-n", "20", "-sampler", "annealed", "-out", filepath.Join(dir, "s.csv"), "-set", "sample.steps_per_level=2"); code != 0 {
		t.Errorf("annealed sampling of it: %s", errs)
	}
}

// The twenty-fifth pass: a model.sigma_data that contradicts the data
// record of its own checkpoint (forged in config.yaml and the embedded
// config alike) is refused by every reader, not scored into garbage.
func TestTwentyFifthRedTeamAttacks(t *testing.T) {
	dir, data, run := smallTableRun(t, 8)
	forged := forgedCopy(t, run, dir, "f", func(text string) string {
		return regexp.MustCompile(`sigma_data: [0-9.e+-]+`).ReplaceAllString(text, "sigma_data: 1e-10")
	}, func(*checkpoints.Checkpoint) {})
	attack(t, "a forged sigma_data", "", "and the training values' spread, 1, disagree: the checkpoint was edited",
		"score", "-run", forged, "-in", data, "-out", filepath.Join(dir, "s.csv"))
}

// smallTableRun trains a small run (20 steps, one hidden layer of 8) on
// 300 rows of 2 columns drawn with seed, in a new directory; it returns
// the directory, the data file and the run.
func smallTableRun(t *testing.T, seed uint64) (dir, data, run string) {
	t.Helper()
	dir = t.TempDir()
	data = filepath.Join(dir, "d.csv")
	writeCSV(t, data, 300, 2, 1, seed)
	run = filepath.Join(dir, "r")
	if code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "train.steps=20", "-set", "model.hidden=[8]"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	return dir, data, run
}

// forgedCopy copies the run into dir/name with edit applied to its
// config.yaml and to every checkpoint's embedded config (the run's paths
// moved to the copy), and tamper to every checkpoint's metadata: a forger
// who edits both, re-hashing the checkpoint. It returns the copy.
func forgedCopy(t *testing.T, run, dir, name string, edit func(string) string, tamper func(*checkpoints.Checkpoint)) string {
	t.Helper()
	forged := filepath.Join(dir, name)
	if err := os.CopyFS(forged, os.DirFS(run)); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(forged, "checkpoints", "best.safetensors"))
	text, _ := os.ReadFile(filepath.Join(forged, "config.yaml"))
	os.WriteFile(filepath.Join(forged, "config.yaml"), []byte(edit(strings.ReplaceAll(string(text), run, forged))), 0o644)
	paths, _ := filepath.Glob(filepath.Join(forged, "checkpoints", "step-*.safetensors"))
	for _, path := range paths {
		ck, err := checkpoints.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		ck.Meta["config"] = edit(strings.ReplaceAll(ck.Meta["config"], run, forged))
		tamper(ck)
		if err := checkpoints.SaveAs(path, ck); err != nil {
			t.Fatal(err)
		}
	}
	return forged
}

// Passes 26 to 28: a forged sigma_data cannot dodge its check by deleting
// the data record (the readers then check it against the data), by a zero
// variance, by 0 recorded as chosen from the data, or by a key given twice
// in the config (refused by every config reader); and rounding on data far
// from 0 is not taken for an edit.
func TestSigmaDataForgeries(t *testing.T) {
	dir, data, run := smallTableRun(t, 9)
	sigmaData := regexp.MustCompile(`sigma_data: [0-9.e+-]+`)
	forge := func(value string) func(string) string {
		return func(text string) string { return sigmaData.ReplaceAllString(text, "sigma_data: "+value) }
	}
	deleteRecord := func(c *checkpoints.Checkpoint) { delete(c.Meta, "data_moments") }
	for _, c := range []struct {
		name   string
		edit   func(string) string
		tamper func(*checkpoints.Checkpoint)
		cmds   []string
		want   string
	}{
		{"1e-10 with the record deleted", forge("1e-10"), deleteRecord, []string{"score", "likelihood", "sample"},
			"model.sigma_data 1e-10, recorded as chosen from the data, and the training values' spread"},
		{"1e-10 with the record deleted and a key given twice", func(text string) string {
			return strings.Replace(forge("1e-10")(text), "seed: 0\n", "seed: 0\nseed: 0\n", 1)
		}, deleteRecord, []string{"score"}, "seed: given twice (first at line"},
		{"1e10 set by hand with the record deleted", func(text string) string {
			return strings.Replace(forge("1e10")(text), "sigma_data_auto: true", "sigma_data_auto: false", 1)
		}, deleteRecord, []string{"score", "likelihood"}, "beyond the 100 times train allows"},
		{"a variance of 0", func(text string) string { return text }, func(c *checkpoints.Checkpoint) {
			c.Meta["data_moments"] = `{"mean":[0,0],"var":0}`
		}, []string{"score"}, "bad data_moments metadata"},
		{"0 recorded as chosen", forge("0"), func(*checkpoints.Checkpoint) {}, []string{"score"},
			"model.sigma_data is recorded as chosen from the data but holds 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			forged := forgedCopy(t, run, t.TempDir(), "f", c.edit, c.tamper)
			for _, cmd := range c.cmds {
				args := []string{cmd, "-run", forged}
				switch cmd {
				case "sample":
					args = append(args, "-n", "5", "-out", filepath.Join(dir, "s.csv"))
				default:
					args = append(args, "-in", data, "-out", filepath.Join(dir, cmd+".csv"))
				}
				attack(t, c.name+" ("+cmd+")", "", c.want, args...)
			}
		})
	}

	// Values near 1e10 that vary by 0.01, read unstandardised: their
	// spread from the record and train's own differ by rounding only.
	far := filepath.Join(dir, "far.csv")
	var b strings.Builder
	for i := range 400 {
		fmt.Fprintf(&b, "%.17g,%.17g\n", 1e10+0.01*math.Sin(float64(i)), 1e10+0.01*math.Cos(float64(3*i)))
	}
	os.WriteFile(far, []byte(b.String()), 0o644)
	farRun := filepath.Join(dir, "far")
	if code, _, errs := scorenet("train", "-data", far, "-out", farRun, "-set", "train.steps=20", "-set", "model.hidden=[8]", "-set", "data.standardize=false", "-set", "model.dtype=float64"); code != 0 {
		t.Fatalf("train on values near 1e10: %s", errs)
	}
	if code, _, errs := scorenet("score", "-run", farRun, "-in", far, "-out", filepath.Join(dir, "far-s.csv")); code != 0 {
		t.Errorf("score of that run: %s", errs)
	}
}

// The twenty-ninth pass: a run without its data record and whose data
// cannot be read is refused, not trusted with its sigma_data; the unet's
// levels that do not fit the images are blamed on model.channels; the
// likelihood's tolerances say their upper bound.
func TestTwentyNinthRedTeamAttacks(t *testing.T) {
	dir, data, run := smallTableRun(t, 11)
	forged := forgedCopy(t, run, dir, "f", func(text string) string {
		text = regexp.MustCompile(`sigma_data: [0-9.e+-]+`).ReplaceAllString(text, "sigma_data: 1e-10")
		return strings.ReplaceAll(text, data, filepath.Join(dir, "gone.csv"))
	}, func(c *checkpoints.Checkpoint) { delete(c.Meta, "data_moments") })
	for _, cmd := range []string{"score", "likelihood"} {
		attack(t, "data gone with the record ("+cmd+")", "", "records no moments of its training data",
			cmd, "-run", forged, "-in", data, "-out", filepath.Join(dir, cmd+".csv"))
	}
	pngs := filepath.Join(dir, "pngs")
	writePNGFolder(t, pngs, 20)
	trainAttack(t, "five levels on 4x4 images", "", "train: model.channels: 5 levels halve the image 4 times, so its height and width must be multiples of 16, and the images are 4x4: use fewer levels",
		"train", "-data", pngs, "-out", filepath.Join(dir, "u"), "-set", "model.type=unet", "-set", "model.channels=[2,2,2,2,2]", "-set", "model.groups=2")
	attack(t, "atol of 1", "", "-atol must be at least 1e-12 (float64 rounding) and below 1",
		"likelihood", "-run", run, "-in", data, "-atol", "1")
}

// The thirtieth pass: an edited checkpoint whose data are at hand is
// blamed on the checkpoint alone, not on data that need no restoring.
func TestThirtiethRedTeamAttacks(t *testing.T) {
	dir, data, run := smallTableRun(t, 12)
	forged := forgedCopy(t, run, dir, "f", func(text string) string {
		return regexp.MustCompile(`sigma_data: [0-9.e+-]+`).ReplaceAllString(text, "sigma_data: 1e-10")
	}, func(c *checkpoints.Checkpoint) { delete(c.Meta, "data_moments") })
	code, _, errs := scorenet("score", "-run", forged, "-in", data, "-out", filepath.Join(dir, "s.csv"))
	if code != 1 || !strings.Contains(errs, "the checkpoint was edited") || strings.Contains(errs, "restore") {
		t.Errorf("exit %d, %q; want the edit named, and no advice to restore data that are there", code, errs)
	}
}

// twoSmallRuns trains runs a (seed 0) and c (seed 7) in a new dir for 20
// steps on one CSV written with seed, with the -set values sets, and
// returns dir, a and the bytes of c's checkpoint: another run's, to copy
// into a's checkpoints/.
func twoSmallRuns(t *testing.T, seed uint64, sets ...string) (dir, a string, other []byte) {
	t.Helper()
	dir = t.TempDir()
	data := filepath.Join(dir, "d.csv")
	writeCSV(t, data, 300, 2, 1, seed)
	a, c := filepath.Join(dir, "a"), filepath.Join(dir, "c")
	for _, run := range []struct{ dir, seed string }{{a, "0"}, {c, "7"}} {
		args := []string{"train", "-data", data, "-out", run.dir, "-set", "train.steps=20", "-set", "model.hidden=[8]", "-set", "seed=" + run.seed}
		for _, s := range sets {
			args = append(args, "-set", s)
		}
		if code, _, errs := scorenet(args...); code != 0 {
			t.Fatalf("train: %s", errs)
		}
	}
	other, err := os.ReadFile(filepath.Join(c, "checkpoints", "step-000000020.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, a, other
}

// The thirty-first pass: a checkpoint copied in under another step's name
// is never advised onto a name another checkpoint holds (there, the run's
// own), which following the advice would have replaced.
func TestThirtyFirstRedTeamAttacks(t *testing.T) {
	dir, a, b := twoSmallRuns(t, 13)
	copied := filepath.Join(a, "checkpoints", "step-000000040.safetensors")
	os.WriteFile(copied, b, 0o644)
	code, _, errs := scorenet("sample", "-run", a, "-n", "4", "-checkpoint", copied, "-out", filepath.Join(dir, "s.csv"))
	if code != 1 || strings.Contains(errs, "rename it") || !strings.Contains(errs, "step-000000020.safetensors already exists beside it, so it is a copy or another run's") {
		t.Errorf("exit %d, %q; want no advice to rename onto the run's own checkpoint", code, errs)
	}
}

// The thirty-second pass: a resume with files named for later steps in
// checkpoints/ (another run's copies, which it skips) keeps its own
// checkpoints: pruning counts only names up to the step just saved.
func TestThirtySecondRedTeamAttacks(t *testing.T) {
	dir, a, b := twoSmallRuns(t, 14, "train.keep_checkpoints=1")
	for _, step := range []string{"900000001", "900000002"} {
		os.WriteFile(filepath.Join(a, "checkpoints", "step-"+step+".safetensors"), b, 0o644)
	}
	code, out, errs := scorenet("train", "-run", a, "-set", "train.steps=40")
	if code != 0 {
		t.Fatalf("resume: %s", errs)
	}
	if _, err := os.Stat(filepath.Join(a, "checkpoints", "step-000000040.safetensors")); err != nil {
		t.Errorf("the resume's own checkpoint is gone (%v); it said %q", err, out)
	}
	if code, _, errs := scorenet("sample", "-run", a, "-n", "4", "-out", filepath.Join(dir, "s.csv")); code != 0 {
		t.Errorf("sample after the resume: %s", errs)
	}
	// A unet-sized edit of the dimension record names the checkpoint.
	ck, err := checkpoints.Load(filepath.Join(a, "checkpoints", "step-000000040.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ck.Meta["dim"] = "3"
	bad := filepath.Join(dir, "dim.safetensors")
	checkpoints.SaveAs(bad, ck)
	code, _, errs = scorenet("sample", "-run", a, "-checkpoint", bad, "-n", "4", "-out", filepath.Join(dir, "s2.csv"))
	if code != 1 || !strings.Contains(errs, bad) {
		t.Errorf("exit %d, %q; want the edited checkpoint named", code, errs)
	}
}

// The thirty-third pass: an image record is HxWxC in plain digits, with H
// and W at least 1 and 1 or 3 channels, and a unet's is its model.shape;
// -8x-8x1 and 4x4x4 (products of 64) had passed for 8x8x1.
func TestThirtyThirdRedTeamAttacks(t *testing.T) {
	dir := t.TempDir()
	pngs := filepath.Join(dir, "pngs")
	writePNGFolder(t, pngs, 20)
	run := filepath.Join(dir, "u")
	if code, _, errs := scorenet("train", "-data", pngs, "-out", run, "-set", "model.type=unet", "-set", "model.channels=[4,8]", "-set", "model.groups=2", "-set", "train.steps=4", "-set", "train.batch_size=8"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	points := filepath.Join(dir, "p.csv")
	writeCSV(t, points, 5, 16, 0.3, 1)
	good := filepath.Join(run, "checkpoints", "step-000000004.safetensors")
	for _, c := range []struct{ record, want string }{
		{"-4x-4x1", "bad image metadata"},
		{"2x2x4", "bad image metadata"},
		{"4x4x1 ", "bad image metadata"},
		{"+4x4x1", "bad image metadata"},
		{"2x8x1", "is not the run's model.shape [4 4 1]"},
	} {
		t.Run(c.record, func(t *testing.T) {
			ck, err := checkpoints.Load(good)
			if err != nil {
				t.Fatal(err)
			}
			ck.Meta["image"] = c.record
			bad := filepath.Join(dir, "tampered.safetensors")
			checkpoints.SaveAs(bad, ck)
			attack(t, c.record, "", c.want, "score", "-run", run, "-checkpoint", bad, "-in", points, "-out", filepath.Join(dir, "s.csv"))
		})
	}
}

// Chains started from a file are one a row of it: a -n that asks for
// another number is said not to apply, not silently dropped (a red-team
// pass), and sample.n's default is not mentioned.
func TestSampleFromAFileSaysNDoesNotApply(t *testing.T) {
	dir, _, run := guardedRun(t)
	start := filepath.Join(dir, "start.csv")
	writeCSV(t, start, 3, 2, 1, 9)
	out := filepath.Join(dir, "s.csv")
	for _, c := range []struct {
		name string
		args []string
		said bool
	}{
		{"-n other than the rows", []string{"-n", "5"}, true},
		{"-n as the rows", []string{"-n", "3"}, false},
		{"no -n", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"sample", "-run", run, "-out", out, "-set", "sample.init.kind=file", "-set", "sample.init.path=" + start}, c.args...)
			code, stdout, errs := scorenet(args...)
			if code != 0 || !strings.Contains(stdout+errs, "3 chains") {
				t.Fatalf("exit %d, want 3 chains: %s%s", code, stdout, errs)
			}
			if said := strings.Contains(errs, "-n 5 does not apply"); said != c.said {
				t.Errorf("said -n does not apply: %v, want %v: %s", said, c.said, errs)
			}
		})
	}
}

// -data of a table in a form the readers do not take says what to do, and
// makes nothing: a tab-separated file is read as a CSV under that name; a
// JSON, Parquet or workbook file is to be written as a CSV first.
func TestDataOfAnotherFormSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, want string }{
		{"t.tsv", "a .tsv file of such cells reads as one named .csv"},
		{"t.json", `not a .json file: write it as a CSV first (pandas: pd.read_json(`},
		{"t.xlsx", "pd.read_excel("},
		{"t.data", "a .data file of such cells reads as one named .csv"},
		{"t.csv.gz", "a compressed table is read once decompressed"},
	} {
		path := filepath.Join(dir, c.name)
		os.WriteFile(path, []byte("a\tb\n1\t2\n"), 0o644)
		out := filepath.Join(dir, "run-"+c.name)
		code, _, errs := scorenet("train", "-data", path, "-out", out)
		if _, err := os.Stat(out); code != 1 || !strings.Contains(errs, c.want) || err == nil {
			t.Errorf("%s: exit %d (run directory: %v): %s", c.name, code, err, errs)
		}
	}
}
