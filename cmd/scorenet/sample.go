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

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/gemm"
	"scorenet/internal/memlimit"
	"scorenet/nn"
	"scorenet/plots"
	"scorenet/points"
	"scorenet/progress"
	"scorenet/sampler"
	"scorenet/workflow"

	"golang.org/x/term"
	"gorgonia.org/tensor"
)

func sampleCommand(stdout, stderr io.Writer) *command {
	fs := newFlags("sample", `sample -run DIR [-checkpoint FILE] [-out FILE] [-n N] [-plot FILE.png]
       [-sampler langevin|annealed|pc|ode|heun|dpmpp_2m] [-seed S] [-score network|analytic] [-set sample.key=value ...]

Draws samples from a trained score field and writes them in data units, by
plain or annealed Langevin dynamics, the predictor-corrector sampler of the
variance-exploding SDE (pc), or its probability-flow ODE (ode, adaptive
Dormand-Prince; heun, EDM's second-order solver; dpmpp_2m, DPM-Solver++(2M);
each prints the score evaluations per chain; for heun and dpmpp_2m,
sample.steps is the number of noise levels, 25 by default). Defaults come
from the run config's sample section; -set sample.key=value and the flags
below override them. All but langevin need a noise-conditional model (or
-score analytic); plain Langevin on a noise-conditional model uses its
smallest noise level. -score analytic
drives the sampler by the data set's true score (gaussian and
gaussian_mixture data without standardisation), to test the sampler apart
from the learning. Without -out the samples go to samples.csv in the run
directory (samples.npy for images). On a class-conditional run, the chains
take the classes in the training rows' proportions unless -class names
them (or -unlabelled draws without labels), and a table's samples carry
the class column, last.`)
	runDir := fs.String("run", "", "the run `directory` to load (required)")
	checkpoint := fs.String("checkpoint", "", "a checkpoint `file` to load instead of the run's newest valid one; best: the one of the lowest held-out loss")
	weights := weightsFlag(fs)
	out := fs.String("out", "", "where to write the samples: a .csv or .npy `file` (default samples.csv in the run directory, samples.npy for images)")
	fs.Int("n", 0, "number of chains, one sample each (default sample.n)")
	plot := fs.String("plot", "", "also draw the samples over the training data into this PNG `file`")
	fs.String("sampler", "", "langevin, annealed, pc, ode, heun or dpmpp_2m (default sample.sampler)")
	fs.Uint64("seed", 0, "seed of the starting points and the noise (default sample.seed)")
	scoreKind := fs.String("score", "network", "network: the trained model; analytic: the data set's true score")
	snapshots := fs.String("snapshots", "", "write the chains every sample.snapshot_every steps to this .csv `file` (columns step, sigma, chain, x1..xD); image runs: to this directory/, a grid of PNG per snapshot (default: one per noise level)")
	grid := fs.String("grid", "", "image runs: also draw up to 64 samples as a grid into this PNG `file`")
	shard := fs.String("shard", "", "draw only share `k/N` of the chains (k from 0), bit-identical to those rows of the whole run; scorenet merge joins the shards")
	class := fs.String("class", "", "class-conditional runs: the class of every sample, `K`, a list K1,K2,... (chains take them in turn) or all (every class in turn; -grid then draws a row a class)")
	unlabelled := fs.Bool("unlabelled", false, "class-conditional runs: draw without -class from the null label's mixture of the classes (the samples carry no class column) instead of giving the chains the classes in the training rows' proportions")
	fs.Float64("guidance", 0, "classifier-free guidance's weight w with -class: (1+w) s(x, sigma, y) - w s(x, sigma) (default sample.guidance)")
	var sets listFlag
	fs.Var(&sets, "set", "override a sample key, e.g. -set sample.eps=0.05 (`sample.key=value`; repeatable)")
	return &command{flags: fs, run: func() error {
		if err := required(fs, "run"); err != nil {
			return err
		}
		if flagGiven(fs, "out") && *out == "" {
			return fmt.Errorf("-out is empty: give a .csv or .npy file, or leave the flag out for samples.csv in the run directory")
		}
		if *shard != "" && *out == "" {
			return fmt.Errorf("-shard %s writes one file of many: give each shard its own -out (e.g. -out samples-%s.csv)", *shard, strings.ReplaceAll(*shard, "/", "of"))
		}
		snapshotDir := strings.HasSuffix(*snapshots, "/")
		snapshotFile := *snapshots
		if snapshotDir {
			snapshotFile = filepath.Join(*snapshots, "snapshot.png") // a probe of the directory
		}
		run, err := openRun(*runDir, *checkpoint, *weights, stderr)
		if err != nil {
			return err
		}
		if *out == "" {
			*out = filepath.Join(*runDir, "samples.csv")
			if run.Image.Size() > 0 {
				*out = filepath.Join(*runDir, "samples.npy")
			}
		}
		imageDir := strings.HasSuffix(*out, "/") // one PNG per sample
		outFile := *out
		if imageDir {
			outFile = filepath.Join(*out, "samples.npy") // a probe of the directory
		}
		sets = append(sets, flagsAsSets(fs, map[string]string{"n": "sample.n", "sampler": "sample.sampler", "seed": "sample.seed", "guidance": "sample.guidance"})...)
		if *class != "" && *shard != "" {
			return fmt.Errorf("-class: not with -shard (a shard's sidecar records no labels); draw the class's samples in one run")
		}
		cfg, err := sampleConfig(run, "sample", sets, stderr)
		if err != nil {
			return err
		}
		s := &cfg.Sample
		if err := checkClassFlags(fs, sets, s.Guidance, *class); err != nil {
			return err
		}
		if *unlabelled && *class != "" {
			return fmt.Errorf("-unlabelled draws without labels: not with -class %s", *class)
		}
		// A float32 model's chains are float32 in its passes: a start
		// beyond its range overflows at the first step.
		if run.Model.Dtype() == tensor.Float32 && s.Init.Kind != "file" {
			if reach := max(math.Abs(s.Init.Low), math.Abs(s.Init.High), s.Init.Std); reach > maxFloat32Start {
				return fmt.Errorf("sample.init: a start box or spread of %g, beyond the %g a float32 model's passes take (float32 ends at 3.4e38; the run trained with model.dtype float32)", reach, maxFloat32Start)
			}
		}
		var inputs []string
		if s.Init.Kind == "file" {
			inputs = append(inputs, s.Init.Path)
		}
		outputs := []output{{"out", *out}, {"plot", *plot}, {"snapshots", *snapshots}, {"grid", *grid}}
		if *shard != "" && !strings.HasSuffix(*out, "/") {
			outputs = append(outputs, output{"shard's sidecar", sidecar(*out)}) // written beside -out
		}
		if err := guardOutputs(run, inputs, outputs...); err != nil {
			return err
		}
		for flagName, path := range map[string]string{"out": *out, "snapshots": *snapshots} {
			if err := needDataFile(flagName, path); err != nil {
				return err
			}
		}
		for flagName, path := range map[string]string{"plot": *plot, "grid": *grid} {
			if err := needFile(flagName, path, ".png"); err != nil {
				return err
			}
		}
		if err := checkChains(s.N, run.Model, *out); err != nil {
			return err
		}
		if snapshotDir != (run.Image.Size() > 0 && *snapshots != "") {
			return fmt.Errorf("-snapshots %s: image runs write a grid per snapshot into a directory (end the path with /); other runs write one .csv or .npy file", *snapshots)
		}
		if (imageDir || *grid != "") && run.Image.Size() == 0 {
			return fmt.Errorf("-grid and -out DIR/ need an image run (data.dataset idx or images); this one is %d-dimensional points", run.Model.Dim())
		}
		var data *workflow.Data
		if *plot != "" { // before the work: a missing data file fails now
			if data, err = run.Data("sample -plot"); err != nil {
				return err
			}
		} else if _, err := run.Data("the verdict on the samples"); errors.Is(err, workflow.ErrEdited) {
			// Where the data are at hand, a checkpoint they show edited is
			// refused before the work (without them, the verdict says why
			// there is none).
			return err
		}
		job, err := run.RunJob(*s, *scoreKind)
		if err != nil {
			return err
		}
		job.KeepSnapshots = *snapshots != ""
		if snapshotDir && s.SnapshotEvery == 0 { // one grid per noise level; the shard's sidecar records it too
			s.SnapshotEvery = max(1, job.Settings().TotalSteps()/max(1, len(cfg.NoiseLevels())))
			job.Sample.SnapshotEvery = s.SnapshotEvery
		}
		n := s.N
		if s.Init.Kind == "file" {
			start, err := workflow.ReadRows(run, s.Init.Path)
			if err != nil {
				return err
			}
			if start.D != run.Model.Dim() {
				return fmt.Errorf("%s has %d columns, the model's dimension is %d", s.Init.Path, start.D, run.Model.Dim())
			}
			// One chain a row: the file, not sample.n, says how many.
			if err := checkChains(start.N, run.Model, *out); err != nil {
				return fmt.Errorf("sample.init.path %s: %w", s.Init.Path, err)
			}
			if given := flagGiven(fs, "n"); given && s.N != start.N {
				fmt.Fprintf(stderr, "sample.init.kind file: one chain for each of the %d rows of %s; -n %d does not apply\n", start.N, s.Init.Path, s.N)
			}
			n, job.Start = start.N, &start
		}
		if *shard != "" && s.Sampler == "pc" {
			return fmt.Errorf("-shard: the pc sampler's corrector steps by norms averaged over all the chains, so a shard would not match the whole run; use annealed, langevin or ode")
		}
		first, count, err := shardRange(*shard, n)
		if err != nil {
			return err
		}
		job.First, job.Count = first, count
		if job.Labels, err = workflow.ChainLabels(*class, n, run.Config.Model.Classes, run.Config.Model.ClassNames...); err != nil {
			return err
		}
		if *class == "" && !*unlabelled && *scoreKind == "network" {
			if job.Labels = run.MixedLabels(n); job.Labels != nil {
				s.ClassMix, job.Sample.ClassMix = true, true // the sidecar records it
				fmt.Fprintln(stderr, mixSaid(run.Config, job.Labels, *out))
			}
		}
		if *shard == "" {
			job.MaxLost = workflow.DefaultMaxLost // a shard keeps its full count for merge
		}
		if err := checkSnapshots(*snapshots, job); err != nil {
			return err
		}
		// Only now, every check passed: a refused output leaves no
		// directory behind.
		// A later one refused removes the directories the earlier made.
		if _, err := prepareOutputs(output{"out", outFile}, output{"plot", *plot}, output{"snapshots", snapshotFile}, output{"grid", *grid}); err != nil {
			return err
		}
		// The probe is sampling work: after every check, as the sampling.
		if err := chooseSigmaStop(run, cfg, stderr); err != nil {
			return err
		}
		job.Sample.SigmaStop = s.SigmaStop
		terminal := false
		if f, ok := stderr.(*os.File); ok {
			terminal = term.IsTerminal(int(f.Fd()))
		}
		if job.LadderNote != "" {
			fmt.Fprintln(stderr, "sample: "+job.LadderNote)
		}
		total := job.Settings().TotalSteps()
		bar := progress.Logged(stderr, terminal, 0, total, "steps", "sample")
		job.Progress = func(done, _ int) { bar.Set(done, s.Sampler) }
		drawn, err := workflow.Sample(job)
		if err != nil {
			bar.Stop()
			return err
		}
		bar.Finish()
		seconds := drawn.Seconds
		samples := drawn.Samples
		if lost := len(drawn.Lost); lost > 0 {
			fmt.Fprintf(stderr, "warning: %d of %d chains (%.2g%%) diverged and were left out (at most %g%% may be): the samples hold the other %d%s; %s\n",
				lost, count, 100*float64(lost)/float64(count), 100*workflow.DefaultMaxLost, samples.N, lostClasses(drawn.Lost, job.Labels, first), sampler.Remedy(s.Sampler))
		}
		if drawn.Clamped > 0 {
			fmt.Fprintf(stderr, "%.3g%% of the sample's pixel values fell outside [0, 1] and were clamped to it, as image samplers do (the last noise level leaves the background a little below 0)\n",
				100*float64(drawn.Clamped)/float64(len(samples.X)))
		}
		if imageDir {
			// A file each, synced: a hundred thousand take a while, and say so.
			files := progress.Logged(stderr, terminal, 0, samples.N, "files", "writing "+*out)
			for i := 0; i < samples.N; i++ {
				path := filepath.Join(*out, fmt.Sprintf("sample-%06d.png", first+i))
				if err := datasets.WriteImage(path, samples.Row(i), run.Image, 0, 1); err != nil {
					files.Stop()
					return err
				}
				files.Set(i+1, "")
			}
			files.Finish()
		} else if *shard == "" { // a shard is written with its sidecar, below
			table, header, named := withClassColumn(run.Config, samples, drawn.Labels, *out)
			if err := datasets.WriteNamed(*out, table, header, named); err != nil {
				return err
			}
		}
		if *grid != "" {
			images, cols := samples.X[:min(samples.N, 64)*samples.D], 8
			if *class == "all" {
				images, cols = byClass(samples, drawn.Labels, run.Config.Model.Classes)
			}
			if err := datasets.WriteImageGrid(*grid, images, run.Image, cols, 0, 1); err != nil {
				return err
			}
		}
		if *shard == "" && *scoreKind == "network" {
			labels := drawn.Labels
			if s.ClassMix {
				labels = nil // mixed as the data are: judged as a whole
			}
			sayVerdict(run, samples, labels, s.Sampler, stderr)
		}
		if *shard != "" {
			if err := writeShardInfo(*out, samples, run, cfg, n, *shard, *scoreKind); err != nil {
				return err
			}
		}
		if snapshotDir {
			// Tens of thousands of grids take a while, and say so.
			paths, err := writeSnapshotGrids(*snapshots, drawn.Snapshots, run, first, progress.Logged(stderr, terminal, 0, len(drawn.Snapshots), "grids", "writing "+*snapshots))
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintf(stdout, "wrote %s\n", p)
			}
		} else if *snapshots != "" {
			if err := writeSnapshots(*snapshots, drawn.Snapshots, run.Norm, first); err != nil {
				return err
			}
		}
		if *plot != "" {
			title := fmt.Sprintf("%s: %s, %s score", cfg.Name, samplerTitles[s.Sampler], *scoreKind)
			if err := plots.Samples(*plot, title, run.Norm.Invert(plots.Thin(data.Train)), plots.Set{Name: "samples", Points: plots.Thin(samples)}); err != nil {
				return err
			}
		}
		switch {
		case s.Sampler == sampler.KindODE:
			mean, most := drawn.MeanEvaluations()
			fmt.Fprintf(stdout, "sampled %s by the probability-flow ODE (rtol %g, atol %g) in %.2f s: %.1f score evaluations per chain on average, %d at most, into %s\n",
				counted(count, "chain", "chains"), s.Rtol, s.Atol, seconds, mean, most, *out)
		case configs.Solver(s.Sampler):
			_, most := drawn.MeanEvaluations()
			stop := ""
			if s.SigmaStop > 0 {
				stop = fmt.Sprintf(", stopping at %.4g with its noise", s.SigmaStop)
			}
			fmt.Fprintf(stdout, "sampled %s by %s over %d noise levels (rho %g%s) in %.2f s: %d score evaluations per chain, into %s\n",
				counted(count, "chain", "chains"), s.Sampler, s.Steps, s.Rho, stop, seconds, most, *out)
		default:
			fmt.Fprintf(stdout, "sampled %s for %d steps in %.2f s (%.0f chain-steps/s) into %s\n",
				counted(count, "chain", "chains"), total, seconds, float64(count)*float64(total)/seconds, *out)
		}
		for _, path := range []string{*snapshots, *plot, *grid} {
			if path != "" {
				fmt.Fprintf(stdout, "wrote %s\n", path)
			}
		}
		return nil
	}}
}

