package workflow

import (
	"errors"
	"fmt"
	"math"
	"scorenet/internal/mlp"
	"slices"

	"scorenet/datasets"
	"scorenet/density"
	"scorenet/nn"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/sampler"
	"scorenet/score"
)

// Run is a trained run as the commands that read one use it: the model of
// one of its checkpoints (rundir.Run), with its data prepared the first
// time something asks for them.
type Run struct {
	*rundir.Run
	data *Data
}

// Open opens the run in dir at checkpoint (empty: its newest valid one;
// "best": its best) with the weights named (empty: EMA where the run kept
// it); see rundir.OpenWeights.
func Open(dir, checkpoint, weights string) (*Run, error) {
	r, err := rundir.OpenWeights(dir, checkpoint, weights)
	if err != nil {
		return nil, err
	}
	run := &Run{Run: r}
	// Without the data's record (a run from before it, or one deleted),
	// the run's sigma_data can be checked only against the data
	// themselves: a run whose data cannot be read then is refused, not
	// trusted, since scores from a forged sigma_data are garbage.
	if len(r.Moments.Mean) == 0 && r.Config.Model.SigmaData > 0 {
		_, err := run.Data("checking model.sigma_data")
		switch {
		case errors.Is(err, ErrEdited):
			return nil, err // the data were read: what disagrees is the checkpoint
		case err != nil:
			return nil, fmt.Errorf("%s records no moments of its training data (a run from before 2026-12-04, or edited), so its model.sigma_data can be checked only against the data, and %w; restore the run's training data (data.path %s) or train it again", r.Checkpoint, err, r.Config.Data.Path)
		}
	}
	return run, nil
}

// Data prepares the run's data as training saw it, for what needs it
// (plots over the data, sample metrics, the held-out loss); why names what
// needs it, for the error when a data file has gone.
func (r *Run) Data(why string) (*Data, error) {
	if r.data != nil {
		return r.data, nil
	}
	cfg := r.Config
	if len(r.Discrete) == 0 && len(r.Whole) == 0 && len(r.Places) == 0 && r.Ends.Empty() && cfg.Data.Discrete != "none" {
		// A run whose checkpoint records no discrete columns, whole
		// columns or point masses trained on none (a run from before
		// they were found, or data without any): prepare its data as it
		// did.
		c := *cfg
		c.Data.Discrete = "none"
		cfg = &c
	}
	d, err := Prepare(cfg)
	if err != nil {
		if r.Config.Data.FromFile() {
			return nil, fmt.Errorf("%s needs the run's training data, %s, which cannot be read: %w", why, dataName(r), err)
		}
		return nil, err
	}
	if d.Train.D != r.Model.Dim() {
		return nil, fmt.Errorf("%s needs the run's training data, but %s now has dimension %d, not the model's %d", why, r.Config.Data.Path, d.Train.D, r.Model.Dim())
	}
	if r.DataDigest.N > 0 {
		if differs := d.Digest.Differs(r.DataDigest); differs != "" {
			return nil, fmt.Errorf("%s needs the run's training data, but %s has changed since %s was trained: %s", why, dataName(r), r.Checkpoint, differs)
		}
	}
	// Training fitted the standardisation on this same data, and the
	// checkpoint records it exactly: any other value was written by hand,
	// and would put the samples and the data in different units.
	if j, ok := d.Norm.Differs(r.Norm); ok && r.Norm.Mean[j] == d.Norm.Mean[j] && r.Norm.Std[j] == d.Norm.Std[j] {
		return nil, fmt.Errorf("%s: the quantile map it records for column %s (data.quantile) is not the one fitted to the training data: %w", r.Checkpoint, datasets.ColumnLabel(d.Categories, r.Config.Data.Columns, j), ErrEdited)
	} else if ok {
		return nil, fmt.Errorf("%s: the standardisation it records (column %s: mean %v, std %v) is not the one fitted to the training data (mean %v, std %v): %w", r.Checkpoint, datasets.ColumnLabel(d.Categories, r.Config.Data.Columns, j), r.Norm.Mean[j], r.Norm.Std[j], d.Norm.Mean[j], d.Norm.Std[j], ErrEdited)
	}
	// The discrete columns and their values are found in the same data:
	// others would put every sample onto values the data never held.
	if differs := discreteDiffers(r.Discrete, d.Discrete); differs != "" && len(r.Discrete) > 0 {
		return nil, fmt.Errorf("%s: the discrete columns it records are not the training data's (%s): %w", r.Checkpoint, differs, ErrEdited)
	}
	if !slices.Equal(r.Whole, d.Whole) && len(r.Whole) > 0 {
		return nil, fmt.Errorf("%s: the columns of whole numbers it records (%v, from 1) are not the training data's: %w", r.Checkpoint, oneBased(r.Whole), ErrEdited)
	}
	if r.Image.Size() > 0 && r.Image != d.Image {
		return nil, fmt.Errorf("%s: the image shape it records, %s, is not the training images' %s: %w", r.Checkpoint, r.Image.Describe(), d.Image.Describe(), ErrEdited)
	}
	// The range is fitted the same way: it bounds where chains may go
	// (a larger one would let diverged chains through as samples).
	if (r.MaxAbs != 0 || r.DataDigest.N > 0) && r.MaxAbs != d.MaxAbs {
		return nil, fmt.Errorf("%s: the training data's range it records (largest |x| %v in model units) is not the data's (%v): %w", r.Checkpoint, r.MaxAbs, d.MaxAbs, ErrEdited)
	}
	if len(r.Moments.Mean) > 0 && !r.Moments.Equal(d.Moments) {
		return nil, fmt.Errorf("%s: the training data's moments it records are not the data's: %w", r.Checkpoint, ErrEdited)
	}
	// sigma_data against the data themselves, as train chose or checked
	// it: whatever the checkpoint records of them.
	if err := rundir.SigmaDataFits(r.Config.Model, valuesStd(d.Train), maxAbsMean(d.Train)); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", r.Checkpoint, err, ErrEdited)
	}
	r.data = d
	return d, nil
}

