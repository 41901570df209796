package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"scorenet/datasets"
	"scorenet/internal/memlimit"
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

Fills in the missing entries of a table's rows (an empty cell, NA or NaN in
a .csv; NaN in a .npy) by drawing each row's missing entries K times from
the model's conditional given the row's other entries, and writes every row
with its missing entries set to the mean of their K draws (on a column of
a few values, the observed value nearest it). Given entries are written
exactly as given. -draws writes all K completions of each row (K rows per
input row: multiple imputation), -spread each entry's standard deviation
over its draws (0 where given).

The draws are annealed Langevin over the run's noise levels with each
row's given entries held at their values (plain Langevin for a model
without levels), by the checkpoint of the lowest held-out loss: see
docs/CONFIG.md, Filling in missing values.`)
	runDir := fs.String("run", "", "the run `directory` to load (required)")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to load instead of the one of the lowest held-out loss (where the run kept one; else the newest)")
	weights := weightsFlag(fs)
	in := fs.String("in", "", "the rows to complete: a .csv or .npy `file` of shape (n, D) with missing entries (required)")
	out := fs.String("out", "", "where to write the completed rows: a .csv or .npy `file` (required)")
	draws := fs.Int("n", defaultDraws, "completions drawn per row (`K`)")
	drawsOut := fs.String("draws", "", "also write every row's K completions, K consecutive rows per input row, to this .csv or .npy `file`")
	spreadOut := fs.String("spread", "", "also write each entry's standard deviation over its draws to this .csv or .npy `file`")
	fs.Uint64("seed", 0, "seed of the draws (default sample.seed)")
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
		outputs := []output{{"out", *out}, {"draws", *drawsOut}, {"spread", *spreadOut}}
		if err := guardOutputs(run, []string{*in}, outputs...); err != nil {
			return err
		}
		for _, o := range outputs {
			if err := needDataFile(o.flag, o.path); err != nil {
				return err
			}
		}
		sets = append(sets, flagsAsSets(fs, map[string]string{"seed": "sample.seed"})...)
		cfg, err := sampleConfig(run, "impute", sets, stderr)
		if err != nil {
			return err
		}
		s := &cfg.Sample
		if s.Sampler != sampler.KindAnnealed && s.Sampler != sampler.KindLangevin {
			kind := sampler.KindLangevin
			if run.Model.NoiseConditional() {
				kind = sampler.KindAnnealed
			}
			fmt.Fprintf(stderr, "impute draws by %s Langevin, which holds the given entries (the run samples by %s)\n", kind, s.Sampler)
			s.Sampler = kind
			if cfg, err = sampleConfig(run, "impute", append(sets, "sample.sampler="+kind), stderr); err != nil {
				return err
			}
			s = &cfg.Sample
		}
		file, err := datasets.LoadMissing(*in)
		if err != nil {
			return err
		}
		rows := file.Points
		if rows.D != run.Model.Dim() {
			return fmt.Errorf("%s has %d columns, the model in %s has dimension %d", *in, rows.D, run.Checkpoint, run.Model.Dim())
		}
		chains := float64(rows.N) * float64(*draws)
		if err := checkChains(int(min(chains, 1<<40)), run.Model, ""); err != nil {
			return fmt.Errorf("%s: %d rows x %d draws: %w; lower -n", *in, rows.N, *draws, err)
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
		for _, path := range []string{*drawsOut, *spreadOut} {
			if path != "" {
				fmt.Fprintf(stdout, "wrote %s\n", path)
			}
		}
		return nil
	}}
}

// isTerminal is whether f is a terminal (progress bars) or not (log lines).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
