// Package mlp is the hand-written arithmetic of scorenet's MLP score
// network: its parameter layout, its noise conditioning, and three passes
// over plain float64 slices: the forward pass (optionally keeping the
// activation's first two derivatives), Jacobian-vector products for k
// tangents per point, and the reverse pass through both, which accumulates
// the parameter gradients.
//
// It is the only place outside the gorgonia graph (package nn) where the
// network's layers are written out. The losses are heads on top of it
// (package losses); the sampler's forward pass runs through it (nn.Scorer).
// It knows nothing of gorgonia: matrix products go through a gonum BLAS
// interface (internal/gemm's, or OpenBLAS with -tags openblas) and the
// activations are internal/vmath's kernels, handed in by nn's activation
// table.
package mlp
