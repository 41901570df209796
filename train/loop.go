package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/internal/mlp"
	"scorenet/internal/seeds"
	"scorenet/losses"
	"scorenet/rundir"
)

// Step is what the loop tells its hooks after each update.
type Step struct {
	N        int // steps done
	Terms    losses.Terms
	GradNorm float64
	Last     bool // the run's last step (train.steps)
	// Record is set, by the metrics hook, on the steps it writes a line;
	// StepsPerSecond is the rate over the record's steps.
	Record         *rundir.Record
	StepsPerSecond float64
	// Stop, set by a hook, ends the run after this step, saying why.
	Stop string
}

// Stop says why the loop ended.
type Stop int

// Why a loop ends.
const (
	Finished    Stop = iota // train.steps reached, or a hook stopped the run
	Interrupted             // the context was cancelled (a signal)
	Failed                  // a step or a hook failed
)

// Hook follows the training loop, as gomlx's loop hooks do: OnStep after
// every update, in the order the hooks were given, and OnStop once when the
// loop ends for any reason. Metrics, the progress bar, the EMA, sample
// figures, checkpoints and the best checkpoint are hooks; the loop itself
// only steps. Options.Hooks attach more after them.
type Hook interface {
	OnStep(e *Step) error
	OnStop(why Stop) error
}

// loop trains from the snapshot's step to train.steps. last is the hook
// whose final record the Summary reports.
func (t *trainer) loop(ctx context.Context, last *metricsHook, hooks ...Hook) (*Summary, error) {
	s := t.s
	from, start := s.Step, time.Now()
	elapsedBefore := s.Elapsed
	stopped := t.stoppedBefore()      // why a hook ended the run early: before a resume too
	stopAll := func(why Stop) error { // every hook hears the end, whatever another says
		var errs []error
		for _, h := range hooks {
			errs = append(errs, h.OnStop(why))
		}
		return errors.Join(errs...)
	}
	for s.Step < t.cfg.Train.Steps && stopped == "" {
		if ctx.Err() != nil {
			if err := stopAll(Interrupted); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w at step %d; checkpoint %s written", ErrInterrupted, s.Step, t.checkpoint)
		}
		e, err := t.update()
		if err != nil {
			stopAll(Failed)
			return nil, err
		}
		s.Elapsed = elapsedBefore + time.Since(start).Seconds()
		for _, h := range hooks {
			if err := h.OnStep(e); err != nil {
				stopAll(Failed)
				return nil, err
			}
		}
		if stopped = e.Stop; stopped != "" {
			break
		}
	}
	if err := stopAll(Finished); err != nil {
		return nil, err
	}
	if stopped != "" && s.Step > from { // the checkpoint hook saves only at train.steps
		s.Stopped = stopped // a resume from this checkpoint trains no further
		if err := t.save(); err != nil {
			return nil, err
		}
	}
	return &Summary{Dir: t.cfg.Output.Dir, From: from, To: s.Step, Seconds: time.Since(start).Seconds(),
		Last: last.last, Checkpoint: t.checkpoint, Stopped: stopped, Best: s.Best, Near: s.Near,
		Capped: t.capped(from, stopped)}, nil
}

// capped says why train.steps: auto's cap, not the run, ended it, or "":
// the held-out loss (or the samples' nearness) was still improving when
// the steps ran out, which a user would otherwise read as a run that
// had converged.
func (t *trainer) capped(from int, stopped string) string {
	s, cfg := t.s, t.cfg.Train
	if !cfg.StepsAuto || stopped != "" || s.Step < cfg.Steps || s.Step == from || s.Best == nil {
		return ""
	}
	falling := s.Best.Since == 0 // the last evaluation was the lowest
	nearing := cfg.Nearness && s.Near != nil && s.Near.Reached == 0 && s.Near.Since == 0
	var still []string
	switch {
	case falling:
		still = append(still, "the held-out loss still falling")
	case cfg.Patience > 0 && s.Best.Since < cfg.Patience: // patience would not have stopped it yet
		still = append(still, fmt.Sprintf("the held-out loss lowest %d evaluation(s) before the end (at step %d), fewer than the %d of train.patience", s.Best.Since, s.Best.Step, cfg.Patience))
	}
	if nearing {
		still = append(still, fmt.Sprintf("the samples still coming nearer the training rows, never as near as new rows (ratio %.3g)", s.Near.Lowest))
	}
	if len(still) == 0 {
		return ""
	}
	return fmt.Sprintf("train.steps auto's cap of %d steps ended the run with %s: -set train.steps=%d trains longer", cfg.Steps, strings.Join(still, " and "), 2*cfg.Steps)
}

