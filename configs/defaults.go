package configs

import (
	"fmt"
	"slices"
	"strings"

	"scorenet/losses"
)

// The defaults a config gets from the kind of its data, for the keys it
// leaves out; explicit values always win.
const (
	// DefaultEMA is train.ema for the denoising losses: their samples come
	// from the averaged weights, whose score is smoother at small noise.
	DefaultEMA = 0.999
	// DefaultPatience is train.patience under train.steps: auto, in
	// held-out evaluations (each a fiftieth of the cap).
	DefaultPatience = 10
	// imageStepsPerLevel is sample.steps_per_level for images.
	imageStepsPerLevel = 5
	// imageLR is train.optimizer.lr for images, as score_sde trains its
	// image models (NCSNv2: 1e-4). Fashion-MNIST from its IDX file at
	// torch's 1e-3 lost 5.3% of its chains at sampling after 50000 steps
	// (around sigma 1-2: a field rough at mid noise); at 2e-4 none after
	// 30000, and its held-out loss was lower (99.5 against 100.5).
	imageLR = 2e-4
	// DefaultLabelDropout is train.label_dropout: classifier-free
	// guidance's share of unconditional training (Ho & Salimans 2022
	// found 0.1 to 0.2 best).
	DefaultLabelDropout = 0.1
	// TableLabelDropout is train.label_dropout for a table's class column
	// (data.label_column) on the MLP: a table is sampled by the null label
	// unless -class is given, and a tenth of the batches taught it too
	// little. scikit-learn's tables written with their classes' names, 80%
	// trained by train -data, 1000 samples, over three splits: wine's mean
	// gap 0.12-0.15 and std gap 0.11-0.18 at 0.1, 0.08-0.09 and 0.08-0.11
	// at 0.3, 0.07-0.08 and 0.06-0.08 at 0.5; breast cancer's std gap
	// 0.23-0.26, 0.12-0.14, 0.11-0.14 (a perfect copy's noise, 0.14);
	// iris within every target at each. -class pays for it: its samples'
	// worst spread against their class's rows went from 0.07 to 0.13
	// (iris), 0.13 to 0.19 (wine), 0.43 to 0.53 (breast cancer's heavy
	// tails, 333 samples a class).
	TableLabelDropout = 0.5
	// unetGroups is model.groups for the unet: GroupNorm's 8 groups of
	// channels suit EDM's smallest networks as its 32 do its largest.
	unetGroups = 8
)

// unetChannels is model.channels for the unet: three levels (28x28,
// 14x14 and 7x7 for Fashion-MNIST, where a 3x3 convolution sees the
// whole garment): on Fashion-MNIST the third level took the Frechet
// distance in a classifier's features from 27 to 8 in the same hour of
// training (0.62 s a step at batch 64 on two cores).
var unetChannels = []int{32, 64, 128}

// The unet's training on images, as configs/fashion_mnist_unet.yaml
// measured it (docs/CONFIG.md): batch 64 (4.7 GB resident), 7500 steps
// (47 minutes on two cores; 5000 took 35 after the vector kernels, and
// the held-out loss was still falling: 71.56 at 5000, 69.79 at 7500, the
// classifier's Frechet distance on the samples 6.2 -> 4.8, the pixels
// with their spread within 10% of the data's 83% -> 87%), learning rate
// 5e-4, and 2% of the images held out (1200 of Fashion-MNIST's 60000: a
// held-out loss in seconds).
const (
	unetBatch   = 64
	unetSteps   = 7500
	unetLR      = 5e-4
	unetHoldout = 0.02
	// unetLevels and unetChurn are sample.steps and sample.churn for
	// the unet: heun's 50 levels (99 evaluations an image) with fresh
	// noise at every level, gamma = 20/50 (Karras et al. 2022, section
	// 4), which lets later steps correct the errors of earlier ones,
	// scaled by unetChurnNoise against the detail the denoiser's
	// averaging removes: a classifier's median confidence on
	// Fashion-MNIST's samples 0.911-0.936 on three seeds, 0.876 without.
	// But churn above the images' own scale draws chains towards the
	// commonest outlines, while below it churn corrects the detail that
	// gave that confidence; so churn_max is auto
	// (ChurnMaxSpreads).
	unetLevels     = 50
	unetChurn      = 20
	unetChurnNoise = 1.003
)

