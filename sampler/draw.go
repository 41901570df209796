package sampler

import (
	"fmt"
	"math/rand/v2"

	"scorenet/configs"
	"scorenet/datasets"
)

// Start returns the starting points of the chains whose streams are given,
// in R^d, for the uniform and gaussian kinds of s.Init (a file's points are
// the caller's to read).
func Start(s configs.Sample, d int, streams []*rand.Rand) (datasets.Points, error) {
	switch s.Init.Kind {
	case "uniform":
		return Uniform(d, s.Init.Low, s.Init.High, streams), nil
	case "gaussian":
		return Gaussian(d, s.Init.Std, streams), nil
	}
	return datasets.Points{}, fmt.Errorf("sampler: init kind %q has no generated starting points", s.Init.Kind)
}

// Draw advances the chains x in place by the sampler s.Sampler names:
// annealed Langevin over sigmas (largest first), or plain Langevin at noise
// level sigma (0 for scores without levels), stopping if a chain leaves
// [-bound, bound]^D (0: only if it stops being finite).
func Draw(s configs.Sample, sigmas []float64, sigma, bound float64, c Chains, progress func(done, total int)) ([]Snapshot, error) {
	set := Settings{Steps: s.Steps, StepsPerLevel: s.StepsPerLevel, Eps: s.Eps, Sigmas: sigmas, Sigma: sigma,
		Denoise: s.Denoise, SnapshotEvery: s.SnapshotEvery, Progress: progress, Bound: bound}
	switch s.Sampler {
	case "annealed":
		return Annealed(c, set)
	case "langevin":
		return Langevin(c, set)
	}
	return nil, fmt.Errorf("sampler: unknown sampler %q", s.Sampler)
}

// TotalSteps is the number of steps Draw takes.
func TotalSteps(s configs.Sample, levels int) int {
	if s.Sampler == "annealed" {
		return levels * s.StepsPerLevel
	}
	return s.Steps
}
