package train

import (
	"fmt"
	"os"
	"path/filepath"

	"scorenet/datasets"
	"scorenet/internal/gemm"
	"scorenet/internal/seeds"
	"scorenet/nn"
	"scorenet/plots"
	"scorenet/rundir"
	"scorenet/sampler"
)

// sampleHook draws a small sample every train.sample_every steps, with the
// EMA weights where the run keeps them, into the run directory's
// samples-latest.png: a grid for images, the samples over the training
// data otherwise. A sampling that diverges is reported on the log, not
// fatal: training goes on.
type sampleHook struct {
	t     *trainer
	every int
	model nn.Model // a copy the sampler reads, loaded with the weights to show
}

// sampleChains is the number of chains of the figure.
const sampleChains = 64

func (h *sampleHook) onStep(e *stepped) error {
	if e.step%h.every != 0 && !e.last {
		return nil
	}
	t, s := h.t, h.t.s
	src := s.EMA
	for i, p := range h.model.Params() {
		from := s.Model.Params()[i].Value
		if src != nil {
			from = src[i]
		}
		copy(p.Value.Data().([]float64), from.Data().([]float64))
	}
	set := t.cfg.Sample
	n := min(set.N, sampleChains)
	streams := sampler.Streams(set.Seed, 0, n)
	start, err := sampler.Start(set, t.cfg.NoiseLevels(), s.Model.Dim(), streams)
	if err != nil {
		return nil // a file start is not for a figure during training
	}
	chains := sampler.Chains{X: start, Streams: streams}
	sc, err := nn.NewScorer(h.model, n, gemm.Threads())
	if err != nil {
		return err
	}
	chains.Scores = []sampler.ScoreFunc{sc.Score}
	if h.model.NoiseConditional() {
		chains.Levels = []sampler.LevelScoreFunc{sc.ScoreAt}
	}
	levels := t.cfg.NoiseLevels()
	smallest := 0.0
	if len(levels) > 0 {
		smallest = levels[len(levels)-1]
	}
	if _, err := sampler.Draw(set, levels, smallest, rundir.SaneBound(s.MaxAbs, levels, start), chains, nil); err != nil {
		fmt.Fprintf(t.out, "step %d: no sample figure: %v\n", e.step, err)
		return nil
	}
	samples := s.Norm.Invert(start)
	path := filepath.Join(t.cfg.Output.Dir, "samples-latest.png")
	tmp := path + ".tmp.png"
	if t.data.Image.Size() > 0 {
		err = datasets.WriteImageGrid(tmp, samples.X, t.data.Image, 8, 0, 1)
	} else {
		title := fmt.Sprintf("%s: samples at step %d", t.cfg.Name, e.step)
		err = plots.Samples(tmp, title, s.Norm.Invert(t.data.Train), plots.Set{Name: "samples", Points: samples})
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (h *sampleHook) onStop(stop) error { return nil }

// newSampleHook is the figure hook of cfg's run, or nil when it draws none
// (train.sample_every 0, or a model the figure cannot copy: float32).
func newSampleHook(t *trainer) (*sampleHook, error) {
	every := t.cfg.Train.SampleEvery
	if every <= 0 || t.cfg.Model.Dtype != "float64" {
		return nil, nil
	}
	m, err := nn.New(rundir.ModelSpec(t.cfg, t.s.Model.Dim()), seeds.New(t.cfg.Seed, seeds.Init)) // its weights are overwritten
	if err != nil {
		return nil, err
	}
	return &sampleHook{t: t, every: every, model: m}, nil
}
