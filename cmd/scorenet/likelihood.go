package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"scorenet/datasets"
	"scorenet/internal/ode"
	"scorenet/likelihood"
	"scorenet/points"
	"scorenet/progress"
	"scorenet/workflow"

	"golang.org/x/term"
)

func likelihoodCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("likelihood", `likelihood -run DIR -in FILE [-out FILE] [-trace exact|hutchinson] [-probes K]
           [-rtol R] [-atol A] [-checkpoint FILE] [-weights ema|raw] [-score network|analytic]

Computes log p(x) for every point of FILE (.csv or .npy, data units) under a
noise-conditional model trained over a range of noise levels (anneal_dsm,
vesde_dsm or edm_dsm), by the probability-flow ODE of the variance-exploding SDE,
solved per point by the adaptive Dormand-Prince 5(4) method. The divergence
along the flow is exact (D Jacobian-vector products per evaluation, no
noise; the default up to D = 100) or Hutchinson's estimate with K Rademacher
probes per point. What is measured is the density of the data perturbed by
N(0, sigma_min^2 I), sigma_min the run's smallest level; the prior at
sigma_max is N(0, sigma_max^2 I). Writes one row per point: log p(x) in nats,
then bits per dimension, -log p/(D ln 2), plus 8 for image runs (8-bit pixels
scaled to [0, 1]: the bound on the discrete NLL for dequantised inputs
(v + u)/256; raw, undequantised pixels give meaningless, even negative,
figures). Prints the mean, the score evaluations and the tolerances.`)
	runDir := fs.String("run", "", "the run `directory` to load (required)")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to load instead of the run's newest valid one; best: the one of the lowest held-out loss")
	weights := weightsFlag(fs)
	in := fs.String("in", "", "the points: a .csv or .npy `file` of shape (n, D), in data units (required)")
	out := fs.String("out", "", "write log p and bits/dim per point to this .csv or .npy `file` (default: CSV on stdout)")
	scoreKind := fs.String("score", "network", "network: the trained model; analytic: the data set's true score and prior (gaussian, gaussian_mixture)")
	lik := likelihoodFlags(fs)
	return &command{flags: fs, run: func() error {
		if err := required(fs, "run", "in"); err != nil {
			return err
		}
		if *scoreKind != "network" && *scoreKind != "analytic" {
			return fmt.Errorf("-score %q: want network or analytic", *scoreKind)
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
		o, err := lik.options(run)
		if err != nil {
			return err
		}
		o.Analytic = *scoreKind == "analytic"
		if err := workflow.CanLikelihood(run); err != nil {
			return err
		}
		pts, err := workflow.ReadRows(run, *in)
		if err != nil {
			return err
		}
		if pts.D != run.Model.Dim() {
			return fmt.Errorf("%s has %d columns, the model's dimension is %d", *in, pts.D, run.Model.Dim())
		}
		for i, v := range pts.X {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%s: row %d, column %d is %v: the points must be finite", *in, i/pts.D+1, i%pts.D+1, v)
			}
		}
		if *out != "" {
			// Two values a point, their rows and their encoding, budgeted
			// with the solve: found wanting only at the writing, the whole
			// solve was lost.
			o.OutputBytes = 16*float64(pts.N) + datasets.EncodedBytes(*out, 2*pts.N)
		}
		if err := o.CheckMemory(pts); err != nil { // before the output's directory is made
			return err
		}
		// Only now, every check passed: a refused command leaves no
		// directory behind.
		if err := prepareOutput("out", *out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "likelihood of %s from %s: %s trace, Dormand-Prince rtol %g, atol %g...\n", counted(pts.N, "point", "points"), *in, o.TraceFor(pts.D), o.Rtol, o.Atol)
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = term.IsTerminal(int(f.Fd()))
		}
		bar := progress.Logged(stderr, terminal, 0, 1000, "thousandths of the flow", "likelihood")
		o.Progress = func(done, _ int) { bar.Set(done, "") }
		res, err := workflow.LogLikelihood(run, pts, o)
		if rowErr := (*ode.RowError)(nil); errors.As(err, &rowErr) {
			err = fmt.Errorf("point %d of %s: %s: the point is too far outside what the model was trained on, or the field is not smooth there", rowErr.Row+1, *in, rowErr.What)
		}
		if err != nil {
			bar.Stop()
			return err
		}
		bar.Finish()
		rows := points.New(pts.N, 2)
		for i, lp := range res.LogP {
			rows.X[2*i], rows.X[2*i+1] = lp, likelihood.BitsPerDim(lp, pts.D, res.BitsOffset)
		}
		summary := stdout
		if *out == "" {
			for i := range rows.N {
				fmt.Fprintf(stdout, "%s,%s\n", strconv.FormatFloat(rows.X[2*i], 'g', -1, 64), strconv.FormatFloat(rows.X[2*i+1], 'g', -1, 64))
			}
			summary = stderr
		} else if err := datasets.WriteBudgeted(*out, rows); err != nil { // budgeted with the solve (OutputBytes)
			return err
		}
		trace := res.Trace
		if res.Probes > 0 {
			trace = fmt.Sprintf("%s, %d probe(s) per point", trace, res.Probes)
		}
		fmt.Fprintf(summary, "mean log p = %.6f nats per point (standard error %.2g; median %.6f), %.6f bits/dim (offset %g); %s trace; %.1f score evaluations per point on average, %d at most (rtol %g, atol %g); %.2f s\n",
			-res.NLL, res.NLLStdErr, -res.NLLMedian, res.BitsPerDim, res.BitsOffset, trace, res.Evaluations, res.MaxEvaluations, res.Rtol, res.Atol, res.Seconds)
		if res.TrueNLL != nil {
			fmt.Fprintf(summary, "true mean log p of these points: %.6f nats (data), %.6f nats (data perturbed by sigma_min %.4g, what the flow measures)\n",
				-*res.TrueNLL, -*res.TrueNLLAtSigmaMin, res.SigmaMin)
		}
		if *out != "" {
			fmt.Fprintf(stdout, "wrote %s\n", *out)
		}
		return nil
	}}
}

