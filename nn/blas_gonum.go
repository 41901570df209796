//go:build !openblas

package nn

import (
	"scorenet/internal/gemm"

	G "gorgonia.org/gorgonia"
)

// BLAS names the matrix-product library gorgonia uses in this build: gonum's
// pure-Go BLAS with its matrix product replaced by internal/gemm's (AVX-512
// or AVX2 assembly where the CPU has it), which needs nothing installed.
// Build with -tags openblas for OpenBLAS (see the README).
var BLAS = "gonum (pure Go) with internal/gemm's dgemm, " + gemm.Kernel()

func init() { G.Use(gemm.Implementation{}) }
