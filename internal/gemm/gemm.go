package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// The tile and block sizes. mr x nr is the tile one kernel call computes;
// kc is the depth of one block of k, and fixes the order of the sums (and so
// the bits of the result); mc rows of A are packed at a time.
const (
	mr = 8
	nr = 16
	kc = 128
	mc = 128
)

// workspace holds the packed blocks of one product.
type workspace struct {
	a, b []float64
	tile [mr * nr]float64
}

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

// Dgemm sets C = alpha op(A) op(B) + beta C for row-major matrices, with
// op(A) m x k and op(B) k x n; op transposes when tA (tB) is true. As in
// BLAS, C is not read when beta is 0. It panics on sizes that do not fit the
// slices, as gonum's BLAS does.
//
// A large product is split over Threads goroutines by blocks of rows (or of
// columns) of C. Each element of C is still computed by one goroutine with
// the same chain of operations, so the result has the same bits whatever the
// number of threads.
func Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	DgemmOn(0, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// DgemmOn is Dgemm split over at most threads goroutines (0: Threads), for
// callers that already run several products at once.
func DgemmOn(threads int, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkMatrix("A", tA, m, k, a, lda)
	checkMatrix("B", tB, k, n, b, ldb)
	checkMatrix("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if beta != 1 {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	parts := threads
	if parts <= 0 {
		parts = Threads()
	}
	if 2*float64(m)*float64(n)*float64(k) < parallelFLOPs {
		parts = 1
	}
	switch {
	case parts > 1 && m >= 2*mr*parts:
		split(m, mr, parts, func(r0, r1 int) {
			aOff := r0 * lda // op(A)'s rows r0.. start here
			if tA {
				aOff = r0
			}
			productOn(tA, tB, r1-r0, n, k, alpha, a[aOff:], lda, b, ldb, c[r0*ldc:], ldc)
		})
	case parts > 1 && n >= 2*nr*parts:
		split(n, nr, parts, func(c0, c1 int) {
			bOff := c0 // op(B)'s columns c0.. start here
			if tB {
				bOff = c0 * ldb
			}
			productOn(tA, tB, m, c1-c0, k, alpha, a, lda, b[bOff:], ldb, c[c0:], ldc)
		})
	default:
		productOn(tA, tB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
	}
}

// parallelFLOPs is the smallest product worth splitting: below it, handing
// the parts to goroutines costs more than it saves.
const parallelFLOPs = 1 << 24

// split runs do on parts contiguous ranges of [0, n), cut at multiples of
// step, concurrently, and waits for them.
func split(n, step, parts int, do func(lo, hi int)) {
	per := (n/parts + step - 1) / step * step
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(lo, hi)
		}()
	}
	wg.Wait()
}

// threads is the number of goroutines a large product is split over; 0
// means GOMAXPROCS.
var threads atomic.Int64

// SetThreads sets the goroutines a large product is split over (0: as many
// as GOMAXPROCS). Results do not depend on it.
func SetThreads(n int) { threads.Store(int64(max(n, 0))) }

// Threads is the number of goroutines a large product is split over.
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

// productOn adds alpha op(A) op(B) to C on this goroutine.
func productOn(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	w := workspaces.Get().(*workspace)
	defer workspaces.Put(w)
	nPanels := (n + nr - 1) / nr
	w.b = grow(w.b, nPanels*nr*kc)
	w.a = grow(w.a, mc*kc)
	for p0 := 0; p0 < k; p0 += kc {
		depth := min(kc, k-p0)
		packB(w.b, tB, b, ldb, p0, depth, n)
		for i0 := 0; i0 < m; i0 += mc {
			rows := min(mc, m-i0)
			packA(w.a, tA, a, lda, alpha, i0, rows, p0, depth)
			for jp := range nPanels {
				j0 := jp * nr
				bp := w.b[jp*nr*depth : (jp+1)*nr*depth]
				for ip := 0; ip*mr < rows; ip++ {
					i := i0 + ip*mr
					ap := w.a[ip*mr*depth : (ip+1)*mr*depth]
					if i+mr <= m && j0+nr <= n {
						tileKernel(depth, ap, bp, c[i*ldc+j0:], ldc)
						continue
					}
					// An edge tile: compute the whole padded tile aside and
					// add the part inside C.
					clear(w.tile[:])
					tileKernel(depth, ap, bp, w.tile[:], nr)
					for r := 0; r < mr && i+r < m; r++ {
						crow := c[(i+r)*ldc+j0 : (i+r)*ldc+min(j0+nr, n)]
						for j := range crow {
							crow[j] += w.tile[r*nr+j]
						}
					}
				}
			}
		}
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// checkMatrix panics unless s holds a rows x cols matrix (stored transposed
// when trans) with leading dimension ld.
func checkMatrix(name string, trans bool, rows, cols int, s []float64, ld int) {
	if trans {
		rows, cols = cols, rows
	}
	switch {
	case rows < 0 || cols < 0:
		panic(fmt.Sprintf("gemm: %s: negative size %d x %d", name, rows, cols))
	case ld < max(1, cols):
		panic(fmt.Sprintf("gemm: %s: leading dimension %d < %d columns", name, ld, cols))
	case rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols:
		panic(fmt.Sprintf("gemm: %s: %d values for %d x %d with leading dimension %d", name, len(s), rows, cols, ld))
	}
}

// packB copies rows p0..p0+depth of op(B) into panels of nr columns, each
// stored k-major (the nr values of one k together), zero-padded to nr.
func packB(dst []float64, tB bool, b []float64, ldb, p0, depth, n int) {
	for jp := 0; jp*nr < n; jp++ {
		panel := dst[jp*nr*depth : (jp+1)*nr*depth]
		j0 := jp * nr
		cols := min(nr, n-j0)
		for p := range depth {
			out := panel[p*nr : (p+1)*nr]
			if tB {
				for j := range cols {
					out[j] = b[(j0+j)*ldb+p0+p]
				}
			} else {
				copy(out, b[(p0+p)*ldb+j0:(p0+p)*ldb+j0+cols])
			}
			clear(out[cols:])
		}
	}
}

// packA copies alpha times rows i0..i0+rows, columns p0..p0+depth of op(A)
// into panels of mr rows, each stored k-major, zero-padded to mr.
func packA(dst []float64, tA bool, a []float64, lda int, alpha float64, i0, rows, p0, depth int) {
	for ip := 0; ip*mr < rows; ip++ {
		panel := dst[ip*mr*depth : (ip+1)*mr*depth]
		r0 := i0 + ip*mr
		n := min(mr, i0+rows-r0)
		if tA {
			// Row p0+p of a holds op(A)'s column p, rows contiguous.
			for p := range depth {
				out := panel[p*mr : (p+1)*mr]
				copy(out, a[(p0+p)*lda+r0:(p0+p)*lda+r0+n])
				clear(out[n:])
			}
		} else {
			for r := range n {
				src := a[(r0+r)*lda+p0 : (r0+r)*lda+p0+depth]
				for p, v := range src {
					panel[p*mr+r] = v
				}
			}
			if n < mr {
				for p := range depth {
					clear(panel[p*mr+n : (p+1)*mr])
				}
			}
		}
		if alpha != 1 {
			for q := range panel {
				panel[q] *= alpha
			}
		}
	}
}
