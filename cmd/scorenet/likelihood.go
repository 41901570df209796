package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

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
sigma_max is N(0, sigma_max^2 I). Writes one row per point (under a header,
log_p,bits_per_dim, in a -out .csv): log p(x) in nats, then bits per
dimension, -log p/(D ln 2), plus 8 for image runs (8-bit pixels
scaled to [0, 1]: the bound on the discrete NLL for dequantised inputs
(v + u)/256; raw, undequantised pixels give meaningless, even negative,
figures). Prints the mean, the score evaluations and the tolerances.

On a class-conditional run, a file that holds the class column gives each
row's joint log p(x, y): log p(x | y) by the flow of its class's field,
plus the log of the class's share of the training rows; without it,
log p(x) by the unconditional field. A point on a value that the rows of a
column mapped through its quantiles (data.quantile) repeat, or on its end
value, each held over a stretch of scores (a point mass: an amount's 0, a
rounded measure many rows share), counts that value by its probability,
the model's mass on the stretch, and the other columns by their density;
the mean then mixes probabilities and densities. A point beyond such a
column's training range, or with a missing value (an empty cell, NA, NaN,
?) or a missing class, has no log p: it is left out of the solve and the
mean, its row's cells left empty in a .csv (a .npy output is then
refused).`)
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
		read, err := workflow.ReadClassedRows(run, *in)
		if err != nil {
			return err
		}
		all, labels := read.Points, read.Labels
		if all.D != run.Model.Dim() {
			return fmt.Errorf("%s has %d columns, the model's dimension is %d", *in, all.D, run.Model.Dim())
		}
		for i, v := range all.X {
			if math.IsInf(v, 0) {
				return fmt.Errorf("%s: row %d, column %d is %v: the points must be finite", *in, i/all.D+1, i%all.D+1, v)
			}
		}
		if *out != "" {
			// Two values a point, their rows and their encoding, budgeted
			// with the solve: found wanting only at the writing, the whole
			// solve was lost.
			o.OutputBytes = 16*float64(all.N) + datasets.EncodedBytes(*out, 2*all.N)
		}
		// Beside the solve: the points with a density, copied out where
		// some have none, and their indexes.
		o.OutputBytes += 8 * float64(len(all.X)+all.N)
		if err := o.CheckMemory(all); err != nil { // before the output's directory is made
			return err
		}
		// A point with a missing value, or none beyond a mapped column's
		// range, has no log p: left out, its row empty.
		incomplete, firstIncomplete := incompleteRows(all, labels)
		for i := range incomplete { // left out anyway: not named for another reason
			for j := range all.D {
				all.X[i*all.D+j] = math.NaN()
			}
		}
		with, without, why := workflow.Densities(run.Norm, run.Config, all)
		with, without = completeOnly(with, all.N, incomplete)
		switch {
		case without == all.N && len(incomplete) > 0:
			return fmt.Errorf("%s: no point is complete and has a density: point %d holds a missing value%s", *in, firstIncomplete+1, read.UnknownNote())
		case without == all.N:
			return fmt.Errorf("%s: no point has a density: %s", *in, why)
		case without > 0 && *out != "" && !strings.EqualFold(filepath.Ext(*out), ".csv"):
			if why == "" {
				why = fmt.Sprintf("point %d holds a missing value", firstIncomplete+1)
			}
			return fmt.Errorf("%s: %s; -out %s: %w, which leaves such a point's row empty, or leave the point out", *in, why, *out, datasets.ErrNoBlankCells)
		}
		pts, row := all, func(k int) int { return k } // point k solved is row(k) of the file
		if without > 0 {
			pts, row = all.Subset(with), func(k int) int { return with[k] }
			o.Indexes = with // each point its own probes, as in the whole file
			if labels != nil {
				labels = subsetLabels(labels, with)
			}
		}
		o.Labels = labels
		// Only now, every check passed: a refused command leaves no
		// directory behind.
		if err := prepareOutput("out", *out); err != nil {
			return err
		}
		if n := len(incomplete); n > 0 {
			fmt.Fprintf(stderr, "likelihood: %s of %s with a missing value left out, their rows empty; the first, point %d\n", counted(n, "point", "points"), *in, firstIncomplete+1)
		}
		if read.UnknownClasses > 0 {
			fmt.Fprintf(stderr, "likelihood: %s a class the run has not, read as missing: their rows left empty (the first, %s)\n", counted(read.UnknownClasses, "row holds", "rows hold"), read.FirstUnknownClass)
		}
		if read.UnknownNames > 0 {
			fmt.Fprintf(stderr, "likelihood: %s %s, read as missing (the first, %s); the run's levels are in its config.yaml (data.categories)\n", counted(read.UnknownNames, "cell", "cells"), unknownNameWords(read.UnknownNames), read.FirstUnknown)
		}
		if noDensity := without - len(incomplete); why != "" && noDensity > 0 {
			fmt.Fprintf(stderr, "likelihood: %s of %s without a density left out, their rows empty; the first, %s\n", counted(noDensity, "point", "points"), *in, why)
		}
		if masses, first := workflow.OnPointMasses(run.Norm, run.Config, pts, o.Indexes); masses > 0 {
			fmt.Fprintf(stderr, "likelihood: %s of %s on a value that a column mapped through its quantiles (data.quantile) repeats, a point mass (the first, %s): log p counts such a value by its probability, the model's mass on its stretch of scores, and the other columns by their density\n",
				counted(masses, "point", "points"), *in, first)
		}
		given := ""
		if labels != nil {
			given = fmt.Sprintf(", each with its class (column %s): log p(x, y)", run.Config.Data.LabelColumn)
		}
		fmt.Fprintf(stderr, "likelihood of %s from %s%s: %s trace, Dormand-Prince rtol %g, atol %g...\n", counted(pts.N, "point", "points"), *in, given, o.TraceFor(pts.D), o.Rtol, o.Atol)
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = term.IsTerminal(int(f.Fd()))
		}
		bar := progress.Logged(stderr, terminal, 0, 1000, "thousandths of the flow", "likelihood")
		o.Progress = func(done, _ int) { bar.Set(done, "") }
		res, err := workflow.LogLikelihood(run, pts, o)
		if rowErr := (*ode.RowError)(nil); errors.As(err, &rowErr) {
			err = fmt.Errorf("point %d of %s: %s: the point is too far outside what the model was trained on, or the field is not smooth there", row(rowErr.Row)+1, *in, rowErr.What)
		}
		if err != nil {
			bar.Stop()
			return err
		}
		bar.Finish()
		rows := points.New(all.N, 2)
		for i := range rows.X {
			rows.X[i] = math.NaN() // a point without a density: WriteBlanks' empty cells
		}
		for k, lp := range res.LogP {
			i := row(k)
			rows.X[2*i], rows.X[2*i+1] = lp, likelihood.BitsPerDim(lp, pts.D, res.BitsOffset)
		}
		summary := stdout
		if *out == "" {
			cell := func(v float64) string {
				if math.IsNaN(v) {
					return ""
				}
				return strconv.FormatFloat(v, 'g', -1, 64)
			}
			for i := range rows.N {
				fmt.Fprintf(stdout, "%s,%s\n", cell(rows.X[2*i]), cell(rows.X[2*i+1]))
			}
			summary = stderr
		} else if err := datasets.WriteBlanks(*out, rows, []string{"log_p", "bits_per_dim"}); err != nil { // budgeted with the solve (OutputBytes)
			return err
		}
		trace := res.Trace
		if res.Probes > 0 {
			trace = fmt.Sprintf("%s, %d probe(s) per point", trace, res.Probes)
		}
		over := ""
		if without > 0 {
			over = fmt.Sprintf(" over the %d of %d points with a density", pts.N, all.N)
		}
		fmt.Fprintf(summary, "mean log p%s = %.6f nats per point (standard error %.2g; median %.6f), %.6f bits/dim (offset %g); %s trace; %.1f score evaluations per point on average, %d at most (rtol %g, atol %g); %.2f s\n",
			over, -res.NLL, res.NLLStdErr, -res.NLLMedian, res.BitsPerDim, res.BitsOffset, trace, res.Evaluations, res.MaxEvaluations, res.Rtol, res.Atol, res.Seconds)
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

// incompleteRows are the points of p (their indexes, in order) with a
// missing value or a missing class (-1), and the first of them (-1 for
// none).
func incompleteRows(p points.Points, labels []int32) (map[int]bool, int) {
	out, first := map[int]bool{}, -1
	for i := range p.N {
		if slices.ContainsFunc(p.Row(i), math.IsNaN) || labels != nil && labels[i] < 0 {
			out[i] = true
			if first < 0 {
				first = i
			}
		}
	}
	return out, first
}

// completeOnly is the indexes of n points, those of with (nil: all of
// them), less the incomplete ones, and how many of the n that leaves out;
// nil where it leaves none out.
func completeOnly(with []int, n int, incomplete map[int]bool) ([]int, int) {
	if with == nil && len(incomplete) == 0 {
		return nil, 0
	}
	if with == nil {
		with = make([]int, n)
		for i := range with {
			with[i] = i
		}
	}
	kept := make([]int, 0, len(with))
	for _, i := range with {
		if !incomplete[i] {
			kept = append(kept, i)
		}
	}
	return kept, n - len(kept)
}

// subsetLabels is labels at the indexes keep.
func subsetLabels(labels []int32, keep []int) []int32 {
	out := make([]int32, len(keep))
	for k, i := range keep {
		out[k] = labels[i]
	}
	return out
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

// unknownNameWords says what n cells of names no level holds are, for
// score's and likelihood's notes: the model has no value there.
func unknownNameWords(n int) string {
	if n == 1 {
		return "holds a name that is no level of its category column, which the model has no value for"
	}
	return "hold a name that is no level of their category column, which the model has no value for"
}
