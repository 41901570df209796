package train

import (
	"errors"
	"fmt"
	"path/filepath"

	"scorenet/datasets"
	"scorenet/internal/seeds"
	"scorenet/nn"
	"scorenet/plots"
	"scorenet/workflow"
)

// sampleHook draws a small sample every train.sample_every steps, with the
// EMA weights where the run keeps them, into the run directory's
// samples-latest.png: a grid for images, the samples over the training
// data otherwise. A sampling that diverges is reported on the log, not
// fatal: training goes on.
type sampleHook struct {
	t           *trainer
	every       int
	model       nn.Model // a copy the sampler reads, loaded with the weights to show
	saidTooLong bool
}

// maxFigureSteps bounds the sampling steps of a figure during training:
// ten times the 1000 of the default annealed ladder.
const maxFigureSteps = 10000

// sampleChains is the number of chains of the figure.
const sampleChains = 64

func (h *sampleHook) OnStep(e *Step) error {
	if e.N%h.every != 0 && !e.Last {
		return nil
	}
	t, s := h.t, h.t.s
	job := t.samplingJob(h.model, min(t.cfg.Sample.N, sampleChains))
	// A figure is for watching, between steps: its sampling may not hold
	// training up for long (it does not heed a signal until it is done).
	// The ode sampler's steps are its own: bounded so that its
	// evaluations stay about as few (Dormand-Prince takes 6 a step).
	job.MaxODESteps = maxFigureSteps / 6
	if total := job.Settings().Work(); total > maxFigureSteps {
		if !h.saidTooLong {
			fmt.Fprintf(t.out, "step %d: no sample figures: their sampling would take %d steps, more than %d (sample.steps_per_level, sample.steps); sample the run with scorenet sample instead\n", e.N, total, maxFigureSteps)
			h.saidTooLong = true
		}
		return nil
	}
	drawn, err := workflow.Sample(job)
	if errors.Is(err, workflow.ErrFileStart) {
		return nil // a file start is not for a figure during training
	}
	if err != nil {
		fmt.Fprintf(t.out, "step %d: no sample figure: %v\n", e.N, err)
		return nil
	}
	samples := drawn.Samples
	// Both writers write by rename: a reader never sees half a figure.
	path := filepath.Join(t.cfg.Output.Dir, "samples-latest.png")
	if t.data.Image.Size() > 0 {
		err = datasets.WriteImageGrid(path, samples.X, t.data.Image, 8, 0, 1)
	} else {
		title := fmt.Sprintf("%s: samples at step %d", t.cfg.Name, e.N)
		err = plots.Samples(path, title, s.Norm.Invert(plots.Thin(t.data.Train)), plots.Set{Name: "samples", Points: samples})
	}
	if err != nil {
		// A figure is for watching: one that cannot be written (a folder
		// in its place, a full disk) does not stop the training.
		fmt.Fprintf(t.out, "step %d: no sample figure: %v\n", e.N, err)
	}
	return nil
}

func (h *sampleHook) OnStop(Stop) error { return nil }

// samplingJob loads the weights sampling uses (the EMA where the run keeps
// one) into model, a copy for the sampler to read, and returns the job
// that draws n chains of it as the run's config samples.
func (t *trainer) samplingJob(model nn.Model, n int) workflow.Job {
	s := t.s
	for i, p := range model.Params() {
		from := s.Model.Params()[i].Value
		if s.EMA != nil {
			from = s.EMA[i]
		}
		copyTensor(p.Value, from)
	}
	set := t.cfg.Sample
	set.N = n
	levels := t.cfg.NoiseLevels()
	return workflow.Job{Sample: set, Sigmas: levels, Sigma: workflow.Smallest(levels), Dim: s.Model.Dim(), Norm: s.Norm, MaxAbs: s.MaxAbs, Prior: workflow.PriorOf(s.DataMoments),
		Scores: workflow.NetworkScorers(model), Discrete: s.Discrete, Ends: s.Ends, Whole: s.Whole, Places: s.Places, Pixels: t.data.Image.Size() > 0}
}

// newSampleHook is the figure hook of cfg's run, or nil when it draws none
// (train.sample_every 0).
func newSampleHook(t *trainer) (*sampleHook, error) {
	every := t.cfg.Train.SampleEvery
	if every <= 0 {
		return nil, nil
	}
	m, err := nn.New(t.cfg.ModelSpec(t.s.Model.Dim()), seeds.New(t.cfg.Seed, seeds.Init)) // its weights are overwritten
	if err != nil {
		return nil, err
	}
	return &sampleHook{t: t, every: every, model: m}, nil
}
