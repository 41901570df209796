//go:build amd64 && !purego

#include "textflag.h"

// Adam's update, as adam.go's adamScalar computes it, lane by lane: the
// same operations in the same order, each rounded (no FMA), so the same
// bits. c points to the nine constants of Adam: s, wd, b1, 1-b1, b2, 1-b2,
// step, sqrt(c2), eps. check (8 float64s) accumulates t*0 + m*0 + v*0: it
// stays 0 unless a result is infinite or NaN.

// ADAM_BODY updates one vector of lanes at (SI) (theta), (DX) (grad),
// (R8) (m) and (R9) (v), with the broadcast constants, the zero and the
// check's accumulator in the registers the caller names.
#define ADAM_BODY(T, G, M, V, X4, X5, X6, X7, X8, X9, CS, CWD, CB1, COB1, CB2, COB2, CSTEP, CSC2, CEPS, ZERO, ACC, MOVE, W) \
	MOVE (SI), T; \
	MOVE (DX), G; \
	MOVE (R8), M; \
	MOVE (R9), V; \
	VMULPD CS, G, X4; \
	VMULPD CWD, T, X5; \
	VADDPD X5, X4, X4; \
	VMULPD CB1, M, X5; \
	VMULPD COB1, X4, X6; \
	VADDPD X6, X5, X5; \
	VMULPD CB2, V, X6; \
	VMULPD COB2, X4, X7; \
	VMULPD X4, X7, X7; \
	VADDPD X7, X6, X6; \
	VSQRTPD X6, X7; \
	VDIVPD CSC2, X7, X7; \
	VADDPD CEPS, X7, X7; \
	VMULPD CSTEP, X5, X8; \
	VDIVPD X7, X8, X8; \
	VSUBPD X8, T, X8; \
	MOVE X5, (R8); \
	MOVE X6, (R9); \
	MOVE X8, (SI); \
	VMULPD ZERO, X8, X9; \
	VMULPD ZERO, X5, X4; \
	VADDPD X4, X9, X9; \
	VMULPD ZERO, X6, X4; \
	VADDPD X4, X9, X9; \
	VADDPD X9, ACC, ACC; \
	ADDQ $W, SI; \
	ADDQ $W, DX; \
	ADDQ $W, R8; \
	ADDQ $W, R9

#define ADAM_ARGS \
	MOVQ theta+0(FP), SI; \
	MOVQ grad+8(FP), DX; \
	MOVQ m+16(FP), R8; \
	MOVQ v+24(FP), R9; \
	MOVQ n+32(FP), CX; \
	MOVQ c+40(FP), AX; \
	MOVQ check+48(FP), DI

// func adamAVX512(theta, grad, m, v *float64, n int, c *[9]float64, check *[8]float64)
TEXT ·adamAVX512(SB), NOSPLIT, $0-56
	ADAM_ARGS
	SHRQ $3, CX
	JZ   done
	VBROADCASTSD 0(AX), Z20
	VBROADCASTSD 8(AX), Z21
	VBROADCASTSD 16(AX), Z22
	VBROADCASTSD 24(AX), Z23
	VBROADCASTSD 32(AX), Z24
	VBROADCASTSD 40(AX), Z25
	VBROADCASTSD 48(AX), Z26
	VBROADCASTSD 56(AX), Z27
	VBROADCASTSD 64(AX), Z28
	VPXORQ Z29, Z29, Z29
	VMOVUPD (DI), Z30
loop:
	ADAM_BODY(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, VMOVUPD, 64)
	DECQ CX
	JNZ  loop
	VMOVUPD Z30, (DI)
done:
	VZEROUPPER
	RET

// func adamAVX2(theta, grad, m, v *float64, n int, c *[9]float64, check *[8]float64)
TEXT ·adamAVX2(SB), NOSPLIT, $0-56
	ADAM_ARGS
	SHRQ $2, CX
	JZ   done
	VBROADCASTSD 0(AX), Y10
	VBROADCASTSD 8(AX), Y11
	VBROADCASTSD 16(AX), Y12
	VBROADCASTSD 24(AX), Y13
	VBROADCASTSD 32(AX), Y14
	VBROADCASTSD 40(AX), Y15
	VMOVUPD (DI), Y9
loop:
	// Sixteen registers only: step, sqrt(c2), eps and zero come from
	// memory, broadcast each time.
	VMOVUPD (SI), Y0
	VMOVUPD (DX), Y1
	VMOVUPD (R8), Y2
	VMOVUPD (R9), Y3
	VMULPD  Y10, Y1, Y4
	VMULPD  Y11, Y0, Y5
	VADDPD  Y5, Y4, Y4
	VMULPD  Y12, Y2, Y5
	VMULPD  Y13, Y4, Y6
	VADDPD  Y6, Y5, Y5
	VMULPD  Y14, Y3, Y6
	VMULPD  Y15, Y4, Y7
	VMULPD  Y4, Y7, Y7
	VADDPD  Y7, Y6, Y6
	VSQRTPD Y6, Y7
	VBROADCASTSD 56(AX), Y8
	VDIVPD  Y8, Y7, Y7
	VBROADCASTSD 64(AX), Y8
	VADDPD  Y8, Y7, Y7
	VBROADCASTSD 48(AX), Y8
	VMULPD  Y8, Y5, Y8
	VDIVPD  Y7, Y8, Y8
	VSUBPD  Y8, Y0, Y8
	VMOVUPD Y5, (R8)
	VMOVUPD Y6, (R9)
	VMOVUPD Y8, (SI)
	VXORPD  Y1, Y1, Y1
	VMULPD  Y1, Y8, Y0
	VMULPD  Y1, Y5, Y4
	VADDPD  Y4, Y0, Y0
	VMULPD  Y1, Y6, Y4
	VADDPD  Y4, Y0, Y0
	VADDPD  Y0, Y9, Y9
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  loop
	VMOVUPD Y9, (DI)
