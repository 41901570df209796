//go:build amd64 && !purego

#include "textflag.h"

// Sums of squares in sixteen float64 lanes, as sumsq.go's sumSquaresGo
// adds them: element k to lane k mod 16, each square rounded before it is
// added (VMULPD then VADDPD, never an FMA). n is a multiple of 16.

// func sumSquaresAVX512(x *float64, n int, lanes *[16]float64)
TEXT ·sumSquaresAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ lanes+16(FP), DI
	SHRQ $4, CX
	JZ   done512
	VMOVUPD (DI), Z0
	VMOVUPD 64(DI), Z1
loop512:
	VMOVUPD (SI), Z2
	VMOVUPD 64(SI), Z3
	VMULPD  Z2, Z2, Z2
	VMULPD  Z3, Z3, Z3
	VADDPD  Z2, Z0, Z0
	VADDPD  Z3, Z1, Z1
	ADDQ $128, SI
	DECQ CX
	JNZ  loop512
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
done512:
	VZEROUPPER
	RET

// func sumSquaresAVX2(x *float64, n int, lanes *[16]float64)
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ lanes+16(FP), DI
	SHRQ $4, CX
	JZ   done2
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
loop2:
	VMOVUPD (SI), Y4
	VMOVUPD 32(SI), Y5
	VMOVUPD 64(SI), Y6
	VMOVUPD 96(SI), Y7
	VMULPD  Y4, Y4, Y4
	VMULPD  Y5, Y5, Y5
	VMULPD  Y6, Y6, Y6
	VMULPD  Y7, Y7, Y7
	VADDPD  Y4, Y0, Y0
	VADDPD  Y5, Y1, Y1
	VADDPD  Y6, Y2, Y2
	VADDPD  Y7, Y3, Y3
	ADDQ $128, SI
	DECQ CX
	JNZ  loop2
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
done2:
	VZEROUPPER
	RET

// func sumSquaresAVX512S(x *float32, n int, lanes *[16]float64)
TEXT ·sumSquaresAVX512S(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ lanes+16(FP), DI
	SHRQ $4, CX
	JZ   done512s
	VMOVUPD (DI), Z0
	VMOVUPD 64(DI), Z1
loop512s:
	VCVTPS2PD (SI), Z2
	VCVTPS2PD 32(SI), Z3
	VMULPD  Z2, Z2, Z2
	VMULPD  Z3, Z3, Z3
	VADDPD  Z2, Z0, Z0
	VADDPD  Z3, Z1, Z1
	ADDQ $64, SI
	DECQ CX
	JNZ  loop512s
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
done512s:
	VZEROUPPER
	RET

// func sumSquaresAVX2S(x *float32, n int, lanes *[16]float64)
TEXT ·sumSquaresAVX2S(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ lanes+16(FP), DI
	SHRQ $4, CX
	JZ   done2s
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
loop2s:
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VCVTPS2PD 32(SI), Y6
	VCVTPS2PD 48(SI), Y7
	VMULPD  Y4, Y4, Y4
	VMULPD  Y5, Y5, Y5
	VMULPD  Y6, Y6, Y6
	VMULPD  Y7, Y7, Y7
	VADDPD  Y4, Y0, Y0
	VADDPD  Y5, Y1, Y1
	VADDPD  Y6, Y2, Y2
	VADDPD  Y7, Y3, Y3
	ADDQ $64, SI
	DECQ CX
	JNZ  loop2s
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
done2s:
	VZEROUPPER
	RET
