// Package losses holds scorenet's score-matching objectives: exact
// (Hyvarinen 2005), sliced and sliced_vr (Song et al. 2019), dsm and
// anneal_dsm (Vincent 2011; Song & Ermon 2019). Each is a small head on the
// hand-written MLP core (internal/mlp, the fused engine) beside the same
// loss as a gorgonia graph over any model (the graph engine, the reference
// the heads are tested against). New builds one by name; HeldOut is the
// held-out loss that training and eval share.
package losses
