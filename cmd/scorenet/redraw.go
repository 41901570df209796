package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/internal/memlimit"
	"scorenet/internal/safefile"
	"scorenet/points"
	"scorenet/progress"
	"scorenet/rundir"
	"scorenet/workflow"

	"golang.org/x/term"
)

// verifyShards re-draws k chains of each shard, chosen at random, from the
// run and checkpoint its sidecar names, and compares them bit for bit with
// the rows merged. The sidecar's digests catch a file changed by accident
// (cut short, or paired with another shard's sidecar); they cannot catch
// rows changed on purpose with the digest recomputed, for anyone who can
// write a shard can write its sidecar. Sampling is deterministic per chain,
// so a re-drawn chain is what the shard's row must be.
func verifyShards(files []string, infos []shardInfo, merged points.Points, k int, stderr io.Writer) error {
	if k <= 0 {
		return nil
	}
	first := infos[0]
	run, err := sampledRun(first)
	if err != nil {
		return err
	}
	// Keys a sidecar from before them does not hold keep their defaults
	// (rho and churn_noise, which 0 would refuse).
	s := configs.Default().Sample
	if err := json.Unmarshal([]byte(first.Sample), &s); err != nil {
		return fmt.Errorf("-verify: %s: the sample settings recorded cannot be read: %v", sidecar(files[0]), err)
	}
	// Within the bounds sample itself keeps (steps, levels, tolerances...),
	// checked as a config is: a sidecar is only as good as its writer.
	if s.Sampler == "" {
		return fmt.Errorf("-verify: %s: the sample settings recorded name no sampler (key Sampler): the sidecar was edited", sidecar(files[0]))
	}
	withSample := *run.Config
	withSample.Sample = s
	// An eps recorded as chosen from the data (eps_auto) is a value all
	// the same: a sample run never records one that moves nothing, so it
	// was edited (the parse below would blame the noise levels).
	if s.EpsAuto && (s.Sampler == "langevin" || s.Sampler == "annealed") {
		bound := configs.ReachBound(math.Sqrt(run.Moments.Var))
		if reach := configs.EpsReach(&withSample); !(s.Eps > 0) || reach < bound {
			return fmt.Errorf("-verify: %s: sample.eps %v recorded as chosen from the data is not a step that samples (it must be > 0 and move a chain by at least %.2g, a thousandth of the data's spread, over all its steps): the sidecar was edited", sidecar(files[0]), s.Eps, bound)
		}
	}
	if _, err := configs.Parse(withSample.YAML(), "the sample settings in "+sidecar(files[0]), nil); err != nil {
		return fmt.Errorf("-verify: %w", err)
	}
	job, err := run.RunJob(s, first.Score)
	if err != nil {
		return fmt.Errorf("-verify: %w", err)
	}
	if s.ClassMix {
		if job.Labels = run.MixedLabels(first.Chains); job.Labels == nil {
			return fmt.Errorf("-verify: %s records chains given the classes in the training rows' proportions, but run %s records no model.class_counts: the sidecar was edited", sidecar(files[0]), first.Run)
		}
	}
	if s.Init.Kind == "file" {
		// Re-drawing a chain needs every start's reach, so the whole file,
		// and then room to sample.
		if st, err := os.Stat(s.Init.Path); err == nil {
			if err := memlimit.Check(2*float64(st.Size()), "-verify: reading the starting points "+s.Init.Path); err != nil {
				return err
			}
		}
		start, err := workflow.ReadRows(run, s.Init.Path)
		if err != nil {
			return fmt.Errorf("-verify: the starting points %s: %w", s.Init.Path, err)
		}
		job.Start = &start
		if b, err := safefile.ReadFile(s.Init.Path); err != nil {
			return fmt.Errorf("-verify: the starting points: %w; -verify 0 merges without re-drawing", err)
		} else if sha256Hex(b) != first.InitSHA256 {
			return fmt.Errorf("-verify: the starting points %s have changed since the shards were drawn: the chains cannot be re-drawn; use -verify 0 to merge without", s.Init.Path)
		}
	}
	// A re-draw takes as many steps as the sampling did: shown as sample
	// shows its own (a bar on a terminal, a line every 10 s otherwise).
	terminal := false
	if f, ok := stderr.(*os.File); ok {
		terminal = term.IsTerminal(int(f.Fd()))
	}
	// One bar over every chain re-drawn: a bar per chain, each shorter
	// than the 10 s between lines, said nothing for 77 s.
	steps := job.Settings().TotalSteps()
	type redraw struct{ file, chain int }
	var todo []redraw
	for i, info := range infos {
		for _, chain := range pick(info.First, info.Count, k) {
			todo = append(todo, redraw{i, chain})
		}
	}
	bar := progress.Logged(stderr, terminal, 0, len(todo)*steps, "steps", fmt.Sprintf("merge -verify: re-drawing %d chains", len(todo)))
	defer bar.Stop()
	for n, r := range todo {
		job.First, job.Count = r.chain, 1
		job.Progress = func(done, _ int) { bar.Set(n*steps+done, "") }
		drawn, err := workflow.Sample(job)
		if err != nil {
			return fmt.Errorf("-verify: re-drawing chain %d: %w", r.chain, err)
		}
		got, want := merged.Row(r.chain), drawn.Samples.Row(0)
		for j := range want {
			if got[j] != want[j] {
				return fmt.Errorf("%s: chain %d is not what the run draws (column %d: the file has %v, the run draws %v): the shard's rows were changed since sample wrote them; nothing was written",
					files[r.file], r.chain, j+1, got[j], want[j])
			}
		}
	}
	fmt.Fprintf(stderr, "verified up to %d re-drawn chain(s) of each of the %d shards: bit-identical\n", k, len(infos))
	return nil
}

