package losses

import (
	"fmt"

	"scorenet/internal/memlimit"
	"scorenet/internal/mlp"

	"gorgonia.org/tensor"
)

// head is what every loss on the fused engine shares: a Pass of the
// hand-written core, sized once, and its gradients as tensors in Params
// order.
type head struct {
	pass      *mlp.Pass
	gradients bool
	grads     []tensor.Tensor
}

// newHead makes a Pass of net for o, carrying up to tangents tangents per
// point.
func newHead(net *mlp.Net, o Options, tangents int) (head, error) {
	opt := mlp.Options{Batch: o.Batch, Derivatives: true, Tangents: tangents, Gradients: o.Gradients}
	what := fmt.Sprintf("losses: a batch of %d points with %d tangents each (D = %d)", o.Batch, tangents, net.Dim)
	if err := memlimit.Check(opt.Bytes(net.Layout), what); err != nil {
		return head{}, fmt.Errorf("%w: lower train.batch_size, or use loss sliced or sliced_vr, whose cost does not grow with D", err)
	}
	pass, err := mlp.NewPass(net, opt)
	if err != nil {
		return head{}, err
	}
	h := head{pass: pass, gradients: o.Gradients}
	for i, s := range net.Params() {
		if !o.Gradients {
			break
		}
		h.grads = append(h.grads, tensor.New(tensor.WithShape(s.Rows, s.Cols), tensor.WithBacking(pass.Grads()[i])))
	}
	return h, nil
}

func (h *head) Batch() int             { return h.pass.Batch() }
func (h *head) Grads() []tensor.Tensor { return h.grads }
func (h *head) MatmulFLOPs() float64   { return h.pass.MatmulFLOPs() }

// points is the number of points in x, checked against the batch.
func (h *head) points(x []float64) (int, error) {
	d := h.pass.Net().Dim
	n := len(x) / d
	if len(x)%d != 0 || n < 1 || n > h.Batch() {
		return 0, fmt.Errorf("losses: %d values are not 1 to %d points of dimension %d", len(x), h.Batch(), d)
	}
	return n, nil
}
