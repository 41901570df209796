package workflow

import (
	"fmt"
	"math"
	"slices"
	"time"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/density"
	"scorenet/internal/gemm"
	"scorenet/internal/memlimit"
	"scorenet/likelihood"
	"scorenet/nn"
	"scorenet/points"
	"scorenet/sampler"
	"scorenet/score"
)

// LikelihoodOptions choose how log-likelihoods are computed.
type LikelihoodOptions struct {
	Trace      string // likelihood.Exact, likelihood.Hutchinson, or "" for exact up to MaxExactDim
	Probes     int    // Hutchinson's probes per point (0: 1)
	Rtol, Atol float64
	Seed       uint64
	// Analytic uses the data set's true score and prior (gaussian and
	// gaussian_mixture data), to test the solver apart from the learning.
	Analytic bool
	// Progress, if set, follows the flow (see likelihood.Settings).
	Progress func(done, total int)
	// Labels are each point's class, as the run numbers them, on a
	// class-conditional run (nil: none): LogP is then the joint log p(x, y),
	// log p(x | y) plus the log of the class's share of the training rows.
	Labels []int32
	// Indexes are each point's index in its file where the points are
	// some of its (likelihood.Settings.Indexes; nil: their places).
	Indexes []int
	// OutputBytes is what writing the results will take beside the
	// solve's memory (the heap the solve grew is not given back to the
	// system): budgeted with it, before the work.
	OutputBytes float64
}

// CheckMemory refuses the likelihood of the points x with these options
// before any of it is allocated: the ODE's state, the points' copy in
// model units, and OutputBytes.
func (o LikelihoodOptions) CheckMemory(x points.Points) error {
	probes := max(o.Probes, 1)
	if o.TraceFor(x.D) == likelihood.Exact {
		probes = 0
	}
	return likelihood.CheckMemory(x.N, x.D, probes, 8*float64(x.N)*float64(x.D)+o.OutputBytes)
}

// MaxExactDim is the largest dimension whose trace is exact by default:
// the exact trace costs D tangents per point, Hutchinson's one per probe.
const MaxExactDim = 100

// Likelihood is the log-likelihood of a set of points under a run's model,
// in data units.
type Likelihood struct {
	Points int     `json:"points"`
	Of     string  `json:"of,omitempty"` // which points
	Trace  string  `json:"trace"`
	Probes int     `json:"probes,omitempty"`
	Rtol   float64 `json:"rtol"`
	Atol   float64 `json:"atol"`
	// SigmaMin is the noise level whose perturbed density is measured, and
	// SigmaMax the prior's N(0, sigma_max^2 I), in model units.
	SigmaMin float64 `json:"sigma_min"`
	SigmaMax float64 `json:"sigma_max"`
	// NLL is the mean negative log-likelihood in nats per point, with its
	// standard error over the points, and its median, which a few points
	// the model finds very unlikely do not move (on 200 Fashion-MNIST test
	// images the median log p was 959 nats, the mean 115, pulled down by
	// one image at -59666); BitsPerDim is the mean
	// per dimension in bits, plus BitsOffset (8 for 8-bit images scaled to
	// [0, 1]).
	NLL        float64 `json:"nll_nats"`
	NLLStdErr  float64 `json:"nll_std_error"`
	NLLMedian  float64 `json:"nll_median_nats"`
	BitsPerDim float64 `json:"bits_per_dim"`
	BitsOffset float64 `json:"bits_offset,omitempty"`
	// TrueNLL is the data density's own mean negative log-likelihood of the
	// same points, where it is known, and TrueNLLAtSigmaMin that of the
	// density perturbed by N(0, sigma_min^2 I), which is what the flow
	// measures.
	TrueNLL           *float64 `json:"true_nll_nats,omitempty"`
	TrueNLLAtSigmaMin *float64 `json:"true_nll_at_sigma_min_nats,omitempty"`
	Evaluations       float64  `json:"score_evaluations"` // per point, mean
	MaxEvaluations    int      `json:"max_score_evaluations"`
	Seconds           float64  `json:"seconds"`
	// LogP is each point's log-likelihood in nats (data units); left out of
	// eval's report.
	LogP []float64 `json:"-"`
}

// BitsOffset is what the bits per dimension of a run's data add: 8 for
// 8-bit images (scaled to [0, 1], bins of width 1/256), 0 otherwise.
func BitsOffset(run *Run) float64 {
	if run.Image.Size() > 0 {
		return 8
	}
	return 0
}

