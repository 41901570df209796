package workflow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"scorenet/datasets"
	"scorenet/internal/gemm"
	"scorenet/internal/mlp"
	"scorenet/points"
	"scorenet/sampler"
)

// Imputed are rows completed by a model: for each row of the input, the
// given entries exactly as given and the missing ones drawn from the
// model's conditional given the rest.
type Imputed struct {
	// Estimate is each row with its missing entries set to the mean of
	// their draws (put back onto a discrete column's values; a category's
	// most frequent level), in data units.
	Estimate points.Points
	// Draws are every row's completions, Draws consecutive rows per input
	// row (a row with nothing missing is repeated as given).
	Draws points.Points
	// Spread is each entry's standard deviation over its draws (0 where
	// given).
	Spread points.Points
	// Rows is how many rows had missing entries, Missing how many entries.
	Rows, Missing int
	Seconds       float64
	// Clamped is how many drawn pixel values of an image job were outside
	// [0, 1] and put on its nearer end.
	Clamped int
}

// Impute completes the rows of given (data units, NaN where missing) by
// drawing each row's missing entries draws times from the model's
// conditional given its other entries, by the job's sampler with the
// given coordinates held (sampler.Known). A row with every entry missing
// is an error naming it (row numbers count from 1, as a file's rows do).
// Row r's draw k is chain r*draws+k of the job's seed, so a row's draws
// do not depend on the other rows.
func Impute(j Job, given points.Points, draws int) (*Imputed, error) {
	if given.D != j.Dim {
		return nil, fmt.Errorf("workflow: the rows have %d columns, the model's dimension is %d", given.D, j.Dim)
	}
	if draws < 1 {
		return nil, fmt.Errorf("workflow: %d draws per row, want at least 1", draws)
	}
	if err := j.CheckRows(given); err != nil {
		return nil, err
	}
	rows, missing := RowsWithHoles(given)
	out := &Imputed{Estimate: points.New(given.N, given.D), Draws: points.New(given.N*draws, given.D), Spread: points.New(given.N, given.D), Rows: len(rows), Missing: missing}
	copy(out.Estimate.X, given.X)
	for r := range given.N {
		for k := range draws {
			copy(out.Draws.Row(r*draws+k), given.Row(r))
		}
	}
	if len(rows) == 0 {
		return out, nil
	}
	chains, err := j.imputeChains(given, rows, draws)
	if err != nil {
		return nil, err
	}
	set := j.Settings()
	set.Bound = sampler.SaneBound(j.MaxAbs, j.Sigmas, j.startReach(), chains.X)
	began := time.Now()
	if _, err := sampler.Draw(set, chains); err != nil {
		return nil, err
	}
	out.Seconds = time.Since(began).Seconds()
	drawn := DataUnits(j.Norm, j.Discrete, j.Ends, j.Whole, j.Places, chains.X)
	if j.Pixels {
		before := append([]float64(nil), drawn.X...)
		clampPixels(drawn.X)
		for i, v := range before { // count the drawn pixels, not the given ones
			if !chains.Known.Mask[i] && v != drawn.X[i] {
				out.Clamped++
			}
		}
	}
	if err := drawn.CheckFinite(); err != nil {
		return nil, fmt.Errorf("workflow: the completions in data units: %w: nothing was written", err)
	}
	for i, r := range rows {
		out.complete(given.Row(r), drawn, i*draws, r, draws, j.Categories)
	}
	putBack(out.Estimate, j.Discrete, j.Ends, j.Whole, j.Places)
	restoreGiven(out.Estimate, given)
	return out, nil
}

// RowError is Impute's error about one row (from 0) of its input, and a
// column (from 0; -1 for the whole row), for the caller to name by the
// file's own line or index.
type RowError struct {
	Row, Col int
	Msg      string
}

func (e *RowError) Error() string {
	if e.Col < 0 {
		return fmt.Sprintf("workflow: row %d: %s", e.Row, e.Msg)
	}
	return fmt.Sprintf("workflow: row %d, column %d: %s", e.Row, e.Col+1, e.Msg)
}

