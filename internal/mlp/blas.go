//go:build !openblas

package mlp

import (
	"scorenet/internal/gemm"
)

// Products is the BLAS every matrix product of the network goes through,
// here and in the gorgonia graphs (nn hands it to gorgonia): gonum's
// pure-Go BLAS with its Dgemm replaced by internal/gemm's packed kernels,
// which need nothing installed. Build with -tags openblas for OpenBLAS.
var Products BLAS = gemm.Implementation{}

// ProductsName names Products, for -h and benchmarks.
var ProductsName = "gonum (pure Go) with internal/gemm's dgemm, " + gemm.Kernel().String()

// gemmOn is the network's product, internal/gemm's, on at most threads
// goroutines (0: all).
func gemmOn[T gemm.Float](threads int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm.On(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmRowsOn sets each row of C to row plus alpha op(A) op(B): a layer's
// biases start its sums.
func gemmRowsOn[T gemm.Float](threads int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, row []T, c []T, ldc int) {
	gemm.OnRows(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, row, c, ldc)
}

// prePacks says whether a frozen network keeps its weights packed:
// internal/gemm's products take weights packed once (NetOf.Frozen).
const prePacks = true
