//go:build amd64 && !purego

#include "textflag.h"

// FETCH2 and FETCH1 prefetch a row of a tile of C (two cache lines, or
// one) at r and step r on to the next row (BX bytes on).
#define FETCH2(r) PREFETCHT0 (r); PREFETCHT0 64(r); ADDQ BX, r
#define FETCH1(r) PREFETCHT0 (r); ADDQ BX, r

// func kernel8x16AVX512(depth int, a, b, c *float64, ldc int, src *float64, lds int)
//
// c[r*ldc+j] = src[r*lds+j] + sum_p a[p*8+r] * b[p*16+j] for r < 8, j < 16
// (src is c to add to it, a row of zeros or a bias row with lds 0 to set
// it, never read before the sums): Z0..Z15 hold
// the tile, two registers of eight per row; each step of p loads one row of
// b and multiplies it by each a, broadcast once into its own register (an
// FMA that broadcast from memory made 18 loads a step where 10 do: the two
// vector load ports, not the FMAs, then set the pace on AMD Zen 5).
TEXT ·kernel8x16AVX512(SB), NOSPLIT, $0-56
	MOVQ depth+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), BX
	SHLQ $3, BX
	// Fetch the tile of C while the sums run: a first block that sets C
	// (from zeros or a bias row, C not loaded) otherwise stores to lines
	// that miss, and a 1000 x 1024 x 785 product ran 8% slower.
	MOVQ DX, AX
	FETCH2(AX); FETCH2(AX); FETCH2(AX); FETCH2(AX)
	FETCH2(AX); FETCH2(AX); FETCH2(AX); FETCH2(AX)
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11
	VPXORQ Z12, Z12, Z12
	VPXORQ Z13, Z13, Z13
	VPXORQ Z14, Z14, Z14
	VPXORQ Z15, Z15, Z15
	TESTQ CX, CX
	JZ    store512

loop512:
	VMOVUPD (DI), Z16
	VMOVUPD 64(DI), Z17
	VBROADCASTSD 0(SI), Z18
	VBROADCASTSD 8(SI), Z19
	VBROADCASTSD 16(SI), Z20
	VBROADCASTSD 24(SI), Z21
	VBROADCASTSD 32(SI), Z22
	VBROADCASTSD 40(SI), Z23
	VBROADCASTSD 48(SI), Z24
	VBROADCASTSD 56(SI), Z25
	VFMADD231PD Z18, Z16, Z0
	VFMADD231PD Z18, Z17, Z1
	VFMADD231PD Z19, Z16, Z2
	VFMADD231PD Z19, Z17, Z3
	VFMADD231PD Z20, Z16, Z4
	VFMADD231PD Z20, Z17, Z5
	VFMADD231PD Z21, Z16, Z6
	VFMADD231PD Z21, Z17, Z7
	VFMADD231PD Z22, Z16, Z8
	VFMADD231PD Z22, Z17, Z9
	VFMADD231PD Z23, Z16, Z10
	VFMADD231PD Z23, Z17, Z11
	VFMADD231PD Z24, Z16, Z12
	VFMADD231PD Z24, Z17, Z13
	VFMADD231PD Z25, Z16, Z14
	VFMADD231PD Z25, Z17, Z15
	ADDQ $64, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  loop512

store512:
#define ROW512(lo, hi) \
	VADDPD (R8), lo, lo; \
	VMOVUPD lo, (DX); \
	VADDPD 64(R8), hi, hi; \
	VMOVUPD hi, 64(DX); \
	ADDQ BX, DX; \
	ADDQ R9, R8
	MOVQ src+40(FP), R8
	MOVQ lds+48(FP), R9
	SHLQ $3, R9
	ROW512(Z0, Z1)
	ROW512(Z2, Z3)
	ROW512(Z4, Z5)
	ROW512(Z6, Z7)
	ROW512(Z8, Z9)
	ROW512(Z10, Z11)
	ROW512(Z12, Z13)
	ROW512(Z14, Z15)
	VZEROUPPER
	RET

// func kernel4x8AVX2(depth int, a, b, c *float64, ldc int, src *float64, lds int)
//
// One quarter of the 8 x 16 tile: c[r*ldc+j] = src[r*lds+j] + sum_p a[p*8+r] * b[p*16+j]
// for r < 4, j < 8, with a and b pointing into the packed panels.
TEXT ·kernel4x8AVX2(SB), NOSPLIT, $0-56
	MOVQ depth+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), BX
	SHLQ $3, BX
	// Fetch the rows of C, as the AVX-512 kernel does.
	MOVQ DX, AX
	FETCH1(AX); FETCH1(AX); FETCH1(AX); FETCH1(AX)
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	TESTQ CX, CX
	JZ    store2

loop2:
	VMOVUPD (DI), Y8
	VMOVUPD 32(DI), Y9
	VBROADCASTSD 0(SI), Y10
	VBROADCASTSD 8(SI), Y11
	VFMADD231PD Y10, Y8, Y0
	VFMADD231PD Y10, Y9, Y1
	VFMADD231PD Y11, Y8, Y2
	VFMADD231PD Y11, Y9, Y3
	VBROADCASTSD 16(SI), Y12
	VBROADCASTSD 24(SI), Y13
	VFMADD231PD Y12, Y8, Y4
	VFMADD231PD Y12, Y9, Y5
	VFMADD231PD Y13, Y8, Y6
	VFMADD231PD Y13, Y9, Y7
	ADDQ $64, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  loop2

