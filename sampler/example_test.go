package sampler_test

import (
	"fmt"

	"scorenet/density"
	"scorenet/sampler"
	"scorenet/score"
)

// Annealed Langevin needs nothing but a score.Func: here the closed-form
// score of N((3, -1), I) seen through each level's noise, drawn by 2000
// chains from the box [-8, 8]^2.
func ExampleDraw() {
	target, err := density.NewGaussian([]float64{3, -1}, [][]float64{{1, 0}, {0, 1}})
	if err != nil {
		panic(err)
	}
	streams := sampler.Streams(1, 0, 2000)
	set := sampler.Settings{Kind: sampler.KindAnnealed, Sigmas: []float64{5, 1.7, 0.6, 0.2}, StepsPerLevel: 100, Eps: 0.01}
	start, err := sampler.Start(set.Kind, sampler.Init{Kind: "uniform", Low: -8, High: 8}, set.Sigmas, sampler.Prior{}, 2, streams)
	if err != nil {
		panic(err)
	}
	chains, err := sampler.NewChains(start, streams, 2, func(int, int) (score.Func, score.LevelFunc, error) {
		return density.ScoreOf(target), nil, nil
	})
	if err != nil {
		panic(err)
	}
	drawn, err := sampler.Draw(set, chains)
	if err != nil {
		panic(err)
	}
	mean := chains.X.Mean()
	fmt.Printf("mean (%.1f, %.1f) after %d score evaluations per chain\n", mean[0], mean[1], drawn.Evaluations[0])
	// Output: mean (3.0, -1.0) after 400 score evaluations per chain
}
