package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"unicode"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/losses"
	"scorenet/rundir"
	"scorenet/workflow"
)

// needDataFile refuses, before any work, an output of points (samples,
// scores, log-likelihoods, snapshots) that is neither .csv nor .npy: the
// writer would refuse it only once the work was done. "" and a directory
// (ending in /) pass.
func needDataFile(flag, path string) error {
	if path == "" || strings.HasSuffix(path, "/") {
		return nil
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil // prepareOutput says it is a directory
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".csv" && ext != ".npy" {
		return fmt.Errorf("-%s %s: unknown extension %q, want .csv or .npy", flag, path, filepath.Ext(path))
	}
	return nil
}

// needFile refuses, before any work, an output that must be one file with
// one of the extensions exts: a path ending in / or naming a directory,
// or another extension ("" passes).
func needFile(flag, path string, exts ...string) error {
	if path == "" {
		return nil
	}
	if info, err := os.Stat(path); strings.HasSuffix(path, "/") || err == nil && info.IsDir() {
		return fmt.Errorf("-%s %s: is a directory, want a %s file", flag, path, strings.Join(exts, " or "))
	}
	if ext := strings.ToLower(filepath.Ext(path)); !slices.Contains(exts, ext) {
		return fmt.Errorf("-%s %s: unknown extension %q, want %s", flag, path, filepath.Ext(path), strings.Join(exts, " or "))
	}
	return nil
}

// prepareOutputs is prepareOutput for each output in turn; where one is
// refused, the directories the ones before it made are removed again (if
// still empty), so that a refused command leaves nothing behind. undo
// removes them the same way, for a command whose work then fails.
func prepareOutputs(outputs ...output) (undo func(), err error) {
	var made []string // directories made, outermost first per output
	undo = func() {
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i]) // only if empty
		}
	}
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		var missing []string
		for dir := filepath.Dir(o.path); ; dir = filepath.Dir(dir) {
			if _, err := os.Lstat(dir); err == nil || dir == filepath.Dir(dir) {
				break
			}
			missing = append(missing, dir)
		}
		err := prepareOutput(o.flag, o.path)
		for i := len(missing) - 1; i >= 0; i-- {
			if info, statErr := os.Lstat(missing[i]); statErr == nil && info.IsDir() {
				made = append(made, missing[i])
			}
		}
		if err != nil {
			undo()
			return func() {}, err
		}
	}
	return undo, nil
}

// undoOnSignal runs work with SIGINT, SIGTERM and SIGHUP caught: a signal during it
// runs undo (removing the outputs' new, empty directories) and ends the
// command with exit 130, as the signal would have.
func undoOnSignal(undo func(), work func() error) error {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case <-signals:
			undo()
			os.Exit(130)
		case <-done:
		}
	}()
	err := work()
	signal.Stop(signals)
	close(done)
	return err
}

// holdingSignals runs write with SIGINT, SIGTERM and SIGHUP held: a signal that
// comes while the files are written takes effect once they all are (the
// command then exits 130, saying so), so that they are never half of
// them, or disagree.
func holdingSignals(stderr io.Writer, write func() error) error {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	err := write()
	select {
	case sig := <-signals:
		if err != nil {
			fmt.Fprintf(stderr, "scorenet: %v\n", err)
		} else {
			fmt.Fprintf(stderr, "scorenet: %v while writing: the files were finished first\n", sig)
		}
		os.Exit(130)
	default:
	}
	return err
}

