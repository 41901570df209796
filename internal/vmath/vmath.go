package vmath

import (
	"fmt"

	"scorenet/internal/cpu"
)

// haveAVX2 and haveAVX512 say which assembly kernels can run here (none
// with -tags purego or off amd64). Tests turn them off to check the kernels
// against each other and the portable Go.
var (
	haveAVX2   = cpu.HasAVX2FMA
	haveAVX512 = haveAVX2 && cpu.HasAVX512F && cpu.HasAVX512DQ
)

// Kernel is the code that evaluates the functions on this machine.
func Kernel() cpu.Kernel { return cpu.Widest(haveAVX512, haveAVX2) }

// kernel is one function's assembly kernels, each taking a prefix of the
// elements, and its portable Go for the rest.
type kernel struct {
	avx512, avx2 func(x, dst0, dst1 []float64, n int)
	scalar       func(x, dst0, dst1 []float64, k int)
}

// run applies the widest kernel that can run to as many elements as it
// takes, the next to as many of the rest, and the portable Go to the tail.
// All three give the same bits, so where the split falls does not matter.
func (kn kernel) run(name string, x, dst0, dst1 []float64) {
	if len(dst0) < len(x) || (dst1 != nil && len(dst1) < len(x)) {
		panic(fmt.Sprintf("vmath: %s: destination shorter than the %d inputs", name, len(x)))
	}
	done := 0
	if n := len(x) &^ 15; haveAVX512 && n > 0 {
		kn.avx512(x, dst0, dst1, n)
		done = n
	}
	if n := (len(x) - done) &^ 3; haveAVX2 && n > 0 {
		kn.avx2(x[done:], dst0[done:], sub(dst1, done), n)
		done += n
	}
	for k := done; k < len(x); k++ {
		kn.scalar(x, dst0, dst1, k)
	}
}

func sub(s []float64, from int) []float64 {
	if s == nil {
		return nil
	}
	return s[from:]
}

var (
	softplusKernel = kernel{
		avx512: func(x, sp, _ []float64, n int) { softplusAVX512(&x[0], &sp[0], n) },
		avx2:   func(x, sp, _ []float64, n int) { softplusAVX2(&x[0], &sp[0], n) },
		scalar: func(x, sp, _ []float64, k int) { sp[k], _ = softplusSigmoid(x[k]) },
	}
	sigmoidKernel = kernel{
		avx512: func(x, sig, _ []float64, n int) { sigmoidAVX512(&x[0], &sig[0], n) },
		avx2:   func(x, sig, _ []float64, n int) { sigmoidAVX2(&x[0], &sig[0], n) },
		scalar: func(x, sig, _ []float64, k int) { sig[k] = sigmoid(x[k]) },
	}
	swishKernel = kernel{
		avx512: func(x, dst, _ []float64, n int) { swishAVX512(&x[0], &dst[0], n) },
		avx2:   func(x, dst, _ []float64, n int) { swishAVX2(&x[0], &dst[0], n) },
		scalar: func(x, dst, _ []float64, k int) { dst[k] = swish(x[k]) },
	}
	tanhKernel = kernel{
		avx512: func(x, dst, _ []float64, n int) { tanhAVX512(&x[0], &dst[0], n) },
		avx2:   func(x, dst, _ []float64, n int) { tanhAVX2(&x[0], &dst[0], n) },
		scalar: func(x, dst, _ []float64, k int) { dst[k] = tanh(x[k]) },
	}
	eluKernel = kernel{
		avx512: func(x, dst, _ []float64, n int) { eluAVX512(&x[0], &dst[0], n) },
		avx2:   func(x, dst, _ []float64, n int) { eluAVX2(&x[0], &dst[0], n) },
		scalar: func(x, dst, _ []float64, k int) { dst[k] = elu(x[k]) },
	}
	expNegAbsKernel = kernel{
		avx512: func(x, dst, _ []float64, n int) { expNegAbsAVX512(&x[0], &dst[0], n) },
		avx2:   func(x, dst, _ []float64, n int) { expNegAbsAVX2(&x[0], &dst[0], n) },
		scalar: func(x, dst, _ []float64, k int) { dst[k] = expNegAbs(x[k]) },
	}
	softplusSigmoidKernel = kernel{
		avx512: func(x, sp, sig []float64, n int) { softplusSigmoidAVX512(&x[0], &sp[0], &sig[0], n) },
		avx2:   func(x, sp, sig []float64, n int) { softplusSigmoidAVX2(&x[0], &sp[0], &sig[0], n) },
		scalar: func(x, sp, sig []float64, k int) { sp[k], sig[k] = softplusSigmoid(x[k]) },
	}
)

// Softplus sets dst[k] = log(1 + exp(x[k])). dst may be x.
func Softplus(dst, x []float64) { softplusKernel.run("Softplus", x, dst, nil) }

// Sigmoid sets dst[k] = 1/(1 + exp(-x[k])). dst may be x.
func Sigmoid(dst, x []float64) { sigmoidKernel.run("Sigmoid", x, dst, nil) }

// Swish sets dst[k] = x[k] / (1 + exp(-x[k])), x times its sigmoid. dst may
// be x.
func Swish(dst, x []float64) { swishKernel.run("Swish", x, dst, nil) }

// Tanh sets dst[k] = tanh(x[k]). dst may be x.
func Tanh(dst, x []float64) { tanhKernel.run("Tanh", x, dst, nil) }

// ELU sets dst[k] = x[k] for x[k] > 0 and exp(x[k]) - 1 otherwise. dst may
// be x.
func ELU(dst, x []float64) { eluKernel.run("ELU", x, dst, nil) }

// ExpNegAbs sets dst[k] = exp(-|x[k]|). dst may be x.
func ExpNegAbs(dst, x []float64) { expNegAbsKernel.run("ExpNegAbs", x, dst, nil) }

// SoftplusSigmoid sets sp[k] = log(1 + exp(x[k])) and
// sig[k] = 1/(1 + exp(-x[k])), the softplus and its derivative, from one
// exp per element. Either may be x.
func SoftplusSigmoid(sp, sig, x []float64) {
	if sig == nil {
		sig = []float64{} // so that a missing sig is reported as too short
	}
	softplusSigmoidKernel.run("SoftplusSigmoid", x, sp, sig)
}
