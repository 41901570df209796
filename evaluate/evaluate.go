// Package evaluate measures a trained run: its loss on held-out data, how
// close its score is to the true one where the data's density is known,
// and how close its samples are to fresh data. It ties together workflow
// (the run, its data, the sampling and likelihood recipes), losses and
// metrics; `scorenet eval` prints its Report as JSON.
package evaluate

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"scorenet/datasets"
	"scorenet/losses"
	"scorenet/metrics"
	"scorenet/points"
	"scorenet/sampler"
	"scorenet/workflow"
)

// Report is everything Run measures.
type Report struct {
	Run        string   `json:"run"`
	Checkpoint string   `json:"checkpoint"`
	Step       int      `json:"step"`
	Weights    string   `json:"weights"` // ema or raw
	Loss       string   `json:"loss_kind"`
	Heldout    *Heldout `json:"heldout,omitempty"`
	// Against names the file whose rows stood for the held-out split
	// (eval -in); "" for the run's own.
	Against string   `json:"measured_against,omitempty"`
	Fisher  []Fisher `json:"fisher,omitempty"`
	Samples *Samples `json:"samples,omitempty"`
	// Likelihood is the model's log-likelihood of held-out points, by the
	// probability-flow ODE (noise-conditional models over a noise range).
	Likelihood *workflow.Likelihood `json:"likelihood,omitempty"`
	Notes      []string             `json:"notes,omitempty"`
	File       string               `json:"file,omitempty"` // where eval wrote this report
}

// Heldout is the training loss on the held-out split, as training's
// validation computes it (losses.HeldOut), and for a loss over noise
// levels the denoising loss at each level of the ladder alone.
type Heldout struct {
	Points int `json:"points"`
	losses.Terms
	// PerLevel is the loss at each noise level, or at MaxPerLevel of them
	// evenly spread (the first and the last among them) on a longer ladder.
	PerLevel []LevelLoss `json:"per_level,omitempty"`
}

// MaxPerLevel bounds the levels the held-out loss is reported at: a
// ladder of 100000 levels took eval minutes, silent, for a list no one
// reads whole.
const MaxPerLevel = 100

// LevelLoss is the held-out denoising loss at one noise level (weight
// sigma^2, so levels compare), on up to 512 held-out points.
type LevelLoss struct {
	Sigma float64 `json:"sigma"`
	Loss  float64 `json:"loss"`
}

// Fisher compares the learned score with the true one at held-out points
// (perturbed by N(0, sigma^2 I) for a noise level sigma > 0).
type Fisher struct {
	Sigma      float64 `json:"sigma,omitempty"`
	Divergence float64 `json:"divergence"`   // 1/2 E||s - s_true||^2
	MeanSqTrue float64 `json:"mean_sq_true"` // E||s_true||^2
	Relative   float64 `json:"relative"`     // E||s - s_true||^2 / E||s_true||^2
}

// Samples compares samples drawn with the run's sampler against fresh data.
type Samples struct {
	Sampler string `json:"sampler"`
	// SigmaStop is the level a solver stopped at, keeping its noise
	// (sample.sigma_stop, as auto chose it); 0: it denoised at the last.
	SigmaStop float64 `json:"sigma_stop,omitempty"`
	// Ladder says why annealed Langevin walked other levels than the
	// run's (workflow.Job.LadderNote), where it did.
	Ladder string `json:"ladder,omitempty"`
	N      int    `json:"n"`
	// Lost chains diverged and were left out of the metrics (at most
	// workflow.DefaultMaxLost of them).
	Lost int `json:"diverged_left_out"`
	// ClampedPixels is the share of an image run's sample values that fell
	// outside [0, 1] and were clamped to it (workflow.Job.Pixels).
	ClampedPixels float64 `json:"clamped_pixels,omitempty"`
	// ChainStepsPerSec: chains times steps per second of sampling; for
	// ode, whose steps are each chain's own, chains times their mean score
	// evaluations.
	ChainStepsPerSec float64 `json:"chain_steps_per_second"`
	// Score evaluations per chain: the mean, and the most any chain took
	// (they differ only for the ode sampler, whose steps are adaptive).
	Evaluations    float64       `json:"score_evaluations"`
	MaxEvaluations int           `json:"max_score_evaluations"`
	ComparedWith   string        `json:"compared_with"`
	Distances                    // in data units
	ModelUnits     Distances     `json:"model_units"` // the same, in the units the model sees
	Memorisation   *Memorisation `json:"memorisation,omitempty"`
	// Verdict is sample's verdict on the samples against the training and
	// held-out data, with a warning when their energy distance to fresh
	// data is far above the held-out rows' own (a mode missing, which MMD²
	// can miss).
	Verdict *workflow.Verdict `json:"verdict,omitempty"`
	// ByClass, for a class-conditional run, are the verdicts on as many
	// more samples drawn a class at a time (chain c of class c mod K, with
	// the run's sample.guidance), each against its class's data.
	ByClass    []workflow.ClassVerdict `json:"by_class,omitempty"`
	Guidance   float64                 `json:"by_class_guidance,omitempty"` // sample.guidance, where ByClass is drawn with it
	Components []Component             `json:"components,omitempty"`
}

