package workflow

import (
	"errors"
	"fmt"
	"math"

	"scorenet/configs"
	"scorenet/internal/memlimit"
	"scorenet/points"
	"scorenet/sampler"
)

// A model that has learnt a small table's rows one by one gives samples
// that sit on them: at the last noise level its score points to the
// nearest row. Stopped at a level above the last, the samples keep that
// level's noise, a kernel's smoothing of what the model learnt, and sit
// from the rows as the rows sit from each other. On bench/real_tables.py's
// split, where auto stopped: engel's samples came 0.68 times as far from
// the training rows as held-out rows do, 0.89 stopped at 0.27; mcycle's
// 0.62, then 0.92 at 0.19; the tables whose samples already sat as far
// stayed as they were.
const (
	// sigmaStopChains are the chains ChooseSigmaStop draws, five times
	// the verdict's, for a steady median at each level.
	sigmaStopChains = 1000
	// sigmaStopSpreads bounds the level chosen, in spreads of the
	// training values (model units): its noise widens a column's spread
	// by at most sqrt(1 + 0.3^2) = 1.044.
	sigmaStopSpreads = 0.3
	// sigmaStopLevels are the levels the probe walks at least: neighbours
	// 7% apart near the bound on a table's ladder, where heun's 25 were
	// 30% apart.
	sigmaStopLevels = 100
	// sigmaStopSpreadGap and sigmaStopOutside bound what the noise left
	// may do to the columns (or no worse than the denoised samples): a
	// column's spread within a tenth of the data's, and at most 5% of its
	// values outside its range, the verdict's lines for good samples.
	// On statecrime (40 rows), the level where its samples came as far
	// widened a column to 1.15 of its spread.
	sigmaStopSpreadGap = 0.1
	sigmaStopOutside   = 0.05
	// sigmaStopBytes bounds the probe's chains kept at every level: 1000
	// chains of up to 160 columns.
	sigmaStopBytes = 128e6
)

// minProbeRows is the fewest training rows, with too few held out, that
// the probe chooses a level on.
const minProbeRows = 2 * MinHeldOut

// ChooseSigmaStop chooses sample.sigma_stop: auto for a table sampled by
// heun or dpmpp_2m: the smallest of the solver's levels, up to
// sigmaStopSpreads of the data's spread, at which the run's samples sit
// as far from its training rows as the rows sit from each other (and from
// its held-out rows, where it has them): the verdict's nearness ratio,
// measured on sigmaStopChains chains, at least 1. 0 where the samples
// denoised at the last level already sit so far, or no level up to the
// bound brings them there (a model smooth enough, or rows that repeat).
// It says what it found; "" where auto does not apply (a number given,
// another sampler, images).
func (r *Run) ChooseSigmaStop(s configs.Sample) (float64, string, error) {
	if !s.SigmaStopAuto || s.SigmaStop > 0 || !configs.Solver(s.Sampler) || r.Config.Data.Dataset != "file" || r.Image.Size() > 0 {
		return 0, "", nil
	}
	if r.Config.Model.Classes > 0 {
		// One level for every class's chains, measured on the whole
		// table's rows, widened each class's columns beyond the bounds
		// below (a 3-class table: spreads 1.10-1.25 of a class's rows).
		return 0, "sample.sigma_stop auto: 0 (a class-conditional run: each class's samples would need a level of their own)", nil
	}
	// Sampling needs no data: without them it goes on as it did before.
	// Data at hand that show the checkpoint edited are an error.
	data, err := r.Data("sample.sigma_stop: auto")
	switch {
	case errors.Is(err, ErrEdited):
		return 0, "", err
	case err != nil:
		return 0, fmt.Sprintf("sample.sigma_stop auto: 0 (%v)", err), nil
	}
	cfg := r.Config
	if data.Train.N < minProbeRows && data.Valid.N < MinHeldOut {
		// The verdict measures such a table against its rows' own spacing,
		// too noisy a baseline to stop the solver by.
		return 0, fmt.Sprintf("sample.sigma_stop auto: 0 (%d training rows and too few held out: too few to choose a level by)", data.Train.N), nil
	}
	train, valid := ValueRows(cfg, r.DataUnits(data.Train)), ValueRows(cfg, r.DataUnits(data.Valid))
	cell := DequantCell(r)
	// A design's or a series' rows each hold their own combination of a
	// few columns' values, and samples have none to be near: the verdict
	// judges no nearness there, and nor does this.
	cols := columnsWithClasses(r, data)
	_, std := columnMoments(train)
	if design, _ := designColumns(train, valid, cols.RowClasses, cols.Levels, func(j int) bool { return varies(std[j], cell) }); design != nil {
		return 0, "sample.sigma_stop auto: 0 (the rows are a design or a series, each its own combination of a few columns' values: no nearness to measure)", nil
	}
	drawn, said, err := r.sigmaStopProbe(s)
	if drawn == nil {
		return 0, said, err
	}
	denoised := SampleRows(cfg, drawn.Samples)
	last, ok := sigmaStopRatio(denoised, train, valid, cell)
	spreadGap, outside := columnsOff(denoised, train)
	spreadGap, outside = max(spreadGap, sigmaStopSpreadGap), max(outside, sigmaStopOutside)
	switch {
	case !ok:
		return 0, "sample.sigma_stop auto: 0 (too few rows, or rows that repeat, to measure how far the samples sit from them)", nil
	case last >= 1:
		return 0, fmt.Sprintf("sample.sigma_stop auto: 0 (the samples sit %.2f times as far from the training rows as the rows from each other)", last), nil
	}
	bound := sigmaStopSpreads * r.Moments.Spread()
	level, ratio := firstLevelAsFar(drawn.Result.Snapshots, drawn.Result.Lost, r.Model.Dim(), bound, func(chains points.Points) (float64, bool, bool) {
		rows := SampleRows(cfg, r.DataUnits(chains))
		ratio, ok := sigmaStopRatio(rows, train, valid, cell)
		gap, out := columnsOff(rows, train)
		return ratio, ok, gap <= spreadGap && out <= outside
	})
	if level > 0 {
		return level, fmt.Sprintf("sample.sigma_stop auto: %v (the solver stops there, the samples keeping its noise: denoised at the last level they sat %.2f times as far from the training rows as the rows from each other, stopped there %.2f; in model units)", level, last, ratio), nil
	}
	return 0, fmt.Sprintf("sample.sigma_stop auto: 0 (the samples sit %.2f times as far from the training rows as the rows from each other, and no level up to %.3g, %g of the data's spread, brings them as far with each column's spread within %.2g of the data's and at most %.2g%% of its values outside its range)",
		last, bound, sigmaStopSpreads, spreadGap, 100*outside), nil
}