// stoppedBefore says why a resumed run had stopped early at its checkpoint's
// step, as the checkpoint records it, or "": resumed, it trains no further,
// as one never stopped. The decision is read, not made again: the hooks
// that made it (patience, a refit's nearness) saw evaluations a resume
// does not repeat.
func (t *trainer) stoppedBefore() string {
	s, patience := t.s, t.cfg.Train.Patience
	if t.resumedFrom == "" || s.Stopped == "" {
		return ""
	}
	if patience == 0 || s.Best == nil || s.Best.Since < patience { // patience raised (or off) to go on
		return ""
	}
	return s.Stopped + "; stopped there before this resume"
}

// update draws the next batch and its noise, computes the loss and its
// gradients and, if both are finite, updates the parameters.
func (t *trainer) update() (*Step, error) {
	s, cfg := t.s, t.cfg.Train
	t.order.batch(s.Step, t.batchIdx)
	for i, idx := range t.batchIdx {
		copy(t.batchX[i*t.data.Train.D:], t.data.Train.Row(idx))
	}
	if t.labelled != nil {
		if err := t.batchLabelsAt(s.Step); err != nil {
			return nil, err
		}
	}
	// Each step's noise is its own stream, so a resumed run draws the same,
	// and so does a step whose noise was drawn ahead.
	noise := t.drawnAhead
	if noise == nil || t.drawnFor != s.Step {
		noise = seeds.NewIndexed(t.cfg.Seed, seeds.Noise, uint64(s.Step))
	}
	t.drawnAhead = nil
	rowWeight := 1 / float64(cfg.BatchSize)
	terms, err := t.loss.Evaluate(t.batchX, rowWeight, noise)
	if err != nil {
		return nil, err
	}
	if p, ok := t.loss.(losses.Predrawer); ok && s.Step+1 < cfg.Steps {
		// The next step's noise, drawn beside this update (on two threads,
		// where the update's memory traffic leaves room for it) rather
		// than alone at the start of the next step.
		next, step, rows := seeds.NewIndexed(t.cfg.Seed, seeds.Noise, uint64(s.Step+1)), s.Step+1, len(t.batchIdx)
		t.adam.Alongside = func() {
			if p.Predraw(rows, rowWeight, next) == nil {
				t.drawnAhead, t.drawnFor = next, step
			}
		}
	}
	t.adam.LR = decayedLR(t.baseLR, s.Step, cfg.Steps, cfg.LRDecay)
	if t.ema != nil && fuseEMA {
		t.ema.joinUpdate(s.Step+1, t.adam)
	}
	grads := t.loss.Grads()
	var gnorm float64
	var updateErr error
	if cfg.GradClip > 0 { // the norm scales the update: taken first
		gnorm = GradNorm(grads)
		if isFinite(terms.Loss) && isFinite(gnorm) {
			updateErr = t.adam.Step(s.Model.Params(), grads, clipScale(gnorm, cfg.GradClip))
		}
	} else {
		// Measured in the update's pass. A non-finite loss or norm fails
		// the run below, as before any update: the parameters the update
		// spoiled are never saved.
		gnorm, updateErr = t.adam.StepUnclipped(s.Model.Params(), grads)
	}
	t.adam.Alongside, t.adam.Average = nil, nil // unused when no update ran
	if (!isFinite(terms.Loss) || !isFinite(gnorm) || updateErr != nil) && t.settle != nil {
		t.settle() // the errors below name the last checkpoint written
	}
	if !isFinite(terms.Loss) || !isFinite(gnorm) {
		if s.Step == 0 {
			// No update yet: the loss of the network as initialised.
			float32 := ""
			if t.cfg.Model.Dtype == "float32" {
				float32 = ", or train in float64 (model.dtype: float64: float32 overflows past 3.4e38)"
			}
			return nil, fmt.Errorf("train: step 1: loss %v, gradient norm %v before any update: the network as initialised gives a non-finite loss on this data; make it shallower or narrower (model.hidden), or standardise the data (data.standardize: true)%s", terms.Loss, gnorm, float32)
		}
		if t.resumedFrom != "" && s.Step == t.resumedAt {
			// No update has happened since the checkpoint was read: the
			// learning rate cannot be the cause.
			return nil, fmt.Errorf("train: step %d, the first after resuming from %s: loss %v, gradient norm %v: the checkpoint's weights give a non-finite loss (damaged, or edited); resume from an earlier checkpoint; %s is untouched",
				s.Step+1, t.resumedFrom, terms.Loss, gnorm, t.resumedFrom)
		}
		return nil, fmt.Errorf("train: step %d: loss %v, gradient norm %v: training diverged; "+
			"lower train.optimizer.lr, set train.grad_clip, or standardise the data (data.standardize: true); "+
			"the last checkpoint (%s) is untouched", s.Step+1, terms.Loss, gnorm, orNone(t.checkpoint))
	}
	if updateErr != nil {
		return nil, fmt.Errorf("train: step %d: %w: training diverged; lower train.optimizer.lr or set train.grad_clip; "+
			"the last checkpoint (%s) is untouched", s.Step+1, updateErr, orNone(t.checkpoint))
	}
	s.Step++
	return &Step{N: s.Step, Terms: terms, GradNorm: gnorm, Last: s.Step == cfg.Steps}, nil
}

