package unet

import (
	"errors"
	"fmt"

	"scorenet/internal/gemm"
	"scorenet/internal/mlp"
)

// NetOf is a U-Net's parameters as slices of T, in Layout.Params order,
// with its layout and activation (swish in scorenet's configs). The slices
// are the model's parameter arrays, not copies: whatever writes the
// parameters writes into them in place, as for mlp.NetOf.
type NetOf[T gemm.Float] struct {
	Layout
	Act    mlp.ActivationOf[T]
	params [][]T
	index  map[string]int
}

// NewNetOf views params, in Layout.Params order, as the network l with
// activation act.
func NewNetOf[T gemm.Float](l Layout, act mlp.ActivationOf[T], params [][]T) (*NetOf[T], error) {
	if err := l.Check(); err != nil {
		return nil, err
	}
	if act.Value == nil || act.Derivatives == nil {
		return nil, errors.New("unet: activation without kernels")
	}
	shapes := l.Params()
	if len(params) != len(shapes) {
		return nil, fmt.Errorf("unet: %d parameter arrays for a layout of %d", len(params), len(shapes))
	}
	n := &NetOf[T]{Layout: l, Act: act, params: params, index: map[string]int{}}
	for i, s := range shapes {
		if len(params[i]) != s.Rows*s.Cols {
			return nil, fmt.Errorf("unet: %s has %d values, want %d x %d", s.Name, len(params[i]), s.Rows, s.Cols)
		}
		n.index[s.Name] = i
	}
	return n, nil
}

// Arrays are the parameter arrays in Layout.Params order.
func (n *NetOf[T]) Arrays() [][]T { return n.params }

// param is the index of the parameter named name.
func (n *NetOf[T]) param(name string) int {
	i, ok := n.index[name]
	if !ok {
		panic("unet: no parameter " + name) // a bug in this package, not an input
	}
	return i
}
