//go:build !openblas

package mlp

import (
	"scorenet/internal/gemm"

	"gonum.org/v1/gonum/blas"
)

// Products is the BLAS every matrix product of the network goes through,
// here and in the gorgonia graphs (nn hands it to gorgonia): gonum's
// pure-Go BLAS with its Dgemm replaced by internal/gemm's packed kernels,
// which need nothing installed. Build with -tags openblas for OpenBLAS.
var Products BLAS = gemm.Implementation{}

// ProductsName names Products, for -h and benchmarks.
var ProductsName = "gonum (pure Go) with internal/gemm's dgemm, " + gemm.Kernel().String()

// dgemmOn is Products.Dgemm on at most threads goroutines (0: all).
func dgemmOn(threads int, tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm.DgemmOn(threads, tA != blas.NoTrans, tB != blas.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
