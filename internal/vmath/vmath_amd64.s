//go:build amd64 && !purego

#include "textflag.h"

// Each constant is four copies of one float64, so that it can be the memory
// operand of a 256-bit instruction. The values are generic.go's, bit for bit.
#define CONST4(name, bits) \
	DATA name<>+0(SB)/8, bits; \
	DATA name<>+8(SB)/8, bits; \
	DATA name<>+16(SB)/8, bits; \
	DATA name<>+24(SB)/8, bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

CONST4(negZero, $0x8000000000000000)
CONST4(minArg, $0xc087500000000000)
CONST4(log2e, $0x3ff71547652b82fe)
CONST4(ln2Hi, $0x3fe62e42fee00000)
CONST4(ln2Lo, $0x3dea39ef35793c76)
CONST4(sqrt2, $0x3ff6a09e667f3bcd)
CONST4(half, $0x3fe0000000000000)
CONST4(one, $0x3ff0000000000000)
CONST4(expBias, $0x43300000000003ff)
CONST4(minArgM1, $0xc044000000000000)
CONST4(minusTwo, $0xc000000000000000)
CONST4(two, $0x4000000000000000)
CONST4(absMask, $0x7fffffffffffffff)
CONST4(exp0, $0x3de6124613a86d09)
CONST4(exp1, $0x3e21eed8eff8d898)
CONST4(exp2, $0x3e5ae64567f544e4)
CONST4(exp3, $0x3e927e4fb7789f5c)
CONST4(exp4, $0x3ec71de3a556c734)
CONST4(exp5, $0x3efa01a01a01a01a)
CONST4(exp6, $0x3f2a01a01a01a01a)
CONST4(exp7, $0x3f56c16c16c16c17)
CONST4(exp8, $0x3f81111111111111)
CONST4(exp9, $0x3fa5555555555555)
CONST4(exp10, $0x3fc5555555555555)
CONST4(exp11, $0x3fe0000000000000)
CONST4(exp12, $0x3ff0000000000000)
CONST4(exp13, $0x3ff0000000000000)
CONST4(log0, $0x3fb8618618618618)
CONST4(log1, $0x3fbaf286bca1af28)
CONST4(log2, $0x3fbe1e1e1e1e1e1e)
CONST4(log3, $0x3fc1111111111111)
CONST4(log4, $0x3fc3b13b13b13b14)
CONST4(log5, $0x3fc745d1745d1746)
CONST4(log6, $0x3fcc71c71c71c71c)
CONST4(log7, $0x3fd2492492492492)
CONST4(log8, $0x3fd999999999999a)
CONST4(log9, $0x3fe5555555555555)

// REDUCE11 is what exp and expm1 share: from x in Y2, Y3 = k = round(x/ln2),
// Y4 = r = x - k ln2, and Y1 = 1/13! r^11 + ... + 1/2! by Horner.
#define REDUCE11 \
	VMULPD  log2e<>(SB), Y2, Y3; \
	VROUNDPD $0, Y3, Y3; \
	VMOVAPD Y2, Y4; \
	VFNMADD231PD ln2Hi<>(SB), Y3, Y4; \
	VFNMADD231PD ln2Lo<>(SB), Y3, Y4; \
	VMOVUPD exp0<>(SB), Y1; \
	VFMADD213PD exp1<>(SB), Y4, Y1; \
	VFMADD213PD exp2<>(SB), Y4, Y1; \
	VFMADD213PD exp3<>(SB), Y4, Y1; \
	VFMADD213PD exp4<>(SB), Y4, Y1; \
	VFMADD213PD exp5<>(SB), Y4, Y1; \
	VFMADD213PD exp6<>(SB), Y4, Y1; \
	VFMADD213PD exp7<>(SB), Y4, Y1; \
	VFMADD213PD exp8<>(SB), Y4, Y1; \
	VFMADD213PD exp9<>(SB), Y4, Y1; \
	VFMADD213PD exp10<>(SB), Y4, Y1; \
	VFMADD213PD exp11<>(SB), Y4, Y1

