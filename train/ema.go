package train

import (
	"fmt"
	"sync/atomic"

	"scorenet/internal/vmath"
	"scorenet/nn"

	"gorgonia.org/tensor"
)

// newEMA starts the moving average of params at their values.
func newEMA(params []nn.Param) []*tensor.Dense {
	var out []*tensor.Dense
	for _, p := range params {
		out = append(out, p.Value.Clone().(*tensor.Dense))
	}
	return out
}

// emaHook keeps the exponential moving average of the parameters after
// every update, ema = (1 - decay) theta + decay ema, as NCSN's EMA helper
// does; elementwise, so its bits do not depend on the number of threads.
type emaHook struct {
	decay  float64
	params []nn.Param
	ema    []*tensor.Dense
	// joined is the average handed to the update of step joinedAt (from
	// 1), which advances it in the update's own pass (joinUpdate).
	joined   *MovingAverage
	joinedAt int
}

// joinUpdate hands the average to a's next update, that of step n (from
// 1): each part of the parameters is averaged right after it is updated,
// while it is in cache, and OnStep then has nothing left to do.
func (h *emaHook) joinUpdate(n int, a *Adam) {
	h.joined, h.joinedAt = &MovingAverage{Values: h.ema, Decay: warmDecay(h.decay, n)}, n
	a.Average = h.joined
}

func (h *emaHook) OnStep(e *Step) error {
	joined := h.joined
	h.joined = nil
	if joined != nil && joined.Done && h.joinedAt == e.N {
		return nil
	}
	emaPassesOfItsOwn.Add(1)
	decay := warmDecay(h.decay, e.N)
	for i, p := range h.params {
		theta, ok1 := floats[float64](p.Value)
		ema, ok2 := floats[float64](h.ema[i])
		theta32, ok3 := floats[float32](p.Value)
		ema32, ok4 := floats[float32](h.ema[i])
		switch {
		case ok1 && ok2 && len(ema) == len(theta):
			average(theta, ema, decay)
		case ok3 && ok4 && len(ema32) == len(theta32):
			average(theta32, ema32, decay)
		case (ok1 && ok2) || (ok3 && ok4):
			return fmt.Errorf("train: parameter %s has %d values, its average %d", p.Name, p.Value.Shape().TotalSize(), h.ema[i].Shape().TotalSize())
		default:
			return fmt.Errorf("train: parameter %s has unsupported data %v", p.Name, p.Value.Dtype())
		}
	}
	return nil
}

func (h *emaHook) OnStop(Stop) error { return nil }

// average is ema = (1 - decay) theta + decay ema (vmath.Average: the
// decay rounded to T, each product rounded), in parallel parts.
func average[T float32 | float64](theta, ema []T, decay float64) {
	parallel(chunkCount(len(theta)), func(i int) {
		lo, hi := chunk(len(theta), i)
		vmath.Average(theta[lo:hi], ema[lo:hi], T(decay))
	})
}

// warmDecay is the EMA's decay after step n: decay, or (1 + n)/(10 + n)
// while that is smaller, as TensorFlow's ExponentialMovingAverage with
// num_updates does. Without it the average of a short run is mostly its
// random initialisation (0.999^1000 = 0.37 of it after 1000 steps), and
// the best checkpoint of an early-stopped run samples from that.
func warmDecay(decay float64, n int) float64 {
	return min(decay, float64(1+n)/float64(10+n))
}

// emaPassesOfItsOwn counts the averages taken in a pass of their own, not
// in the update's: a run that joins them takes none (tested).
var emaPassesOfItsOwn atomic.Int64
