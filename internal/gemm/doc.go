// Package gemm multiplies float64 matrices for scorenet's pure-Go build: a
// packed, blocked product whose inner 8 x 16 tile runs as AVX-512 or AVX2
// assembly where the CPU has it, and as Go elsewhere.
//
// Every element of C is the same chain of fused multiply-adds in every
// code path (k in blocks of 128, ascending within a block, each block's
// sum then added to C), so the product has the same bits on every machine,
// and the assembly is tested against the Go for exactly that. Implementation
// puts the product behind gonum's BLAS interface, for gorgonia.
package gemm
