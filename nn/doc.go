// Package nn defines scorenet's score networks: models s(x) that map a batch
// of points in R^D to their scores in R^D, built as gorgonia expression graphs.
//
// A [Model] owns its parameters as tensors. Score adds the model's forward
// pass to any graph, binding parameter nodes to those same tensors, so
// graphs of different batch sizes (training, validation, sampling) share one
// copy of the weights and see every update made to it. The package knows
// nothing of losses, files or configs.
package nn