// EXPNEGABS sets Y1 = exp(-|Y0|) as expNegAbs does, with Y15 = minArg.
// It uses Y2 to Y5.
#define EXPNEGABS \
	VORPD   negZero<>(SB), Y0, Y2; \
	VMAXPD  Y2, Y15, Y2; \
	REDUCE11; \
	VFMADD213PD exp12<>(SB), Y4, Y1; \
	VFMADD213PD exp13<>(SB), Y4, Y1; \
	VMULPD  half<>(SB), Y3, Y5; \
	VROUNDPD $1, Y5, Y5; \
	VSUBPD  Y5, Y3, Y3; \
	VADDPD  expBias<>(SB), Y5, Y5; \
	VPSLLQ  $52, Y5, Y5; \
	VADDPD  expBias<>(SB), Y3, Y3; \
	VPSLLQ  $52, Y3, Y3; \
	VMULPD  Y5, Y1, Y1; \
	VMULPD  Y3, Y1, Y1

// LOG1PUNIT sets Y8 = log(1+Y1) and Y3 = 1/(1+Y1) as log1pUnit does.
// It uses Y2 and Y4 to Y9.
#define LOG1PUNIT \
	VADDPD  one<>(SB), Y1, Y4; \
	VSUBPD  one<>(SB), Y4, Y5; \
	VSUBPD  Y5, Y1, Y5; \
	VMOVUPD one<>(SB), Y3; \
	VDIVPD  Y4, Y3, Y3; \
	VCMPPD  $0x1e, sqrt2<>(SB), Y4, Y6; \
	VMULPD  half<>(SB), Y4, Y7; \
	VBLENDVPD Y6, Y7, Y4, Y7; \
	VANDPD  one<>(SB), Y6, Y6; \
	VSUBPD  one<>(SB), Y7, Y8; \
	VADDPD  one<>(SB), Y7, Y7; \
	VDIVPD  Y7, Y8, Y7; \
	VMULPD  Y7, Y7, Y9; \
	VMOVUPD log0<>(SB), Y2; \
	VFMADD213PD log1<>(SB), Y9, Y2; \
	VFMADD213PD log2<>(SB), Y9, Y2; \
	VFMADD213PD log3<>(SB), Y9, Y2; \
	VFMADD213PD log4<>(SB), Y9, Y2; \
	VFMADD213PD log5<>(SB), Y9, Y2; \
	VFMADD213PD log6<>(SB), Y9, Y2; \
	VFMADD213PD log7<>(SB), Y9, Y2; \
	VFMADD213PD log8<>(SB), Y9, Y2; \
	VFMADD213PD log9<>(SB), Y9, Y2; \
	VMULPD  Y9, Y2, Y2; \
	VSUBPD  Y2, Y8, Y2; \
	VFNMADD231PD Y2, Y7, Y8; \
	VMULPD  Y3, Y5, Y5; \
	VFMADD231PD ln2Lo<>(SB), Y6, Y5; \
	VADDPD  Y5, Y8, Y8; \
	VFMADD231PD ln2Hi<>(SB), Y6, Y8

// EXPM1 sets Y1 = expm1(Y2) for Y2 in [-40, 0] (or NaN) as expm1Neg does.
// It uses Y3 to Y5.
#define EXPM1 \
	REDUCE11; \
	VMULPD  Y4, Y4, Y5; \
	VFMADD213PD Y4, Y5, Y1; \
	VADDPD  expBias<>(SB), Y3, Y3; \
	VPSLLQ  $52, Y3, Y3; \
	VSUBPD  one<>(SB), Y3, Y5; \
	VFMADD213PD Y5, Y3, Y1

// The kernels share one loop: UNARY2 (UNARY512) loads four (sixteen)
// elements of z into Y0 (Z0 and Z16), runs body, and stores Y1 (Z1 and Z17)
// into dst; BINARY2 (BINARY512) also stores Y11 (Z11 and Z27) into dst2.
// Labels are local to each TEXT, so every kernel can use the same ones.

