//go:build openblas

package mlp

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"scorenet/internal/gemm"

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

// gemmOn is Products.Dgemm or Sgemm; OPENBLAS_NUM_THREADS sets their
// threads.
func gemmOn[T gemm.Float](_ int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	t := func(x bool) blas.Transpose {
		if x {
			return blas.Trans
		}
		return blas.NoTrans
	}
	switch a := any(a).(type) {
	case []float64:
		Products.Dgemm(t(tA), t(tB), m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		Products.Sgemm(t(tA), t(tB), m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

// gemmRowsOn sets each row of C to row plus alpha op(A) op(B): the rows
// filled, then the product added.
func gemmRowsOn[T gemm.Float](threads int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, row []T, c []T, ldc int) {
	for i := range m {
		copy(c[i*ldc:i*ldc+n], row)
	}
	gemmOn(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, c, ldc)
}

// prePacks says whether a frozen network keeps its weights packed:
// OpenBLAS packs inside each product: Frozen has nothing to keep.
const prePacks = false