// maxAbsMean is the largest |mean| of a column of p.
func maxAbsMean(p points.Points) float64 {
	largest := 0.0
	for j := range p.D {
		sum := 0.0
		for i := range p.N {
			sum += p.X[i*p.D+j]
		}
		largest = max(largest, math.Abs(sum/float64(p.N)))
	}
	return largest
}

// ErrEdited is Data's error for a checkpoint whose record of the training
// data (standardisation, range, image shape) is not what the data give:
// it was written by hand, and what it says cannot be trusted.
var ErrEdited = errors.New("the checkpoint was edited")

// NetworkScorers makes the learned score of m in the units it sees, one
// scorer per sampling worker (batch chains at once, on at most threads
// threads), with the same score at a level per point for a
// noise-conditional model (nil otherwise), both on one forward pass.
func NetworkScorers(m nn.Model) NewScorer {
	return func(batch, threads int) (score.Func, score.LevelFunc, error) {
		if _, ok := m.(*nn.UNet); ok {
			// A U-Net's pass holds some forty feature maps an image: 2000
			// chains at once took 7.8 GB. In chunks the scores are the
			// same, each image's computed alone.
			if batch > unetScorerBatch {
				batch = unetScorerBatch
				sc, err := nn.NewScorer(m, batch, threads)
				if err != nil {
					return nil, nil, fmt.Errorf("%w (a U-Net is scored %d images at a time at most)", err, unetScorerBatch)
				}
				return sc.Score, sc.ScoreAt, nil
			}
		}
		sc, err := nn.NewScorer(m, batch, threads)
		if err != nil {
			return nil, nil, err
		}
		if !m.NoiseConditional() {
			return sc.Score, nil, nil
		}
		return sc.Score, sc.ScoreAt, nil
	}
}

