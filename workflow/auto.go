package workflow

import (
	"fmt"
	"math"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/noisescale"
	"scorenet/internal/seeds"
	"scorenet/points"
)

// smallDGamma is the ratio of consecutive levels where technique 2 asks for
// none: for D <= 4 the overlap of neighbouring levels stays above one half
// for every ratio. 1.4 is the ratio of Song & Ermon's (2019) toy ladder,
// 20 down to 1 in 10 levels.
const smallDGamma = 1.4

// Bounds on the work of choosing auto noise scales, which compare points
// pairwise (at D = 784 and 58800 points, about a second each): the pairs
// sigma_1 looks at, and the points whose nearest neighbour sigma_L measures.
const (
	maxPairs         = 1 << 19
	maxNearestPoints = 64
)

// ChooseSigmas chooses the ladder of a config whose train.sigmas is auto
// from the training data, in model units, and says how it chose (the zero
// Sigmas and "" when train.sigmas is not auto):
//   - sigma_1, technique 1 of NCSNv2: the largest distance between two
//     training points (on a random subsample of 1024 points, a lower bound,
//     when the data have more than 2^19 pairs);
//   - sigma_L: 0.03 times the training data's root-mean-square standard
//     deviation per coordinate: the proportion of NCSNv2's images (sigma_L
//     0.01 for pixels in [0, 1], whose standard deviation is about 0.3).
//     noisescale.SigmaL's nearest-neighbour spacing (the median over 64
//     points) is the floor, so that sparse data keep a last level below the
//     gaps between points;
//   - the number of levels, technique 2: the ratio between levels at most
//     the gamma that solves it for D, the count rounded up; 1.4 for D <= 4.
//
// The same data and seed always give the same ladder.
func ChooseSigmas(cfg *configs.Config, train points.Points) (configs.Sigmas, string, error) {
	var none configs.Sigmas
	if !cfg.Train.Sigmas.Unresolved() {
		return none, "", nil
	}
	rng := seeds.New(cfg.Seed, seeds.NoiseScale)
	if train.N < 2 {
		return none, "", fmt.Errorf("workflow: train.sigmas: auto needs at least 2 training points, got %d", train.N)
	}
	sigma1 := noisescale.Sigma1(train.X, train.N, train.D, maxPairs, rng)
	sigmaL := math.Max(0.03*rmsStd(train), noisescale.SigmaL(train.X, train.N, train.D, maxNearestPoints, rng))
	if !(sigma1 > 0) || !(sigmaL > 0) || !(sigmaL < sigma1) || math.IsInf(sigma1, 0) {
		return none, "", fmt.Errorf("workflow: train.sigmas: auto: the data give sigma_1 %v and sigma_L %v, which make no ladder (all points equal?); set train.sigmas by hand", sigma1, sigmaL)
	}
	n, gamma, err := noisescale.Levels(sigma1, sigmaL, train.D)
	rule := fmt.Sprintf("technique 2's ratio for D = %d", train.D)
	if err != nil {
		if train.D > 4 {
			return none, "", fmt.Errorf("workflow: train.sigmas: auto: %w", err)
		}
		n = int(math.Ceil(math.Log(sigma1/sigmaL)/math.Log(smallDGamma))) + 1
		gamma = math.Pow(sigma1/sigmaL, 1/float64(n-1))
		rule = fmt.Sprintf("ratio at most %v, as technique 2 sets no bound for D = %d", smallDGamma, train.D)
	}
	chosen := configs.Sigmas{Begin: sigma1, End: sigmaL, N: n, Auto: true}
	return chosen, fmt.Sprintf("train.sigmas auto: %d levels from %.4g (the largest distance between training points) down to %.4g "+
		"(0.03 of the data's RMS standard deviation, or the nearest-neighbour spacing / (10 sqrt D) if larger), ratio %.4f (%s); in model units",
		n, sigma1, sigmaL, gamma, rule), nil
}

