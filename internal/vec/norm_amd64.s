//go:build amd64 && !purego

#include "textflag.h"

// The batch-normalisation passes of norm.go in AVX-512, sixteen elements
// at a time, the last few through a tail mask. Sums keep element i in
// float64 lane i mod 16: lanes 0-7 of a vector in one register, 8-15 in
// another. Products of two float32 values are exact in float64, so a
// fused multiply-add of them rounds once, as the Go code's product and
// sum do. The ReLU's gradient passes dy where !(0 >= y) (VCMPPS NGE_UQ,
// 0x19, true for NaN), as reluBackwardAVX512 does.

// NORMMASK sets mask k to the first min(16, CX) lanes. It clobbers AX.
#define NORMMASK(k) \
	MOVQ    $16, AX    \
	CMPQ    CX, AX     \
	CMOVQLT CX, AX     \
	MOVQ    $-1, R11   \
	BZHIQ   AX, R11, R11 \
	KMOVW   R11, k

// FOLD adds the 16 partial sums lo (lanes 0-7) and hi (8-15) in the
// documented order into the low double of lo: t[j] = s[j] + s[j+8],
// then t[j] += t[j+4], t[j+2], t[j+1]. It clobbers tmp.
#define FOLD(lo, hi, loY, loX, tmpY, tmpX) \
	VADDPD        hi, lo, lo   \
	VEXTRACTF64X4 $1, lo, tmpY \
	VADDPD        tmpY, loY, loY \
	VEXTRACTF128  $1, loY, tmpX \
	VADDPD        tmpX, loX, loX \
	VUNPCKHPD     loX, loX, tmpX \
	VADDSD        tmpX, loX, loX

// func momentsAVX512(x *float32, n, stride, runs int) (sum, squares float64)
//
// runs ≥ 1. Each run is summed as the Go code sums it, and the runs'
// sums added in turn (VADDSD) to +0.
//
//	R9 the run's first element, R8 n, DX stride·4, BX runs left
//	SI x, CX elements left, K1 the lanes to load
//	Z0, Z1 the run's sums (lanes 0-7, 8-15), Z2, Z3 the squares'
//	X10, X11 the runs' sums
TEXT ·momentsAVX512(SB), NOSPLIT, $0-48
	MOVQ   x+0(FP), R9
	MOVQ   n+8(FP), R8
	MOVQ   stride+16(FP), DX
	SHLQ   $2, DX
	MOVQ   runs+24(FP), BX
	VXORPD X10, X10, X10
	VXORPD X11, X11, X11

moments_run:
	MOVQ   R9, SI
	MOVQ   R8, CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	TESTQ  CX, CX
	JLE    moments_fold

moments_loop:
	NORMMASK(K1)
	VMOVUPS.Z   (SI), K1, Z4
	VCVTPS2PD   Y4, Z5
	VEXTRACTF64X4 $1, Z4, Y6
	VCVTPS2PD   Y6, Z6
	VADDPD      Z5, Z0, Z0
	VADDPD      Z6, Z1, Z1
	VFMADD231PD Z5, Z5, Z2
	VFMADD231PD Z6, Z6, Z3
	ADDQ        $64, SI
	SUBQ        $16, CX
	JG          moments_loop

moments_fold:
	FOLD(Z0, Z1, Y0, X0, Y7, X7)
	FOLD(Z2, Z3, Y2, X2, Y7, X7)
	VADDSD X0, X10, X10
	VADDSD X2, X11, X11
	ADDQ   DX, R9
	DECQ   BX
	JNZ    moments_run
	VZEROUPPER
	MOVSD  X10, sum+32(FP)
	MOVSD  X11, squares+40(FP)
	RET

// func normalizeAVX512(dst, x *float32, n, stride, runs int, a, b float32, relu int)
//
// dst = a·x + b (VMULPS, then VADDPS), then, with relu, VMAXPS with 0
// first as reluAVX512 does; runs ≥ 1.
//
//	R9, R10 the run's first element of dst and x, R8 n, R12 stride·4,
//	R13 runs left
//	DI dst, SI x, CX elements left, DX relu, K1 the lanes
//	Z30 a, Z29 b, Z31 zeros
TEXT ·normalizeAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), R9
	MOVQ         x+8(FP), R10
	MOVQ         n+16(FP), R8
	MOVQ         stride+24(FP), R12
	SHLQ         $2, R12
	MOVQ         runs+32(FP), R13
	VBROADCASTSS a+40(FP), Z30
	VBROADCASTSS b+44(FP), Z29
	MOVQ         relu+48(FP), DX
	VPXORD       Z31, Z31, Z31

normalize_run:
	MOVQ  R9, DI
	MOVQ  R10, SI
	MOVQ  R8, CX
	TESTQ CX, CX
	JLE   normalize_next

normalize_loop:
	NORMMASK(K1)
	VMULPS.Z (SI), Z30, K1, Z0
	VADDPS   Z29, Z0, Z0
	TESTQ    DX, DX
	JZ       normalize_store
	VMAXPS   Z0, Z31, Z0

normalize_store:
	VMOVUPS Z0, K1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JG      normalize_loop

normalize_next:
	ADDQ R12, R9
	ADDQ R12, R10
	DECQ R13
	JNZ  normalize_run
	VZEROUPPER
	RET

