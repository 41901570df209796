// Package vmath evaluates the exponential-family functions of scorenet's
// activations (softplus, the logistic sigmoid, tanh, ELU) over float64
// slices, fast and with results that do not depend on the machine.
//
// Each function is one fixed sequence of IEEE operations (Cody-Waite
// reduction and a degree-13 polynomial for exp and expm1, an atanh series
// for log1p),
// written twice: as portable Go, and on amd64 with AVX2 and FMA as assembly
// that evaluates four elements per instruction. The two are tested to give
// bit-identical results, so a run is reproducible across machines whichever
// one it uses, and both are tested against the math package to within
// 2 units in the last place. Build with -tags purego to use only the Go.
package vmath
