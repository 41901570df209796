package train

import (
	"context"
	"errors"
	"fmt"
	"os"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/internal/safefile"
	"scorenet/rundir"
	"scorenet/workflow"
)

// fitThenRefit trains cfg's model twice. The first training, in the run
// directory's select/, holds rows out and chooses the length; the second,
// in the run directory, starts again on every row for configs.RefitSteps
// steps, with every choice the first made from the data. Until the second
// starts the run's config.yaml is cfg's (train.refit auto or true), so that
// train -run DIR resumes the first; from then on it is the second's, a
// plain run on every row that train -config repeats.
func fitThenRefit(ctx context.Context, cfg *configs.Config, data *workflow.Data, opts Options) (*Summary, error) {
	dir := cfg.Output.Dir
	selection := rundir.SelectionDir(dir)
	hadDir, hadSelection := exists(dir), exists(selection)
	// Held over both trainings: another trainer on the directory would
	// rewrite its config.yaml under this one.
	lock, err := rundir.LockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	resume, err := refuseExisting(cfg, data, opts.Resume)
	if err != nil {
		return nil, err
	}
	no := false
	sel := *cfg
	sel.Train.Refit, sel.Output.Dir = &no, selection
	plan := workflow.RefitPlan(cfg, data)
	// The run's config.yaml is written once the first training has passed
	// its checks (a resume with other settings is refused there): written
	// before, a refused train would leave the run unreadable.
	// With the categories as the first training read them (their levels,
	// and which are learnt in binary digits), so that a resume reads the
	// data as it started, whatever the rule for new runs then says.
	started := func() error {
		cfg.Data.Categories = sel.Data.Categories
		return safefile.Write(rundir.ConfigPath(dir), cfg.YAML())
	}
	first, err := fitPrepared(ctx, &sel, data, Options{Out: opts.Out, Terminal: opts.Terminal, Resume: resume, lrBeyondBounds: opts.lrBeyondBounds, afterData: plan, nearness: true, started: started})
	if err != nil {
		if !hasCheckpoint(selection) { // failed before its first checkpoint: leave nothing it made
			switch {
			case !hadDir:
				os.RemoveAll(dir)
			case !hadSelection:
				os.RemoveAll(selection)
			}
		}
		return nil, err
	}
	if first.Best == nil {
		return nil, fmt.Errorf("train: train.refit: the first training, in %s, measured no held-out loss to choose the length by", selection)
	}
	ref := refitConfig(cfg, &sel, first.Best, first.Near, data)
	all, err := workflow.Prepare(ref)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(opts.Out, "train.refit: %s; training again from the start on all %d rows for %d steps, as many per row as %d steps on %d\n",
		lengthReason(ref.Train.Refitted), all.Train.N, ref.Train.Steps, ref.Train.Refitted.Length, data.Train.N)
	second, err := fitPrepared(ctx, ref, all, Options{Out: opts.Out, Terminal: opts.Terminal, Hooks: opts.Hooks, lrBeyondBounds: opts.lrBeyondBounds, dirLocked: true})
	if err != nil {
		return nil, err
	}
	*cfg = *ref
	second.Selection, second.Refitted = first, ref.Train.Refitted
	return second, nil
}

// refuseExisting refuses, before anything is written or trained, a refit
// into a directory that holds a run already, or a first training not being
// resumed, or one with no held-out rows to choose the length by; it
// reports whether the first training resumes.
func refuseExisting(cfg *configs.Config, data *workflow.Data, resuming bool) (resume bool, err error) {
	dir := cfg.Output.Dir
	selection := rundir.SelectionDir(dir)
	if data.Valid.N == 0 {
		return false, fmt.Errorf("train: train.refit: data.holdout %g holds out none of the %d rows: there is no held-out loss to choose the length by; hold rows out, or set train.refit: false", cfg.Data.Holdout, data.Train.N)
	}
	if hasCheckpoint(dir) {
		return false, fmt.Errorf("train: output.dir %s holds a run's checkpoints already (%s): continue that run with train -run %s, or train into another directory", dir, rundir.CheckpointDir(dir), dir)
	}
	resume = hasCheckpoint(selection)
	if resume && !resuming {
		return false, fmt.Errorf("train: output.dir %s holds the first training of a refitted run (%s, train.refit): continue it with train -run %s, or train into another directory", dir, selection, dir)
	}
	return resume, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// refitConfig is the config of a refit: the selection's, with every value
// it chose from the data, on every row for configs.RefitSteps steps. The batch
// size, if the data chose it, is chosen again for the larger set.
func refitConfig(cfg, sel *configs.Config, best *rundir.Best, near *rundir.Near, data *workflow.Data) *configs.Config {
	ref := *sel
	no := false
	length := chosenLength(best, near)
	ref.Output.Dir = cfg.Output.Dir
	ref.Data.Holdout, ref.Data.HoldoutAuto = 0, false
	ref.Train.Steps, ref.Train.StepsAuto = configs.RefitSteps(length, data.Train.N, data.Valid.N), false
	ref.Train.Nearness = false // the length is chosen
	ref.Train.Patience, ref.Train.EvalEvery = 0, 0
	ref.Train.BatchSize, ref.Train.BatchAuto = cfg.Train.BatchSize, cfg.Train.BatchAuto
	ref.Train.Refit = &no
	r := &configs.Refitted{Dir: rundir.SelectionName, BestStep: best.Step, BestLoss: best.Loss, Length: length, TrainRows: data.Train.N, HeldOut: data.Valid.N}
	if near != nil {
		r.NearStep = near.Reached
		if near.Reached == 0 {
			r.NearestStep = near.LowestStep
		}
	}
	ref.Train.Refitted = r
	ref.Notes = nil
	return &ref
}

// lengthReason says why a refit's first training chose its length.
func lengthReason(r *configs.Refitted) string {
	why := fmt.Sprintf("the held-out loss was lowest at step %d (%.6g)", r.BestStep, r.BestLoss)
	switch {
	case r.NearStep > r.BestStep:
		why += fmt.Sprintf(", and the samples came as near the training rows as new rows at step %d", r.NearStep)
	case r.NearStep > 0:
		why += fmt.Sprintf(", the samples already as near the training rows as new rows (from step %d)", r.NearStep)
	case r.NearestStep > r.BestStep:
		why += fmt.Sprintf(", and the samples came nearest the training rows at step %d, never as near as new rows", r.NearestStep)
	}
	return why
}

// hasCheckpoint reports whether the run in dir has written a checkpoint,
// whether or not it loads (a damaged one is still a run's).
func hasCheckpoint(dir string) bool {
	_, _, _, err := checkpoints.Newest(rundir.CheckpointDir(dir))
	return !errors.Is(err, checkpoints.ErrNoCheckpoint)
}
