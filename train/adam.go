package train

import (
	"errors"
	"fmt"
	"math"

	"scorenet/nn"
	"scorenet/rundir"

	"gorgonia.org/tensor"
)

// AdamSettings are Adam's hyperparameters.
type AdamSettings struct {
	LR, Beta1, Beta2, Eps float64
	// WeightDecay adds WeightDecay*theta to each gradient before the moments
	// are updated (L2 regularisation), as torch.optim.Adam does.
	WeightDecay float64
}

// Adam is the Adam optimiser (Kingma & Ba 2015) with bias-corrected moments,
// updating a model's parameters in place. Its moments have the dtype of the
// parameters they belong to.
type Adam struct {
	AdamSettings
	// Moments are the update count and the first and second moments, in
	// Params order, as checkpoints keep them.
	rundir.Moments
}

// NewAdam returns an optimiser with zero moments for params.
func NewAdam(s AdamSettings, params []nn.Param) *Adam {
	a := &Adam{AdamSettings: s}
	for _, p := range params {
		a.M = append(a.M, tensor.New(tensor.WithShape(p.Value.Shape()...), tensor.Of(p.Value.Dtype())))
		a.V = append(a.V, tensor.New(tensor.WithShape(p.Value.Shape()...), tensor.Of(p.Value.Dtype())))
	}
	return a
}

// Step applies one update from grads, first scaled by gradScale (for
// clipping).
func (a *Adam) Step(params []nn.Param, grads []tensor.Tensor, gradScale float64) error {
	if len(grads) != len(params) {
		return fmt.Errorf("train: %d gradients for %d parameters", len(grads), len(params))
	}
	a.Steps++
	c1 := 1 - math.Pow(a.Beta1, float64(a.Steps))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Steps))
	finite, bad := true, ""
	for i, p := range params {
		switch theta := p.Value.Data().(type) {
		case []float64:
			finite = adamUpdate(a, theta, grads[i].Data().([]float64), a.M[i].Data().([]float64), a.V[i].Data().([]float64), gradScale, c1, c2) && finite
		case []float32:
			finite = adamUpdate(a, theta, grads[i].Data().([]float32), a.M[i].Data().([]float32), a.V[i].Data().([]float32), gradScale, c1, c2) && finite
		default:
			return fmt.Errorf("train: parameter %s has unsupported data %T", p.Name, theta)
		}
		if !finite && bad == "" {
			bad = p.Name
		}
	}
	if bad != "" {
		return fmt.Errorf("%w (first in %s)", errNonFiniteUpdate, bad)
	}
	return nil
}

// errNonFiniteUpdate is an update that left a parameter or a moment
// infinite or NaN: the model can no longer be saved or used.
var errNonFiniteUpdate = errors.New("the update left parameters or Adam moments non-finite")

// adamUpdate updates theta and its moments in place and reports whether
// all three stayed finite, in the same pass.
func adamUpdate[T float32 | float64](a *Adam, theta, grad, m, v []T, scale, c1, c2 float64) bool {
	var check T // stays 0 unless some x*0 is NaN: x infinite or NaN
	b1, b2 := T(a.Beta1), T(a.Beta2)
	lr, eps, wd, s := T(a.LR), T(a.Eps), T(a.WeightDecay), T(scale)
	tc1, sc2 := T(c1), T(math.Sqrt(c2))
	for k := range theta {
		g := grad[k]*s + wd*theta[k]
		m[k] = b1*m[k] + (1-b1)*g
		v[k] = b2*v[k] + (1-b2)*g*g
		// torch's form: lr/c1 * m / (sqrt(v)/sqrt(c2) + eps)
		theta[k] -= lr / tc1 * m[k] / (T(math.Sqrt(float64(v[k])))/sc2 + eps)
		check += theta[k]*0 + m[k]*0 + v[k]*0
	}
	return check == 0
}

// gradNorm is the Euclidean norm of all gradients taken together. It is
// scaled by the largest entry first, so gradients whose squares would
// overflow still have a finite norm, while a NaN or infinite entry gives a
// non-finite one.
func gradNorm(grads []tensor.Tensor) float64 {
	largest := 0.0
	each(grads, func(v float64) {
		if a := math.Abs(v); a > largest || a != a {
			largest = a
		}
	})
	if largest == 0 || !isFinite(largest) {
		return largest
	}
	sum := 0.0
	each(grads, func(v float64) { sum += (v / largest) * (v / largest) })
	return largest * math.Sqrt(sum)
}

// each calls f on every value of the float64 or float32 tensors.
func each(ts []tensor.Tensor, f func(float64)) {
	for _, t := range ts {
		switch d := t.Data().(type) {
		case []float64:
			for _, v := range d {
				f(v)
			}
		case []float32:
			for _, v := range d {
				f(float64(v))
			}
		}
	}
}

// clipScale is the factor that brings a gradient of norm `norm` down to at
// most maxNorm (torch.nn.utils.clip_grad_norm_); maxNorm <= 0 means no clipping.
func clipScale(norm, maxNorm float64) float64 {
	if maxNorm <= 0 || norm <= maxNorm {
		return 1
	}
	return maxNorm / (norm + 1e-6)
}
