package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// kernelSets are the code paths a machine may take, widest first.
var kernelSets = []struct {
	name         string
	avx512, avx2 bool
}{
	{"AVX-512", true, true},
	{"AVX2", false, true},
	{"portable Go", false, false},
}

// using runs f with only the kernels of set enabled, if this CPU has them.
func using(set int, f func()) bool {
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

type product struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float64
	lda, ldb, ldc int
	a, b, c       []float64
}

// newProduct draws a product's operands, with leading dimensions pad wider
// than needed so that strides are exercised.
func newProduct(rng *rand.Rand, tA, tB bool, m, n, k int, alpha, beta float64, pad int) product {
	p := product{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	p.lda, p.ldb, p.ldc = ac+pad, bc+pad, n+pad
	fill := func(rows, ld int) []float64 {
		s := make([]float64, max(0, rows*ld))
		for i := range s {
			s[i] = rng.NormFloat64()
		}
		return s
	}
	p.a, p.b, p.c = fill(ar, p.lda), fill(br, p.ldb), fill(m, p.ldc)
	if beta == 0 {
		for i := range p.c {
			p.c[i] = math.NaN() // BLAS: C is not read when beta is 0
		}
	}
	return p
}

func (p product) at(s []float64, ld int, trans bool, i, j int) float64 {
	if trans {
		return s[j*ld+i]
	}
	return s[i*ld+j]
}

// run returns C after the product, leaving p's C untouched.
func (p product) run() []float64 {
	c := append([]float64(nil), p.c...)
	Dgemm(p.tA, p.tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// TestDgemmMatchesDefinition checks the product element by element against
// its definition, summed naively, within a bound on the rounding of a sum
// of k products.
func TestDgemmMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name        string
		m, n, k     int
		alpha, beta float64
	}{
		{"one tile", 8, 16, 5, 1, 1},
		{"square 128", 128, 128, 128, 1, 0},
		{"deeper than a block", 16, 32, 300, 1, 1},
		{"edges everywhere", 13, 21, 7, 1, 1},
		{"one row", 1, 40, 9, 1, 0},
		{"one column", 37, 1, 9, 1, 1},
		{"two outputs", 130, 2, 129, 1, 0},
		{"depth 1", 9, 17, 1, 1, 1},
		{"more rows than a block", 200, 24, 20, 1, 0},
		{"alpha and beta", 12, 20, 30, -0.5, 2.5},
		{"alpha 0 scales C only", 5, 6, 7, 0, 0.5},
		{"k 0 scales C only", 5, 6, 0, 1, 0.5},
		{"empty", 0, 6, 4, 1, 1},
	}
	for _, tc := range tests {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				name := fmt.Sprintf("%s/tA=%v,tB=%v", tc.name, tA, tB)
				t.Run(name, func(t *testing.T) {
					p := newProduct(rng, tA, tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, 3)
					got := p.run()
					for i := range p.m {
						for j := range p.n {
							sum, mag := 0.0, 0.0
							for q := range p.k {
								v := p.at(p.a, p.lda, tA, i, q) * p.at(p.b, p.ldb, tB, q, j)
								sum += v
								mag += math.Abs(v)
							}
							want := tc.alpha * sum
							if tc.beta != 0 {
								want += tc.beta * p.c[i*p.ldc+j]
								mag = math.Abs(tc.alpha)*mag + math.Abs(tc.beta*p.c[i*p.ldc+j])
							}
							if diff := math.Abs(got[i*p.ldc+j] - want); diff > 1e-15*float64(p.k+2)*mag+1e-300 {
								t.Fatalf("C[%d,%d] = %v, want %v (difference %.3g)", i, j, got[i*p.ldc+j], want, diff)
							}
						}
						// The padding beyond n columns is not C's and stays.
						for j := p.n; j < p.ldc && i*p.ldc+j < len(got); j++ {
							if !sameFloat(got[i*p.ldc+j], p.c[i*p.ldc+j]) {
								t.Fatalf("C's padding at row %d column %d changed", i, j)
							}
						}
					}
				})
			}
		}
	}
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestKernelsGiveTheSameBits checks that the assembly kernels and the Go
// give identical products, so that results do not depend on the machine.
func TestKernelsGiveTheSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	compared := 0
	for trial := range 60 {
		m, n, k := 1+rng.IntN(70), 1+rng.IntN(70), 1+rng.IntN(300)
		if trial < 3 {
			m, n, k = 128, 128, 128*(trial+1)
		}
		p := newProduct(rng, rng.IntN(2) == 0, rng.IntN(2) == 0, m, n, k, 1, float64(rng.IntN(2)), rng.IntN(3))
		var want []float64
		using(2, func() { want = p.run() })
		for set := range kernelSets[:2] {
			var got []float64
			if !using(set, func() { got = p.run() }) {
				continue
			}
			compared++
			for i := range got {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%s, %d x %d x %d: element %d is %v, the Go gives %v", kernelSets[set].name, m, n, k, i, got[i], want[i])
				}
			}
		}
	}
	if compared == 0 {
		t.Skipf("no assembly kernels here (%s); nothing to compare", Kernel())
	}
}

