package nn

import (
	"fmt"

	"gorgonia.org/tensor"
)

// SetData copies src into the float64 or float32 tensor t and zeroes the
// rest of it, so that a partly filled batch has zero padding rows.
func SetData(t *tensor.Dense, src []float64) {
	switch d := t.Data().(type) {
	case []float64:
		n := copy(d, src)
		clear(d[n:])
	case []float32:
		for i := range d {
			if i < len(src) {
				d[i] = float32(src[i])
			} else {
				d[i] = 0
			}
		}
	default:
		panic(fmt.Sprintf("nn: unsupported tensor data %T", d))
	}
}

// Data is anything that holds float64 or float32 values: a tensor, or a
// gorgonia value (scalars are not tensors there).
type Data interface{ Data() any }

// GetData copies the first len(dst) values of t into dst.
func GetData(dst []float64, t Data) {
	switch d := t.Data().(type) {
	case []float64:
		copy(dst, d)
	case []float32:
		for i := range dst {
			dst[i] = float64(d[i])
		}
	case float64:
		dst[0] = d
	case float32:
		dst[0] = float64(d)
	default:
		panic(fmt.Sprintf("nn: unsupported tensor data %T", d))
	}
}

// Scalar returns the value of a float64 or float32 scalar.
func Scalar(t Data) float64 {
	var v [1]float64
	GetData(v[:], t)
	return v[0]
}