// rmsStd is the root mean square over coordinates of the points' standard
// deviations.
func rmsStd(p points.Points) float64 {
	mean := p.Mean()
	total := 0.0
	for i := 0; i < p.N; i++ {
		for j, v := range p.Row(i) {
			total += (v - mean[j]) * (v - mean[j])
		}
	}
	return math.Sqrt(total / float64(p.N*p.D))
}

// ChooseSigmaData chooses a config's model.sigma_data: auto, the standard
// deviation of all the training values about their common mean, in model
// units (EDM's sigma_data: 0.5 for images in [-1, 1]), and says so (0 and
// "" when it is not auto, or already chosen).
func ChooseSigmaData(cfg *configs.Config, train points.Points) (float64, string, error) {
	if cfg.Model.SigmaData > 0 {
		return 0, "", checkSigmaData(cfg.Model.SigmaData, train)
	}
	if !cfg.Model.SigmaDataAuto {
		return 0, "", nil
	}
	std := valuesStd(train)
	if !(std > 0) || math.IsInf(std, 0) {
		return 0, "", fmt.Errorf("workflow: model.sigma_data: auto: the training values have standard deviation %v; set model.sigma_data by hand", std)
	}
	return std, fmt.Sprintf("model.sigma_data auto: %.4g (the standard deviation of the training values, in model units)", std), nil
}

// ChooseChurnMax chooses sample.churn_max: auto, ChurnMaxSpreads times
// spread, the data's in model units (what says, for the message), and says
// so (0 and "" when it is not auto, or already chosen). Churn that could
// start nowhere, with churn_min at or above the choice, is an error.
func ChooseChurnMax(s configs.Sample, spread float64, what string) (float64, string, error) {
	if !s.ChurnMaxAuto || s.ChurnMax > 0 {
		return 0, "", nil
	}
	churnMax := configs.ChurnMaxSpreads * spread
	switch {
	case !(churnMax > 0) || math.IsInf(churnMax, 0):
		return 0, "", fmt.Errorf("workflow: sample.churn_max: auto: the data's spread is %v; set sample.churn_max by hand", spread)
	case churnMax <= s.ChurnMin:
		return 0, "", fmt.Errorf("workflow: sample.churn_max: auto chose %.4g (%v times the data's spread), not above sample.churn_min %v: churn would add noise nowhere; lower churn_min or set churn_max by hand",
			churnMax, configs.ChurnMaxSpreads, s.ChurnMin)
	}
	return churnMax, fmt.Sprintf("sample.churn_max auto: %.4g (%v times %s, in model units: heun's fresh noise stops above the data's own scale, where it draws chains towards the commonest outlines)",
		churnMax, configs.ChurnMaxSpreads, what), nil
}

// valuesStd is the standard deviation of all the training values about
// their common mean, each square rounded before it is added (no FMA), so
// that every build chooses the same sigma_data.
func valuesStd(train points.Points) float64 {
	var sum, sq float64
	for _, v := range train.X {
		sum += v
	}
	mean := sum / float64(len(train.X))
	for _, v := range train.X {
		sq += float64((v - mean) * (v - mean))
	}
	return math.Sqrt(sq / float64(len(train.X)))
}

// checkSigmaData refuses a model.sigma_data given by hand that is far from
// the training values' spread: EDM's preconditioning then scales the
// network's input to nothing (or its output to nothing), and training ends
// with exit 0 and a model that learned nothing.
func checkSigmaData(sigmaData float64, train points.Points) error {
	std := valuesStd(train)
	if ratio := sigmaData / std; std > 0 && (ratio > 100 || ratio < 0.01) {
		return fmt.Errorf("workflow: model.sigma_data %v is %.3g times the training values' spread, %.4g (model units): the preconditioning would leave the network nothing to learn; set it near the spread, or auto", sigmaData, ratio, std)
	}
	return nil
}