// decayedLR is the learning rate of update step (from 0) of a run of
// steps updates whose last share of them take it linearly from base
// towards 0: base until then, base/n at the last of those n steps. It
// depends on the step alone, so a resumed run takes the same rates.
func decayedLR(base float64, step, steps int, share float64) float64 {
	n := fallingSteps(share, steps)
	if n <= 0 || step < steps-n {
		return base
	}
	return base * float64(steps-step) / float64(n)
}

// fallingSteps is how many of a run's steps train.lr_decay's share is,
// rounded to whole steps.
func fallingSteps(share float64, steps int) int { return int(math.Round(share * float64(steps))) }

// lrDecaySaid says where train.lr_decay's fall lies in the run (steps
// counted from 1, as the log counts them), and, where train.steps is a
// cap, that a stop by patience before it leaves the rate constant.
func lrDecaySaid(t configs.Train, base float64) string {
	n := fallingSteps(t.LRDecay, t.Steps)
	if n <= 0 {
		return fmt.Sprintf("train.lr_decay %g: less than one of the %d steps: the learning rate stays %g", t.LRDecay, t.Steps, base)
	}
	first := t.Steps - n + 1
	s := fmt.Sprintf("train.lr_decay %g: the learning rate %g falls linearly to 0 over steps %d-%d of %d", t.LRDecay, base, first, t.Steps, t.Steps)
	if t.StepsAuto {
		s += fmt.Sprintf(" (train.steps: auto's cap; a run that patience stops before step %d keeps the rate constant)", first)
	}
	return s
}

// batchLabelsAt gives the loss the batch's labels, each replaced by the
// null label with probability train.label_dropout, drawn from the step's
// own stream (a resumed run drops the same).
func (t *trainer) batchLabelsAt(step int) error {
	drop := 0.0
	if p := t.cfg.Train.LabelDropout; p != nil {
		drop = *p
	}
	rng := seeds.NewIndexed(t.cfg.Seed, seeds.LabelDropout, uint64(step))
	null := mlp.Null(t.cfg.Model.Classes)
	for i, idx := range t.batchIdx {
		t.batchLabels[i] = t.data.TrainLabels[idx]
		if rng.Float64() < drop {
			t.batchLabels[i] = null
		}
	}
	return t.labelled.SetLabels(t.batchLabels)
}

// metricsHook averages the steps between records and writes a record, with
// the held-out loss when it is due, every log_every steps and at the end.
type metricsHook struct {
	t           *trainer
	log         *rundir.MetricsLog
	window      rundir.Record
	steps       int
	windowStart time.Time
	last        rundir.Record
}

func (m *metricsHook) OnStep(e *Step) error {
	cfg, t := m.t.cfg.Train, m.t
	m.window.Loss += e.Terms.Loss
	m.window.Trace += e.Terms.Trace
	m.window.Norm += e.Terms.Norm
	m.window.GradNorm += e.GradNorm
	m.steps++
	evalNow := t.valid != nil && (e.N%cfg.EvalEvery == 0 || e.Last)
	if e.N%cfg.LogEvery != 0 && !evalNow && !e.Last {
		return nil
	}
	n := float64(m.steps)
	r := rundir.Record{Step: e.N, Loss: m.window.Loss / n, Trace: m.window.Trace / n, Norm: m.window.Norm / n,
		GradNorm: m.window.GradNorm / n, Elapsed: t.s.Elapsed}
	if cfg.LRDecay > 0 {
		r.LR = t.adam.LR
	}
	if evalNow {
		v, err := t.validate()
		if err != nil {
			return err
		}
		if !isFinite(v.Loss) {
			return fmt.Errorf("train: step %d: the held-out loss is %v: training diverged; lower train.optimizer.lr or set train.grad_clip; "+
				"the last checkpoint (%s) is untouched", e.N, v.Loss, orNone(t.checkpoint))
		}
		r.Valid = &v
		if t.near != nil && e.N%cfg.EvalEvery == 0 { // off the grid (a run's last step) nothing reads it
			r.Nearest, r.NearestError = t.near.measure()
		}
	}
	if err := m.log.Write(r); err != nil {
		return err
	}
	e.Record, e.StepsPerSecond = &r, n/time.Since(m.windowStart).Seconds()
	m.last, m.window, m.steps, m.windowStart = r, rundir.Record{}, 0, time.Now()
	return nil
}

