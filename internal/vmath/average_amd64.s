//go:build amd64 && !purego

#include "textflag.h"

// ema = keep theta + decay ema: two rounded products and their sum, as
// average.go's loop (no FMA), a vector at a time.

// func averageAVX512S(theta, ema *float32, n int, keep, decay float32)
TEXT ·averageAVX512S(SB), NOSPLIT, $0-32
	MOVQ theta+0(FP), SI
	MOVQ ema+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS keep+24(FP), Z0
	VBROADCASTSS decay+28(FP), Z1
	SHRQ $4, CX
	JZ   done512s
loop512s:
	VMULPS  (SI), Z0, Z2
	VMULPS  (DI), Z1, Z3
	VADDPS  Z3, Z2, Z2
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop512s
done512s:
	VZEROUPPER
	RET

// func averageAVX2S(theta, ema *float32, n int, keep, decay float32)
TEXT ·averageAVX2S(SB), NOSPLIT, $0-32
	MOVQ theta+0(FP), SI
	MOVQ ema+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSS keep+24(FP), Y0
	VBROADCASTSS decay+28(FP), Y1
	SHRQ $3, CX
	JZ   done2s
loop2s:
	VMULPS  (SI), Y0, Y2
	VMULPS  (DI), Y1, Y3
	VADDPS  Y3, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  loop2s
done2s:
	VZEROUPPER
	RET

// func averageAVX512(theta, ema *float64, n int, keep, decay float64)
TEXT ·averageAVX512(SB), NOSPLIT, $0-40
	MOVQ theta+0(FP), SI
	MOVQ ema+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSD keep+24(FP), Z0
	VBROADCASTSD decay+32(FP), Z1
	SHRQ $3, CX
	JZ   done512
loop512:
	VMULPD  (SI), Z0, Z2
	VMULPD  (DI), Z1, Z3
	VADDPD  Z3, Z2, Z2
	VMOVUPD Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop512
done512:
	VZEROUPPER
	RET

// func averageAVX2(theta, ema *float64, n int, keep, decay float64)
TEXT ·averageAVX2(SB), NOSPLIT, $0-40
	MOVQ theta+0(FP), SI
	MOVQ ema+8(FP), DI
	MOVQ n+16(FP), CX
	VBROADCASTSD keep+24(FP), Y0
	VBROADCASTSD decay+32(FP), Y1
	SHRQ $2, CX
	JZ   done2
loop2:
	VMULPD  (SI), Y0, Y2
	VMULPD  (DI), Y1, Y3
	VADDPD  Y3, Y2, Y2
	VMOVUPD Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  loop2
done2:
	VZEROUPPER
	RET
