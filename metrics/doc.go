// Package metrics measures how far apart two point sets are: the maximum
// mean discrepancy with an RBF kernel, the energy distance and the sliced
// Wasserstein distance, each 0 for identical sets. They compare samples
// with data when no density is known. The package is plain numerics.
package metrics
