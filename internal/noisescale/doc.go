// Package noisescale chooses the noise levels and the Langevin step size of
// a score network from its data, by the rules of Song and Ermon (2020),
// "Improved techniques for training score-based generative models"
// (NCSNv2): technique 1 (sigma_1 from the largest distance between data
// points), technique 2 (the ratio gamma = sigma_{i-1}/sigma_i of a
// geometric ladder, from the dimension alone) and technique 4 (the step
// size eps for T steps per level, from gamma and sigma_L). SigmaL adds a
// rule of this package's own for the smallest level, which the paper fixes
// by hand (0.01 for images scaled to [0, 1]).
//
// A worked example, CIFAR-10 (D = 3072, sigma_1 = 50, sigma_L = 0.01):
// technique 2 gives gamma = 1.03980, so Levels asks for 220 levels (ratio
// 1.03966); the authors' configuration uses 232 levels (ratio 1.03756),
// more overlap than technique 2 asks. With that ratio and T = 5 steps per
// level, technique 4 gives eps = 6.18e-6 in the paper's convention (the
// configuration has 6.2e-6), which is 1.24e-5 in scorenet's (ScorenetEps).
//
// Step-size conventions. The paper's annealed Langevin step at level i is
//
//	x <- x + a s(x, sigma_i) + sqrt(2a) z,   a = eps sigma_i^2 / sigma_L^2,
//
// and StepSize returns eps in that convention. scorenet's sampler steps
//
//	x <- x + (a/2) s(x, sigma_i) + sqrt(a) z,
//
// the same chain for twice the value, so ScorenetEps doubles it.
package noisescale
