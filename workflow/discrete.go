package workflow

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/points"
)

// Discrete are the columns of a table that take a few values only (0/1
// flags, categories coded as numbers, counts, pixel values), each with its
// values in data units, sorted. A score model learns a density: it is
// trained on such a column spread uniformly over each value's cell (the
// half-way points to its neighbours; by default its middle half,
// data.discrete_spread), and its samples are put back onto the values, as
// 8-bit images are dequantised. A continuous sample of a
// 0/1 column is the first thing a two-sample test sees.
type Discrete map[int][]float64

// A column is discrete when it takes at most one value for every
// minRowsPerValue rows, and at most data.discrete_values values
// (configs.DefaultDiscreteValues): iris's 22-value column of 150 rows is a
// measurement, a 64-pixel image's 17 gray levels over 1797 rows are not,
// and neither are a health survey's deductibles, 343 levels over 16152
// rows.
const minRowsPerValue = 10

// FindDiscrete finds the discrete columns of p, of at most maxValues
// values each.
func FindDiscrete(p points.Points, maxValues int) Discrete {
	limit := min(maxValues, p.N/minRowsPerValue)
	if limit < 1 {
		return nil
	}
	found := Discrete{}
	for j := range p.D {
		var values []float64 // kept sorted: a continuous column stops at limit+1 values
		for i := range p.N {
			v := p.X[i*p.D+j]
			if k, ok := slices.BinarySearch(values, v); !ok {
				if values = slices.Insert(values, k, v); len(values) > limit {
					break
				}
			}
		}
		if len(values) <= limit { // a constant column too: its samples are put onto the constant
			found[j] = values
		}
	}
	return found
}

// addCategories makes each category column discrete, whatever its count
// of levels and rows: its values are places among names, never a
// measurement. Its values are the places the rows hold. It returns d with
// them (a new map where d is nil).
func (d Discrete) addCategories(p points.Points, cats []datasets.Category) Discrete {
	if d == nil && len(cats) > 0 {
		d = Discrete{}
	}
	for _, c := range cats {
		first := datasets.ModelColumn(cats, c.Index)
		for j := first; j < first+c.Width(); j++ {
			if _, ok := d[j]; ok {
				continue
			}
			var values []float64
			for i := range p.N {
				v := p.X[i*p.D+j]
				if k, ok := slices.BinarySearch(values, v); !ok && v == v {
					values = slices.Insert(values, k, v)
				}
			}
			d[j] = values
		}
	}
	return d
}

// cell is the interval of value k of values: from the half-way point to the
// one below to the half-way point to the one above, the end cells as wide
// on both sides.
func cell(values []float64, k int) (lo, hi float64) {
	if k > 0 {
		lo = (values[k-1] + values[k]) / 2
	}
	if k+1 < len(values) {
		hi = (values[k] + values[k+1]) / 2
	}
	if k == 0 {
		lo = 2*values[0] - hi
	}
	if k+1 == len(values) {
		hi = 2*values[k] - lo
	}
	return lo, hi
}

// Dequantize spreads each value of the discrete columns of p uniformly over
// the share spread (data.discrete_spread, above 0 and at most 1) of its
// cell about the value, in place. Below 1, empty space lies between
// neighbouring values' boxes, so that the blur of a learnt density at a
// common value's edge does not reach a rare neighbour's.
func (d Discrete) Dequantize(p points.Points, spread float64, rng *rand.Rand) {
	for _, j := range d.columns() {
		values := d[j]
		if len(values) < 2 {
			continue // a constant has no cell to spread over
		}
		for i := range p.N {
			k, _ := slices.BinarySearch(values, p.X[i*p.D+j])
			lo, hi := cell(values, k)
			v := values[k]
			lo, hi = v-spread*(v-lo), v+spread*(hi-v)
			p.X[i*p.D+j] = lo + (hi-lo)*rng.Float64()
		}
	}
}

// Snap puts every value of the discrete columns of p onto the column's
// nearest value, in place.
func (d Discrete) Snap(p points.Points) {
	for j, values := range d {
		for i := range p.N {
			x := &p.X[i*p.D+j]
			k, _ := slices.BinarySearch(values, *x)
			if k == len(values) || (k > 0 && *x-values[k-1] < values[k]-*x) {
				k--
			}
			*x = values[k]
		}
	}
}