// sampledRun opens the run and checkpoint the shards were drawn from, as
// their sidecars name them, and refuses when the checkpoint there no longer
// holds the content sampled (by hash).
func sampledRun(info shardInfo) (*workflow.Run, error) {
	path, err := findCheckpoint(info)
	if err != nil {
		return nil, err
	}
	run, err := workflow.Open(info.Run, path, info.Weights)
	if err != nil {
		return nil, fmt.Errorf("-verify: %w", err)
	}
	return run, nil
}

// findCheckpoint finds the checkpoint a shard was drawn from by its hash:
// the file of its name in the run's checkpoints/, else any file there
// with its hash (best.safetensors holds a step's content under another
// name).
func findCheckpoint(info shardInfo) (string, error) {
	dir := rundir.CheckpointDir(info.Run)
	named := filepath.Join(dir, info.Checkpoint)
	candidates := []string{named}
	if all, err := checkpoints.List(dir); err == nil {
		candidates = append(candidates, all...)
	}
	candidates = append(candidates, rundir.BestPath(info.Run))
	var why error
	for _, path := range candidates {
		_, hash, err := checkpoints.LoadHashed(path)
		if err == nil && hash == info.CheckpointSHA256 {
			return path, nil
		}
		if path == named && err != nil {
			why = err
		}
	}
	detail := ""
	if why != nil {
		detail = fmt.Sprintf(" (%v)", why)
	}
	return "", fmt.Errorf("-verify: no file in %s holds the checkpoint sampled (%s, sha256 %.12s...)%s: it was pruned since, or the shards were drawn from a copy elsewhere, so the chains cannot be re-drawn; -verify 0 merges on the sidecars' word alone",
		dir, info.Checkpoint, info.CheckpointSHA256, detail)
}

// pick is k chains of first..first+count-1 chosen at random without
// repetition (all of them when k >= count), in increasing order.
func pick(first, count, k int) []int {
	k = min(k, count)
	chosen := map[int]bool{}
	out := make([]int, 0, k)
	for len(out) < k {
		if c := first + rand.IntN(count); !chosen[c] {
			chosen[c] = true
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
