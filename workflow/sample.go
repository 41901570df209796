package workflow

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/gemm"
	"scorenet/internal/noisescale"
	"scorenet/losses"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/sampler"
	"scorenet/score"
)

// NewScorer makes one sampling worker's score for batch chains at once, on
// at most threads threads: at one level for every chain and, where the
// score has levels, at a level per chain (nil otherwise).
type NewScorer func(batch, threads int) (score.Func, score.LevelFunc, error)

// Job is one sampling: which chains, from where, on which score, by which
// sampler. Every command that samples (sample, eval, train's figures)
// describes its sampling as a Job; the benchmark times the sampler's steps
// alone, on chains from sampler.NewChains.
type Job struct {
	Sample configs.Sample // the sampler and its settings: a run's sample section with the caller's overrides
	Sigmas []float64      // the levels annealed, pc and ode walk, largest first, in model units
	Sigma  float64        // the level plain Langevin evaluates a noise-conditional score at
	Dim    int
	Norm   datasets.Normalizer // data units to model units
	MaxAbs float64             // the training data's largest |x_j| in model units: the sane region
	Prior  sampler.Prior       // the training data's moments in model units, where recorded: the solvers' start
	// ClassPriors are each class's moments, where recorded: the start of
	// the solvers' labelled chains (a class's chains started from all the
	// data's moments end biased toward the other classes: the ODE carries
	// its start's error to the end).
	ClassPriors []sampler.Prior
	Scores      NewScorer
	// Labels, for a class-conditional model, are every chain's class (one
	// per chain of Sample.N, or of Start), drawn by LabelledScores with
	// classifier-free guidance of weight Sample.Guidance; nil draws
	// without labels, by Scores.
	Labels         []int32
	LabelledScores func(labels []int32, guidance float64) (NewScorer, func(rows []int))
	// RowClasses, for Impute on a class-conditional model, are each given
	// row's class as the run numbers them, -1 for a row without one: a
	// row's draws come from its class's field, or the null class's (the
	// model's unconditional field) where it has none. nil draws every row
	// by the unconditional field.
	RowClasses []int32
	Classes    int // a class-conditional model's classes, the null class's label
	// First and Count are the chains drawn, First..First+Count-1 of
	// Sample.N (Count 0: all of them); a shard of a larger run draws the
	// same bits as those rows of the whole.
	First, Count int
	// Start, for sample.init.kind file, are every chain's starting points
	// in data units; nil to draw them as the sampler and sample.init say.
	Start    *points.Points
	Progress func(done, total int)
	// LadderNote says why annealed Langevin walks other levels than the
	// run's ladder (denseLadder); "" where it walks them.
	LadderNote string
	// Discrete are a table's discrete columns, which the samples are put
	// back onto (the chains, in model units, are left as drawn).
	Discrete Discrete
	// Categories are a table's category columns (data.categories): an
	// imputed entry of one is its draws' most frequent level, not their
	// mean.
	Categories []datasets.Category
	// Ends are the point masses at a table's column ends, which samples
	// beyond are put on.
	Ends datasets.Ends
	// Whole are a table's continuous columns of whole numbers, which
	// samples are rounded to.
	Whole datasets.Whole
	// Places are a table's columns written to a few decimal places,
	// which samples are rounded to.
	Places datasets.Places
	// Heaps are a table's columns a share of whose values are whole
	// numbers: that share of the samples, drawn a row's own, is rounded.
	Heaps datasets.Heaps
	// KeepSnapshots keeps the chains every sample.snapshot_every steps
	// (sample -snapshots writes them); otherwise none are kept, whatever
	// the setting says: kept and never written, they filled memory.
	KeepSnapshots bool
	// Pixels says the samples are images, whose values are pixels in
	// [0, 1]: they are clamped to it, as image samplers do before saving
	// (the last noise level leaves the background's zeros a little below
	// 0), and how many were moved is reported (Drawn.Clamped).
	Pixels bool
	// MaxLost is the share of chains that may diverge and be left out of
	// the samples (sampler.Settings.MaxLost); 0: any is an error. A shard
	// keeps 0, since merge joins shards of their full count.
	MaxLost float64
	// MaxODESteps bounds the steps of each chain of the ode sampler (0:
	// the solver's own bound), whose work is not known in advance.
	MaxODESteps int
}

// DefaultMaxLost is the share of diverged chains sample and eval leave out
// (saying so) before they call the sampling failed. The default image
// model trained from Fashion-MNIST's IDX file lost 14 of 1000 chains
// (1.4%) at its auto step size, around sigma 1.5-1.9: a share that its
// samples can do without, where one lost chain used to cost them all.
const DefaultMaxLost = 0.05

