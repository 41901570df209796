package losses

import (
	"fmt"

	"scorenet/internal/seeds"
	"scorenet/nn"
)

// heldOutChunk is the most points one Evaluate of the held-out loss takes.
const heldOutChunk = 512

// HeldOut is a run's loss over its held-out points: the mean over all of
// them, with noise from one stream of the run's seed, drawn afresh at every
// evaluation so that values compare across steps. Training's validation
// (metrics.jsonl "valid") and eval's "heldout" both come from it, so they
// agree for the same checkpoint.
type HeldOut struct {
	loss Loss
	seed uint64
}

// NewHeldOut prepares the named loss, without gradients, for held-out sets
// of up to points points.
func NewHeldOut(name string, m nn.Model, sigmas []float64, engine string, points int, seed uint64) (*HeldOut, error) {
	if points < 1 {
		return nil, fmt.Errorf("losses: a held-out loss needs points, got %d", points)
	}
	l, err := New(name, m, Options{Batch: min(points, heldOutChunk), Sigmas: sigmas, Engine: engine})
	if err != nil {
		return nil, err
	}
	return &HeldOut{loss: l, seed: seed}, nil
}

// Evaluate is the mean loss over the points x (row-major, dimension d).
func (h *HeldOut) Evaluate(x []float64, d int) (Terms, error) {
	return h.EvaluateLabelled(x, d, nil)
}

// EvaluateLabelled is Evaluate for a class-conditional model's points with
// their labels (nil: none, the unconditional loss).
func (h *HeldOut) EvaluateLabelled(x []float64, d int, labels []int32) (Terms, error) {
	n := len(x) / d
	if n < 1 || len(x)%d != 0 {
		return Terms{}, fmt.Errorf("losses: %d values are not points of dimension %d", len(x), d)
	}
	noise := seeds.New(h.seed, seeds.HeldOutNoise)
	var sum Terms
	chunk := h.loss.Batch()
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		if l, ok := h.loss.(Labelled); ok {
			var part []int32
			if labels != nil {
				if len(labels) != n {
					return Terms{}, fmt.Errorf("losses: %d labels for %d held-out points", len(labels), n)
				}
				part = labels[lo:hi]
			}
			if err := l.SetLabels(part); err != nil {
				return Terms{}, err
			}
		} else if labels != nil {
			return Terms{}, fmt.Errorf("losses: labels given to a loss on a model without classes")
		}
		part, err := h.loss.Evaluate(x[lo*d:hi*d], 1/float64(n), noise)
		if err != nil {
			return Terms{}, err
		}
		sum = sum.Add(part)
	}
	return sum, nil
}
