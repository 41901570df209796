// Package rundir is the run directory: what `scorenet train` writes and
// every other command reads. It owns the directory's layout (config.yaml,
// metrics.jsonl, checkpoints/, the trainer's lock), the metrics records,
// the checkpoint metadata (the data's Digest and range among it) and how a
// model, its optimiser state and its EMA are stored in and restored from a
// checkpoint.
//
// Readers open a run with Open, which needs only the checkpoint; preparing
// the run's data, choosing auto values and sampling are the application
// layer's (package workflow). The package does not train.
package rundir