// Component is a mixture component with its true weight and the fraction
// of samples nearer its mean than any other.
type Component struct {
	Mean     []float64 `json:"mean"`
	Weight   float64   `json:"weight"`
	Fraction float64   `json:"fraction"`
}

// Options choose what Run measures.
type Options struct {
	Samples bool // draw samples and compare them (the slowest part)
	N       int  // chains to draw; 0 uses the config's sample.n
	Seed    uint64
	// Progress, if set, follows the sampler.
	Progress func(done, total int)
	// Likelihood is how many held-out points to compute the
	// log-likelihood of (noise-conditional models over a noise range; 0:
	// none), and how.
	Likelihood        int
	LikelihoodOptions workflow.LikelihoodOptions
	// HeldOut, where given, are rows of a file that stand for the run's
	// held-out split (workflow.Run.HeldOutFrom): the held-out loss, the
	// likelihood and the samples are measured against them.
	HeldOut *HeldOut
}

// HeldOut are rows of a file measured as the held-out split: in model
// units, with their classes (nil for none) and the rows beyond a
// quantile-mapped column's range marked (nil for none).
type HeldOut struct {
	Path   string
	Valid  points.Points
	Labels []int32
	Beyond []bool
}

// Run evaluates a trained run. Without the samples, a run whose training
// data file has gone still gets a report: what needs the data is left out,
// with a note saying why.
func Run(run *workflow.Run, opts Options) (*Report, error) {
	cfg := run.Config
	rep := &Report{Run: run.Dir, Checkpoint: run.Checkpoint, Step: run.Step, Weights: run.Weights, Loss: cfg.Train.Loss}
	why := "the held-out loss"
	if opts.Samples {
		why = "comparing samples with held-out data"
	}
	data, err := run.Data(why)
	switch {
	case err != nil && opts.Samples:
		return nil, fmt.Errorf("evaluate: %w (eval -samples=false needs no data file)", err)
	case err != nil && opts.HeldOut != nil:
		// The given rows are all the held-out loss and the likelihood need.
		rep.Notes = append(rep.Notes, fmt.Sprintf("no samples, no Fisher divergence and no check of the rows against the training rows: %v", err))
		data = &workflow.Data{}
	case err != nil:
		rep.Notes = append(rep.Notes, fmt.Sprintf("no held-out loss: %v", err))
		return rep, nil
	}
	if h := opts.HeldOut; h != nil {
		given := *data
		given.Valid, given.ValidLabels, given.ValidBeyond, given.HeldOutPath = h.Valid, h.Labels, h.Beyond, h.Path
		data = &given
		rep.Against = h.Path
		if data.Train.N > 0 {
			if n := trainingRows(run.DataUnits(data.Train), run.DataUnits(data.Valid)); n == data.Valid.N {
				return nil, fmt.Errorf("evaluate: every row of %s is one of the run's training rows: measured against them, samples that copy the training data read as good; give rows the run never saw (or leave out -in for its own held-out split)", h.Path)
			} else if n > 0 {
				rep.Notes = append(rep.Notes, fmt.Sprintf("%d of the %d rows of %s are training rows: against them, copies of the training data read nearer than new rows would", n, data.Valid.N, h.Path))
			}
		}
	}
	if rep.Heldout, err = heldout(run, data); err != nil {
		return nil, err
	}
	if opts.Likelihood > 0 && run.Model.NoiseConditional() && len(cfg.NoiseLevels()) > 1 && data.Valid.N > 0 {
		held := firstRows(data.Valid, opts.Likelihood)
		keep := make([]int, 0, held.N)
		for i := range held.N {
			if data.ValidBeyond == nil || !data.ValidBeyond[i] {
				keep = append(keep, i)
			}
		}
		pts, left := run.Norm.Invert(held.Subset(keep)), held.N-len(keep)
		if pts.N > 0 {
			if rep.Likelihood, err = workflow.LogLikelihood(run, pts, opts.LikelihoodOptions); err != nil {
				return nil, err
			}
			rep.Likelihood.Of = fmt.Sprintf("the first %d points of the held-out split", pts.N+left)
			if data.HeldOutPath != "" {
				rep.Likelihood.Of = fmt.Sprintf("the first %d rows of %s", pts.N+left, data.HeldOutPath)
			}
		}
		if left > 0 {
			// Beyond a quantile-mapped column's range the model has no
			// density: its log p is no number to average.
			rep.Notes = append(rep.Notes, fmt.Sprintf("likelihood: %d of the first %d held-out points left out, beyond the training range of a column mapped through its quantiles", left, pts.N+left))
			if rep.Likelihood != nil {
				rep.Likelihood.Of += fmt.Sprintf(", less the %d beyond a column's training range", left)
			}
		}
		if masses, _ := workflow.OnPointMasses(run.Norm, nil, pts, nil); masses > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("likelihood: %d of the %d held-out points hold a value that a column mapped through its quantiles repeats, a point mass: their log p counts it by its probability, the model's mass on its stretch of scores", masses, pts.N))
		}
	}
	if data.Density != nil {
		if rep.Fisher, err = fisher(run, data, opts.Seed); err != nil {
			return nil, err
		}
	} else {
		rep.Notes = append(rep.Notes, fmt.Sprintf("no Fisher divergence: the %s data set has no closed-form score", cfg.Data.Dataset))
	}
	if opts.Samples {
		if rep.Samples, err = samples(run, data, opts); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// heldout is the run's own loss over the held-out split, with fixed noise.
func heldout(run *workflow.Run, data *workflow.Data) (*Heldout, error) {
	v, cfg := data.Valid, run.Config
	if v.N == 0 {
		return nil, nil
	}
	h, err := losses.NewHeldOut(cfg.Train.Loss, run.Model, cfg.NoiseLevels(), cfg.Train.Engine, v.N, cfg.Seed)
	if err != nil {
		return nil, err
	}
	// With the labels, as training measured it (nil for other runs).
	terms, err := h.EvaluateLabelled(v.X, v.D, data.ValidLabels)
	if err != nil {
		return nil, err
	}
	out := &Heldout{Points: v.N, Terms: terms}
	if losses.OverLevels(cfg.Train.Loss) {
		few := firstRows(v, 512)
		for _, sigma := range spreadOut(cfg.NoiseLevels(), MaxPerLevel) {
			level, err := losses.NewHeldOut(losses.DSM, run.Model, []float64{sigma}, cfg.Train.Engine, few.N, cfg.Seed)
			if err != nil {
				return nil, err
			}
			var labels []int32
			if data.ValidLabels != nil {
				labels = data.ValidLabels[:few.N]
			}
			t, err := level.EvaluateLabelled(few.X, few.D, labels)
			if err != nil {
				return nil, err
			}
			out.PerLevel = append(out.PerLevel, LevelLoss{Sigma: sigma, Loss: t.Loss})
		}
	}
	return out, nil
}

// spreadOut is levels, or k of them evenly spread, first and last
// included, when there are more.
func spreadOut(levels []float64, k int) []float64 {
	if len(levels) <= k {
		return levels
	}
	out := make([]float64, k)
	for i := range out {
		out[i] = levels[i*(len(levels)-1)/(k-1)]
	}
	return out
}

// fisher compares scores in data units at held-out points: those of the
// split (fresh draws when nothing is held out), perturbed at each noise
// level for noise-conditional models.
func fisher(run *workflow.Run, data *workflow.Data, seed uint64) ([]Fisher, error) {
	pts := run.Norm.Invert(data.Valid)
	rng := rand.New(rand.NewPCG(seed, 0xf15e))
	if pts.N == 0 {
		pts = points.New(2000, data.Train.D)
		data.Density.Sample(pts, rng)
	}
	score, err := run.Scorer(min(pts.N, 1024))
	if err != nil {
		return nil, err
	}
	levels := []float64{0}
	if run.Model.NoiseConditional() {
		if run.Config.Data.Standardize {
			return nil, fmt.Errorf("evaluate: per-level Fisher divergence needs unstandardised data (noise levels are in model units)")
		}
		levels = spreadOut(run.Config.NoiseLevels(), MaxPerLevel)
	}
	var out []Fisher
	for _, sigma := range levels {
		at, truth := pts, data.Density
		if sigma > 0 {
			at = points.New(pts.N, pts.D)
			for i, v := range pts.X {
				at.X[i] = v + sigma*rng.NormFloat64()
			}
			truth = data.Density.Perturbed(sigma)
		}
		sqErr, sqTrue, err := ScoreError(score, sigma, truth, at)
		if err != nil {
			return nil, err
		}
		out = append(out, Fisher{Sigma: sigma, Divergence: sqErr / 2, MeanSqTrue: sqTrue, Relative: sqErr / sqTrue})
	}
	return out, nil
}

// samples draws with the run's sampler settings and compares with fresh
// data: new draws from the density when it is known, the held-out split
// (or the training data) otherwise.
func samples(run *workflow.Run, data *workflow.Data, opts Options) (*Samples, error) {
	cfg := run.Config
	s := cfg.Sample
	if opts.N > 0 {
		s.N = opts.N
	}
	s.Seed = opts.Seed
	if s.Init.Kind == "file" {
		return nil, fmt.Errorf("evaluate: sample.init.kind file is not supported here; use uniform or gaussian")
	}
	if s.Sampler != "langevin" && !run.Model.NoiseConditional() {
		return nil, fmt.Errorf("evaluate: %s sampling needs a noise-conditional model; set sample.sampler: langevin", s.Sampler)
	}
	job, err := run.RunJob(s, "network")
	if err != nil {
		return nil, err
	}
	job.Progress = opts.Progress
	job.MaxLost = workflow.DefaultMaxLost
	job.Labels = run.MixedLabels(s.N) // as sample draws without -class
	drawn, err := workflow.Sample(job)
	if err != nil {
		return nil, err
	}
	mean, most := drawn.MeanEvaluations()
	steps := float64(drawn.Steps)
	if s.Sampler == sampler.KindODE { // its steps are each chain's own: count its evaluations
		steps = mean
	}
	got := drawn.Samples
	if cats := workflow.Categories(cfg.Data.Categories); datasets.HasFollows(cats) {
		// The samples as sample writes them: each following category set
		// from the one it follows, back in the model's columns.
		got = datasets.ExpandBits(workflow.SampleRows(cfg, got), cats)
	}
	var fresh points.Points
	var against string
	switch {
	case data.Density != nil:
		fresh = points.New(s.N, got.D)
		data.Density.Sample(fresh, rand.New(rand.NewPCG(s.Seed, 0xf7e5)))
		against = fmt.Sprintf("%d fresh draws from the data set's density", fresh.N)
	case data.Valid.N > 0 && data.HeldOutPath != "":
		fresh = run.DataUnits(firstRows(data.Valid, 2000))
		against = fmt.Sprintf("the rows of %s, %d points", data.HeldOutPath, data.Valid.N)
	case data.Valid.N > 0:
		fresh = run.DataUnits(firstRows(data.Valid, 2000))
		against = fmt.Sprintf("the held-out split, %d points", data.Valid.N)
	default:
		fresh = run.DataUnits(firstRows(data.Train, 2000))
		against = fmt.Sprintf("the training data, %d points (nothing is held out)", data.Train.N)
	}
	fresh = firstRows(fresh, 2000)
	cmp := firstRows(got, 2000)
	out := &Samples{Sampler: s.Sampler, SigmaStop: job.Sample.SigmaStop, Ladder: job.LadderNote, N: s.N, ChainStepsPerSec: float64(s.N) * steps / drawn.Seconds,
		ComparedWith: fmt.Sprintf("%s (the first %d of them against the first %d samples)", against, fresh.N, cmp.N),
		Evaluations:  mean, MaxEvaluations: most, Lost: len(drawn.Lost), ClampedPixels: float64(drawn.Clamped) / float64(max(1, len(drawn.Samples.X)))}
	if out.Distances, err = distances(cmp, fresh, s.Seed); err != nil {
		return nil, err
	}
	if out.ModelUnits, err = distances(run.Norm.Apply(cmp), run.Norm.Apply(fresh), s.Seed); err != nil {
		return nil, err
	}
	if run.Image.Size() > 0 && data.Valid.N > 0 {
		out.Memorisation = memorisation(data.Train, run.Norm.Apply(cmp), data.Valid)
	}
	if out.Verdict, err = verdict(run, data, got, out.ModelUnits.EnergyDistance, s.Sampler); err != nil {
		return nil, err
	}
	if cfg.Model.Classes > 0 {
		if out.ByClass, err = byClass(run, data, job); err != nil {
			return nil, err
		}
		out.Guidance = s.Guidance
	}
	if cfg.Data.Dataset == "gaussian_mixture" {
		fractions := sampler.FractionNearest(got, cfg.Data.Means)
		for k, m := range cfg.Data.Means {
			out.Components = append(out.Components, Component{Mean: m, Weight: cfg.Data.Weights[k], Fraction: fractions[k]})
		}
	}
	for _, v := range []float64{out.MMD2, out.EnergyDistance, out.SlicedW2} {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("evaluate: a sample metric is NaN: the samples diverged")
		}
	}
	return out, nil
}