// DequantCell is the width of the cells a run's data were dequantised
// into: 1/256 for 8-bit images read with data.dequantize, 0 otherwise.
func DequantCell(run *Run) float64 { return PixelCell(run.Image, run.Config.Data.Dequantize) }

// PixelCell is the dequantisation cell of image data (1/256 for 8-bit
// pixels dequantised), 0 for a table or pixels kept as they are.
func PixelCell(image datasets.Image, dequantize bool) float64 {
	if image.Size() > 0 && dequantize {
		return 1.0 / 256
	}
	return 0
}

// CanLikelihood says why a run's model has no likelihood, if it has none.
func CanLikelihood(run *Run) error {
	if !run.Model.NoiseConditional() || len(run.Config.NoiseLevels()) < 2 {
		return fmt.Errorf("workflow: the likelihood needs a noise-conditional model trained over a range of noise levels (anneal_dsm, vesde_dsm or edm_dsm); this run's loss is %s", run.Config.Train.Loss)
	}
	return nil
}

// ForRun fills in the trace the run's network defaults to when none is
// chosen: Hutchinson's for the unet, whose exact trace would take D
// reverse passes a point.
func (o LikelihoodOptions) ForRun(run *Run) LikelihoodOptions {
	if o.Trace == "" && run.Model.Kind() == "unet" {
		o.Trace = likelihood.Hutchinson
	}
	return o
}

// TraceFor is the trace method used in dimension d: the one chosen, or
// exact up to MaxExactDim and Hutchinson above.
func (o LikelihoodOptions) TraceFor(d int) string {
	switch {
	case o.Trace != "":
		return o.Trace
	case d > MaxExactDim:
		return likelihood.Hutchinson
	}
	return likelihood.Exact
}

// LogLikelihood computes log p(x) in nats for the points x (data units)
// under the run's noise-conditional model by the probability-flow ODE.
func LogLikelihood(run *Run, x points.Points, o LikelihoodOptions) (*Likelihood, error) {
	if err := CanLikelihood(run); err != nil {
		return nil, err
	}
	levels := run.Config.NoiseLevels()
	if x.D != run.Model.Dim() {
		return nil, fmt.Errorf("workflow: points of dimension %d for a model of dimension %d", x.D, run.Model.Dim())
	}
	o.Trace = o.TraceFor(x.D)
	if o.Probes == 0 {
		o.Probes = 1
	}
	if o.Trace == likelihood.Exact {
		o.Probes = 0
	}
	s := likelihood.Settings{VE: sampler.VE{Min: levels[len(levels)-1], Max: levels[0]},
		Rtol: o.Rtol, Atol: o.Atol, Trace: o.Trace, Probes: o.Probes, Seed: o.Seed, Progress: o.Progress, Labels: o.Labels, Indexes: o.Indexes}
	if err := s.Check(); err != nil {
		return nil, err
	}
	logShare, err := classShares(run, o.Labels)
	if err != nil {
		return nil, err
	}
	if err := o.CheckMemory(x); err != nil {
		return nil, err
	}
	if err := hasDensity(run.Norm, x); err != nil {
		return nil, err
	}
	data, err := likelihoodData(run, o.Analytic)
	if err != nil {
		return nil, err
	}
	fields, err := likelihoodFields(run, x.N, s, data, o.Analytic)
	if err != nil {
		return nil, err
	}
	if o.Analytic {
		if s.Prior, err = density.Prior(data.Density, s.VE.Max); err != nil {
			return nil, err
		}
	}
	began := time.Now()
	res, err := likelihood.Compute(fields, run.Norm.Apply(x), s)
	if err != nil {
		return nil, err
	}
	out := &Likelihood{Points: x.N, Trace: o.Trace, Probes: o.Probes, Rtol: o.Rtol, Atol: o.Atol,
		SigmaMin: s.VE.Min, SigmaMax: s.VE.Max, BitsOffset: BitsOffset(run), Seconds: time.Since(began).Seconds(), LogP: res.LogP}
	out.Evaluations, out.MaxEvaluations = res.MeanEvaluations()
	// p_data(x) = p_model(z(x)) |dz/dx|: z standardises, after a column's
	// quantile map where it has one.
	for i := range out.LogP {
		out.LogP[i] += run.Norm.LogJacobian(x.Row(i))
		if o.Labels != nil {
			out.LogP[i] += logShare[o.Labels[i]]
		}
	}
	out.NLL, out.NLLStdErr, out.NLLMedian = nllSummary(out.LogP)
	out.BitsPerDim = likelihood.BitsPerDim(-out.NLL, x.D, out.BitsOffset)
	if data != nil && data.Density != nil {
		out.TrueNLL, out.TrueNLLAtSigmaMin = trueNLL(data.Density, x, 0), trueNLL(data.Density, x, s.VE.Min)
	}
	return out, nil
}