// dataDefaults fills the keys the config leaves out with the defaults of
// its data: for data read from a file (a table, IDX or PNG images) the
// recipe that samples well without tuning (standardised columns, edm_dsm
// on a preconditioned noise-conditional residual swish MLP sized from the
// data, anneal_dsm for the MLP on images, auto noise scales and step, EMA,
// training until the held-out loss stops improving); for every denoising
// loss an EMA of the weights. It returns a note saying what it chose, for
// the command to print.
func (d *decoder) dataDefaults(c *Config) []string {
	var chose []string
	var set setter = func(key, value string, apply func()) {
		if d.Given(key) || slices.ContainsFunc(chose, func(c string) bool { return strings.HasPrefix(c, key+" ") }) {
			return
		}
		apply()
		chose = append(chose, key+" "+value)
	}
	images := c.Data.Dataset == "idx" || c.Data.Dataset == "images"
	// The MLP's keys (and a network without noise conditioning, which the
	// unet never is) say which network was meant.
	mlpMeant := d.Given("model.hidden") || d.Given("model.residual") || (d.Given("model.noise_conditional") && !c.Model.NoiseConditional)
	if images && !mlpMeant {
		// Convolutions share their weights across the image: on
		// Fashion-MNIST the unet's samples got a classifier's median
		// confidence 0.91-0.94, the MLP's 0.57, in about the same hour.
		set("model.type", "unet", func() { c.Model.Type, c.Model.TypeDefaulted = "unet", true })
	}
	unet := c.Model.Type == "unet"
	if unet {
		d.unetNetwork(c, set)
	}
	if (c.Data.FromFile() && c.Model.Type == "mlp") || unet { // the gaussian model fits a density as it is
		if c.Data.Dataset == "file" {
			if !unet { // a unet's columns are pixels: one scale for all
				d.tableColumns(c, set)
			}
			set("data.holdout", "auto", func() { c.Data.HoldoutAuto = true })
		}
		if unet {
			d.unetRecipe(c, set, images)
		}
		loss, table := d.defaultLoss(c, unet)
		set("train.loss", loss, func() { c.Train.Loss, c.Train.LossDefaulted = loss, table })
		if _, needs := losses.NoiseConditional(c.Train.Loss); needs {
			set("model.noise_conditional", "true", func() { c.Model.NoiseConditional = true })
		}
		set("model.activation", "swish", func() { c.Model.Activation = "swish" })
		if !unet {
			set("model.residual", "true", func() { c.Model.Residual = true })
			set("model.hidden", "auto", func() { c.Model.Hidden, c.Model.HiddenAuto = nil, true })
		}
		if c.Model.NoiseConditional && !c.Model.SigmaDataAuto { // given as auto is given
			set("model.sigma_data", "auto", func() { c.Model.SigmaData, c.Model.SigmaDataAuto = 0, true })
		}
		if losses.OverLevels(c.Train.Loss) {
			// A ladder given key by key is the user's, whatever keys it
			// leaves at their defaults: an explicit value always wins.
			byParts := d.Given("train.sigmas.begin") || d.Given("train.sigmas.end") || d.Given("train.sigmas.n") || d.Given("train.sigmas.auto")
			if byParts && !d.Given("train.sigmas") {
				chose = append(chose, fmt.Sprintf("train.sigmas by hand (begin %g, end %g, n %d: the keys not set are the config defaults, not chosen from the data)",
					c.Train.Sigmas.Begin, c.Train.Sigmas.End, c.Train.Sigmas.N))
			} else {
				set("train.sigmas", "auto", func() { c.Train.Sigmas = Sigmas{Auto: true} })
			}
			set("sample.eps", "auto", func() { c.Sample.Eps, c.Sample.EpsAuto = 0, true })
			if c.Data.Dataset == "file" && !unet {
				// A table's samples by EDM's solver: annealed Langevin's
				// steps, sized for data whose spread is the noise's,
				// leave a broad direction (correlated columns) the
				// spread of the levels above (diabetes: 1.20 of the
				// data's, 0.95 by heun), and heun is 2-3 times faster.
				set("sample.sampler", "heun", func() { c.Sample.Sampler = "heun" })
				// A small table's model learns its rows one by one, and
				// the solvers' samples then sit on them: engel's 188 rows
				// sampled 0.80 times as far from the training rows as the
				// rows sit from each other, 1.09 times stopped at 0.3.
				if Solver(c.Sample.Sampler) && !(d.runFile && !d.Given("sample.sigma_stop")) {
					set("sample.sigma_stop", "auto", func() { c.Sample.SigmaStop, c.Sample.SigmaStopAuto = 0, true })
				}
			}
		}
		set("train.steps", "auto", func() { c.Train.Steps, c.Train.StepsAuto = 0, true })
		if c.Data.Dataset == "file" && c.Train.StepsAuto {
			// nil is auto already: said, and decided once the rows are counted.
			set("train.refit", "auto", func() { c.Train.Refit = nil })
			// A dense table's held-out loss levels off long before its
			// samples sharpen: circles' was lowest at step 1200, and at
			// the stop, step 5200, its samples were 1.14 times as far
			// from the training rows as held-out rows (0.94 followed).
			if !unet && !(d.runFile && !d.Given("train.nearness")) {
				set("train.nearness", "true", func() { c.Train.Nearness, c.Train.NearnessDefaulted = true, true })
			}
		}
		if c.Data.Dataset != "file" || unet {
			// Images get a ladder of about a hundred levels; NCSNv2 walks
			// it with 5 steps each, not the 100 a table's dozen takes.
			set("sample.steps_per_level", fmt.Sprint(imageStepsPerLevel), func() { c.Sample.StepsPerLevel = imageStepsPerLevel })
			if !d.Given("train.lr") {
				set("train.optimizer.lr", fmt.Sprint(imageLR), func() { c.Train.Optimizer.LR, c.Train.Optimizer.LRDefaulted = imageLR, true })
			}
		}
		set("train.batch_size", "auto", func() { c.Train.BatchAuto = true })
	}
	if can, _ := losses.NoiseConditional(c.Train.Loss); can && (c.Model.Type == "mlp" || unet) {
		set("train.ema", fmt.Sprint(DefaultEMA), func() { c.Train.EMA = DefaultEMA })
	}
	if c.Data.Labelled() && c.Train.LabelDropout == nil {
		dropout := DefaultLabelDropout
		if c.Data.LabelColumn != "" && c.Model.Type != "unet" {
			dropout = TableLabelDropout
		}
		set("train.label_dropout", fmt.Sprint(dropout), func() { c.Train.LabelDropout = &dropout })
	}
	if c.Train.StepsAuto {
		set("train.patience", fmt.Sprint(DefaultPatience), func() { c.Train.Patience = DefaultPatience })
		set("train.eval_every", "auto", func() { c.Train.EvalEvery = 0 })
	}
	var notes []string
	if c.Data.Dataset == "file" && !unet && !c.Train.StepsAuto && c.Train.Steps > 0 && d.Given("train.steps") && !d.runFile &&
		!d.Given("train.patience") && !d.Given("train.refit") { // either brings back what the note says is off
		// Told to train longer, a user gives a number: it trains every
		// step, past the held-out loss's best (mlbench's Ionosphere, 40000
		// steps: its held-out loss rose from 15.8 to 40.6, its samples
		// came out diffuse).
		notes = append(notes, fmt.Sprintf("train.steps %d, as given: every step is trained, without train.steps auto's stop at the held-out loss's best, its refit and its nearness (sample takes the best checkpoint where the last is worse on held-out loss)", c.Train.Steps))
	}
	if len(chose) == 0 {
		return notes
	}
	what := "denoising loss"
	switch {
	case unet:
		what = "the unet"
	case c.Data.FromFile():
		what = "data read from a file"
	}
	return append([]string{fmt.Sprintf("defaults for %s (set a key to change it): %s", what, strings.Join(chose, ", "))}, notes...)
}

