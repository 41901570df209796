// Package points holds the one type every package passes points in: n
// points of R^D, row-major.
package points

import (
	"fmt"
	"math"
)

// Points is a set of N points in R^D, stored row-major: point i is
// X[i*D : (i+1)*D].
type Points struct {
	N, D int
	X    []float64
}

// New returns n zero points in R^d.
func New(n, d int) Points {
	return Points{N: n, D: d, X: make([]float64, n*d)}
}

// Row returns point i, sharing storage with p.
func (p Points) Row(i int) []float64 { return p.X[i*p.D : (i+1)*p.D] }

// Subset returns the points at the given indices, copied, in that order.
func (p Points) Subset(idx []int) Points {
	out := New(len(idx), p.D)
	for k, i := range idx {
		copy(out.Row(k), p.Row(i))
	}
	return out
}

// CheckFinite reports the first NaN or infinite coordinate.
func (p Points) CheckFinite() error {
	for i, v := range p.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("points: point %d, coordinate %d is %v", i/p.D, i%p.D, v)
		}
	}
	return nil
}

// Mean returns the per-coordinate mean.
func (p Points) Mean() []float64 {
	m := make([]float64, p.D)
	for i := 0; i < p.N; i++ {
		for j, v := range p.Row(i) {
			m[j] += v
		}
	}
	for j := range m {
		m[j] /= float64(p.N)
	}
	return m
}

// Covariance returns the biased (1/N) sample covariance, D x D row-major.
func (p Points) Covariance() []float64 {
	m := p.Mean()
	c := make([]float64, p.D*p.D)
	for i := 0; i < p.N; i++ {
		r := p.Row(i)
		for a := 0; a < p.D; a++ {
			for b := 0; b < p.D; b++ {
				c[a*p.D+b] += (r[a] - m[a]) * (r[b] - m[b])
			}
		}
	}
	for k := range c {
		c[k] /= float64(p.N)
	}
	return c
}
