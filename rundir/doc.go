// Package rundir is the run directory: what `scorenet train` writes and
// every other command reads. It owns the directory's layout (config.yaml,
// metrics.jsonl, checkpoints/), the checkpoint metadata and how a model and
// its optimiser state are stored in and restored from a checkpoint, and the
// run's data as the model sees it (generated or read, split, standardised).
//
// Readers (score, sample, eval, plot) open a run with Open, which needs
// only the checkpoint: the training data is prepared, from the config, only
// when a caller asks for it (Run.Data), and a missing data file is then
// reported as such. The package does not train; it knows no loss.
package rundir
