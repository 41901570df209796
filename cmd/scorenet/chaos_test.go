package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"scorenet/checkpoints"
	"scorenet/rundir"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the scorenet command once for the tests that run it as a
// real process.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scorenet-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "scorenet")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("go build: %s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building scorenet: %v", buildErr)
	}
	return binPath
}

const chaosConfig = `name: chaos
seed: 4
data: {dataset: moons, n: 800, holdout: 0.1, standardize: true}
model: {type: mlp, hidden: [24, 24], activation: tanh}
train: {batch_size: 32, steps: 8000, lr: 0.005, log_every: 10, eval_every: 50, checkpoint_every: 7, keep_checkpoints: 3}
`

func writeConfig(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "chaos.yaml")
	if err := os.WriteFile(path, []byte(chaosConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func finalParams(t *testing.T, runDir string) map[string][]float64 {
	t.Helper()
	c, _, skipped, err := checkpoints.Newest(rundir.CheckpointDir(runDir))
	if err != nil || len(skipped) > 0 {
		t.Fatalf("newest checkpoint of %s: %v (skipped %v)", runDir, err, skipped)
	}
	out := map[string][]float64{"step": {float64(c.Step)}}
	for _, tn := range c.Tensors {
		out[tn.Name] = checkpoints.Float64s(tn.Data)
	}
	return out
}

// Training processes are killed with SIGKILL at random moments, many times,
// including during checkpoint writes; after every kill the newest checkpoint
// must load, and the run, resumed each time, must end exactly where an
// uninterrupted run does.
func TestKillNineAtRandomMomentsLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills training processes for about 7 s")
	}
	bin := binary(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	ref, victim := filepath.Join(dir, "ref"), filepath.Join(dir, "victim")
	began := time.Now()
	if out, err := exec.Command(bin, "train", "-config", cfg, "-set", "output.dir="+ref).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	// Kill after 1/40 to 1/8 of an uninterrupted run, so that the run is
	// killed about as often on a fast machine as on a slow one.
	whole := time.Since(began)
	lo, span := whole/40, whole/8-whole/40
	rng := rand.New(rand.NewPCG(2026, 11))
	kills, midWrite, finished := 0, 0, false
	for attempt := 0; attempt < 200 && !finished; attempt++ {
		cmd := exec.Command(bin, "train", "-config", cfg, "-resume", "-set", "output.dir="+victim)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("attempt %d failed on its own: %v", attempt, err)
			}
			finished = true
		case <-time.After(lo + time.Duration(rng.Int64N(int64(span)))):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
			if tmp, _ := filepath.Glob(filepath.Join(rundir.CheckpointDir(victim), ".step-*.tmp-*")); len(tmp) > 0 {
				midWrite++ // killed while writing a checkpoint
			}
			if _, _, skipped, err := checkpoints.Newest(rundir.CheckpointDir(victim)); len(skipped) > 0 || (err != nil && err != checkpoints.ErrNoCheckpoint) {
				t.Fatalf("after kill %d: broken checkpoints %v, %v", kills, skipped, err)
			}
		}
	}
	if !finished || kills < 8 {
		t.Fatalf("finished %v after %d kills; want a finished run after at least 8", finished, kills)
	}
	want, got := finalParams(t, ref), finalParams(t, victim)
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Fatalf("%s: %d values after kills, %d uninterrupted", name, len(g), len(w))
		}
		for i := range w {
			if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
				t.Fatalf("%s[%d]: %v after %d kills, %v uninterrupted", name, i, g[i], kills, w[i])
			}
		}
	}
	t.Logf("killed %d times (%d of them mid-way through a checkpoint write); the resumed run ends bit-identical to the uninterrupted one", kills, midWrite)
	if refSteps, gotSteps := metricsSteps(t, ref), metricsSteps(t, victim); refSteps != gotSteps {
		t.Errorf("metrics.jsonl steps after kills %q, uninterrupted %q", gotSteps, refSteps)
	}
}

