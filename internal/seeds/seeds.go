// Package seeds derives a run's independent random streams from its seed,
// so that changing how one stream is used never shifts another, and any
// part of a run (a batch, a step's noise, the held-out loss) can be redrawn
// from its index alone.
package seeds

import "math/rand/v2"

// Stream names one of a run's random streams. The values are part of the
// checkpoint format: the same seed must give the same run in every version.
type Stream uint64

const (
	Data         Stream = iota + 1 // synthetic data
	Split                          // the held-out split
	Init                           // parameter initialisation
	Shuffle                        // batch order, one permutation per epoch
	Noise                          // a training step's noise (dsm levels, sliced directions)
	HeldOutNoise                   // the held-out loss's noise, the same at every evaluation
	Chain                          // a sampling chain's start and noise, indexed by chain (sample.seed)
	NoiseScale                     // the subsamples that choose train.sigmas: auto
	Probe                          // a point's Hutchinson probes for its likelihood, indexed by point
	Dequantize                     // the jitter of a table's discrete columns within their values' cells
	LabelDropout                   // which labels a training step drops (train.label_dropout), indexed by step
	QuantileTies                   // where a quantile-mapped column's rows on a repeated value fall within its stretch of scores
)

// New is stream s of seed.
func New(seed uint64, s Stream) *rand.Rand { return NewIndexed(seed, s, 0) }

// NewIndexed is the i-th sub-stream of stream s of seed (i < 2^48): epoch i
// of the batch order, step i's noise.
func NewIndexed(seed uint64, s Stream, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(s)<<48|i))
}
