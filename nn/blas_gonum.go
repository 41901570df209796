//go:build !openblas

package nn

// BLAS names the matrix-product library gorgonia uses in this build: gonum's
// pure-Go BLAS, which needs nothing installed. Build with -tags openblas for
// OpenBLAS (see the README).
const BLAS = "gonum (pure Go)"
