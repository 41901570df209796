package losses

import (
	"fmt"
	"unsafe"

	"scorenet/internal/gemm"
	"scorenet/internal/memlimit"
	"scorenet/internal/mlp"

	"gorgonia.org/tensor"
)

// headOf is what every loss on the fused engine shares: a Pass of the
// hand-written core in T, sized once, and its gradients as tensors in
// Params order.
type headOf[T gemm.Float] struct {
	pass      *mlp.PassOf[T]
	gradients bool
	grads     []tensor.Tensor
}

// head is a float64 loss's.
type head = headOf[float64]

// newHead makes a Pass of net for o, carrying up to tangents tangents per
// point.
func newHead[T gemm.Float](net *mlp.NetOf[T], o Options, tangents int) (headOf[T], error) {
	opt := mlp.Options{Batch: o.Batch, Derivatives: true, Tangents: tangents, Gradients: o.Gradients}
	what := fmt.Sprintf("losses: a batch of %d points with %d tangents each (D = %d)", o.Batch, tangents, net.Dim)
	bytes := opt.Bytes(net.Layout) * float64(unsafe.Sizeof(T(0))) / 8
	if err := memlimit.Check(bytes, what); err != nil {
		return headOf[T]{}, fmt.Errorf("%w: lower train.batch_size, or use loss sliced or sliced_vr, whose cost does not grow with D", err)
	}
	pass, err := mlp.NewPassOf(net, opt)
	if err != nil {
		return headOf[T]{}, err
	}
	h := headOf[T]{pass: pass, gradients: o.Gradients}
	for i, s := range net.Params() {
		if !o.Gradients {
			break
		}
		h.grads = append(h.grads, tensor.New(tensor.WithShape(s.Rows, s.Cols), tensor.WithBacking(pass.Grads()[i])))
	}
	return h, nil
}

func (h *headOf[T]) Batch() int             { return h.pass.Batch() }
func (h *headOf[T]) Grads() []tensor.Tensor { return h.grads }
func (h *headOf[T]) MatmulFLOPs() float64   { return h.pass.MatmulFLOPs() }

// points is the number of points in x, checked against the batch.
func (h *headOf[T]) points(x []float64) (int, error) {
	d := h.pass.Net().Dim
	n := len(x) / d
	if len(x)%d != 0 || n < 1 || n > h.Batch() {
		return 0, fmt.Errorf("losses: %d values are not 1 to %d points of dimension %d", len(x), h.Batch(), d)
	}
	return n, nil
}
