package noisescale_test

import (
	"fmt"
	"math/rand/v2"

	"scorenet/internal/noisescale"
)

// The noise ladder and step size for CIFAR-10 (D = 3072), with the paper's
// sigma_1 = 50 and sigma_L = 0.01.
func Example() {
	g, err := noisescale.Gamma(3072)
	if err != nil {
		panic(err)
	}
	n, ratio, err := noisescale.Levels(50, 0.01, 3072)
	if err != nil {
		panic(err)
	}
	eps, f := noisescale.StepSize(ratio, 0.01, 5)
	fmt.Printf("technique 2: gamma %.5f, Technique2 %.3f\n", g, noisescale.Technique2(3072, g))
	fmt.Printf("ladder: %d levels, ratio %.5f, Technique2 %.3f\n", n, ratio, noisescale.Technique2(3072, ratio))
	fmt.Printf("technique 4, T = 5: eps %.3g (scorenet %.3g), variance ratio %.4f\n", eps, noisescale.ScorenetEps(eps), f)
	// Output:
	// technique 2: gamma 1.03980, Technique2 0.500
	// ladder: 220 levels, ratio 1.03966, Technique2 0.504
	// technique 4, T = 5: eps 6.46e-06 (scorenet 1.29e-05), variance ratio 1.0577
}

// sigma_1 and sigma_L of a small 2-D data set: the corners of a 3 x 4
// rectangle and its centre.
func ExampleSigma1() {
	points := []float64{0, 0, 3, 0, 0, 4, 3, 4, 1.5, 2}
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Printf("sigma_1 %.4g\n", noisescale.Sigma1(points, 5, 2, noisescale.DefaultMaxPairs, rng))
	// Nearest neighbours: the centre is 2.5 from every corner, each corner 2.5
	// from the centre, so sigma_L = 2.5/(10 sqrt 2).
	fmt.Printf("sigma_L %.4g\n", noisescale.SigmaL(points, 5, 2, 100, rng))
	// Output:
	// sigma_1 5
	// sigma_L 0.1768
}
