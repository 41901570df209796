//go:build amd64 && !purego

#include "textflag.h"

// TRANSPOSE_ARGS loads a transpose's arguments: DI the output, BX its
// stride in bytes (the element's size 1 << shift), CX the blocks, R8-R13,
// AX and DX the eight rows, SI the offset into them (0).
#define TRANSPOSE_ARGS(shift) \
	MOVQ dst+0(FP), DI; \
	MOVQ stride+8(FP), BX; \
	SHLQ $shift, BX; \
	MOVQ rows+16(FP), SI; \
	MOVQ blocks+24(FP), CX; \
	MOVQ 0(SI), R8; \
	MOVQ 8(SI), R9; \
	MOVQ 16(SI), R10; \
	MOVQ 24(SI), R11; \
	MOVQ 32(SI), R12; \
	MOVQ 40(SI), R13; \
	MOVQ 48(SI), AX; \
	MOVQ 56(SI), DX; \
	XORQ SI, SI

// LOAD_ROWS loads 32 bytes of each row at offset SI into Y0-Y7 (a move of
// bits, whatever the element type).
#define LOAD_ROWS \
	VMOVUPS (R8)(SI*1), Y0; \
	VMOVUPS (R9)(SI*1), Y1; \
	VMOVUPS (R10)(SI*1), Y2; \
	VMOVUPS (R11)(SI*1), Y3; \
	VMOVUPS (R12)(SI*1), Y4; \
	VMOVUPS (R13)(SI*1), Y5; \
	VMOVUPS (AX)(SI*1), Y6; \
	VMOVUPS (DX)(SI*1), Y7

// func transposeF32AVX2(dst *float32, stride int, rows *[8]*float32, blocks int)
//
// For each block b and i < 8: dst[(8b+i)*stride + r] = rows[r][8b+i], r < 8:
// eight columns of eight rows transposed in registers (unpack pairs, then
// quads, then swap the 128-bit halves), where the Go moves one value at a
// time.
TEXT ·transposeF32AVX2(SB), NOSPLIT, $0-32
	TRANSPOSE_ARGS(2)
	TESTQ CX, CX
	JZ   done32

loop32:
	LOAD_ROWS
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (DI)
	ADDQ    BX, DI
	VMOVUPS Y9, (DI)
	ADDQ    BX, DI
	VMOVUPS Y10, (DI)
	ADDQ    BX, DI
	VMOVUPS Y11, (DI)
	ADDQ    BX, DI
	VMOVUPS Y12, (DI)
	ADDQ    BX, DI
	VMOVUPS Y13, (DI)
	ADDQ    BX, DI
	VMOVUPS Y14, (DI)
	ADDQ    BX, DI
	VMOVUPS Y15, (DI)
	ADDQ    BX, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     loop32

done32:
	VZEROUPPER
	RET

// func transposeF64AVX2(dst *float64, stride int, rows *[8]*float64, blocks int)
//
// For each block b and i < 4: dst[(4b+i)*stride + r] = rows[r][4b+i], r < 8:
// two 4 x 4 transposes, rows 0-3 into the low half of each output, 4-7
// into the high.
TEXT ·transposeF64AVX2(SB), NOSPLIT, $0-32
	TRANSPOSE_ARGS(3)
	TESTQ CX, CX
	JZ   done64

loop64:
	LOAD_ROWS
	VUNPCKLPD Y1, Y0, Y8
	VUNPCKHPD Y1, Y0, Y9
	VUNPCKLPD Y3, Y2, Y10
	VUNPCKHPD Y3, Y2, Y11
	VUNPCKLPD Y5, Y4, Y12
	VUNPCKHPD Y5, Y4, Y13
	VUNPCKLPD Y7, Y6, Y14
	VUNPCKHPD Y7, Y6, Y15
	VPERM2F128 $0x20, Y10, Y8, Y0
	VPERM2F128 $0x20, Y11, Y9, Y1
	VPERM2F128 $0x31, Y10, Y8, Y2
	VPERM2F128 $0x31, Y11, Y9, Y3
	VPERM2F128 $0x20, Y14, Y12, Y4
	VPERM2F128 $0x20, Y15, Y13, Y5
	VPERM2F128 $0x31, Y14, Y12, Y6
	VPERM2F128 $0x31, Y15, Y13, Y7
	VMOVUPD Y0, (DI)
	VMOVUPD Y4, 32(DI)
	ADDQ    BX, DI
	VMOVUPD Y1, (DI)
	VMOVUPD Y5, 32(DI)
	ADDQ    BX, DI
	VMOVUPD Y2, (DI)
	VMOVUPD Y6, 32(DI)
	ADDQ    BX, DI
	VMOVUPD Y3, (DI)
	VMOVUPD Y7, 32(DI)
	ADDQ    BX, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     loop64

done64:
	VZEROUPPER
	RET

// func copyPiecesAVX2(dst *byte, stride int, src *byte, count int)
//
// Copies count pieces of 128 bytes (a panel row of either type), piece i
// from src+128i to dst+i*stride: a row of B dealt out to its panels, four
// vector moves a piece where the Go made one a value.
TEXT ·copyPiecesAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ stride+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ count+24(FP), CX
	TESTQ CX, CX
	JZ   donecopy

loopcopy:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    BX, DI
	DECQ    CX
	JNZ     loopcopy

donecopy:
	VZEROUPPER
	RET