// Auto holds the values chosen for a config's auto keys from its training
// data, and what each choice said, for the start-up lines. Choosing reads
// the config and writes nothing into it: Apply does, for the run's
// config.yaml to keep the values.
type Auto struct {
	Sigmas    configs.Sigmas // train.sigmas; zero when not auto
	SigmaData float64        // model.sigma_data; 0 when not auto
	Eps       float64        // sample.eps; 0 when not auto
	Hidden    []int          // model.hidden; nil when not auto
	Steps     int            // train.steps' cap; 0 when not auto
	EvalEvery int            // train.eval_every under steps auto; 0 when chosen by hand
	BatchSize int            // train.batch_size when left to the data; 0 otherwise
	ChurnMax  float64        // sample.churn_max; 0 when not auto
	Said      []string
}

// Apply writes the chosen values into cfg.
func (a Auto) Apply(cfg *configs.Config) {
	if a.Sigmas.N > 0 {
		cfg.Train.Sigmas = a.Sigmas
	}
	if a.SigmaData > 0 {
		cfg.Model.SigmaData = a.SigmaData
	}
	if a.Eps > 0 {
		cfg.Sample.Eps = a.Eps
	}
	if a.Hidden != nil {
		cfg.Model.Hidden = a.Hidden
	}
	if a.Steps > 0 {
		cfg.Train.Steps = a.Steps
	}
	if a.EvalEvery > 0 {
		cfg.Train.EvalEvery = a.EvalEvery
	}
	if a.BatchSize > 0 {
		cfg.Train.BatchSize, cfg.Train.BatchAuto = a.BatchSize, false
	}
	if a.ChurnMax > 0 {
		cfg.Sample.ChurnMax = a.ChurnMax
	}
}

// ChooseAuto chooses every auto value of a config from its training data,
// in the order they depend on each other (eps needs the ladder).
func ChooseAuto(cfg *configs.Config, train points.Points) (Auto, error) {
	var a Auto
	say := func(s string) {
		if s != "" {
			a.Said = append(a.Said, s)
		}
	}
	var said string
	var err error
	if a.Sigmas, said, err = ChooseSigmas(cfg, train); err != nil {
		return Auto{}, err
	}
	say(said)
	if a.SigmaData, said, err = ChooseSigmaData(cfg, train); err != nil {
		return Auto{}, err
	}
	say(said)
	if s := cfg.Sample; s.ChurnMaxAuto && s.ChurnMax == 0 { // a pass over the data only where it is needed
		spread := a.SigmaData
		if !(spread > 0) {
			spread = valuesStd(train)
		}
		if a.ChurnMax, said, err = ChooseChurnMax(s, spread, "the standard deviation of the training values"); err != nil {
			return Auto{}, err
		}
		say(said)
	}
	// A category in binary digits counts as the one column it is: the
	// digits code one name, and counted each, birdstrikes' 14 columns
	// (51 values) made a network 4 times as wide, 14 minutes to its cap.
	columns := datasets.ValueColumns(Categories(cfg.Data.Categories), train.D)
	if a.Hidden, said = ChooseHidden(cfg, columns, train.N); said != "" && columns != train.D {
		said += fmt.Sprintf("; D = %d columns, a category learnt in binary digits counted as one column, not as its digits (%d values in all)", columns, train.D)
	}
	say(said)
	a.Steps, a.EvalEvery, said = ChooseSteps(cfg, train.N)
	say(said)
	if cfg.Train.BatchAuto && cfg.Train.BatchSize > train.N {
		a.BatchSize = train.N
		say(fmt.Sprintf("train.batch_size: %d, every training point (fewer than %d)", train.N, cfg.Train.BatchSize))
	}
	withLadder := *cfg
	a.Apply(&withLadder)
	if a.Eps, said, err = ChooseEps(&withLadder); err != nil {
		return Auto{}, err
	}
	say(said)
	return a, nil
}

