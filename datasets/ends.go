package datasets

import (
	"fmt"
	"math"
	"strings"

	"scorenet/points"
)

// Ends are the point masses at the ends of a table's continuous columns:
// an end value that a share of the rows hold (a count or an amount that is
// often 0, a score at its ceiling). A smooth density blurs such a mass to
// both sides of the end, and half of the blur lies beyond it, where the
// data never go (star98: 66% of a column's rows at its minimum, 30% of
// its sample values below it); samples beyond a mass are put on it, as a
// discrete column's are put on its values. Low and High map a column to
// the end value that holds a mass.
type Ends struct {
	Low  map[int]float64 `json:"low,omitempty"`
	High map[int]float64 `json:"high,omitempty"`
}

// minEndShare is the share of the rows an end value must hold to be a point
// mass: a continuous column's end is one row.
const minEndShare = 0.05

// FindEnds finds the point masses at the ends of p's columns that are not
// discrete (which snap to their values already), p in data units.
func FindEnds(p points.Points, discrete map[int][]float64) Ends {
	var e Ends
	least := max(2, int(math.Ceil(minEndShare*float64(p.N))))
	for j := range p.D {
		if _, ok := discrete[j]; ok || p.N == 0 {
			continue
		}
		lo, hi := p.X[j], p.X[j]
		for i := range p.N {
			lo, hi = min(lo, p.X[i*p.D+j]), max(hi, p.X[i*p.D+j])
		}
		if lo == hi {
			continue
		}
		atLo, atHi := 0, 0
		for i := range p.N {
			switch p.X[i*p.D+j] {
			case lo:
				atLo++
			case hi:
				atHi++
			}
		}
		if atLo >= least {
			if e.Low == nil {
				e.Low = map[int]float64{}
			}
			e.Low[j] = lo
		}
		if atHi >= least {
			if e.High == nil {
				e.High = map[int]float64{}
			}
			e.High[j] = hi
		}
	}
	return e
}

// Empty reports whether e holds no point mass.
func (e Ends) Empty() bool { return len(e.Low) == 0 && len(e.High) == 0 }

// Snap puts every value of p beyond a point mass at its column's end onto
// it, in place, and returns how many it moved.
func (e Ends) Snap(p points.Points) int {
	moved := 0
	for j, lo := range e.Low {
		for i := range p.N {
			if x := &p.X[i*p.D+j]; *x < lo {
				*x = lo
				moved++
			}
		}
	}
	for j, hi := range e.High {
		for i := range p.N {
			if x := &p.X[i*p.D+j]; *x > hi {
				*x = hi
				moved++
			}
		}
	}
	return moved
}

// Describe says which column ends hold point masses, for the start-up
// lines, the columns numbered as the file holds them (cats: ColumnLabel).
func (e Ends) Describe(p points.Points, cats []Category) string {
	var parts []string
	for j := range p.D {
		for _, end := range []struct {
			name   string
			values map[int]float64
		}{{"minimum", e.Low}, {"maximum", e.High}} {
			v, ok := end.values[j]
			if !ok {
				continue
			}
			n := 0
			for i := range p.N {
				if p.X[i*p.D+j] == v {
					n++
				}
			}
			parts = append(parts, fmt.Sprintf("column %s's %s %g (%.0f%% of the rows)", ColumnLabel(cats, j), end.name, v, 100*float64(n)/float64(p.N)))
		}
	}
	return fmt.Sprintf("%d point mass(es) at a column's end, where samples beyond are put: %s", len(parts), strings.Join(parts, ", "))
}
