package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Shards drawn by separate processes, on different numbers of threads and
// merged, are bit-identical to one unsharded run; merge refuses shards
// that do not belong together or leave one out.
func TestShardedSamplingMatchesOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sampling processes")
	}
	bin := binary(t)
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	if code, _, errs := scorenet("train", "-config", "../../configs/mixture_annealed.yaml", "-set", "output.dir="+runDir,
		"-set", "model.hidden=[32,32]", "-set", "train.steps=200", "-set", "data.n=2000"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("scorenet %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	common := []string{"-run", runDir, "-n", "301", "-seed", "5", "-set", "sample.steps_per_level=20"}
	whole := filepath.Join(dir, "whole.csv")
	run(append([]string{"sample", "-threads", "1", "-out", whole}, common...)...)
	var shards []string
	for k, threads := range []string{"2", "1", "8"} {
		f := filepath.Join(dir, "shard"+string(rune('0'+k))+".npy")
		run(append([]string{"sample", "-threads", threads, "-shard", string(rune('0'+k)) + "/3", "-out", f}, common...)...)
		shards = append(shards, f)
	}
	merged := filepath.Join(dir, "merged.csv")
	out := run(append([]string{"merge", "-out", merged}, shards[2], shards[0], shards[1])...)
	if !strings.Contains(out, "merged 3 shards, 301 chains, into "+merged) {
		t.Errorf("merge said %q", out)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(merged)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the merged shards differ from the unsharded run (%d and %d bytes)", len(a), len(b))
	}

	// What merge refuses.
	other := filepath.Join(dir, "other.npy")
	run(append([]string{"sample", "-shard", "1/3", "-out", other}, append(common, "-seed", "6")...)...)
	for _, c := range []struct {
		files []string
		want  string
	}{
		{shards[:2], "shard 2/3 is missing"},
		{[]string{shards[0], shards[0], shards[1], shards[2]}, "shard 0/3 given twice"},
		{[]string{shards[0], other, shards[2]}, "is from another sampling than"},
		{[]string{whole}, "no shard information"},
	} {
		code, _, errs := scorenet(append([]string{"merge", "-out", filepath.Join(dir, "bad.csv")}, c.files...)...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("merge %v: exit %d, %q; want %q", c.files, code, errs, c.want)
		}
	}
	if code, _, errs := scorenet(append([]string{"sample", "-shard", "3/3", "-out", filepath.Join(dir, "x.csv")}, common...)...); code == 0 || !strings.Contains(errs, "want k/N with 0 <= k < N") {
		t.Errorf("-shard 3/3: exit %d, %q", code, errs)
	}
}