// byClass draws the job's chains again, each with a class in turn, and
// judges each class's samples against its data.
func byClass(run *workflow.Run, data *workflow.Data, job workflow.Job) ([]workflow.ClassVerdict, error) {
	var err error
	job.Sample.N = max(job.Sample.N, run.Config.Model.Classes) // a chain a class at least
	if job.Labels, err = workflow.ChainLabels("all", job.Sample.N, run.Config.Model.Classes); err != nil {
		return nil, err
	}
	drawn, err := workflow.Sample(job)
	if err != nil {
		return nil, fmt.Errorf("evaluate: the samples by class: %w", err)
	}
	return workflow.JudgeRunByClass(run, data, drawn.Samples, drawn.Labels, job.Sample.Sampler)
}

// Distances are the sample metrics in one system of units.
type Distances struct {
	MMD2           float64 `json:"mmd2"`
	Bandwidth      float64 `json:"mmd_bandwidth"`
	EnergyDistance float64 `json:"energy_distance"`
	SlicedW2       float64 `json:"sliced_wasserstein"`
}

func distances(got, fresh points.Points, seed uint64) (Distances, error) {
	var d Distances
	var err error
	d.Bandwidth = metrics.MedianBandwidth(got, fresh)
	if d.MMD2, err = metrics.MMD2(got, fresh, d.Bandwidth); err != nil {
		return d, err
	}
	if d.EnergyDistance, err = metrics.EnergyDistance(got, fresh); err != nil {
		return d, err
	}
	d.SlicedW2, err = metrics.SlicedWasserstein(got, fresh, 200, rand.New(rand.NewPCG(seed, 0x51)))
	return d, err
}

