package train

import (
	"fmt"
	"math"
)

// How far, in units of the loss's own scale, a record's training loss may
// rise above the lowest loss of the run: during the run (beyond it the run
// has run away, and is stopped before more diverged weights are written)
// and at its end (a run that learns ends a few units from its lowest; one
// whose learning rate was too large for its data can overshoot by powers
// of ten early and settle far above where it began, a finite but
// meaningless model that would otherwise end with exit 0).
const (
	runawayRise = 1e4
	finalRise   = 100
)

// divergenceHook stops a run whose training loss has risen far above the
// lowest it reached. The lowest starts at the first step's loss (a
// learning rate far too large overshoots within the first record's steps,
// which then only look like a fall) and follows the records. The loss's
// scale is the larger of the lowest's magnitude and the data's dimension:
// losses are sums over coordinates.
type divergenceHook struct {
	t       *trainer
	low     float64 // NaN before the first step
	lowStep int
	dim     float64
}

func newDivergenceHook(t *trainer) *divergenceHook {
	return &divergenceHook{t: t, low: math.NaN(), dim: float64(t.data.Train.D)}
}

func (d *divergenceHook) OnStep(e *Step) error {
	if math.IsNaN(d.low) {
		d.low, d.lowStep = e.Terms.Loss, e.N
	}
	if e.Record == nil {
		return nil
	}
	loss := e.Record.Loss
	if e.Last {
		d.warnIfStill(e)
	}
	if loss < d.low {
		d.low, d.lowStep = loss, e.N
		return nil
	}
	rise := (loss - d.low) / math.Max(math.Abs(d.low), d.dim)
	switch {
	case rise > runawayRise:
		return fmt.Errorf("train: step %d: the training loss has risen to %.4g from %.4g at step %d: training diverged; "+
			"lower train.optimizer.lr (%g) or set train.grad_clip; the last checkpoint (%s) is untouched",
			e.N, loss, d.low, d.lowStep, d.t.cfg.Train.Optimizer.LR, orNone(d.t.checkpoint))
	case e.Last && rise > finalRise:
		return fmt.Errorf("train: step %d, the last: the training loss ended at %.4g, far above the %.4g of step %d: training diverged and did not come back; "+
			"lower train.optimizer.lr (%g) or set train.grad_clip, and train again; the last checkpoint (%s) holds the diverged model",
			e.N, loss, d.low, d.lowStep, d.t.cfg.Train.Optimizer.LR, orNone(d.t.checkpoint))
	}
	return nil
}

func (d *divergenceHook) OnStop(Stop) error { return nil }

// warnIfStill warns when the gradients were too small for Adam to move the
// parameters: their root-mean-square entry below Adam's eps makes every
// step about lr * g / eps, a small fraction of lr (a noise level of 1e-10
// gave a gradient norm of 7e-11 and trained nothing, exit 0).
func (d *divergenceHook) warnIfStill(e *Step) {
	if d.t.out == nil || d.t.s == nil {
		return
	}
	params := 0
	for _, p := range d.t.s.Model.Params() {
		params += p.Value.Shape().TotalSize()
	}
	eps := d.t.cfg.Train.Optimizer.Eps
	if rms := e.Record.GradNorm / math.Sqrt(float64(max(params, 1))); rms < eps {
		fmt.Fprintf(d.t.out, "warning: the gradients are too small for Adam to move the parameters (norm %.3g over %d parameters, %.3g each, below train.optimizer.eps %g): "+
			"nothing is being learned; raise the noise level (train.sigma, train.sigmas) or lower train.optimizer.eps\n", e.Record.GradNorm, params, rms, eps)
	}
}
