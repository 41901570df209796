//go:build amd64 && !purego

#include "textflag.h"

DATA swishOne<>+0(SB)/8, $1.0
GLOBL swishOne<>(SB), RODATA|NOPTR, $8
DATA swishTwo<>+0(SB)/8, $2.0
GLOBL swishTwo<>(SB), RODATA|NOPTR, $8

// func swishDerivativesAVX512S(f, d1, d2, z *float32, sig *float64, n int)
//
// swish.go's SwishDerivatives, 8 values a step in float64: every product
// rounded before it is added (VMULPD then VADDPD/VSUBPD), 2 s as s + s
// (exact, as 2*s is), each result rounded to float32 by VCVTPD2PS.
TEXT ·swishDerivativesAVX512S(SB), NOSPLIT, $0-48
	MOVQ f+0(FP), R8
	MOVQ d1+8(FP), R9
	MOVQ d2+16(FP), R10
	MOVQ z+24(FP), SI
	MOVQ sig+32(FP), DI
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   swishDone
	VBROADCASTSD swishOne<>(SB), Z30
	VBROADCASTSD swishTwo<>(SB), Z31

swishLoop:
	VCVTPS2PD (SI), Z0      // x
	VMOVUPD   (DI), Z1      // s
	VMULPD    Z1, Z0, Z2    // x s
	VCVTPD2PS Z2, Y3
	VMOVUPS   Y3, (R8)      // f
	VSUBPD    Z1, Z30, Z4   // 1 - s
	VMULPD    Z4, Z2, Z5    // x s (1 - s)
	VADDPD    Z5, Z1, Z5    // s + ...
	VCVTPD2PS Z5, Y5
	VMOVUPS   Y5, (R9)      // d1
	VMULPD    Z4, Z1, Z6    // s (1 - s)
	VADDPD    Z1, Z1, Z7    // 2 s
	VSUBPD    Z7, Z30, Z7   // 1 - 2 s
	VMULPD    Z7, Z0, Z7    // x (1 - 2 s)
	VADDPD    Z7, Z31, Z7   // 2 + ...
	VMULPD    Z7, Z6, Z7    // s (1 - s) (...)
	VCVTPD2PS Z7, Y7
	VMOVUPS   Y7, (R10)     // d2
	ADDQ      $32, SI
	ADDQ      $64, DI
	ADDQ      $32, R8
	ADDQ      $32, R9
	ADDQ      $32, R10
	DECQ      CX
	JNZ       swishLoop

swishDone:
	VZEROUPPER
	RET
