package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"scorenet/datasets"
	"scorenet/internal/memlimit"
	"scorenet/points"
	"scorenet/progress"
	"scorenet/sampler"
	"scorenet/workflow"
)

// defaultDraws is impute's -n: enough completions a row for their mean to
// be within a seventh of the conditional's spread, and for a 90% interval
// from their 5th and 95th percentiles.
const defaultDraws = 50

func imputeCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("impute", `impute -run DIR -in FILE -out FILE [-n K] [-draws FILE] [-spread FILE]
       [-mask ROWS,COLS] [-rows N] [-grid FILE.png]

Fills in the missing entries of a table's rows (an empty cell, NA or NaN in
a .csv; NaN in a .npy) by drawing each row's missing entries K times from
the model's conditional given the row's other entries, and writes every row
with its missing entries set to the mean of their K draws (on a column of
a few values, the observed value nearest it). Given entries are written
exactly as given. -draws writes all K completions of each row (K rows per
input row: multiple imputation), -spread each entry's standard deviation
over its draws (0 where given).

For an image run, -in may also be an IDX images file (its 8-bit pixels
scaled as the run's were), and -mask r0:r1,c0:c1 marks pixel rows r0 to
r1-1 and columns c0 to c1-1 of every image missing (inpainting); -grid
draws each image with its hole grey beside seven completions.

The draws are annealed Langevin over the run's noise levels, whatever
sampler its samples take, with each row's given entries held at their
values (plain Langevin for a model without levels): see docs/CONFIG.md,
impute.`)
	runDir := fs.String("run", "", "the run `directory` to load (required)")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to load instead of the run's newest valid one (or its best, where the newest is worse on held-out data); best: the one of the lowest held-out loss")
	weights := weightsFlag(fs)
	in := fs.String("in", "", "the rows to complete: a .csv or .npy `file` of shape (n, D) with missing entries (required)")
	out := fs.String("out", "", "where to write the completed rows: a .csv or .npy `file` (required)")
	draws := fs.Int("n", defaultDraws, "completions drawn per row (`K`)")
	drawsOut := fs.String("draws", "", "also write every row's K completions, K consecutive rows per input row, to this .csv or .npy `file`")
	spreadOut := fs.String("spread", "", "also write each entry's standard deviation over its draws to this .csv or .npy `file`")
	fs.Uint64("seed", 0, "seed of the draws (default sample.seed)")
	mask := fs.String("mask", "", "image runs: mark pixel rows r0..r1-1 and columns c0..c1-1 of every image missing (`r0:r1,c0:c1`)")
	firstRows := fs.Int("rows", 0, "complete only the first `N` rows of -in (0: all)")
	grid := fs.String("grid", "", "image runs: draw up to 8 images, each with its hole and 7 completions, into this PNG `file`")
	var sets listFlag
	fs.Var(&sets, "set", "override a sample key, e.g. -set sample.steps_per_level=200 (`sample.key=value`; repeatable)")
	return &command{flags: fs, run: func() error {
		if err := required(fs, "run", "in", "out"); err != nil {
			return err
		}
		if *draws < 1 || *draws > 100000 {
			return fmt.Errorf("-n must be from 1 to 100000 completions a row, got %d", *draws)
		}
		run, err := openRunFor(*runDir, *checkpoint, *weights, stderr, "the rows to complete")
		if err != nil {
			return err
		}
		outputs := []output{{"out", *out}, {"draws", *drawsOut}, {"spread", *spreadOut}, {"grid", *grid}}
		if err := guardOutputs(run, []string{*in}, outputs...); err != nil {
			return err
		}
		for _, o := range outputs[:3] {
			if err := needDataFile(o.flag, o.path); err != nil {
				return err
			}
		}
		if (*mask != "" || *grid != "") && run.Image.Size() == 0 {
			return fmt.Errorf("-mask and -grid need an image run; this one is %d-dimensional points (mark missing entries in -in)", run.Model.Dim())
		}
		if *firstRows < 0 {
			return fmt.Errorf("-rows must be >= 0, got %d", *firstRows)
		}
		sets = append(sets, flagsAsSets(fs, map[string]string{"seed": "sample.seed"})...)
		// Langevin holds the given entries (sampler.Known): annealed for a
		// noise-conditional model, whatever sampler its samples take.
		cfg, err := sampleConfig(run, "impute", sets, io.Discard)
		if err != nil {
			return err
		}
		if k := cfg.Sample.Sampler; k != sampler.KindAnnealed && k != sampler.KindLangevin {
			kind := sampler.KindLangevin
			if run.Model.NoiseConditional() {
				kind = sampler.KindAnnealed
			}
			sets = append(sets, "sample.sampler="+kind)
		}
		if cfg, err = sampleConfig(run, "impute", sets, stderr); err != nil {
			return err
		}
		s := &cfg.Sample
		rows, err := readRowsToComplete(run, *in, *mask)
		if err != nil {
			return err
		}
		if *firstRows > 0 && *firstRows < rows.N {
			rows = points.Points{N: *firstRows, D: rows.D, X: rows.X[:*firstRows*rows.D]}
		}
		if rows.D != run.Model.Dim() {
			return fmt.Errorf("%s has %d columns, the model in %s has dimension %d", *in, rows.D, run.Checkpoint, run.Model.Dim())
		}
		chains := float64(rows.N) * float64(*draws)
		if err := checkChains(int(min(chains, 1<<40)), run.Model, ""); err != nil {
			return fmt.Errorf("%s: %d rows x %d draws: %w; lower -n or -rows", *in, rows.N, *draws, err)
		}
		// The completions, their estimate and spread, and the files'
		// encodings: budgeted before the work.
		need := 8*float64(len(rows.X))*(3+float64(*draws)) + datasets.EncodedBytes(*out, len(rows.X))
		if *drawsOut != "" {
			need += datasets.EncodedBytes(*drawsOut, len(rows.X)**draws)
		}
		if err := memlimit.Check(need, fmt.Sprintf("completing the %d rows of %s %d times each", rows.N, *in, *draws)); err != nil {
			return err
		}
		job, err := run.RunJob(*s, "network")
		if err != nil {
			return err
		}
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = isTerminal(f)
		}
		total := job.Settings().TotalSteps()
		bar := progress.Logged(stderr, terminal, 0, total, "steps", "impute")
		job.Progress = func(done, _ int) { bar.Set(done, s.Sampler) }
		done, err := workflow.Impute(job, rows, *draws)
		if err != nil {
			bar.Stop()
			return fmt.Errorf("%s: %w", *in, err)
		}
		bar.Finish()
		for _, o := range outputs {
			if err := prepareOutput(o.flag, o.path); err != nil {
				return err
			}
		}
		if err := datasets.WriteBudgeted(*out, done.Estimate); err != nil {
			return err
		}
		if *drawsOut != "" {
			if err := datasets.WriteBudgeted(*drawsOut, done.Draws); err != nil {
				return err
			}
		}
		if *spreadOut != "" {
			if err := datasets.WriteBudgeted(*spreadOut, done.Spread); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "completed %d missing entries in %d of %d rows, %d draws each, by %s Langevin in %.2f s, into %s\n",
			done.Missing, done.Rows, rows.N, *draws, s.Sampler, done.Seconds, *out)
		if *grid != "" {
			if err := writeInpaintingGrid(*grid, rows, done.Draws, *draws, run.Image); err != nil {
				return err
			}
		}
		for _, path := range []string{*drawsOut, *spreadOut, *grid} {
			if path != "" {
				fmt.Fprintf(stdout, "wrote %s\n", path)
			}
		}
		return nil
	}}
}