// MASKED sets K2 to the lanes of K1 that the ReLU lets through (DX not
// zero), those whose a·x + b (Z27, Z26; x in Z7) is not ≤ 0, or to K1
// itself with no ReLU. It clobbers Z10.
#define MASKED(label) \
	KMOVW   K1, K2           \
	TESTQ   DX, DX           \
	JZ      label            \
	VMULPS  Z27, Z7, Z10     \
	VADDPS  Z26, Z10, Z10    \
	VCMPPS  $0x19, Z10, Z31, K1, K2 \
label:

// func normGradSumsAVX512(dy, x *float32, n, stride, runs, relu int, ra, rb float32) (sumG, sumGX float64)
//
// runs ≥ 1; the runs' sums are added as momentsAVX512 adds them.
//
//	R9, R10 the run's first element of dy and x, R8 n, R12 stride·4,
//	R13 runs left
//	BX dy, SI x, CX elements left, DX relu, K1 the lanes, K2 those the
//	ReLU passes, Z27 ra, Z26 rb
//	Z0, Z1 the run's Σg (lanes 0-7, 8-15), Z2, Z3 its Σg·x, Z31 zeros
//	X12, X13 the runs' sums
TEXT ·normGradSumsAVX512(SB), NOSPLIT, $0-72
	MOVQ         dy+0(FP), R9
	MOVQ         x+8(FP), R10
	MOVQ         n+16(FP), R8
	MOVQ         stride+24(FP), R12
	SHLQ         $2, R12
	MOVQ         runs+32(FP), R13
	MOVQ         relu+40(FP), DX
	VBROADCASTSS ra+48(FP), Z27
	VBROADCASTSS rb+52(FP), Z26
	VPXORD       Z31, Z31, Z31
	VXORPD       X12, X12, X12
	VXORPD       X13, X13, X13

gradSums_run:
	MOVQ   R9, BX
	MOVQ   R10, SI
	MOVQ   R8, CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	TESTQ  CX, CX
	JLE    gradSums_fold

gradSums_loop:
	NORMMASK(K1)
	VMOVUPS.Z     (SI), K1, Z7
	MASKED(gradSums_load)
	VMOVUPS.Z     (BX), K2, Z4
	VCVTPS2PD     Y4, Z5
	VEXTRACTF64X4 $1, Z4, Y6
	VCVTPS2PD     Y6, Z6
	VCVTPS2PD     Y7, Z8
	VEXTRACTF64X4 $1, Z7, Y9
	VCVTPS2PD     Y9, Z9
	VADDPD        Z5, Z0, Z0
	VADDPD        Z6, Z1, Z1
	VFMADD231PD   Z8, Z5, Z2
	VFMADD231PD   Z9, Z6, Z3
	ADDQ          $64, BX
	ADDQ          $64, SI
	SUBQ          $16, CX
	JG            gradSums_loop

gradSums_fold:
	FOLD(Z0, Z1, Y0, X0, Y7, X7)
	FOLD(Z2, Z3, Y2, X2, Y7, X7)
	VADDSD X0, X12, X12
	VADDSD X2, X13, X13
	ADDQ   R12, R9
	ADDQ   R12, R10
	DECQ   R13
	JNZ    gradSums_run
	VZEROUPPER
	MOVSD  X12, sumG+56(FP)
	MOVSD  X13, sumGX+64(FP)
	RET

// func normGradAVX512(dx, dy, x *float32, n, stride, runs, relu int, ra, rb, a, b, c float32)
//
// dx = (a·g + b·x) + c, each product and sum rounded (no fused
// multiply-add), g being dy through the ReLU as in normGradSumsAVX512;
// runs ≥ 1.
//
//	R9, R10, R14 the run's first element of dx, dy and x, R8 n,
//	R12 stride·4, R13 runs left
//	DI dx, BX dy, SI x, CX elements left, DX relu
//	K1 the lanes, K2 those the ReLU passes
//	Z27 ra, Z26 rb, Z30 a, Z29 b, Z28 c, Z31 zeros
TEXT ·normGradAVX512(SB), NOSPLIT, $0-76
	MOVQ         dx+0(FP), R9
	MOVQ         dy+8(FP), R10
	MOVQ         x+16(FP), R14
	MOVQ         n+24(FP), R8
	MOVQ         stride+32(FP), R12
	SHLQ         $2, R12
	MOVQ         runs+40(FP), R13
	MOVQ         relu+48(FP), DX
	VBROADCASTSS ra+56(FP), Z27
	VBROADCASTSS rb+60(FP), Z26
	VBROADCASTSS a+64(FP), Z30
	VBROADCASTSS b+68(FP), Z29
	VBROADCASTSS c+72(FP), Z28
	VPXORD       Z31, Z31, Z31

grad_run:
	MOVQ  R9, DI
	MOVQ  R10, BX
	MOVQ  R14, SI
	MOVQ  R8, CX
	TESTQ CX, CX
	JLE   grad_next

grad_loop:
	NORMMASK(K1)
	VMOVUPS.Z (SI), K1, Z7
	MASKED(grad_load)
	VMOVUPS.Z (BX), K2, Z4
	VMULPS    Z30, Z4, Z4
	VMULPS    Z29, Z7, Z5
	VADDPS    Z5, Z4, Z4
	VADDPS    Z28, Z4, Z4
	VMOVUPS   Z4, K1, (DI)
	ADDQ      $64, BX
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JG        grad_loop

grad_next:
	ADDQ R12, R9
	ADDQ R12, R10
	ADDQ R12, R14
	DECQ R13
	JNZ  grad_run
	VZEROUPPER
	RET
