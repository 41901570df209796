package train

import (
	"fmt"

	"scorenet/internal/seeds"
	"scorenet/nn"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/workflow"
)

// nearChains are the samples drawn at each held-out evaluation to measure
// their nearness: as many as the verdict measures.
const nearChains = 200

// nearHook, in a refitted run's first training, measures at each held-out
// evaluation how near samples of the weights sampling will use come to
// the training rows against the held-out rows (workflow.NearestRatio, as
// the verdict does), and keeps the run going past the held-out loss's
// patience while the samples are still farther: the loss's smallest noise
// levels start to memorise a small table long before its samples come as
// near the training rows as new rows do (wine: the loss was lowest at
// step 400, the samples as near at step 1600, and 1600 steps sampled
// every target of issue 20 that 400 missed). The ratio itself is
// measured by the metrics hook, for the record.
type nearHook struct {
	t              *trainer
	model          nn.Model      // a copy the sampler reads, loaded with the weights to measure
	train, valid   points.Points // in data units, as samples come
	cell           float64
	patience       int
	saidUnmeasured bool
}

func newNearHook(t *trainer) (*nearHook, error) {
	m, err := nn.New(t.cfg.ModelSpec(t.s.Model.Dim()), seeds.New(t.cfg.Seed, seeds.Init)) // its weights are overwritten
	if err != nil {
		return nil, err
	}
	var cell float64
	if t.data.Image.Size() > 0 && t.cfg.Data.Dequantize {
		cell = 1.0 / 256
	}
	return &nearHook{t: t, model: m, train: t.s.Norm.Invert(t.data.Train), valid: t.s.Norm.Invert(t.data.Valid), cell: cell, patience: t.cfg.Train.Patience}, nil
}

// measure samples nearChains chains with the weights sampling will use
// (the EMA where the run keeps one) and returns their nearness ratio.
func (h *nearHook) measure() (float64, error) {
	t, s := h.t, h.t.s
	drawn, err := workflow.Sample(t.samplingJob(h.model, nearChains))
	if err != nil {
		return 0, fmt.Errorf("train: step %d: measuring the samples' nearness for train.refit: %w", s.Step, err)
	}
	ratio, against := workflow.NearestRatio(drawn.Samples, h.train, h.valid, h.cell)
	if against != workflow.AgainstHeldOut { // too few held-out rows, or repeated rows: no length to choose by it
		if !h.saidUnmeasured {
			fmt.Fprintf(t.out, "step %d: train.refit: the samples' nearness is not measured (%d held-out rows, fewer than %d or mostly repeats of training rows): the held-out loss alone chooses the length\n", s.Step, h.valid.N, workflow.MinHeldOut)
			h.saidUnmeasured = true
		}
		return 0, nil
	}
	return ratio, nil
}

// OnStep follows the ratio the metrics hook measured on the eval_every
// grid (as the best checkpoint does), and lifts the held-out loss's stop
// while the samples have not come as near as held-out rows and their
// ratio fell within the last train.patience evaluations.
func (h *nearHook) OnStep(e *Step) error {
	if e.Record == nil || e.Record.Valid == nil || e.Record.Nearest == 0 {
		return nil
	}
	if every := h.t.cfg.Train.EvalEvery; every > 0 && e.N%every != 0 {
		return nil
	}
	s, ratio := h.t.s, e.Record.Nearest
	if s.Near == nil || ratio < s.Near.Lowest {
		reached := 0
		if s.Near != nil {
			reached = s.Near.Reached
		}
		s.Near = &rundir.Near{Reached: reached, Lowest: ratio, LowestStep: e.N}
	} else {
		s.Near.Since++
	}
	if s.Near.Reached == 0 && ratio <= 1 {
		s.Near.Reached = e.N
	}
	if e.Stop == "" {
		return nil
	}
	if s.Near.Reached == 0 && s.Near.Since < h.patience {
		e.Stop = "" // the samples are still sharpening
		return nil
	}
	if s.Near.Reached > 0 {
		e.Stop += fmt.Sprintf("; the samples came as near the training rows as held-out rows at step %d", s.Near.Reached)
	} else {
		e.Stop += fmt.Sprintf("; the samples' nearness (lowest %.3g at step %d) has not improved for %d evaluations", s.Near.Lowest, s.Near.LowestStep, s.Near.Since)
	}
	return nil
}

func (h *nearHook) OnStop(Stop) error { return nil }

// chosenLength is the length a refit's first training chose: the step of
// the lowest held-out loss, or, if later, the first whose samples came as
// near the training rows as held-out rows do (failing that, the nearest
// they came).
func chosenLength(best *rundir.Best, near *rundir.Near) int {
	if near == nil {
		return best.Step
	}
	if near.Reached > 0 {
		return max(best.Step, near.Reached)
	}
	return max(best.Step, near.LowestStep)
}
