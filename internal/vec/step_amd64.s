//go:build amd64 && !purego

#include "textflag.h"

// The optimiser steps of step.go, each in the order of operations its
// doc comment gives, one instruction per operation.
//
// The AVX-512 kernels go one vector (16 floats) per trip: the bodies are
// long enough that the processor overlaps trips by itself, and they wait
// on memory anyway. Every load and store goes through the mask K1, which
// is all ones until the last, partial vector, where it covers the
// elements left; a masked-off lane is neither read nor written. The AVX2
// kernels take a multiple of 8 elements, one vector per trip, and their
// Go callers do the rest.
//
// The choices that do not change during a call (Nesterov or not, AdamW
// or Adam, momentum or none) are branches inside the loop, which go the
// same way every trip and so cost next to nothing.
//
// Operands are in Go's order, the reverse of Intel's: "VSUBPS Z1, Z0, Z0"
// is Z0 = Z0 − Z1, and "VDIVPS Z3, Z2, Z2" is Z2 = Z2 / Z3.

// TAILMASK sets mask register k to the first n lanes (all 16 when n ≥ 16,
// for n < 64). It clobbers AX.
#define TAILMASK(n, k) MOVQ $-1, AX; BZHIQ n, AX, AX; KMOVW AX, k

// func sgdAVX512(w, g []float32, lr, wd float32)
//
//	d = g + wd·w;  w = w − lr·d
//
//	DI w, SI g, CX elements left
//	Z31 lr, Z30 wd
TEXT ·sgdAVX512(SB), NOSPLIT, $0-56
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	VBROADCASTSS lr+48(FP), Z31
	VBROADCASTSS wd+52(FP), Z30
	KXNORW       K1, K1, K1

sgd512_loop:
	CMPQ  CX, $16
	JGE   sgd512_body
	TESTQ CX, CX
	JLE   sgd512_done
	TAILMASK(CX, K1)
	MOVQ  $16, CX // the last, partial vector

sgd512_body:
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VMULPS    Z30, Z0, Z2
	VADDPS    Z2, Z1, Z1   // d = g + wd·w
	VMULPS    Z31, Z1, Z1
	VSUBPS    Z1, Z0, Z0   // w − lr·d
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, DI
	ADDQ      $64, SI
	SUBQ      $16, CX
	JMP       sgd512_loop

sgd512_done:
	VZEROUPPER
	RET

// func sgdMomentumAVX512(w, g, v []float32, lr, mu, wd float32, nesterov bool)
//
//	d = g + wd·w;  v = mu·v + d;  d = d + mu·v (Nesterov) or v;  w = w − lr·d
//
//	DI w, SI g, DX v, CX elements left, R8 nesterov
//	Z31 lr, Z30 mu, Z29 wd
TEXT ·sgdMomentumAVX512(SB), NOSPLIT, $0-85
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         v_base+48(FP), DX
	VBROADCASTSS lr+72(FP), Z31
	VBROADCASTSS mu+76(FP), Z30
	VBROADCASTSS wd+80(FP), Z29
	MOVBQZX      nesterov+84(FP), R8
	KXNORW       K1, K1, K1

sgdMomentum512_loop:
	CMPQ  CX, $16
	JGE   sgdMomentum512_body
	TESTQ CX, CX
	JLE   sgdMomentum512_done
	TAILMASK(CX, K1)
	MOVQ  $16, CX // the last, partial vector

sgdMomentum512_body:
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (DX), K1, Z2
	VMULPS    Z29, Z0, Z3
	VADDPS    Z3, Z1, Z1   // d = g + wd·w
	VMULPS    Z30, Z2, Z2
	VADDPS    Z1, Z2, Z2   // v = mu·v + d
	VMOVUPS   Z2, K1, (DX)
	TESTQ     R8, R8
	JZ        sgdMomentum512_step
	VMULPS    Z30, Z2, Z2
	VADDPS    Z2, Z1, Z2   // d + mu·v

