package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"scorenet/checkpoints"
	"scorenet/evaluate"
	"scorenet/progress"
	"scorenet/rundir"

	"golang.org/x/term"
)

func evalCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("eval", `eval -run DIR [-checkpoint FILE] [-samples=false] [-n N] [-seed S]

Measures a trained run and prints JSON, also written to DIR/eval.json:
the training loss (and its two terms) on the held-out split; for data with
a known density (gaussian, gaussian_mixture) the Fisher divergence
1/2 E||s - s_true||^2 on held-out points, absolute and relative to
E||s_true||^2, per noise level for noise-conditional models; and for samples
drawn with the config's sampler, against fresh data: MMD^2 with an RBF
kernel (median-heuristic bandwidth), the energy distance, the sliced
Wasserstein distance and, for mixtures, the fraction of samples nearest each
component beside its weight.`)
	runDir := fs.String("run", "", "the run `directory` (required)")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to evaluate instead of the newest valid one")
	withSamples := fs.Bool("samples", true, "draw samples and compare them with fresh data (the slowest part)")
	n := fs.Int("n", 0, "chains to draw (default sample.n)")
	seed := fs.Uint64("seed", 0, "seed of the samples and of the fresh data")
	return &command{flags: fs, run: func() error {
		if err := required(fs, "run"); err != nil {
			return err
		}
		run, err := rundir.Open(*runDir, *checkpoint)
		if err != nil {
			return err
		}
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = term.IsTerminal(int(f.Fd()))
		}
		bar := progress.New(stderr, terminal, 0, 1, "steps")
		rep, err := evaluate.Run(run, evaluate.Options{Samples: *withSamples, N: *n, Seed: *seed,
			Progress: func(done, total int) { bar.Set(done, fmt.Sprintf("sampling %d/%d", done, total)) }})
		bar.Finish()
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if err := checkpoints.WriteFileAtomic(filepath.Join(*runDir, "eval.json"), b); err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}}
}
