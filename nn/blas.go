package nn

import (
	"scorenet/internal/mlp"

	G "gorgonia.org/gorgonia"
)

// BLAS names the matrix-product library of this build, which the gorgonia
// graphs and the hand-written core share: internal/gemm's by default,
// OpenBLAS with -tags openblas (see internal/mlp).
var BLAS = mlp.ProductsName

func init() { G.Use(mlp.Products) }
