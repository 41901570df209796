package nn

import (
	"fmt"
	"math"
)

// Derivatives evaluates an MLP activation f and its first two derivatives
// elementwise: f[k] = f(z[k]), and d1[k], d2[k] the first and second
// derivatives at z[k]. It is what the hand-written losses need, and agrees
// with the gorgonia forms of the activations (tested), including ELU's
// one-sided second derivative.
type Derivatives func(z, f, d1, d2 []float64)

// ActivationDerivatives returns the Derivatives of the named activation.
func ActivationDerivatives(name string) (Derivatives, error) {
	d, ok := derivatives[name]
	if !ok {
		return nil, fmt.Errorf("nn: unknown activation %q (known: %v)", name, Activations())
	}
	return d, nil
}

// sigmoidAndTail returns sigmoid(z) and e = exp(-|z|), from one exp.
func sigmoidAndTail(z float64) (sig, e float64) {
	e = math.Exp(-math.Abs(z))
	if z >= 0 {
		return 1 / (1 + e), e
	}
	return e / (1 + e), e
}

var derivatives = map[string]Derivatives{
	"softplus": func(z, f, d1, d2 []float64) {
		for k, v := range z {
			s, e := sigmoidAndTail(v)
			f[k] = math.Max(v, 0) + math.Log1p(e)
			d1[k] = s
			d2[k] = s * (1 - s)
		}
	},
	"tanh": func(z, f, d1, d2 []float64) {
		for k, v := range z {
			t := math.Tanh(v)
			f[k] = t
			d1[k] = 1 - t*t
			d2[k] = -2 * t * (1 - t*t)
		}
	},
	"sigmoid": func(z, f, d1, d2 []float64) {
		for k, v := range z {
			s, _ := sigmoidAndTail(v)
			f[k] = s
			d1[k] = s * (1 - s)
			d2[k] = s * (1 - s) * (1 - 2*s)
		}
	},
	"elu": func(z, f, d1, d2 []float64) {
		for k, v := range z {
			if v > 0 {
				f[k], d1[k], d2[k] = v, 1, 0
				continue
			}
			f[k] = math.Expm1(v)
			d1[k] = math.Exp(v)
			d2[k] = d1[k]
		}
	},
	"swish": func(z, f, d1, d2 []float64) {
		for k, v := range z {
			s, _ := sigmoidAndTail(v)
			f[k] = v * s
			d1[k] = s + v*s*(1-s)
			d2[k] = s * (1 - s) * (2 + v*(1-2*s))
		}
	},
}

// activationValues evaluates an activation without its derivatives, for
// forward passes: f[k] = f(z[k]), with the same arithmetic as Derivatives.
var activationValues = map[string]func(z, f []float64){
	"softplus": func(z, f []float64) {
		for k, v := range z {
			f[k] = math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v)))
		}
	},
	"tanh": func(z, f []float64) {
		for k, v := range z {
			f[k] = math.Tanh(v)
		}
	},
	"sigmoid": func(z, f []float64) {
		for k, v := range z {
			f[k], _ = sigmoidAndTail(v)
		}
	},
	"elu": func(z, f []float64) {
		for k, v := range z {
			if v > 0 {
				f[k] = v
			} else {
				f[k] = math.Expm1(v)
			}
		}
	},
	"swish": func(z, f []float64) {
		for k, v := range z {
			s, _ := sigmoidAndTail(v)
			f[k] = v * s
		}
	},
}
