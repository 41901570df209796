package workflow

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"scorenet/points"
)

// A table whose rows each hold their own combination of a few columns'
// values is a design or a series: a field trial's variety, year and site
// once each (barley), a count per job, sex and decade (jobs), a reading a
// year (a temperature series). Its samples are put into the cells the
// training rows hold, beside a row each, while a held-out row's cell (or
// a training row's, left out) holds no other: the nearest-row ratio then
// reads "copies" for a model that is right. On Vega's tables of this
// kind a model sampled 0.23 to 0.73 times as far as a held-out row, and
// no split of such rows gives the distance a new row would have.
const (
	// designAlone is the share of training rows alone in their cell at
	// which the table counts as a design.
	designAlone = 0.8
	// minIndexValues is the fewest values an index column (a series'
	// years) takes.
	minIndexValues = 5
	// maxIndexSteps bounds an index column's grid: more steps than this
	// between its ends is a measurement, whatever its spacing.
	maxIndexSteps = 2000
)

// designColumns are the columns (0-based) that index the rows of a
// design or a series, or nil where train is not one: then the
// nearest-row ratio is judged. They are the discrete and index columns
// that, taken in order, add cells (a column that is a function of those
// before it, a state's region beside its name, adds none), whose cells
// fill at least half their grid (a full design, not a survey of many
// answers whose combinations are unique only by their number), and
// which leave at least designAlone of the rows alone in a cell, with a
// varying column outside them for the samples to draw.
func designColumns(train points.Points, levels map[int][]float64, varying func(j int) bool) []int {
	if train.N < 2 {
		return nil
	}
	var kept []int
	cells, grid := map[string]int{}, 1.0
	for j := range train.D {
		if _, discrete := levels[j]; !discrete && !isIndex(train, j) {
			continue
		}
		with := cellsOf(train, append(slices.Clone(kept), j))
		if len(with) > max(len(cells), 1) {
			kept, cells = append(kept, j), with
			grid *= float64(len(valuesOf(train, j)))
		}
	}
	outside := 0
	for j := range train.D {
		if !slices.Contains(kept, j) && varying(j) {
			outside++
		}
	}
	if len(kept) == 0 || outside == 0 || grid > 2*float64(len(cells)) {
		return nil
	}
	alone := 0
	for _, n := range cells {
		if n == 1 {
			alone++
		}
	}
	if float64(alone) < designAlone*float64(train.N) {
		return nil
	}
	return kept
}

// cellsOf counts the rows of p in each combination of the columns' values.
func cellsOf(p points.Points, cols []int) map[string]int {
	cells := map[string]int{}
	var b strings.Builder
	for i := range p.N {
		b.Reset()
		for _, j := range cols {
			fmt.Fprintf(&b, "%v,", p.X[i*p.D+j])
		}
		cells[b.String()]++
	}
	return cells
}

// valuesOf counts the rows of p holding each value of column j.
func valuesOf(p points.Points, j int) map[float64]int {
	count := map[float64]int{}
	for i := range p.N {
		count[p.X[i*p.D+j]]++
	}
	return count
}

// isIndex reports a column that indexes rows as a series' time does: its
// values evenly spaced, every step between its ends taken, each value by
// the same number of rows. A measurement's values are almost never all
// of these at once (a table's ages skip some years and repeat others
// unevenly).
func isIndex(p points.Points, j int) bool {
	count := valuesOf(p, j)
	if len(count) < minIndexValues {
		return false
	}
	values := make([]float64, 0, len(count))
	for v := range count {
		values = append(values, v)
	}
	slices.Sort(values)
	step := values[1] - values[0]
	steps := (values[len(values)-1] - values[0]) / step
	if !(step > 0) || steps > maxIndexSteps || math.Abs(steps-float64(len(values)-1)) > 1e-6*steps {
		return false
	}
	for k, v := range values {
		if math.Abs(v-values[0]-float64(k)*step) > 1e-6*step || count[v] != count[values[0]] {
			return false
		}
	}
	return true
}