done:
	VZEROUPPER
	RET

// The float32 update: ADAM_BODY's operations in single precision. Its
// square root is VSQRTPS, which gives the bits adamScalar[float32] gets by
// rounding the float64 square root (double rounding is harmless for a
// square root from float64 to float32). check is 16 float32s.
#define ADAM_BODY_S(T, G, M, V, X4, X5, X6, X7, X8, X9, CS, CWD, CB1, COB1, CB2, COB2, CSTEP, CSC2, CEPS, ZERO, ACC, MOVE, W) \
	MOVE (SI), T; \
	MOVE (DX), G; \
	MOVE (R8), M; \
	MOVE (R9), V; \
	VMULPS CS, G, X4; \
	VMULPS CWD, T, X5; \
	VADDPS X5, X4, X4; \
	VMULPS CB1, M, X5; \
	VMULPS COB1, X4, X6; \
	VADDPS X6, X5, X5; \
	VMULPS CB2, V, X6; \
	VMULPS COB2, X4, X7; \
	VMULPS X4, X7, X7; \
	VADDPS X7, X6, X6; \
	VSQRTPS X6, X7; \
	VDIVPS CSC2, X7, X7; \
	VADDPS CEPS, X7, X7; \
	VMULPS CSTEP, X5, X8; \
	VDIVPS X7, X8, X8; \
	VSUBPS X8, T, X8; \
	MOVE X5, (R8); \
	MOVE X6, (R9); \
	MOVE X8, (SI); \
	VMULPS ZERO, X8, X9; \
	VMULPS ZERO, X5, X4; \
	VADDPS X4, X9, X9; \
	VMULPS ZERO, X6, X4; \
	VADDPS X4, X9, X9; \
	VADDPS X9, ACC, ACC; \
	ADDQ $W, SI; \
	ADDQ $W, DX; \
	ADDQ $W, R8; \
	ADDQ $W, R9

// func adamAVX512S(theta, grad, m, v *float32, n int, c *[9]float32, check *[16]float32)
TEXT ·adamAVX512S(SB), NOSPLIT, $0-56
	ADAM_ARGS
	SHRQ $4, CX
	JZ   dones
	VBROADCASTSS 0(AX), Z20
	VBROADCASTSS 4(AX), Z21
	VBROADCASTSS 8(AX), Z22
	VBROADCASTSS 12(AX), Z23
	VBROADCASTSS 16(AX), Z24
	VBROADCASTSS 20(AX), Z25
	VBROADCASTSS 24(AX), Z26
	VBROADCASTSS 28(AX), Z27
	VBROADCASTSS 32(AX), Z28
	VPXORD Z29, Z29, Z29
	VMOVUPS (DI), Z30
loops:
	ADAM_BODY_S(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, VMOVUPS, 64)
	DECQ CX
	JNZ  loops
	VMOVUPS Z30, (DI)
dones:
	VZEROUPPER
	RET

// func adamAVX2S(theta, grad, m, v *float32, n int, c *[9]float32, check *[16]float32)
TEXT ·adamAVX2S(SB), NOSPLIT, $0-56
	ADAM_ARGS
	SHRQ $3, CX
	JZ   done2s
	VBROADCASTSS 0(AX), Y10
	VBROADCASTSS 4(AX), Y11
	VBROADCASTSS 8(AX), Y12
	VBROADCASTSS 12(AX), Y13
	VBROADCASTSS 16(AX), Y14
	VBROADCASTSS 20(AX), Y15
	VMOVUPS (DI), Y9
loop2s:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMOVUPS (R8), Y2
	VMOVUPS (R9), Y3
	VMULPS  Y10, Y1, Y4
	VMULPS  Y11, Y0, Y5
	VADDPS  Y5, Y4, Y4
	VMULPS  Y12, Y2, Y5
	VMULPS  Y13, Y4, Y6
	VADDPS  Y6, Y5, Y5
	VMULPS  Y14, Y3, Y6
	VMULPS  Y15, Y4, Y7
	VMULPS  Y4, Y7, Y7
	VADDPS  Y7, Y6, Y6
	VSQRTPS Y6, Y7
	VBROADCASTSS 28(AX), Y8
	VDIVPS  Y8, Y7, Y7
	VBROADCASTSS 32(AX), Y8
	VADDPS  Y8, Y7, Y7
	VBROADCASTSS 24(AX), Y8
	VMULPS  Y8, Y5, Y8
	VDIVPS  Y7, Y8, Y8
	VSUBPS  Y8, Y0, Y8
	VMOVUPS Y5, (R8)
	VMOVUPS Y6, (R9)
	VMOVUPS Y8, (SI)
	VXORPS  Y1, Y1, Y1
	VMULPS  Y1, Y8, Y0
	VMULPS  Y1, Y5, Y4
	VADDPS  Y4, Y0, Y0
	VMULPS  Y1, Y6, Y4
	VADDPS  Y4, Y0, Y0
	VADDPS  Y0, Y9, Y9
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  loop2s
	VMOVUPS Y9, (DI)
done2s:
	VZEROUPPER
	RET
