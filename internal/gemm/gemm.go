package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Float is the element type of a product: float64 (Dgemm) or float32
// (Sgemm). One blocked product serves both; only the tile kernels differ.
type Float interface{ float32 | float64 }

// The tile and block sizes. mr x nr(T) is the tile one kernel call
// computes (nr is twice as wide in float32, so that a row of the tile fills
// the same vector registers); kc is the depth of one block of k, and fixes
// the order of the sums (and so the bits of the result); mc rows of A are
// packed at a time.
const (
	mr = 8
	kc = 128
	mc = 128
)

// PanelRows is the number of rows of a packed panel of A (mr), for
// Packers.
const PanelRows = mr

// nr is the width of a tile of T: 16 float64 or 32 float32, two AVX-512
// registers either way.
func nr[T Float]() int {
	var z T
	if _, ok := any(z).(float32); ok {
		return 32
	}
	return 16
}

// workspace holds the packed blocks of one product.
type workspace[T Float] struct {
	a, b, tile []T
}

var (
	workspaces64 = sync.Pool{New: func() any { return new(workspace[float64]) }}
	workspaces32 = sync.Pool{New: func() any { return new(workspace[float32]) }}
)

func poolOf[T Float]() *sync.Pool {
	var z T
	if _, ok := any(z).(float32); ok {
		return &workspaces32
	}
	return &workspaces64
}

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
	gemmOn(0, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// DgemmOn is Dgemm split over at most threads goroutines (0: Threads), for
// callers that already run several products at once.
func DgemmOn(threads int, tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmOn(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemm is Dgemm in float32: every product and sum rounded to float32, by
// the same chain of fused multiply-adds in every kernel and on any number
// of threads, so it too has the same bits everywhere.
func Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmOn(0, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmOn is Sgemm split over at most threads goroutines (0: Threads).
func SgemmOn(threads int, tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmOn(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func gemmOn[T Float](threads int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkMatrix("A", tA, m, k, len(a), lda)
	productSplit(threads, tB, m, n, k, operandA[T]{tA: tA, a: a, lda: lda, alpha: alpha}, b, ldb, beta, c, ldc)
}

// Packer writes rows i0..i0+rows, columns p0..p0+depth of a matrix A (m x
// k) that is never stored, in the packed layout of the products: panels of
// mr = 8 rows, each stored k-major (element (i, p) of a panel at
// (p-p0) mr + (i - panel's first row)), rows past the block zero. A
// convolution's patches (im2col) are one: packed straight from the image,
// they are never written out whole.
type Packer[T Float] func(dst []T, i0, rows, p0, depth int)

// OnPacked is On for an A given by its Packer (alpha 1), split over
// threads as On splits.
func OnPacked[T Float](threads int, tB bool, m, n, k int, pack Packer[T], b []T, ldb int, beta T, c []T, ldc int) {
	productSplit(threads, tB, m, n, k, operandA[T]{pack: pack, alpha: 1}, b, ldb, beta, c, ldc)
}

// operandB is op(B) as a stored matrix (tB, b, ldb) or packed once
// (packed, from its panel panel0 on, for a part split by columns).
type operandB[T Float] struct {
	tB     bool
	b      []T
	ldb    int
	packed *PackedB[T]
	panel0 int
}

// colsFrom is the part of op(B) from column c0 on (a multiple of the panel
// width when packed).
func (o operandB[T]) colsFrom(c0 int) operandB[T] {
	switch {
	case o.packed != nil:
		o.panel0 += c0 / nr[T]()
	case o.tB:
		o.b = o.b[c0*o.ldb:] // op(B)'s columns c0.. start here
	default:
		o.b = o.b[c0:]
	}
	return o
}

// block is rows p0..p0+depth of the part's n columns of op(B) in panels:
// packed into dst, or where PackB put them.
func (o operandB[T]) block(dst []T, p0, depth, n int) []T {
	if o.packed == nil {
		packB(dst, nr[T](), o.tB, o.b, o.ldb, p0, depth, n)
		return dst
	}
	width := nr[T]()
	all := o.packed.panels[p0*o.packed.nPanels*width:]
	return all[o.panel0*width*depth : (o.panel0+(n+width-1)/width)*width*depth]
}

// PackedB is a k x n matrix op(B) packed once into the panels the kernels
// read, for a B that many products share while it does not change (a
// network's weights while it samples): each product then skips the
// packing that would copy all of B. The products' bits are those of the
// same product on the stored matrix.
type PackedB[T Float] struct {
	k, n, nPanels int
	panels        []T
}

// PackB packs op(B) (k x n, stored transposed when tB) for OnPackedB. The
// packed copy does not follow later changes to b.
func PackB[T Float](tB bool, k, n int, b []T, ldb int) *PackedB[T] {
	checkMatrix("B", tB, k, n, len(b), ldb)
	width := nr[T]()
	nPanels := (n + width - 1) / width
	p := &PackedB[T]{k: k, n: n, nPanels: nPanels, panels: make([]T, nPanels*width*k)}
	for p0 := 0; p0 < k; p0 += kc {
		depth := min(kc, k-p0)
		packB(p.panels[p0*nPanels*width:], width, tB, b, ldb, p0, depth, n)
	}
	return p
}

// OnPackedB is On with op(B) packed by PackB: C = alpha op(A) B + beta C,
// split over at most threads goroutines as On splits, with the same bits.
func OnPackedB[T Float](threads int, tA bool, m int, alpha T, a []T, lda int, b *PackedB[T], beta T, c []T, ldc int) {
	checkMatrix("A", tA, m, b.k, len(a), lda)
	productSplitB(threads, m, b.n, b.k, operandA[T]{tA: tA, a: a, lda: lda, alpha: alpha}, operandB[T]{packed: b}, beta, nil, c, ldc)
}

// OnRows sets each row of C to row (n values) plus alpha op(A) op(B),
// split over threads as On splits: the bits of C filled with row and then
// On with beta 1, without the pass that fills C (a layer's biases). row
// must not lie inside C.
func OnRows[T Float](threads int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, row []T, c []T, ldc int) {
	checkRow(len(row), n)
	checkMatrix("A", tA, m, k, len(a), lda)
	checkMatrix("B", tB, k, n, len(b), ldb)
	productSplitB(threads, m, n, k, operandA[T]{tA: tA, a: a, lda: lda, alpha: alpha}, operandB[T]{tB: tB, b: b, ldb: ldb}, 1, row, c, ldc)
}

// OnPackedRows is OnRows for an A given by its Packer (alpha 1).
func OnPackedRows[T Float](threads int, tB bool, m, n, k int, pack Packer[T], b []T, ldb int, row []T, c []T, ldc int) {
	checkRow(len(row), n)
	checkMatrix("B", tB, k, n, len(b), ldb)
	productSplitB(threads, m, n, k, operandA[T]{pack: pack, alpha: 1}, operandB[T]{tB: tB, b: b, ldb: ldb}, 1, row, c, ldc)
}

// OnPackedBRows is OnRows with op(B) packed by PackB.
func OnPackedBRows[T Float](threads int, tA bool, m int, alpha T, a []T, lda int, b *PackedB[T], row []T, c []T, ldc int) {
	checkRow(len(row), b.n)
	checkMatrix("A", tA, m, b.k, len(a), lda)
	productSplitB(threads, m, b.n, b.k, operandA[T]{tA: tA, a: a, lda: lda, alpha: alpha}, operandB[T]{packed: b}, 1, row, c, ldc)
}

// checkRow panics unless a row of size values covers n columns (a nil row
// too: to the products above it means none).
func checkRow(size, n int) {
	if size < n {
		panic(fmt.Sprintf("gemm: a row of %d values for %d columns", size, n))
	}
}

// operandA is A as a stored matrix (tA, a, lda) or a Packer; row0 is the
// first row a split product's part starts at.
type operandA[T Float] struct {
	tA    bool
	a     []T
	lda   int
	alpha T
	pack  Packer[T]
	row0  int
}

// packInto packs rows i0.. (of the part) into dst.
func (o operandA[T]) packInto(dst []T, i0, rows, p0, depth int) {
	if o.pack != nil {
		o.pack(dst, o.row0+i0, rows, p0, depth)
		return
	}
	packA(dst, o.tA, o.a, o.lda, o.alpha, i0, rows, p0, depth)
}

// rowsFrom is the part of A from row r0 on.
func (o operandA[T]) rowsFrom(r0 int) operandA[T] {
	switch {
	case o.pack != nil:
		o.row0 += r0
	case o.tA:
		o.a = o.a[r0:] // op(A)'s rows r0.. start here
	default:
		o.a = o.a[r0*o.lda:]
	}
	return o
}

func productSplit[T Float](threads int, tB bool, m, n, k int, A operandA[T], b []T, ldb int, beta T, c []T, ldc int) {
	checkMatrix("B", tB, k, n, len(b), ldb)
	productSplitB(threads, m, n, k, A, operandB[T]{tB: tB, b: b, ldb: ldb}, beta, nil, c, ldc)
}

// productSplitB is productSplit for B given as a stored matrix or packed;
// with a row (n values, checked by the exported callers), C is each row
// set to the row plus the product, beta unused.
func productSplitB[T Float](threads int, m, n, k int, A operandA[T], B operandB[T], beta T, row []T, c []T, ldc int) {
	checkMatrix("C", false, m, n, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	// With beta 0, or a row, each tile's first sums set it, C never read,
	// rather than a pass of its own over C on this goroutine (the weight
	// gradients' 10 MB of a D = 784 float32 step: 3% of it on one thread,
	// more on two; a layer's biases copied into each row first) or a clear
	// of each tile before its first block (6% of a U-Net step, in calls
	// that clear 128 bytes each).
	products := k > 0 && A.alpha != 0
	zero := beta == 0 && products && row == nil
	switch {
	case row != nil && !products:
		for i := range m {
			copy(c[i*ldc:i*ldc+n], row)
		}
	case row != nil:
	case beta == 0 && !zero && ldc == n: // one clear: a row at a time, a 32-column C spent more in the calls than in clearing
		clear(c[:m*n])
	case beta != 1 && !zero:
		for i := range m {
			crow := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(crow)
				continue
			}
			for j := range crow {
				crow[j] *= beta
			}
		}
	}
	if !products {
		return
	}
	parts := threads
	if parts <= 0 {
		parts = Threads()
	}
	if 2*float64(m)*float64(n)*float64(k) < parallelFLOPs {
		parts = 1
	}
	w := nr[T]()
	// Each part packs all of the operand it does not split: split the
	// larger side, so that the smaller is the one packed twice (a batch of
	// 128 rows split by rows had both threads pack a whole 1024 x 1024
	// weight matrix, a third of a float32 step's time on two threads).
	byRows := m >= 2*mr*parts && (m >= n || n < 2*w*parts)
	switch {
	case parts > 1 && byRows:
		split(m, mr, parts, func(r0, r1 int) {
			productOn(r1-r0, n, k, A.rowsFrom(r0), B, c[r0*ldc:], ldc, zero, row)
		})
	case parts > 1 && n >= 2*w*parts:
		split(n, w, parts, func(c0, c1 int) {
			var part []T
			if row != nil {
				part = row[c0:c1]
			}
			productOn(m, c1-c0, k, A, B.colsFrom(c0), c[c0:], ldc, zero, part)
		})
	default:
		productOn(m, n, k, A, B, c, ldc, zero, row)
	}
}

// parallelFLOPs is the smallest product worth splitting: below it, handing
// the parts to goroutines costs more than it saves.
const parallelFLOPs = 1 << 24

// split runs do on parts contiguous ranges of [0, n), cut at multiples of
// step, concurrently, and waits for them.
func split(n, step, parts int, do func(lo, hi int)) {
	runRanges(n, max(step, (n/parts+step-1)/step*step), do) // at least a step: fewer items than parts leaves parts idle
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

// productOn adds alpha op(A) op(B) to C on this goroutine; with zero, it
// sets C to it, and with a row (n values), each row of C to the row plus
// it: each tile by its first block's sums, C never read.
func productOn[T Float](m, n, k int, A operandA[T], B operandB[T], c []T, ldc int, zero bool, row []T) {
	pool := poolOf[T]()
	w := pool.Get().(*workspace[T])
	defer pool.Put(w)
	width := nr[T]()
	nPanels := (n + width - 1) / width
	if B.packed == nil {
		w.b = grow(w.b, nPanels*width*kc)
	}
	w.a = grow(w.a, mc*kc)
	w.tile = grow(w.tile, mr*width)
	for p0 := 0; p0 < k; p0 += kc {
		depth := min(kc, k-p0)
		block := B.block(w.b, p0, depth, n)
		for i0 := 0; i0 < m; i0 += mc {
			rows := min(mc, m-i0)
			A.packInto(w.a, i0, rows, p0, depth)
			for jp := range nPanels {
				j0 := jp * width
				bp := block[jp*width*depth : (jp+1)*width*depth]
				for ip := 0; ip*mr < rows; ip++ {
					i := i0 + ip*mr
					ap := w.a[ip*mr*depth : (ip+1)*mr*depth]
					// A tile's first sums set it, from 0 or the row.
					src, lds := c[i*ldc+j0:], ldc
					switch {
					case p0 > 0:
					case row != nil:
						src, lds = row[j0:], 0
					case zero:
						src, lds = zeroRow[T](), 0
					}
					if i+mr <= m && j0+width <= n {
						tileKernel(depth, ap, bp, c[i*ldc+j0:], ldc, src, lds)
						continue
					}
					// An edge tile: compute the whole padded tile aside and
					// add the part inside C.
					tileKernel(depth, ap, bp, w.tile, width, zeroRow[T](), 0)
					for r := 0; r < mr && i+r < m; r++ {
						crow := c[(i+r)*ldc+j0 : (i+r)*ldc+min(j0+width, n)]
						srow := src[r*lds:]
						for j := range crow {
							crow[j] = srow[j] + w.tile[r*width+j]
						}
					}
				}
			}
		}
	}
}

func grow[T Float](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// checkMatrix panics unless a slice of length size holds a rows x cols
// matrix (stored transposed when trans) with leading dimension ld.
func checkMatrix(name string, trans bool, rows, cols int, size int, ld int) {
	if trans {
		rows, cols = cols, rows
	}
	switch {
	case rows < 0 || cols < 0:
		panic(fmt.Sprintf("gemm: %s: negative size %d x %d", name, rows, cols))
	case ld < max(1, cols):
		panic(fmt.Sprintf("gemm: %s: leading dimension %d < %d columns", name, ld, cols))
	case rows > 0 && cols > 0 && size < (rows-1)*ld+cols:
		panic(fmt.Sprintf("gemm: %s: %d values for %d x %d with leading dimension %d", name, size, rows, cols, ld))
	}
}

// packB copies rows p0..p0+depth of op(B) into panels of width columns,
// each stored k-major (the width values of one k together), zero-padded.
func packB[T Float](dst []T, width int, tB bool, b []T, ldb, p0, depth, n int) {
	if !tB {
		// Row by row of B, each read once in order and dealt out to the
		// panels (panel by panel, each 128-byte piece came from a row 4 KB
		// past the last: a tenth of a forward pass went on it).
		full := n / width
		for p := range depth {
			copyPieces(dst[p*width:], depth*width, b[(p0+p)*ldb:(p0+p)*ldb+n], full)
		}
		if j0 := full * width; j0 < n {
			panel := dst[full*width*depth : (full+1)*width*depth]
			for p := range depth {
				out := panel[p*width : (p+1)*width]
				copy(out, b[(p0+p)*ldb+j0:(p0+p)*ldb+n])
				clear(out[n-j0:])
			}
		}
		return
	}
	for jp := 0; jp*width < n; jp++ {
		panel := dst[jp*width*depth : (jp+1)*width*depth]
		j0 := jp * width
		cols := min(width, n-j0)
		// Row j0+j of b holds op(B)'s column j: read it in order and
		// scatter it down the panel, which stays in L1 (the other way
		// round, each value came from another row of b).
		j := 0
		for ; j+mr <= cols; j += mr { // 8 rows side by side, as Interleave
			var rows [mr][]T
			for r := range rows {
				rows[r] = b[(j0+j+r)*ldb+p0 : (j0+j+r)*ldb+p0+depth]
			}
			interleaveInto(panel[j:], width, &rows, depth)
		}
		for ; j < cols; j++ {
			src := b[(j0+j)*ldb+p0 : (j0+j)*ldb+p0+depth]
			for p, v := range src {
				panel[p*width+j] = v
			}
		}
		if cols < width {
			for p := range depth {
				clear(panel[p*width+cols : (p+1)*width])
			}
		}
	}
}

// copyRow copies a panel row (8, 16 or 32 values), eight at a time.
func copyRow[T Float](dst, src []T) {
	if len(dst)%8 != 0 || len(src) < len(dst) {
		copy(dst, src)
		return
	}
	// Eight at a time by hand: in generic code an array assignment, like
	// copy, is a call to memmove, which cost more than the 128 bytes it
	// moved.
	for k := 0; k < len(dst); k += 8 {
		o, v := (*[8]T)(dst[k:]), (*[8]T)(src[k:])
		o[0], o[1], o[2], o[3] = v[0], v[1], v[2], v[3]
		o[4], o[5], o[6], o[7] = v[4], v[5], v[6], v[7]
	}
}

// packA copies alpha times rows i0..i0+rows, columns p0..p0+depth of op(A)
// into panels of mr rows, each stored k-major, zero-padded to mr.
func packA[T Float](dst []T, tA bool, a []T, lda int, alpha T, i0, rows, p0, depth int) {
	for ip := 0; ip*mr < rows; ip++ {
		panel := dst[ip*mr*depth : (ip+1)*mr*depth]
		r0 := i0 + ip*mr
		n := min(mr, i0+rows-r0)
		if tA {
			// Row p0+p of a holds op(A)'s column p, rows contiguous.
			for p := range depth {
				out, src := panel[p*mr:(p+1)*mr], a[(p0+p)*lda+r0:(p0+p)*lda+r0+n]
				if n == mr {
					copyRow(out, src) // copy's call to memmove cost more than its 8 values
					continue
				}
				copy(out, src)
				clear(out[n:])
			}
		} else {
			var rows [mr][]T // nil past the matrix's last row: zeros
			for r := range n {
				rows[r] = a[(r0+r)*lda+p0 : (r0+r)*lda+p0+depth]
			}
			Interleave(panel, &rows, depth)
		}
		if alpha != 1 {
			for q := range panel {
				panel[q] *= alpha
			}
		}
	}
}

// On is Dgemm or Sgemm by the element type, split over at most threads
// goroutines (0: Threads), for code generic over it.
func On[T Float](threads int, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmOn(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// WorkspaceBytes bounds the memory one goroutine's product holds beside
// its operands when op(B) has n columns: the packed blocks of A and B (in
// float64's size, which bounds float32's too). Each goroutine of a split
// product keeps its own.
func WorkspaceBytes(n int) float64 {
	w := nr[float64]()
	panels := (n + w - 1) / w
	return 8 * float64(panels*w*kc+mc*kc+mr*w)
}
