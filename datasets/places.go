package datasets

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"scorenet/points"
)

// Places are the decimal places of a table's continuous columns whose
// every value is written with few of them (a length to the centimetre, a
// price to the cent: 1 to maxPlaces), or whole numbers in tens,
// hundreds... (-1, -2, ...: Michelson's speeds of light, all multiples
// of 10), which samples are rounded to, as a whole column's are rounded
// to whole numbers: samples then read as the data are written (a
// diamond's size of 5.734829 mm, in a table of sizes to the hundredth, is
// a digit string no row has).
type Places map[int]int

// maxPlaces is the most decimal places a column's values may have for its
// samples to be rounded: more is a computed value's digits, not a grid
// its values keep to. A refractive index is measured to 5 (mlbench's
// Glass, samples 1.5262003297436146 with 4), a coordinate to 6.
const maxPlaces = 6

// FindPlaces finds the columns of p (data units) that vary, are not
// discrete, and hold only values with at most maxPlaces decimal places
// (whole columns only where every value is a multiple of ten), on a grid
// fine against the rows' spacing: a unit at most finePlaces of the
// column's standard deviation times n^(-1/D), about how far apart
// neighbouring rows lie along it. On a coarser grid, rounded samples land
// on the training rows' own values (MASS's cats, body weights to 0.1 kg
// with a spread of 0.48: samples 0.87 times as far from the training rows
// as held-out rows, 0.67 rounded; sunspots, one column of 247 rows to a
// tenth: 0.25, and 0 rounded), which reads as copying them.
func FindPlaces(p points.Points, discrete map[int][]float64) Places {
	var out Places
	for j := range p.D {
		if _, ok := discrete[j]; ok || p.N == 0 {
			continue
		}
		col := make([]float64, p.N)
		for i := range p.N {
			col[i] = p.X[i*p.D+j]
		}
		spacing := stat.PopStdDev(col, nil) * math.Pow(float64(p.N), -1/float64(p.D))
		if k, ok := placesOf(col); ok && math.Pow(10, float64(-k)) <= finePlaces*spacing {
			if out == nil {
				out = Places{}
			}
			out[j] = k
		}
	}
	return out
}

// maxGridValue bounds a value counted in its grid's units: beyond it, a
// float64's rounding error reaches a tenth of a unit at 1e-12.
const maxGridValue = 1e11

// finePlaces is the largest unit of a column's places, in its rows'
// spacing, that its samples are rounded to: half of it moves a sample by
// a fortieth of the way to a neighbouring row.
const finePlaces = 0.05

// placesOf is the fewest decimal places (from maxPlaces down to tens of
// thousands, negative) that every value of col is written with, and
// whether there is such a number other than 0 and col varies.
func placesOf(col []float64) (int, bool) {
	lo, hi := slices.Min(col), slices.Max(col)
	if lo == hi || math.Abs(lo) > maxWhole || math.Abs(hi) > maxWhole {
		return 0, false
	}
	// A value's digits on the grid must be few enough that a float64
	// tells them apart from the grid's neighbours: a count near 1.2e13
	// fits any grid up to tens of thousands within a relative 1e-9.
	fits := func(k int) bool {
		scale := math.Pow(10, float64(k))
		for _, x := range col {
			if v := x * scale; math.Abs(v) >= maxGridValue || math.Abs(v-math.Round(v)) > 1e-12*max(1, math.Abs(v)) {
				return false
			}
		}
		return true
	}
	// The finest grid whose values a float64 holds (large values leave
	// out the finest), then the coarsest they keep to.
	k := maxPlaces
	for k >= -4 && !fits(k) {
		k--
	}
	if k < -4 {
		return 0, false
	}
	for k > -4 && fits(k-1) {
		k--
	}
	// 0 is a whole column's (Whole rounds it); a column of zeros and tens
	// of thousands says nothing.
	return k, k != 0 && math.Pow(10, float64(-k)) < hi-lo
}

// Snap rounds the values of pl's columns of p to their places, in place.
func (pl Places) Snap(p points.Points) {
	for j, k := range pl {
		unit := math.Pow(10, math.Abs(float64(k))) // exact: a whole power of ten
		for i := range p.N {
			x := &p.X[i*p.D+j]
			if k > 0 {
				*x = math.Round(*x*unit) / unit // the nearest double to the decimal, which is written as it
			} else {
				*x = math.Round(*x/unit) * unit
			}
			if *x == 0 {
				*x = 0 // not -0
			}
		}
	}
}

// Describe says which columns are rounded to which places, for the
// start-up lines.
func (pl Places) Describe(cats []Category, names []string) string {
	cols := make([]int, 0, len(pl))
	for j := range pl {
		cols = append(cols, j)
	}
	slices.Sort(cols)
	parts := make([]string, len(cols))
	for n, j := range cols {
		switch k := pl[j]; {
		case k > 0:
			parts[n] = fmt.Sprintf("%s to %d place(s)", ColumnLabel(cats, names, j), k)
		default:
			parts[n] = fmt.Sprintf("%s to %gs", ColumnLabel(cats, names, j), math.Pow(10, float64(-k)))
		}
	}
	return fmt.Sprintf("%d column(s) whose values are all written to a few decimal places (or in tens...), whose samples are rounded as they are: %s", len(cols), strings.Join(parts, ", "))
}