// samplerTitles name the samplers in figure titles.
var samplerTitles = map[string]string{"langevin": "plain Langevin", "annealed": "annealed Langevin", "pc": "predictor-corrector",
	"ode": "probability-flow ODE", "heun": "EDM's Heun solver", "dpmpp_2m": "DPM-Solver++(2M)"}

// writeSnapshots writes one row per chain and snapshot: step, sigma, chain,
// then the chain's coordinates in data units.
func writeSnapshots(path string, snaps []sampler.Snapshot, norm datasets.Normalizer, first int) error {
	if len(snaps) == 0 {
		return fmt.Errorf("-snapshots needs sample.snapshot_every > 0 (e.g. -set sample.snapshot_every=10)")
	}
	d := len(norm.Mean)
	chains := len(snaps[0].X) / d
	rows := points.New(len(snaps)*chains, d+3)
	for k, s := range snaps {
		x := norm.Invert(points.Points{N: chains, D: d, X: s.X})
		for c := 0; c < chains; c++ {
			row := rows.Row(k*chains + c)
			row[0], row[1], row[2] = float64(s.Step), s.Sigma, float64(first+c)
			copy(row[3:], x.Row(c))
		}
	}
	return datasets.WriteBudgeted(path, rows) // checkSnapshots budgeted the encoding with the sampling
}