// unetScorerBatch is the most images a U-Net's scorer takes at once.
const unetScorerBatch = 64

// ModelScorer returns the learned score in the units the model sees
// (standardised when the run standardised its data) for up to batch points
// at once, on all the threads.
func (r *Run) ModelScorer(batch int) (score.Func, error) {
	sc, _, err := NetworkScorers(r.Model)(batch, 0)
	return sc, err
}

// Scorer returns the learned score in data units at points in data units.
// A noise-conditional model's sigma is in model units.
func (r *Run) Scorer(batch int) (score.Func, error) {
	return r.ClassScorer(batch, nil)
}

// ClassScorer is Scorer for points of the given classes (one per point of
// every call, as the run numbers them): a class-conditional model's score
// of x given its class, the gradient of log p(x, y) in x; nil labels
// score every point without a class, by the model's unconditional field.
func (r *Run) ClassScorer(batch int, labels []int32) (score.Func, error) {
	var modelScore score.Func
	var err error
	if labels != nil {
		modelScore, err = r.labelledScorer(batch, labels)
	} else {
		modelScore, err = r.ModelScorer(batch)
	}
	if err != nil {
		return nil, err
	}
	d := r.Model.Dim()
	return func(dst, x []float64, sigma float64) error {
		if len(x)%d != 0 {
			return fmt.Errorf("workflow: %d values are not points of dimension %d", len(x), d)
		}
		z := r.Norm.Apply(points.Points{N: len(x) / d, D: d, X: x})
		if err := modelScore(dst, z.X, sigma); err != nil {
			return err
		}
		r.Norm.ScoreToData(dst, x)
		return nil
	}, nil
}

// labelledScorer is ModelScorer with each point's class given.
func (r *Run) labelledScorer(batch int, labels []int32) (score.Func, error) {
	if _, ok := r.Model.(*nn.UNet); ok {
		batch = min(batch, unetScorerBatch)
	}
	sc, err := nn.NewScorer(r.Model, batch, 0)
	if err != nil {
		return nil, err
	}
	if err := sc.SetLabels(labels); err != nil {
		return nil, err
	}
	return sc.Score, nil
}

// SmallestSigma is the lowest noise level the run trained at, the level at
// which a noise-conditional model is closest to the data's own score; 0 for
// losses without noise.
func (r *Run) SmallestSigma() float64 { return Smallest(r.Config.NoiseLevels()) }

// Smallest is the last of levels (largest first), 0 for none.
func Smallest(levels []float64) float64 {
	if len(levels) == 0 {
		return 0
	}
	return levels[len(levels)-1]
}

// scoring is the score a sampler follows on the run, by kind ("network" or
// "analytic"), with the noise ladder annealed, pc and ode sampling walk and
// the level of plain sampling.
func (r *Run) scoring(samplerKind, kind string) (NewScorer, []float64, float64, error) {
	cfg := r.Config
	switch kind {
	case "analytic":
		if cfg.Data.Dataset != "gaussian" && cfg.Data.Dataset != "gaussian_mixture" {
			return nil, nil, 0, fmt.Errorf("-score analytic needs data with a known density (gaussian or gaussian_mixture), not %s", cfg.Data.Dataset)
		}
		data, err := r.Data("-score analytic")
		if err != nil {
			return nil, nil, 0, err
		}
		if data.Density == nil {
			return nil, nil, 0, fmt.Errorf("-score analytic needs data with a known density (gaussian or gaussian_mixture), not %s", cfg.Data.Dataset)
		}
		if cfg.Data.Standardize {
			return nil, nil, 0, fmt.Errorf("-score analytic needs data.standardize: false (noise levels would be in standardised units)")
		}
		return func(int, int) (score.Func, score.LevelFunc, error) {
			return density.ScoreOf(data.Density), density.LevelScoreOf(data.Density), nil
		}, cfg.Train.Sigmas.Ladder(), 0, nil
	case "network":
		if samplerKind != sampler.KindLangevin && !r.Model.NoiseConditional() {
			return nil, nil, 0, fmt.Errorf("the %s sampler needs a noise-conditional model (model.noise_conditional: true); this one is not: use -sampler langevin", samplerKind)
		}
		return NetworkScorers(r.Model), cfg.NoiseLevels(), r.SmallestSigma(), nil
	}
	return nil, nil, 0, fmt.Errorf("-score %q: want network or analytic", kind)
}