store2:
#define ROW2(lo, hi) \
	VADDPD (R8), lo, lo; \
	VMOVUPD lo, (DX); \
	VADDPD 32(R8), hi, hi; \
	VMOVUPD hi, 32(DX); \
	ADDQ BX, DX; \
	ADDQ R9, R8
	MOVQ src+40(FP), R8
	MOVQ lds+48(FP), R9
	SHLQ $3, R9
	ROW2(Y0, Y1)
	ROW2(Y2, Y3)
	ROW2(Y4, Y5)
	ROW2(Y6, Y7)
	VZEROUPPER
	RET

// func kernel8x32AVX512(depth int, a, b, c *float32, ldc int, src *float32, lds int)
//
// The float32 tile: c[r*ldc+j] = src[r*lds+j] + sum_p a[p*8+r] * b[p*32+j] for r < 8,
// j < 32, in Z0..Z15 as the float64 kernel holds its 8 x 16.
TEXT ·kernel8x32AVX512(SB), NOSPLIT, $0-56
	MOVQ depth+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), BX
	SHLQ $2, BX
	// The tile of C, fetched as the float64 kernel fetches it.
	MOVQ DX, AX
	FETCH2(AX); FETCH2(AX); FETCH2(AX); FETCH2(AX)
	FETCH2(AX); FETCH2(AX); FETCH2(AX); FETCH2(AX)
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	TESTQ CX, CX
	JZ    store512s

loop512s:
	VMOVUPS (DI), Z16
	VMOVUPS 64(DI), Z17
	VBROADCASTSS 0(SI), Z18
	VBROADCASTSS 4(SI), Z19
	VBROADCASTSS 8(SI), Z20
	VBROADCASTSS 12(SI), Z21
	VBROADCASTSS 16(SI), Z22
	VBROADCASTSS 20(SI), Z23
	VBROADCASTSS 24(SI), Z24
	VBROADCASTSS 28(SI), Z25
	VFMADD231PS Z18, Z16, Z0
	VFMADD231PS Z18, Z17, Z1
	VFMADD231PS Z19, Z16, Z2
	VFMADD231PS Z19, Z17, Z3
	VFMADD231PS Z20, Z16, Z4
	VFMADD231PS Z20, Z17, Z5
	VFMADD231PS Z21, Z16, Z6
	VFMADD231PS Z21, Z17, Z7
	VFMADD231PS Z22, Z16, Z8
	VFMADD231PS Z22, Z17, Z9
	VFMADD231PS Z23, Z16, Z10
	VFMADD231PS Z23, Z17, Z11
	VFMADD231PS Z24, Z16, Z12
	VFMADD231PS Z24, Z17, Z13
	VFMADD231PS Z25, Z16, Z14
	VFMADD231PS Z25, Z17, Z15
	ADDQ $32, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  loop512s

store512s:
#define ROW512S(lo, hi) \
	VADDPS (R8), lo, lo; \
	VMOVUPS lo, (DX); \
	VADDPS 64(R8), hi, hi; \
	VMOVUPS hi, 64(DX); \
	ADDQ BX, DX; \
	ADDQ R9, R8
	MOVQ src+40(FP), R8
	MOVQ lds+48(FP), R9
	SHLQ $2, R9
	ROW512S(Z0, Z1)
	ROW512S(Z2, Z3)
	ROW512S(Z4, Z5)
	ROW512S(Z6, Z7)
	ROW512S(Z8, Z9)
	ROW512S(Z10, Z11)
	ROW512S(Z12, Z13)
	ROW512S(Z14, Z15)
	VZEROUPPER
	RET

// func kernel4x16AVX2(depth int, a, b, c *float32, ldc int, src *float32, lds int)
//
// One eighth of the float32 8 x 32 tile: c[r*ldc+j] = src[r*lds+j] + sum_p a[p*8+r] *
// b[p*32+j] for r < 4, j < 16, with a and b pointing into the packed panels.
TEXT ·kernel4x16AVX2(SB), NOSPLIT, $0-56
	MOVQ depth+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), BX
	SHLQ $2, BX
	// Fetch the rows of C, as the AVX-512 kernel does.
	MOVQ DX, AX
	FETCH1(AX); FETCH1(AX); FETCH1(AX); FETCH1(AX)
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JZ    store2s

loop2s:
	VMOVUPS (DI), Y8
	VMOVUPS 32(DI), Y9
	VBROADCASTSS 0(SI), Y10
	VBROADCASTSS 4(SI), Y11
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y10, Y9, Y1
	VFMADD231PS Y11, Y8, Y2
	VFMADD231PS Y11, Y9, Y3
	VBROADCASTSS 8(SI), Y12
	VBROADCASTSS 12(SI), Y13
	VFMADD231PS Y12, Y8, Y4
	VFMADD231PS Y12, Y9, Y5
	VFMADD231PS Y13, Y8, Y6
	VFMADD231PS Y13, Y9, Y7
	ADDQ $32, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  loop2s

store2s:
#define ROW2S(lo, hi) \
	VADDPS (R8), lo, lo; \
	VMOVUPS lo, (DX); \
	VADDPS 32(R8), hi, hi; \
	VMOVUPS hi, 32(DX); \
	ADDQ BX, DX; \
	ADDQ R9, R8
	MOVQ src+40(FP), R8
	MOVQ lds+48(FP), R9
	SHLQ $2, R9
	ROW2S(Y0, Y1)
	ROW2S(Y2, Y3)
	ROW2S(Y4, Y5)
	ROW2S(Y6, Y7)
	VZEROUPPER
	RET