// unsettled says why where path leads is not settled before the command
// writes (empty when it is): a ".." after a directory that does not exist
// or after a link (Go's paths, filepath.Join and Clean, drop "dir/.." by
// the text, the kernel goes to the parent of where the link leads, and of
// a directory not made yet no one knows), or a directory on the way that
// is a link leading nowhere yet (it leads somewhere once another output
// makes its target). Each let an output through its guards into another
// run: "new/../L/../config.yaml" (L a link to a run) once -out made new/;
// output.dir "x/L/../checkpoints/new" (L a link to a run's checkpoints/);
// "DL/config.yaml" with DL a link to "nd/../L/.." before -out made nd/.
func unsettled(path string) string {
	sep := string(filepath.Separator)
	parts := strings.Split(path, sep)
	linked := false
	for i := 1; i < len(parts); i++ {
		prefix := strings.Join(parts[:i], sep)
		if prefix == "" {
			prefix = sep
		}
		_, statErr := os.Stat(prefix)
		if info, err := os.Lstat(prefix); err == nil && info.Mode()&os.ModeSymlink != 0 {
			linked = true
			if statErr != nil {
				return fmt.Sprintf("%s is a link that leads nowhere yet, so where the path leads is only known once something is made there", prefix)
			}
		}
		if parts[i] == ".." && (statErr != nil || linked) {
			return "has '..' after a link or a directory that does not exist yet, where the kernel and the path's text disagree on where it leads"
		}
	}
	return ""
}

