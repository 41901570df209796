// Package gemm multiplies float64 and float32 matrices for scorenet's
// pure-Go build: one packed, blocked product whose inner tile (8 x 16
// float64, 8 x 32 float32) runs as AVX-512 or AVX2 assembly where the CPU
// has it, and as Go elsewhere.
//
// Every element of C is the same chain of fused multiply-adds in every
// code path (k in blocks of 128, ascending within a block, each block's
// sum then added to C), so the product has the same bits on every machine,
// and the assembly is tested against the Go for exactly that. Go has no
// float32 fused multiply-add, so the portable float32 kernel rounds each
// step once through FMA32 (about five times slower than its float64 twin;
// the assembly kernels run float32 at about twice the float64 rate).
// Packing the operands into panels moves values with AVX2 where the CPU
// has it (register transposes of 8 rows, 128-byte pieces), tested bit for
// bit against the Go. Run splits work over helper goroutines that stay
// alive between parallel passes. Implementation puts the float64 product
// behind gonum's BLAS interface, for gorgonia.
package gemm