// DataUnits brings rows of a run's data (standardised, quantile-mapped,
// a discrete column spread over its cells) back to data units as its
// samples come out, in a copy: inverted, and each discrete column's values
// put back onto its values. Samples are put onto the values; rows left
// spread over their cells would make every comparison with them wrong (a
// flag's spread, a few hundredths the data's own, grew by its cell's,
// and the verdict called samples of the right spread 0.48 of it). A whole
// column is rounded and an end's point mass put back as samples are: a
// row at 30, inverted, can come back 29.999999999999996, and a sample
// rounded to 30 then lay outside the rows' range.
func DataUnits(norm datasets.Normalizer, d Discrete, ends datasets.Ends, whole datasets.Whole, places datasets.Places, p points.Points) points.Points {
	out := norm.Invert(p)
	putBack(out, d, ends, whole, places)
	return out
}

// putBack puts values of p in data units where the data can be, in
// place: a discrete column's onto its values, a value beyond an end's
// point mass onto it, a whole column's rounded.
func putBack(p points.Points, d Discrete, ends datasets.Ends, whole datasets.Whole, places datasets.Places) {
	d.Snap(p)
	ends.Snap(p)
	whole.Snap(p)
	places.Snap(p)
}

// DataUnits is the package's DataUnits with the run's standardisation,
// discrete and whole columns and point masses.
func (r *Run) DataUnits(p points.Points) points.Points {
	return DataUnits(r.Norm, r.Discrete, r.Ends, r.Whole, r.Places, p)
}

// columns are d's columns in order, so that Dequantize draws the same
// numbers in every run.
func (d Discrete) columns() []int {
	var cols []int
	for j := range d {
		cols = append(cols, j)
	}
	slices.Sort(cols)
	return cols
}

// Describe says which columns are discrete, and over what share of each
// value's cell they are trained spread, for the start-up lines.
func (d Discrete) Describe(spread float64, cats []datasets.Category, names []string) string {
	var parts []string
	for _, j := range d.columns() {
		parts = append(parts, fmt.Sprintf("%s (%d values)", datasets.ColumnLabel(cats, names, j), len(d[j])))
	}
	over := "each value's cell"
	if spread < 1 {
		over = fmt.Sprintf("%g of each value's cell about it (data.discrete_spread)", spread)
	}
	return fmt.Sprintf("%d discrete column(s), trained spread over %s and sampled onto their values: %s", len(d), over, listColumns(parts))
}

// listColumns joins the first listedColumns of a start-up line's columns
// and counts the rest: a table of 784 pixel columns is one line, not a
// screenful.
func listColumns(parts []string) string {
	if len(parts) <= listedColumns {
		return strings.Join(parts, ", ")
	}
	return strings.Join(parts[:listedColumns], ", ") + fmt.Sprintf(", and %d more", len(parts)-listedColumns)
}

// listedColumns is the most columns a start-up line names.
const listedColumns = 16

// A discrete column of minGapValues to maxGapValues values is widened by
// data.discrete_gap. A flag's two values lie at least 2 apart standardised;
// a column of more values is a scale or a count, whose neighbours' shares
// a blur barely moves, and widened it would outweigh the other columns
// (a survey's five 7-point scales widened threefold: the worst column's
// spread gap 0.03 -> 0.13, a random forest's two-sample accuracy 0.50 ->
// 0.66).
const (
	minGapValues = 3
	maxGapValues = 6
)

// gapFactors are the few-valued discrete columns of p (minGapValues to
// maxGapValues values), each with the factor its standardised spread is
// widened by: enough to put neighbouring values gap apart on average, at
// least 1 and at most gap. None where gap is at most 1. Columns of names
// (cats) are left as they are: their levels' shares came out as near the
// data's standardised as widened (bench/category_tables.py, 7 tables and
// 2 training seeds: the worst level's distance 0.030 against 0.031), and
// widened, the samples of a table of many such columns were easier to
// tell from its rows (a survey's 7: a random forest's accuracy 0.57-0.59
// against 0.63-0.68).
func (d Discrete) gapFactors(p points.Points, gap float64, cats []datasets.Category) map[int]float64 {
	out := map[int]float64{}
	if gap <= 1 || len(d) == 0 {
		return out
	}
	std := datasets.FitNormalizer(p).Std
	for j, values := range d {
		named := slices.ContainsFunc(cats, func(c datasets.Category) bool { return datasets.ModelColumn(cats, c.Index) == j })
		if !widenable(len(values), named) {
			continue
		}
		step := (values[len(values)-1] - values[0]) / float64(len(values)-1)
		out[j] = min(gap, max(1, gap*std[j]/step))
	}
	return out
}

// widenable reports whether data.discrete_gap widens a discrete column of
// that many values, named or not.
func widenable(values int, named bool) bool {
	return !named && values >= minGapValues && values <= maxGapValues
}

