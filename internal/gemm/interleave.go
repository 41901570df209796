package gemm

// zeroRow32 and zeroRow64 stand for the rows of a panel that lie outside
// the matrix: Interleave reads them as it reads any other row, so that its
// loop has no branch per element.
var (
	zeroRow32 [kc]float32
	zeroRow64 [kc]float64
)

// zeroRowOf is a row of kc zeros of T, shared and never written.
func zeroRowOf[T Float]() []T {
	if z, ok := any(zeroRow32[:]).([]T); ok {
		return z
	}
	return any(zeroRow64[:]).([]T)
}

// Interleave writes a panel of PanelRows rows and depth columns in the
// packed layout (element (r, p) at p PanelRows + r), row r read from
// rows[r][:depth], zeros where rows[r] is nil. Packing is a transpose of
// 8 rows, and reading the 8 rows side by side writes the panel in order,
// 8 values a column, where a row at a time scatters each value 8 apart.
func Interleave[T Float](dst []T, rows *[mr][]T, depth int) {
	var src [mr][]T
	for p0 := 0; p0 < depth; p0 += kc {
		d := min(kc, depth-p0)
		for r, row := range rows {
			if row == nil {
				src[r] = zeroRowOf[T]()[:d]
			} else {
				src[r] = row[p0 : p0+d]
			}
		}
		interleave8(dst[p0*mr:(p0+d)*mr], &src, d)
	}
}

// interleave8 is Interleave of depth <= kc columns from rows all present.
func interleave8[T Float](dst []T, src *[mr][]T, depth int) {
	interleaveInto(dst, mr, src, depth)
}

// interleaveInto writes column p of the 8 rows src (each at least depth
// long) to dst[p stride:][:8]: a panel of A (stride mr), or 8 columns of a
// panel of B read from a transposed B (stride nr).
func interleaveInto[T Float](dst []T, stride int, src *[mr][]T, depth int) {
	s0, s1, s2, s3 := src[0][:depth], src[1][:depth], src[2][:depth], src[3][:depth]
	s4, s5, s6, s7 := src[4][:depth], src[5][:depth], src[6][:depth], src[7][:depth]
	if depth == 0 {
		return
	}
	dst = dst[:(depth-1)*stride+mr]
	for p := transposeAVX2(dst, stride, src, depth); p < depth; p++ {
		o := (*[mr]T)(dst[p*stride:])
		o[0], o[1], o[2], o[3] = s0[p], s1[p], s2[p], s3[p]
		o[4], o[5], o[6], o[7] = s4[p], s5[p], s6[p], s7[p]
	}
}
