// Package datasets provides the point sets that scorenet learns scores from:
// synthetic distributions generated deterministically from a seed, and files
// of points in CSV or NumPy .npy format.
//
// Every data set is a [points.Points] value, n rows of D coordinates. Data sets whose
// density is known in closed form (gaussian, gaussian_mixture) also expose it
// as a [density.Density], whose Score is the true score nabla_x log p(x), for tests
// and evaluation. The package knows nothing of models or training.
package datasets