// writeSnapshotGrids writes each snapshot of an image run as a grid of up
// to 64 chains, named by its step and noise level, into dir.
func writeSnapshotGrids(dir string, snaps []sampler.Snapshot, run *workflow.Run, first int, bar progress.Bar) ([]string, error) {
	if len(snaps) == 0 {
		return nil, fmt.Errorf("-snapshots: no snapshots were taken (sample.snapshot_every is larger than the run's steps)")
	}
	d := run.Model.Dim()
	var paths []string
	for i, s := range snaps {
		bar.Set(i, "")
		chains := len(s.X) / d
		x := run.Norm.Invert(points.Points{N: chains, D: d, X: s.X})
		k := min(chains, 64)
		path := filepath.Join(dir, fmt.Sprintf("snapshot-step%06d-sigma%.4g-chain%d.png", s.Step, s.Sigma, first))
		if err := datasets.WriteImageGrid(path, x.X[:k*d], run.Image, 8, 0, 1); err != nil {
			bar.Stop()
			return nil, err
		}
		paths = append(paths, path)
	}
	bar.Finish()
	return paths, nil
}

// streamBytes is the memory of a chain's random stream (measured).
const streamBytes = 40

// checkChains refuses a number of chains of model m that cannot be held:
// per chain, its position, its score and the sampler's buffers (about 4
// copies of its D values), its random stream, and its rows of the workers'
// forward passes (nn.ScorerBytes, batch x every layer's width); and after
// the sampling, its copy in data units and its encoding in out (as
// datasets.Encode budgets it; "" when nothing is written), which 3000000
// chains found wanting only once they were drawn.
func checkChains(n int, m nn.Model, out string) error {
	if n > configs.MaxChains {
		return fmt.Errorf("%d chains: the limit is %d", n, configs.MaxChains)
	}
	// Each chain's share of the passes (what a pass of one point more
	// takes), and each worker's fixed part once (the products' blocks).
	pass := nn.ScorerBytes(m, 2) - nn.ScorerBytes(m, 1)
	perChain := 6*8*float64(m.Dim()) + streamBytes + pass
	if out != "" && !strings.HasSuffix(out, "/") { // a directory of PNGs is written a file at a time
		perChain += datasets.EncodedBytes(out, m.Dim())
	}
	fixed := float64(gemm.Threads()) * (nn.ScorerBytes(m, 1) - pass)
	return memlimit.Check(float64(n)*perChain+fixed, fmt.Sprintf("%d chains of dimension %d", n, m.Dim()))
}