// GuidedScorers makes the learned score of a class-conditional model m for
// chains with the given labels (one per chain a scorer is made for), with
// classifier-free guidance (Ho & Salimans 2022) of weight w: (1 + w)
// s(x, sigma, y) - w s(x, sigma), the unconditional score being the null
// label's; w = 0 is the conditional score alone, one pass. The scorer is
// to be made once; rows tells its score at per-point levels which of the
// chains it is given (the ode solver's unfinished ones), as
// sampler.Chains.Rows does.
func GuidedScorers(m nn.Model, labels []int32, w float64) (newScorer NewScorer, rows func([]int)) {
	current, some := labels, make([]int32, len(labels)) // the labels of the chains the level score is given
	rows = func(idx []int) {
		current = some[:len(idx)]
		for i, r := range idx {
			current[i] = labels[r]
		}
	}
	return func(batch, threads int) (score.Func, score.LevelFunc, error) {
		sc, err := nn.NewScorer(m, batch, threads)
		if err != nil {
			return nil, nil, err
		}
		net, ok := m.(interface{ Classes() int })
		if !ok || net.Classes() == 0 {
			return nil, nil, fmt.Errorf("workflow: labels given to a %s model without classes", m.Kind())
		}
		null := make([]int32, len(labels))
		for i := range null {
			null[i] = mlp.Null(net.Classes())
		}
		var plain []float64
		guide := func(dst, x []float64, labels []int32, one func(dst, x []float64) error) error {
			if len(x) != len(labels)*m.Dim() {
				return fmt.Errorf("workflow: %d chains scored, %d labelled", len(x)/m.Dim(), len(labels))
			}
			if err := sc.SetLabels(labels); err != nil {
				return err
			}
			if err := one(dst, x); err != nil || w == 0 {
				return err
			}
			if len(plain) < len(x) {
				plain = make([]float64, len(x))
			}
			if err := sc.SetLabels(null[:len(labels)]); err != nil {
				return err
			}
			if err := one(plain[:len(x)], x); err != nil {
				return err
			}
			for i, c := range dst {
				dst[i] = (1+w)*c - w*plain[i]
			}
			return nil
		}
		at := func(dst, x []float64, sigma float64) error {
			return guide(dst, x, labels, func(dst, x []float64) error { return sc.Score(dst, x, sigma) })
		}
		each := func(dst, x, sigmas []float64) error {
			return guide(dst, x, current, func(dst, x []float64) error { return sc.ScoreAt(dst, x, sigmas) })
		}
		return at, each, nil
	}, rows
}

// dataName names a run's data for people: its path, or the data set drawn.
func dataName(r *Run) string {
	d := r.Config.Data
	if d.FromFile() && d.Labels != "" && d.Labels != "folders" {
		return "data.path " + d.Path + " with data.labels " + d.Labels
	}
	if d.FromFile() {
		return "data.path " + d.Path
	}
	return "the " + r.Config.Data.Dataset + " data set"
}

// discreteDiffers names the first column where two records of discrete
// columns differ, or is "".
func discreteDiffers(a, b Discrete) string {
	for _, j := range append(a.columns(), b.columns()...) {
		if !slices.Equal(a[j], b[j]) {
			return fmt.Sprintf("column %d: %v recorded, %v in the data", j+1, a[j], b[j])
		}
	}
	return ""
}

// oneBased numbers columns from 1, as messages do.
func oneBased(cols []int) []int {
	out := make([]int, len(cols))
	for k, j := range cols {
		out[k] = j + 1
	}
	return out
}
