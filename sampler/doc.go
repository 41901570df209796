// Package sampler draws samples from a score field by Langevin dynamics:
// plain (unadjusted) Langevin, and the annealed Langevin dynamics of Song &
// Ermon (2019, Algorithm 1) over a ladder of noise levels.
//
// A sampler needs only a score function, so it runs as well on a trained
// network as on the closed-form score of a known density (AnalyticScore),
// which is how it is tested apart from any learning. All chains advance
// together, one batch per step, and a seeded source makes every run
// repeatable. The package knows nothing of gorgonia or files.
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