// sampleConfig is the run's config with the -set overrides of a command
// that samples (only sample.* keys: the rest belongs to the trained run),
// its eps and churn_max chosen where they are auto (a shard's record then
// holds the numbers), saying so on stderr.
func sampleConfig(run *workflow.Run, command string, sets []string, stderr io.Writer) (*configs.Config, error) {
	for _, s := range sets {
		if !strings.HasPrefix(s, "sample.") && !strings.HasPrefix(s, "sample=") {
			return nil, fmt.Errorf("-set %s: %s changes only sample.* keys; the rest belongs to the trained run", s, command)
		}
	}
	cfg, err := configs.Parse(run.Config.YAML(), run.Checkpoint+" (embedded config)", sets)
	if err != nil {
		return nil, err
	}
	// The data as the run read them: a plain config's defaults for a key
	// the run's config.yaml lacks would prepare other data (eval's).
	cfg.Data = run.Config.Data
	eps, said, err := workflow.ChooseEps(cfg)
	if err != nil {
		return nil, err
	}
	if said != "" {
		cfg.Sample.Eps = eps
		fmt.Fprintln(stderr, said)
	}
	churnMax, said, err := run.ChooseChurnMax(cfg.Sample)
	if err != nil {
		return nil, err
	}
	if said != "" {
		cfg.Sample.ChurnMax = churnMax
		fmt.Fprintln(stderr, said)
	}
	return cfg, nil
}