// defaultLoss is the loss of data from a file by default, and whether it
// is a table's (whose default changed, so that a run trained before keeps
// its own on resume). A table sampled by a solver (heun, the tables'
// default, or any sampler but the two Langevins) trains over continuous
// levels: a solver integrates through every level between the ladder's
// ends, while anneal_dsm trains on the ladder's few levels only (three for
// 5 columns) and leaves the score between them to the network's guess. On
// crabs' five correlated columns every column's samples kept 0.82-0.87 of
// its spread by anneal_dsm, 0.98-1.03 by edm_dsm; over 21 tables trained
// on a second seed the worst column's spread gap averaged 0.118 by
// edm_dsm, 0.148 by anneal_dsm (docs/CONFIG.md).
// edm_dsm needs the preconditioning: a config that turns it off
// (model.sigma_data: 0) gets vesde_dsm, continuous without it. Annealed
// Langevin visits the ladder's levels only, and so do images on the MLP,
// and a single level given has no range: those keep anneal_dsm.
func (d *decoder) defaultLoss(c *Config, unet bool) (loss string, table bool) {
	if c.Data.Dataset != "file" || unet {
		return "anneal_dsm", false
	}
	langevin := d.Given("sample.sampler") && (c.Sample.Sampler == "langevin" || c.Sample.Sampler == "annealed")
	oneLevel := (d.Given("train.sigmas") || d.Given("train.sigmas.n")) && c.Train.Sigmas.N == 1
	switch {
	case langevin || oneLevel:
		return "anneal_dsm", true
	case d.Given("model.sigma_data") && !c.Model.SigmaDataAuto && !(c.Model.SigmaData > 0):
		return "vesde_dsm", true
	}
	return "edm_dsm", true
}

