// Package train fits a score network to a run's data: Fit prepares the
// data, the model and its loss (package losses), then runs the training
// loop with Adam, and writes the run directory (package rundir) as it goes:
// metrics, checkpoints, and what a resumed run needs to continue exactly
// where an uninterrupted one would.
//
// The loop only steps; metrics, progress, the EMA, sample figures,
// checkpoints and the best checkpoint follow it as Hooks, and a caller adds
// its own with Options.Hooks. Commands that only read a run (score, sample,
// eval, plot) use package workflow and never this package.
package train