// chooseSigmaStop resolves cfg's sample.sigma_stop: auto for sample and
// eval, saying what it chose (impute's Langevin has no level to stop at).
func chooseSigmaStop(run *workflow.Run, cfg *configs.Config, stderr io.Writer) error {
	stop, said, err := run.ChooseSigmaStop(cfg.Sample)
	if err != nil {
		return err
	}
	if said != "" {
		cfg.Sample.SigmaStop, cfg.Sample.SigmaStopAuto = stop, false
		fmt.Fprintln(stderr, said)
	}
	return nil
}

// checkSnapshots refuses, before sampling, snapshots that cannot be held:
// every snapshot of every chain is kept until the sampling ends, with a
// copy in data units and three more columns for the file.
//
// It also refuses, before any work, snapshots there would be none of.
func checkSnapshots(path string, job workflow.Job) error {
	every := job.Sample.SnapshotEvery
	switch total := job.Settings().TotalSteps(); {
	case path == "":
		return nil
	case job.Sample.Sampler == sampler.KindODE:
		return fmt.Errorf("-snapshots %s: the ode sampler records no path to snapshot (each chain takes steps of its own, and only its end is kept); use annealed, langevin or pc", path)
	case every <= 0:
		return fmt.Errorf("-snapshots needs sample.snapshot_every > 0 (e.g. -set sample.snapshot_every=10)")
	case every > total:
		return fmt.Errorf("-snapshots %s: sample.snapshot_every %d is more than the sampling's %d steps: there would be no snapshot", path, every, total)
	}
	snaps := float64(job.Settings().TotalSteps() / every)
	// The chains as kept, their copy in data units with three more
	// columns, and the file's bytes as the writer budgets them.
	rows := snaps * float64(job.Count)
	need := rows * float64(job.Dim+3) * datasets.EncodedBytes(path, 1) // linear in the values
	need += rows * 8 * float64(2*job.Dim+3)
	return memlimit.Check(need, fmt.Sprintf("-snapshots %s: %.0f snapshots of %d chains (sample.snapshot_every %d)", path, snaps, job.Count, every))
}