// ErrFileStart is Sample's error for a job whose sample.init.kind is file
// but which has no Start.
var ErrFileStart = errors.New("workflow: sample.init.kind file needs the starting points read from sample.init.path")

// Settings are the sampler's settings of the job, before its chains exist
// (the sane bound is set by Sample).
func (j Job) Settings() sampler.Settings {
	s := j.Sample
	if !j.KeepSnapshots {
		s.SnapshotEvery = 0
	}
	return sampler.Settings{Kind: s.Sampler, Steps: s.Steps, StepsPerLevel: s.StepsPerLevel, Eps: s.Eps, Sigmas: j.Sigmas, Sigma: j.Sigma,
		Denoise: s.Denoise, SnapshotEvery: s.SnapshotEvery, Levels: s.Levels, CorrectorSteps: s.CorrectorSteps, SNR: s.SNR,
		Rtol: s.Rtol, Atol: s.Atol, Rho: s.Rho, Churn: sampler.Churn{Amount: s.Churn, Min: s.ChurnMin, Max: s.ChurnMax, Noise: s.ChurnNoise}, SigmaStop: s.SigmaStop,
		MaxSteps: j.MaxODESteps, Progress: j.Progress}
}

// denseLadder is the ladder annealed Langevin walks on a model trained
// on a continuum of levels (edm_dsm, vesde_dsm), which takes any level
// between its ladder's ends: levels no more than smallDGamma apart where
// the run's are further, with sample.eps auto chosen again for them by
// technique 4, and a note saying so ("" where the ladder stands).
// Technique 2 asks no bound of small tables' ladders (5 columns: 3
// levels, each 17.7 times the next), but Langevin chains cannot settle
// across such a ratio in a level's steps: impute's draws of a 5-column
// table came out twice the data's spread, worse than column means.
func denseLadder(levels []float64, s configs.Sample) ([]float64, float64, string) {
	n := len(levels)
	if n < 2 {
		return levels, s.Eps, ""
	}
	top, bottom := levels[0], levels[n-1]
	gamma := math.Pow(top/bottom, 1/float64(n-1))
	if gamma <= smallDGamma*(1+1e-9) {
		return levels, s.Eps, ""
	}
	dense := int(math.Ceil(math.Log(top/bottom)/math.Log(smallDGamma))) + 1
	out := noisescale.Geometric(top, bottom, dense)
	ratio := math.Pow(top/bottom, 1/float64(dense-1))
	eps, how := s.Eps, fmt.Sprintf("sample.eps %.4g as given", s.Eps)
	if s.EpsAuto {
		paper, _ := noisescale.StepSize(ratio, bottom, s.StepsPerLevel)
		if paper > 0 {
			eps, how = noisescale.ScorenetEps(paper), fmt.Sprintf("sample.eps auto %.4g by technique 4 for them", noisescale.ScorenetEps(paper))
		}
	}
	return out, eps, fmt.Sprintf("annealed Langevin walks %d levels from %.4g to %.4g, each %.3g times the next, not the run's %d (%.3g apart): its model, trained on a continuum of levels (edm_dsm or vesde_dsm), takes any, and chains do not settle across a ratio of %.3g in %d steps a level; %s",
		dense, top, bottom, ratio, n, gamma, gamma, s.StepsPerLevel, how)
}

// Drawn is what a Sample drew.
type Drawn struct {
	Samples points.Points // in data units, one row per chain
	Chains  points.Points // the same in model units, where the sampler moved them
	sampler.Result
	Steps   int     // the sampler's steps (for ode, the progress units of its span)
	Seconds float64 // the sampling alone, without making the scorers
	// Clamped is how many sample values of an image job were outside
	// [0, 1] and put on its nearer end.
	Clamped int
	// Labels are the samples' classes, where the job gave the chains labels
	// (those of chains left out dropped with them).
	Labels []int32
}

