package datasets

import (
	"math"

	"scorenet/points"
)

// Whole are the continuous columns of a table whose every value is a
// whole number (a year, an age, a count of many values), which samples
// are rounded to: a sample's year of 1999.74 is no year, and where rows
// share a year (a table of one row a year for each of a few kinds) a new
// row's distance to the nearest one counts from the same whole year,
// which a fractional sample never reaches (Vega's disasters: samples 6.9
// times as far as held-out rows, 0.79 once the years were rounded).
// A column of few values is discrete and put onto them instead.
type Whole []int

// maxWhole bounds the values of a whole column: beyond 2^53 a float64
// holds whole numbers only, and rounding says nothing.
const maxWhole = 1 << 53

// FindWhole finds the columns of p (data units) that vary and hold only
// whole numbers, among those not discrete.
func FindWhole(p points.Points, discrete map[int][]float64) Whole {
	var w Whole
	for j := range p.D {
		if _, ok := discrete[j]; ok || p.N == 0 {
			continue
		}
		whole, varies := true, false
		for i := range p.N {
			x := p.X[i*p.D+j]
			if x != math.Round(x) || math.Abs(x) > maxWhole {
				whole = false
				break
			}
			varies = varies || x != p.X[j]
		}
		if whole && varies {
			w = append(w, j)
		}
	}
	return w
}

// Snap rounds the values of w's columns of p to whole numbers, in place.
func (w Whole) Snap(p points.Points) {
	for _, j := range w {
		for i := range p.N {
			x := &p.X[i*p.D+j]
			if *x = math.Round(*x); *x == 0 {
				*x = 0 // not -0, which a CSV writes as "-0"
			}
		}
	}
}