func metricsSteps(t *testing.T, runDir string) string {
	t.Helper()
	records, _, err := rundir.ReadMetrics(runDir, 1<<30, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	steps := make([]string, len(records))
	for i, r := range records {
		steps[i] = strconv.Itoa(r.Step)
	}
	return strings.Join(steps, " ")
}

// SIGINT stops after the current step with a checkpoint and says how to
// resume; a second signal ends the process at once, and the checkpoints
// are intact either way.
func TestSignalsStopWithACheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs training processes")
	}
	bin := binary(t)
	for _, double := range []bool{false, true} {
		dir := t.TempDir()
		cfg := writeConfig(t, dir)
		runDir := filepath.Join(dir, "run")
		cmd := exec.Command(bin, "train", "-config", cfg, "-set", "output.dir="+runDir, "-set", "train.steps=100000")
		lines, log := startUntil(t, cmd, "step 50/")
		cmd.Process.Signal(os.Interrupt)
		if double {
			// At once, not after the first's message: a step of this run
			// takes a fraction of a millisecond, and under load the run had
			// written its checkpoint and exited before the second arrived.
			// Both queue, in order, for the handler.
			cmd.Process.Signal(syscall.SIGTERM)
		}
		for lines.Scan() {
			log = append(log, lines.Text())
		}
		err := cmd.Wait()
		last := log[len(log)-1]
		if exit, ok := err.(*exec.ExitError); !ok || exit.Success() {
			t.Fatalf("double=%v: exit %v, want a failure exit", double, err)
		}
		if _, _, skipped, err := checkpoints.Newest(rundir.CheckpointDir(runDir)); err != nil || len(skipped) > 0 {
			t.Fatalf("double=%v: checkpoints after the signal: %v, skipped %v", double, err, skipped)
		}
		if double {
			if !strings.Contains(last, "second signal: exiting at once") {
				t.Errorf("after two signals the last line is %q, want it to exit at once", last)
			}
		} else if !strings.Contains(last, "training interrupted at step") || !strings.Contains(last, "checkpoint") ||
			!strings.Contains(last, "continue with: scorenet train -run "+runDir) {
			t.Errorf("last line %q does not say where it stopped and how to resume", last)
		} else {
			// The hint resumes exactly this run, from anywhere, with no config.
			_, hint, _ := strings.Cut(last, "continue with: scorenet ")
			args := append(strings.Fields(hint), "-set", "train.steps=200")
			resumed := exec.Command(bin, args...)
			resumed.Dir = t.TempDir()
			out, err := resumed.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "resuming from "+rundir.CheckpointDir(runDir)) || !strings.Contains(string(out), "trained ") {
				t.Errorf("the hint %q did not resume the run: %v\n%s", hint, err, out)
			}
		}
		t.Logf("double=%v: %s", double, last)
	}
}

// While one trainer works in a run directory, a second one on the same
// directory (fresh or -resume) exits non-zero at once, naming the directory
// and the holder's pid, and leaves the run alone; readers need no lock and
// keep working while the first one writes.
func TestSecondTrainerIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs training processes")
	}
	bin := binary(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	runDir := filepath.Join(dir, "run")
	first := exec.Command(bin, "train", "-config", cfg, "-set", "output.dir="+runDir, "-set", "train.steps=100000")
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	lines := bufio.NewScanner(stderr)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "step 50/") {
	}
	go func() {
		for lines.Scan() {
		}
	}()
	for _, extra := range [][]string{nil, {"-resume"}} {
		args := append([]string{"train", "-config", cfg, "-set", "output.dir=" + runDir}, extra...)
		out, err := exec.Command(bin, args...).CombinedOutput()
		want := fmt.Sprintf("run directory %s is in use: process %d is training in it", runDir, first.Process.Pid)
		if exit, ok := err.(*exec.ExitError); !ok || exit.Success() || !strings.Contains(string(out), want) {
			t.Errorf("second trainer %v: %v, %q; want a failure naming %q", extra, err, out, want)
		}
	}
	points := filepath.Join(dir, "points.csv")
	os.WriteFile(points, []byte("0,0\n1,1\n"), 0o644)
	if out, err := exec.Command(bin, "score", "-run", runDir, "-in", points, "-out", filepath.Join(dir, "s.csv")).CombinedOutput(); err != nil {
		t.Errorf("score while training: %v: %s", err, out)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	// The kernel released the lock with the process: no stale lock.
	lock, err := rundir.LockDir(runDir)
	if err != nil {
		t.Fatalf("after kill -9 the run directory is still locked: %v", err)
	}
	lock.Unlock()
}

// A signal while a fresh run's data are still read stops before the first
// step and says nothing was written, rather than hinting at a resume of a
// run directory that does not exist (a red-team pass); a reading that
// then fails is not what is reported.
func TestSignalWhileReadingSaysNothingWasWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a training process on a large file")
	}
	bin := binary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "big.csv")
	var b strings.Builder
	rng := rand.New(rand.NewPCG(5, 6))
	for range 400000 {
		for j := range 8 {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(rng.NormFloat64(), 'f', 6, 64))
		}
		b.WriteByte('\n')
	}
	os.WriteFile(data, []byte(b.String()), 0o644)
	runDir := filepath.Join(dir, "run")
	cmd := exec.Command(bin, "train", "-data", data, "-out", runDir, "-threads", "1")
	lines, log := startUntil(t, cmd, "training ")
	cmd.Process.Signal(os.Interrupt)
	for lines.Scan() {
		log = append(log, lines.Text())
	}
	cmd.Wait()
	last := log[len(log)-1]
	if _, err := os.Stat(rundir.ConfigPath(runDir)); err == nil {
		t.Skipf("the data were read before the signal arrived (last line %q)", last)
	}
	if !strings.Contains(last, "interrupted before the first step") || !strings.Contains(last, "nothing was written: run the same command again") || strings.Contains(last, "continue with") {
		t.Errorf("last line %q: want the interruption, and no resume hint", last)
	}
}

// startUntil starts cmd and reads its stderr up to the first line that
// starts with prefix: the lines so far, and the scanner for the rest.
func startUntil(t *testing.T, cmd *exec.Cmd, prefix string) (*bufio.Scanner, []string) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	var log []string
	for lines.Scan() {
		log = append(log, lines.Text())
		if strings.HasPrefix(lines.Text(), prefix) {
			break
		}
	}
	return lines, log
}
