// Package train fits score networks by score matching: the loss graphs,
// the Adam optimiser, and the training loop with its metrics, checkpoints
// and resumption.
//
// The exact implicit score-matching loss of Hyvarinen (2005) is
//
//	L = mean over the batch of [ tr(ds/dx) + 1/2 ||s(x)||^2 ],
//
// whose first term (the "Hessian" term: the trace of the Hessian of log p)
// rewards a peaked model and whose second (the "Norm" term) rewards a flat
// one. The trace is built from D backward passes through gorgonia, one per
// input dimension, and the parameter gradients from one more pass through all
// of them: true second-order differentiation.
package train
