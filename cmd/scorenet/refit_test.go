package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// train -data on a small table trains twice (train.refit auto): announced,
// written into config.yaml, kept on resume, and the samples' verdict
// measures nearness against the training rows, none being held out.
func TestSmallTableRefitsOnEveryRow(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "small.csv")
	writeWaves(t, data, 150, false)
	run := filepath.Join(dir, "run")
	// A short patience on a coarse net keeps the first training short.
	code, out, errs := scorenet("train", "-data", data, "-out", run, "-set", "model.hidden=[16]", "-set", "train.eval_every=20", "-set", "train.patience=2", "-set", "train.lr=0.05")
	if code != 0 {
		t.Fatalf("train -data: exit %d: %s", code, errs)
	}
	for _, want := range []string{"train.refit auto: data.holdout 0.3 holds out 45 of the 150 rows, more than a tenth", "training again from the start on all 150 rows"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "first training (rows held out, train.refit)") || !strings.Contains(out, "then on every row: trained") {
		t.Errorf("stdout %q", out)
	}
	config, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	for _, want := range []string{"holdout: 0\n", "refit: false", "refitted:\n        dir: select", "train_rows: 105", "held_out: 45", "sigma_stop_auto: true"} {
		if !strings.Contains(string(config), want) {
			t.Errorf("config.yaml lacks %q:\n%s", want, config)
		}
	}
	if code, out, errs := scorenet("train", "-run", run); code != 0 || !strings.Contains(out, "nothing to train") || strings.Contains(errs, "train.refit") {
		t.Errorf("resume of the finished run: exit %d, stdout %q, stderr %s", code, out, errs)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-out", filepath.Join(dir, "s.csv"), "-n", "100"); code != 0 || !strings.Contains(errs, "as far as a training row's from the others (no rows held out)") ||
		!strings.Contains(errs, "sample.sigma_stop auto: ") {
		t.Errorf("sample: exit %d: %s", code, errs)
	}
	checkSigmaStopShards(t, run, dir)
	// Refused before anything is written: the finished run stays readable.
	before, _ := os.ReadFile(filepath.Join(run, "config.yaml"))
	if code, _, errs := scorenet("train", "-data", data, "-out", run); code == 0 || !strings.Contains(errs, "holds a run's checkpoints already") {
		t.Errorf("train -data into the finished run: exit %d: %s", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(run, "config.yaml")); string(after) != string(before) {
		t.Errorf("the refused train rewrote the run's config.yaml")
	}
	if code, _, errs := scorenet("train", "-run", filepath.Join(run, "select")); code == 0 || !strings.Contains(errs, "is the first training of the refitted run") {
		t.Errorf("train -run DIR/select: exit %d: %s", code, errs)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-checkpoint", "best", "-out", filepath.Join(dir, "b.csv")); code == 0 || !strings.Contains(errs, "it trained on every row (train.refit)") {
		t.Errorf("sample -checkpoint best: exit %d: %s", code, errs)
	}
	failed := filepath.Join(dir, "failed")
	if code, _, errs := scorenet("train", "-data", data, "-out", failed, "-set", "train.batch_size=120"); code == 0 {
		t.Errorf("a batch larger than the training rows: exit 0: %s", errs)
	}
	if _, err := os.Stat(filepath.Join(failed, "config.yaml")); err == nil {
		t.Errorf("a first training that failed before its first step left config.yaml behind")
	}
	explicit := filepath.Join(dir, "once")
	if code, _, errs := scorenet("train", "-data", data, "-out", explicit, "-set", "model.hidden=[16]", "-set", "train.eval_every=20", "-set", "train.patience=2", "-set", "train.refit=false"); code != 0 || strings.Contains(errs, "train.refit") {
		t.Errorf("train.refit=false: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(explicit, "select")); err == nil {
		t.Errorf("train.refit=false trained a first training in select/")
	}
}

// A refitted run with a column data.discrete_gap widens: both trainings
// widen it by the same factor (fitted on every row before the split), so
// the model.sigma_data the first chose fits the second's data, and the
// run samples. Fitted on the split's training rows, it would not.
func TestRefitWidensAsTheFirstTraining(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "coded.csv")
	writeRows(t, data, "code,x,y", 150, func(i int) string {
		return fmt.Sprintf("%d,%g,%g", []int{1, 1, 1, 2, 3, 3}[i%6], math.Sin(float64(i)), math.Cos(float64(3*i)))
	})
	run := filepath.Join(dir, "run")
	code, _, errs := scorenet("train", "-data", data, "-out", run, "-set", "data.discrete_gap=3", "-set", "model.hidden=[16]", "-set", "train.eval_every=20", "-set", "train.patience=2", "-set", "train.lr=0.05")
	if code != 0 || !strings.Contains(errs, "data.discrete_gap 3: 1 discrete column(s) of 3 to 6 values standardised wider") || !strings.Contains(errs, "training again from the start on all 150 rows") {
		t.Fatalf("train -data: exit %d: %s", code, errs)
	}
	if code, _, errs := scorenet("sample", "-run", run, "-out", filepath.Join(dir, "s.csv"), "-n", "100"); code != 0 || !strings.Contains(errs, "value shares within") {
		t.Errorf("sample: exit %d: %s", code, errs)
	}
}

// checkSigmaStopShards: a table run's sample.sigma_stop auto is chosen
// alike by each shard (merge joins them into the unsharded samples), and a
// number given by hand is not chosen again.
func checkSigmaStopShards(t *testing.T, run, dir string) {
	t.Helper()
	var shards []string
	for k := range 2 {
		f := filepath.Join(dir, fmt.Sprintf("stop%d.csv", k))
		if code, _, errs := scorenet("sample", "-run", run, "-n", "40", "-shard", fmt.Sprintf("%d/2", k), "-out", f); code != 0 {
			t.Fatalf("sample -shard %d/2: %s", k, errs)
		}
		shards = append(shards, f)
	}
	merged, whole := filepath.Join(dir, "stop-merged.csv"), filepath.Join(dir, "stop-whole.csv")
	if code, _, errs := scorenet(append([]string{"merge", "-out", merged}, shards...)...); code != 0 {
		t.Fatalf("merge: %s", errs)
	}
	code, _, errs := scorenet("sample", "-run", run, "-n", "40", "-out", whole)
	if code != 0 {
		t.Fatalf("sample: %s", errs)
	}
	a, _ := os.ReadFile(merged)
	b, _ := os.ReadFile(whole)
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("the merged shards differ from the unsharded samples")
	}
	// The level chosen, given by hand, draws the same samples, and is
	// not chosen again.
	var chosen string
	if _, err := fmt.Sscanf(errs[strings.Index(errs, "sample.sigma_stop auto: "):], "sample.sigma_stop auto: %s", &chosen); err != nil {
		t.Fatalf("no level in %q: %v", errs, err)
	}
	t.Logf("sigma_stop auto chose %s", chosen)
	hand := filepath.Join(dir, "stop-hand.csv")
	if code, _, errs := scorenet("sample", "-run", run, "-n", "40", "-out", hand, "-set", "sample.sigma_stop="+chosen); code != 0 || strings.Contains(errs, "sigma_stop auto") {
		t.Errorf("sample.sigma_stop=%s by hand: exit %d: %s", chosen, code, errs)
	}
	if c, _ := os.ReadFile(hand); string(c) != string(b) {
		t.Errorf("sample.sigma_stop=%s by hand drew other samples than auto, which chose it", chosen)
	}
}
