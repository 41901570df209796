package rundir

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/seeds"
	"scorenet/nn"
)

// Run is a trained model loaded from a checkpoint of a run directory,
// ready to score points in data units.
type Run struct {
	Dir        string
	Config     *configs.Config
	Model      nn.Model
	Norm       datasets.Normalizer // maps data units to model units
	Step       int
	Checkpoint string // the file it was loaded from
	Skipped    []error
	MaxAbs     float64        // the training data's largest |x_j| in model units; 0 if the checkpoint predates it
	Weights    string         // WeightsEMA or WeightsRaw: which the model holds
	Image      datasets.Image // the shape of image data (samples are images); zero otherwise
	data       *Data
}

// The weights a reader can load from a checkpoint.
const (
	WeightsEMA = "ema" // the moving average of the parameters (train.ema), where the run kept one
	WeightsRaw = "raw" // the parameters as the optimiser left them
)

// Open loads the model of the run in dir from checkpoint, or from the run's
// newest valid checkpoint when checkpoint is empty (Skipped then lists the
// newer ones that did not load), with the EMA weights where the run kept
// them. It reads nothing but the checkpoint.
func Open(dir, checkpoint string) (*Run, error) { return OpenWeights(dir, checkpoint, "") }

// OpenWeights is Open with the weights chosen: WeightsEMA, WeightsRaw, or ""
// for EMA where the run kept it and raw otherwise.
func OpenWeights(dir, checkpoint, weights string) (*Run, error) {
	var (
		c       *checkpoints.Checkpoint
		skipped []error
		err     error
	)
	if checkpoint == "best" {
		checkpoint = BestPath(dir)
		if _, err := os.Stat(checkpoint); err != nil {
			return nil, fmt.Errorf("rundir: run %s has no best checkpoint (%s): it is kept when training computes a held-out loss (train.eval_every > 0)", dir, checkpoint)
		}
	}
	if checkpoint == "" {
		c, checkpoint, skipped, err = checkpoints.Newest(CheckpointDir(dir))
		if err == checkpoints.ErrNoCheckpoint {
			return nil, fmt.Errorf("rundir: run directory %s has no checkpoint in %s", dir, CheckpointDir(dir))
		}
	} else {
		c, err = checkpoints.Load(checkpoint)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := SavedConfig(c, checkpoint)
	if err != nil {
		return nil, err
	}
	dim, err := strconv.Atoi(c.Meta[metaDim])
	if err != nil || dim < 1 {
		return nil, fmt.Errorf("rundir: %s: bad %s %q", checkpoint, metaDim, c.Meta[metaDim])
	}
	model, err := nn.New(ModelSpec(cfg, dim), seeds.New(cfg.Seed, seeds.Init))
	if err != nil {
		return nil, err
	}
	hasEMA := cfg.Train.EMA > 0
	switch {
	case weights == "":
		weights = WeightsRaw
		if hasEMA {
			weights = WeightsEMA
		}
	case weights == WeightsEMA && !hasEMA:
		return nil, fmt.Errorf("rundir: %s has no EMA weights (the run's train.ema is 0): use -weights raw", checkpoint)
	case weights != WeightsEMA && weights != WeightsRaw:
		return nil, fmt.Errorf("rundir: weights %q: want ema or raw", weights)
	}
	prefix := prefixParam
	if weights == WeightsEMA {
		prefix = prefixEMA
	}
	if err := restore(c, model, cfg.Model.Dtype, paramSlot(prefix, model)); err != nil {
		return nil, fmt.Errorf("rundir: %s: %w", checkpoint, err)
	}
	var norm datasets.Normalizer
	if err := json.Unmarshal([]byte(c.Meta[metaNorm]), &norm); err != nil || len(norm.Mean) != dim || len(norm.Std) != dim {
		return nil, fmt.Errorf("rundir: %s: bad %s metadata", checkpoint, metaNorm)
	}
	maxAbs, _ := strconv.ParseFloat(c.Meta[metaMaxAbs], 64)
	if !(maxAbs >= 0) || math.IsInf(maxAbs, 0) {
		maxAbs = 0
	}
	var shape datasets.Image
	if v, ok := c.Meta[metaImage]; ok {
		if _, err := fmt.Sscanf(v, "%dx%dx%d", &shape.H, &shape.W, &shape.C); err != nil || shape.Size() != dim {
			return nil, fmt.Errorf("rundir: %s: bad %s metadata %q for dimension %d", checkpoint, metaImage, v, dim)
		}
	}
	return &Run{Dir: dir, Config: cfg, Model: model, Norm: norm, Step: c.Step, Checkpoint: checkpoint, Skipped: skipped, MaxAbs: maxAbs,
		Weights: weights, Image: shape}, nil
}

// Data prepares the run's data as training saw it, for what needs it
// (plots over the data, sample metrics, the held-out loss); why names what
// needs it, for the error when a data file has gone.
func (r *Run) Data(why string) (*Data, error) {
	if r.data != nil {
		return r.data, nil
	}
	d, err := Prepare(r.Config)
	if err != nil {
		if r.Config.Data.FromFile() {
			return nil, fmt.Errorf("%s needs the run's training data, data.path %s, which cannot be read: %w", why, r.Config.Data.Path, err)
		}
		return nil, err
	}
	if d.Train.D != r.Model.Dim() {
		return nil, fmt.Errorf("%s needs the run's training data, but %s now has dimension %d, not the model's %d", why, r.Config.Data.Path, d.Train.D, r.Model.Dim())
	}
	r.data = d
	return d, nil
}

// ScoreFunc writes the score at the points x (row-major) into dst, at noise
// level sigma for noise-conditional models (others ignore it).
type ScoreFunc func(dst, x []float64, sigma float64) error

// ModelScorer returns the learned score in the units the model sees
// (standardised when the run standardised its data); batch is the number of
// points pushed through the network at once, threads the most threads one
// pass uses (0: all).
func (r *Run) ModelScorer(batch, threads int) (ScoreFunc, error) {
	sc, err := nn.NewScorer(r.Model, batch, threads)
	if err != nil {
		return nil, err
	}
	return sc.Score, nil
}

// ModelScorers is ModelScorer with, for a noise-conditional model, the same
// score at a noise level per point (nil otherwise), both on one forward
// pass: what a sampling worker needs.
func (r *Run) ModelScorers(batch, threads int) (ScoreFunc, func(dst, x, sigmas []float64) error, error) {
	sc, err := nn.NewScorer(r.Model, batch, threads)
	if err != nil {
		return nil, nil, err
	}
	if !r.Model.NoiseConditional() {
		return sc.Score, nil, nil
	}
	return sc.Score, sc.ScoreAt, nil
}

// Scorer returns the learned score in data units at points in data units.
// A noise-conditional model's sigma is in model units.
func (r *Run) Scorer(batch int) (ScoreFunc, error) {
	score, err := r.ModelScorer(batch, 0)
	if err != nil {
		return nil, err
	}
	d := r.Model.Dim()
	return func(dst, x []float64, sigma float64) error {
		if len(x)%d != 0 {
			return fmt.Errorf("rundir: %d values are not points of dimension %d", len(x), d)
		}
		z := r.Norm.Apply(datasets.Points{N: len(x) / d, D: d, X: x})
		if err := score(dst, z.X, sigma); err != nil {
			return err
		}
		r.Norm.ScoreToData(dst)
		return nil
	}, nil
}

// SaneBound is the region sampling must stay in, in model units: a chain
// with a coordinate beyond it has diverged. It is ten times the larger of
// the training data's range widened by three of the largest noise level,
// and the range of the chains' starting points: far outside anything the
// model was trained on or started from, yet finite enough to say where
// sampling broke.
func (r *Run) SaneBound(sigmas []float64, start datasets.Points) float64 {
	return SaneBound(r.MaxAbs, sigmas, start)
}

// SaneBound is Run.SaneBound for data whose largest |x_j| is maxAbs.
func SaneBound(maxAbs float64, sigmas []float64, start datasets.Points) float64 {
	reach := maxAbs
	if len(sigmas) > 0 {
		reach += 3 * sigmas[0]
	}
	for _, v := range start.X {
		reach = math.Max(reach, math.Abs(v))
	}
	return 10 * math.Max(reach, 1)
}

// SmallestSigma is the lowest noise level the run trained at, the level at
// which a noise-conditional model is closest to the data's own score; 0 for
// losses without noise.
func (r *Run) SmallestSigma() float64 {
	levels := r.Config.NoiseLevels()
	if len(levels) == 0 {
		return 0
	}
	return levels[len(levels)-1]
}