// maxFloat32Start bounds the starting box of a float32 model's chains:
// well inside float32's range, which its products and squares must keep.
const maxFloat32Start = 1e15

// mixSaid says how sample without -class gives the chains their classes.
func mixSaid(cfg *configs.Config, labels []int32, out string) string {
	chains := make([]int, cfg.Model.Classes)
	for _, y := range labels {
		chains[y]++
	}
	var each []string
	for y, c := range chains {
		name := strconv.Itoa(y)
		if y < len(cfg.Model.ClassNames) {
			name = cfg.Model.ClassNames[y]
		}
		if len(each) == 8 {
			each = append(each, fmt.Sprintf("... %d classes in all", len(chains)))
			break
		}
		each = append(each, fmt.Sprintf("%s %d", name, c))
	}
	column := ""
	if c := cfg.Data.LabelColumn; c != "" && !isColumnNumber(c) && strings.EqualFold(filepath.Ext(out), ".csv") { // as withClassColumn writes it
		column = fmt.Sprintf("; each sample's class is written in column %s", c)
	}
	return fmt.Sprintf("classes: without -class the chains take them in the training rows' proportions (model.class_counts): %s%s", strings.Join(each, ", "), column)
}

// checkClassFlags refuses an empty -class, and guidance given now (by the
// flag or -set) without -class: it steers toward a class, and there would
// be none.
func checkClassFlags(fs *flag.FlagSet, sets []string, guidance float64, class string) error {
	given := flagGiven(fs, "guidance") || slices.ContainsFunc(sets, func(s string) bool { return strings.HasPrefix(s, "sample.guidance=") })
	if given && guidance != 0 && class == "" {
		return fmt.Errorf("-guidance steers samples toward a class: give -class too")
	}
	if flagGiven(fs, "class") && class == "" {
		return fmt.Errorf("-class is empty: give a class, a list of them or all")
	}
	return nil
}