func (m *metricsHook) OnStop(Stop) error { return nil }

// progressHook shows the run on the reporter: a bar on a terminal, a log
// line per record elsewhere.
type progressHook struct{ r *reporter }

func (p *progressHook) OnStep(e *Step) error {
	if e.Record != nil { // first, so that the bar shows this step's validation
		p.r.record(*e.Record, e.StepsPerSecond)
	}
	p.r.step(e.N, e.Terms.Loss)
	return nil
}

func (p *progressHook) OnStop(why Stop) error {
	if why == Finished {
		p.r.bar.Finish()
	} else {
		p.r.bar.Stop() // the count where it stopped, not 100%
	}
	return nil
}

// checkpointHook writes a checkpoint every checkpoint_every steps, at the
// end, and when the run is interrupted; never after a failed step. A
// checkpoint due during the run is copied from the model at once and
// written by another goroutine while training goes on, so the step waits
// only for the copy; the next checkpoint, the end or a stop waits for the
// write and reports its error.
type checkpointHook struct {
	t       *trainer
	pending chan written // the write in flight, or nil
}

type written struct {
	path string
	err  error
}

// wait waits for the write in flight, if any, and records where it went.
func (c *checkpointHook) wait() error {
	if c.pending == nil {
		return nil
	}
	w := <-c.pending
	c.pending = nil
	if w.err != nil {
		return w.err
	}
	c.t.checkpoint = w.path
	return nil
}

// settle waits for the write in flight, if any, and records where it
// went, leaving its outcome for wait to report (a failed write is the
// stop's error to tell).
func (c *checkpointHook) settle() {
	if c.pending == nil {
		return
	}
	w := <-c.pending
	c.pending = make(chan written, 1)
	c.pending <- w
	if w.err == nil {
		c.t.checkpoint = w.path
	}
}

func (c *checkpointHook) OnStep(e *Step) error {
	every := c.t.cfg.Train.CheckpointEvery
	if !(every > 0 && e.N%every == 0) && !e.Last {
		return nil
	}
	if err := c.wait(); err != nil {
		return err
	}
	if e.Last {
		return c.t.save()
	}
	snap, err := c.t.s.Checkpoint() // a copy: the steps may go on
	if err != nil {
		return err
	}
	done := make(chan written, 1)
	c.pending = done
	go func() {
		path, err := c.t.write(snap)
		done <- written{path, err}
	}()
	return nil
}

func (c *checkpointHook) OnStop(why Stop) error {
	err := c.wait()
	if why != Interrupted {
		return err
	}
	if err := c.t.save(); err != nil {
		return fmt.Errorf("train: interrupted at step %d and the checkpoint failed: %w", c.t.s.Step, err)
	}
	return err
}

// bestHook keeps checkpoints/best.safetensors, the checkpoint of the lowest
// held-out loss so far, and stops the run when train.patience evaluations
// have passed without a lower one.
type bestHook struct {
	t        *trainer
	patience int
}

func (b *bestHook) OnStep(e *Step) error {
	if e.Record == nil || e.Record.Valid == nil {
		return nil
	}
	// Only evaluations on the train.eval_every grid count: the extra one
	// at a run's last step is not one a longer run makes, and a run
	// resumed with more steps must keep the best and the patience count
	// the longer run keeps.
	if every := b.t.cfg.Train.EvalEvery; every > 0 && e.N%every != 0 {
		return nil
	}
	s, loss := b.t.s, e.Record.Valid.Loss
	if s.Best == nil || loss < s.Best.Loss {
		s.Best = &rundir.Best{Loss: loss, Step: e.N}
		c, err := s.Checkpoint()
		if err != nil {
			return err
		}
		return checkpoints.SaveAs(rundir.BestPath(b.t.cfg.Output.Dir), c)
	}
	s.Best.Since++
	if b.patience > 0 && s.Best.Since >= b.patience && !e.Last {
		// Since counts on while the samples' nearness still improves
		// (train.nearness keeps the run going): say both numbers.
		e.Stop = fmt.Sprintf("the held-out loss has not improved for %d evaluations (train.patience %d): best %.6g at step %d",
			s.Best.Since, b.patience, s.Best.Loss, s.Best.Step)
	}
	return nil
}

func (b *bestHook) OnStop(Stop) error { return nil }

// fuseEMA says whether the moving average joins each update's pass (the
// default) or takes a pass of its own after it; tests compare the two.
var fuseEMA = true
