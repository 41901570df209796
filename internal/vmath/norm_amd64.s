//go:build amd64 && !purego

#include "textflag.h"

// GroupNorm's passes (norm.go) over rows of c float32 values, c a multiple
// of 16: for each block of 16 channels, a walk down the rows with the
// block's per-channel terms held in registers. Every product is rounded
// before it is added (VMULPS/VMULPD then VADDPS/VADDPD, never an FMA), as
// the Go loops compute them.

// func channelSumsAVX512S(x *float32, rows, c int, sum, sq *float64)
TEXT ·channelSumsAVX512S(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ rows+8(FP), CX
	MOVQ c+16(FP), BX
	MOVQ sum+24(FP), DI
	MOVQ sq+32(FP), DX
	MOVQ BX, R8
	SHLQ $2, R8 // a row, in bytes
	XORQ R9, R9 // the block's first channel

sumsBlock:
	CMPQ R9, BX
	JGE  sumsDone
	VMOVUPD (DI)(R9*8), Z0
	VMOVUPD 64(DI)(R9*8), Z1
	VMOVUPD (DX)(R9*8), Z2
	VMOVUPD 64(DX)(R9*8), Z3
	LEAQ (SI)(R9*4), R10
	MOVQ CX, R11

sumsRow:
	VCVTPS2PD (R10), Z4
	VCVTPS2PD 32(R10), Z5
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	VMULPD    Z4, Z4, Z4
	VMULPD    Z5, Z5, Z5
	VADDPD    Z4, Z2, Z2
	VADDPD    Z5, Z3, Z3
	ADDQ      R8, R10
	DECQ      R11
	JNZ       sumsRow
	VMOVUPD Z0, (DI)(R9*8)
	VMOVUPD Z1, 64(DI)(R9*8)
	VMOVUPD Z2, (DX)(R9*8)
	VMOVUPD Z3, 64(DX)(R9*8)
	ADDQ    $16, R9
	JMP     sumsBlock

sumsDone:
	VZEROUPPER
	RET

// func normSumsAVX512S(gy, xhat, scale *float32, rows, c int, ps, pb *float32, m1, m2 *float64)
TEXT ·normSumsAVX512S(SB), NOSPLIT, $0-72
	MOVQ gy+0(FP), SI
	MOVQ xhat+8(FP), DI
	MOVQ scale+16(FP), R12
	MOVQ rows+24(FP), CX
	MOVQ c+32(FP), BX
	MOVQ ps+40(FP), R13
	MOVQ pb+48(FP), R14
	MOVQ m1+56(FP), R15
	MOVQ m2+64(FP), DX
	MOVQ BX, R8
	SHLQ $2, R8
	XORQ R9, R9

backBlock:
	CMPQ R9, BX
	JGE  backDone
	VMOVUPS (R12)(R9*4), Z20 // scale
	VMOVUPS (R13)(R9*4), Z0  // ps
	VMOVUPS (R14)(R9*4), Z1  // pb
	VMOVUPD (R15)(R9*8), Z2  // m1, channels 0-7 of the block
	VMOVUPD 64(R15)(R9*8), Z3
	VMOVUPD (DX)(R9*8), Z4   // m2
	VMOVUPD 64(DX)(R9*8), Z5
	LEAQ    (SI)(R9*4), R10
	LEAQ    (DI)(R9*4), R11
	MOVQ    CX, AX

backRow:
	VMOVUPS       (R10), Z6      // g
	VMOVUPS       (R11), Z7      // xhat
	VMULPS        Z7, Z6, Z8
	VADDPS        Z8, Z0, Z0     // ps += g xhat
	VADDPS        Z6, Z1, Z1     // pb += g
	VMULPS        Z20, Z6, Z9    // g scale, rounded to float32
	VCVTPS2PD     Y9, Z10
	VEXTRACTF64X4 $1, Z9, Y11
	VCVTPS2PD     Y11, Z11
	VADDPD        Z10, Z2, Z2    // m1 += d
	VADDPD        Z11, Z3, Z3
	VCVTPS2PD     Y7, Z12
	VEXTRACTF64X4 $1, Z7, Y13
	VCVTPS2PD     Y13, Z13
	VMULPD        Z12, Z10, Z10
	VMULPD        Z13, Z11, Z11
	VADDPD        Z10, Z4, Z4    // m2 += d xhat
	VADDPD        Z11, Z5, Z5
	ADDQ          R8, R10
	ADDQ          R8, R11
	DECQ          AX
	JNZ           backRow
	VMOVUPS Z0, (R13)(R9*4)
	VMOVUPS Z1, (R14)(R9*4)
	VMOVUPD Z2, (R15)(R9*8)
	VMOVUPD Z3, 64(R15)(R9*8)
	VMOVUPD Z4, (DX)(R9*8)
	VMOVUPD Z5, 64(DX)(R9*8)
	ADDQ    $16, R9
	JMP     backBlock

backDone:
	VZEROUPPER
	RET

// func normGradientAVX512S(out, gy, xhat, scale, a, b, r *float32, rows, c int, add bool)
//
// Every general register is taken: the pointers step a block at a time,
// and add is read from the frame on each row (a branch always taken the
// same way).
TEXT ·normGradientAVX512S(SB), NOSPLIT, $0-73
	MOVQ out+0(FP), DX
	MOVQ gy+8(FP), SI
	MOVQ xhat+16(FP), DI
	MOVQ scale+24(FP), R12
	MOVQ a+32(FP), R13
	MOVQ b+40(FP), R14
	MOVQ r+48(FP), R15
	MOVQ rows+56(FP), CX
	MOVQ c+64(FP), BX
	MOVQ BX, R8
	SHLQ $2, R8 // a row, in bytes
	SHRQ $4, BX // blocks of 16 channels

gradBlock:
	VMOVUPS (R12), Z20 // scale
	VMOVUPS (R13), Z21 // a
	VMOVUPS (R14), Z22 // b
	VMOVUPS (R15), Z23 // r
	MOVQ    DX, R9
	MOVQ    SI, R10
	MOVQ    DI, R11
	MOVQ    CX, AX

gradRow:
	VMOVUPS (R10), Z0 // g
	VMOVUPS (R11), Z1 // xhat
	VMULPS  Z20, Z0, Z0
	VSUBPS  Z21, Z0, Z0 // g scale - a
	VMULPS  Z22, Z1, Z1
	VSUBPS  Z1, Z0, Z0  // - xhat b
	VMULPS  Z23, Z0, Z0 // r (...)
	CMPB    add+72(FP), $0
	JEQ     gradStore
	VADDPS  (R9), Z0, Z0

gradStore:
	VMOVUPS Z0, (R9)
	ADDQ    R8, R9
	ADDQ    R8, R10
	ADDQ    R8, R11
	DECQ    AX
	JNZ     gradRow
	ADDQ    $64, DX
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, R12
	ADDQ    $64, R13
	ADDQ    $64, R14
	ADDQ    $64, R15
	DECQ    BX
	JNZ     gradBlock
	VZEROUPPER
	RET

// func normalizeAffineAVX512S(xhat, y, x, mean, rs, scale, shift *float32, rows, c int)
TEXT ·normalizeAffineAVX512S(SB), NOSPLIT, $0-72
	MOVQ xhat+0(FP), DX
	MOVQ y+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ mean+24(FP), R12
	MOVQ rs+32(FP), R13
	MOVQ scale+40(FP), R14
	MOVQ shift+48(FP), R15
	MOVQ c+64(FP), BX
	MOVQ BX, R8
	SHLQ $2, R8
	XORQ R9, R9

affineBlock:
	CMPQ R9, BX
	JGE  affineDone
	VMOVUPS (R12)(R9*4), Z20 // mean
	VMOVUPS (R13)(R9*4), Z21 // rs
	VMOVUPS (R14)(R9*4), Z22 // scale
	VMOVUPS (R15)(R9*4), Z23 // shift
	LEAQ    (SI)(R9*4), R10
	LEAQ    (DX)(R9*4), R11
	LEAQ    (DI)(R9*4), AX
	MOVQ    rows+56(FP), CX

affineRow:
	VMOVUPS (R10), Z0
	VSUBPS  Z20, Z0, Z0
	VMULPS  Z21, Z0, Z0 // xhat
	VMOVUPS Z0, (R11)
	VMULPS  Z22, Z0, Z0
	VADDPS  Z23, Z0, Z0 // y
	VMOVUPS Z0, (AX)
	ADDQ    R8, R10
	ADDQ    R8, R11
	ADDQ    R8, AX
	DECQ    CX
	JNZ     affineRow
	ADDQ    $16, R9
	JMP     affineBlock

affineDone:
	VZEROUPPER
	RET
