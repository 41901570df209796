package train

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// Metadata keys of a scorenet checkpoint, beside those the checkpoints
// package reserves.
const (
	metaConfig     = "config"          // the resolved YAML config
	metaModel      = "model_type"      // nn kind
	metaDtype      = "dtype"           // float64 | float32
	metaDim        = "dim"             // D
	metaNorm       = "normalization"   // JSON {"mean": [...], "std": [...]}
	metaRNG        = "rng"             // how batches are drawn, and how many were
	metaElapsed    = "elapsed_seconds" // training time up to this step
	metaAdamSteps  = "adam_steps"
	prefixParam    = "param/"
	prefixAdamM    = "adam.m/"
	prefixAdamV    = "adam.v/"
	checkpointsDir = "checkpoints"
)

// CheckpointDir is where a run directory keeps its checkpoints.
func CheckpointDir(runDir string) string { return filepath.Join(runDir, checkpointsDir) }

func modelSpec(cfg *configs.Config, dim int) nn.Spec {
	dt := tensor.Float64
	if cfg.Model.Dtype == "float32" {
		dt = tensor.Float32
	}
	return nn.Spec{Kind: cfg.Model.Type, Dim: dim, Hidden: cfg.Model.Hidden, Activation: cfg.Model.Activation, Dtype: dt,
		NoiseConditional: cfg.Model.NoiseConditional}
}

// snapshot is the state of a run that a checkpoint holds.
type snapshot struct {
	step    int
	cfg     *configs.Config
	model   nn.Model
	adam    *Adam
	norm    datasets.Normalizer
	order   *batchOrder
	elapsed float64
}

func (s *snapshot) checkpoint() (*checkpoints.Checkpoint, error) {
	norm, err := json.Marshal(s.norm)
	if err != nil {
		return nil, err
	}
	c := &checkpoints.Checkpoint{Step: s.step, Meta: map[string]string{
		metaConfig:    string(s.cfg.YAML()),
		metaModel:     s.model.Kind(),
		metaDtype:     s.cfg.Model.Dtype,
		metaDim:       strconv.Itoa(s.model.Dim()),
		metaNorm:      string(norm),
		metaRNG:       fmt.Sprintf("%s; %d batches drawn", s.order, s.step),
		metaElapsed:   strconv.FormatFloat(s.elapsed, 'g', -1, 64),
		metaAdamSteps: strconv.Itoa(s.adam.Steps),
	}}
	for i, p := range s.model.Params() {
		for _, t := range []struct {
			prefix string
			value  *tensor.Dense
		}{{prefixParam, p.Value}, {prefixAdamM, s.adam.M[i]}, {prefixAdamV, s.adam.V[i]}} {
			c.Tensors = append(c.Tensors, checkpoints.Tensor{
				Name: t.prefix + p.Name, Shape: t.value.Shape().Clone(), Data: cloneData(t.value),
			})
		}
	}
	return c, nil
}

// cloneData copies a tensor's values, which checkpoints are then free to keep.
func cloneData(t *tensor.Dense) any {
	switch d := t.Data().(type) {
	case []float64:
		return slices.Clone(d)
	case []float32:
		return slices.Clone(d)
	default:
		panic(fmt.Sprintf("train: unsupported tensor data %T", d))
	}
}

// restore copies parameters (and Adam moments, when adam is non-nil) from c
// into the model, after checking that c was written for a model of the same
// type, dtype and shapes. Nothing is copied unless everything matches.
func restore(c *checkpoints.Checkpoint, model nn.Model, dtype string, adam *Adam) error {
	if got := c.Meta[metaModel]; got != model.Kind() {
		return fmt.Errorf("checkpoint holds a %q model, the config asks for %q", got, model.Kind())
	}
	if got := c.Meta[metaDtype]; got != dtype {
		return fmt.Errorf("checkpoint holds %s parameters, the config asks for %s", got, dtype)
	}
	type copyJob struct {
		dst *tensor.Dense
		src checkpoints.Tensor
	}
	var jobs []copyJob
	for i, p := range model.Params() {
		prefixes := []string{prefixParam}
		if adam != nil {
			prefixes = append(prefixes, prefixAdamM, prefixAdamV)
		}
		for _, prefix := range prefixes {
			name := prefix + p.Name
			src, ok := c.Tensor(name)
			if !ok {
				return fmt.Errorf("checkpoint has no tensor %s", name)
			}
			dst := p.Value
			switch prefix {
			case prefixAdamM:
				dst = adam.M[i]
			case prefixAdamV:
				dst = adam.V[i]
			}
			if !slices.Equal(src.Shape, []int(dst.Shape())) {
				return fmt.Errorf("checkpoint tensor %s has shape %v, the config's model needs %v", name, src.Shape, []int(dst.Shape()))
			}
			if fmt.Sprintf("%T", src.Data) != fmt.Sprintf("%T", dst.Data()) {
				return fmt.Errorf("checkpoint tensor %s holds %T, the config's model needs %T", name, src.Data, dst.Data())
			}
			jobs = append(jobs, copyJob{dst, src})
		}
	}
	if n := countParams(c); n != len(model.Params()) {
		return fmt.Errorf("checkpoint has %d parameter tensors, the config's model has %d", n, len(model.Params()))
	}
	if adam != nil {
		steps, err := strconv.Atoi(c.Meta[metaAdamSteps])
		if err != nil {
			return fmt.Errorf("checkpoint has bad %s %q", metaAdamSteps, c.Meta[metaAdamSteps])
		}
		adam.Steps = steps
	}
	for _, j := range jobs {
		switch d := j.dst.Data().(type) {
		case []float64:
			copy(d, j.src.Data.([]float64))
		case []float32:
			copy(d, j.src.Data.([]float32))
		}
	}
	return nil
}