// SETUP2 loads the constants the AVX2 bodies keep in registers:
// Y15 = minArg, Y13 = minArgM1, Y14 = 0.
#define SETUP2 \
	VMOVUPD minArg<>(SB), Y15; \
	VMOVUPD minArgM1<>(SB), Y13; \
	VXORPD  Y14, Y14, Y14

#define UNARY2(body) \
	MOVQ z+0(FP), SI; \
	MOVQ dst+8(FP), DI; \
	MOVQ n+16(FP), CX; \
	SHRQ $2, CX; \
	JZ   done; \
	SETUP2; \
loop: \
	VMOVUPD (SI), Y0; \
	body; \
	VMOVUPD Y1, (DI); \
	ADDQ $32, SI; \
	ADDQ $32, DI; \
	DECQ CX; \
	JNZ  loop; \
done: \
	VZEROUPPER; \
	RET

#define BINARY2(body) \
	MOVQ z+0(FP), SI; \
	MOVQ dst+8(FP), DI; \
	MOVQ dst2+16(FP), DX; \
	MOVQ n+24(FP), CX; \
	SHRQ $2, CX; \
	JZ   done; \
	SETUP2; \
loop: \
	VMOVUPD (SI), Y0; \
	body; \
	VMOVUPD Y1, (DI); \
	VMOVUPD Y11, (DX); \
	ADDQ $32, SI; \
	ADDQ $32, DI; \
	ADDQ $32, DX; \
	DECQ CX; \
	JNZ  loop; \
done: \
	VZEROUPPER; \
	RET

// The AVX2 bodies: Y1 = f(Y0), and for SOFTPLUS_SIGMOID2 Y11 = sigmoid(Y0).
#define SOFTPLUS2 \
	EXPNEGABS; \
	LOG1PUNIT; \
	VMAXPD  Y0, Y14, Y10; \
	VADDPD  Y8, Y10, Y1

#define SOFTPLUS_SIGMOID2 \
	EXPNEGABS; \
	LOG1PUNIT; \
	VMULPD  Y3, Y1, Y11; \
	VBLENDVPD Y0, Y11, Y3, Y11; \
	VMAXPD  Y0, Y14, Y10; \
	VADDPD  Y8, Y10, Y1

#define SIGMOID2 \
	EXPNEGABS; \
	VADDPD  one<>(SB), Y1, Y4; \
	VMOVUPD one<>(SB), Y3; \
	VDIVPD  Y4, Y3, Y3; \
	VMULPD  Y3, Y1, Y11; \
	VBLENDVPD Y0, Y11, Y3, Y1

#define SWISH2 \
	SIGMOID2; \
	VMULPD  Y0, Y1, Y1

// tanh(v) = sign(v) (-t)/(t+2), t = expm1(-2|v|).
#define TANH2 \
	VANDPD  absMask<>(SB), Y0, Y2; \
	VMULPD  minusTwo<>(SB), Y2, Y2; \
	VMAXPD  Y2, Y13, Y2; \
	EXPM1; \
	VADDPD  two<>(SB), Y1, Y4; \
	VXORPD  negZero<>(SB), Y1, Y1; \
	VDIVPD  Y4, Y1, Y1; \
	VANDPD  absMask<>(SB), Y1, Y1; \
	VANDPD  negZero<>(SB), Y0, Y5; \
	VORPD   Y5, Y1, Y1

#define ELU2 \
	VMINPD  Y0, Y14, Y2; \
	VMAXPD  Y2, Y13, Y2; \
	EXPM1; \
	VCMPPD  $0x1e, Y14, Y0, Y6; \
	VBLENDVPD Y6, Y0, Y1, Y1

// The AVX-512 kernels take sixteen elements per iteration, as two
// independent streams of eight, so that one stream's long dependency chain
// (the two polynomials) overlaps the other's. The operations are those of the
// AVX2 kernels, with constants broadcast from their first element.
// SETUP512 loads Z29 = minArg, Z28 = minArgM1, Z30 = 0, Z31 = 1.

