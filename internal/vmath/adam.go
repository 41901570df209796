package vmath

import (
	"fmt"
	"math"
)

// AdamStep is one Adam update's numbers (Kingma & Ba 2015, in torch's
// form): the gradient is scaled by Scale (for clipping) and gets
// WeightDecay times the parameter added (L2), and C1 and C2 are the bias
// corrections 1 - Beta1^t and 1 - Beta2^t.
type AdamStep struct {
	LR, Beta1, Beta2, Eps, WeightDecay, Scale, C1, C2 float64
}

// AdamUpdate applies one Adam update to theta and its moments m and v in
// place, from grad:
//
//	g = grad*Scale + WeightDecay*theta
//	m = Beta1*m + (1-Beta1)*g,  v = Beta2*v + (1-Beta2)*g*g
//	theta -= (LR/C1)*m / (sqrt(v)/sqrt(C2) + Eps)
//
// every product rounded before it is added (no FMA), and reports whether
// theta, m and v all stayed finite. It runs on the widest vector kernel
// here, in float64 or float32, with the same bits as the portable Go.
func AdamUpdate[T float32 | float64](theta, grad, m, v []T, s AdamStep) bool {
	n := len(theta)
	if len(grad) < n || len(m) < n || len(v) < n {
		panic(fmt.Sprintf("vmath: AdamUpdate: %d parameters, %d gradients, %d and %d moments", n, len(grad), len(m), len(v)))
	}
	done := 0
	var check [8]float64
	var check32 [16]float32
	if th, ok := any(theta).([]float32); ok {
		g, mm, vv := any(grad).([]float32), any(m).([]float32), any(v).([]float32)
		c := adamConstants[float32](s)
		if k := n &^ 15; haveAVX512 && k > 0 {
			adamAVX512S(&th[0], &g[0], &mm[0], &vv[0], k, &c, &check32)
			done = k
		}
		if k := (n - done) &^ 7; haveAVX2 && k > 0 {
			adamAVX2S(&th[done], &g[done], &mm[done], &vv[done], k, &c, &check32)
			done += k
		}
	}
	if th, ok := any(theta).([]float64); ok {
		g, mm, vv := any(grad).([]float64), any(m).([]float64), any(v).([]float64)
		c := adamConstants[float64](s)
		if k := n &^ 7; haveAVX512 && k > 0 {
			adamAVX512(&th[0], &g[0], &mm[0], &vv[0], k, &c, &check)
			done = k
		}
		if k := (n - done) &^ 3; haveAVX2 && k > 0 {
			adamAVX2(&th[done], &g[done], &mm[done], &vv[done], k, &c, &check)
			done += k
		}
	}
	finite := adamScalar(theta[done:], grad[done:n], m[done:n], v[done:n], s)
	for _, c := range check {
		finite = finite && c == 0
	}
	for _, c := range check32 {
		finite = finite && c == 0
	}
	return finite
}

// adamConstants are the numbers the loop uses, in T, in the order the
// kernels read them: Scale, WeightDecay, Beta1, 1-Beta1, Beta2, 1-Beta2,
// LR/C1, sqrt(C2), Eps.
func adamConstants[T float32 | float64](s AdamStep) [9]T {
	b1, b2 := T(s.Beta1), T(s.Beta2)
	return [9]T{T(s.Scale), T(s.WeightDecay), b1, 1 - b1, b2, 1 - b2, T(s.LR) / T(s.C1), T(math.Sqrt(s.C2)), T(s.Eps)}
}

// adamScalar is AdamUpdate in portable Go.
func adamScalar[T float32 | float64](theta, grad, m, v []T, s AdamStep) bool {
	c := adamConstants[T](s)
	scale, wd, b1, ob1, b2, ob2, step, sc2, eps := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]
	var check T // stays 0 unless some x*0 is NaN: x infinite or NaN
	grad, m, v = grad[:len(theta)], m[:len(theta)], v[:len(theta)]
	// Each product is converted to T before it is added: the conversion
	// rounds it, so a compiler that fuses a*b+c into one FMA (GOAMD64=v3)
	// cannot, and every build and kernel updates to the same bits.
	for k := range theta {
		g := T(grad[k]*scale) + T(wd*theta[k])
		mk := T(b1*m[k]) + T(ob1*g)
		vk := T(b2*v[k]) + T(T(ob2*g)*g)
		t := theta[k] - T(step*mk)/(T(math.Sqrt(float64(vk)))/sc2+eps)
		m[k], v[k], theta[k] = mk, vk, t
		check += T(t*0) + T(mk*0) + T(vk*0)
	}
	return check == 0
}
