// Package sampler draws samples from a score field: plain (unadjusted)
// Langevin, the annealed Langevin dynamics of Song & Ermon (2019, Algorithm
// 1) over a ladder of noise levels, the variance-exploding SDE's
// predictor-corrector sampler (PC) and probability-flow ODE (ODE), and two
// second-order solvers of that ODE on EDM's schedule of levels: Heun's
// (Karras et al. 2022) and DPM-Solver++(2M) (Lu et al. 2022). Each takes
// its own Settings; Draw runs the one Settings.Kind names.
//
// A sampler needs only a score.Func, so it runs as well on a trained
// network as on the closed-form score of a known density (density.ScoreOf),
// which is how it is tested apart from any learning. NewChains cuts the
// chains into one block per worker; every chain has its own seeded stream,
// so a run repeats bit for bit on any number of workers and any subset of
// chains can be drawn alone. The package knows nothing of configs, data
// files, models or gorgonia.
//
// Step-size convention: the paper's. Plain Langevin is
//
//	x <- x + (eps/2) s(x) + sqrt(eps) z,
//
// and annealed Langevin uses alpha_i = eps sigma_i^2 / sigma_L^2 at level i,
//
//	x <- x + (alpha_i/2) s(x, sigma_i) + sqrt(alpha_i) z.
//
// The authors' image code effectively uses twice these steps (its drift is
// alpha s without the 1/2 and its noise sqrt(2 alpha)); to reproduce it here,
// double eps.
package sampler