sgdMomentum512_step:
	VMULPS  Z31, Z2, Z2
	VSUBPS  Z2, Z0, Z0   // w − lr·d
	VMOVUPS Z0, K1, (DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	ADDQ    $64, DX
	SUBQ    $16, CX
	JMP     sgdMomentum512_loop

sgdMomentum512_done:
	VZEROUPPER
	RET

// func adamAVX512(w, g, m, v []float32, b1, c1, b2, c2, stepSize, root2, eps, decay, shrink float32, decoupled bool)
//
//	w = shrink·w (decoupled) or g = g + decay·w
//	m = b1·m + c1·g;  v = b2·v + (c2·g)·g
//	w = w − (stepSize·m) / (√v / root2 + eps)
//
//	DI w, SI g, DX m, R8 v, CX elements left, R9 decoupled
//	Z31 b1, Z30 c1 (1 − b1), Z29 b2, Z28 c2 (1 − b2), Z27 stepSize,
//	Z26 root2, Z25 eps, Z24 decay, Z23 shrink
TEXT ·adamAVX512(SB), NOSPLIT, $0-133
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         m_base+48(FP), DX
	MOVQ         v_base+72(FP), R8
	VBROADCASTSS b1+96(FP), Z31
	VBROADCASTSS c1+100(FP), Z30
	VBROADCASTSS b2+104(FP), Z29
	VBROADCASTSS c2+108(FP), Z28
	VBROADCASTSS stepSize+112(FP), Z27
	VBROADCASTSS root2+116(FP), Z26
	VBROADCASTSS eps+120(FP), Z25
	VBROADCASTSS decay+124(FP), Z24
	VBROADCASTSS shrink+128(FP), Z23
	MOVBQZX      decoupled+132(FP), R9
	KXNORW       K1, K1, K1

adam512_loop:
	CMPQ  CX, $16
	JGE   adam512_body
	TESTQ CX, CX
	JLE   adam512_done
	TAILMASK(CX, K1)
	MOVQ  $16, CX // the last, partial vector

adam512_body:
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	TESTQ     R9, R9
	JNZ       adam512_decoupled
	VMULPS    Z24, Z0, Z2
	VADDPS    Z2, Z1, Z1      // g = g + decay·w
	JMP       adam512_moments

adam512_decoupled:
	VMULPS Z23, Z0, Z0 // w = shrink·w

adam512_moments:
	VMOVUPS.Z (DX), K1, Z2
	VMOVUPS.Z (R8), K1, Z3
	VMULPS    Z31, Z2, Z2
	VMULPS    Z30, Z1, Z4
	VADDPS    Z4, Z2, Z2      // m = b1·m + c1·g
	VMULPS    Z29, Z3, Z3
	VMULPS    Z28, Z1, Z4
	VMULPS    Z1, Z4, Z4
	VADDPS    Z4, Z3, Z3      // v = b2·v + (c2·g)·g
	VMOVUPS   Z2, K1, (DX)
	VMOVUPS   Z3, K1, (R8)
	VSQRTPS   Z3, Z3
	VDIVPS    Z26, Z3, Z3
	VADDPS    Z25, Z3, Z3     // √v / root2 + eps
	VMULPS    Z27, Z2, Z2
	VDIVPS    Z3, Z2, Z2      // (stepSize·m) / (√v / root2 + eps)
	VSUBPS    Z2, Z0, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, DI
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, R8
	SUBQ      $16, CX
	JMP       adam512_loop

adam512_done:
	VZEROUPPER
	RET

// func rmsPropAVX512(w, g, sq, buf []float32, lr, alpha, c, eps, mu, wd float32, momentum bool)
//
//	g = g + wd·w;  sq = alpha·sq + (c·g)·g;  d = g / (√sq + eps)
//	buf = mu·buf + d, d = buf (momentum);  w = w − lr·d
//
//	DI w, SI g, DX sq, R8 buf (untouched without momentum), CX elements
//	left, R9 momentum
//	Z31 lr, Z30 alpha, Z29 c (1 − alpha), Z28 eps, Z27 mu, Z26 wd
TEXT ·rmsPropAVX512(SB), NOSPLIT, $0-121
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         sq_base+48(FP), DX
	MOVQ         buf_base+72(FP), R8
	VBROADCASTSS lr+96(FP), Z31
	VBROADCASTSS alpha+100(FP), Z30
	VBROADCASTSS c+104(FP), Z29
	VBROADCASTSS eps+108(FP), Z28
	VBROADCASTSS mu+112(FP), Z27
	VBROADCASTSS wd+116(FP), Z26
	MOVBQZX      momentum+120(FP), R9
	KXNORW       K1, K1, K1

rmsProp512_loop:
	CMPQ  CX, $16
	JGE   rmsProp512_body
	TESTQ CX, CX
	JLE   rmsProp512_done
	TAILMASK(CX, K1)
	MOVQ  $16, CX // the last, partial vector

rmsProp512_body:
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (DX), K1, Z2
	VMULPS    Z26, Z0, Z3
	VADDPS    Z3, Z1, Z1      // g = g + wd·w
	VMULPS    Z30, Z2, Z2
	VMULPS    Z29, Z1, Z3
	VMULPS    Z1, Z3, Z3
	VADDPS    Z3, Z2, Z2      // sq = alpha·sq + (c·g)·g
	VMOVUPS   Z2, K1, (DX)
	VSQRTPS   Z2, Z2
	VADDPS    Z28, Z2, Z2
	VDIVPS    Z2, Z1, Z1      // d = g / (√sq + eps)
	TESTQ     R9, R9
	JZ        rmsProp512_step
	VMOVUPS.Z (R8), K1, Z3
	VMULPS    Z27, Z3, Z3
	VADDPS    Z1, Z3, Z1      // buf = mu·buf + d
	VMOVUPS   Z1, K1, (R8)

rmsProp512_step:
	VMULPS  Z31, Z1, Z1
	VSUBPS  Z1, Z0, Z0   // w − lr·d
	VMOVUPS Z0, K1, (DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, R8
	SUBQ    $16, CX
	JMP     rmsProp512_loop

rmsProp512_done:
	VZEROUPPER
	RET

// func sgdAVX2x8(w, g []float32, lr, wd float32)
//
// As sgdAVX512, for len(g) a multiple of 8.
//
//	DI w, SI g, CX elements left
//	Y15 lr, Y14 wd
TEXT ·sgdAVX2x8(SB), NOSPLIT, $0-56
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	VBROADCASTSS lr+48(FP), Y15
	VBROADCASTSS wd+52(FP), Y14
	TESTQ        CX, CX
	JLE          sgd2_done

sgd2_loop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	VMULPS  Y14, Y0, Y2
	VADDPS  Y2, Y1, Y1  // d = g + wd·w
	VMULPS  Y15, Y1, Y1
	VSUBPS  Y1, Y0, Y0  // w − lr·d
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JG      sgd2_loop

sgd2_done:
	VZEROUPPER
	RET

// func sgdMomentumAVX2x8(w, g, v []float32, lr, mu, wd float32, nesterov bool)
//
// As sgdMomentumAVX512, for len(g) a multiple of 8.
//
//	DI w, SI g, DX v, CX elements left, R8 nesterov
//	Y15 lr, Y14 mu, Y13 wd
TEXT ·sgdMomentumAVX2x8(SB), NOSPLIT, $0-85
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         v_base+48(FP), DX
	VBROADCASTSS lr+72(FP), Y15
	VBROADCASTSS mu+76(FP), Y14
	VBROADCASTSS wd+80(FP), Y13
	MOVBQZX      nesterov+84(FP), R8
	TESTQ        CX, CX
	JLE          sgdMomentum2_done

sgdMomentum2_loop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	VMOVUPS (DX), Y2
	VMULPS  Y13, Y0, Y3
	VADDPS  Y3, Y1, Y1  // d = g + wd·w
	VMULPS  Y14, Y2, Y2
	VADDPS  Y1, Y2, Y2  // v = mu·v + d
	VMOVUPS Y2, (DX)
	TESTQ   R8, R8
	JZ      sgdMomentum2_step
	VMULPS  Y14, Y2, Y2
	VADDPS  Y2, Y1, Y2  // d + mu·v

sgdMomentum2_step:
	VMULPS  Y15, Y2, Y2
	VSUBPS  Y2, Y0, Y0  // w − lr·d
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JG      sgdMomentum2_loop

sgdMomentum2_done:
	VZEROUPPER
	RET

// func adamAVX2x8(w, g, m, v []float32, b1, c1, b2, c2, stepSize, root2, eps, decay, shrink float32, decoupled bool)
//
// As adamAVX512, for len(g) a multiple of 8.
//
//	DI w, SI g, DX m, R8 v, CX elements left, R9 decoupled
//	Y15 b1, Y14 c1 (1 − b1), Y13 b2, Y12 c2 (1 − b2), Y11 stepSize,
//	Y10 root2, Y9 eps, Y8 decay, Y7 shrink
TEXT ·adamAVX2x8(SB), NOSPLIT, $0-133
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         m_base+48(FP), DX
	MOVQ         v_base+72(FP), R8
	VBROADCASTSS b1+96(FP), Y15
	VBROADCASTSS c1+100(FP), Y14
	VBROADCASTSS b2+104(FP), Y13
	VBROADCASTSS c2+108(FP), Y12
	VBROADCASTSS stepSize+112(FP), Y11
	VBROADCASTSS root2+116(FP), Y10
	VBROADCASTSS eps+120(FP), Y9
	VBROADCASTSS decay+124(FP), Y8
	VBROADCASTSS shrink+128(FP), Y7
	MOVBQZX      decoupled+132(FP), R9
	TESTQ        CX, CX
	JLE          adam2_done

adam2_loop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	TESTQ   R9, R9
	JNZ     adam2_decoupled
	VMULPS  Y8, Y0, Y2
	VADDPS  Y2, Y1, Y1      // g = g + decay·w
	JMP     adam2_moments

adam2_decoupled:
	VMULPS Y7, Y0, Y0 // w = shrink·w

adam2_moments:
	VMOVUPS (DX), Y2
	VMOVUPS (R8), Y3
	VMULPS  Y15, Y2, Y2
	VMULPS  Y14, Y1, Y4
	VADDPS  Y4, Y2, Y2      // m = b1·m + c1·g
	VMULPS  Y13, Y3, Y3
	VMULPS  Y12, Y1, Y4
	VMULPS  Y1, Y4, Y4
	VADDPS  Y4, Y3, Y3      // v = b2·v + (c2·g)·g
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, (R8)
	VSQRTPS Y3, Y3
	VDIVPS  Y10, Y3, Y3
	VADDPS  Y9, Y3, Y3      // √v / root2 + eps
	VMULPS  Y11, Y2, Y2
	VDIVPS  Y3, Y2, Y2      // (stepSize·m) / (√v / root2 + eps)
	VSUBPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	SUBQ    $8, CX
	JG      adam2_loop

adam2_done:
	VZEROUPPER
	RET

// func rmsPropAVX2x8(w, g, sq, buf []float32, lr, alpha, c, eps, mu, wd float32, momentum bool)
//
// As rmsPropAVX512, for len(g) a multiple of 8.
//
//	DI w, SI g, DX sq, R8 buf (untouched without momentum), CX elements
//	left, R9 momentum
//	Y15 lr, Y14 alpha, Y13 c (1 − alpha), Y12 eps, Y11 mu, Y10 wd
TEXT ·rmsPropAVX2x8(SB), NOSPLIT, $0-121
	MOVQ         w_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         sq_base+48(FP), DX
	MOVQ         buf_base+72(FP), R8
	VBROADCASTSS lr+96(FP), Y15
	VBROADCASTSS alpha+100(FP), Y14
	VBROADCASTSS c+104(FP), Y13
	VBROADCASTSS eps+108(FP), Y12
	VBROADCASTSS mu+112(FP), Y11
	VBROADCASTSS wd+116(FP), Y10
	MOVBQZX      momentum+120(FP), R9
	TESTQ        CX, CX
	JLE          rmsProp2_done

rmsProp2_loop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	VMOVUPS (DX), Y2
	VMULPS  Y10, Y0, Y3
	VADDPS  Y3, Y1, Y1      // g = g + wd·w
	VMULPS  Y14, Y2, Y2
	VMULPS  Y13, Y1, Y3
	VMULPS  Y1, Y3, Y3
	VADDPS  Y3, Y2, Y2      // sq = alpha·sq + (c·g)·g
	VMOVUPS Y2, (DX)
	VSQRTPS Y2, Y2
	VADDPS  Y12, Y2, Y2
	VDIVPS  Y2, Y1, Y1      // d = g / (√sq + eps)
	TESTQ   R9, R9
	JZ      rmsProp2_step
	VMOVUPS (R8), Y3
	VMULPS  Y11, Y3, Y3
	VADDPS  Y1, Y3, Y1      // buf = mu·buf + d
	VMOVUPS Y1, (R8)

rmsProp2_step:
	VMULPS  Y15, Y1, Y1
	VSUBPS  Y1, Y0, Y0  // w − lr·d
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	SUBQ    $8, CX
	JG      rmsProp2_loop

rmsProp2_done:
	VZEROUPPER
	RET