// ChooseEps chooses a config's sample.eps: auto by technique 4 of NCSNv2
// for its ladder and steps_per_level, in scorenet's step convention (twice
// the paper's eps), and says so (0 and "" when it is not auto, or already
// chosen).
func ChooseEps(cfg *configs.Config) (float64, string, error) {
	s := &cfg.Sample
	if !s.EpsAuto || s.Eps > 0 {
		return 0, "", nil
	}
	levels := cfg.NoiseLevels()
	if len(levels) < 2 {
		return 0, "", fmt.Errorf("workflow: sample.eps: auto needs a ladder of 2 or more noise levels (train.sigmas); set sample.eps by hand")
	}
	gamma := math.Pow(levels[0]/levels[len(levels)-1], 1/float64(len(levels)-1))
	paper, f := noisescale.StepSize(gamma, levels[len(levels)-1], s.StepsPerLevel)
	if !(paper > 0) {
		return 0, "", fmt.Errorf("workflow: sample.eps: auto: technique 4 found no step for ratio %v, sigma_L %v, %d steps per level", gamma, levels[len(levels)-1], s.StepsPerLevel)
	}
	eps := noisescale.ScorenetEps(paper)
	return eps, fmt.Sprintf("sample.eps auto: %.4g (technique 4 for %d steps per level and ratio %.4f: the paper's %.4g, doubled for scorenet's step; f = %.4f)",
		eps, s.StepsPerLevel, gamma, paper, f), nil
}

// Bounds of the auto network: the width is the power of two at or above
// 16 D within them, and no wider than the power of two at or below half
// the training points, in three residual layers: on 1150 digit images of
// 64 pixels, 1024 units overfit within 1200 steps (held-out loss 11.8,
// then 20 at step 5200). Measured on tables of 2 to 64 columns (see
// docs/CONFIG.md, Your own data).
const (
	minAutoWidth = 128
	maxAutoWidth = 1024
	autoDepth    = 3
)

// ChooseHidden chooses a config's model.hidden: auto from the data's
// dimension d and its n training points, and says so (nil and "" when it
// is not auto, or chosen).
func ChooseHidden(cfg *configs.Config, d, n int) ([]int, string) {
	if !cfg.Model.HiddenAuto || len(cfg.Model.Hidden) > 0 {
		return nil, ""
	}
	widest := minAutoWidth
	for widest*2 <= min(n/2, maxAutoWidth) {
		widest *= 2
	}
	width := minAutoWidth
	for width < 16*d && width < widest {
		width *= 2
	}
	hidden := make([]int, autoDepth)
	for i := range hidden {
		hidden[i] = width
	}
	return hidden, fmt.Sprintf("model.hidden auto: %v (the power of two at or above 16 D = %d, from %d to %d and to %d for %d training points, %d layers)",
		hidden, 16*d, minAutoWidth, maxAutoWidth, widest, n, autoDepth)
}

// Bounds of train.steps: auto, whose cap is ten passes' worth of steps
// per training point within them, and the share of it between held-out
// evaluations.
const (
	minAutoSteps      = 20000
	maxAutoSteps      = 50000
	autoEvalsPerRun   = 50
	autoStepsPerPoint = 10
)

// ChooseSteps chooses a config's train.steps: auto, the most steps training
// may take for n training points, and train.eval_every when it was left to
// it; training stops earlier once the held-out loss has not improved for
// train.patience evaluations. It says so (zeros and "" when steps are not
// auto, or chosen).
func ChooseSteps(cfg *configs.Config, n int) (steps, evalEvery int, said string) {
	t := cfg.Train
	if !t.StepsAuto || t.Steps > 0 {
		return 0, 0, ""
	}
	steps = min(max(autoStepsPerPoint*n, minAutoSteps), maxAutoSteps)
	if t.EvalEvery == 0 {
		evalEvery = steps / autoEvalsPerRun
	}
	every := max(evalEvery, t.EvalEvery)
	return steps, evalEvery, fmt.Sprintf("train.steps auto: at most %d (%d per training point, from %d to %d); stops when the held-out loss, measured every %d steps, has not improved for %d evaluations (train.patience)",
		steps, autoStepsPerPoint, minAutoSteps, maxAutoSteps, every, t.Patience)
}