// Memorisation compares how close samples come to the training images
// with how close held-out images do: a ratio well below 1 means the
// samples copy training images.
type Memorisation struct {
	Samples float64 `json:"median_nearest_training_distance_of_samples"`
	Heldout float64 `json:"median_nearest_training_distance_of_heldout"`
	Ratio   float64 `json:"ratio"`
	Points  int     `json:"points_each"` // samples and held-out images measured
}

// memorisation measures up to 200 samples and as many held-out images
// against every training image, in the units the model sees (the ratio
// does not depend on them).
func memorisation(train, samples, heldout points.Points) *Memorisation {
	n := min(samples.N, heldout.N, 200)
	median := func(p points.Points) float64 {
		var nearest []float64
		for i := 0; i < n; i++ {
			best := math.Inf(1)
			for j := 0; j < train.N; j++ {
				d := 0.0
				for k, v := range p.Row(i) {
					diff := v - train.X[j*train.D+k]
					d += diff * diff
				}
				best = math.Min(best, d)
			}
			nearest = append(nearest, math.Sqrt(best))
		}
		slices.Sort(nearest)
		return nearest[len(nearest)/2]
	}
	m := &Memorisation{Samples: median(samples), Heldout: median(heldout), Points: n}
	m.Ratio = m.Samples / m.Heldout
	return m
}