// setter is dataDefaults' set: apply a default for key unless the config
// gives it or a default was chosen for it already, and note it.
type setter func(key, value string, apply func())

// unetNetwork is the unet's network by default: noise-conditional and
// preconditioned by design, three levels whose last training drops where
// the images cannot be halved so often.
func (d *decoder) unetNetwork(c *Config, set setter) {
	set("model.noise_conditional", "true", func() { c.Model.NoiseConditional = true })
	set("model.channels", fmt.Sprint(unetChannels), func() { c.Model.Channels, c.Model.ChannelsAuto = append([]int(nil), unetChannels...), true })
	set("model.groups", fmt.Sprint(unetGroups), func() { c.Model.Groups = unetGroups })
	if !d.Given("model.hidden") || len(c.Model.Hidden) == 0 { // "hidden: []" in a run's config.yaml
		c.Model.Hidden = nil
	}
}

// unetRecipe is the unet's training and sampling by default, those of
// configs/fashion_mnist_unet.yaml.
func (d *decoder) unetRecipe(c *Config, set setter, images bool) {
	// EDM's training: on Fashion-MNIST's U-Net, 5000 steps of it gave a
	// Frechet distance of 27 in a classifier's features where
	// anneal_dsm's gave 45 (docs/CONFIG.md).
	set("train.loss", "edm_dsm", func() { c.Train.Loss = "edm_dsm" })
	// EDM's stochastic sampler: on that U-Net, churn took a classifier's
	// median confidence on the samples from 0.876 to 0.91-0.94 and the
	// Frechet distance from 8.1 to 7-8.7 (docs/CONFIG.md); annealed
	// Langevin takes 5 times the evaluations.
	set("sample.sampler", "heun", func() { c.Sample.Sampler = "heun" })
	if c.Sample.Sampler == "heun" {
		set("sample.steps", fmt.Sprint(unetLevels), func() { c.Sample.Steps, d.solverLevels = unetLevels, unetLevels })
		set("sample.churn", fmt.Sprint(unetChurn), func() { c.Sample.Churn = unetChurn })
		if c.Sample.Churn > 0 && !d.Given("sample.churn_min") {
			set("sample.churn_max", "auto", func() { c.Sample.ChurnMax, c.Sample.ChurnMaxAuto = 0, true })
		}
		set("sample.churn_noise", fmt.Sprint(unetChurnNoise), func() { c.Sample.ChurnNoise = unetChurnNoise })
	}
	if images {
		set("data.holdout", fmt.Sprint(unetHoldout), func() { c.Data.Holdout = unetHoldout })
	}
	set("train.batch_size", fmt.Sprintf("%d (every training image where fewer)", unetBatch), func() { c.Train.BatchSize, c.Train.BatchAuto = unetBatch, true })
	set("train.steps", fmt.Sprint(unetSteps), func() { c.Train.Steps = unetSteps })
	if !d.Given("train.lr") {
		set("train.optimizer.lr", fmt.Sprint(unetLR), func() { c.Train.Optimizer.LR, c.Train.Optimizer.LRDefaulted = unetLR, true })
	}
}

// tableColumns is how a table's columns are prepared by default:
// standardised, and a skewed column mapped through its quantiles. A heavy
// tail is a handful of rows far out, which a density smooth at the
// noise's scale spreads thin and past the column's ends: star98's samples
// kept 79.5% of a column's values inside its range, breast cancer 0.82 of
// a column's spread (docs/CONFIG.md).
func (d *decoder) tableColumns(c *Config, set setter) {
	set("data.standardize", "true", func() { c.Data.Standardize = true })
	if d.runFile && !d.Given("data.missing") {
		c.Data.Missing = "refuse" // a run trained before the key existed
	} else {
		set("data.missing", "drop", func() { c.Data.Missing, c.Data.MissingDefaulted = "drop", true })
	}
	if d.runFile && !d.Given("data.quantile") {
		c.Data.Quantile = "none" // a run trained before the key existed
		return
	}
	set("data.quantile", "auto", func() { c.Data.Quantile, c.Data.QuantileDefaulted = "auto", true })
}