// likelihoodSettings are the flags shared by likelihood and eval.
type likelihoodSettings struct {
	trace      *string
	probes     *int
	rtol, atol *float64
	seed       *uint64
}

func likelihoodFlags(fs *flag.FlagSet) likelihoodSettings {
	return likelihoodSettings{
		trace:  fs.String("trace", "", fmt.Sprintf("the divergence: exact or hutchinson (default: exact up to dimension %d; hutchinson for the unet)", workflow.MaxExactDim)),
		probes: fs.Int("probes", 1, "hutchinson: Rademacher probes per point"),
		rtol:   fs.Float64("rtol", 1e-5, "the ODE solver's relative tolerance"),
		atol:   fs.Float64("atol", 1e-5, "the ODE solver's absolute tolerance"),
		seed:   fs.Uint64("probe-seed", 0, "hutchinson: the probes' seed"),
	}
}

func (l likelihoodSettings) options(run *workflow.Run) (workflow.LikelihoodOptions, error) {
	switch {
	case *l.trace != "" && *l.trace != likelihood.Exact && *l.trace != likelihood.Hutchinson:
		return workflow.LikelihoodOptions{}, fmt.Errorf("-trace %q: want exact or hutchinson", *l.trace)
	case *l.probes < 1 || *l.probes > 1<<16:
		return workflow.LikelihoodOptions{}, fmt.Errorf("-probes must be from 1 to %d, got %d", 1<<16, *l.probes)
	case ode.CheckTolerances(*l.rtol, 0.5) != nil:
		return workflow.LikelihoodOptions{}, fmt.Errorf("-rtol must be at least %g (float64 rounding) and below 1, got %v", ode.MinTolerance, *l.rtol)
	case ode.CheckTolerances(0.5, *l.atol) != nil:
		return workflow.LikelihoodOptions{}, fmt.Errorf("-atol must be at least %g (float64 rounding) and below 1 (model units, where the data's spread is about 1), got %v", ode.MinTolerance, *l.atol)
	}
	return workflow.LikelihoodOptions{Trace: *l.trace, Probes: *l.probes, Rtol: *l.rtol, Atol: *l.atol, Seed: *l.seed}.ForRun(run), nil
}