// RowsWithHoles are the rows of given with missing (NaN) entries, and how
// many entries are missing in all.
func RowsWithHoles(given points.Points) (rows []int, missing int) {
	for r := range given.N {
		n := 0
		for _, v := range given.Row(r) {
			if math.IsNaN(v) {
				n++
			}
		}
		if n > 0 {
			rows = append(rows, r)
			missing += n
		}
	}
	return rows, missing
}

// CheckRows refuses, before any work, rows Impute cannot complete: a row
// with every entry missing, or a row with holes and a given entry beyond
// the model's reach (checkGiven).
func (j Job) CheckRows(given points.Points) error {
	for r := range given.N {
		all := true
		for _, v := range given.Row(r) {
			all = all && math.IsNaN(v)
		}
		// A row that gives its class alone is completed as that class's
		// samples are drawn.
		if all && !(r < len(j.RowClasses) && j.RowClasses[r] >= 0) {
			return &RowError{Row: r, Col: -1, Msg: "every entry is missing; there is nothing to complete it from (leave the row out, or sample the model)"}
		}
	}
	return j.checkGiven(given)
}

// checkGiven refuses, in the rows with holes, a given entry beyond the
// reach of the model's training: the data's largest |x| plus three of its
// largest noise levels in model units, or twice that largest |x| if more
// (a model without levels has a margin too: new rows of the data come a
// little past the training rows). The chains of such a row would leave
// the sane region and stop every row's sampling; a value there is most
// often a typo or a unit. A row with nothing missing has no chains, and
// goes through as given. Image pixels must be in [0, 1].
func (j Job) checkGiven(given points.Points) error {
	top := 0.0
	if len(j.Sigmas) > 0 {
		top = j.Sigmas[0]
	}
	reach := max(j.MaxAbs+3*top, 2*j.MaxAbs)
	inModel := j.Norm.Apply(given)
	for r := range given.N {
		row, z := given.Row(r), inModel.Row(r)
		if !slices.ContainsFunc(row, math.IsNaN) {
			continue
		}
		for c, v := range row {
			switch {
			case math.IsNaN(v):
			case j.Pixels && (v < 0 || v > 1):
				return &RowError{Row: r, Col: c, Msg: fmt.Sprintf("%v is not a pixel value: image runs take pixels in [0, 1]", v)}
			case outsideQuantiles(j.Norm, c, v):
				k := j.Norm.Quantiles[c]
				return &RowError{Row: r, Col: c, Msg: fmt.Sprintf("%v is far outside %v to %v, the training range of a column mapped through its quantiles (data.quantile), which holds a value past its ends at the end: it cannot say what goes with it", v, k.X[0], k.X[len(k.X)-1])}
			case reach > 0 && !(math.Abs(z[c]) <= reach):
				return &RowError{Row: r, Col: c, Msg: fmt.Sprintf("%v is beyond the reach of the model's training (%.3g from the data's centre in model units, where the data's largest |x| is %.3g and its largest noise level %.3g): it cannot say what goes with it",
					v, reach, j.MaxAbs, top)}
			}
		}
	}
	return nil
}

// complete writes input row r's draws (rows first.. of drawn), the mean
// and the spread of its missing entries.
func (o *Imputed) complete(row []float64, drawn points.Points, first, r, draws int, cats []datasets.Category) {
	for j, v := range row {
		if !math.IsNaN(v) {
			continue // given: as given, spread 0
		}
		mean := 0.0
		for k := range draws {
			x := drawn.Row(first + k)[j]
			o.Draws.Row(r*draws + k)[j] = x
			mean += x
		}
		mean /= float64(draws)
		ss := 0.0
		for k := range draws {
			d := drawn.Row(first + k)[j] - mean
			ss += d * d
		}
		o.Estimate.Row(r)[j] = mean
		if draws > 1 {
			o.Spread.Row(r)[j] = math.Sqrt(ss / float64(draws-1))
		}
	}
	// A category's estimate is its draws' most frequent level (the mean of
	// places among names is no name), in its model columns: its place, or
	// that level's binary digits.
	for _, c := range cats {
		m, width := datasets.ModelColumn(cats, c.Index), c.Width()
		if !math.IsNaN(row[m]) {
			continue
		}
		level := func(k int) float64 { return drawn.Row(first + k)[m] }
		if c.Bits {
			level = func(k int) float64 {
				return datasets.LevelOfDigits(drawn.Row(first + k)[m:m+width], len(c.Levels))
			}
		}
		best := mostFrequent(draws, level)
		if !c.Bits {
			o.Estimate.Row(r)[m] = best
			continue
		}
		for b := range width {
			o.Estimate.Row(r)[m+b] = float64(int(best) >> b & 1)
		}
	}
}

