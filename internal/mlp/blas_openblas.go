//go:build openblas

package mlp

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// Products is the BLAS every matrix product of the network goes through,
// here and in the gorgonia graphs. With -tags openblas it is OpenBLAS through
// cgo (Debian: libopenblas-dev); its thread count comes from
// OPENBLAS_NUM_THREADS.
var Products BLAS = netlib.Implementation{}

// ProductsName names Products, for -h and benchmarks.
const ProductsName = "openblas (cgo)"

// dgemmOn is Products.Dgemm; OPENBLAS_NUM_THREADS sets its threads.
func dgemmOn(_ int, tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	Products.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
