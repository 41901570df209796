package workflow

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"scorenet/checkpoints"
	"scorenet/configs"
	"scorenet/datasets"
	"scorenet/internal/memlimit"
	"scorenet/points"
	"scorenet/rundir"
	"scorenet/sampler"
)

// Verdict says how samples compare with the data they should look like,
// in the terms a user can act on: values outside the data's range, each
// column's mean and spread, and how near samples come to the training
// points against how near new rows come (held-out rows, and training rows
// to their nearest other), which catches both diffuse samples and copies
// of the training data.
type Verdict struct {
	Samples      int     `json:"samples"`
	OutsideRange float64 `json:"outside_range"` // share of sample values outside their column's training range
	// NewRowsOutside is the share of values outside that range that new
	// rows of the data would give: for n training rows, 2/(n + 1) in a
	// continuous column (a new draw is the largest or smallest of n + 1
	// with that chance), and in any column 1/(n + 1) for each end that one
	// row alone holds (loneEnds: a leave-one-out count; an end many rows
	// share is not passed). The verdict warns beyond maxOutside more than
	// it: 16 rows put 12% of new values outside.
	NewRowsOutside float64 `json:"new_rows_outside"`
	WorstColumn    int     `json:"worst_range_column"`   // 1-based: the column with the most values outside
	WorstOutside   float64 `json:"worst_column_outside"` // that column's share
	SpreadLow      float64 `json:"spread_ratio_min"`     // over columns, sample std / training std
	SpreadHigh     float64 `json:"spread_ratio_max"`
	MeanShift      float64 `json:"mean_shift_max"` // over columns, |sample mean - training mean| / training std
	// SpreadColumn and MeanColumn (from 1) are the columns whose spread
	// and mean are furthest off, among those beyond the thresholds and
	// the samples' noise; 0 where none is, and on images.
	SpreadColumn int     `json:"spread_off_column,omitempty"`
	SpreadRatio  float64 `json:"spread_off_ratio,omitempty"` // that column's sample std / training std
	MeanColumn   int     `json:"mean_off_column,omitempty"`
	MeanOff      float64 `json:"mean_off_shift,omitempty"` // that column's shift, in its training std
	// Constant says no column of the data varies (a class of identical
	// points): there is no spread or mean shift to measure, and the fields
	// above hold 0.
	Constant bool `json:"data_constant,omitempty"`
	// Single says there is one sample, and so no spread to compare.
	Single bool `json:"single_sample,omitempty"`
	// Pixels says the columns are an image's pixels (Columns.Pixels):
	// SpreadLow and SpreadHigh are then both the samples' total variance
	// over the data's, square-rooted, and MeanShift is in the pixels'
	// pooled standard deviation.
	Pixels bool `json:"pixels,omitempty"`
	// NearestRatio is the median distance from a sample to its nearest
	// training point over that of a new row (standardised columns, up to
	// verdictPoints of each): a new row's distance is measured by the
	// held-out rows pooled with training rows' each to its nearest other,
	// which for n rows is a new row's to n - 1 of them, and by the latter
	// alone without held-out rows (a run refitted on every row); 0 where
	// there are too few rows or samples.
	NearestRatio float64 `json:"nearest_training_ratio,omitempty"`
	// NearestAgainst names NearestRatio's baseline: "held-out rows" (with
	// the training rows pooled in), or "training rows" (each to its
	// nearest other) with none held out or "training rows (too few held
	// out)"; "" where nearness is not measured.
	NearestAgainst string `json:"nearest_baseline,omitempty"`
	// NearestError is NearestRatio's standard error in its logarithm,
	// from the two medians' own, at most maxNearError: the verdict calls
	// samples diffuse or copies only beyond nearWidth of it too. On a
	// table of a few dozen rows the baseline's median is of a few dozen
	// distances.
	NearestError float64 `json:"nearest_ratio_error,omitempty"`
	// Design are the columns (from 1) that give the training rows a cell
	// each, a design's or a series' (designColumns), where nearness is
	// not judged: no held-out row measures a new row's distance there.
	Design []int `json:"design_columns,omitempty"`
	// DesignByClass says the rows' class is among the design's columns
	// (Columns.RowClasses).
	DesignByClass bool `json:"design_by_class,omitempty"`
	// Levels is the verdict on the discrete columns' shares of their
	// values (Columns.Levels); nil where no column is judged.
	Levels   *LevelShares `json:"level_shares,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
	// meanOff and spreadOff say a column's mean or spread is off by more
	// than the thresholds and more than the samples' own noise allows.
	meanOff, spreadOff bool
	// names are the value columns' header names, where the run has them,
	// for the warnings to name a column by.
	names []string
	// standardized and preconditioned say the run already trains with
	// data.standardize and model.sigma_data, which the warnings then do
	// not advise.
	standardized, preconditioned bool
	// autoSteps says the run trained until its held-out loss stopped
	// improving (train.steps: auto, or a refit whose first training
	// chose the length so): training longer is then a larger patience,
	// where a number of steps would turn that stop off. capped says it
	// ran to train.steps auto's cap instead, which only a number of
	// steps (cap) raises.
	autoSteps bool
	capped    int
	// allDiscrete says every column is discrete: samples are put onto the
	// values the rows hold, where a level's noise kept does not reach.
	allDiscrete bool
	// fromBest says the samples came from the run's best checkpoint by
	// held-out loss (at bestStep), an earlier one than its newest (at the
	// path newest): diffuse samples may be its, the newest is the first
	// thing to try, and training longer does not move the best.
	fromBest bool
	bestStep int
	newest   string
}

// givenSettings marks v with the settings of run that its warnings would
// otherwise advise.
func (v *Verdict) givenSettings(run *Run) {
	v.standardized, v.preconditioned = run.Config.Data.Standardize, run.Config.Model.SigmaData > 0 || run.Config.Model.SigmaDataAuto
	v.names = run.Config.Data.Columns
	t := run.Config.Train
	v.newest = newerThanBest(run)
	v.fromBest, v.bestStep = v.newest != "", run.Step
	v.autoSteps = t.StepsAuto || t.Refitted != nil
	if t.StepsAuto && t.Steps > 0 && run.Step >= t.Steps {
		v.capped = t.Steps
	}
}

// newerThanBest is the path of run's newest checkpoint where run was
// opened at its best checkpoint by held-out loss (by name, however the
// path was given) and holds a newer one; "" otherwise.
func newerThanBest(run *Run) string {
	if run.Dir == "" || filepath.Base(run.Checkpoint) != filepath.Base(rundir.BestPath(run.Dir)) {
		return ""
	}
	dir := rundir.CheckpointDir(run.Dir)
	paths, err := checkpoints.List(dir)
	if err != nil || len(paths) == 0 || paths[len(paths)-1] == checkpoints.Path(dir, run.Step) {
		return ""
	}
	return paths[len(paths)-1]
}

// TrainLonger is the advice to train longer, by the setting that does so
// on this run: a number for train.steps made a run of train.steps: auto
// train every one of them past its best, without the stop that chose its
// length (a user told to train longer on a 34-column table gave it 40000
// steps, and its samples came out diffuse).
//
// Samples from the run's best checkpoint, an earlier one than its newest,
// are told to sample the newest first: training longer does not move the
// best (Vega's political contributions, told to train longer, sampled
// the same best at step 500 after 3000 steps and after 10000).
func (v Verdict) TrainLonger() string {
	longer := "train longer (train.steps)"
	switch {
	case v.capped > 0:
		longer = fmt.Sprintf("train longer (-set train.steps=%d: the run reached train.steps auto's cap of %d)", 2*v.capped, v.capped)
	case v.autoSteps:
		longer = "train longer (a larger train.patience; a number for train.steps would turn off the stop at the held-out loss's best)"
	}
	if v.fromBest {
		return fmt.Sprintf("sample from the run's newest checkpoint (-checkpoint %s: these came from its best by held-out loss, step %d, which training longer does not move), or %s and sample the newest", v.newest, v.bestStep, longer)
	}
	return longer
}

// LevelShares compares the discrete columns of at most maxJudgedLevels
// values with the data, each by the total variation distance between the
// shares of its values among the samples and among the training rows.
// The column named is the one furthest beyond its threshold where any is
// (Off), else the one furthest off.
type LevelShares struct {
	Gap    float64 `json:"gap"`              // its distance
	Column int     `json:"column"`           // 1-based
	Value  float64 `json:"value"`            // the value the samples hold most too often (a place among names)
	Name   string  `json:"name,omitempty"`   // that value's name, in a column of names
	Sample float64 `json:"sample_share"`     // its share among the samples
	Data   float64 `json:"data_share"`       // and among the training rows
	Off    bool    `json:"off"`              // beyond maxLevelGap and the samples' noise
	Widen  bool    `json:"widens,omitempty"` // data.discrete_gap would widen the column
	Valley bool    `json:"valley,omitempty"` // a valley in its shares, which a run from before data.quantile_valleys left unmapped
	Worst  float64 `json:"worst_gap"`        // the largest distance over the columns
}

// The verdict's thresholds: beyond them it warns, naming the fix. A few
// samples' means and spreads are noisy: a mean or spread also has to be
// off by more than noiseWidth standard errors of n samples (the largest
// of D columns' errors reaches about sqrt(2 ln 2D) of them, plus one for
// margin) before it is called off. 64 good samples of a 30-column table
// had a column's mean 0.36 of its sd off and were told to train longer;
// from 1000 samples on, the thresholds below hold as they are.
const (
	maxOutside      = 0.05
	minSpread       = 0.8
	maxSpread       = 1.25
	maxMeanShift    = 0.25
	maxNearestRatio = 1.5 // farther: diffuse samples
	minNearestRatio = 0.8 // nearer: copies of the training points
	verdictPoints   = 200 // samples and held-out rows measured for nearness
	minNearRows     = 10  // fewer training rows, with too few held out, make no baseline
	verdictTraining = 5000
	MinHeldOut      = 20  // fewer held-out rows make no baseline
	nearWidth       = 2.5 // standard errors of the nearness ratio beyond which it is off
	// maxNearError caps the nearness ratio's error: where half the
	// samples copy training rows and half do not, the distances either
	// side of the median are 1e-4 and 0.3, and the error read across them
	// (77 in its logarithm) would excuse any ratio. One column of 45 rows
	// has a true error of 0.35.
	maxNearError = 0.5
	// medianWindow is how many standard errors of rank either side of a
	// median its error is read across: three, not one, steadies it on a
	// few dozen distances (new draws of 45 rows in 3 columns: their
	// ratio's sd 0.123 in its logarithm, estimated 0.122 ± 0.027 by three,
	// 0.125 ± 0.040 by one).
	medianWindow = 3
	// A discrete column of at most maxJudgedLevels values (a flag, a
	// code, a short scale, a month, a small count) has its values' shares
	// compared, and warned of beyond maxLevelGap (total variation) and
	// beyond the noise of the samples' and the training rows' shares: a
	// birth-weight table's race code drew its rarest value 39% of the
	// time against 13% of the rows while every mean and spread looked
	// good, and an ozone table's month (12 values) drew the summer months
	// too often, 0.19 off where a copy of the rows is 0.04 off, unjudged
	// when the bound was 10. A column of more values is a count or a
	// measurement, whose shares are too many to judge from a thousand
	// samples. Beyond maxFewLevels values a value's few training rows
	// make its share noisy too (see LevelShares). A run that left a
	// code's valley unmapped is told a new one maps it: one of at most
	// data.valley_levels' default.
	maxJudgedLevels = 32
	maxFewLevels    = 10
	maxValleyLevels = configs.DefaultValleyLevels
	maxLevelGap     = 0.1
)

// JudgeRun is Judge of samples against the run's data, brought back to
// data units: copies of them, checked against the memory budget first. Its
// warnings name the setting that gives sampler kind more steps.
func JudgeRun(run *Run, data *Data, samples points.Points, kind string) (Verdict, error) {
	rows := float64(data.Train.N + data.Valid.N)
	if err := memlimit.Check(8*rows*float64(data.Train.D), fmt.Sprintf("workflow: the verdict's copy of the %.0f rows of data in data units", rows)); err != nil {
		return Verdict{}, err
	}
	cols := columnsWithClasses(run, data)
	v := Judge(SampleRows(run.Config, samples), ValueRows(run.Config, run.DataUnits(data.Train)), ValueRows(run.Config, run.DataUnits(data.Valid)), cols)
	v.givenSettings(run)
	v.Warnings = append(v.warnings(kind), data.Warnings...)
	return v, nil
}

// columnsWithClasses is ColumnsOf(run) with the rows' classes, training
// then held-out, where the data have them.
func columnsWithClasses(run *Run, data *Data) Columns {
	cols := ColumnsOf(run)
	if data.TrainLabels != nil && (data.Valid.N == 0 || data.ValidLabels != nil) {
		cols.RowClasses = append(slices.Clone(data.TrainLabels), data.ValidLabels...)
	}
	return cols
}

// MoreSteps is the setting that gives sampler kind more steps, for the
// verdict's advice.
func MoreSteps(kind string) string {
	switch kind {
	case sampler.KindLangevin, sampler.KindHeun, sampler.KindDPMPP2M:
		return "sample.steps"
	case sampler.KindPC:
		return "sample.levels"
	case sampler.KindODE:
		return "lower sample.rtol and sample.atol"
	}
	return "sample.steps_per_level"
}

// Columns says what the data's columns are, for the verdict's units.
type Columns struct {
	// Cell > 0 says the data were dequantised into cells of that width
	// (8-bit pixels: 1/256, each value v/256 plus a uniform jitter): a
	// column's observed range is then the cells its values fell in, whose
	// ends the jittered values themselves never reach.
	Cell float64
	// Levels are the discrete columns' values in data units (Discrete),
	// which samples and rows are put onto: each column's shares of them
	// are judged, except for pixels.
	Levels map[int][]float64
	// Names are the levels of the columns of names among them, by place.
	Names map[int][]string
	// Standardized says the data are standardised, where data.discrete_gap
	// widens a column of minGapValues to maxGapValues numbers.
	Standardized bool
	// ValleysUnmapped says the run predates data.quantile_valleys: a
	// discrete column with a valley in its shares was trained unmapped,
	// and a miss there names the key.
	ValleysUnmapped bool
	// RowClasses are the classes of the training rows then of the
	// held-out rows, for a class-conditional run's data (nil otherwise):
	// a class is a column of the rows that the model takes apart, and a
	// design's cells count it (designColumns).
	RowClasses []int32
	// Pixels says the columns are an image's pixels, all in one unit.
	// Spread and means are then judged over the image: a pixel at the
	// edge that a few hundredths of the images ink has a spread set by
	// those few, which 2000 samples draw too few of to measure (on
	// Fashion-MNIST's best samples the per-pixel ratios ran from 0.09 to
	// 1.77, the total 0.97), and a mean shift of its own tiny sd that no
	// eye sees.
	Pixels bool
}

// ColumnsOf is what the columns of a run's data are: an image's pixels
// for image data, and for a table the unet was trained on (model.shape),
// whose columns are pixels too.
func ColumnsOf(run *Run) Columns {
	names := map[int][]string{}
	for _, c := range run.Config.Data.Categories {
		names[c.Index] = c.Levels
	}
	d := run.Config.Data
	return Columns{Cell: DequantCell(run), Pixels: run.Image.Size() > 0 || run.Config.Model.Type == "unet",
		Levels: valueLevels(run.Config, run.Discrete, run.Model.Dim()), Names: names, Standardized: d.Standardize,
		ValleysUnmapped: d.FromFile() && d.Quantile == "auto" && !d.Valleys()}
}

// valueLevels are the run's discrete columns by their place among the
// values as a file holds them (ValueRows), where the verdict judges them:
// a category learnt in binary digits is one column of its levels' places
// there, judged and named as the user's file has it, not as its digits.
func valueLevels(cfg *configs.Config, discrete Discrete, dim int) Discrete {
	cats := Categories(cfg.Data.Categories)
	if !datasets.HasBits(cats) {
		return discrete
	}
	out := Discrete{}
	for j := range datasets.ValueColumns(cats, dim) {
		if c, ok := datasets.BitsAt(cats, j); ok {
			places := make([]float64, len(c.Levels))
			for k := range places {
				places[k] = float64(k)
			}
			out[j] = places
		} else if values, ok := discrete[datasets.ModelColumn(cats, j)]; ok {
			out[j] = values
		}
	}
	return out
}

// Judge compares samples with the training and held-out data, all in data
// units, whose columns are as cols says.
func Judge(samples, train, heldout points.Points, cols Columns) Verdict {
	cell := cols.Cell
	v := Verdict{Samples: samples.N, SpreadLow: math.Inf(1), Pixels: cols.Pixels}
	d := train.D
	v.allDiscrete = !cols.Pixels && d > 0 && len(cols.Levels) >= d
	mean, std := train.Mean(), make([]float64, d)
	lo, hi := slices.Clone(train.Row(0)), slices.Clone(train.Row(0))
	for i := range train.N {
		for j, x := range train.Row(i) {
			std[j] += (x - mean[j]) * (x - mean[j])
			lo[j], hi[j] = min(lo[j], x), max(hi[j], x)
		}
	}
	if cell > 0 {
		for j := range d {
			lo[j], hi[j] = math.Floor(lo[j]/cell)*cell, (math.Floor(hi[j]/cell)+1)*cell
		}
	}
	outside := make([]int, d)
	total := 0
	for i := range samples.N {
		for j, x := range samples.Row(i) {
			if x < lo[j] || x > hi[j] {
				outside[j]++
				total++
			}
		}
	}
	sm := samples.Mean()
	vary, lone := 0, 0
	for j := range d {
		std[j] = math.Sqrt(std[j] / float64(train.N))
		if varies(std[j], cell) {
			vary++
			lone += loneEnds(train, j)
		}
	}
	v.NewRowsOutside = float64(lone) / float64(d) / float64(train.N+1)
	var kurt []float64
	if !cols.Pixels { // pixels' spread is judged over the image
		kurt = kurtosis(train, mean, std)
	}
	// How far a mean strays by chance, in its column's sd.
	width := noiseWidth(vary)
	widths := width / math.Sqrt(float64(max(samples.N, 1)))
	var varData, varSamples float64 // over the columns that vary
	for j := range d {
		var s float64
		for i := range samples.N {
			s += (samples.X[i*d+j] - sm[j]) * (samples.X[i*d+j] - sm[j])
		}
		s = math.Sqrt(s / float64(samples.N))
		if varies(std[j], cell) {
			varData, varSamples = varData+std[j]*std[j], varSamples+s*s
		}
		if varies(std[j], cell) && !cols.Pixels { // pixels are judged over the image, below
			ratio := s / std[j]
			if samples.N < 2 { // no spread to compare; the mean still is
				ratio, v.Single = 1, true
			}
			v.SpreadLow, v.SpreadHigh = min(v.SpreadLow, ratio), max(v.SpreadHigh, ratio)
			shift := math.Abs(sm[j]-mean[j]) / std[j]
			v.MeanShift = max(v.MeanShift, shift)
			if shift > max(maxMeanShift, widths) {
				v.meanOff = true
				if shift > v.MeanOff {
					v.MeanColumn, v.MeanOff = j+1, shift
				}
			}
			spread := width * spreadError(kurt[j], samples.N)
			if ratio < min(minSpread, 1-spread) || ratio > max(maxSpread, 1+spread) {
				v.spreadOff = true
				if v.SpreadColumn == 0 || math.Abs(math.Log(ratio)) > math.Abs(math.Log(v.SpreadRatio)) {
					v.SpreadColumn, v.SpreadRatio = j+1, ratio
				}
			}
		}
		if share := float64(outside[j]) / float64(samples.N); share > v.WorstOutside || v.WorstColumn == 0 {
			v.WorstColumn, v.WorstOutside = j+1, share
		}
	}
	if cols.Pixels && varData > 0 {
		v.SpreadLow = math.Sqrt(varSamples / varData)
		if samples.N < 2 {
			v.SpreadLow, v.Single = 1, true
		}
		v.SpreadHigh = v.SpreadLow
		v.spreadOff = v.SpreadLow < minSpread || v.SpreadHigh > maxSpread // over the image: little noise
		pooled := math.Sqrt(varData / float64(d))
		for j := range d {
			shift := math.Abs(sm[j]-mean[j]) / pooled
			v.MeanShift = max(v.MeanShift, shift)
			v.meanOff = v.meanOff || shift > max(maxMeanShift, widths*std[j]/pooled)
		}
	}
	if math.IsInf(v.SpreadLow, 1) { // no column varies: no ratio to report
		v.SpreadLow, v.Constant = 0, true
	}
	if !cols.Pixels {
		v.Levels = judgeLevels(samples, train, cols)
	}
	v.OutsideRange = float64(total) / float64(samples.N*d)
	design, byClass := []int(nil), false
	if !cols.Pixels {
		design, byClass = designColumns(train, heldout, cols.RowClasses, cols.Levels, func(j int) bool { return varies(std[j], cell) })
	}
	if design != nil {
		v.Design, v.DesignByClass = oneBased(design), byClass
	} else {
		v.NearestRatio, v.NearestAgainst, v.NearestError = nearest(samples, train, heldout, mean, std, cell, verdictPoints)
	}
	v.Warnings = v.warnings(sampler.KindAnnealed)
	return v
}

// judgeLevels is the verdict on the discrete columns' shares of their
// values among the samples and the training rows, nil where no column of
// at most maxJudgedLevels values is judged.
func judgeLevels(samples, train points.Points, cols Columns) *LevelShares {
	var judged []int
	for j, values := range cols.Levels {
		if len(values) >= 2 && len(values) <= maxJudgedLevels && j < train.D {
			judged = append(judged, j)
		}
	}
	if len(judged) == 0 {
		return nil
	}
	slices.Sort(judged) // the first of equal gaps named, whatever the map's order
	var out *LevelShares
	beyond := math.Inf(-1) // the named column's distance over its threshold
	worst := 0.0
	for _, j := range judged {
		values := cols.Levels[j]
		got, want := sharesOf(samples, j, values), sharesOf(train, j, values)
		gap, most := 0.0, 0
		for k := range values {
			gap += math.Abs(got[k]-want[k]) / 2
			if got[k]-want[k] > got[most]-want[most] {
				most = k
			}
		}
		// About twice the distance n samples of the data itself would be
		// off by, at its largest (k values of equal shares); beyond
		// maxFewLevels values, a value's few training rows make its
		// share noisy too, which a model that smooths over its neighbours
		// does not copy: that noise is added.
		rows := 1 / float64(max(samples.N, 1))
		if len(values) > maxFewLevels {
			rows += 1 / float64(max(train.N, 1))
		}
		noise := math.Sqrt(2 * float64(len(values)) * rows / math.Pi)
		over := gap - max(maxLevelGap, noise)
		if out == nil || over > beyond {
			_, named := cols.Names[j]
			out = &LevelShares{Gap: gap, Column: j + 1, Value: values[most], Sample: got[most], Data: want[most], Off: over > 0,
				Widen: cols.Standardized && widenable(len(values), named), Valley: cols.ValleysUnmapped && len(values) >= 3 && len(values) <= maxValleyLevels && hasValley(want)}
			if names := cols.Names[j]; int(values[most]) >= 0 && int(values[most]) < len(names) {
				out.Name = names[int(values[most])]
			}
			beyond = over
		}
		worst = max(worst, gap)
	}
	out.Worst = worst
	return out
}

// sharesOf are the shares of the rows of p whose column j holds each of
// values.
func sharesOf(p points.Points, j int, values []float64) []float64 {
	counts := make([]float64, len(values))
	for i := range p.N {
		if k, ok := slices.BinarySearch(values, p.X[i*p.D+j]); ok {
			counts[k]++
		}
	}
	for k := range counts {
		counts[k] /= float64(max(p.N, 1))
	}
	return counts
}

// NearestRatio is the verdict's nearness of samples to the training rows
// (Verdict.NearestRatio), its baseline ("" and 0 where there are too few
// rows for one) and its standard error in its logarithm
// (Verdict.NearestError), all three sets in the same units.
func NearestRatio(samples, train, heldout points.Points, cell float64) (ratio float64, against string, logErr float64) {
	mean, std := columnMoments(train)
	return nearest(samples, train, heldout, mean, std, cell, verdictPoints)
}

// nearestOver is NearestRatio measured over count samples (the verdict's
// 200 where count is smaller).
func nearestOver(samples, train, heldout points.Points, cell float64, count int) (ratio float64, against string, logErr float64) {
	mean, std := columnMoments(train)
	return nearest(samples, train, heldout, mean, std, cell, max(count, verdictPoints))
}

// columnMoments are p's columns' means and standard deviations.
func columnMoments(p points.Points) (mean, std []float64) {
	mean, std = p.Mean(), make([]float64, p.D)
	for i := range p.N {
		for j, x := range p.Row(i) {
			std[j] += (x - mean[j]) * (x - mean[j])
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(p.N))
	}
	return mean, std
}

// nearest is NearestRatio with the training columns' means and standard
// deviations, and the ratio's standard error in its logarithm.
func nearest(samples, train, heldout points.Points, mean, std []float64, cell float64, count int) (ratio float64, against string, logErr float64) {
	if heldout.N < MinHeldOut && train.N < minNearRows || samples.N < MinHeldOut {
		return 0, "", 0
	}
	d := train.D
	scaled := func(p points.Points, n int) points.Points {
		out := points.New(min(n, p.N), d)
		for i := range out.N {
			for j, x := range p.Row(i) {
				out.X[i*d+j] = x - mean[j]
				if varies(std[j], cell) { // a constant column keeps its units
					out.X[i*d+j] /= std[j]
				}
			}
		}
		return out
	}
	ref := scaled(train, verdictTraining)
	// Each training row's distance to its nearest other is a new row's
	// to n - 1 training rows, so held-out rows' distances and these pool
	// into one baseline: 50 held-out rows alone leave its median a tenth
	// to a fifth off by chance, which decided when train.nearness stopped
	// (fgl: samples 1.06 times as far as its run's 50 held-out rows, 0.79
	// times a training row's from the others).
	others := nearestOther(ref, verdictPoints)
	against = againstTraining
	switch {
	case heldout.N >= MinHeldOut:
		held := nearestDistances(scaled(heldout, verdictPoints), ref)
		if m, _ := medianOf(held); m == 0 { // see below
			return 0, "", 0
		}
		others = append(held, others...)
		against = AgainstHeldOut
	case heldout.N > 0:
		against = againstFewHeld
	}
	base, baseErr := medianOf(others)
	near, nearErr := medianOf(nearestDistances(scaled(samples, count), ref))
	ratio = near / base
	// Half the held-out rows, or of the baseline's, with a twin among the
	// training rows (a table of repeated rows) leave no distance to
	// compare with.
	if !(base > 0) || math.IsInf(ratio, 0) || math.IsNaN(ratio) {
		return 0, "", 0
	}
	logErr = baseErr / base
	if near > 0 { // samples copying the rows measure 0, an error of none
		logErr = math.Hypot(logErr, nearErr/near)
	}
	return ratio, against, min(logErr, maxNearError)
}

// varies reports a column whose spread is more than its values' jitter
// within their dequantisation cells (std cell/sqrt(12)): a pixel that
// is the background in every image of a class is constant, and its tiny
// spread would make every ratio to it meaningless.
func varies(std, cell float64) bool { return std > cell/2 }

// NearestAgainst's baselines: held-out rows, or, where there are too few,
// each training row's distance to its nearest other (with none held out,
// a refitted run's).
const (
	AgainstHeldOut  = "held-out rows"
	againstTraining = "training rows"
	againstFewHeld  = "training rows (too few held out)"
)

// baseline is the verdict's words for a row of its nearness baseline.
func (v Verdict) baseline() string {
	switch v.NearestAgainst {
	case againstTraining:
		return "a training row's from the others (no rows held out)"
	case againstFewHeld:
		return fmt.Sprintf("a training row's from the others (fewer than %d rows held out)", MinHeldOut)
	}
	return "a held-out row's (or a training row's from the others)"
}

// nearestDistances are the distances from each row of p to the nearest
// row of ref.
func nearestDistances(p, ref points.Points) []float64 { return nearestBut(p, ref, false) }

// nearestOther are the distances from each of the first n rows of ref
// to the nearest other row of ref.
func nearestOther(ref points.Points, n int) []float64 {
	return nearestBut(points.Points{N: min(n, ref.N), D: ref.D, X: ref.X[:min(n, ref.N)*ref.D]}, ref, true)
}

// nearestBut is nearestDistances, skipping row i of ref for row i of p
// when self is set (p then being the first rows of ref).
func nearestBut(p, ref points.Points, self bool) []float64 {
	near := make([]float64, p.N)
	for i := range p.N {
		best := math.Inf(1)
		for k := range ref.N {
			if self && k == i {
				continue
			}
			var s float64
			for j, x := range p.Row(i) {
				s += (x - ref.X[k*ref.D+j]) * (x - ref.X[k*ref.D+j])
			}
			best = min(best, s)
		}
		near[i] = math.Sqrt(best)
	}
	return near
}

// medianOf is the median of x, sorted in place, and its standard error.
func medianOf(x []float64) (median, stdErr float64) {
	slices.Sort(x)
	return x[len(x)/2], medianError(x)
}

// medianError is the standard error of the median of the sorted values x,
// from the order statistics medianWindow standard errors of rank
// (sqrt(n)/2 each) either side of it: no assumption about the distances'
// distribution, which on a table of tied values is lumpy.
func medianError(x []float64) float64 {
	n := len(x)
	h := int(math.Ceil(math.Sqrt(float64(n)) * medianWindow / 2))
	return (x[min(n-1, n/2+h)] - x[max(0, n/2-h)]) / (2 * medianWindow)
}

// column names value column j (from 1) for a warning: by its header
// name too, where the run has one.
func (v Verdict) column(j int) string {
	if j >= 1 && j <= len(v.names) {
		return fmt.Sprintf("column %d (%s)", j, v.names[j-1])
	}
	return fmt.Sprintf("column %d", j)
}

func (v Verdict) warnings(kind string) []string {
	moreSteps := MoreSteps(kind)
	var w []string
	if v.OutsideRange > maxOutside+v.NewRowsOutside {
		standardise := ", or standardise (data.standardize: true)"
		if v.Pixels || v.standardized { // images keep their [0, 1] scale
			standardise = ""
		}
		precondition := " or precondition (model.sigma_data: auto)"
		if v.preconditioned {
			precondition = ""
		}
		expected := ""
		if v.NewRowsOutside >= 0.01 {
			expected = fmt.Sprintf(", where new rows would put about %.1f%%", 100*v.NewRowsOutside)
		}
		w = append(w, fmt.Sprintf("%.1f%% of sample values lie outside the training data's range (%s: %.1f%%)%s: %s%s%s",
			100*v.OutsideRange, v.column(v.WorstColumn), 100*v.WorstOutside, expected, v.TrainLonger(), precondition, standardise))
	}
	switch {
	case v.Constant || v.Single || !v.spreadOff:
	case v.Pixels:
		w = append(w, fmt.Sprintf("the samples' spread over the image is %.2f times the data's: %s, or sample with more steps (%s)", v.SpreadLow, v.TrainLonger(), moreSteps))
	default:
		w = append(w, fmt.Sprintf("the samples' spread per column is %.2f to %.2f times the data's (furthest off, %s: %.2f): %s, or sample with more steps (%s)", v.SpreadLow, v.SpreadHigh, v.column(v.SpreadColumn), v.SpreadRatio, v.TrainLonger(), moreSteps))
	}
	switch {
	case !v.meanOff:
	case v.Pixels:
		w = append(w, fmt.Sprintf("a pixel's sample mean is %.2f of the pixels' standard deviation off the data's: %s", v.MeanShift, v.TrainLonger()))
	case v.standardized:
		w = append(w, fmt.Sprintf("%s's sample mean is %.2f standard deviations off the data's: %s", v.column(v.MeanColumn), v.MeanOff, v.TrainLonger()))
	default:
		w = append(w, fmt.Sprintf("%s's sample mean is %.2f standard deviations off the data's: %s or standardise (data.standardize: true)", v.column(v.MeanColumn), v.MeanOff, v.TrainLonger()))
	}
	if l := v.Levels; l != nil && l.Off {
		value := fmt.Sprint(l.Value)
		if l.Name != "" {
			value = l.Name
		}
		apart := "" // data.discrete_gap widens such a column only
		switch {
		case l.Valley:
			apart = ", or train a new run, which maps a column whose rare value lies between common ones through its quantiles (data.quantile_valleys)"
		case l.Widen:
			apart = ", or try putting its values farther apart (data.discrete_gap: 3, which widens every discrete column of 3 to 6 numbers)"
		}
		w = append(w, fmt.Sprintf("%s's values come out in shares %.2f off the data's (total variation; %s: %.1f%% of the samples, %.1f%% of the training rows): %s%s",
			v.column(l.Column), l.Gap, value, 100*l.Sample, 100*l.Data, v.TrainLonger(), apart))
	}
	if v.NearestRatio > maxNearestRatio && v.NearestRatio > math.Exp(nearWidth*v.NearestError) {
		// A run trained past its held-out best samples from that earlier
		// checkpoint (TrainLonger says so): TeachingRatings' best, step
		// 1500 of 40000, drew 3.0 times as far, its newest 1.3.
		w = append(w, fmt.Sprintf("the samples are diffuse: their nearest training point is %.2f times as far as %s: %s, or sample with more steps (%s)", v.NearestRatio, v.baseline(), v.TrainLonger(), moreSteps))
	}
	if v.NearestAgainst != "" && v.NearestRatio < minNearestRatio && v.NearestRatio < math.Exp(-nearWidth*v.NearestError) { // exact copies measure 0
		earlier := "sample from an earlier checkpoint (-checkpoint best), "
		if v.NearestAgainst == againstTraining { // a refitted run keeps no best
			earlier = ""
		}
		stop := ""
		if (kind == sampler.KindHeun || kind == sampler.KindDPMPP2M) && !v.allDiscrete { // a solver, which can stop short of the last level; its noise is snapped off discrete columns
			stop = "stop the solver at a noise level and keep its noise (-set sample.sigma_stop=LEVEL, in model units: auto takes none that widens a column by more than a tenth of its spread or puts more of its values outside their range, so a level by hand trades those for distance), "
		}
		grid := ""
		if v.allDiscrete {
			grid = " (every column is discrete: samples are put onto the values the rows hold, and land on whole rows as often as the grid of those values is small)"
		}
		w = append(w, fmt.Sprintf("the samples copy the training data: their nearest training point is %.2f times as far as %s%s: %s%strain for fewer steps, or on more data", v.NearestRatio, v.baseline(), grid, earlier, stop))
	}
	return w
}

// Summary is the verdict in one line.
func (v Verdict) Summary() string {
	s := fmt.Sprintf("verdict on %d sample%s: %.1f%% of values inside the training data's range; ",
		v.Samples, map[bool]string{true: "", false: "s"}[v.Samples == 1], 100*(1-v.OutsideRange))
	switch {
	case v.Constant:
		s += "every column of the data is constant, with no spread or mean to compare"
	case v.Single:
		s += fmt.Sprintf("one sample, with no spread to compare; means within %.2f sd", v.MeanShift)
	case v.Pixels:
		s += fmt.Sprintf("spread %.2f of the data's over the image; pixel means within %.2f of the pixels' sd", v.SpreadLow, v.MeanShift)
	default:
		s += fmt.Sprintf("spread %.2f-%.2f of the data's per column; means within %.2f sd", v.SpreadLow, v.SpreadHigh, v.MeanShift)
	}
	if v.Levels != nil {
		s += fmt.Sprintf("; discrete columns' value shares within %.2f", v.Levels.Worst)
	}
	if v.NearestAgainst != "" {
		s += fmt.Sprintf("; nearest training point %.2fx as far as %s", v.NearestRatio, v.baseline())
	}
	if len(v.Design) > 0 {
		class, verb := "", map[bool]string{true: "s", false: ""}[len(v.Design) == 1]
		if v.DesignByClass {
			class, verb = "the class and ", ""
		}
		s += fmt.Sprintf("; nearness not judged: %scolumn%s %s give%s the training rows a cell each (a design or a series)",
			class, map[bool]string{true: "", false: "s"}[len(v.Design) == 1], joinInts(v.Design), verb)
	}
	if len(v.Warnings) == 0 {
		return s + ": good"
	}
	return s + ": " + strings.Join([]string{fmt.Sprint(len(v.Warnings)), "warning(s) follow"}, " ")
}

// ClassVerdict is the verdict on one class's samples against that class's
// data.
type ClassVerdict struct {
	Class int    `json:"class"`
	Name  string `json:"name,omitempty"` // where the run names its classes
	Verdict
}

// Says is the class's verdict on one line: "class 2 (dog): verdict ...".
func (v ClassVerdict) Says() string {
	if v.Name != "" {
		return fmt.Sprintf("class %d (%s): %s", v.Class, v.Name, v.Summary())
	}
	return fmt.Sprintf("class %d: %s", v.Class, v.Summary())
}

// JudgeRunByClass judges a class-conditional run's samples class by class:
// the samples of each class asked for (labels, one per sample) against the
// data of that class, as JudgeRun judges them all.
func JudgeRunByClass(run *Run, data *Data, samples points.Points, labels []int32, kind string) ([]ClassVerdict, error) {
	if len(labels) != samples.N {
		return nil, fmt.Errorf("workflow: %d labels for %d samples", len(labels), samples.N)
	}
	if data.TrainLabels == nil {
		return nil, fmt.Errorf("workflow: the run's data have no labels to judge classes by")
	}
	var out []ClassVerdict
	for y := range int32(data.Classes) {
		mine := rowsOf(samples, labels, y)
		if mine.N == 0 {
			continue
		}
		train, valid := rowsOf(data.Train, data.TrainLabels, y), rowsOf(data.Valid, data.ValidLabels, y)
		if train.N < MinClassPoints { // train refuses such classes; a run from before may have one
			continue
		}
		v := Judge(SampleRows(run.Config, mine), ValueRows(run.Config, run.DataUnits(train)), ValueRows(run.Config, run.DataUnits(valid)), ColumnsOf(run))
		v.givenSettings(run)
		v.Warnings = v.warnings(kind)
		cv := ClassVerdict{Class: int(y), Verdict: v}
		if names := run.Config.Model.ClassNames; int(y) < len(names) {
			cv.Name = names[y]
		}
		out = append(out, cv)
	}
	return out, nil
}

// rowsOf are the rows of p whose label is y.
func rowsOf(p points.Points, labels []int32, y int32) points.Points {
	out := points.Points{D: p.D}
	for i, l := range labels {
		if l == y {
			out.X = append(out.X, p.Row(i)...)
			out.N++
		}
	}
	return out
}

// loneEnds counts the ends of column j of p that one row alone holds: 2
// for a continuous column, whose new draw lies beyond the n rows' range
// with chance 2/(n + 1); for a discrete one only the ends few rows reach
// (a class of 20 singers' heights, in whole inches, ends on one singer
// as often as not), none for one whose every end value many rows share.
func loneEnds(p points.Points, j int) int {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range p.N {
		lo, hi = min(lo, p.X[i*p.D+j]), max(hi, p.X[i*p.D+j])
	}
	atLo, atHi := 0, 0
	for i := range p.N {
		if p.X[i*p.D+j] == lo {
			atLo++
		}
		if p.X[i*p.D+j] == hi {
			atHi++
		}
	}
	lone := 0
	if atLo == 1 {
		lone++
	}
	if atHi == 1 {
		lone++
	}
	return lone
}

// kurtosis is each column's kurtosis (the fourth central moment over the
// variance squared: 3 for a normal's) about mean, with standard
// deviations std; 3 for a constant column.
func kurtosis(p points.Points, mean, std []float64) []float64 {
	out := make([]float64, p.D)
	for i := range p.N {
		for j, x := range p.Row(i) {
			d := (x - mean[j]) * (x - mean[j])
			out[j] += d * d
		}
	}
	for j := range out {
		if v := std[j] * std[j]; v > 0 {
			out[j] /= float64(p.N) * v * v
		} else {
			out[j] = 3
		}
	}
	return out
}

// spreadError is the standard error of n samples' standard deviation
// over the true one, for a column of kurtosis kurt: sqrt((kurt - 1)/4n),
// 1/sqrt(2n) for a normal's. A heavy tail's spread rests on its few
// largest values: a county table's population (kurtosis 190) drawn as a
// perfect copy of its 437 rows, 1000 draws, read 0.58 to 1.32 of its
// spread (95% of copies), where a normal column's standard error would
// call 0.9 off.
func spreadError(kurt float64, n int) float64 {
	return math.Sqrt(max(kurt-1, 0) / (4 * float64(max(n, 1))))
}

// noiseWidth is how many standard errors the largest of d columns' sample
// statistics may stray by chance: the expected largest of d half-normal
// errors, about sqrt(2 ln 2d), plus one.
func noiseWidth(d int) float64 {
	return math.Sqrt(2*math.Log(2*float64(max(d, 1)))) + 1
}

// joinInts writes column numbers as "1, 3, 4".
func joinInts(x []int) string {
	parts := make([]string, len(x))
	for i, v := range x {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}
