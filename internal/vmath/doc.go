// Package vmath evaluates the exponential-family functions of scorenet's
// activations (softplus, the logistic sigmoid, tanh, ELU) over float64
// slices, fast and with results that do not depend on the machine; and
// the other elementwise passes of a training step that are worth vector
// code: Adam's update, the gradient's sum of squares, float32/float64
// conversion, GroupNorm's passes and swish's float32 derivatives.
//
// Each function is one fixed sequence of IEEE operations (Cody-Waite
// reduction and a degree-13 polynomial for exp and expm1, an atanh series
// for log1p),
// written as portable Go and, on amd64, as assembly that evaluates four
// (AVX2 and FMA) or sixteen (AVX-512, two streams of eight) elements per
// iteration. The code paths are tested to give bit-identical results, so
// what a function returns does not depend on which of them a machine runs,
// and they are tested against the math package to within 2 units in the
// last place (3 for swish). Build with -tags purego to use only the Go.
package vmath