// prepareOutput makes sure the file a flag names can be written, before any
// work that its failure would waste: its directory is created, and a file
// is made and removed there.
func prepareOutput(flagName, path string) error {
	if path == "" {
		return nil
	}
	// Before making any directory: a refused output leaves nothing behind
	// (a folder named like the next checkpoint stopped a resume).
	// (guardOutputs then refuses it, saying which run's file it is).
	if _, ok := anyRunsFile(path); ok {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-%s %s: cannot create its directory: %w", flagName, path, err)
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("-%s %s: is a directory, want a file", flagName, path)
	}
	f, err := os.CreateTemp(dir, ".scorenet-check-*")
	if err != nil {
		return fmt.Errorf("-%s %s: cannot write in %s: %w", flagName, path, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// flagsAsSets turns the flags of fs that the user gave and that stand for
// config keys (flag name -> key) into key=value overrides, so that they are
// checked, and named in errors, as the config's own keys are.
func flagsAsSets(fs *flag.FlagSet, keys map[string]string) []string {
	var sets []string
	fs.Visit(func(f *flag.Flag) {
		if key, ok := keys[f.Name]; ok {
			sets = append(sets, configs.FlagOverride(f.Name, key, f.Value.String()))
		}
	})
	return sets
}

// weightsFlag adds the -weights flag of the commands that read a run.
func weightsFlag(fs *flag.FlagSet) *string {
	return fs.String("weights", "", "ema: the moving average of the parameters (the default where the run kept one, train.ema); raw: the parameters as trained")
}

// openRun opens a run for a reader command, with the weights asked for,
// saying on stderr which newer checkpoints it skipped and why.
//
// Where the newest checkpoint is worse on held-out data than the run's
// best, it takes the best: always for the losses that fit a density
// (exact, sliced), which overfit a small table until their chains
// diverge; for a denoising model when the newest's held-out loss, as
// metrics.jsonl records it, is above the best's by more than the noise of
// that loss (overNoise). On the real tables of docs/CONFIG.md the best
// then sampled better (iris: nearest-row ratio 0.84 against 0.69 by heun;
// diabetes: spread gap 0.05 against 0.06) and imputed better (wine: RMSE
// 1.08 against 1.11, coverage of the 90% interval 0.91 against 0.44).
func openRun(dir, checkpoint, weights string, stderr io.Writer) (*workflow.Run, error) {
	return openRunFor(dir, checkpoint, weights, stderr, "")
}

// openRunFor is openRun for a command that completes new rows, why naming
// them, for its message ("" is openRun).
func openRunFor(dir, checkpoint, weights string, stderr io.Writer, why string) (*workflow.Run, error) {
	run, err := workflow.Open(dir, checkpoint, weights)
	if err != nil {
		return nil, err
	}
	for _, e := range run.Skipped {
		fmt.Fprintf(stderr, "skipping a checkpoint that does not load: %v\n", e)
	}
	denoising, _ := losses.NoiseConditional(run.Config.Train.Loss)
	if checkpoint == "" && run.Best != nil && run.Best.Step != run.Step && (!denoising || newestWorse(run)) && !newestNearer(run) {
		best, err := workflow.Open(dir, "best", weights)
		if err == nil && best.Step == run.Best.Step {
			reason := "the newest checkpoint, step %d, is worse on held-out data"
			if why != "" {
				reason = why + " are new rows, and the newest checkpoint, step %d, is worse on held-out data"
			}
			fmt.Fprintf(stderr, "using %s (step %d, held-out loss %.6g): "+reason+"; -checkpoint %s for it\n",
				best.Checkpoint, best.Step, run.Best.Loss, run.Step, run.Checkpoint)
			return best, nil
		}
	}
	return run, nil
}

// overNoise is how far above the lowest held-out loss (as a share of it)
// a denoising run's newest checkpoint's must be to count as worse. On a
// 3-D Gaussian of 4000 rows, whose held-out loss stays flat, the newest
// was 0.3% above the lowest, and its conditional draws were the better
// (variances 12% and 7% above the truth, against 16% and 15% for the
// lowest's: TestImputeFollowsTheGaussianConditional); two-moons' newest
// was 0.4% above, the samples of both as good. On real tables the newest
// was 1% (breast cancer, swiss roll) to 260% (wine) above.
const overNoise = 0.005

// newestWorse is whether the run's newest checkpoint's held-out loss, as
// metrics.jsonl records it, is above its lowest by more than overNoise
// (false where it is not recorded: the newest is kept).
func newestWorse(run *workflow.Run) bool {
	_, valid, err := rundir.ReadMetrics(run.Dir, 1<<20, io.Discard)
	if err != nil {
		return false
	}
	for i := len(valid) - 1; i >= 0; i-- {
		if r := valid[i]; r.Step == run.Step {
			return r.Valid.Loss > run.Best.Loss+overNoise*math.Abs(run.Best.Loss)
		}
	}
	return false
}

// newestNearer is whether a run that followed its samples' nearness
// (train.nearness) trained on past its best held-out loss because the
// samples there were diffuse: the best's recorded nearest-row ratio is
// above 1 beyond its standard error, as train.nearness judges it, and the
// newest's nearer 1 (in ratio). Its newest is the
// checkpoint its training chose, and is kept: on MASS's biopsy (683
// rows of scores from 1 to 10) the best's samples were 1.70 times as far
// from the training rows as held-out rows, their spread 0.76 of the
// data's, and the newest's 0.99 and 0.93.
func newestNearer(run *workflow.Run) bool {
	records, _, err := rundir.ReadMetrics(run.Dir, 1<<20, io.Discard)
	if err != nil || !run.Config.Train.Nearness {
		return false
	}
	var atBest, bestErr, atNewest float64
	for _, r := range records {
		switch {
		case r.Nearest == 0:
		case r.Step == run.Best.Step:
			atBest, bestErr = r.Nearest, r.NearestError
		case r.Step == run.Step:
			atNewest = r.Nearest
		}
	}
	return atBest > math.Exp(bestErr) && atNewest > 0 && math.Abs(math.Log(atNewest)) < math.Log(atBest)
}

// output is a path a command will write: a file, or a directory of files
// (a path ending in /).
type output struct {
	flag, path string
}

// guardOutputs refuses, before any work, outputs that would overwrite what
// the command reads or what the run is made of: an input file of the
// command, the run's training data (or a file in its folder of images),
// the run's own files (config.yaml, metrics.jsonl, the lock, anything in
// checkpoints/), or another output of the same command. A path with a
// control character is refused too: the "wrote PATH" lines on stdout must
// say one path a line.
func guardOutputs(run *workflow.Run, inputs []string, outputs ...output) error {
	inputs = append(slices.Clip(inputs), run.Checkpoint) // the checkpoint read is an input wherever it lies
	own, ownDirs := rundir.Files(run.Dir)
	dataFiles, dataDirs := dataPaths(run.Config.Data)
	written := map[string]string{}
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		if strings.ContainsFunc(o.path, breaksLines) {
			return fmt.Errorf("-%s %q: the path holds a newline, a line separator or another control character; choose a plain path", o.flag, o.path)
		}
		if why := unsettled(o.path); why != "" {
			return fmt.Errorf("-%s %s: %s; name a settled path", o.flag, o.path, why)
		}
		isDir := strings.HasSuffix(o.path, "/")
		for _, f := range slices.Concat(inputs, dataFiles, own) {
			if f != "" && !isDir && samePath(o.path, f) {
				return fmt.Errorf("-%s %s: would overwrite %s, which %s", o.flag, o.path, f, whatIs(f, inputs, dataFiles))
			}
		}
		for _, d := range slices.Concat(dataDirs, ownDirs) {
			if within(o.path, d) || (!isDir && linkedInto(o.path, d)) {
				return fmt.Errorf("-%s %s: would write into %s, which %s", o.flag, o.path, d, whatIs(d, nil, dataDirs))
			}
		}
		if strings.HasSuffix(o.path, ".shard.json") && o.flag != "shard's sidecar" {
			return fmt.Errorf("-%s %s: a shard's sidecar name (merge reads such files); choose another name", o.flag, o.path)
		}
		if run, ok := anyRunsFile(o.path); ok {
			return fmt.Errorf("-%s %s: would write into the files of run %s (only training writes them)", o.flag, o.path, run)
		}
		key := canonical(o.path)
		if other, ok := written[key]; ok {
			return fmt.Errorf("-%s %s: the same path as -%s", o.flag, o.path, other)
		}
		written[key] = o.flag
	}
	// One output inside another's path: the first written is a file where
	// the other needs a directory.
	for _, a := range outputs {
		for _, b := range outputs {
			if a.path != "" && b.path != "" && a != b && !strings.HasSuffix(a.path, "/") && within(b.path, a.path) {
				return fmt.Errorf("-%s %s: inside -%s %s, which is a file", b.flag, b.path, a.flag, a.path)
			}
		}
	}
	// Two names of one existing file (a hard link) are one output too.
	for i, a := range outputs {
		for _, b := range outputs[i+1:] {
			if a.path != "" && b.path != "" && sameExistingFile(a.path, b.path) {
				return fmt.Errorf("-%s %s: the same file as -%s %s (a hard link)", b.flag, b.path, a.flag, a.path)
			}
		}
	}
	// A directory output's files have names of the command's choosing
	// (sample-000001.png, snapshot-...png): a file output inside it may be
	// one of them, and one of the two would be lost.
	for _, d := range outputs {
		if !strings.HasSuffix(d.path, "/") {
			continue
		}
		for _, o := range outputs {
			if o.path != "" && o.path != d.path && within(o.path, d.path) && canonical(filepath.Dir(o.path)) == canonical(d.path) && chosenName.MatchString(filepath.Base(o.path)) {
				return fmt.Errorf("-%s %s: a name of the files -%s %s gets; write it elsewhere", o.flag, o.path, d.flag, d.path)
			}
		}
	}
	return nil
}

// anyRunsFile reports whether path (its links followed) is one of the
// files of any scorenet run directory, not only the one being read: in a
// run's checkpoints/, or its config.yaml, metrics.jsonl or lock. A run
// directory is known by its config.yaml beside its checkpoints/.
func anyRunsFile(path string) (run string, ok bool) {
	// As written too, not only with its links followed: a run's
	// checkpoints/ that is a link (to a folder still empty) is known by
	// its name only before it is followed.
	if run, ok := runsFileAt(canonical(strings.TrimSuffix(path, "/"))); ok {
		return run, true
	}
	abs, err := filepath.Abs(strings.TrimSuffix(path, "/"))
	if err != nil {
		return "", false
	}
	return runsFileAt(abs)
}

// runsFileAt is anyRunsFile for one spelling p of the path.
func runsFileAt(p string) (run string, ok bool) {
	isRun := func(dir string) bool {
		info, err := os.Stat(filepath.Join(dir, "checkpoints"))
		if err != nil || !info.IsDir() {
			return false
		}
		_, err = os.Stat(rundir.ConfigPath(dir))
		return err == nil
	}
	own, _ := rundir.Files("")
	// Beside training's own files: its sample figure and eval's report.
	own = append(own, "samples-latest.png", "eval.json")
	for dir := p; ; dir = filepath.Dir(dir) { // p itself: a directory output may be a run's checkpoints/
		if filepath.Base(dir) == "checkpoints" && isRun(filepath.Dir(dir)) {
			return filepath.Dir(dir), true
		}
		// Below a name a run's own file has (a directory made there, as
		// .lock/x, would stop the run's training).
		if dir != p && isRun(filepath.Dir(dir)) && slices.ContainsFunc(own, func(f string) bool { return filepath.Base(f) == filepath.Base(dir) }) {
			return filepath.Dir(dir), true
		}
		// A run's checkpoints/ may be a link to a folder of another name
		// (on a larger disk): known by what it holds.
		if holdsCheckpoints(dir) {
			return dir, true
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	for _, f := range own {
		if filepath.Base(p) == filepath.Base(f) && isRun(filepath.Dir(p)) {
			return filepath.Dir(p), true
		}
	}
	return "", false
}

// holdsCheckpoints is whether dir holds a file named as training names its
// checkpoints, step-NNNNNNNNN.safetensors (nine digits or more): the checkpoints
// of some run, wherever that run is. A best.safetensors alone is not
// enough: the name is common outside scorenet.
func holdsCheckpoints(dir string) bool {
	// Read, not globbed: a folder named "st[1]" is a pattern to Glob, and
	// matched st1 instead. Nine digits or more: from step 10^9, ten.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if checkpoints.IsName(e.Name()) {
			return true
		}
	}
	return false
}

// chosenName matches the names sample gives the files of a directory
// output: one PNG per sample, one grid per snapshot.
var chosenName = regexp.MustCompile(`^(sample-\d{6,}|snapshot-.*)\.png$`)

// sameExistingFile is whether a and b both exist and are one file.
func sameExistingFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && sa.Mode().IsRegular() && os.SameFile(sa, sb)
}

// whatIs says what a protected path is, for the error.
func whatIs(path string, inputs, data []string) string {
	switch {
	case slices.Contains(inputs, path):
		return "this command reads"
	case slices.Contains(data, path):
		return "is the run's training data"
	}
	return "belongs to the run (only training writes it)"
}

// canonical is path made absolute with the links of its existing part
// resolved, so that two names of one file compare equal.
func canonical(path string) string {
	p := physical(path)
	// A link, even one to nothing yet, is written through: follow it.
	for range 40 {
		info, err := os.Lstat(p)
		if err != nil || info.Mode()&os.ModeSymlink == 0 {
			break
		}
		target, err := os.Readlink(p)
		if err != nil {
			break
		}
		if !filepath.IsAbs(target) {
			target = filepath.Dir(p) + string(filepath.Separator) + target
		}
		p = physical(target)
	}
	return p
}

// physical is path as the kernel resolves it: its longest existing prefix
// with every link followed in order, so that a ".." after a link leaves
// the link's target (x/L/../f is f beside L's target, not x/f, as a
// lexical clean would have it), and the rest, which does not exist yet,
// joined on.
func physical(path string) string {
	raw := path
	if !filepath.IsAbs(raw) {
		if wd, err := os.Getwd(); err == nil {
			raw = wd + string(filepath.Separator) + raw
		}
	}
	parts := strings.Split(raw, string(filepath.Separator))
	for i := len(parts); i >= 1; i-- {
		prefix := strings.Join(parts[:i], string(filepath.Separator))
		if prefix == "" {
			prefix = string(filepath.Separator)
		}
		if real, err := filepath.EvalSymlinks(prefix); err == nil {
			return filepath.Join(append([]string{real}, parts[i:]...)...)
		}
	}
	return filepath.Clean(raw)
}

// samePath reports whether a and b name one file: the same canonical path,
// or (hard links) the same file on disk.
func samePath(a, b string) bool {
	if canonical(a) == canonical(b) {
		return true
	}
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

// within reports whether path is dir or lies below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(canonical(dir), canonical(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// linkedInto reports whether path is an existing file with more than one
// name, one of them in directory dir: writing it would write there.
func linkedInto(path, dir string) bool {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	if st, ok := info.Sys().(*syscall.Stat_t); !ok || st.Nlink < 2 {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if other, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && os.SameFile(info, other) {
			return true
		}
	}
	return false
}

// guardRunFiles refuses an output path that is one of the files of the run
// in dir (its own files, its checkpoints, its training data), read from
// the run's config.yaml: merge knows its run only from the shards.
func guardRunFiles(dir, path string, init string) error {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() || strings.ContainsFunc(dir, breaksLines) {
		return fmt.Errorf("-out %s: the run the shards were drawn from, %q, is not there to check the output against: merge next to the run", path, dir)
	}
	own, ownDirs := rundir.Files(dir)
	if init != "" {
		own = append(own, init)
	}
	if cfg, err := rundir.LoadConfig(dir, nil); err == nil {
		files, dirs := dataPaths(cfg.Data)
		own, ownDirs = append(own, files...), append(ownDirs, dirs...)
	}
	for _, f := range own {
		if samePath(path, f) {
			return fmt.Errorf("-out %s: would overwrite %s, a file of the run %s", path, f, dir)
		}
	}
	for _, d := range ownDirs {
		if within(path, d) || linkedInto(path, d) {
			return fmt.Errorf("-out %s: would write into %s, a part of the run %s", path, d, dir)
		}
	}
	return nil
}

// dataPaths is a run's training data read from a path: a file, or a folder
// of images; neither for drawn data.
func dataPaths(d configs.Data) (files, dirs []string) {
	if !d.FromFile() {
		return nil, nil
	}
	if info, err := os.Stat(d.Path); err == nil && info.IsDir() {
		return nil, []string{d.Path}
	}
	return []string{d.Path}, nil
}

// guardRunDir refuses a run directory that would mix with the training
// data: one inside a folder of training images (its figures and files
// would become training images), or one whose own files the data file is.
func guardRunDir(cfg *configs.Config) error {
	dir := cfg.Output.Dir
	if why := unsettled(dir + "/x"); why != "" { // the run's files are joined to it
		return fmt.Errorf("output.dir %s: %s; name a settled directory", dir, why)
	}
	files, dirs := dataPaths(cfg.Data)
	// The images are the folder's own .png files, not its sub-folders':
	// only a run in the folder itself would add to them (samples-latest.png).
	for _, d := range dirs {
		if canonical(dir) == canonical(d) {
			return fmt.Errorf("output.dir %s is data.path %s, the folder of training images: the run's figures would join them; choose another output.dir", dir, d)
		}
	}
	if other, ok := anyRunsFile(filepath.Join(dir, "config.yaml")); ok && canonical(other) != canonical(dir) {
		return fmt.Errorf("output.dir %s lies in the files of run %s (only its training writes them); choose another output.dir", dir, other)
	}
	if holdsCheckpoints(dir) {
		return fmt.Errorf("output.dir %s holds checkpoints: it is a run's checkpoints/ folder (only its training writes there); choose another output.dir", dir)
	}
	own, ownDirs := rundir.Files(dir)
	for _, d := range dirs {
		for _, od := range ownDirs {
			if within(d, od) {
				return fmt.Errorf("data.path %s lies in %s, which training writes; move the images elsewhere", d, od)
			}
		}
	}
	for _, f := range files {
		for _, o := range own {
			if samePath(f, o) {
				return fmt.Errorf("data.path %s is %s, one of the files training writes in output.dir %s; choose another output.dir", f, o, dir)
			}
		}
		for _, d := range ownDirs {
			if within(f, d) {
				return fmt.Errorf("data.path %s lies in %s, which training writes; choose another output.dir", f, d)
			}
		}
	}
	return nil
}

// breaksLines is whether r would break a one-line message or a line of
// output that names a path: a control character, Unicode's line and
// paragraph separators, which terminals and editors show as new lines, or
// a bidirectional control, which shows the path's characters in another
// order than they are.
func breaksLines(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}

// flagGiven reports whether the user gave the flag name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// counted is n with its noun, one or many: "1 chain", "12 chains".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
