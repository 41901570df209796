package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackingIsTheSameOnEveryPath packs blocks of B (plain and transposed)
// and panels of A with the AVX2 moves and with the Go, and wants the same
// bits: depths that are and are not whole blocks of the transpose, widths
// with a partial panel, padded leading dimensions, and NaN payloads, which
// a move must carry unchanged.
func TestPackingIsTheSameOnEveryPath(t *testing.T) {
	if !haveAVX2 {
		t.Skip("gemm: this CPU (or build) has no AVX2 packing to compare with the Go")
	}
	testPacking[float64](t)
	testPacking[float32](t)
}

func testPacking[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	width := nr[T]()
	for _, c := range []struct {
		name            string
		depth, n, extra int
	}{
		{"one value", 1, 1, 0},
		{"a block short of the transpose's", 3, 7, 1},
		{"whole blocks", 16, 2 * width, 0},
		{"blocks and a tail", 13, 3*width + 5, 3},
		{"a full depth", kc, width + 1, 2},
	} {
		ld := max(c.depth, c.n) + c.extra
		src := make([]T, (max(c.depth, c.n)+1)*ld)
		for i := range src {
			src[i] = T(rng.NormFloat64())
		}
		src[1] = T(math.Float64frombits(0x7ff8_0000_dead_beef)) // a NaN with a payload
		panels := (c.n + width - 1) / width
		for _, tB := range []bool{false, true} {
			pack := func() []T {
				dst := make([]T, panels*width*c.depth)
				packB(dst, width, tB, src, ld, 0, c.depth, c.n)
				return dst
			}
			compareBits(t, c.name+", B", pack)
		}
		for _, tA := range []bool{false, true} {
			rows := min(c.n, mc)
			pack := func() []T {
				dst := make([]T, (rows+mr-1)/mr*mr*c.depth)
				packA(dst, tA, src, ld, 1, 0, rows, 0, c.depth)
				return dst
			}
			compareBits(t, c.name+", A", pack)
		}
	}
}

// compareBits runs pack with the AVX2 moves and with the Go only.
func compareBits[T Float](t *testing.T, name string, pack func() []T) {
	t.Helper()
	fast := pack()
	var slow []T
	using(len(kernelSets)-1, func() { slow = pack() })
	for i := range fast {
		if bitsOf(fast[i]) != bitsOf(slow[i]) {
			t.Fatalf("%s (%T): value %d is %v with AVX2, %v in Go", name, fast[i], i, fast[i], slow[i])
		}
	}
}

func bitsOf[T Float](v T) uint64 {
	if f, ok := any(v).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(v))
}