// mostFrequent is the most frequent of level(0), ..., level(draws-1), the
// smallest of those as frequent.
func mostFrequent(draws int, level func(k int) float64) float64 {
	count := map[float64]int{}
	best, most := math.Inf(1), 0
	for k := range draws {
		v := level(k)
		count[v]++
		if c := count[v]; c > most || c == most && v < best {
			best, most = v, c
		}
	}
	return best
}

// restoreGiven puts the given entries back exactly as given (snapping a
// discrete column's estimate may have moved nothing given, but an image's
// clamp or a standardisation's round trip would).
func restoreGiven(p, given points.Points) {
	for i, v := range given.X {
		if !math.IsNaN(v) {
			p.X[i] = v
		}
	}
}

// imputeChains are draws chains for each of rows, started as the job's
// sampler starts its chains, with each row's given entries held.
func (j Job) imputeChains(given points.Points, rows []int, draws int) (sampler.Chains, error) {
	s := j.Sample
	streams := make([]*rand.Rand, 0, len(rows)*draws)
	for _, r := range rows {
		streams = append(streams, sampler.Streams(s.Seed, r*draws, draws)...)
	}
	init := sampler.Init{Kind: s.Init.Kind, Low: s.Init.Low, High: s.Init.High, Std: s.Init.Std}
	start, err := sampler.Start(s.Sampler, init, j.Sigmas, j.Prior, j.Dim, streams)
	if err != nil {
		return sampler.Chains{}, err
	}
	inModel := j.Norm.Apply(given)
	mask := make([]bool, len(start.X))
	for i, r := range rows {
		for k := range draws {
			c := i*draws + k
			for col, v := range inModel.Row(r) {
				if !math.IsNaN(v) {
					start.X[c*j.Dim+col], mask[c*j.Dim+col] = v, true
				}
			}
		}
	}
	scores := j.Scores
	var selects []func([]int)
	if j.RowClasses != nil {
		if len(j.RowClasses) != given.N {
			return sampler.Chains{}, fmt.Errorf("workflow: %d classes for %d rows", len(j.RowClasses), given.N)
		}
		// The class's conditional, without guidance's push past it.
		labelled := j
		labelled.First, labelled.Labels, labelled.Sample.Guidance = 0, make([]int32, len(rows)*draws), 0
		for i, r := range rows {
			y := j.RowClasses[r]
			if y < 0 {
				y = mlp.Null(j.Classes)
			}
			for k := range draws {
				labelled.Labels[i*draws+k] = y
			}
		}
		if scores, err = labelled.labelledScores(len(labelled.Labels), &selects); err != nil {
			return sampler.Chains{}, err
		}
	}
	chains, err := sampler.NewChains(start, streams, gemm.Threads(), scores)
	if err != nil {
		return sampler.Chains{}, err
	}
	chains.Rows = selects
	chains.Known = sampler.NewKnown(mask, start.X)
	return chains, nil
}

// outsideQuantiles reports whether v lies beyond the observed range of
// column c's quantile map by more than the range's width. The map holds a
// value past its ends at the end: a new row a little past them (wine's
// held-out rows) is conditioned on as the column's extreme, but a typo or
// a unit (1e6 for a column of amounts up to 40) would be too, silently.
func outsideQuantiles(norm datasets.Normalizer, c int, v float64) bool {
	k, ok := norm.Quantiles[c]
	if !ok {
		return false
	}
	lo, hi := k.X[0], k.X[len(k.X)-1]
	return v < lo-(hi-lo) || v > hi+(hi-lo)
}
