package main

import (
	"fmt"
	"io"
	"math"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/memlimit"
	"scorenet/points"
	"scorenet/workflow"
)

func scoreCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("score", `score -run DIR [-checkpoint FILE] -in FILE -out FILE

Writes the learned score nabla_x log p(x), in data units, at every point of
the input file: one row per point, D columns, at full float64 precision.
A noise-conditional model is evaluated at -sigma.`)
	runDir := fs.String("run", "", "the run `directory` to load (required)")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to load instead of the run's newest valid one; best: the one of the lowest held-out loss")
	weights := weightsFlag(fs)
	in := fs.String("in", "", "points to score: a .csv or .npy `file` of shape (n, D) (required)")
	out := fs.String("out", "", "where to write the scores: a .csv or .npy `file` (required)")
	batch := fs.Int("batch", 1024, "points per forward pass")
	sigma := fs.Float64("sigma", 0, "noise level for a noise-conditional model, in model units (default: the smallest level it trained at)")
	return &command{flags: fs, run: func() error {
		if err := required(fs, "run", "in", "out"); err != nil {
			return err
		}
		if *batch < 1 || *batch > 1<<20 {
			return fmt.Errorf("-batch must be from 1 to %d, got %d", 1<<20, *batch)
		}
		// The noise levels a config may hold: beyond them sigma's square
		// overflows or underflows, and the scores with it.
		if *sigma != 0 && !(*sigma >= configs.MinNoise && *sigma <= configs.MaxNoise) {
			return fmt.Errorf("-sigma must be from %g to %g (model units, as train.sigmas), got %v", configs.MinNoise, configs.MaxNoise, *sigma)
		}
		run, err := openRun(*runDir, *checkpoint, *weights, stderr)
		if err != nil {
			return err
		}
		// Refused before its directory is made: a refused output leaves
		// nothing behind.
		if err := guardOutputs(run, []string{*in}, output{"out", *out}); err != nil {
			return err
		}
		if err := needDataFile("out", *out); err != nil {
			return err
		}
		pts, err := workflow.ReadRows(run, *in)
		if err != nil {
			return err
		}
		if pts.D != run.Model.Dim() {
			return fmt.Errorf("%s has %d columns, the model in %s scores points of dimension %d", *in, pts.D, run.Checkpoint, run.Model.Dim())
		}
		// The points in model units and their scores, beside the points,
		// and the output file's encoding: budgeted before the work, not
		// found wanting at the writing after it (when the garbage of the
		// network's passes, not yet given back, counts as taken).
		need := 2*8*float64(len(pts.X)) + datasets.EncodedBytes(*out, len(pts.X))
		if err := memlimit.Check(need, fmt.Sprintf("scoring the %d points of %s and writing their scores to %s", pts.N, *in, *out)); err != nil {
			return err
		}
		// Only now, every check passed: a refused command leaves no
		// directory behind.
		if err := prepareOutput("out", *out); err != nil {
			return err
		}
		score, err := run.Scorer(min(*batch, pts.N))
		if err != nil {
			return fmt.Errorf("%w; lower -batch (now %d; results do not depend on it)", err, min(*batch, pts.N))
		}
		s := points.New(pts.N, pts.D)
		if *sigma == 0 {
			*sigma = run.SmallestSigma()
		}
		if err := score(s.X, pts.X, *sigma); err != nil {
			return err
		}
		for i := 0; i < s.N; i++ {
			for _, v := range s.Row(i) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					why := "the point is too far outside what the model was trained on"
					if len(run.Norm.Quantiles) > 0 {
						// The map holds such a value over a stretch of scores:
						// its slope there is 0.
						why += ", or holds a value that a column mapped through its quantiles (data.quantile) takes as a point mass (one that several training rows share, or the column's end), where the density has no slope"
					}
					return fmt.Errorf("the score at point %d of %s is %v: %s; nothing was written", i+1, *in, v, why)
				}
			}
		}
		if err := datasets.WriteBudgeted(*out, s); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "scored %s with %s (step %d) into %s\n", counted(pts.N, "point", "points"), run.Checkpoint, run.Step, *out)
		return nil
	}}
}
