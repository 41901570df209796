package configs

import (
	"fmt"
	"math"
	"regexp"
	"scorenet/internal/mlp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"scorenet/datasets"
	"scorenet/density"
	"scorenet/internal/noisescale"
	"scorenet/internal/ode"
	"scorenet/losses"
	"scorenet/nn"
)

// Choices for enumerated keys. Model kinds, activations, losses and engines
// are read from the packages that build them (nn's activation table, the
// losses registry), so the config and the code cannot disagree.
var (
	Dtypes    = []string{"float64", "float32"} // after auto is resolved
	Samplers  = []string{"langevin", "annealed", "pc", "ode", "heun", "dpmpp_2m"}
	InitKinds = []string{"uniform", "gaussian", "file"}
)

// MaxChains bounds sample.n.
const MaxChains = 100_000_000

// Bounds on a sampler's work: ten million steps of one chain take hours
// even at D = 2, and a pc ladder of 100000 levels is far finer than any
// noise schedule needs; beyond them a typo, not a plan, is the likelier
// cause.
const (
	MaxSampleSteps    = 10_000_000 // sample.steps, sample.steps_per_level
	MaxLevels         = 100_000    // sample.levels
	MaxCorrectorSteps = 1000       // sample.corrector_steps
)

// EpsReach is how far a Langevin sampler's noise moves a chain over all
// its steps, in model units: sqrt(eps x steps), annealed Langevin's summed
// over its levels; +Inf where eps is chosen from the data, unused by the
// sampler, or the ladder is not known yet. A step so small that the
// chains' noise moves them nowhere samples nothing, however long it runs
// (eps 1e-300 gave back the starting points, exit 0).
func EpsReach(c *Config) float64 {
	s := c.Sample
	if !(s.Eps > 0) { // auto, not yet chosen
		return math.Inf(1)
	}
	switch s.Sampler {
	case "langevin":
		return math.Sqrt(s.Eps * float64(s.Steps))
	case "annealed":
		if c.Train.Sigmas.Unresolved() {
			return math.Inf(1)
		}
		levels := c.NoiseLevels()
		if len(levels) == 0 {
			return math.Inf(1)
		}
		last, sum := levels[len(levels)-1], 0.0
		for _, l := range levels {
			sum += (l / last) * (l / last)
		}
		return math.Sqrt(s.Eps * float64(s.StepsPerLevel) * sum)
	}
	return math.Inf(1)
}

// MinReach is the least a Langevin sampler's noise must move a chain over
// all its steps, in model units (where the data's spread is about 1).
const MinReach = 1e-3

// ReachBound is the least reach on data whose spread (the RMS standard
// deviation in model units) is spread: MinReach, or that share of a
// spread below 1 (data not standardised); MinReach when it is not known
// (0).
func ReachBound(spread float64) float64 {
	if spread > 0 && spread < 1 {
		return MinReach * spread
	}
	return MinReach
}

// knownScale reports whether the data's spread in model units is known to
// be about 1 (or at least not tiny) before they are read: standardised,
// drawn, or images in [0, 1]. A table read unstandardised may have any.
func knownScale(d Data) bool {
	return d.Dataset != "file" || d.Standardize
}

// MinLR32 is the smallest train.optimizer.lr for float32 weights: Adam's
// step is about lr, and float32 values near 0.1 are 7.45e-9 apart, so at
// 1e-11 every weight stayed bit-identical for 300 steps.
const MinLR32 = 1e-8

// DefaultSolverLevels is sample.steps for heun and dpmpp_2m, which count
// noise levels, not Langevin steps: 25 levels take heun 49 evaluations
// and dpmpp_2m 25 (EDM reaches its CIFAR-10 results with heun at 18).
const DefaultSolverLevels = 25

// Solver reports whether sampler kind k solves the probability-flow ODE
// on a schedule of sample.steps levels (heun, dpmpp_2m).
func Solver(k string) bool { return k == "heun" || k == "dpmpp_2m" }

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// resolve folds shorthands into their long form, fills derived defaults and
// checks every value.
func (d *decoder) resolve(c *Config) error {
	shortLR := d.InFile("train.lr")
	_, shortLRSet := d.Overridden("train.lr")
	longLR := d.InFile("train.optimizer.lr")
	_, longLRSet := d.Overridden("train.optimizer.lr")
	if (shortLR || shortLRSet) && (longLR || longLRSet) {
		return d.Errorf("train.lr", "set either train.lr or train.optimizer.lr, not both")
	}
	if shortLR || shortLRSet {
		if !(c.Train.LR > 0) {
			return d.Errorf("train.lr", "must be > 0, got %v", c.Train.LR)
		}
		c.Train.Optimizer.LR, c.Train.LR = c.Train.LR, 0
	}
	if c.Data.FromFile() {
		if d.Given("data.n") {
			return d.Errorf("data.n", "does not apply to dataset %s: the file's rows are the points", c.Data.Dataset)
		}
		c.Data.N = 0
	}
	if c.Output.Dir == "" && c.Name != "" {
		c.Output.Dir = "runs/" + c.Name
	}
	if len(c.Model.Shape) >= 2 {
		if said := c.Model.FitChannels(c.Model.Shape[0], c.Model.Shape[1]); said != "" {
			c.Notes = append(c.Notes, said)
		}
	}
	if c.Sample.Sampler == "" {
		c.Sample.Sampler = "langevin"
		if c.Model.NoiseConditional {
			c.Sample.Sampler = "annealed"
		}
	}
	if Solver(c.Sample.Sampler) {
		// sample.steps counts levels for these samplers: a count written
		// for another sampler (a run's config says steps: 1000 for
		// Langevin) is not theirs.
		// An override that names the sampler the file has already (the
		// unet's heun) keeps the file's count.
		_, samplerSet := d.Overridden("sample.sampler")
		samplerChanged := samplerSet && c.Sample.Sampler != d.fileSampler
		_, stepsSet := d.Overridden("sample.steps")
		if !stepsSet && (samplerChanged || !d.Given("sample.steps")) {
			c.Sample.Steps = DefaultSolverLevels
			if d.solverLevels > 0 {
				c.Sample.Steps = d.solverLevels // the data's default (the unet's)
			}
		}
	} else if _, samplerSet := d.Overridden("sample.sampler"); samplerSet && Solver(d.fileSampler) {
		// And the other way: a solver's count of levels (a table run's
		// config.yaml says steps: 25 for heun) is not Langevin's steps.
		if _, stepsSet := d.Overridden("sample.steps"); !stepsSet {
			c.Sample.Steps = Default().Sample.Steps
		}
	}
	if err := d.validate(c); err != nil {
		return err
	}
	return d.validateSampling(c)
}