func TestDgemmPanicsOnBadSizes(t *testing.T) {
	tests := []struct {
		name string
		call func()
	}{
		{"A too short", func() {
			Dgemm(false, false, 2, 2, 2, 1, make([]float64, 3), 2, make([]float64, 4), 2, 0, make([]float64, 4), 2)
		}},
		{"lda below columns", func() {
			Dgemm(false, false, 2, 2, 3, 1, make([]float64, 6), 2, make([]float64, 6), 2, 0, make([]float64, 4), 2)
		}},
		{"C too short", func() {
			Dgemm(false, false, 2, 2, 2, 1, make([]float64, 4), 2, make([]float64, 4), 2, 0, make([]float64, 3), 2)
		}},
		{"negative size", func() { Dgemm(false, false, -1, 2, 2, 1, nil, 2, make([]float64, 4), 2, 0, nil, 2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Error("no panic")
				} else if s, _ := r.(string); len(s) < 6 || s[:6] != "gemm: " {
					t.Errorf("panic %q does not start with the package name", r)
				}
			}()
			tc.call()
		})
	}
}

// A product split over goroutines, by rows or by columns, gives the bits of
// the product on one, whatever the number of threads.
func TestThreadsGiveTheSameBits(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(3, 3))
	shapes := [][3]int{{256, 256, 300}, {8, 1000, 300}, {1000, 8, 300}, {130, 129, 257}, {37, 600, 150}, {600, 37, 150}}
	for trial := range 20 {
		shapes = append(shapes, [3]int{1 + rng.IntN(400), 1 + rng.IntN(400), 1 + rng.IntN(400)})
		_ = trial
	}
	for _, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		p := newProduct(rng, rng.IntN(2) == 0, rng.IntN(2) == 0, m, n, k, 1, float64(rng.IntN(2)), rng.IntN(3))
		SetThreads(1)
		want := p.run()
		for _, threads := range []int{2, 3, 8} {
			SetThreads(threads)
			got := p.run()
			for i := range got {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%d threads, %d x %d x %d (tA %v, tB %v): element %d is %v, one thread gives %v", threads, m, n, k, p.tA, p.tB, i, got[i], want[i])
				}
			}
		}
	}
}

// A Packer that packs a stored matrix gives the product of that matrix,
// bit for bit, split over threads or not.
func TestOnPackedMatchesOn(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	m, n, k := 301, 70, 150
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	for i := range b {
		b[i] = float32(r.NormFloat64())
	}
	want := make([]float32, m*n)
	On(1, false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	pack := func(dst []float32, i0, rows, p0, depth int) { packA(dst, false, a, k, 1, i0, rows, p0, depth) }
	for _, threads := range []int{1, 2, 8} {
		got := make([]float32, m*n)
		OnPacked(threads, false, m, n, k, pack, b, n, 0, got, n)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d threads: C[%d] = %v, want %v", threads, i, got[i], want[i])
			}
		}
	}
}

