//go:build !openblas

package mlp

import "scorenet/internal/gemm"

// Products is the BLAS every matrix product of the network goes through,
// here and in the gorgonia graphs (nn hands it to gorgonia): gonum's
// pure-Go BLAS with its Dgemm replaced by internal/gemm's packed kernels,
// which need nothing installed. Build with -tags openblas for OpenBLAS.
var Products BLAS = gemm.Implementation{}

// ProductsName names Products, for -h and benchmarks.
var ProductsName = "gonum (pure Go) with internal/gemm's dgemm, " + gemm.Kernel()
