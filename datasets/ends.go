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
//
// WallLow and WallHigh map a column to an end where its rows stop
// abruptly rather than thin out (randu's uniform columns, a share that
// fills [0, 1]): the density is as high there as inside, and a smooth one
// leaks past it (randu: 6.8% of a column's samples beyond its range).
// Samples beyond a wall are reflected back inside it, as a kernel
// density estimate corrects its boundary: the mass leaked past the end
// is what is missing just inside it.
type Ends struct {
	Low      map[int]float64 `json:"low,omitempty"`
	High     map[int]float64 `json:"high,omitempty"`
	WallLow  map[int]float64 `json:"wall_low,omitempty"`
	WallHigh map[int]float64 `json:"wall_high,omitempty"`
}

// A wall is an end whose outermost twentieth of the column's range holds
// at least minWallShare of the rows, and minWallRows of them: half what a
// uniform column holds there. A normal column's holds about 1.5% of 90
// rows, 0.45% of 400: with 3 rows enough, 2000 simulated normal columns
// had 10% of their ends called walls at 40 rows, 18% at 90; with 5, a
// few percent.
const (
	minWallShare = 0.025
	minWallRows  = 5
	wallBand     = 0.05
)

// minEndShare is the share of the rows an end value must hold to be a point
// mass: a continuous column's end is one row.
const minEndShare = 0.05

// FindEnds finds the point masses and the walls at the ends of p's
// columns that are not discrete (which snap to their values already), p
// in data units. rounding maps a column to the unit its samples are
// rounded to (Rounding): a wall there stands half a unit past the end
// value, at its cell's edge, so that a sample rounded onto the end value
// is left where it is, and one beyond the edge comes back into the cell
// its reflection rounds to (Michelson's runs 1 to 20 reflected about 20:
// 11 samples of 1000 drew 20, against 4% of the rows).
func FindEnds(p points.Points, discrete map[int][]float64, rounding map[int]float64) Ends {
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
		e.findWalls(p, j, lo, hi, rounding[j]/2)
	}
	return e
}

// findWalls marks column j's ends lo and hi that are walls, but for a
// point mass there, each wall half past the end value.
func (e *Ends) findWalls(p points.Points, j int, lo, hi, half float64) {
	band := wallBand * (hi - lo)
	nearLo, nearHi := 0, 0
	for i := range p.N {
		x := p.X[i*p.D+j]
		if x <= lo+band {
			nearLo++
		}
		if x >= hi-band {
			nearHi++
		}
	}
	least := max(minWallRows, int(math.Ceil(minWallShare*float64(p.N))))
	if _, mass := e.Low[j]; !mass && nearLo >= least {
		if e.WallLow == nil {
			e.WallLow = map[int]float64{}
		}
		e.WallLow[j] = lo - half
	}
	if _, mass := e.High[j]; !mass && nearHi >= least {
		if e.WallHigh == nil {
			e.WallHigh = map[int]float64{}
		}
		e.WallHigh[j] = hi + half
	}
}

// Rounding maps the columns of w and pl to the units their samples are
// rounded to, for FindEnds.
func Rounding(w Whole, pl Places) map[int]float64 {
	units := map[int]float64{}
	for _, j := range w {
		units[j] = 1
	}
	for j, k := range pl {
		units[j] = math.Pow(10, float64(-k))
	}
	return units
}

// Empty reports whether e holds no point mass and no wall.
func (e Ends) Empty() bool {
	return len(e.Low) == 0 && len(e.High) == 0 && len(e.WallLow) == 0 && len(e.WallHigh) == 0
}

// Snap puts every value of p beyond a point mass at its column's end onto
// it, and reflects every value beyond a wall back inside it (just inside
// the wall where the reflection would pass the column's other wall), in
// place, and returns how many it moved.
func (e Ends) Snap(p points.Points) int {
	moved := 0
	for j, lo := range e.WallLow {
		hi, walled := e.WallHigh[j]
		moved += reflectBeyond(p, j, lo, hi, walled, 1)
	}
	for j, hi := range e.WallHigh {
		lo, walled := e.WallLow[j]
		moved += reflectBeyond(p, j, hi, lo, walled, -1)
	}
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

// reflectBeyond reflects column j's values of p beyond wall (below it for
// inward +1, above it for -1) back inside, and puts one whose reflection
// passes the other wall (where walled) just inside this one: a rounded
// column's wall is its end value's cell's edge. It returns how many it
// moved.
func reflectBeyond(p points.Points, j int, wall, other float64, walled bool, inward float64) int {
	moved := 0
	for i := range p.N {
		x := &p.X[i*p.D+j]
		if (*x-wall)*inward >= 0 {
			continue
		}
		*x = 2*wall - *x
		if walled && (*x-other)*inward > 0 {
			*x = math.Nextafter(wall, math.Inf(int(inward)))
		}
		moved++
	}
	return moved
}

// MassShare is the larger share of p's rows (data units) that column j's
// point masses at its ends hold, 0 for a column without one.
func (e Ends) MassShare(p points.Points, j int) float64 {
	share := 0.0
	for _, m := range []map[int]float64{e.Low, e.High} {
		if v, ok := m[j]; ok {
			share = max(share, shareAt(p, j, v))
		}
	}
	return share
}

// shareAt is the share of p's rows whose column j holds v.
func shareAt(p points.Points, j int, v float64) float64 {
	n := 0
	for i := range p.N {
		if p.X[i*p.D+j] == v {
			n++
		}
	}
	return float64(n) / float64(max(p.N, 1))
}

// Describe says which column ends hold point masses, for the start-up
// lines, the columns numbered as the file holds them (cats: ColumnLabel).
func (e Ends) Describe(p points.Points, cats []Category, names []string) string {
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
			parts = append(parts, fmt.Sprintf("column %s's %s %g (%.0f%% of the rows)", ColumnLabel(cats, names, j), end.name, v, 100*shareAt(p, j, v)))
		}
	}
	var said []string
	if len(parts) > 0 {
		said = append(said, fmt.Sprintf("%d point mass(es) at a column's end, where samples beyond are put: %s", len(parts), strings.Join(parts, ", ")))
	}
	var walls []string
	for j := range p.D {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range p.N {
			lo, hi = min(lo, p.X[i*p.D+j]), max(hi, p.X[i*p.D+j])
		}
		for _, end := range []struct {
			name   string
			values map[int]float64
			at     float64
		}{{"minimum", e.WallLow, lo}, {"maximum", e.WallHigh, hi}} {
			v, ok := end.values[j]
			switch {
			case !ok:
			case v == end.at:
				walls = append(walls, fmt.Sprintf("column %s's %s %g", ColumnLabel(cats, names, j), end.name, v))
			default: // a rounded column's: at its end value's cell's edge
				walls = append(walls, fmt.Sprintf("column %s's %s %g (the wall at its cell's edge, %.10g)", ColumnLabel(cats, names, j), end.name, end.at, v))
			}
		}
	}
	if len(walls) > 0 {
		said = append(said, fmt.Sprintf("%d wall(s), a column's end its rows crowd up to, where samples beyond are reflected back inside: %s", len(walls), strings.Join(walls, ", ")))
	}
	return strings.Join(said, "; ")
}
