package workflow

import (
	"fmt"

	"scorenet/configs"
	"scorenet/rundir"
)

// Refits reports whether a run of cfg on data trains twice (train.refit):
// as the config sets it, or, left to auto, for a table of fewer than
// maxRefitRows rows whose length the held-out loss chooses (train.steps:
// auto) and whose held-out share is more than a tenth (data.holdout).
// Those are rows a small table cannot spare: on wine (142 rows, 43 held
// out) the samples of the first training were 0.82 of the data's spread
// on a column, and 0.89-0.92 once trained on every row.
func Refits(cfg *configs.Config, data *Data) bool {
	t := cfg.Train
	if t.Refit != nil {
		return *t.Refit
	}
	// The share asked for, not the rows it rounds to: 76 rows held out of
	// 755 are a tenth.
	rows := data.Train.N + data.Valid.N
	return cfg.Data.Dataset == "file" && t.StepsAuto && t.Patience > 0 && data.Holdout > minRefitShare && rows < maxRefitRows
}

// train.refit: auto's bounds: a held-out share above a tenth (under
// data.holdout: auto, tables of fewer than 500 rows), and fewer rows than
// that in any case (a larger table held out by hand has rows to spare).
const (
	minRefitShare = 0.1
	maxRefitRows  = 500
)

// RefitPlan says how a run that Refits trains twice, and why.
func RefitPlan(cfg *configs.Config, data *Data) string {
	selection := rundir.SelectionDir(cfg.Output.Dir)
	if cfg.Train.Refit != nil {
		return fmt.Sprintf("train.refit: training first in %s, where the held-out loss chooses the length, then again from the start on all %d rows", selection, data.Train.N+data.Valid.N)
	}
	return fmt.Sprintf("train.refit auto: data.holdout %.3g holds out %d of the %d rows, more than a tenth: training first in %s, where they choose the length, then again from the start on every row",
		data.Holdout, data.Valid.N, data.Train.N+data.Valid.N, selection)
}

// HoldoutSaid says the share of rows data.holdout: auto held out.
func HoldoutSaid(data *Data) string {
	return fmt.Sprintf("data.holdout auto: %.3g (%d rows held out: about 50, within a tenth and three tenths of the data)", data.Holdout, data.Valid.N)
}