func countParams(c *checkpoints.Checkpoint) int {
	n := 0
	for _, t := range c.Tensors {
		if strings.HasPrefix(t.Name, prefixParam) {
			n++
		}
	}
	return n
}

// Run is a trained model loaded from a checkpoint, ready to score points in
// data units.
type Run struct {
	Config     *configs.Config
	Model      nn.Model
	Norm       datasets.Normalizer
	Step       int
	Checkpoint string // the file it was loaded from
}

// OpenRun loads the model of the run in dir from checkpoint, or from the
// newest valid checkpoint of the run when checkpoint is empty.
func OpenRun(dir, checkpoint string) (*Run, error) {
	var (
		c   *checkpoints.Checkpoint
		err error
	)
	if checkpoint == "" {
		c, checkpoint, _, err = checkpoints.Newest(CheckpointDir(dir))
		if err == checkpoints.ErrNoCheckpoint {
			return nil, fmt.Errorf("train: run directory %s has no checkpoint in %s", dir, CheckpointDir(dir))
		}
	} else {
		c, err = checkpoints.Load(checkpoint)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := configs.Parse([]byte(c.Meta[metaConfig]), checkpoint+" (embedded config)", nil)
	if err != nil {
		return nil, err
	}
	dim, err := strconv.Atoi(c.Meta[metaDim])
	if err != nil || dim < 1 {
		return nil, fmt.Errorf("train: %s: bad %s %q", checkpoint, metaDim, c.Meta[metaDim])
	}
	model, err := nn.New(modelSpec(cfg, dim), newRNG(cfg.Seed, streamInit))
	if err != nil {
		return nil, err
	}
	if err := restore(c, model, cfg.Model.Dtype, nil); err != nil {
		return nil, fmt.Errorf("train: %s: %w", checkpoint, err)
	}
	var norm datasets.Normalizer
	if err := json.Unmarshal([]byte(c.Meta[metaNorm]), &norm); err != nil || len(norm.Mean) != dim || len(norm.Std) != dim {
		return nil, fmt.Errorf("train: %s: bad %s metadata", checkpoint, metaNorm)
	}
	return &Run{Config: cfg, Model: model, Norm: norm, Step: c.Step, Checkpoint: checkpoint}, nil
}

// ScoreFunc writes the score at the points x (row-major) into dst, at noise
// level sigma for noise-conditional models (others ignore it).
type ScoreFunc func(dst, x []float64, sigma float64) error

// ModelScorer returns the learned score in the units the model sees
// (standardised when the run standardised its data); batch is the number of
// points pushed through the network at once.
func (r *Run) ModelScorer(batch int) (ScoreFunc, error) {
	sc, err := nn.NewScorer(r.Model, batch)
	if err != nil {
		return nil, err
	}
	return sc.Score, nil
}

// Scorer returns the learned score in data units at points in data units.
// A noise-conditional model's sigma is in model units.
func (r *Run) Scorer(batch int) (ScoreFunc, error) {
	score, err := r.ModelScorer(batch)
	if err != nil {
		return nil, err
	}
	d := r.Model.Dim()
	return func(dst, x []float64, sigma float64) error {
		if len(x)%d != 0 {
			return fmt.Errorf("train: %d values are not points of dimension %d", len(x), d)
		}
		z := r.Norm.Apply(datasets.Points{N: len(x) / d, D: d, X: x})
		if err := score(dst, z.X, sigma); err != nil {
			return err
		}
		r.Norm.ScoreToData(dst)
		return nil
	}, nil
}

// SmallestSigma is the lowest noise level the run trained at, the level at
// which a noise-conditional model is closest to the data's own score; 0 for
// losses without noise.
func (r *Run) SmallestSigma() float64 {
	levels := NoiseLevels(r.Config)
	if len(levels) == 0 {
		return 0
	}
	return levels[len(levels)-1]
}