// firstRows keeps at most n points: the pairwise metrics cost O(n^2).
func firstRows(p points.Points, n int) points.Points {
	if p.N <= n {
		return p
	}
	return points.Points{N: n, D: p.D, X: p.X[:n*p.D]}
}

// energyRatio bounds the samples' energy distance to fresh data, in model
// units, as a multiple of the held-out rows' own to as many training rows:
// beyond it a mode is likely missing.
const energyRatio = 3

// inModelUnits is rows of the run's data as the samples are compared in
// model units: a discrete column's values put back onto its values, as the
// samples' are, then standardised.
func inModelUnits(run *workflow.Run, p points.Points) points.Points {
	return run.Norm.Apply(run.DataUnits(p))
}

// verdict is sample's verdict with eval's energy-distance check added.
func verdict(run *workflow.Run, data *workflow.Data, samples points.Points, energy float64, kind string) (*workflow.Verdict, error) {
	v, err := workflow.JudgeRun(run, data, samples, kind)
	if err != nil { // the metrics stand without it: say why it is missing
		return &workflow.Verdict{Samples: samples.N, Warnings: []string{"no verdict: " + err.Error()}}, nil
	}
	// A design's or a series' held-out rows sit between training rows,
	// each in its own cell (a date), nearer than any sampler's rows can:
	// the baseline says nothing there, as the nearness does not.
	if data.Valid.N >= 20 && len(v.Design) == 0 {
		base, err := metrics.EnergyDistance(inModelUnits(run, firstRows(data.Valid, 2000)), inModelUnits(run, firstRows(data.Train, min(data.Valid.N, 2000))))
		if err != nil {
			return nil, err
		}
		if energy > energyRatio*base && energy > 1e-3 {
			v.Warnings = append(v.Warnings, fmt.Sprintf("the samples' energy distance to fresh data, %.3g, is %.1f times the held-out rows' own to the training data (%.3g): a part of the data (a mode) may be missing from the samples; %s, or sample with more steps (%s)",
				energy, energy/base, base, v.TrainLonger(), workflow.MoreSteps(kind)))
		}
	}
	return &v, nil
}

// trainingRows counts the rows of valid that are rows of train too, both
// brought back to data units (discrete columns onto their values, a
// quantile map's ties onto theirs): a file given as held-out rows that
// holds training rows.
func trainingRows(train, valid points.Points) int {
	key := func(row []float64) string {
		b := make([]byte, 0, 8*len(row))
		for _, v := range row {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return string(b)
	}
	seen := make(map[string]bool, train.N)
	for i := range train.N {
		seen[key(train.Row(i))] = true
	}
	n := 0
	for i := range valid.N {
		if seen[key(valid.Row(i))] {
			n++
		}
	}
	return n
}