// Sample draws the job's chains: their streams, starting points, one
// scorer per worker, the sampler, and the samples back in data units.
func Sample(j Job) (*Drawn, error) {
	s := j.Sample
	all := s.N
	if j.Start != nil {
		if j.Start.D != j.Dim {
			return nil, fmt.Errorf("workflow: the starting points have %d coordinates, the model's dimension is %d", j.Start.D, j.Dim)
		}
		all = j.Start.N
	}
	count := j.Count
	if count == 0 {
		count = all - j.First
	}
	if j.First < 0 || count < 1 || j.First+count > all {
		return nil, fmt.Errorf("workflow: chains %d to %d of %d", j.First, j.First+count-1, all)
	}
	streams := sampler.Streams(s.Seed, j.First, count)
	var start points.Points
	var err error
	switch {
	case j.Start != nil:
		d := j.Start.D
		start = j.Norm.Apply(points.Points{N: count, D: d, X: j.Start.X[j.First*d : (j.First+count)*d]})
	case s.Init.Kind == "file" && !sampler.FromPrior(s.Sampler):
		return nil, ErrFileStart
	default:
		init := sampler.Init{Kind: s.Init.Kind, Low: s.Init.Low, High: s.Init.High, Std: s.Init.Std}
		if j.Labels == nil || len(j.ClassPriors) == 0 || !sampler.FromPrior(s.Sampler) {
			if start, err = sampler.Start(s.Sampler, init, j.Sigmas, j.Prior, j.Dim, streams); err != nil {
				return nil, err
			}
			break
		}
		start = points.New(count, j.Dim)
		for c := range count {
			y := j.Labels[j.First+c]
			if int(y) >= len(j.ClassPriors) {
				return nil, fmt.Errorf("workflow: chain %d has class %d, the run records %d", j.First+c, y, len(j.ClassPriors))
			}
			own, err := sampler.Start(s.Sampler, init, j.Sigmas, j.ClassPriors[y], j.Dim, streams[c:c+1])
			if err != nil {
				return nil, err
			}
			copy(start.Row(c), own.X)
		}
	}
	scores := j.Scores
	var rows []func([]int)
	if j.Labels != nil {
		if scores, err = j.labelledScores(count, &rows); err != nil {
			return nil, err
		}
	}
	chains, err := sampler.NewChains(start, streams, gemm.Threads(), scores)
	if err != nil {
		return nil, err
	}
	chains.Rows = rows
	set := j.Settings()
	set.Bound = sampler.SaneBound(j.MaxAbs, j.Sigmas, j.startReach(), start)
	set.MaxLost = j.MaxLost
	began := time.Now()
	res, err := sampler.Draw(set, chains)
	if err != nil {
		return nil, err
	}
	var labels []int32
	if j.Labels != nil {
		labels = slices.Clone(j.Labels[j.First : j.First+count])
	}
	if len(res.Lost) > 0 { // left out: the rest are the samples
		start = withoutRows(start, res.Lost)
		if labels != nil {
			labels = without(labels, 1, res.Lost)
		}
	}
	samples := DataUnits(j.Norm, j.Discrete, j.Ends, j.Whole, j.Places, start)
	if err := samples.CheckFinite(); err != nil {
		return nil, fmt.Errorf("workflow: the samples in data units: %w: the run's standardisation maps them out of range; nothing was written", err)
	}
	if len(j.Heaps) > 0 {
		chain := make([]int, count) // each sample's chain among Sample.N, the lost ones out
		for c := range chain {
			chain[c] = j.First + c
		}
		j.Heaps.Round(samples, j.Sample.Seed, without(chain, 1, res.Lost))
	}
	clamped := 0
	if j.Pixels {
		clamped = clampPixels(samples.X)
	}
	return &Drawn{Samples: samples, Chains: start, Result: res, Steps: set.TotalSteps(), Seconds: time.Since(began).Seconds(), Clamped: clamped, Labels: labels}, nil
}

// MixedLabels gives n chains the classes in the proportions of counts
// (a run's training rows per class, model.class_counts): each class
// gets its share of n rounded by largest remainder (ties to the lower
// class), and the chains take them interleaved, a class's j-th chain at
// (j + 1/2) / its share of the way through, so that any run of chains,
// a shard's too, holds the classes in about those proportions. The
// labels depend on n and counts alone: shards of one sampling agree.
func MixedLabels(n int, counts []int) []int32 {
	total := 0
	for _, c := range counts {
		total += c
	}
	if n <= 0 || total <= 0 {
		return nil
	}
	share := make([]int, len(counts))
	given := 0
	for k, c := range counts {
		share[k] = int(int64(n) * int64(c) / int64(total))
		given += share[k]
	}
	byRemainder := make([]int, len(counts))
	for k := range byRemainder {
		byRemainder[k] = k
	}
	remainder := func(k int) int64 { return int64(n) * int64(counts[k]) % int64(total) }
	slices.SortStableFunc(byRemainder, func(a, b int) int { return cmp.Compare(remainder(b), remainder(a)) })
	for _, k := range byRemainder[:n-given] {
		share[k]++
	}
	type slot struct{ class, j int }
	slots := make([]slot, 0, n)
	for k, q := range share {
		for j := range q {
			slots = append(slots, slot{k, j})
		}
	}
	// (2j+1)/(2 share) compared across multiplied out, in integers.
	slices.SortFunc(slots, func(a, b slot) int {
		if c := cmp.Compare(int64(2*a.j+1)*int64(share[b.class]), int64(2*b.j+1)*int64(share[a.class])); c != 0 {
			return c
		}
		return cmp.Compare(a.class, b.class)
	})
	labels := make([]int32, n)
	for c, s := range slots {
		labels[c] = int32(s.class)
	}
	return labels
}

