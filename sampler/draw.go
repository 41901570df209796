package sampler

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"scorenet/configs"
	"scorenet/datasets"
)

// Start returns the starting points of the chains whose streams are given,
// in R^d: for pc and ode, the VE SDE's prior N(0, sigma_1^2 I) with sigma_1
// the largest of sigmas; otherwise the uniform and gaussian kinds of
// s.Init (a file's points are the caller's to read).
func Start(s configs.Sample, sigmas []float64, d int, streams []*rand.Rand) (datasets.Points, error) {
	if s.Sampler == "pc" || s.Sampler == "ode" {
		if len(sigmas) == 0 {
			return datasets.Points{}, fmt.Errorf("sampler: %s starts from N(0, sigma_1^2 I) and needs noise levels", s.Sampler)
		}
		return Gaussian(d, sigmas[0], streams), nil
	}
	switch s.Init.Kind {
	case "uniform":
		return Uniform(d, s.Init.Low, s.Init.High, streams), nil
	case "gaussian":
		return Gaussian(d, s.Init.Std, streams), nil
	}
	return datasets.Points{}, fmt.Errorf("sampler: init kind %q has no generated starting points", s.Init.Kind)
}

// Result is what a Draw did besides moving the chains.
type Result struct {
	Snapshots []Snapshot
	// Evaluations are the score evaluations per chain: fixed by the
	// settings for the Langevin samplers, each chain's own for ode.
	Evaluations []int
}

// MeanEvaluations is the mean number of score evaluations per chain, and
// the most any chain took.
func (r Result) MeanEvaluations() (mean float64, most int) {
	for _, e := range r.Evaluations {
		mean += float64(e)
	}
	if len(r.Evaluations) == 0 {
		return 0, 0
	}
	return mean / float64(len(r.Evaluations)), slices.Max(r.Evaluations)
}

// Draw advances the chains x in place by the sampler s.Sampler names:
// annealed Langevin over sigmas (largest first), plain Langevin at noise
// level sigma (0 for scores without levels), pc over sigmas (or a ladder of
// s.Levels between their ends), or the ode from the largest level to the
// smallest; it stops if a chain leaves [-bound, bound]^D (0: only if it
// stops being finite).
func Draw(s configs.Sample, sigmas []float64, sigma, bound float64, c Chains, progress func(done, total int)) (Result, error) {
	set := Settings{Steps: s.Steps, StepsPerLevel: s.StepsPerLevel, Eps: s.Eps, Sigmas: sigmas, Sigma: sigma,
		Denoise: s.Denoise, SnapshotEvery: s.SnapshotEvery, Progress: progress, Bound: bound,
		CorrectorSteps: s.CorrectorSteps, SNR: s.SNR, Rtol: s.Rtol, Atol: s.Atol}
	var res Result
	var err error
	fixed := func(n int) []int {
		if s.Denoise && s.Sampler != "langevin" {
			n++
		}
		out := make([]int, c.X.N)
		for i := range out {
			out[i] = n
		}
		return out
	}
	switch s.Sampler {
	case "annealed":
		res.Snapshots, err = Annealed(c, set)
		res.Evaluations = fixed(len(sigmas) * s.StepsPerLevel)
	case "langevin":
		res.Snapshots, err = Langevin(c, set)
		res.Evaluations = fixed(s.Steps)
	case "pc":
		set.Sigmas = PCLevels(s, sigmas)
		res.Snapshots, err = PC(c, set)
		res.Evaluations = fixed((len(set.Sigmas) - 1) * (1 + s.CorrectorSteps))
	case "ode":
		res.Evaluations, err = ODE(c, set)
	default:
		err = fmt.Errorf("sampler: unknown sampler %q", s.Sampler)
	}
	return res, err
}

// PCLevels are the levels the pc sampler walks: the run's own, or
// s.Levels of them, geometric between its ends.
func PCLevels(s configs.Sample, sigmas []float64) []float64 {
	if s.Levels < 2 || len(sigmas) < 2 {
		return sigmas
	}
	return configs.Sigmas{Begin: sigmas[0], End: sigmas[len(sigmas)-1], N: s.Levels}.Ladder()
}

// TotalSteps is the number of steps Draw takes, which its progress counts;
// for ode, whose steps are each chain's own, the thousandths of its time
// span.
func TotalSteps(s configs.Sample, levels int) int {
	switch s.Sampler {
	case "annealed":
		return levels * s.StepsPerLevel
	case "pc":
		if s.Levels >= 2 {
			levels = s.Levels
		}
		return (levels - 1) * (1 + s.CorrectorSteps)
	case "ode":
		return odeProgressUnits
	}
	return s.Steps
}