// readRowsToComplete reads impute's -in: a .csv or .npy table with missing
// entries, or for an image run an IDX file scaled as the run's training
// pixels were (to the middle of each 8-bit value's cell where it was
// dequantised); -mask then marks a rectangle of every image missing.
func readRowsToComplete(run *workflow.Run, path, mask string) (points.Points, error) {
	var rows points.Points
	ext := strings.ToLower(filepath.Ext(path))
	if run.Image.Size() > 0 && ext != ".csv" && ext != ".npy" {
		imgs, shape, err := datasets.LoadIDX(path)
		if err != nil {
			return points.Points{}, err
		}
		if shape != run.Image {
			return points.Points{}, fmt.Errorf("%s holds %s images, the run's are %s", path, shape, run.Image)
		}
		for i, v := range imgs.X {
			if run.Config.Data.Dequantize {
				imgs.X[i] = (v + 0.5) / 256
			} else {
				imgs.X[i] = v / 255
			}
		}
		rows = imgs
	} else {
		file, err := datasets.LoadMissing(path)
		if err != nil {
			return points.Points{}, err
		}
		rows = file.Points
	}
	if mask == "" {
		return rows, nil
	}
	r0, r1, c0, c1, err := parseMask(mask, run.Image)
	if err != nil {
		return points.Points{}, err
	}
	if rows.D != run.Image.Size() {
		return points.Points{}, fmt.Errorf("%s has %d columns, the run's images have %d pixels", path, rows.D, run.Image.Size())
	}
	s := run.Image
	for n := range rows.N {
		img := rows.Row(n)
		for y := r0; y < r1; y++ {
			for x := c0; x < c1; x++ {
				for c := range s.C {
					img[(y*s.W+x)*s.C+c] = math.NaN()
				}
			}
		}
	}
	return rows, nil
}

// parseMask reads -mask r0:r1,c0:c1, a rectangle inside images of shape s.
func parseMask(mask string, s datasets.Image) (r0, r1, c0, c1 int, err error) {
	bad := fmt.Errorf("-mask %q: want r0:r1,c0:c1, pixel rows r0 to r1-1 and columns c0 to c1-1 of the run's %dx%d images, e.g. %d:%d,0:%d for the bottom half", mask, s.H, s.W, s.H/2, s.H, s.W)
	if _, e := fmt.Sscanf(mask, "%d:%d,%d:%d", &r0, &r1, &c0, &c1); e != nil || fmt.Sprintf("%d:%d,%d:%d", r0, r1, c0, c1) != mask {
		return 0, 0, 0, 0, bad
	}
	if r0 < 0 || r0 >= r1 || r1 > s.H || c0 < 0 || c0 >= c1 || c1 > s.W {
		return 0, 0, 0, 0, bad
	}
	if r1-r0 == s.H && c1-c0 == s.W {
		return 0, 0, 0, 0, fmt.Errorf("-mask %q covers the whole image: there is nothing to complete it from (use scorenet sample)", mask)
	}
	return r0, r1, c0, c1, nil
}

// writeInpaintingGrid draws up to 8 of the rows, each with its missing
// pixels grey, beside up to 7 of its completions.
func writeInpaintingGrid(path string, rows, draws points.Points, perRow int, s datasets.Image) error {
	shown, cols := min(rows.N, 8), 1+min(perRow, 7)
	var imgs []float64
	for r := range shown {
		for _, v := range rows.Row(r) {
			if math.IsNaN(v) {
				v = 0.5
			}
			imgs = append(imgs, v)
		}
		for k := range cols - 1 {
			imgs = append(imgs, draws.Row(r*perRow+k)...)
		}
	}
	return datasets.WriteImageGrid(path, imgs, s, cols, 0, 1)
}

// isTerminal is whether f is a terminal (progress bars) or not (log lines).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
