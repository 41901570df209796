package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"scorenet/configs"
	"scorenet/evaluate"
	"scorenet/internal/safefile"
	"scorenet/progress"

	"golang.org/x/term"
)

func evalCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("eval", `eval -run DIR [-in FILE] [-checkpoint FILE] [-samples=false] [-n N] [-seed S]

Measures a trained run and prints JSON, also written to DIR/eval.json:
the training loss (and its two terms) on the held-out split; for data with
a known density (gaussian, gaussian_mixture) the Fisher divergence
1/2 E||s - s_true||^2 on held-out points, absolute and relative to
E||s_true||^2, per noise level for noise-conditional models; and for samples
drawn with the config's sampler, against fresh data: MMD^2 with an RBF
kernel (median-heuristic bandwidth), the energy distance, the sliced
Wasserstein distance and, for mixtures, the fraction of samples nearest each
component beside its weight; for noise-conditional models trained over a
range of noise levels, the log-likelihood of held-out points by the
probability-flow ODE (see scorenet likelihood), beside the true one where
the density is known.

-in FILE measures against a file's rows instead of the run's held-out
split: rows the run never saw (a test set; a run refitted on every row,
as train -data refits, holds none out). Rows with a missing value, a name
no level of its column holds or a class the run has not are left out,
said.`)
	runDir := fs.String("run", "", "the run `directory` (required)")
	in := fs.String("in", "", "a .csv or .npy `file` of rows to measure against instead of the run's held-out split")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to evaluate instead of the newest valid one; best: the one of the lowest held-out loss")
	weights := weightsFlag(fs)
	withSamples := fs.Bool("samples", true, "draw samples and compare them with fresh data (the slowest part)")
	n := fs.Int("n", 0, "chains to draw (default sample.n)")
	seed := fs.Uint64("seed", 0, "seed of the samples and of the fresh data (as sample -seed)")
	nll := fs.Int("likelihood", 1000, "held-out points whose log-likelihood to compute (0: none)")
	lik := likelihoodFlags(fs)
	var sets listFlag
	fs.Var(&sets, "set", "override a sample key for the samples, e.g. -set sample.eps=0.05 (`sample.key=value`; repeatable)")
	return &command{flags: fs, run: func() error {
		if err := required(fs, "run"); err != nil {
			return err
		}
		if *n < 0 || *n > configs.MaxChains {
			return fmt.Errorf("-n must be from 1 to %d chains (0: sample.n), got %d", configs.MaxChains, *n)
		}
		run, err := openRun(*runDir, *checkpoint, *weights, stderr)
		if err != nil {
			return err
		}
		if run.Config, err = sampleConfig(run, "eval", sets, stderr); err != nil {
			return err
		}
		if *n > 0 {
			if err := checkChains(*n, run.Model, ""); err != nil {
				return fmt.Errorf("-n: %w", err)
			}
		}
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = term.IsTerminal(int(f.Fd()))
		}
		// The bar is made when the sampler says how many steps it takes.
		var bar progress.Bar = progress.Silent
		sampling := func(done, total int) {
			if bar == progress.Silent {
				bar = progress.Logged(stderr, terminal, 0, total, "steps", "eval: sampling")
			}
			bar.Set(done, fmt.Sprintf("sampling %d/%d", done, total))
		}
		if *nll < 0 {
			return fmt.Errorf("-likelihood must be >= 0 points, got %d", *nll)
		}
		lo, err := lik.options(run)
		if err != nil {
			return err
		}
		// Every flag checked, the probe draws as eval's sampling will (its
		// -seed; none where evaluate refuses file starts).
		if *withSamples && run.Config.Sample.Init.Kind != "file" {
			probe := *run.Config
			probe.Sample.Seed = *seed
			if err := chooseSigmaStop(run, &probe, stderr); err != nil {
				return err
			}
			run.Config.Sample.SigmaStop, run.Config.Sample.SigmaStopAuto = probe.Sample.SigmaStop, probe.Sample.SigmaStopAuto
		}
		var heldOut *evaluate.HeldOut
		if *in != "" {
			valid, labels, beyond, left, err := run.HeldOutFrom(*in)
			if err != nil {
				return err
			}
			if valid.N < 2 {
				return fmt.Errorf("-in %s: %d complete row, too few to measure against", *in, valid.N)
			}
			heldOut = &evaluate.HeldOut{Path: *in, Valid: valid, Labels: labels, Beyond: beyond}
			fmt.Fprintf(stderr, "eval: measured against the %d rows of %s instead of the run's held-out split", valid.N, *in)
			if left > 0 {
				fmt.Fprintf(stderr, " (%d left out: a missing value, a name no level holds, or a class the run has not)", left)
			}
			fmt.Fprintln(stderr)
		}
		rep, err := evaluate.Run(run, evaluate.Options{Samples: *withSamples, N: *n, Seed: *seed, Likelihood: *nll, LikelihoodOptions: lo,
			Progress: sampling, HeldOut: heldOut})
		if err != nil {
			bar.Stop()
			return err
		}
		bar.Finish()
		// The results go to stdout even when the run directory cannot take
		// eval.json; the error then names the file.
		path := filepath.Join(*runDir, "eval.json")
		rep.File = path
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		writeErr := safefile.Write(path, append(b, '\n'))
		if writeErr != nil {
			rep.File = ""
			if b, err = json.MarshalIndent(rep, "", "  "); err != nil {
				return err
			}
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			return err
		}
		if rep.Samples != nil && rep.Samples.Verdict != nil {
			fmt.Fprintln(stderr, rep.Samples.Verdict.Summary())
			for _, w := range rep.Samples.Verdict.Warnings {
				fmt.Fprintf(stderr, "warning: %s\n", w)
			}
			for _, v := range rep.Samples.ByClass {
				fmt.Fprintln(stderr, v.Says())
			}
		}
		if writeErr != nil {
			return fmt.Errorf("the results above could not be written to %s: %w", path, writeErr)
		}
		return nil
	}}
}
