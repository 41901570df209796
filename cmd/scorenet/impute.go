package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/term"

	"scorenet/configs"
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

Fills in the missing entries of a table's rows (an empty cell, NA, NaN or ? in
a .csv; NaN in a .npy) by drawing each row's missing entries K times from
the model's conditional given the row's other entries, and writes every row
with its missing entries set to the mean of their K draws (on a column of
a few values, the observed value nearest it), under the input's header
row if it had one, each with its name or index where the input's first
column was the rows' (a missing name kept empty). Given entries are
written as the same numbers, in the shortest form that reads back to each
(0.370 as 0.37), and a name no level of its column holds as given (the
row's other entries completed without it). -draws writes all K
completions of each row (K rows per input row: multiple imputation),
-spread each entry's standard deviation over its draws (0 where given).

For an image run, -in may also be an IDX images file (its 8-bit pixels
scaled as the run's were), and -mask r0:r1,c0:c1 marks pixel rows r0 to
r1-1 and columns c0 to c1-1 of every image missing (inpainting); -grid
draws each image with its hole grey beside seven completions.

The draws are annealed Langevin over the run's noise levels (levels no
more than 1.4 apart between its ends, for a model trained on a continuum
of them), whatever sampler its samples take, with each row's given entries
held at their values (plain Langevin for a model without levels): see
docs/CONFIG.md, impute.`)
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
		if *firstRows < 0 {
			return fmt.Errorf("-rows must be >= 0, got %d", *firstRows)
		}
		run, err := openRunFor(*runDir, *checkpoint, *weights, stderr, "the rows to complete")
		if err != nil {
			return err
		}
		outputs := []output{{"out", *out}, {"draws", *drawsOut}, {"spread", *spreadOut}, {"grid", *grid}}
		inputs := []string{*in}
		if init := run.Config.Sample.Init; init.Kind == "file" && init.Path != "" {
			inputs = append(inputs, init.Path) // the run's, though impute does not start from it
		}
		if err := guardOutputs(run, inputs, outputs...); err != nil {
			return err
		}
		if *spreadOut != "" && *draws < 2 {
			return fmt.Errorf("-spread needs -n of 2 or more draws a row to measure a spread, got %d", *draws)
		}
		for _, o := range outputs[:3] {
			if err := needFile(o.flag, o.path, ".csv", ".npy"); err != nil {
				return err
			}
		}
		if err := needFile("grid", *grid, ".png"); err != nil {
			return err
		}
		if (*mask != "" || *grid != "") && run.Image.Size() == 0 {
			return fmt.Errorf("-mask and -grid need an image run; this one is %d-dimensional points (mark missing entries in -in)", run.Model.Dim())
		}
		sets = append(sets, flagsAsSets(fs, map[string]string{"seed": "sample.seed"})...)
		cfg, err := imputeConfig(run, sets, stderr)
		if err != nil {
			return err
		}
		s := &cfg.Sample
		file, classes, err := readRowsToComplete(run, *in, *mask, *firstRows, *draws, stderr)
		if err != nil {
			return err
		}
		rows := file.Points
		if rows.D != run.Model.Dim() {
			return fmt.Errorf("%s has %d columns, the model in %s has dimension %d", *in, rows.D, run.Checkpoint, run.Model.Dim())
		}
		holes, _ := workflow.RowsWithHoles(rows)
		if err := checkImputeChains(run, *in, len(holes), *draws); err != nil {
			return err
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
		if classes.Of != nil && job.Classes > 0 {
			job.RowClasses = classes.Of
			if s.Guidance != 0 {
				fmt.Fprintf(stderr, "impute: sample.guidance %g is not applied: a row's entries are drawn from its class's conditional, which guidance would push past\n", s.Guidance)
			}
		}
		if err := job.CheckRows(rows); err != nil {
			return rowError(file, err)
		}
		// Every check passed: the outputs' directories are made (and made
		// writable) before the work; a refused one, a failed or
		// interrupted work leave none.
		undo, err := prepareOutputs(outputs...)
		if err != nil {
			return err
		}
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = isTerminal(f)
		}
		if job.LadderNote != "" {
			fmt.Fprintln(stderr, "impute: "+job.LadderNote)
		}
		bar := progress.Logged(stderr, terminal, 0, job.Settings().TotalSteps(), "steps", "impute")
		job.Progress = func(done, _ int) { bar.Set(done, s.Sampler) }
		var done *workflow.Imputed
		err = undoOnSignal(undo, func() (err error) {
			done, err = workflow.Impute(job, rows, *draws)
			return err
		})
		if err != nil {
			bar.Stop()
			undo()
			return rowError(file, err)
		}
		bar.Finish()
		if done.Clamped > 0 {
			fmt.Fprintf(stderr, "%.3g%% of the drawn pixel values fell outside [0, 1] and were clamped to it, as image samplers do\n",
				100*float64(done.Clamped)/float64(done.Missing**draws))
		}
		// The files are written together: a signal while they are written
		// waits until all are, so that they never disagree.
		err = holdingSignals(stderr, func() error {
			// A CSV's header row comes back on each table (budgeted with
			// the encoding: a line of names).
			// and so do the rows' names or index it was read with.
			// A name no level holds was completed as missing, and is
			// written back as given.
			named, echo := workflow.NamedColumns(run.Config), datasets.Echo{Lead: leadOf(file, rows.N), Given: file.Given}
			if classes.Of != nil {
				echo.Among = []datasets.Placed{{Lead: datasets.Lead{Name: classes.Column, Cells: classes.Cells}, At: classes.At}}
			}
			if err := datasets.WriteEchoed(*out, workflow.ImputedRows(run.Config, done.Estimate, rows, 1), file.Header, named, echo); err != nil {
				return err
			}
			if *drawsOut != "" {
				echo.Each = *draws
				if err := datasets.WriteEchoed(*drawsOut, workflow.ImputedRows(run.Config, done.Draws, rows, *draws), file.Header, named, echo); err != nil {
					return err
				}
			}
			if *spreadOut != "" {
				spread := workflow.ValueSpread(run.Config, done.Spread)
				for at := range file.Given {
					spread.X[at[0]*spread.D+at[1]] = 0 // given
				}
				if err := datasets.WriteEchoed(*spreadOut, spread, file.Header, nil, datasets.Echo{Lead: echo.Lead, Among: echo.Among}); err != nil {
					return err
				}
			}
			if *grid != "" {
				return writeInpaintingGrid(*grid, rows, done.Draws, *draws, run.Image)
			}
			return nil
		})
		if err != nil {
			undo()
			return err
		}
		missing := done.Missing
		if datasets.HasBits(file.Categories) { // counted as the file holds them, not by the digits
			missing = 0
			for _, v := range workflow.ValueRows(run.Config, rows).X {
				if math.IsNaN(v) {
					missing++
				}
			}
		}
		missing -= len(file.Given) // given, not missing
		fmt.Fprintf(stdout, "completed %s in %d of %s, %s each, by %s in %.2f s, into %s\n",
			counted(missing, "missing entry", "missing entries"), done.Rows, counted(rows.N, "row", "rows"), counted(*draws, "draw", "draws"), samplerTitles[s.Sampler], done.Seconds, *out)
		for _, path := range []string{*drawsOut, *spreadOut, *grid} {
			if path != "" {
				fmt.Fprintf(stdout, "wrote %s\n", path)
			}
		}
		return nil
	}}
}

// imputeConfig is the run's config with impute's overrides, its sampler
// one that holds given entries: annealed Langevin for a noise-conditional
// model, plain Langevin otherwise, whatever its samples take (saying so
// where the user asked for another); chains start in sample.init's box,
// not from a file of starting points, which has a row per chain.
func imputeConfig(run *workflow.Run, sets []string, stderr io.Writer) (*configs.Config, error) {
	cfg, err := sampleConfig(run, "impute", sets, io.Discard)
	if err != nil {
		return nil, err
	}
	kind := sampler.KindLangevin
	if run.Model.NoiseConditional() && cfg.Sample.Sampler != sampler.KindLangevin {
		kind = sampler.KindAnnealed
	}
	if k := cfg.Sample.Sampler; k != kind {
		if slices.ContainsFunc(sets, func(s string) bool { return strings.HasPrefix(s, "sample.sampler=") }) {
			fmt.Fprintf(stderr, "impute draws by %s, which holds the given entries, not by %s\n", samplerTitles[kind], k)
		}
		sets = append(sets, "sample.sampler="+kind)
	}
	if cfg.Sample.Init.Kind == "file" {
		low, high := -3.0, 3.0
		if run.Image.Size() > 0 {
			low, high = 0, 1
		}
		fmt.Fprintf(stderr, "impute starts its chains uniform in [%g, %g] (model units): sample.init.kind file has a row per sampled chain, not per completion\n", low, high)
		sets = append(sets, "sample.init.kind=uniform", fmt.Sprintf("sample.init.low=%g", low), fmt.Sprintf("sample.init.high=%g", high))
	}
	return sampleConfig(run, "impute", sets, stderr)
}

// checkImputeChains asks the memory budget for rows x draws chains.
func checkImputeChains(run *workflow.Run, in string, rows, draws int) error {
	chains := float64(rows) * float64(draws)
	if err := checkChains(int(min(chains, 1<<40)), run.Model, ""); err != nil {
		return fmt.Errorf("%s: %d rows x %d draws: %w; lower -n or -rows", in, rows, draws, err)
	}
	return nil
}

// rowError names the row of a workflow.RowError by the file's own line
// (or index), and passes other errors on under the file's name.
func rowError(file datasets.File, err error) error {
	var re *workflow.RowError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: %w", file.Path, err)
	}
	col := re.Col
	if col >= 0 { // a model column: the file's, where a category takes binary digits
		col = datasets.ValueColumn(file.Categories, col)
	}
	where := file.Where(re.Row, col)
	if ext := strings.ToLower(filepath.Ext(file.Path)); ext != ".csv" && ext != ".npy" { // an IDX file
		where = fmt.Sprintf("%s image %d (from 0)", file.Path, re.Row)
		if re.Col >= 0 {
			where += fmt.Sprintf(", pixel %d", re.Col)
		}
	}
	return fmt.Errorf("%s: %s", where, re.Msg)
}

// readRowsToComplete reads impute's -in (its first rows rows, 0: all): a
// .csv or .npy table with missing entries, or for an image run an IDX file
// scaled as the run's training pixels were (to the middle of each 8-bit
// value's cell where it was dequantised), refused by its header's shape or
// size before it is read; -mask then marks a rectangle of every image
// missing.
func readRowsToComplete(run *workflow.Run, path, mask string, rows, draws int, stderr io.Writer) (datasets.File, workflow.RowClasses, error) {
	var file datasets.File
	var classes workflow.RowClasses
	var r0, r1, c0, c1 int
	if mask != "" { // before reading: it needs only the run's image shape
		var err error
		if r0, r1, c0, c1, err = parseMask(mask, run.Image); err != nil {
			return datasets.File{}, workflow.RowClasses{}, err
		}
	}
	ext := strings.ToLower(filepath.Ext(path))
	if run.Image.Size() > 0 && ext != ".csv" && ext != ".npy" {
		n, shape, err := datasets.IDXShape(path)
		if err != nil {
			return datasets.File{}, workflow.RowClasses{}, err
		}
		if shape != run.Image {
			return datasets.File{}, workflow.RowClasses{}, fmt.Errorf("%s holds %s images, the run's are %s", path, shape, run.Image)
		}
		if mask == "" {
			return datasets.File{}, workflow.RowClasses{}, fmt.Errorf("%s: an IDX file's images have no missing pixels: mark the ones to fill in with -mask r0:r1,c0:c1", path)
		}
		if rows > 0 {
			n = min(n, rows)
		}
		if err := checkImputeChains(run, path, n, draws); err != nil {
			return datasets.File{}, workflow.RowClasses{}, err
		}
		imgs, _, err := datasets.LoadIDXFirst(path, rows)
		if err != nil {
			return datasets.File{}, workflow.RowClasses{}, err
		}
		for i, v := range imgs.X {
			if run.Config.Data.Dequantize {
				imgs.X[i] = (v + 0.5) / 256
			} else {
				imgs.X[i] = v / 255
			}
		}
		file = datasets.File{Points: imgs, Path: path}
	} else if f, rc, ok, err := workflow.LabelledRows(run, path, true); err != nil {
		return datasets.File{}, workflow.RowClasses{}, err
	} else if ok {
		if err := workflow.CheckHeader(run, path, f); err != nil {
			return datasets.File{}, workflow.RowClasses{}, err
		}
		file, classes = f, rc
		if rc.Unknown > 0 {
			fmt.Fprintf(stderr, "%s: %s a class the run has not (the first, %s), drawn by the model's unconditional field and written back as given; the run's classes are in its config.yaml (model.class_names)\n", path, counted(rc.Unknown, "row holds", "rows hold"), rc.FirstUnknown)
		}
		// A row's class is given as its other entries are: its draws come
		// from its class's field, and it is written back in its place.
		fmt.Fprintf(stderr, "%s: column %s is each row's class (the run's data.label_column): each row's entries are drawn given it, a row without one (or with a class the run has not) by the model's unconditional field, and it is written back as given, a missing one not filled in\n", path, rc.Column)
	} else {
		var err error
		o := workflow.RowsOptions(run, true)
		o.Want.D, o.Want.Rows = datasets.ValueColumns(o.Categories, run.Model.Dim()), rows // as the file holds them
		if file, _, _, err = datasets.LoadTable(path, o); err != nil {
			return datasets.File{}, workflow.RowClasses{}, err
		}
		if err := workflow.CheckHeader(run, path, file); err != nil {
			return datasets.File{}, workflow.RowClasses{}, err
		}
	}
	if rows > 0 && rows < file.N {
		file.Points = points.Points{N: rows, D: file.D, X: file.X[:rows*file.D]}
		if classes.Of != nil {
			classes.Of, classes.Cells = classes.Of[:rows], classes.Cells[:rows]
		}
		maps.DeleteFunc(file.Given, func(at [2]int, _ string) bool { return at[0] >= rows })
	}
	if unknown := len(file.Given); unknown > 0 {
		// A name the model has no level for says nothing it could
		// condition on: the row's other cells are completed without it.
		fmt.Fprintf(stderr, "%s: %s a name that is no level of its category column, which the model cannot condition on: the row's other entries are completed without it, and it is written back as given (the first, %s); the run's levels are in its config.yaml (data.categories)\n",
			path, counted(unknown, "cell holds", "cells hold"), file.FirstUnknown)
	}
	if len(file.LeftOut) > 0 {
		// A user joining the completed rows back by an id looks for it.
		fmt.Fprintf(stderr, "%s: columns the run leaves out (data.leave_out: %s) are read past and not written; the completed rows keep the input's order\n", path, strings.Join(file.LeftOut, ", "))
	}
	if mask == "" {
		return file, classes, nil
	}
	if file.D != run.Image.Size() {
		return datasets.File{}, workflow.RowClasses{}, fmt.Errorf("%s has %d columns, the run's images have %d pixels", path, file.D, run.Image.Size())
	}
	s := run.Image
	for n := range file.N {
		img := file.Row(n)
		for y := r0; y < r1; y++ {
			for x := c0; x < c1; x++ {
				for c := range s.C {
					img[(y*s.W+x)*s.C+c] = math.NaN()
				}
			}
		}
	}
	return file, classes, nil
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

// leadOf is the file's leading columns (an index, the rows' names) for
// its first n rows, the ones completed.
func leadOf(file datasets.File, n int) []datasets.Lead {
	var lead []datasets.Lead
	for _, l := range file.Lead {
		lead = append(lead, datasets.Lead{Name: l.Name, Cells: l.Cells[:min(n, len(l.Cells))]})
	}
	return lead
}
