// Package train fits a score network to a run's data: Fit prepares the
// data, the model and its loss (package losses), then runs the training
// loop with Adam, and writes the run directory (package rundir) as it goes:
// metrics, checkpoints, and what a resumed run needs to continue exactly
// where an uninterrupted one would.
//
// Commands that only read a run (score, sample, eval, plot) use rundir and
// never this package.
package train