// sigmaStopProbe draws the probe's chains for s, keeping every level's;
// nil and a note (or an error) where it cannot.
func (r *Run) sigmaStopProbe(s configs.Sample) (*Drawn, string, error) {
	probe := s
	probe.SigmaStop, probe.SigmaStopAuto, probe.SnapshotEvery = 0, false, 1
	probe.Steps = max(probe.Steps, sigmaStopLevels)
	// Every level's chains are kept: on a wide table, fewer chains.
	probe.N = min(sigmaStopChains, int(sigmaStopBytes/(8*float64(probe.Steps)*float64(r.Model.Dim()))))
	if probe.N < MinHeldOut {
		return nil, fmt.Sprintf("sample.sigma_stop auto: 0 (%d columns are too many to probe every level of %d chains in %.0f MB)", r.Model.Dim(), MinHeldOut, sigmaStopBytes/1e6), nil
	}
	if err := memlimit.Check(8*float64(probe.Steps)*float64(probe.N)*float64(r.Model.Dim()), "the probe's chains at every level"); err != nil {
		return nil, fmt.Sprintf("sample.sigma_stop auto: 0 (%v)", err), nil // the sampling itself may still fit
	}
	j, err := r.RunJob(probe, "network")
	if err != nil {
		return nil, "", err
	}
	j.KeepSnapshots, j.MaxLost, j.Progress = true, DefaultMaxLost, nil
	drawn, err := Sample(j)
	if err != nil {
		return nil, "", fmt.Errorf("workflow: sample.sigma_stop: auto: the probe's sampling: %w", err)
	}
	return drawn, "", nil
}

// sigmaStopRatio is the verdict's nearness ratio of samples to the
// training rows over all the samples given (the verdict measures 200),
// and whether there was one.
func sigmaStopRatio(samples, train, heldout points.Points, cell float64) (float64, bool) {
	ratio, against, _ := nearestOver(samples, train, heldout, cell, samples.N)
	return ratio, against != "" && ratio > 0 && !math.IsInf(ratio, 0)
}

// columnsOff are the largest gap, over p's columns, between a column's
// spread and rows' (|ratio - 1|), and the largest share of a column's
// values outside rows' range, over the columns that vary.
func columnsOff(p, rows points.Points) (spreadGap, outside float64) {
	_, want := columnMoments(rows)
	_, got := columnMoments(p)
	for j := range rows.D {
		if !(want[j] > 0) {
			continue
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range rows.N {
			lo, hi = min(lo, rows.X[i*rows.D+j]), max(hi, rows.X[i*rows.D+j])
		}
		out := 0
		for i := range p.N {
			if v := p.X[i*p.D+j]; v < lo || v > hi {
				out++
			}
		}
		spreadGap, outside = max(spreadGap, math.Abs(got[j]/want[j]-1)), max(outside, float64(out)/float64(max(p.N, 1)))
	}
	return spreadGap, outside
}

// firstLevelAsFar is the smallest level up to bound among the snapshots
// (the chains at each level, largest level first) whose chains, but the
// lost ones, sit as far from the rows as measure's ratio 1, and that
// ratio; 0 where none does before one that the measure says does not fit
// (its noise widens the columns too far: more noise would only widen
// them more).
func firstLevelAsFar(snaps []sampler.Snapshot, lost []int, dim int, bound float64, measure func(points.Points) (ratio float64, ok, fits bool)) (level, ratio float64) {
	for i := len(snaps) - 1; i >= 0; i-- { // smallest level first
		level := snaps[i].Sigma
		if !(level > 0) {
			continue
		}
		if level > bound {
			break
		}
		chains := points.Points{N: len(snaps[i].X) / dim, D: dim, X: snaps[i].X}
		if len(lost) > 0 {
			chains = withoutRows(chains, lost)
		}
		ratio, ok, fits := measure(chains)
		if !fits {
			break
		}
		if ok && ratio >= 1 {
			return level, ratio
		}
	}
	return 0, 0
}