// MixedLabels are the labels of n chains drawn from the run without
// -class: its classes in the training rows' proportions (MixedLabels),
// or nil where the run records no rows per class (one trained before
// model.class_counts, or without classes).
func (r *Run) MixedLabels(n int) []int32 {
	m := r.Config.Model
	if m.Classes == 0 || len(m.ClassCounts) != m.Classes {
		return nil
	}
	return MixedLabels(n, m.ClassCounts)
}

// ChainLabels are the labels of n chains asked for by -class: "all" cycles
// through the classes 0..k-1 (chain c has class c mod k), a list (e.g.
// "3" or "0,5,7", or the classes' names where the run has them) through
// the listed classes; "" is nil, no labels.
func ChainLabels(class string, n, k int, names ...string) ([]int32, error) {
	if class == "" {
		return nil, nil
	}
	if k == 0 {
		return nil, fmt.Errorf("-class %s: this run's model has no classes (train it with data.labels or data.label_column)", class)
	}
	var classes []int32
	if class == "all" {
		for y := range k {
			classes = append(classes, int32(y))
		}
	} else {
		for _, f := range strings.Split(class, ",") {
			f = strings.TrimSpace(f)
			y, err := strconv.Atoi(f)
			if i := slices.Index(names, f); i >= 0 {
				y, err = i, nil
			}
			if err != nil || y < 0 || y >= k {
				named := ""
				if len(names) > 0 {
					named = " or their names (" + strings.Join(names, ", ") + ")"
				}
				return nil, fmt.Errorf("-class %s: %q is not a class: want all, or classes from 0 to %d%s separated by commas", class, f, k-1, named)
			}
			classes = append(classes, int32(y))
		}
	}
	if n < len(classes) {
		return nil, fmt.Errorf("-class %s gives the chains %d classes in turn: -n must be at least %d, got %d", class, len(classes), len(classes), n)
	}
	labels := make([]int32, n)
	for c := range labels {
		labels[c] = classes[c%len(classes)]
	}
	return labels, nil
}

// labelledScores are the job's scorers for its chains First..First+count-1
// with their labels: NewChains makes one per worker in order, the w-th for
// the chains of sampler.Block w; rows gets each one's sampler.Chains.Rows.
func (j Job) labelledScores(count int, rows *[]func([]int)) (NewScorer, error) {
	switch {
	case j.LabelledScores == nil:
		return nil, errors.New("workflow: labels given to a model without classes")
	case len(j.Labels) < j.First+count:
		return nil, fmt.Errorf("workflow: %d labels for chains up to %d", len(j.Labels), j.First+count)
	}
	workers, _, _ := sampler.Workers(count, gemm.Threads())
	next := 0
	return func(b, threads int) (score.Func, score.LevelFunc, error) {
		if next >= workers {
			return nil, nil, errors.New("workflow: more scorers asked for than the chains have workers")
		}
		lo, hi := sampler.Block(next, workers, count)
		next++
		scores, selects := j.LabelledScores(j.Labels[j.First+lo:j.First+hi], j.Sample.Guidance)
		*rows = append(*rows, selects)
		return scores(b, threads)
	}, nil
}

// clampPixels puts every value of x outside [0, 1] on its nearer end and
// returns how many it moved.
func clampPixels(x []float64) int {
	moved := 0
	for i, v := range x {
		if c := min(max(v, 0), 1); c != v {
			x[i], moved = c, moved+1
		}
	}
	return moved
}

// withoutRows is p without the rows listed (in increasing order).
func withoutRows(p points.Points, rows []int) points.Points {
	return points.Points{N: p.N - len(rows), D: p.D, X: without(p.X, p.D, rows)}
}

// without is x, rows of width values each, without the rows listed (in
// increasing order): the samples' values, or their labels (width 1).
func without[T any](x []T, width int, rows []int) []T {
	var out []T
	next := 0
	for i := 0; i*width < len(x); i++ {
		if next < len(rows) && rows[next] == i {
			next++
			continue
		}
		out = append(out, x[i*width:(i+1)*width]...)
	}
	return out
}