// describeGaps says which columns data.discrete_gap widens, and by how
// much, for the start-up lines.
func describeGaps(d Discrete, factors map[int]float64, gap float64, cats []datasets.Category, names []string) string {
	cols := make([]int, 0, len(factors))
	for j := range factors {
		cols = append(cols, j)
	}
	slices.Sort(cols)
	parts := make([]string, len(cols))
	for i, j := range cols {
		parts[i] = fmt.Sprintf("%s (%d values, x%.3g)", datasets.ColumnLabel(cats, names, j), len(d[j]), factors[j])
	}
	return fmt.Sprintf("data.discrete_gap %g: %d discrete column(s) of %d to %d values standardised wider, their neighbouring values up to %g apart, and not quantile-mapped, so that a learnt density's blur keeps each value's share: %s",
		gap, len(cols), minGapValues, maxGapValues, gap, listColumns(parts))
}

// discreteGap is cfg's data.discrete_gap; a config made in code, not
// parsed, leaves it 0 and gets the default.
func discreteGap(cfg *configs.Config) float64 {
	if g := cfg.Data.DiscreteGap; g > 0 {
		return g
	}
	return configs.DefaultDiscreteGap
}

// discreteSpread is cfg's data.discrete_spread; a config made in code, not
// parsed, leaves it 0 and gets the default.
func discreteSpread(cfg *configs.Config) float64 {
	if s := cfg.Data.DiscreteSpread; s > 0 {
		return s
	}
	return configs.DefaultDiscreteSpread
}

// among counts d's columns that q maps through their quantiles.
func (d Discrete) among(q map[int]datasets.Knots) int {
	n := 0
	for j := range q {
		if _, ok := d[j]; ok {
			n++
		}
	}
	return n
}

// valleys are the discrete columns of p, of 3 to most values
// (a category of names too, where its levels are dates or given: numbered
// by their rows, the shares only fall), one of whose
// values between two others is held by fewer than half the rows of the
// commonest value on its either side (a race coded 1, 2, 3 for 52%, 13%
// and 35% of the rows). A model smooth in the column fills such a valley:
// birthwt's drew its 13% value for 41% of the samples. Mapped through
// their quantiles (data.quantile), each value fills its share of a normal,
// which has no valley to fill.
func (d Discrete) valleys(p points.Points, most int) []int {
	var out []int
	for _, j := range d.columns() {
		values := d[j]
		if len(values) < 3 || len(values) > most {
			continue
		}
		if hasValley(sharesOf(p, j, values)) {
			out = append(out, j)
		}
	}
	return out
}

// hasValley reports whether a value between two others holds less than
// half the share of the commonest value on either side of it.
func hasValley(shares []float64) bool {
	for k := 1; k < len(shares)-1; k++ {
		if 2*shares[k] < min(slices.Max(shares[:k]), slices.Max(shares[k+1:])) {
			return true
		}
	}
	return false
}

// ModelColumnNames names a run's model columns by its data's (data.columns)
// for a header over values the model gives per column (its scores): a
// category learnt in binary digits is a column a digit, "color.bit1"
// for the least significant. Nil where the run recorded no names for
// its d model columns.
func ModelColumnNames(cfg *configs.Config, d int) []string {
	cols, cats := cfg.Data.Columns, Categories(cfg.Data.Categories)
	if len(cols) == 0 || datasets.ValueColumns(cats, d) != len(cols) {
		return nil
	}
	names := make([]string, 0, d)
	for j, name := range cols {
		c, ok := datasets.BitsAt(cats, j)
		if !ok {
			names = append(names, name)
			continue
		}
		for k := range c.Width() {
			names = append(names, fmt.Sprintf("%s.bit%d", name, k+1))
		}
	}
	return names
}

// ColumnName names model column m of a run's d for a message: by its
// header name where the run recorded the names ("b", or "state's binary
// digit 2"), else by the number the start-up lines give it (without a
// config, m + 1).
func ColumnName(cfg *configs.Config, d, m int) string {
	if cfg == nil {
		return fmt.Sprintf("column %d", m+1)
	}
	cats := Categories(cfg.Data.Categories)
	names := ModelColumnNames(cfg, d)
	if m >= len(names) {
		return "column " + datasets.ColumnLabel(cats, nil, m)
	}
	j := datasets.ValueColumn(cats, m)
	if c, ok := datasets.BitsAt(cats, j); ok {
		return fmt.Sprintf("column %s's binary digit %d", c.Column, m-datasets.ModelColumn(cats, j)+1)
	}
	return "column " + names[m]
}
