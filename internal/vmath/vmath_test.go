package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// testInputs are the values the functions are checked on: the special
// values, the edges of the reductions, and random values over many scales.
func testInputs(rng *rand.Rand) []float64 {
	x := []float64{
		0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(),
		746, -746, 745.1, -745.1, 745.2, 744, 708.4, -708.4, 709.8, 1e300, -1e300,
		1e-300, -1e-300, 5e-324, -5e-324, 2.2250738585072014e-308,
		math.Log(1 / (sqrt2 - 1)), -math.Log(1 / (sqrt2 - 1)),
		math.Nextafter(math.Log(1/(sqrt2-1)), 0), 36.7, -36.7, 37.5, -37.5,
	}
	for _, scale := range []float64{1e-12, 1e-6, 1e-3, 0.1, 1, 3, 10, 40, 300} {
		for range 2000 {
			x = append(x, rng.NormFloat64()*scale)
		}
	}
	for range 4000 {
		x = append(x, (rng.Float64()*2-1)*760)
	}
	return x
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// kernelSets are the code paths a machine may take, widest first; each
// runs only where the CPU has what it needs.
var kernelSets = []struct {
	name         string
	avx512, avx2 bool
}{
	{"AVX-512", true, true},
	{"AVX2", false, true},
	{"portable Go", false, false},
}

// using runs f with only the kernels of set enabled, if this CPU has them.
func using(_ testing.TB, set int, f func()) bool {
	ks := kernelSets[set]
	if (ks.avx512 && !haveAVX512) || (ks.avx2 && !haveAVX2) {
		return false
	}
	saved512, saved2 := haveAVX512, haveAVX2
	haveAVX512, haveAVX2 = ks.avx512, ks.avx2
	defer func() { haveAVX512, haveAVX2 = saved512, saved2 }()
	f()
	return true
}

// sliceFuncs are the package's functions, each returning its outputs.
var sliceFuncs = []struct {
	name string
	run  func(x []float64) [][]float64
}{
	{"SoftplusSigmoid", func(x []float64) [][]float64 {
		sp, sig := make([]float64, len(x)), make([]float64, len(x))
		SoftplusSigmoid(sp, sig, x)
		return [][]float64{sp, sig}
	}},
	{"Softplus", one(Softplus)},
	{"Sigmoid", one(Sigmoid)},
	{"Swish", one(Swish)},
	{"Tanh", one(Tanh)},
	{"ELU", one(ELU)},
	{"ExpNegAbs", one(ExpNegAbs)},
}

func one(f func(dst, x []float64)) func(x []float64) [][]float64 {
	return func(x []float64) [][]float64 {
		dst := make([]float64, len(x))
		f(dst, x)
		return [][]float64{dst}
	}
}

// TestKernelsMatchPortableGo checks that every assembly kernel this CPU can
// run gives the same bits as the portable Go, for every input and for slice
// lengths that exercise each mix of wide kernel, narrow kernel and tail, so
// that runs are reproducible across machines.
func TestKernelsMatchPortableGo(t *testing.T) {
	x := testInputs(rand.New(rand.NewPCG(1, 2)))
	compared := 0
	for set := range kernelSets[:2] {
		for _, fn := range sliceFuncs {
			for _, n := range []int{0, 1, 3, 4, 5, 8, 15, 16, 17, 20, 31, 33, len(x)} {
				in := x[len(x)-n:]
				var fast, slow [][]float64
				if !using(t, set, func() { fast = fn.run(in) }) {
					continue
				}
				using(t, 2, func() { slow = fn.run(in) })
				compared++
				for out := range fast {
					for k, v := range in {
						if !sameFloat(fast[out][k], slow[out][k]) {
							t.Fatalf("%s, n=%d, %s output %d at %v: kernel %v (%#x), Go %v (%#x)", kernelSets[set].name, n, fn.name, out, v,
								fast[out][k], math.Float64bits(fast[out][k]), slow[out][k], math.Float64bits(slow[out][k]))
						}
					}
				}
			}
		}
	}
	if compared == 0 {
		t.Skipf("no assembly kernels here (%s); nothing to compare", Kernel())
	}
}

// ulps is the distance from got to want in units in the last place of want.
func ulps(got, want float64) float64 {
	if got == want {
		return 0
	}
	ulp := math.Nextafter(math.Abs(want), math.Inf(1)) - math.Abs(want)
	if want == 0 || math.Abs(want) < 2.2250738585072014e-308 {
		ulp = 5e-324
	}
	return math.Abs(got-want) / ulp
}

// TestAccuracy checks the building blocks and the functions against the
// math package (itself within 1 ulp) on every test input.
func TestAccuracy(t *testing.T) {
	x := testInputs(rand.New(rand.NewPCG(3, 4)))
	// A fine sweep of the log's reduction interval too.
	for e := 0.0; e <= 1; e += 1.0 / 65536 {
		x = append(x, -math.Log(e))
	}
	tests := []struct {
		name string
		max  float64 // ulps
		got  func(v float64) float64
		want func(v float64) float64
	}{
		{"exp(-|v|)", 2, expNegAbs, func(v float64) float64 { return math.Exp(-math.Abs(v)) }},
		{"log1p(e), e in [0,1]", 2,
			func(v float64) float64 { l, _ := log1pUnit(math.Exp(-math.Abs(v))); return l },
			func(v float64) float64 { return math.Log1p(math.Exp(-math.Abs(v))) }},
		{"softplus", 2,
			func(v float64) float64 { sp, _ := softplusSigmoid(v); return sp },
			func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) }},
		{"expm1(-|v|)", 2,
			func(v float64) float64 { return expm1Neg(-math.Abs(v)) },
			func(v float64) float64 { return math.Expm1(-math.Abs(v)) }},
		{"swish", 4, swish, func(v float64) float64 { // the reference rounds 3 or 4 times
			if v >= 0 {
				return v / (1 + math.Exp(-v))
			}
			return v * math.Exp(v) / (1 + math.Exp(v))
		}},
		{"tanh", 2, tanh, math.Tanh},
		{"elu", 2, elu, func(v float64) float64 {
			if v > 0 {
				return v
			}
			return math.Expm1(v)
		}},
		{"sigmoid", 2, sigmoid, func(v float64) float64 {
			if v >= 0 {
				return 1 / (1 + math.Exp(-v))
			}
			return math.Exp(v) / (1 + math.Exp(v))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			worst, at := 0.0, 0.0
			for _, v := range x {
				got, want := tc.got(v), tc.want(v)
				if math.IsNaN(want) || math.IsNaN(got) {
					if math.IsNaN(want) != math.IsNaN(got) {
						t.Fatalf("at %v: got %v, want %v", v, got, want)
					}
					continue
				}
				if u := ulps(got, want); u > worst {
					worst, at = u, v
				}
			}
			t.Logf("largest difference from math: %.2f ulp, at %v", worst, at)
			if worst > tc.max {
				t.Errorf("%.2f ulp from math at %v, more than %v", worst, at, tc.max)
			}
		})
	}
}

func TestShortDestinationPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a destination shorter than the input")
		}
	}()
	Softplus(make([]float64, 3), make([]float64, 4))
}

// TestSpecialValues checks every function at zeros, infinities, NaN and the
// far ends of its range, through each kernel and the Go tail.
func TestSpecialValues(t *testing.T) {
	inf, nan, negZero := math.Inf(1), math.NaN(), math.Copysign(0, -1)
	tests := []struct {
		name                                           string
		x                                              float64
		softplus, sigmoid, swish, tanh, elu, expNegAbs float64
	}{
		{"zero", 0, math.Ln2, 0.5, 0, 0, 0, 1},
		{"negative zero", negZero, math.Ln2, 0.5, negZero, negZero, 0, 1},
		{"plus infinity", inf, inf, 1, inf, 1, inf, 0},
		{"minus infinity", -inf, 0, 0, nan, -1, -1, 0},
		{"NaN", nan, nan, nan, nan, nan, nan, nan},
		{"far right", 800, 800, 1, 800, 1, 800, 0},
		{"far left", -800, 0, 0, negZero, -1, -1, 0},
		{"tiny", 1e-300, math.Ln2, 0.5, 5e-301, 1e-300, 1e-300, 1},
		{"tiny negative", -1e-300, math.Ln2, 0.5, -5e-301, -1e-300, -1e-300, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := make([]float64, 21) // through each kernel and the tail
			for k := range x {
				x[k] = tc.x
			}
			want := []float64{tc.softplus, tc.sigmoid, tc.softplus, tc.sigmoid, tc.swish, tc.tanh, tc.elu, tc.expNegAbs}
			for set := range kernelSets {
				var got [][]float64
				if !using(t, set, func() {
					for _, fn := range sliceFuncs {
						got = append(got, fn.run(x)...)
					}
				}) {
					continue // not on this CPU
				}
				for out, w := range want {
					for k, g := range got[out] {
						if !sameFloat(g, w) {
							t.Errorf("%s, output %d (of SoftplusSigmoid x2, Softplus, Sigmoid, Swish, Tanh, ELU, ExpNegAbs), element %d: %v, want %v",
								kernelSets[set].name, out, k, g, w)
						}
					}
				}
			}
		})
	}
}
