//go:build openblas

package nn

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// BLAS names the matrix-product library gorgonia uses in this build. With
// -tags openblas it is OpenBLAS through cgo (Debian: libopenblas-dev); its
// thread count comes from OPENBLAS_NUM_THREADS.
const BLAS = "openblas (cgo)"

func init() { G.Use(netlib.Implementation{}) }
