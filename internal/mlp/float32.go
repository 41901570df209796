package mlp

import "scorenet/internal/vmath"

// float32Chunk is how many values Float32Activation widens at a time, in
// buffers on the stack.
const float32Chunk = 256

// Float32Activation is act for a float32 network: each value is computed
// by act's float64 kernels from the float32 input and rounded once to
// float32. The float32 network so has the activation's bits on every
// machine (the float64 kernels are bit-identical across AVX-512, AVX2 and
// Go) and at every split over threads, and values as accurate as float32
// holds.
func Float32Activation(act Activation) ActivationOf[float32] {
	return ActivationOf[float32]{
		Value: func(dst, z []float32) {
			var buf [float32Chunk]float64
			for lo := 0; lo < len(z); lo += float32Chunk {
				b := widen(buf[:], z[lo:min(lo+float32Chunk, len(z))])
				act.Value(b, b)
				vmath.Narrow(dst[lo:], b)
			}
		},
		Derivatives: func(z, f, d1, d2 []float32) {
			var bz, bf, b1, b2 [float32Chunk]float64
			for lo := 0; lo < len(z); lo += float32Chunk {
				x := widen(bz[:], z[lo:min(lo+float32Chunk, len(z))])
				n := len(x)
				act.Derivatives(x, bf[:n], b1[:n], b2[:n])
				vmath.Narrow(f[lo:], bf[:n])
				vmath.Narrow(d1[lo:], b1[:n])
				vmath.Narrow(d2[lo:], b2[:n])
			}
		},
	}
}

// widen copies src into buf and returns the part it filled.
func widen(buf []float64, src []float32) []float64 {
	buf = buf[:len(src)]
	vmath.Widen(buf, src)
	return buf
}
