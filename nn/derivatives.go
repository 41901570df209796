package nn

import (
	"fmt"

	"scorenet/internal/vmath"
)

// Derivatives evaluates an MLP activation f and its first two derivatives
// elementwise: f[k] = f(z[k]), and d1[k], d2[k] the first and second
// derivatives at z[k]. It is what the hand-written losses need, and agrees
// with the gorgonia forms of the activations (tested), including ELU's
// one-sided second derivative. f may be z; d1 and d2 may not.
//
// Every activation takes its exp, expm1, log1p or tanh from internal/vmath,
// whose vector kernels are 20 times faster than the math package here and
// give the same bits on every machine.
type Derivatives func(z, f, d1, d2 []float64)

// ActivationDerivatives returns the Derivatives of the named activation.
func ActivationDerivatives(name string) (Derivatives, error) {
	d, ok := derivatives[name]
	if !ok {
		return nil, fmt.Errorf("nn: unknown activation %q (known: %v)", name, Activations())
	}
	return d, nil
}

var derivatives = map[string]Derivatives{
	"softplus": func(z, f, d1, d2 []float64) {
		vmath.SoftplusSigmoid(f, d1, z)
		for k, s := range d1[:len(z)] {
			d2[k] = s * (1 - s)
		}
	},
	"tanh": func(z, f, d1, d2 []float64) {
		vmath.Tanh(f, z)
		for k, t := range f[:len(z)] {
			d1[k] = 1 - t*t
			d2[k] = -2 * t * (1 - t*t)
		}
	},
	"sigmoid": func(z, f, d1, d2 []float64) {
		vmath.Sigmoid(f, z)
		for k, s := range f[:len(z)] {
			d1[k] = s * (1 - s)
			d2[k] = s * (1 - s) * (1 - 2*s)
		}
	},
	"elu": func(z, f, d1, d2 []float64) {
		vmath.ExpNegAbs(d1, z) // exp(z) where z <= 0
		vmath.ELU(f, z)
		for k, v := range z {
			if v > 0 {
				d1[k], d2[k] = 1, 0
			} else {
				d2[k] = d1[k]
			}
		}
	},
	"swish": func(z, f, d1, d2 []float64) {
		sig := d2 // d2 holds sigmoid(z) until each element's turn
		vmath.Sigmoid(sig, z)
		for k, v := range z {
			s := sig[k]
			f[k] = v * s
			d1[k] = s + v*s*(1-s)
			d2[k] = s * (1 - s) * (2 + v*(1-2*s))
		}
	},
}

// activationValues evaluates an activation without its derivatives, for
// forward passes: dst[k] = f(z[k]) (dst may be z), with the same arithmetic
// as Derivatives.
var activationValues = map[string]func(dst, z []float64){
	"softplus": vmath.Softplus,
	"tanh":     vmath.Tanh,
	"sigmoid":  vmath.Sigmoid,
	"elu":      vmath.ELU,
	"swish":    vmath.Swish,
}