// A product on a B packed once has the bits of the same product on the
// stored B, however it is split (by rows for a tall A, by columns for a
// wide B, at panel edges and past kc in depth).
func TestOnPackedBMatchesOn(t *testing.T) {
	cases := []struct {
		name        string
		m, n, k     int
		tA, tB      bool
		alpha, beta float64
	}{
		{name: "tall A, split by rows", m: 301, n: 70, k: 150, alpha: 1},
		{name: "wide B, split by columns", m: 40, n: 1030, k: 300, alpha: 1, beta: 1},
		{name: "transposed operands", m: 129, n: 97, k: 257, tA: true, tB: true, alpha: 0.5, beta: -2},
		{name: "one panel", m: 8, n: 16, k: 3, alpha: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPackedB[float64](t, c.m, c.n, c.k, c.tA, c.tB, c.alpha, c.beta)
			checkPackedB[float32](t, c.m, c.n, c.k, c.tA, c.tB, c.alpha, c.beta)
		})
	}
}

func checkPackedB[T Float](t *testing.T, m, n, k int, tA, tB bool, alpha, beta float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 5))
	a, b, c0 := make([]T, m*k), make([]T, k*n), make([]T, m*n)
	for _, s := range [][]T{a, b, c0} {
		for i := range s {
			s[i] = T(r.NormFloat64())
		}
	}
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	want := append([]T(nil), c0...)
	On(1, tA, tB, m, n, k, T(alpha), a, lda, b, ldb, T(beta), want, n)
	packed := PackB(tB, k, n, b, ldb)
	for _, threads := range []int{1, 2, 3, 8} {
		got := append([]T(nil), c0...)
		OnPackedB(threads, tA, m, T(alpha), a, lda, packed, T(beta), got, n)
		for i := range want {
			if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("%T, %d threads: C[%d] = %v, want %v", want[0], threads, i, got[i], want[i])
			}
		}
	}
}

// A large product split over more threads than its depth k, with beta 0,
// sets C to the exact products (k = 1) on every kernel and in both types,
// never reads C's NaNs, leaves the padding beyond n alone, and returns (a
// split of fewer items than parts once never ended).
func TestSplitProductsOfDepthOne(t *testing.T) {
	cases := []struct {
		name string
		m, n int
	}{
		{"split by columns", 2048, 4096},
		{"split by rows", 4096, 2048},
	}
	for _, c := range cases {
		for set, ks := range kernelSets {
			t.Run(c.name+"/"+ks.name, func(t *testing.T) {
				if !using(set, func() {
					checkDepthOne[float64](t, c.m, c.n)
					checkDepthOne[float32](t, c.m, c.n)
				}) {
					t.Skip("not on this CPU")
				}
			})
		}
	}
}

func checkDepthOne[T Float](t *testing.T, m, n int) {
	rng := rand.New(rand.NewPCG(9, 9))
	a, b := make([]T, m), make([]T, n)
	for i := range a {
		a[i] = T(rng.NormFloat64())
	}
	for j := range b {
		b[j] = T(rng.NormFloat64())
	}
	ldc := n + 3
	c := make([]T, m*ldc)
	for _, threads := range []int{1, 2, 3, 16} {
		for i := range c {
			c[i] = T(math.NaN())
		}
		On(threads, false, false, m, n, 1, 1, a, 1, b, n, 0, c, ldc)
		for i := range m {
			for j := range ldc {
				got := c[i*ldc+j]
				if j >= n {
					if !math.IsNaN(float64(got)) {
						t.Fatalf("%T, %d threads: padding C[%d][%d] was written: %v", got, threads, i, j, got)
					}
					continue
				}
				if want := a[i] * b[j]; got != want {
					t.Fatalf("%T, %d threads: C[%d][%d] = %v, want %v", got, threads, i, j, got, want)
				}
			}
		}
	}
}

