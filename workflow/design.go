package workflow

import (
	"encoding/binary"
	"math"
	"slices"

	"scorenet/configs"
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
// design or a series, or nil where the rows (training and held-out
// together, as the table was written) are not one: then the nearest-row
// ratio is judged. They are the discrete and index columns that, taken
// in order, add cells (a column that is a function of those before it, a
// state's region beside its name, adds none), whose cells fill at least
// half their grid (a full design, not a survey of many answers whose
// combinations are unique only by their number), and which leave at
// least designAlone of the rows alone in a cell, with a varying column
// outside them for the samples to draw. A class-conditional run's rows
// have their class taken out of the columns: classes, the training rows'
// then the held-out rows' (nil where there are none), is then the first
// column tried, and byClass says it was kept (snails: species, exposure,
// humidity and temperature once each, the species a class).
func designColumns(train, heldout points.Points, classes []int32, levels map[int][]float64, varying func(j int) bool) (kept []int, byClass bool) {
	n := train.N + heldout.N
	if n < 2 {
		return nil, false
	}
	// One column of the rows at a time, training then held-out: a copy
	// of every row was a second copy of the data beside the verdict's.
	buf := points.New(n, 1)
	column := func(j int) points.Points {
		for i := range train.N {
			buf.X[i] = train.X[i*train.D+j]
		}
		for i := range heldout.N {
			buf.X[train.N+i] = heldout.X[i*heldout.D+j]
		}
		return buf
	}
	var ids [][]int32 // each kept column's value ids, by row
	cells, grid := 1, 1.0
	if len(classes) == n {
		col, values := classIDs(classes)
		if n := len(cellsOf([][]int32{col})); n > 1 {
			ids, cells, grid, byClass = [][]int32{col}, n, float64(values), true
		}
	}
	for j := range train.D {
		rows := column(j)
		if _, discrete := levels[j]; !discrete && !isIndex(rows, 0) {
			continue
		}
		col, values := valueIDs(rows, 0)
		with := cellsOf(append(ids, col))
		if len(with) > cells {
			kept, ids, cells = append(kept, j), append(ids, col), len(with)
			if grid *= float64(values); grid > 2*float64(n) { // the cells can no longer fill half the grid
				return nil, false
			}
		}
	}
	outside := 0
	for j := range train.D {
		if !slices.Contains(kept, j) && varying(j) {
			outside++
		}
	}
	if len(kept) == 0 || outside == 0 || grid > 2*float64(cells) {
		return nil, false
	}
	alone := 0
	for _, n := range cellsOf(ids) {
		if n == 1 {
			alone++
		}
	}
	if float64(alone) < designAlone*float64(n) {
		return nil, false
	}
	return kept, byClass
}

// classIDs numbers the rows' classes as valueIDs numbers a column's
// values, and counts them.
func classIDs(classes []int32) ([]int32, int) {
	p := points.New(len(classes), 1)
	for i, c := range classes {
		p.X[i] = float64(c)
	}
	return valueIDs(p, 0)
}

// valueIDs numbers the values of column j of p, by row, and counts them.
func valueIDs(p points.Points, j int) ([]int32, int) {
	id := map[float64]int32{}
	col := make([]int32, p.N)
	for i := range p.N {
		v := p.X[i*p.D+j]
		k, ok := id[v]
		if !ok {
			k = int32(len(id))
			id[v] = k
		}
		col[i] = k
	}
	return col, len(id)
}

// cellsOf counts the rows in each combination of the columns' value ids.
func cellsOf(cols [][]int32) map[string]int {
	cells := map[string]int{}
	if len(cols) == 0 {
		return cells
	}
	key := make([]byte, 0, 4*len(cols))
	for i := range cols[0] {
		key = key[:0]
		for _, c := range cols {
			key = binary.LittleEndian.AppendUint32(key, uint32(c[i]))
		}
		cells[string(key)]++
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
	// The rows' numbers, 0 or 1 to n (Kaggle's iris has an Id column),
	// index the file, not a series: the table is judged as any other.
	rowNumbers := count[values[0]] == 1 && step == 1 && (values[0] == 0 || values[0] == 1)
	return !rowNumbers
}

// DesignData is whether a table's rows, as Prepare read them for cfg, are
// a design or a series (designColumns), where no nearness is measured:
// the verdict judges none there, sample.sigma_stop auto probes none, and
// training's nearness (train.nearness) follows none. gapminder's country
// by year panel was held to train.steps auto's cap (50000 steps, a
// minute) by a nearness of 21.8 that its verdict then did not judge.
func DesignData(cfg *configs.Config, data *Data) bool {
	if data.Image.Size() > 0 || data.Train.N == 0 {
		return false
	}
	units := func(p points.Points) points.Points {
		return ValueRows(cfg, DataUnits(data.Norm, data.Discrete, data.Ends, data.Whole, data.Places, p))
	}
	train, valid := units(data.Train), units(data.Valid)
	var classes []int32
	if data.TrainLabels != nil && (data.Valid.N == 0 || data.ValidLabels != nil) {
		classes = append(slices.Clone(data.TrainLabels), data.ValidLabels...)
	}
	_, std := columnMoments(train)
	design, _ := designColumns(train, valid, classes, valueLevels(cfg, data.Discrete, data.Train.D), func(j int) bool { return varies(std[j], 0) })
	return design != nil
}
