package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/memlimit"
	"scorenet/points"
	"scorenet/workflow"
)

func scoreCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("score", `score -run DIR [-checkpoint FILE] -in FILE -out FILE

Writes the learned score nabla_x log p(x), in data units, at every point of
the input file: one row per point, D columns, at full float64 precision,
under the run's column names where it has them (a category learnt in
binary digits: a column a digit, color.bit1 the least significant; a
category's score is along its learnt place, not in data units). A
noise-conditional model is evaluated at -sigma. On a class-conditional
run, a file that holds the class column is scored given each row's class
(the gradient of log p(x, y)); without it, by the unconditional field.
A value of a column mapped through its quantiles (data.quantile) that its
rows repeat, or beyond its training range, has no score: its cell is left
empty in a .csv, and a .npy output is refused; so has a point with a
missing value (an empty cell, NA, NaN, ?), or a missing class: its row.`)
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
		rows, err := workflow.ReadClassedRows(run, *in)
		if err != nil {
			return err
		}
		pts, labels := rows.Points, rows.Labels
		if pts.D != run.Model.Dim() {
			return fmt.Errorf("%s has %d columns, the model in %s scores points of dimension %d", *in, pts.D, run.Checkpoint, run.Model.Dim())
		}
		// The points in model units and their scores, beside the points,
		// the marks of values without a score, and the output file's
		// encoding: budgeted before the work, not
		// found wanting at the writing after it (when the garbage of the
		// network's passes, not yet given back, counts as taken).
		need := (2*8+1)*float64(len(pts.X)) + datasets.EncodedBytes(*out, len(pts.X))
		if err := memlimit.Check(need, fmt.Sprintf("scoring the %d points of %s and writing their scores to %s", pts.N, *in, *out)); err != nil {
			return err
		}
		// A point with a missing value, or a missing class, has no score:
		// its row is left empty, and scored as a placeholder (0, the
		// null class) that is thrown away; its cells are not named for
		// another reason.
		incomplete, firstIncomplete := incompleteRows(pts, labels)
		if len(incomplete) == pts.N {
			return fmt.Errorf("%s: no point is complete, to score: point %d holds a missing value%s", *in, firstIncomplete+1, rows.UnknownNote())
		}
		for i := range incomplete {
			for j := range pts.D {
				pts.X[i*pts.D+j] = math.NaN()
			}
		}
		blank, blanks, why := noScore(run, pts)
		for i := range incomplete {
			for j := range pts.D {
				blank[i*pts.D+j] = true
				pts.X[i*pts.D+j] = 0
			}
			blanks += pts.D
			if labels != nil && labels[i] < 0 {
				labels[i] = int32(run.Config.Model.Classes) // the null class
			}
		}
		if why == "" && len(incomplete) > 0 {
			why = fmt.Sprintf("point %d holds a missing value", firstIncomplete+1)
		}
		if blanks > 0 && !strings.EqualFold(filepath.Ext(*out), ".csv") {
			return fmt.Errorf("%s: %s, and has no score; -out %s: %w, which leaves such a value's cell empty, or leave the point out", *in, why, *out, datasets.ErrNoBlankCells)
		}
		// Only now, every check passed: a refused command leaves no
		// directory behind.
		if err := prepareOutput("out", *out); err != nil {
			return err
		}
		score, err := run.ClassScorer(min(*batch, pts.N), labels)
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
		for i, v := range s.X {
			if blank[i] {
				s.X[i] = math.NaN() // WriteBlanks' mark of a value that does not exist
				continue
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("the score at point %d of %s is %v: the point is too far outside what the model was trained on; nothing was written", i/s.D+1, *in, v)
			}
		}
		if err := datasets.WriteBlanks(*out, s, workflow.ModelColumnNames(run.Config, s.D)); err != nil {
			return err
		}
		if n := len(incomplete); n > 0 {
			fmt.Fprintf(stderr, "score: %s of %s with a missing value left empty in %s; the first, point %d\n", counted(n, "point", "points"), *in, *out, firstIncomplete+1)
		}
		if rows.UnknownClasses > 0 {
			fmt.Fprintf(stderr, "score: %s a class the run has not, read as missing: their rows left empty (the first, %s)\n", counted(rows.UnknownClasses, "row holds", "rows hold"), rows.FirstUnknownClass)
		}
		if rows.UnknownNames > 0 {
			fmt.Fprintf(stderr, "score: %s %s, read as missing (the first, %s); the run's levels are in its config.yaml (data.categories)\n", counted(rows.UnknownNames, "cell", "cells"), unknownNameWords(rows.UnknownNames), rows.FirstUnknown)
		}
		if noScore := blanks - len(incomplete)*pts.D; noScore > 0 {
			fmt.Fprintf(stderr, "score: %s of %s without a score left empty in %s; the first, %s\n", counted(noScore, "value", "values"), *in, *out, why)
		}
		given := ""
		if labels != nil {
			given = fmt.Sprintf(", each given its class (column %s)", run.Config.Data.LabelColumn)
		}
		fmt.Fprintf(stdout, "scored %s with %s (step %d)%s into %s\n", counted(pts.N, "point", "points"), run.Checkpoint, run.Step, given, *out)
		return nil
	}}
}

// noScore marks the values of pts that have no score (a quantile-mapped
// column's point mass, or beyond its training range: the map's slope is
// infinite or 0 there), counts them and says why the first has none.
func noScore(run *workflow.Run, pts points.Points) (blank []bool, n int, why string) {
	blank = make([]bool, len(pts.X))
	if len(run.Norm.Quantiles) == 0 {
		return blank, 0, ""
	}
	for i, v := range pts.X {
		reason := workflow.NoScore(run.Norm, i%pts.D, v)
		if reason == "" {
			continue
		}
		if n == 0 {
			why = fmt.Sprintf("point %d, %s: %v %s", i/pts.D+1, workflow.ColumnName(run.Config, pts.D, i%pts.D), v, reason)
		}
		blank[i] = true
		n++
	}
	return blank, n, why
}