// A product that starts from a row (OnRows, OnPackedRows, OnPackedBRows)
// has the bits of C filled with the row and then the product added with
// beta 1, on every kernel and number of threads: tall and wide (split by
// rows and by columns), edge tiles, past kc in depth, and with no
// products to add (k = 0, alpha = 0), where C is the row. C's NaNs are
// never read.
func TestProductsFromARowMatchFillingC(t *testing.T) {
	cases := []struct {
		name    string
		m, n, k int
		tA, tB  bool
		alpha   float64
	}{
		{name: "tall, split by rows", m: 1000, n: 40, k: 300, alpha: 1},
		{name: "wide, split by columns", m: 40, n: 1030, k: 300, alpha: 1},
		{name: "transposed operands, split", m: 400, n: 97, k: 257, tA: true, tB: true, alpha: 0.5},
		{name: "one edge tile", m: 5, n: 3, k: 2, alpha: 1},
		{name: "no depth", m: 20, n: 40, k: 0, alpha: 1},
		{name: "alpha 0", m: 20, n: 40, k: 7, alpha: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for set := range kernelSets {
				using(set, func() {
					checkRows[float64](t, kernelSets[set].name, c.m, c.n, c.k, c.tA, c.tB, c.alpha)
					checkRows[float32](t, kernelSets[set].name, c.m, c.n, c.k, c.tA, c.tB, c.alpha)
				})
			}
		})
	}
}

func checkRows[T Float](t *testing.T, kernels string, m, n, k int, tA, tB bool, alpha float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(6, 6))
	a, b, row := make([]T, m*k), make([]T, k*n), make([]T, n)
	for _, s := range [][]T{a, b, row} {
		for i := range s {
			s[i] = T(r.NormFloat64())
		}
	}
	lda, ldb := max(k, 1), n
	if tA {
		lda = m
	}
	if tB {
		ldb = max(k, 1)
	}
	want := make([]T, m*n)
	for i := range m {
		copy(want[i*n:], row)
	}
	On(1, tA, tB, m, n, k, T(alpha), a, lda, b, ldb, 1, want, n)
	nans := func() []T {
		c := make([]T, m*n)
		for i := range c {
			c[i] = T(math.NaN())
		}
		return c
	}
	check := func(how string, threads int, got []T) {
		t.Helper()
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s, %T, %s, %d threads: C[%d] = %v, want %v", kernels, want[0], how, threads, i, got[i], want[i])
			}
		}
	}
	for _, threads := range []int{1, 2, 3, 8} {
		got := nans()
		OnRows(threads, tA, tB, m, n, k, T(alpha), a, lda, b, ldb, row, got, n)
		check("OnRows", threads, got)
		got = nans()
		OnPackedBRows(threads, tA, m, T(alpha), a, lda, PackB(tB, k, n, b, ldb), row, got, n)
		check("OnPackedBRows", threads, got)
		if alpha == 1 {
			pack := func(dst []T, i0, rows, p0, depth int) { packA(dst, tA, a, lda, 1, i0, rows, p0, depth) }
			got = nans()
			OnPackedRows(threads, tB, m, n, k, pack, b, ldb, row, got, n)
			check("OnPackedRows", threads, got)
		}
	}
}

// A missing row is refused, not taken as "add to C".
func TestProductsFromARowRefuseNoRow(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("OnRows with a nil row: no panic")
		}
	}()
	c := []float64{1, 2, 3, 4}
	OnRows(1, false, false, 2, 2, 1, 1, []float64{1, 1}, 1, []float64{1, 1}, 2, nil, c, 2)
}