// REDUCE11512 is REDUCE11 on registers: k = round(x/ln2), r = x - k ln2,
// e = 1/13! r^11 + ... + 1/2!.
#define REDUCE11512(x, e, k, r) \
	VMULPD.BCST  log2e<>(SB), x, k; \
	VRNDSCALEPD  $0, k, k; \
	VMOVAPD      x, r; \
	VFNMADD231PD.BCST ln2Hi<>(SB), k, r; \
	VFNMADD231PD.BCST ln2Lo<>(SB), k, r; \
	VBROADCASTSD exp0<>(SB), e; \
	VFMADD213PD.BCST exp1<>(SB), r, e; \
	VFMADD213PD.BCST exp2<>(SB), r, e; \
	VFMADD213PD.BCST exp3<>(SB), r, e; \
	VFMADD213PD.BCST exp4<>(SB), r, e; \
	VFMADD213PD.BCST exp5<>(SB), r, e; \
	VFMADD213PD.BCST exp6<>(SB), r, e; \
	VFMADD213PD.BCST exp7<>(SB), r, e; \
	VFMADD213PD.BCST exp8<>(SB), r, e; \
	VFMADD213PD.BCST exp9<>(SB), r, e; \
	VFMADD213PD.BCST exp10<>(SB), r, e; \
	VFMADD213PD.BCST exp11<>(SB), r, e

// EXP512 sets e = exp(-|v|); uses x, k, r, s.
#define EXP512(v, e, x, k, r, s) \
	VPORQ.BCST   negZero<>(SB), v, x; \
	VMAXPD       x, Z29, x; \
	REDUCE11512(x, e, k, r); \
	VFMADD213PD.BCST exp12<>(SB), r, e; \
	VFMADD213PD.BCST exp13<>(SB), r, e; \
	VMULPD.BCST  half<>(SB), k, s; \
	VRNDSCALEPD  $1, s, s; \
	VSUBPD       s, k, k; \
	VADDPD.BCST  expBias<>(SB), s, s; \
	VPSLLQ       $52, s, s; \
	VADDPD.BCST  expBias<>(SB), k, k; \
	VPSLLQ       $52, k, k; \
	VMULPD       s, e, e; \
	VMULPD       k, e, e

// LOG512 sets l = log(1+e) and inv = 1/(1+e); uses u, c, kk, m, f, z, p and
// the mask register km.
#define LOG512(e, l, inv, u, c, kk, m, f, z, p, km) \
	VADDPD       Z31, e, u; \
	VSUBPD       Z31, u, c; \
	VSUBPD       c, e, c; \
	VDIVPD       u, Z31, inv; \
	VCMPPD.BCST  $0x1e, sqrt2<>(SB), u, km; \
	VMULPD.BCST  half<>(SB), u, m; \
	VBLENDMPD    m, u, km, m; \
	VMOVAPD.Z    Z31, km, kk; \
	VSUBPD       Z31, m, f; \
	VADDPD       Z31, m, m; \
	VDIVPD       m, f, m; \
	VMULPD       m, m, z; \
	VBROADCASTSD log0<>(SB), p; \
	VFMADD213PD.BCST log1<>(SB), z, p; \
	VFMADD213PD.BCST log2<>(SB), z, p; \
	VFMADD213PD.BCST log3<>(SB), z, p; \
	VFMADD213PD.BCST log4<>(SB), z, p; \
	VFMADD213PD.BCST log5<>(SB), z, p; \
	VFMADD213PD.BCST log6<>(SB), z, p; \
	VFMADD213PD.BCST log7<>(SB), z, p; \
	VFMADD213PD.BCST log8<>(SB), z, p; \
	VFMADD213PD.BCST log9<>(SB), z, p; \
	VMULPD       z, p, p; \
	VSUBPD       p, f, p; \
	VFNMADD231PD p, m, f; \
	VMULPD       inv, c, c; \
	VFMADD231PD.BCST ln2Lo<>(SB), kk, c; \
	VADDPD       c, f, f; \
	VFMADD231PD.BCST ln2Hi<>(SB), kk, f; \
	VMOVAPD      f, l

