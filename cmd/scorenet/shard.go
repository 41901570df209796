package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/points"
	"scorenet/workflow"
)

// shardRange is the chains [first, first+count) of shard "k/N" of n chains
// (all of them for ""): shard k takes chains k*n/N up to (k+1)*n/N.
func shardRange(spec string, n int) (first, count int, err error) {
	if spec == "" {
		return 0, n, nil
	}
	k, total, err := parseShard(spec)
	if err != nil {
		return 0, 0, err
	}
	if total > n {
		return 0, 0, fmt.Errorf("-shard %s: %d shards of %d chains: want at most one shard a chain", spec, total, n)
	}
	first, last := k*n/total, (k+1)*n/total
	return first, last - first, nil
}

func parseShard(spec string) (k, n int, err error) {
	ks, ns, ok := strings.Cut(spec, "/")
	k, kerr := strconv.Atoi(ks)
	n, nerr := strconv.Atoi(ns)
	if !ok || kerr != nil || nerr != nil || n < 1 || k < 0 || k >= n {
		return 0, 0, fmt.Errorf("-shard %q: want k/N with 0 <= k < N, e.g. 0/4 (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX for k)", spec)
	}
	return k, n, nil
}

// shardInfo is what a shard's sidecar file (OUT.shard.json) records, so that
// merge can check the shards belong together and that none is missing.
type shardInfo struct {
	Run        string `json:"run"`
	Checkpoint string `json:"checkpoint"`
	Step       int    `json:"step"`
	Sample     string `json:"sample"` // the resolved sample settings
	Score      string `json:"score"`
	Chains     int    `json:"chains"` // in all shards
	Shard      int    `json:"shard"`
	Shards     int    `json:"shards"`
	First      int    `json:"first"`
	Count      int    `json:"count"`
}

func sidecar(out string) string { return out + ".shard.json" }

// writeShardInfo writes the sidecar of the shard just written to out.
func writeShardInfo(out string, run *workflow.Run, cfg *configs.Config, n int, spec, score string) error {
	k, total, _ := parseShard(spec)
	first, count, _ := shardRange(spec, n)
	sample, err := json.Marshal(cfg.Sample)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(run.Checkpoint)
	info := shardInfo{Run: filepath.Dir(filepath.Dir(abs)), Checkpoint: filepath.Base(abs), Step: run.Step, Sample: string(sample),
		Score: score, Chains: n, Shard: k, Shards: total, First: first, Count: count}
	b, _ := json.MarshalIndent(info, "", "  ")
	return checkpoints.WriteFileAtomic(sidecar(out), append(b, '\n'))
}

func mergeCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("merge", `merge -out FILE SHARD_FILE...

Joins the shards written by sample -shard k/N into one samples file, in
chain order: the result is bit-identical to one unsharded sample run. It
checks, from each shard's FILE.shard.json, that the shards come from the
same run, checkpoint, sample settings and number of chains, and that every
shard 0..N-1 is there exactly once.`)
	out := fs.String("out", "", "where to write the joined samples: a .csv or .npy `file` (required)")
	return &command{flags: fs, args: true, run: func() error {
		if err := required(fs, "out"); err != nil {
			return err
		}
		files := fs.Args()
		if len(files) == 0 {
			return errors.New("no shard files given (scorenet merge -out FILE SHARD_FILE...)")
		}
		if err := prepareOutput("out", *out); err != nil {
			return err
		}
		merged, err := mergeShards(files)
		if err != nil {
			return err
		}
		if err := datasets.WriteFile(*out, merged); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merged %d shards, %d chains, into %s\n", len(files), merged.N, *out)
		return nil
	}}
}

// mergeShards reads the shards and their sidecars, checks them and joins
// them in chain order.
func mergeShards(files []string) (points.Points, error) {
	var infos []shardInfo
	byShard := map[int]string{}
	for _, f := range files {
		b, err := os.ReadFile(sidecar(f))
		if err != nil {
			return points.Points{}, fmt.Errorf("%s: no shard information (%v): was it written by sample -shard?", f, err)
		}
		var info shardInfo
		if err := json.Unmarshal(b, &info); err != nil {
			return points.Points{}, fmt.Errorf("%s: %v", sidecar(f), err)
		}
		if len(infos) > 0 {
			a := infos[0]
			for _, c := range []struct {
				what       string
				this, that any
			}{{"run", info.Run, a.Run}, {"checkpoint", info.Checkpoint, a.Checkpoint}, {"sample settings", info.Sample, a.Sample},
				{"score", info.Score, a.Score}, {"number of chains", info.Chains, a.Chains}, {"number of shards", info.Shards, a.Shards}} {
				if c.this != c.that {
					return points.Points{}, fmt.Errorf("%s is from another sampling than %s: its %s is %v, not %v", f, files[0], c.what, c.this, c.that)
				}
			}
		}
		if prev, dup := byShard[info.Shard]; dup {
			return points.Points{}, fmt.Errorf("shard %d/%d given twice: %s and %s", info.Shard, info.Shards, prev, f)
		}
		byShard[info.Shard] = f
		infos = append(infos, info)
	}
	total := infos[0].Shards
	var merged points.Points
	for k := range total {
		f, ok := byShard[k]
		if !ok {
			return points.Points{}, fmt.Errorf("shard %d/%d is missing", k, total)
		}
		p, err := datasets.ReadFile(f)
		if err != nil {
			return points.Points{}, err
		}
		_, count, _ := shardRange(fmt.Sprintf("%d/%d", k, total), infos[0].Chains)
		if p.N != count || (merged.D != 0 && p.D != merged.D) {
			return points.Points{}, fmt.Errorf("%s holds %d rows of dimension %d; shard %d/%d should hold %d", f, p.N, p.D, k, total, count)
		}
		merged.D = p.D
		merged.N += p.N
		merged.X = append(merged.X, p.X...)
	}
	return merged, nil
}
