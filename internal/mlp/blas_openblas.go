//go:build openblas

package mlp

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
)

// Products is the BLAS every matrix product of the network goes through,
// here and in the gorgonia graphs. With -tags openblas it is OpenBLAS through
// cgo (Debian: libopenblas-dev); its thread count comes from
// OPENBLAS_NUM_THREADS.
var Products BLAS = netlib.Implementation{}

// ProductsName names Products, for -h and benchmarks.
const ProductsName = "openblas (cgo)"