// SIGMOID512 sets sig = v < 0 (by sign bit) ? e*inv : inv; uses the mask km.
#define SIGMOID512(v, e, inv, sig, km) \
	VMULPD   inv, e, sig; \
	VPMOVQ2M v, km; \
	VBLENDMPD sig, inv, km, sig

#define EXPM1512(x, e, k, r, r2) \
	REDUCE11512(x, e, k, r); \
	VMULPD       r, r, r2; \
	VFMADD213PD  r, r2, e; \
	VADDPD.BCST  expBias<>(SB), k, k; \
	VPSLLQ       $52, k, k; \
	VSUBPD       Z31, k, r2; \
	VFMADD213PD  r2, k, e

// TANH512 sets out = tanh(v); uses x, e, k, r, r2. Z28 = -40.
#define TANH512(v, out, x, e, k, r, r2) \
	VPANDQ.BCST  absMask<>(SB), v, x; \
	VMULPD.BCST  minusTwo<>(SB), x, x; \
	VMAXPD       x, Z28, x; \
	EXPM1512(x, e, k, r, r2); \
	VADDPD.BCST  two<>(SB), e, k; \
	VPXORQ.BCST  negZero<>(SB), e, e; \
	VDIVPD       k, e, e; \
	VPANDQ.BCST  absMask<>(SB), e, e; \
	VPANDQ.BCST  negZero<>(SB), v, r; \
	VPORQ        r, e, out

// ELU512 sets out = v > 0 ? v : expm1(v); uses x, e, k, r, r2 and km.
#define ELU512(v, out, x, e, k, r, r2, km) \
	VMINPD       v, Z30, x; \
	VMAXPD       x, Z28, x; \
	EXPM1512(x, e, k, r, r2); \
	VCMPPD       $0x1e, Z30, v, km; \
	VBLENDMPD    v, e, km, out

#define SETUP512 \
	VBROADCASTSD minArg<>(SB), Z29; \
	VBROADCASTSD minArgM1<>(SB), Z28; \
	VPXORQ       Z30, Z30, Z30; \
	VBROADCASTSD one<>(SB), Z31

#define UNARY512(body) \
	MOVQ z+0(FP), SI; \
	MOVQ dst+8(FP), DI; \
	MOVQ n+16(FP), CX; \
	SHRQ $4, CX; \
	JZ   done; \
	SETUP512; \
loop: \
	VMOVUPD (SI), Z0; \
	VMOVUPD 64(SI), Z16; \
	body; \
	VMOVUPD Z1, (DI); \
	VMOVUPD Z17, 64(DI); \
	ADDQ $128, SI; \
	ADDQ $128, DI; \
	DECQ CX; \
	JNZ  loop; \
done: \
	VZEROUPPER; \
	RET

#define BINARY512(body) \
	MOVQ z+0(FP), SI; \
	MOVQ dst+8(FP), DI; \
	MOVQ dst2+16(FP), DX; \
	MOVQ n+24(FP), CX; \
	SHRQ $4, CX; \
	JZ   done; \
	SETUP512; \
loop: \
	VMOVUPD (SI), Z0; \
	VMOVUPD 64(SI), Z16; \
	body; \
	VMOVUPD Z1, (DI); \
	VMOVUPD Z17, 64(DI); \
	VMOVUPD Z11, (DX); \
	VMOVUPD Z27, 64(DX); \
	ADDQ $128, SI; \
	ADDQ $128, DI; \
	ADDQ $128, DX; \
	DECQ CX; \
	JNZ  loop; \
done: \
	VZEROUPPER; \
	RET

// The AVX-512 bodies, two streams: Z1 = f(Z0), Z17 = f(Z16), and for
// SOFTPLUS_SIGMOID512 Z11 and Z27 their sigmoids.
#define EXP512X2 \
	EXP512(Z0, Z1, Z2, Z3, Z4, Z5); \
	EXP512(Z16, Z17, Z18, Z19, Z20, Z21)

#define SOFTPLUS512X2 \
	EXP512X2; \
	LOG512(Z1, Z8, Z3, Z4, Z5, Z6, Z7, Z9, Z10, Z2, K1); \
	LOG512(Z17, Z24, Z19, Z20, Z21, Z22, Z23, Z25, Z26, Z18, K2)