// lostClasses says, for labelled chains, which were left out and their
// classes: the rows no longer follow "chain c has class c mod K".
func lostClasses(lost []int, labels []int32, first int) string {
	if labels == nil {
		return ""
	}
	var each []string
	for i, c := range lost {
		if i == 10 {
			each = append(each, fmt.Sprintf("and %d more", len(lost)-10))
			break
		}
		each = append(each, fmt.Sprintf("%d (class %d)", first+c, labels[first+c]))
	}
	return ", in chain order; left out: chain " + strings.Join(each, ", ")
}

// byClass are the samples for a grid of a row per class, as many columns
// as the rarest class has samples (at most 10), and that number.
func byClass(samples points.Points, labels []int32, k int) ([]float64, int) {
	rows := make([][]float64, k)
	for i, y := range labels {
		rows[y] = append(rows[y], samples.Row(i)...)
	}
	cols := 10
	for _, r := range rows {
		cols = min(cols, len(r)/samples.D)
	}
	var out []float64
	for _, r := range rows {
		out = append(out, r[:cols*samples.D]...)
	}
	return out, max(cols, 1)
}

// sayVerdict prints on stderr how the samples compare with the run's data,
// in one line, and a line per warning naming what to change (with labels,
// class by class against each class's data); without the data (its file
// gone) it says why there is none.
func sayVerdict(run *workflow.Run, samples points.Points, labels []int32, kind string, stderr io.Writer) {
	data, err := run.Data("the verdict on the samples")
	if err != nil {
		fmt.Fprintf(stderr, "no verdict on the samples: %v\n", err)
		return
	}
	if labels == nil {
		v, err := workflow.JudgeRun(run, data, samples, kind)
		if err != nil {
			fmt.Fprintf(stderr, "no verdict on the samples: %v\n", err)
			return
		}
		fmt.Fprintln(stderr, v.Summary())
		for _, w := range v.Warnings {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		return
	}
	vs, err := workflow.JudgeRunByClass(run, data, samples, labels, kind)
	if err != nil {
		fmt.Fprintf(stderr, "no verdict on the samples: %v\n", err)
		return
	}
	for _, w := range data.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	for _, v := range vs {
		fmt.Fprintln(stderr, v.Says())
		for _, w := range v.Warnings {
			fmt.Fprintf(stderr, "warning: class %d: %s\n", v.Class, w)
		}
	}
}

// sampleHeader is the header row of a run's samples: the names of the
// columns it learnt, where its data file's header gave them (nil
// otherwise, and for a run trained before data.columns).
func sampleHeader(cfg *configs.Config, d int) []string {
	if len(cfg.Data.Columns) != d {
		return nil
	}
	return cfg.Data.Columns
}

// withClassColumn is what sample writes to out: the samples under their
// header, and, for a class-conditional run of a CSV whose class column
// the header names (iris's species), that column last, each sample's
// class by name (or number, where the classes have none): the samples
// then hold the data's columns, and the run's readers take the class
// column out again as they do the data's. Other runs, outputs and
// samples drawn without labels are written as they are.
func withClassColumn(cfg *configs.Config, samples points.Points, labels []int32, out string) (points.Points, []string, datasets.Named) {
	samples = workflow.SampleRows(cfg, samples)
	header, named := sampleHeader(cfg, samples.D), workflow.NamedColumns(cfg)
	column := cfg.Data.LabelColumn
	if header == nil || len(labels) != samples.N || column == "" || isColumnNumber(column) || !strings.EqualFold(filepath.Ext(out), ".csv") {
		return samples, header, named
	}
	d := samples.D
	table := points.New(samples.N, d+1)
	for i := range samples.N {
		copy(table.X[i*(d+1):], samples.Row(i))
		table.X[i*(d+1)+d] = float64(labels[i])
	}
	if names := cfg.Model.ClassNames; len(names) > 0 {
		withNames := datasets.Named{d: names}
		for j, levels := range named {
			withNames[j] = levels
		}
		named = withNames
	}
	return table, append(slices.Clone(header), column), named
}

// isColumnNumber reports a data.label_column given as a column's number.
func isColumnNumber(column string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(column))
	return err == nil
}