func (d *decoder) validate(c *Config) error {
	check := func(ok bool, key, format string, args ...any) error {
		if ok {
			return nil
		}
		return d.Errorf(key, format, args...)
	}
	oneOf := func(key, v string, choices []string) error {
		return check(slices.Contains(choices, v), key, "%q is not one of %s", v, strings.Join(choices, ", "))
	}
	t, a := c.Train, c.Train.Optimizer
	canCondition, needsCondition := losses.NoiseConditional(t.Loss)
	fusedErr := losses.FusedEngineFor(c.Model.Type, c.Model.Dtype, t.Loss)
	for _, err := range []error{
		check(c.Name != "", "name", "is required: it names the run and its directory runs/<name>"),
		check(c.Name == "" || validName.MatchString(c.Name), "name", "%q must be letters, digits, '.', '_' or '-'", c.Name),
		oneOf("data.dataset", c.Data.Dataset, datasets.Names()),
		check(c.Data.Holdout >= 0 && c.Data.Holdout < 1, "data.holdout", "must be in [0, 1), got %v", c.Data.Holdout),
		check(c.Data.Discrete == "" || c.Data.Discrete == "auto" || c.Data.Discrete == "none", "data.discrete", "must be auto or none, got %q", c.Data.Discrete),
		check(c.Data.Dataset != "file" || (c.Data.DiscreteValues >= 1 && c.Data.DiscreteValues <= MaxDiscreteValues), "data.discrete_values", "must be from 1 to %d, got %d", MaxDiscreteValues, c.Data.DiscreteValues),
		check(c.Data.Dataset != "file" || c.Data.ValleyLevels >= 3 && c.Data.ValleyLevels <= MaxDiscreteValues, "data.valley_levels", "must be from 3 to %d, got %d", MaxDiscreteValues, c.Data.ValleyLevels),
		check(c.Data.ValleyLevels == 0 || c.Data.Dataset == "file", "data.valley_levels", "applies to dataset file, not %s", c.Data.Dataset),
		check(c.Data.Dataset != "file" || (c.Data.DiscreteSpread > 0 && c.Data.DiscreteSpread <= 1), "data.discrete_spread", "must be above 0 and at most 1 (the share of each value's cell a discrete column's rows are spread over), got %v", c.Data.DiscreteSpread),
		check(c.Data.Dataset == "file" || c.Data.DiscreteSpread == 0, "data.discrete_spread", "applies to dataset file (a table's discrete columns), not %s", c.Data.Dataset),
		check(c.Data.Dataset != "file" || (c.Data.DiscreteGap >= 1 && c.Data.DiscreteGap <= MaxDiscreteGap), "data.discrete_gap", "must be from 1 (standardised as any column) to %g (how far apart a few-valued discrete column's neighbouring values lie), got %v", MaxDiscreteGap, c.Data.DiscreteGap),
		check(c.Data.Dataset == "file" || c.Data.DiscreteGap == 0, "data.discrete_gap", "applies to dataset file (a table's discrete columns), not %s", c.Data.Dataset),
		check(c.Data.Dataset == "file" || !c.Data.Valleys(), "data.quantile_valleys", "applies to dataset file (a table's discrete columns), not %s", c.Data.Dataset),
		check(c.Data.Dataset == "file" || !c.Data.Masses(), "data.quantile_masses", "applies to dataset file (a table's columns), not %s", c.Data.Dataset),
		check(c.Data.Quantile == "" || c.Data.Quantile == "auto" || c.Data.Quantile == "none", "data.quantile", "must be auto or none, got %q", c.Data.Quantile),
		check(c.Data.Quantile != "auto" || c.Data.Dataset == "file", "data.quantile", "applies to dataset file (a table's columns), not %s", c.Data.Dataset),
		check(c.Data.Missing == "" || c.Data.Missing == "drop" || c.Data.Missing == "refuse", "data.missing", "must be drop or refuse, got %q", c.Data.Missing),
		check(c.Data.Missing == "" || c.Data.Dataset == "file", "data.missing", "applies to dataset file (a table's rows), not %s", c.Data.Dataset),
		check(c.Data.FromFile() || c.Data.N >= 1, "data.n", "must be >= 1, got %d", c.Data.N),
		check(c.Data.N <= datasets.MaxValues/dataDim(c.Data), "data.n", "must be at most %d for %d-dimensional data (%d values in all), got %d",
			datasets.MaxValues/dataDim(c.Data), dataDim(c.Data), datasets.MaxValues, c.Data.N),
		check(c.Data.Dataset != "file" || c.Data.Path != "", "data.path", "is required for dataset file: a .csv or .npy of shape (n, D)"),
		check(c.Data.Dataset != "idx" || c.Data.Path != "", "data.path", "is required for dataset idx: an IDX images file, e.g. /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
		check(c.Data.Dataset != "images" || c.Data.Path != "", "data.path", "is required for dataset images: a folder of PNG files of one size"),
		check(c.Data.Noise == nil || (*c.Data.Noise >= 0 && *c.Data.Noise <= MaxScale), "data.noise", "must be from 0 to %g", MaxScale),
		d.validateDensity(c.Data),
		oneOf("model.type", c.Model.Type, nn.Kinds),
		check(c.Model.Type != "mlp" || len(c.Model.Hidden) > 0 || c.Model.HiddenAuto, "model.hidden", "must list at least one hidden layer width, e.g. [128, 128], or be auto"),
		check(c.Model.Type != "unet" || (len(c.Model.Hidden) == 0 && !c.Model.HiddenAuto), "model.hidden", "does not apply to the unet: its size is model.channels"),
		check(c.Model.Type == "unet" || (len(c.Model.Channels) == 0 && c.Model.Groups == 0 && len(c.Model.Shape) == 0), "model.channels", "model.channels, groups and shape apply to the unet only, not the %s", c.Model.Type),
		d.validateUNet(c),
		check(!slices.ContainsFunc(c.Model.Hidden, func(w int) bool { return w < 1 }), "model.hidden", "widths must be >= 1, got %v", c.Model.Hidden),
		// A residual MLP adds every layer's output to its input unscaled:
		// at initialisation its activations grow with depth (loss 1e9 at
		// 100 layers, infinite at 1000), before any update.
		check(len(c.Model.Hidden) <= MaxDepth, "model.hidden", "at most %d layers (deeper MLPs blow up at initialisation), got %d", MaxDepth, len(c.Model.Hidden)),
		d.checkSize(c),
		oneOf("model.activation", c.Model.Activation, nn.Activations()),
		oneOf("model.dtype", c.Model.Dtype, Dtypes),
		oneOf("train.loss", t.Loss, losses.Names()),
		check(c.Model.Type != "unet" || canCondition, "train.loss", "the unet trains on the denoising losses (%s), not %s, which needs the network's Jacobian", strings.Join(conditionalLosses(), ", "), t.Loss),
		check(!c.Model.NoiseConditional || canCondition || c.Model.Type == "unet", "model.noise_conditional",
			"a noise-conditional model trains with loss %s, not %s", strings.Join(conditionalLosses(), " or "), t.Loss),
		check(!needsCondition || c.Model.NoiseConditional, "train.loss", "%s needs model.noise_conditional: true%s", t.Loss,
			map[bool]string{true: " (it is a table's default loss: set train.loss: exact or sliced for a network not told the noise level)"}[t.LossDefaulted]),
		check(!c.Model.NoiseConditional || c.Model.Type != "gaussian", "model.noise_conditional", "only the mlp and the unet can be noise-conditional"),
		check(c.Model.Type != "unet" || c.Model.NoiseConditional, "model.noise_conditional", "the unet is always noise-conditional: it must be true"),
		check(!c.Model.Residual || c.Model.Type == "mlp", "model.residual", "only the mlp has this setting (the unet's blocks are residual by design)"),
		check(c.Model.Type != "unet" || c.Model.SigmaData > 0 || c.Model.SigmaDataAuto, "model.sigma_data", "the unet is preconditioned as EDM's networks are: give the data's spread or auto"),
		check(!losses.NeedsSigmaData(t.Loss) || c.Model.SigmaData > 0 || c.Model.SigmaDataAuto, "model.sigma_data", "%s centres its noise levels on the data's spread and weights them for a preconditioned network: give the data's spread or auto", t.Loss),
		check(c.Model.Type != "unet" || c.Model.Activation == "swish", "model.activation", "the unet uses swish, not %s", c.Model.Activation),
		check(c.Model.Type != "unet" || t.Engine != losses.Graph, "train.engine", "graph is not available for the unet: its gorgonia graph is the reference the core is tested against on small shapes, not a way to train it (gorgonia's convolutions hold every patch of the batch); use auto or fused"),
		check(c.Model.SigmaData == 0 || (c.Model.SigmaData >= MinNoise && c.Model.SigmaData <= MaxNoise), "model.sigma_data", "must be 0 (no preconditioning) or from %g to %g, got %v", MinNoise, MaxNoise, c.Model.SigmaData),
		check((c.Model.SigmaData == 0 && !c.Model.SigmaDataAuto) || c.Model.NoiseConditional, "model.sigma_data", "preconditions the network by the noise level: it needs model.noise_conditional: true"),
		oneOf("train.engine", t.Engine, losses.Engines),
		check(t.Engine != losses.Fused || fusedErr == nil, "train.engine", "fused is not available: %v; use auto or graph", fusedErr),
		check(t.Sigma >= MinNoise && t.Sigma <= MaxNoise, "train.sigma", "must be from %g to %g (model units), got %v", MinNoise, MaxNoise, t.Sigma),
		check(t.Sigmas.Unresolved() || (t.Sigmas.N >= 1 && t.Sigmas.N <= MaxLevels), "train.sigmas.n", "must be from 1 to %d, got %d", MaxLevels, t.Sigmas.N),
		check(t.Sigmas.Unresolved() || !losses.Continuous(t.Loss) || t.Sigmas.N >= 2, "train.sigmas.n",
			"%s draws its noise levels between the ladder's ends: it needs 2 or more levels, got %d", t.Loss, t.Sigmas.N),
		check(t.Sigmas.Unresolved() || t.Sigmas.End >= MinNoise, "train.sigmas.end", "must be at least %g, got %v", MinNoise, t.Sigmas.End),
		check(t.Sigmas.Unresolved() || t.Sigmas.Begin <= MaxNoise, "train.sigmas.begin", "must be at most %g (noise levels are in model units, where the data's spread is about 1), got %v", MaxNoise, t.Sigmas.Begin),
		check(t.Sigmas.Unresolved() || t.Sigmas.End < t.Sigmas.Begin || (t.Sigmas.N == 1 && t.Sigmas.End == t.Sigmas.Begin), "train.sigmas.end",
			"must be below train.sigmas.begin (%v): the ladder goes from the largest noise level down, got %v", t.Sigmas.Begin, t.Sigmas.End),
		check(t.Sigmas.Unresolved() || !(t.Sigmas.End < t.Sigmas.Begin) || t.Sigmas.N > MaxLevels || distinct(t.Sigmas.Ladder()), "train.sigmas.n",
			"%d levels from %v to %v are not all distinct in float64 (neighbours round to the same value); use fewer levels or a wider range", t.Sigmas.N, t.Sigmas.Begin, t.Sigmas.End),
		check(t.BatchSize >= 1, "train.batch_size", "must be >= 1, got %d", t.BatchSize),
		check(t.Steps >= 1 || t.StepsAuto, "train.steps", "must be >= 1 or auto, got %d", t.Steps),
		check(c.Model.Dtype != "float32" || a.LR < 1e-12 || a.LR >= MinLR32, "train.optimizer.lr", "must be at least %g for a float32 model (model.dtype): Adam moves a weight by about lr a step, and float32 weights near 0.1 are %g apart, so a smaller step rounds away and nothing trains; use model.dtype: float64 for smaller rates, got %v", MinLR32, 7.45e-9, a.LR),
		check(a.LR >= 1e-12 && a.LR <= 1, "train.optimizer.lr", "must be from 1e-12 to 1 (Adam moves every parameter by about lr a step: below 1e-12 nothing moves, above 1 each step moves a weight by more than its own size; torch's default is 0.001), got %v", a.LR),
		// Nearer 1 than 1e-6, 1 - beta rounds to nothing in float32 and to
		// a moment that never moves in float64.
		check(a.Beta1 >= 0 && a.Beta1 <= MaxBeta, "train.optimizer.beta1", "must be from 0 to %v (torch's default is 0.9), got %v", MaxBeta, a.Beta1),
		check(a.Beta2 >= 0 && a.Beta2 <= MaxBeta, "train.optimizer.beta2", "must be from 0 to %v (torch's default is 0.999), got %v", MaxBeta, a.Beta2),
		// Beyond these an update is all eps, all decay or nothing: the run
		// would end with exit 0 and a model that learned nothing.
		check(a.Eps > 0 && a.Eps <= 1, "train.optimizer.eps", "must be in (0, 1] (torch's default is 1e-8), got %v", a.Eps),
		check(c.Model.Dtype != "float32" || a.Eps >= 1e-30, "train.optimizer.eps", "must be at least 1e-30 in float32 (below, it rounds to 0 and a zero gradient's update is 0/0), got %v", a.Eps),
		check(a.WeightDecay >= 0 && a.WeightDecay <= 1, "train.optimizer.weight_decay", "must be from 0 to 1 (an L2 term of more than the parameter itself swamps every gradient), got %v", a.WeightDecay),
		check(t.GradClip == 0 || (t.GradClip >= 1e-6 && t.GradClip <= MaxScale), "train.grad_clip", "must be 0 (no clipping) or from 1e-06 to %g, got %v", MaxScale, t.GradClip),
		check(t.LRDecay >= 0 && t.LRDecay < 1, "train.lr_decay", "must be in [0, 1) (the share of the last steps over which the learning rate falls to 0; 0: constant), got %v", t.LRDecay),
		check(t.EMA >= 0 && t.EMA < 1, "train.ema", "must be in [0, 1) (0: no moving average; e.g. 0.999), got %v", t.EMA),
		check(t.LogEvery >= 1, "train.log_every", "must be >= 1, got %d", t.LogEvery),
		check(t.EvalEvery >= 0, "train.eval_every", "must be >= 0 (0 disables), got %d", t.EvalEvery),
		check(t.CheckpointEvery >= 0, "train.checkpoint_every", "must be >= 0 (0: only at the end), got %d", t.CheckpointEvery),
		check(t.KeepCheckpoints >= 0, "train.keep_checkpoints", "must be >= 0 (0 keeps all), got %d", t.KeepCheckpoints),
		check(t.Patience >= 0, "train.patience", "must be >= 0 (0: never stop early), got %d", t.Patience),
		check(t.SampleEvery >= 0, "train.sample_every", "must be >= 0 (0: no figures during training), got %d", t.SampleEvery),
		check(t.Patience == 0 || t.EvalEvery > 0 || t.StepsAuto, "train.patience", "needs held-out losses to watch: set train.eval_every > 0"),
		check(t.Refit == nil || !*t.Refit || c.Data.Holdout > 0 || c.Data.HoldoutAuto, "train.refit",
			"true needs held-out rows to choose the length: set data.holdout above 0"),
		check(t.Refit == nil || !*t.Refit || t.StepsAuto || (t.EvalEvery > 0 && t.EvalEvery <= t.Steps), "train.refit",
			"true needs held-out losses to choose the length: set train.steps: auto or train.eval_every from 1 to train.steps"),
		check(!t.Nearness || (c.Data.Dataset == "file" && t.StepsAuto), "train.nearness",
			"follows a table's samples through its auto length: it goes with dataset file and train.steps: auto"),
		check(t.Refitted == nil || (c.Data.Holdout == 0 && !c.Data.HoldoutAuto && (t.Refit == nil || !*t.Refit)), "train.refitted",
			"records a run trained on every row: it goes with data.holdout: 0 and train.refit: false"),
		d.validateRefitted(c),
		check(c.Output.Dir != "", "output.dir", "must not be empty"),
		d.validateLabels(c),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) validateSampling(c *Config) error {
	s := c.Sample
	check := func(ok bool, key, format string, args ...any) error {
		if ok {
			return nil
		}
		return d.Errorf(key, format, args...)
	}
	// The levels a sampler walks between the ends of a known ladder must be
	// distinct too: many levels on a narrow ladder round onto each other.
	pcDistinct, solverDistinct, stopBelowTop, stopAboveEnd := true, true, true, true
	ladderEnd := 0.0
	if !c.Train.Sigmas.Unresolved() {
		levels := c.NoiseLevels()
		hi, lo := 0.0, 0.0
		if len(levels) >= 2 {
			hi, lo = levels[0], levels[len(levels)-1]
		}
		ladderEnd = lo
		if lo > 0 && s.Sampler == "pc" && s.Levels >= 2 && s.Levels <= MaxLevels {
			pcDistinct = distinct(noisescale.Geometric(hi, lo, s.Levels))
		}
		stopBelowTop = !(s.SigmaStop > 0 && s.SigmaStop >= hi)
		// The solver's own last level may round a hair below the ladder's
		// end, and auto says it as it is.
		stopAboveEnd = !(s.SigmaStop > 0 && s.SigmaStop < lo*(1-1e-9))
		lo = max(lo, s.SigmaStop)
		if lo > 0 && Solver(s.Sampler) && s.Steps >= 2 && s.Steps <= MaxLevels && s.Rho >= 0.1 && s.Rho <= 100 && stopBelowTop {
			solverDistinct = distinct(noisescale.Karras(hi, lo, s.Rho, s.Steps))
		}
	}
	reach := EpsReach(c)
	c.Sample.EpsFrom = d.Where("sample.eps")
	for _, err := range []error{
		check(!(reach < MinReach) || s.EpsAuto || !knownScale(c.Data), "sample.eps", "%v moves a chain by about %.2g over all its steps (the noise's sqrt(eps x steps), in model units where the data's spread is about 1): it would sample nothing; raise sample.eps (or use eps: auto)", s.Eps, reach),
		check(pcDistinct, "sample.levels", "%d levels between the run's noise levels' ends are not all distinct in float64 (neighbours round to the same value); use fewer", s.Levels),
		check(solverDistinct, "sample.steps", "%d levels between the run's noise levels' ends%s (rho %v) are not all distinct in float64 (neighbours round to the same value); use fewer", s.Steps, stopNamed(s.SigmaStop), s.Rho),
		check(slices.Contains(Samplers, s.Sampler), "sample.sampler", "%q is not one of %s", s.Sampler, strings.Join(Samplers, ", ")),
		check(s.N >= 1, "sample.n", "must be >= 1, got %d", s.N),
		check(s.N <= MaxChains, "sample.n", "must be at most %d (the chains are held in memory together), got %d", MaxChains, s.N),
		check(s.Steps >= 1 && s.Steps <= MaxSampleSteps, "sample.steps", "must be from 1 to %d, got %d", MaxSampleSteps, s.Steps),
		check(s.StepsPerLevel >= 1 && s.StepsPerLevel <= MaxSampleSteps, "sample.steps_per_level", "must be from 1 to %d, got %d", MaxSampleSteps, s.StepsPerLevel),
		check(s.EpsAuto || s.Eps > 0, "sample.eps", "must be > 0 or auto, got %v", s.Eps),
		check(s.SnapshotEvery >= 0, "sample.snapshot_every", "must be >= 0 (0: off), got %d", s.SnapshotEvery),
		check(s.Levels == 0 || (s.Levels >= 2 && s.Levels <= MaxLevels), "sample.levels", "must be 0 (the run's ladder) or from 2 to %d, got %d", MaxLevels, s.Levels),
		check(s.CorrectorSteps >= 0 && s.CorrectorSteps <= MaxCorrectorSteps, "sample.corrector_steps", "must be from 0 to %d, got %d", MaxCorrectorSteps, s.CorrectorSteps),
		check(s.SNR > 0 && s.SNR <= 1, "sample.snr", "must be in (0, 1]: the corrector's noise-to-score ratio, whose square sets its step (score_sde uses 0.16 for VE models), got %v", s.SNR),
		check(!Solver(s.Sampler) || (s.Steps >= 2 && s.Steps <= MaxLevels), "sample.steps", "must be from 2 to %d noise levels for %s, got %d", MaxLevels, s.Sampler, s.Steps),
		check(s.Rho >= 0.1 && s.Rho <= 100, "sample.rho", "must be from 0.1 to 100: the exponent of the schedule of levels (EDM's 7; 1 spaces them evenly; below 0.1 sigma^(1/rho) overflows), got %v", s.Rho),
		check(s.Guidance >= 0 && s.Guidance <= MaxGuidance, "sample.guidance", "must be from 0 (the conditional score alone) to %g, got %v", MaxGuidance, s.Guidance),
		check(s.Churn >= 0 && s.Churn <= 1e6, "sample.churn", "must be from 0 (no churn, EDM's default) to 1e6, got %v", s.Churn),
		check(s.ChurnMin >= 0 && s.ChurnMin <= MaxScale, "sample.churn_min", "must be from 0 to %g (model units), got %v", MaxScale, s.ChurnMin),
		check(s.ChurnMax == 0 || (s.ChurnMaxAuto && s.ChurnMax < s.ChurnMin) || (s.ChurnMax >= s.ChurnMin && s.ChurnMax <= MaxScale), "sample.churn_max", "must be 0 (no limit), auto, or from sample.churn_min %v to %g (model units), got %v", s.ChurnMin, MaxScale, s.ChurnMax),
		check(!(s.ChurnMaxAuto && s.ChurnMax > 0 && s.ChurnMax < s.ChurnMin), "sample.churn_min", "%v is above sample.churn_max %.4g, which auto chose from the data's spread: churn would add noise nowhere; lower churn_min, or set churn_max by hand", s.ChurnMin, s.ChurnMax),
		check(s.SigmaStop >= 0 && s.SigmaStop <= MaxScale, "sample.sigma_stop", "must be 0 (denoise at the smallest noise level), auto, or a level up to %g (model units), got %v", MaxScale, s.SigmaStop),
		check(stopAboveEnd, "sample.sigma_stop", "%v is below the ladder's smallest noise level %v, where the model was trained down to: use 0 (denoise there) or a level from it up", s.SigmaStop, ladderEnd),
		check(stopBelowTop, "sample.sigma_stop", "%v is at or above the ladder's largest noise level, where the solvers start: use a smaller level, or 0", s.SigmaStop),
		check(s.SigmaStop == 0 || Solver(s.Sampler), "sample.sigma_stop", "%v is where heun and dpmpp_2m stop; sampler %s walks no such schedule: set sample.sigma_stop to 0", s.SigmaStop, s.Sampler),
		check(s.ChurnNoise > 0 && s.ChurnNoise <= 2, "sample.churn_noise", "must be in (0, 2]: the scale of churn's fresh noise (EDM's 1, or 1.003-1.007), got %v", s.ChurnNoise),
		check(s.Rtol >= ode.MinTolerance && s.Rtol < 1, "sample.rtol", "must be at least %g (float64 rounding) and below 1, got %v", ode.MinTolerance, s.Rtol),
		check(s.Atol >= ode.MinTolerance && s.Atol < 1, "sample.atol", "must be at least %g (float64 rounding) and below 1 (model units, where the data's spread is about 1), got %v", ode.MinTolerance, s.Atol),
		check(slices.Contains(InitKinds, s.Init.Kind), "sample.init.kind", "%q is not one of %s", s.Init.Kind, strings.Join(InitKinds, ", ")),
		d.ordered(s.Init.Low < s.Init.High, "sample.init.low", "sample.init.high", s.Init.Low, s.Init.High),
		// Beyond MaxScale a box's width or a start's square overflows.
		check(math.Abs(s.Init.Low) <= MaxScale, "sample.init.low", "must be within ±%g (model units), got %v", MaxScale, s.Init.Low),
		check(math.Abs(s.Init.High) <= MaxScale, "sample.init.high", "must be within ±%g (model units), got %v", MaxScale, s.Init.High),
		check(s.Init.Std > 0 && s.Init.Std <= MaxScale, "sample.init.std", "must be > 0 and at most %g (model units), got %v", MaxScale, s.Init.Std),
		check(s.Init.Kind != "file" || s.Init.Path != "", "sample.init.path", "is required for init kind file"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// distinct reports whether levels are strictly decreasing: a ladder whose
// neighbours round to one value is no ladder for the samplers.
func distinct(levels []float64) bool {
	for i := 1; i < len(levels); i++ {
		if !(levels[i] < levels[i-1]) {
			return false
		}
	}
	return true
}

// MaxGuidance bounds sample.guidance: image models use 0.5 to 10; beyond
// 100 the difference of two scores is all that is left.
const MaxGuidance = 100.0

// validateLabels checks the keys of class-conditional models: labels
// where the data can have them, and a model and loss that take them.
func (d *decoder) validateLabels(c *Config) error {
	check := func(ok bool, key, format string, args ...any) error {
		if ok {
			return nil
		}
		return d.Errorf(key, format, args...)
	}
	data, m := c.Data, c.Model
	labelled := data.Labelled() || m.Classes > 0
	can, _ := losses.NoiseConditional(c.Train.Loss)
	for _, err := range []error{
		check(data.Labels == "" || data.Dataset == "idx" || data.Dataset == "images", "data.labels", "applies to idx and images data (for a table, name its column in data.label_column), not %s", data.Dataset),
		check(data.Labels == "" || data.Dataset != "images" || data.Labels == "folders", "data.labels", "for images must be folders (each sub-folder of data.path a class), got %q", data.Labels),
		check(data.Labels != "folders" || data.Dataset == "images", "data.labels", "folders applies to a folder of PNG class folders (dataset images), not %s: give the label file's path", data.Dataset),
		check(m.Classes <= 0 || data.Labelled(), "model.classes", "is set from the labels when training starts: give data.labels or data.label_column"),
		check(c.Sample.Guidance == 0 || labelled, "sample.guidance", "steers a class-conditional model's samples toward their class; this one has no labels (data.labels or data.label_column)"),
		check(data.LabelColumn == "" || data.Dataset == "file", "data.label_column", "applies to dataset file (a CSV or .npy table), not %s", data.Dataset),
		check(len(data.Categories) == 0 || data.Dataset == "file", "data.categories", "applies to dataset file (a CSV table), not %s", data.Dataset),
		check(categoriesProblem(data) == "", "data.categories", "%s", categoriesProblem(data)),
		check(len(data.LeaveOut) == 0 || data.Dataset == "file", "data.leave_out", "applies to dataset file (a CSV table), not %s", data.Dataset),
		check(len(data.Columns) == 0 || data.Dataset == "file", "data.columns", "applies to dataset file (a CSV table with a header), not %s", data.Dataset),
		check(leaveOutProblem(data) == "", "data.leave_out", "%s", leaveOutProblem(data)),
		check(m.Classes >= 0 && m.Classes <= mlp.MaxClasses, "model.classes", "must be from 0 to %d, got %d", mlp.MaxClasses, m.Classes),
		check(len(m.ClassNames) == 0 || len(m.ClassNames) == m.Classes, "model.class_names", "names %d classes, model.classes is %d", len(m.ClassNames), m.Classes),
		check(classNamesProblem(m.ClassNames) == "", "model.class_names", "%s", classNamesProblem(m.ClassNames)),
		check(classCountsProblem(m.ClassCounts, m.Classes) == "", "model.class_counts", "%s", classCountsProblem(m.ClassCounts, m.Classes)),
		check(!labelled || m.Type != "gaussian", "model.type", "a class-conditional model (data.labels, data.label_column) is an mlp or a unet: the gaussian takes no labels"),
		check(!labelled || can, "train.loss", "a class-conditional model trains with a denoising loss (%s), not %s", strings.Join(conditionalLosses(), ", "), c.Train.Loss),
		check(!labelled || m.NoiseConditional, "model.noise_conditional", "a class-conditional model must be noise-conditional"),
		check(!labelled || c.Train.Engine != losses.Graph, "train.engine", "graph trains no class-conditional model (its graph scores without labels, as the core's reference); use auto or fused"),
		// 0 would leave the null label untrained, and with it the
		// unconditional score that guidance, eval, score, impute and the
		// likelihood use.
		check(c.Train.LabelDropout == nil || (*c.Train.LabelDropout > 0 && *c.Train.LabelDropout < 1), "train.label_dropout", "must be in (0, 1) (e.g. 0.1: the share of points trained without their label, which teaches the unconditional score that guidance and every command but sample -class use), got %v", deref(c.Train.LabelDropout)),
		check(!d.Given("data.label_column") || data.LabelColumn != "", "data.label_column", "is empty: name the label column (a header name or a number from 1), or leave the key out"),
		check(!d.Given("data.labels") || data.Labels != "", "data.labels", "is empty: give the label file (or folders), or leave the key out"),
		check(c.Train.LabelDropout == nil || labelled, "train.label_dropout", "applies to labelled data (data.labels or data.label_column)"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// ClassNameProblem says what makes name unusable as a class's name for
// sample -class, which reads "all", numbers and commas itself; "" if
// nothing does.
func ClassNameProblem(name string) string {
	_, number := strconv.Atoi(strings.TrimSpace(name))
	switch {
	case strings.TrimSpace(name) == "":
		return "is empty"
	case number == nil:
		return "is a number, which -class reads as a class's index"
	case name == "all":
		return "is all, which -class reads as every class"
	case strings.Contains(name, ","):
		return "holds a comma, which -class reads between classes"
	case strings.TrimSpace(name) != name:
		return "has spaces at its ends, which -class trims"
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "holds a character that is not printable"
		}
	}
	return ""
}

// classNamesProblem is the first unusable or repeated name of names, as
// an error's text, or "".
// classCountsProblem says what is wrong with a run's recorded rows per
// class: one count for each of its classes, none negative, some rows.
func classCountsProblem(counts []int, classes int) string {
	if len(counts) == 0 {
		return ""
	}
	if len(counts) != classes {
		return fmt.Sprintf("counts %d classes, model.classes is %d", len(counts), classes)
	}
	total := 0
	for i, c := range counts {
		if c < 0 {
			return fmt.Sprintf("count %d is %d, want the class's training rows, 0 or more", i+1, c)
		}
		total += c
	}
	if total == 0 {
		return "counts no rows in any class"
	}
	return ""
}

func classNamesProblem(names []string) string {
	for i, n := range names {
		if p := ClassNameProblem(n); p != "" {
			return fmt.Sprintf("name %d, %q, %s", i+1, n, p)
		}
		if j := slices.Index(names[:i], n); j >= 0 {
			return fmt.Sprintf("names %d and %d are both %q", j+1, i+1, n)
		}
	}
	return ""
}

// deref is *p, or 0 for nil.
func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// DataDim is the dimension of the config's data where the config says it,
// 1 otherwise (a file's is known once it is read).
func DataDim(data Data) int { return dataDim(data) }

func dataDim(data Data) int {
	switch data.Dataset {
	case "gaussian":
		return max(1, len(data.Mean))
	case "gaussian_mixture":
		if len(data.Means) > 0 {
			return max(1, len(data.Means[0]))
		}
		return 1
	case "file", "idx", "images":
		return 1
	}
	return 2 // the toys
}

// unet bounds: channels per level and groups (EDM's largest networks use
// 256 and 32), levels, and the image's sides.
const (
	MaxUNetChannels = 1024
	MaxUNetGroups   = 64
	MaxUNetLevels   = 5
	MaxImageSide    = 4096
)

// validateUNet checks the unet's keys: the levels' channels and groups,
// and a shape given by hand.
func (d *decoder) validateUNet(c *Config) error {
	m := c.Model
	if m.Type != "unet" {
		return nil
	}
	if len(m.Channels) < 1 || len(m.Channels) > MaxUNetLevels {
		return d.Errorf("model.channels", "must list the channels of 1 to %d levels, e.g. [32, 64], got %v", MaxUNetLevels, m.Channels)
	}
	if m.Groups < 1 || m.Groups > MaxUNetGroups {
		return d.Errorf("model.groups", "must be from 1 to %d, got %d", MaxUNetGroups, m.Groups)
	}
	for i, ch := range m.Channels {
		if ch < 1 || ch > MaxUNetChannels || ch%m.Groups != 0 {
			return d.Errorf("model.channels", "level %d has %d channels: want a multiple of model.groups (%d) up to %d", i, ch, m.Groups, MaxUNetChannels)
		}
	}
	if len(m.Shape) == 0 {
		if c.Data.Dataset == "idx" || c.Data.Dataset == "images" {
			return nil // from the images when training starts
		}
		return d.Errorf("model.shape", "is required for the unet on dataset %s: the images' [height, width, channels], e.g. [8, 8, 1] for 64 columns of pixels", c.Data.Dataset)
	}
	if len(m.Shape) != 3 {
		return d.Errorf("model.shape", "must be [height, width, channels], got %v", m.Shape)
	}
	for i, v := range m.Shape {
		if v < 1 || v > MaxImageSide {
			return d.Errorf("model.shape", "%s must be from 1 to %d, got %d", []string{"height", "width", "channels"}[i], MaxImageSide, v)
		}
	}
	if f := 1 << (len(m.Channels) - 1); m.Shape[0]%f != 0 || m.Shape[1]%f != 0 {
		return d.Errorf("model.shape", "%d levels halve the image %d times, so its height and width must be multiples of %d, got %dx%d", len(m.Channels), len(m.Channels)-1, f, m.Shape[0], m.Shape[1])
	}
	return nil
}

// checkSize refuses a network too large to hold before any data is read:
// with the data's dimension where the config gives it, else with D = 1 (the
// trainer checks again once the data are read).
func (d *decoder) checkSize(c *Config) error {
	if c.Model.Type != "mlp" || len(c.Model.Hidden) == 0 {
		return nil
	}
	spec := nn.Spec{Kind: "mlp", Dim: dataDim(c.Data), Hidden: c.Model.Hidden, NoiseConditional: c.Model.NoiseConditional}
	if err := spec.CheckSize(); err != nil {
		if c.Data.FromFile() { // D is not known before the data are read
			return d.Errorf("model.hidden", "%s (counting the data as 1-dimensional: more with yours)", strings.TrimPrefix(err.Error(), "nn: "))
		}
		return d.Errorf("model.hidden", "%s", strings.TrimPrefix(err.Error(), "nn: "))
	}
	return nil
}

// ordered checks low < high for a pair of keys, blaming the one the user
// set (the later -set, else the one in the file), so the message points at
// what to change.
func (d *decoder) ordered(ok bool, lowKey, highKey string, low, high float64) error {
	if ok {
		return nil
	}
	if shown, _ := d.Overridden(lowKey); d.Given(lowKey) && !d.Given(highKey) || shown != "" {
		return d.Errorf(lowKey, "must be below %s (%v), got %v", highKey, high, low)
	}
	return d.Errorf(highKey, "must be above %s (%v), got %v", lowKey, low, high)
}

// conditionalLosses lists the losses that train noise-conditional models.
func conditionalLosses() []string {
	var out []string
	for _, name := range losses.Names() {
		if can, _ := losses.NoiseConditional(name); can {
			out = append(out, name)
		}
	}
	return out
}

// validateDensity checks the parameters of the data sets with a density by
// building it, so the rules live in one place (density) and the message
// gains the key and line here.
func (d *decoder) validateDensity(data Data) error {
	var err error
	var key string
	for _, c := range []struct {
		key    string
		values []float64
		limit  float64
	}{
		{"data.mean", data.Mean, MaxScale}, {"data.cov", slices.Concat(data.Cov...), MaxScale * MaxScale},
		{"data.means", slices.Concat(data.Means...), MaxScale}, {"data.std", []float64{data.Std}, MaxScale},
	} {
		for _, v := range c.values {
			if !(math.Abs(v) <= c.limit) {
				return d.Errorf(c.key, "%v is beyond ±%g: the data's squares would overflow", v, c.limit)
			}
		}
	}
	switch data.Dataset {
	case "gaussian":
		key = "data.cov"
		if len(data.Mean) == 0 {
			return d.Errorf("data.mean", "is required for dataset gaussian: a list of D numbers")
		}
		_, err = density.NewGaussian(data.Mean, data.Cov)
	case "gaussian_mixture":
		key = "data.means"
		if len(data.Weights) != len(data.Means) || weightsError(data.Weights) {
			key = "data.weights"
		} else if !(data.Std > 0) {
			key = "data.std"
		}
		_, err = density.NewMixture(data.Means, data.Weights, data.Std)
	default:
		return nil
	}
	if err != nil {
		return d.Errorf(key, "%s", strings.TrimPrefix(err.Error(), "density: "))
	}
	return nil
}

func weightsError(w []float64) bool {
	sum := 0.0
	for _, v := range w {
		if v < 0 {
			return true
		}
		sum += v
	}
	return sum < 1-1e-9 || sum > 1+1e-9
}

// MaxScale bounds the sizes a config gives in data or model units (a
// synthetic data set's means, spreads and noise, the sampler's starting
// box): beyond it, squares and sums of squares of such values overflow
// float64, and the run would fail after its work instead of before.
const MaxScale = 1e100

// MaxDepth bounds an MLP's hidden layers.
const MaxDepth = 32

// MinNoise and MaxNoise bound noise levels and sigma_data, in model units
// (where standardised data have spread 1): the losses weigh levels by σ²
// and 1/σ², and a network fed x + σz with σ beyond MaxNoise overflows, so
// that training fails at its first step with advice about the learning
// rate that cannot help.
const (
	MinNoise = 1e-10
	MaxNoise = 1e10
)

// SafeToChange lists the keys a resumed run may change: they alter how long
// it runs and what it records, not what it computes (but for train.steps
// under train.lr_decay, which places the rate's fall on the new length's
// last steps, as the start-up says). A key ending in "."
// stands for every key below it.
var SafeToChange = []string{
	"train.steps", "train.log_every", "train.eval_every",
	"train.checkpoint_every", "train.keep_checkpoints", "train.patience", "train.sample_every", "sample.",
}

// ResumeConflicts lists the differences between the config a run was
// started with and the one it is resumed with that would change its results.
// output.dir is not one: the run is the directory it is resumed in, however
// that is spelt now (relative, absolute, through a link, or moved).
func ResumeConflicts(saved, given *Config) []string {
	// sigma_data_auto only records how sigma_data was chosen; the value
	// itself is compared.
	// data.columns only names the columns (recorded by train, which a
	// run from before the key lacks).
	diffs := Diff(saved, given, append(SafeToChange, "output.dir", "model.sigma_data_auto", "model.dtype_auto", "data.columns")...)
	// The first difference is the one an error names: the run's identity
	// (name, seed, data) before what follows from it (a sigma_data or a
	// ladder chosen from the data differs because the data or seed do).
	rank := func(d string) int {
		for i, prefix := range []string{"name:", "seed:", "data.", "model.", "train.", "sample."} {
			if strings.HasPrefix(d, prefix) {
				return i
			}
		}
		return 6
	}
	sort.SliceStable(diffs, func(i, j int) bool { return rank(diffs[i]) < rank(diffs[j]) })
	return diffs
}

// Describe is a one-line summary of a config, for logs.
func (c *Config) Describe() string {
	model := c.Model.Type
	if c.Model.Type == "unet" {
		model = fmt.Sprintf("unet %v", c.Model.Channels)
	}
	if c.Model.Type == "mlp" {
		hidden := fmt.Sprint(c.Model.Hidden)
		if len(c.Model.Hidden) == 0 && c.Model.HiddenAuto {
			hidden = "auto"
		}
		model = fmt.Sprintf("mlp %s %s", hidden, c.Model.Activation)
	}
	steps := fmt.Sprint(c.Train.Steps)
	if c.Train.StepsAuto {
		steps = "auto"
		if c.Train.Steps > 0 {
			steps = fmt.Sprintf("up to %d", c.Train.Steps)
		}
	}
	return fmt.Sprintf("%s: %s data, %s %s, %s loss, batch %d, %s steps", c.Name, c.Data.Dataset, model, c.Model.Dtype, c.Train.Loss, c.Train.BatchSize, steps)
}

// MaxBeta bounds Adam's beta1 and beta2: nearer 1, 1 - beta rounds to 0 in
// float32 (a first moment that never moves trained nothing; a second one
// diverged at step 3).
const MaxBeta = 0.999999

// validateRefitted checks a refitted run's record of its first training:
// the folder it names, steps and rows that can be, and train.steps at
// least the refit of its length.
func (d *decoder) validateRefitted(c *Config) error {
	r := c.Train.Refitted
	if r == nil {
		return nil
	}
	for _, k := range []struct {
		key, want string
		ok        bool
	}{
		{"dir", "select, the folder of the first training", r.Dir == "select"},
		{"train_rows", "at least 1", r.TrainRows >= 1},
		{"held_out", "at least 1", r.HeldOut >= 1},
		{"best_step", "at least 1", r.BestStep >= 1},
		{"near_step", "0 (never) or a step", r.NearStep >= 0},
		{"nearest_step", "0 or a step", r.NearestStep >= 0},
		{"length", "the later of best_step and near_step (or nearest_step)", r.Length == max(r.BestStep, r.NearStep, r.NearestStep)},
	} {
		if !k.ok {
			return d.Errorf("train.refitted."+k.key, "want %s", k.want)
		}
	}
	// More steps continue the run; fewer would not be the refit it records.
	if want := RefitSteps(r.Length, r.TrainRows, r.HeldOut); c.Train.Steps < want {
		return d.Errorf("train.steps", "%d is short of the refit of train.refitted's length (%d steps on %d rows with %d held out): want at least %d", c.Train.Steps, r.Length, r.TrainRows, r.HeldOut, want)
	}
	return nil
}

// categoriesProblem says what is wrong with data.categories, "" if
// nothing: each a column named once, not the label column, its levels
// (where given) distinct names.
func categoriesProblem(d Data) string {
	seen := map[string]bool{}
	for i, c := range d.Categories {
		switch {
		case strings.TrimSpace(c.Column) == "":
			return fmt.Sprintf("entry %d has no column: name it by its header name or its number from 1", i+1)
		case seen[c.Column]:
			return fmt.Sprintf("column %q is named twice", c.Column)
		case c.Column == d.LabelColumn:
			return fmt.Sprintf("column %q is data.label_column, each row's class: it cannot also be a category", c.Column)
		case c.Index < 0:
			return fmt.Sprintf("column %q: index %d is negative", c.Column, c.Index)
		}
		seen[c.Column] = true
		for k, name := range c.Levels {
			if strings.TrimSpace(name) == "" {
				return fmt.Sprintf("column %q: level %d is empty", c.Column, k+1)
			}
			if slices.Contains(c.Levels[:k], name) {
				return fmt.Sprintf("column %q: level %q is named twice", c.Column, name)
			}
		}
		if p := followsProblem(d.Categories, c); p != "" {
			return fmt.Sprintf("column %q: %s", c.Column, p)
		}
	}
	return ""
}

// followsProblem says what is wrong with category c's follows and
// follow_levels among cats: another category of more levels, and one of
// c's levels (or -1) for each of its levels.
func followsProblem(cats []Category, c Category) string {
	if c.Follows == "" {
		if len(c.FollowLevels) > 0 {
			return "follow_levels without follows: name the category they follow from"
		}
		return ""
	}
	by := slices.IndexFunc(cats, func(k Category) bool { return k.Column == c.Follows })
	switch {
	case by < 0:
		return fmt.Sprintf("follows %q, which is not a category of data.categories", c.Follows)
	case len(c.Levels) == 0 || len(cats[by].Levels) <= len(c.Levels):
		return fmt.Sprintf("follows %q, which must have more levels (%d) than it (%d), both given", c.Follows, len(cats[by].Levels), len(c.Levels))
	case len(c.FollowLevels) != len(cats[by].Levels):
		return fmt.Sprintf("follow_levels has %d entries, want one for each of %q's %d levels", len(c.FollowLevels), c.Follows, len(cats[by].Levels))
	}
	for k, l := range c.FollowLevels {
		if l < -1 || l >= len(c.Levels) {
			return fmt.Sprintf("follow_levels entry %d is %d, want one of its %d levels' places from 0, or -1", k+1, l, len(c.Levels))
		}
	}
	return ""
}

// leaveOutProblem says what is wrong with data.leave_out, "" if nothing:
// each a column named once, neither the label column nor a category.
func leaveOutProblem(d Data) string {
	for i, c := range d.LeaveOut {
		switch {
		case strings.TrimSpace(c) == "":
			return fmt.Sprintf("entry %d is empty: name a column by its header name or its number from 1", i+1)
		case slices.Contains(d.LeaveOut[:i], c):
			return fmt.Sprintf("column %q is named twice", c)
		case c == d.LabelColumn:
			return fmt.Sprintf("column %q is data.label_column, each row's class", c)
		case slices.ContainsFunc(d.Categories, func(k Category) bool { return k.Column == c }):
			return fmt.Sprintf("column %q is a category (data.categories)", c)
		}
	}
	return ""
}

// stopNamed names sample.sigma_stop where it ends the solver's levels.
func stopNamed(stop float64) string {
	if stop > 0 {
		return fmt.Sprintf(" (the last at sample.sigma_stop %v)", stop)
	}
	return ""
}
