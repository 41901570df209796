package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// adamCase is a parameter vector, its gradient and moments, for every
// length up to a few vector widths (so that each kernel leaves tails) and
// then a long one, with special values among them.
func adamCase(rng *rand.Rand, n int) (theta, grad, m, v []float64) {
	theta, grad, m, v = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for k := range n {
		scale := math.Pow(10, float64(rng.IntN(12)-8))
		theta[k], grad[k] = rng.NormFloat64(), rng.NormFloat64()*scale
		m[k], v[k] = rng.NormFloat64()*scale*0.1, math.Abs(rng.NormFloat64())*scale*scale
	}
	return
}

// Every kernel updates to the bits of the portable Go, whatever the length
// (the vector part and the tail split at different places), with weight
// decay and a clipping scale, and on values from 1e-8 to 1e3.
func TestAdamKernelsMatchTheGo(t *testing.T) {
	step := AdamStep{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-4, Scale: 0.7, C1: 1 - math.Pow(0.9, 7), C2: 1 - math.Pow(0.999, 7)}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099} {
		theta, grad, m, v := adamCase(rng, n)
		var want [3][]float64
		for i, s := range [][]float64{theta, m, v} {
			want[i] = append([]float64(nil), s...)
		}
		if !adamScalar(want[0], grad, want[1], want[2], step) {
			t.Fatalf("n %d: the Go's update is not finite", n)
		}
		for set := range kernelSets {
			got := [3][]float64{append([]float64(nil), theta...), append([]float64(nil), m...), append([]float64(nil), v...)}
			var finite bool
			if !using(t, set, func() { finite = AdamUpdate(got[0], grad, got[1], got[2], step) }) {
				continue
			}
			if !finite {
				t.Errorf("%s, n %d: reported not finite", kernelSets[set].name, n)
			}
			for i, name := range []string{"theta", "m", "v"} {
				for k := range got[i] {
					if !sameFloat(got[i][k], want[i][k]) {
						t.Fatalf("%s, n %d: %s[%d] = %v, the Go gives %v", kernelSets[set].name, n, name, k, got[i][k], want[i][k])
					}
				}
			}
		}
	}
}

// A first step from zero moments moves every parameter by LR times the
// sign of its gradient, less Eps's share: (1-b1)g/c1 over
// sqrt((1-b2)g²)/sqrt(c2) + eps is g/(|g| + eps) when c1 = 1-b1, c2 = 1-b2.
func TestAdamFirstStepIsTheLearningRate(t *testing.T) {
	step := AdamStep{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Scale: 1, C1: 0.1, C2: 0.001}
	grad := []float64{3, -2, 1e-3, -1e-5, 0.5, 7, -7, 1, 2, -0.25, 4e-2, 9}
	for set := range kernelSets {
		theta, m, v := make([]float64, len(grad)), make([]float64, len(grad)), make([]float64, len(grad))
		if !using(t, set, func() { AdamUpdate(theta, grad, m, v, step) }) {
			continue
		}
		for k, g := range grad {
			want := -0.01 * g / (math.Abs(g) + 1e-8)
			if math.Abs(theta[k]-want) > 1e-12*math.Abs(want)+1e-18 {
				t.Errorf("%s: theta[%d] = %v after a first step on gradient %v, want %v", kernelSets[set].name, k, theta[k], g, want)
			}
		}
	}
}

// A non-finite gradient, anywhere in the vector part or the tail, is
// reported; so is a gradient of 1e200, whose square makes v infinite while
// theta and m stay finite.
func TestAdamReportsNonFinite(t *testing.T) {
	step := AdamStep{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Scale: 1, C1: 0.1, C2: 0.001}
	for set := range kernelSets {
		for _, at := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 18} {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e200, -1e200} {
				theta, grad, m, v := adamCase(rand.New(rand.NewPCG(1, uint64(at))), 19)
				grad[at] = bad
				var finite bool
				if !using(t, set, func() { finite = AdamUpdate(theta, grad, m, v, step) }) {
					continue
				}
				if finite {
					t.Errorf("%s: a gradient of %v at %d reported finite", kernelSets[set].name, bad, at)
				}
			}
		}
	}
}

func toFloat32s(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

// The float32 kernels update to the bits of the portable Go's float32
// update too, whatever the length; and report a gradient whose square
// overflows float32 (1e30) or that is not finite, in the vector part or
// the tail.
func TestAdamFloat32KernelsMatchTheGo(t *testing.T) {
	step := AdamStep{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-4, Scale: 0.7, C1: 1 - math.Pow(0.9, 7), C2: 1 - math.Pow(0.999, 7)}
	rng := rand.New(rand.NewPCG(5, 6))
	compared := 0
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099} {
		theta64, grad64, m64, v64 := adamCase(rng, n)
		theta, grad, m, v := toFloat32s(theta64), toFloat32s(grad64), toFloat32s(m64), toFloat32s(v64)
		want := [3][]float32{append([]float32(nil), theta...), append([]float32(nil), m...), append([]float32(nil), v...)}
		if !adamScalar(want[0], grad, want[1], want[2], step) {
			t.Fatalf("n %d: the Go's update is not finite", n)
		}
		for set := range kernelSets[:2] {
			got := [3][]float32{append([]float32(nil), theta...), append([]float32(nil), m...), append([]float32(nil), v...)}
			var finite bool
			if !using(t, set, func() { finite = AdamUpdate(got[0], grad, got[1], got[2], step) }) {
				continue
			}
			compared++
			if !finite {
				t.Errorf("%s, n %d: reported not finite", kernelSets[set].name, n)
			}
			for i, name := range []string{"theta", "m", "v"} {
				for k := range got[i] {
					if math.Float32bits(got[i][k]) != math.Float32bits(want[i][k]) {
						t.Fatalf("%s, n %d: %s[%d] = %v, the Go gives %v", kernelSets[set].name, n, name, k, got[i][k], want[i][k])
					}
				}
			}
		}
	}
	for set := range kernelSets {
		for _, at := range []int{0, 5, 15, 16, 20, 33} {
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), 1e30, -1e30} {
				theta64, grad64, m64, v64 := adamCase(rand.New(rand.NewPCG(2, uint64(at))), 35)
				theta, grad, m, v := toFloat32s(theta64), toFloat32s(grad64), toFloat32s(m64), toFloat32s(v64)
				grad[at] = bad
				var finite bool
				if !using(t, set, func() { finite = AdamUpdate(theta, grad, m, v, step) }) {
					continue
				}
				if finite {
					t.Errorf("%s: a float32 gradient of %v at %d reported finite", kernelSets[set].name, bad, at)
				}
			}
		}
	}
	if compared == 0 {
		t.Skipf("no assembly kernels here; nothing to compare")
	}
}