#define SOFTPLUS512 \
	SOFTPLUS512X2; \
	VMAXPD  Z0, Z30, Z10; \
	VADDPD  Z8, Z10, Z1; \
	VMAXPD  Z16, Z30, Z26; \
	VADDPD  Z24, Z26, Z17

#define SOFTPLUS_SIGMOID512 \
	SOFTPLUS512X2; \
	SIGMOID512(Z0, Z1, Z3, Z11, K3); \
	SIGMOID512(Z16, Z17, Z19, Z27, K4); \
	VMAXPD  Z0, Z30, Z10; \
	VADDPD  Z8, Z10, Z1; \
	VMAXPD  Z16, Z30, Z26; \
	VADDPD  Z24, Z26, Z17

#define SIGMOID512X2 \
	EXP512X2; \
	VADDPD  Z31, Z1, Z4; \
	VDIVPD  Z4, Z31, Z3; \
	VADDPD  Z31, Z17, Z20; \
	VDIVPD  Z20, Z31, Z19; \
	SIGMOID512(Z0, Z1, Z3, Z1, K3); \
	SIGMOID512(Z16, Z17, Z19, Z17, K4)

#define SWISH512X2 \
	SIGMOID512X2; \
	VMULPD  Z0, Z1, Z1; \
	VMULPD  Z16, Z17, Z17

#define TANH512X2 \
	TANH512(Z0, Z1, Z2, Z3, Z4, Z5, Z6); \
	TANH512(Z16, Z17, Z18, Z19, Z20, Z21, Z22)

#define ELU512X2 \
	ELU512(Z0, Z1, Z2, Z3, Z4, Z5, Z6, K1); \
	ELU512(Z16, Z17, Z18, Z19, Z20, Z21, Z22, K2)

// func softplusSigmoidAVX512(z, dst, dst2 *float64, n int)
TEXT ·softplusSigmoidAVX512(SB), NOSPLIT, $0-32
	BINARY512(SOFTPLUS_SIGMOID512)

// func softplusAVX512(z, dst *float64, n int)
TEXT ·softplusAVX512(SB), NOSPLIT, $0-24
	UNARY512(SOFTPLUS512)

// func sigmoidAVX512(z, dst *float64, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	UNARY512(SIGMOID512X2)

// func swishAVX512(z, dst *float64, n int)
TEXT ·swishAVX512(SB), NOSPLIT, $0-24
	UNARY512(SWISH512X2)

// func tanhAVX512(z, dst *float64, n int)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	UNARY512(TANH512X2)

// func eluAVX512(z, dst *float64, n int)
TEXT ·eluAVX512(SB), NOSPLIT, $0-24
	UNARY512(ELU512X2)

// func expNegAbsAVX512(z, dst *float64, n int)
TEXT ·expNegAbsAVX512(SB), NOSPLIT, $0-24
	UNARY512(EXP512X2)

// func softplusSigmoidAVX2(z, dst, dst2 *float64, n int)
TEXT ·softplusSigmoidAVX2(SB), NOSPLIT, $0-32
	BINARY2(SOFTPLUS_SIGMOID2)

// func softplusAVX2(z, dst *float64, n int)
TEXT ·softplusAVX2(SB), NOSPLIT, $0-24
	UNARY2(SOFTPLUS2)

// func sigmoidAVX2(z, dst *float64, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	UNARY2(SIGMOID2)

// func swishAVX2(z, dst *float64, n int)
TEXT ·swishAVX2(SB), NOSPLIT, $0-24
	UNARY2(SWISH2)

// func tanhAVX2(z, dst *float64, n int)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	UNARY2(TANH2)

// func eluAVX2(z, dst *float64, n int)
TEXT ·eluAVX2(SB), NOSPLIT, $0-24
	UNARY2(ELU2)

// func expNegAbsAVX2(z, dst *float64, n int)
TEXT ·expNegAbsAVX2(SB), NOSPLIT, $0-24
	UNARY2(EXPNEGABS)