// startReach is how far every chain's start reaches in model units, the
// same whichever chains are drawn: over all the rows of Start, or what
// the sampler's generated starts reach.
func (j Job) startReach() float64 {
	if j.Start == nil {
		s := j.Sample
		return sampler.StartReach(s.Sampler, sampler.Init{Kind: s.Init.Kind, Low: s.Init.Low, High: s.Init.High, Std: s.Init.Std}, j.Sigmas, j.Prior)
	}
	reach := 0.0
	for _, v := range j.Norm.Apply(*j.Start).X { // through a column's quantile map where it has one
		reach = math.Max(reach, math.Abs(v))
	}
	return reach
}

// PriorOf is the solvers' prior from a run's record of its data's
// moments (the zero Prior where it has none), with their axes where it
// recorded them.
func PriorOf(m rundir.DataMoments) sampler.Prior {
	p := sampler.Prior{Mean: m.Mean, Var: m.Var, Rest: m.Rest}
	for _, a := range m.Axes {
		p.Axes = append(p.Axes, sampler.Axis{Var: a.Var, Dir: a.Dir})
	}
	return p
}

// RunJob is the sampling of a trained run with the sample settings s (the
// run's sample section with the caller's overrides) on the score kind names:
// "network", the trained model, or "analytic", the data set's true score
// (for data with a known density, not standardised: to test a sampler
// apart from the learning).
func (r *Run) RunJob(s configs.Sample, kind string) (Job, error) {
	if err := r.checkReach(s); err != nil {
		return Job{}, err
	}
	churnMax, _, err := r.ChooseChurnMax(s)
	if err != nil {
		return Job{}, err
	}
	if churnMax > 0 {
		s.ChurnMax = churnMax
	}
	j := Job{Sample: s, Dim: r.Model.Dim(), Norm: r.Norm, MaxAbs: r.MaxAbs, Prior: PriorOf(r.Moments), Discrete: r.Discrete, Ends: r.Ends, Whole: r.Whole, Places: r.Places, Heaps: r.Heaps, Pixels: r.Image.Size() > 0, Categories: Categories(r.Config.Data.Categories)}
	j.Scores, j.Sigmas, j.Sigma, err = r.scoring(s.Sampler, kind)
	if err == nil && s.Sampler == sampler.KindAnnealed && kind == "network" && losses.Continuous(r.Config.Train.Loss) {
		j.Sigmas, j.Sample.Eps, j.LadderNote = denseLadder(j.Sigmas, s)
	}
	for _, m := range r.Moments.ByClass {
		j.ClassPriors = append(j.ClassPriors, PriorOf(m))
	}
	if r.Config.Model.Classes > 0 && kind == "network" {
		model := r.Model
		j.Classes = r.Config.Model.Classes
		j.LabelledScores = func(labels []int32, w float64) (NewScorer, func([]int)) { return GuidedScorers(model, labels, w) }
	}
	return j, err
}

// ChooseChurnMax chooses sample.churn_max: auto for sampling a run trained
// without it (given to sample): the spread the run recorded (its
// model.sigma_data where it predates the record) stands for its training
// values'. 0 and "" when s has no unresolved auto.
func (r *Run) ChooseChurnMax(s configs.Sample) (float64, string, error) {
	if !s.ChurnMaxAuto || s.ChurnMax > 0 {
		return 0, "", nil
	}
	spread, what := r.Moments.Spread(), "the run's recorded data spread"
	if !(spread > 0) {
		spread, what = r.Config.Model.SigmaData, "the run's model.sigma_data"
	}
	if !(spread > 0) {
		return 0, "", fmt.Errorf("workflow: sample.churn_max: auto: the run records no data spread (it predates the record and has no model.sigma_data); set sample.churn_max by hand")
	}
	return ChooseChurnMax(s, spread, what)
}

// checkReach refuses a Langevin step that would move the chains by less
// than a thousandth of the run's data spread (as recorded; 1e-3 in model
// units when the run predates the record) over all the steps: they would
// come back as they started.
func (r *Run) checkReach(s configs.Sample) error {
	c := *r.Config
	c.Sample = s
	spread := math.Sqrt(r.Moments.Var)
	reach, bound := configs.EpsReach(&c), configs.ReachBound(spread)
	if reach >= bound {
		return nil
	}
	how := "set"
	if s.EpsAuto {
		how = "recorded as chosen from the data"
	}
	return fmt.Errorf("workflow: sample.eps %v (%s) moves a chain by about %.2g over all its steps, less than %.2g (a thousandth of the data's spread %.4g in model units, at most 1e-3): it would sample nothing; raise sample.eps", s.Eps, how, reach, bound, spread)
}