// classShares is the log of each class's share of a class-conditional
// run's training rows, log p(y), for points given their labels (nil where
// none are given): what log p(x | y) adds to be log p(x, y).
func classShares(run *Run, labels []int32) ([]float64, error) {
	if labels == nil {
		return nil, nil
	}
	counts := run.Config.Model.ClassCounts
	if len(counts) != run.Config.Model.Classes || run.Config.Model.Classes == 0 {
		return nil, fmt.Errorf("workflow: the run recorded no count of its classes' training rows (model.class_counts; a run older than them): the likelihood of a row given its class needs them; leave the class column (%s) out of the file for log p(x) without it", run.Config.Data.LabelColumn)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	shares := make([]float64, len(counts))
	for y, c := range counts {
		shares[y] = math.Log(float64(c) / float64(total))
	}
	for i, y := range labels {
		if y < 0 || int(y) >= len(counts) || counts[y] == 0 {
			return nil, fmt.Errorf("workflow: point %d: class %d is none the run trained on", i+1, y)
		}
	}
	return shares, nil
}

// likelihoodFields makes one field per worker: the network's core, or the
// closed form of data's density.
func likelihoodFields(run *Run, n int, s likelihood.Settings, data *Data, analytic bool) ([]score.Field, error) {
	workers, _, threads := sampler.Workers(n, gemm.Threads())
	var fields []score.Field
	if analytic {
		for range workers {
			fields = append(fields, density.Field{Density: data.Density})
		}
		return fields, nil
	}
	if u, ok := run.Model.(*nn.UNet); ok {
		net, err := u.Net64()
		if err != nil {
			return nil, err
		}
		budget := min(256<<20, float64(memlimit.Available())/float64(4*workers))
		batch := likelihood.UNetBatchFor(net, budget)
		for range workers {
			f, err := likelihood.NewUNetNetwork(net, s.Trace, batch, threads)
			if err != nil {
				return nil, err
			}
			fields = append(fields, f)
		}
		return fields, nil
	}
	mp, ok := run.Model.(*nn.MLP)
	if !ok {
		return nil, fmt.Errorf("workflow: the likelihood needs an mlp or unet model, not %s", run.Model.Kind())
	}
	// In float64 whatever the model's dtype: the divergence's sums over
	// D are where float32 would lose digits.
	net, err := mp.Net64()
	if err != nil {
		return nil, err
	}
	budget := min(256<<20, float64(memlimit.Available())/float64(4*workers))
	batch := likelihood.BatchFor(net, s.Trace, s.Probes, budget)
	for range workers {
		f, err := likelihood.NewNetwork(net, s.Trace, s.Probes, batch, threads)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// likelihoodData is the run's data where the true density is needed
// (analytic) or helps (a known density's true NLL beside the model's); nil
// when it is neither needed nor there.
func likelihoodData(run *Run, analytic bool) (*Data, error) {
	ds := run.Config.Data.Dataset
	if !analytic && ds != "gaussian" && ds != "gaussian_mixture" {
		return nil, nil
	}
	data, err := run.Data("the true density")
	if err != nil {
		if analytic {
			return nil, err
		}
		return nil, nil
	}
	if analytic && (data.Density == nil || run.Config.Data.Standardize) {
		return nil, fmt.Errorf("workflow: -score analytic needs gaussian or gaussian_mixture data without data.standardize")
	}
	return data, nil
}

// trueNLL is the mean negative log-density of x under dens perturbed by
// N(0, sigma^2 I), if dens has a closed-form one.
func trueNLL(dens density.Density, x points.Points, sigma float64) *float64 {
	p := dens
	if sigma > 0 {
		p = dens.Perturbed(sigma)
	}
	ld, ok := p.(interface{ LogDensity([]float64) float64 })
	if !ok {
		return nil
	}
	sum := 0.0
	for i := range x.N {
		sum -= ld.LogDensity(x.Row(i))
	}
	v := sum / float64(x.N)
	return &v
}

// nllSummary is the mean of -logp, its standard error (0 for one point)
// and its median.
func nllSummary(logp []float64) (mean, stdErr, median float64) {
	nll := make([]float64, len(logp))
	sum, sumSq := 0.0, 0.0
	for i, v := range logp {
		nll[i] = -v
		sum += -v
		sumSq += v * v
	}
	n := float64(len(nll))
	mean = sum / n
	if len(nll) > 1 {
		stdErr = math.Sqrt(max(0, sumSq/n-mean*mean) / (n - 1))
	}
	slices.Sort(nll)
	median = nll[len(nll)/2]
	if len(nll)%2 == 0 {
		median = (nll[len(nll)/2-1] + median) / 2
	}
	return mean, stdErr, median
}

// hasDensity refuses, before any work, a point where the model has no
// density: outside a quantile-mapped column's observed range (its
// samples never go there).
func hasDensity(norm datasets.Normalizer, x points.Points) error {
	for i := range x.N {
		if j, why := noDensity(norm, x.Row(i)); j >= 0 {
			return fmt.Errorf("workflow: point %d, column %d: %v %s", i+1, j+1, x.X[i*x.D+j], why)
		}
	}
	return nil
}

// noDensity is the first column (in order) of the point row where a
// quantile map leaves the model no density, and why; -1 for none.
func noDensity(norm datasets.Normalizer, row []float64) (int, string) {
	for j, v := range row {
		if why := NoScore(norm, j, v); why != "" && !OnPointMass(norm, j, v) {
			return j, why
		}
	}
	return -1, ""
}

// NoScore says why value v of column j leaves the model's score no
// value there ("" where it has one): outside a quantile-mapped column's
// training range (no density), or on a value its rows repeat (a point
// mass: a probability, OnPointMass, with no slope).
func NoScore(norm datasets.Normalizer, j int, v float64) string {
	k, ok := norm.Quantiles[j]
	if !ok {
		return ""
	}
	switch _, slope := k.Forward(v); {
	case slope == 0:
		return fmt.Sprintf("is outside %v to %v, the training range of a column mapped through its quantiles (data.quantile), where the model has no density", k.X[0], k.X[len(k.X)-1])
	case math.IsInf(slope, 1):
		return "is a value that training rows of a column mapped through its quantiles (data.quantile) repeat, or its end value, held over a stretch of scores: a point mass, which has a probability but no slope"
	}
	return ""
}

// OnPointMass is whether value v of column j is a point mass of its
// quantile map: its likelihood counts the value by its probability.
func OnPointMass(norm datasets.Normalizer, j int, v float64) bool {
	k, ok := norm.Quantiles[j]
	if !ok {
		return false
	}
	_, slope := k.Forward(v)
	return math.IsInf(slope, 1)
}

// OnPointMasses counts x's points that hold a point mass's value in some
// column (OnPointMass), and names the first such value: by its point's
// index in its file, where x is some of a file's points (nil: its place).
func OnPointMasses(norm datasets.Normalizer, cfg *configs.Config, x points.Points, index []int) (n int, first string) {
	for i := range x.N {
		for j, v := range x.Row(i) {
			if OnPointMass(norm, j, v) {
				if n == 0 {
					at := i
					if index != nil {
						at = index[i]
					}
					first = fmt.Sprintf("point %d, %s: %v", at+1, ColumnName(cfg, x.D, j), v)
				}
				n++
				break
			}
		}
	}
	return n, first
}

// Densities splits x's points into those where the model has a
// density (their indexes, in order; nil where every point has one, a
// file of millions of points not indexed for nothing) and those where it
// has none, the first of which why names ("" for none).
func Densities(norm datasets.Normalizer, cfg *configs.Config, x points.Points) (with []int, without int, why string) {
	for i := range x.N {
		j, reason := noDensity(norm, x.Row(i))
		if j < 0 {
			continue
		}
		if without == 0 {
			why = fmt.Sprintf("point %d, %s: %v %s", i+1, ColumnName(cfg, x.D, j), x.X[i*x.D+j], reason)
		}
		without++
	}
	if without == 0 {
		return nil, 0, ""
	}
	with = make([]int, 0, x.N-without)
	for i := range x.N {
		if j, _ := noDensity(norm, x.Row(i)); j < 0 {
			with = append(with, i)
		}
	}
	return with, without, why
}
