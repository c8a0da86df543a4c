//go:build amd64 && !purego

#include "textflag.h"

// The AVX-512 kernels of the elementwise functions and Sum go through
// their slices four vectors (64 floats) at a time, then finish one vector
// at a time with a mask K1 of the elements left: a masked-off lane is
// neither read nor written, and never faults, even past the end of a
// slice. They need AVX512F, and BMI2 for BZHI, which makes the masks.
//
// AVX2 has no mask registers. Its elementwise kernels take a multiple of 8
// elements, four vectors (32 floats) at a time, then one, and their Go
// callers in vec_amd64.go do the last few elements with the portable code.
// Sum and MaxPool2x2 do all their own work (see each).
//
// Go's assembler lists operands in the reverse of Intel's order: the
// destination last, and the first source (the one whose NaN an instruction
// returns) just before it. "VMAXPS (SI), Z31, Z0" is Intel's
// "vmaxps zmm0, zmm31, [rsi]".

// TAILMASK sets mask register k to the first n lanes (all 16 when n ≥ 16,
// for n < 64). It clobbers AX.
#define TAILMASK(n, k) MOVQ $-1, AX; BZHIQ n, AX, AX; KMOVW AX, k

// func reluAVX512(dst, x []float32)
//
// dst = max(0, x) by VMAXPS with 0 first and x second: VMAXPS returns its
// second source unless the first is greater, so x < 0 gives +0 and
// everything else (−0, NaN) is x unchanged.
//
//	DI dst, SI x, CX elements left
//	Z31 zeros
TEXT ·reluAVX512(SB), NOSPLIT, $0-48
	MOVQ   dst_base+0(FP), DI
	MOVQ   x_base+24(FP), SI
	MOVQ   x_len+32(FP), CX
	VPXORD Z31, Z31, Z31

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  relu512_tail

relu512_loop:
	VMAXPS  (SI), Z31, Z0
	VMAXPS  64(SI), Z31, Z1
	VMAXPS  128(SI), Z31, Z2
	VMAXPS  192(SI), Z31, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     relu512_loop

	// The rest, a masked vector at a time.
relu512_tail:
	TESTQ   CX, CX
	JLE     relu512_done
	TAILMASK(CX, K1)
	VMAXPS  (SI), Z31, K1, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     relu512_tail

relu512_done:
	VZEROUPPER
	RET

// func reluBackwardAVX512(dx, dy, y []float32)
//
// dx = dy where !(0 >= y), else 0: VCMPPS with predicate NGE_UQ (0x19,
// true when unordered) makes a mask of the lanes that pass, and a
// zero-masked load of dy applies it.
//
//	DI dx, DX dy, SI y, CX elements left
//	Z31 zeros
//	K1-K4 the lanes that pass, one per vector; K5 the tail mask
TEXT ·reluBackwardAVX512(SB), NOSPLIT, $0-72
	MOVQ   dx_base+0(FP), DI
	MOVQ   dy_base+24(FP), DX
	MOVQ   y_base+48(FP), SI
	MOVQ   y_len+56(FP), CX
	VPXORD Z31, Z31, Z31

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  reluBackward512_tail

reluBackward512_loop:
	VCMPPS    $0x19, (SI), Z31, K1
	VCMPPS    $0x19, 64(SI), Z31, K2
	VCMPPS    $0x19, 128(SI), Z31, K3
	VCMPPS    $0x19, 192(SI), Z31, K4
	VMOVUPS.Z (DX), K1, Z0
	VMOVUPS.Z 64(DX), K2, Z1
	VMOVUPS.Z 128(DX), K3, Z2
	VMOVUPS.Z 192(DX), K4, Z3
	VMOVUPS   Z0, (DI)
	VMOVUPS   Z1, 64(DI)
	VMOVUPS   Z2, 128(DI)
	VMOVUPS   Z3, 192(DI)
	ADDQ      $256, SI
	ADDQ      $256, DX
	ADDQ      $256, DI
	SUBQ      $64, CX
	CMPQ      CX, $64
	JGE       reluBackward512_loop

	// The rest, a masked vector at a time: the compare, masked by K5,
	// leaves K1 clear in the lanes past the end.
reluBackward512_tail:
	TESTQ     CX, CX
	JLE       reluBackward512_done
	TAILMASK(CX, K5)
	VCMPPS    $0x19, (SI), Z31, K5, K1
	VMOVUPS.Z (DX), K1, Z0
	VMOVUPS   Z0, K5, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       reluBackward512_tail

reluBackward512_done:
	VZEROUPPER
	RET

// func fillAVX512(dst []float32, v float32)
//
//	DI dst, CX elements left
//	Z0 v in every lane
TEXT ·fillAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	VBROADCASTSS v+24(FP), Z0

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  fill512_tail

fill512_loop:
	VMOVUPS Z0, (DI)
	VMOVUPS Z0, 64(DI)
	VMOVUPS Z0, 128(DI)
	VMOVUPS Z0, 192(DI)
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     fill512_loop

	// The rest, a masked vector at a time.
fill512_tail:
	TESTQ   CX, CX
	JLE     fill512_done
	TAILMASK(CX, K1)
	VMOVUPS Z0, K1, (DI)
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     fill512_tail

fill512_done:
	VZEROUPPER
	RET

// func addAVX512(dst, x []float32)
//
//	DI dst, SI x, CX elements left
TEXT ·addAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  add512_tail

add512_loop:
	VMOVUPS (DI), Z0
	VMOVUPS 64(DI), Z1
	VMOVUPS 128(DI), Z2
	VMOVUPS 192(DI), Z3
	VADDPS  (SI), Z0, Z0
	VADDPS  64(SI), Z1, Z1
	VADDPS  128(SI), Z2, Z2
	VADDPS  192(SI), Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     add512_loop

	// The rest, a masked vector at a time.
add512_tail:
	TESTQ     CX, CX
	JLE       add512_done
	TAILMASK(CX, K1)
	VMOVUPS.Z (DI), K1, Z0
	VADDPS    (SI), Z0, K1, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       add512_tail

add512_done:
	VZEROUPPER
	RET

// func addToAVX512(dst, x, y []float32, relu bool)
//
// dst = x + y, then VMAXPS with Z31 first as reluAVX512 does: Z31 is 0
// for the ReLU, and −Inf otherwise, which is never greater than the sum,
// so VMAXPS returns the sum unchanged (−Inf, −0 and NaN included).
//
//	DI dst, SI x, DX y, CX elements left
//	Z31 the floor: 0 or −Inf
TEXT ·addToAVX512(SB), NOSPLIT, $0-73
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	MOVQ y_base+48(FP), DX
	VPXORD Z31, Z31, Z31
	CMPB relu+72(FP), $0
	JNE  addto512_floor
	MOVL $0xff800000, AX
	VPBROADCASTD AX, Z31

addto512_floor:
	// Four vectors per trip.
	CMPQ CX, $64
	JLT  addto512_tail

addto512_loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VADDPS  (DX), Z0, Z0
	VADDPS  64(DX), Z1, Z1
	VADDPS  128(DX), Z2, Z2
	VADDPS  192(DX), Z3, Z3
	VMAXPS  Z0, Z31, Z0
	VMAXPS  Z1, Z31, Z1
	VMAXPS  Z2, Z31, Z2
	VMAXPS  Z3, Z31, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DX
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     addto512_loop

	// The rest, a masked vector at a time.
addto512_tail:
	TESTQ     CX, CX
	JLE       addto512_done
	TAILMASK(CX, K1)
	VMOVUPS.Z (SI), K1, Z0
	VADDPS    (DX), Z0, K1, Z0
	VMAXPS    Z0, Z31, K1, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       addto512_tail

addto512_done:
	VZEROUPPER
	RET

// func addScaledAVX512(dst, x []float32, a float32)
//
// dst += a*x, multiplying and adding in two roundings (no FMA), as the Go
// code does.
//
//	DI dst, SI x, CX elements left
//	Z31 a in every lane
TEXT ·addScaledAVX512(SB), NOSPLIT, $0-52
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS a+48(FP), Z31

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  addScaled512_tail

addScaled512_loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMULPS  Z31, Z0, Z0
	VMULPS  Z31, Z1, Z1
	VMULPS  Z31, Z2, Z2
	VMULPS  Z31, Z3, Z3
	VADDPS  (DI), Z0, Z0
	VADDPS  64(DI), Z1, Z1
	VADDPS  128(DI), Z2, Z2
	VADDPS  192(DI), Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     addScaled512_loop

	// The rest, a masked vector at a time.
addScaled512_tail:
	TESTQ     CX, CX
	JLE       addScaled512_done
	TAILMASK(CX, K1)
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z31, Z0, Z0
	VADDPS    (DI), Z0, K1, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       addScaled512_tail

addScaled512_done:
	VZEROUPPER
	RET

// func mulAVX512(dst, x, y []float32)
//
//	DI dst, SI x, DX y, CX elements left
TEXT ·mulAVX512(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	MOVQ y_base+48(FP), DX

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  mul512_tail

mul512_loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMULPS  (DX), Z0, Z0
	VMULPS  64(DX), Z1, Z1
	VMULPS  128(DX), Z2, Z2
	VMULPS  192(DX), Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DX
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     mul512_loop

	// The rest, a masked vector at a time.
mul512_tail:
	TESTQ     CX, CX
	JLE       mul512_done
	TAILMASK(CX, K1)
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    (DX), Z0, K1, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       mul512_tail

mul512_done:
	VZEROUPPER
	RET

// func sumAVX512(x []float32) float32
//
// The 64 partial sums of Sum are Z0-Z3, lanes 16k..16k+15 in Zk: each
// trip adds 64 elements, element i into partial sum i mod 64. The tail
// adds up to four masked vectors into Z0, Z1, ... in turn (merge-masking,
// so the lanes past the end are left alone), and the registers are then
// folded in halves in the documented order.
//
//	SI x, CX elements left
//	Z0-Z3 partial sums
TEXT ·sumAVX512(SB), NOSPLIT, $0-28
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

	// 64 elements per trip.
	CMPQ CX, $64
	JLT  sum512_tail

sum512_loop:
	VADDPS (SI), Z0, Z0
	VADDPS 64(SI), Z1, Z1
	VADDPS 128(SI), Z2, Z2
	VADDPS 192(SI), Z3, Z3
	ADDQ   $256, SI
	SUBQ   $64, CX
	CMPQ   CX, $64
	JGE    sum512_loop

	// The last 0-63 elements.
sum512_tail:
	TESTQ  CX, CX
	JLE    sum512_fold
	TAILMASK(CX, K1)
	VADDPS (SI), Z0, K1, Z0
	SUBQ   $16, CX
	JLE    sum512_fold
	TAILMASK(CX, K1)
	VADDPS 64(SI), Z1, K1, Z1
	SUBQ   $16, CX
	JLE    sum512_fold
	TAILMASK(CX, K1)
	VADDPS 128(SI), Z2, K1, Z2
	SUBQ   $16, CX
	JLE    sum512_fold
	TAILMASK(CX, K1)
	VADDPS 192(SI), Z3, K1, Z3

sum512_fold:
	// t[j] = (s[j] + s[j+16]) + (s[j+32] + s[j+48]).
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0

	// t[j] += t[j+8], then t[j+4], t[j+2], t[j+1].
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+24(FP)
	RET

// evenLanes holds 0, 2, 4, ..., 30: for VPERMT2PS, the even elements of a
// pair of vectors; and the offsets from a block's first top-left index to
// each output lane's.
DATA evenLanes<>+0(SB)/4, $0
DATA evenLanes<>+4(SB)/4, $2
DATA evenLanes<>+8(SB)/4, $4
DATA evenLanes<>+12(SB)/4, $6
DATA evenLanes<>+16(SB)/4, $8
DATA evenLanes<>+20(SB)/4, $10
DATA evenLanes<>+24(SB)/4, $12
DATA evenLanes<>+28(SB)/4, $14
DATA evenLanes<>+32(SB)/4, $16
DATA evenLanes<>+36(SB)/4, $18
DATA evenLanes<>+40(SB)/4, $20
DATA evenLanes<>+44(SB)/4, $22
DATA evenLanes<>+48(SB)/4, $24
DATA evenLanes<>+52(SB)/4, $26
DATA evenLanes<>+56(SB)/4, $28
DATA evenLanes<>+60(SB)/4, $30
GLOBL evenLanes<>(SB), RODATA|NOPTR, $64

// func maxPool2x2AVX512(dst []float32, arg []int32, src []float32, h, w int)
//
// h, w >= 2 and the lengths are right: the caller has checked.
//
// Each block makes 16 outputs of one output row from 32 elements of each
// of the two input rows. VPERMT2PS splits each row's 32 into its even
// columns (the windows' left elements) and odd ones (right). The best
// starts as the top-left; each of the other three replaces it where
// greater (VCMPPS GT_OQ, false on NaN), and its index is then the
// top-left's plus 1, w or w+1. The last block of a row is masked to the
// outputs that are left (and twice as many inputs).
//
//	SI top input row of the current output row, R15 the bottom one
//	DI the current output row of dst, R10 of arg
//	R13 byte offset of the block in the output row (twice that in the input)
//	CX output rows left, BX outputs left in this row
//	R8 w*4 (bytes per input row), R11 2*w, R12 ow = w/2
//	DX the index of the row's first top-left element
//	Z31 evenLanes, Z30 odd lanes (1, 3, ..., 31)
//	Z29 1s, Z28 ws, Z27 (w+1)s, Z26 32s
//	Z25 the indices of the block's top-left elements
//	K1, K2 the block's inputs (first and second 16); K3 its outputs
//	K4 the lanes where a challenger wins
TEXT ·maxPool2x2AVX512(SB), NOSPLIT, $0-88
	MOVQ dst_base+0(FP), DI
	MOVQ arg_base+24(FP), R10
	MOVQ src_base+48(FP), SI
	MOVQ h+72(FP), CX
	SHRQ $1, CX
	MOVQ w+80(FP), R8
	MOVQ R8, R12
	SHRQ $1, R12
	LEAQ (R8)(R8*1), R11
	SHLQ $2, R8
	XORQ DX, DX

	// The constants.
	VMOVDQU32    evenLanes<>(SB), Z31
	MOVL         $1, AX
	VPBROADCASTD AX, Z29
	VPADDD       Z29, Z31, Z30
	VPBROADCASTD w+80(FP), Z28
	VPADDD       Z29, Z28, Z27
	MOVL         $32, AX
	VPBROADCASTD AX, Z26

maxPool512_row:
	LEAQ         (SI)(R8*1), R15
	XORQ         R13, R13
	MOVQ         R12, BX
	VPBROADCASTD DX, Z25
	VPADDD       Z31, Z25, Z25
	KXNORW       K1, K1, K1
	KXNORW       K2, K2, K2
	KXNORW       K3, K3, K3

maxPool512_block:
	CMPQ BX, $16
	JGE  maxPool512_full

	// The last block of the row: BX outputs from 2*BX inputs.
	TAILMASK(BX, K3)
	LEAQ  (BX)(BX*1), R9
	MOVQ  $-1, AX
	BZHIQ R9, AX, AX
	KMOVW AX, K1
	SHRQ  $16, AX
	KMOVW AX, K2

maxPool512_full:
	// Split each row's 32 elements into left (even) and right (odd)
	// columns: Z4 top-left, Z0 top-right, Z5 bottom-left, Z2 bottom-right.
	VMOVUPS.Z (SI)(R13*2), K1, Z0
	VMOVUPS.Z 64(SI)(R13*2), K2, Z1
	VMOVUPS.Z (R15)(R13*2), K1, Z2
	VMOVUPS.Z 64(R15)(R13*2), K2, Z3
	VMOVAPS   Z0, Z4
	VPERMT2PS Z1, Z31, Z4
	VPERMT2PS Z1, Z30, Z0
	VMOVAPS   Z2, Z5
	VPERMT2PS Z3, Z31, Z5
	VPERMT2PS Z3, Z30, Z2

	// The best (Z4) and its index (Z6) start at the top-left; then the
	// top-right, bottom-left and bottom-right each take over where greater.
	VMOVDQA32 Z25, Z6
	VCMPPS    $0x1e, Z4, Z0, K4
	VMOVAPS   Z0, K4, Z4
	VPADDD    Z29, Z25, K4, Z6
	VCMPPS    $0x1e, Z4, Z5, K4
	VMOVAPS   Z5, K4, Z4
	VPADDD    Z28, Z25, K4, Z6
	VCMPPS    $0x1e, Z4, Z2, K4
	VMOVAPS   Z2, K4, Z4
	VPADDD    Z27, Z25, K4, Z6
	VMOVUPS   Z4, K3, (DI)(R13*1)
	VMOVDQU32 Z6, K3, (R10)(R13*1)

	// Next block.
	ADDQ   $64, R13
	VPADDD Z26, Z25, Z25
	SUBQ   $16, BX
	JG     maxPool512_block

	// Next output row: two input rows down.
	LEAQ (SI)(R8*2), SI
	LEAQ (DI)(R12*4), DI
	LEAQ (R10)(R12*4), R10
	ADDQ R11, DX
	DECQ CX
	JNZ  maxPool512_row

	VZEROUPPER
	RET

// func reluAVX2x8(dst, x []float32)
//
// As reluAVX512, for len(x) a multiple of 8.
//
//	DI dst, SI x, CX elements left
//	Y15 zeros
TEXT ·reluAVX2x8(SB), NOSPLIT, $0-48
	MOVQ   dst_base+0(FP), DI
	MOVQ   x_base+24(FP), SI
	MOVQ   x_len+32(FP), CX
	VXORPS Y15, Y15, Y15

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  relu2_one

relu2_loop:
	VMAXPS  (SI), Y15, Y0
	VMAXPS  32(SI), Y15, Y1
	VMAXPS  64(SI), Y15, Y2
	VMAXPS  96(SI), Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     relu2_loop

	// The rest, a vector at a time.
relu2_one:
	TESTQ   CX, CX
	JLE     relu2_done
	VMAXPS  (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     relu2_one

relu2_done:
	VZEROUPPER
	RET

// func reluBackwardAVX2x8(dx, dy, y []float32)
//
// As reluBackwardAVX512, for len(y) a multiple of 8: the compare makes a
// mask of all ones or all zeros per lane, and VANDPS applies it to dy.
//
//	DI dx, DX dy, SI y, CX elements left
//	Y15 zeros
TEXT ·reluBackwardAVX2x8(SB), NOSPLIT, $0-72
	MOVQ   dx_base+0(FP), DI
	MOVQ   dy_base+24(FP), DX
	MOVQ   y_base+48(FP), SI
	MOVQ   y_len+56(FP), CX
	VXORPS Y15, Y15, Y15

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  reluBackward2_one

reluBackward2_loop:
	VCMPPS  $0x19, (SI), Y15, Y0
	VCMPPS  $0x19, 32(SI), Y15, Y1
	VCMPPS  $0x19, 64(SI), Y15, Y2
	VCMPPS  $0x19, 96(SI), Y15, Y3
	VANDPS  (DX), Y0, Y0
	VANDPS  32(DX), Y1, Y1
	VANDPS  64(DX), Y2, Y2
	VANDPS  96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     reluBackward2_loop

	// The rest, a vector at a time.
reluBackward2_one:
	TESTQ   CX, CX
	JLE     reluBackward2_done
	VCMPPS  $0x19, (SI), Y15, Y0
	VANDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     reluBackward2_one

reluBackward2_done:
	VZEROUPPER
	RET

// func fillAVX2x8(dst []float32, v float32)
//
//	DI dst, CX elements left (a multiple of 8)
//	Y0 v in every lane
TEXT ·fillAVX2x8(SB), NOSPLIT, $0-28
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	VBROADCASTSS v+24(FP), Y0

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  fill2_one

fill2_loop:
	VMOVUPS Y0, (DI)
	VMOVUPS Y0, 32(DI)
	VMOVUPS Y0, 64(DI)
	VMOVUPS Y0, 96(DI)
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     fill2_loop

	// The rest, a vector at a time.
fill2_one:
	TESTQ   CX, CX
	JLE     fill2_done
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     fill2_one

fill2_done:
	VZEROUPPER
	RET

// func addAVX2x8(dst, x []float32)
//
//	DI dst, SI x, CX elements left (a multiple of 8)
TEXT ·addAVX2x8(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  add2_one

add2_loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VADDPS  (SI), Y0, Y0
	VADDPS  32(SI), Y1, Y1
	VADDPS  64(SI), Y2, Y2
	VADDPS  96(SI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     add2_loop

	// The rest, a vector at a time.
add2_one:
	TESTQ   CX, CX
	JLE     add2_done
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     add2_one

add2_done:
	VZEROUPPER
	RET

// func addScaledAVX2x8(dst, x []float32, a float32)
//
//	DI dst, SI x, CX elements left (a multiple of 8)
//	Y15 a in every lane
TEXT ·addScaledAVX2x8(SB), NOSPLIT, $0-52
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS a+48(FP), Y15

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  addScaled2_one

addScaled2_loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMULPS  Y15, Y0, Y0
	VMULPS  Y15, Y1, Y1
	VMULPS  Y15, Y2, Y2
	VMULPS  Y15, Y3, Y3
	VADDPS  (DI), Y0, Y0
	VADDPS  32(DI), Y1, Y1
	VADDPS  64(DI), Y2, Y2
	VADDPS  96(DI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     addScaled2_loop

	// The rest, a vector at a time.
addScaled2_one:
	TESTQ   CX, CX
	JLE     addScaled2_done
	VMOVUPS (SI), Y0
	VMULPS  Y15, Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     addScaled2_one

addScaled2_done:
	VZEROUPPER
	RET

// func mulAVX2x8(dst, x, y []float32)
//
//	DI dst, SI x, DX y, CX elements left (a multiple of 8)
TEXT ·mulAVX2x8(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	MOVQ y_base+48(FP), DX

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  mul2_one

mul2_loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMULPS  (DX), Y0, Y0
	VMULPS  32(DX), Y1, Y1
	VMULPS  64(DX), Y2, Y2
	VMULPS  96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     mul2_loop

	// The rest, a vector at a time.
mul2_one:
	TESTQ   CX, CX
	JLE     mul2_done
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     mul2_one

mul2_done:
	VZEROUPPER
	RET

// func sumAVX2(blocks []float32, tail *[64]float32) float32
//
// As sumAVX512, with the 64 partial sums in eight registers, lanes
// 8k..8k+7 in Yk. len(blocks) is a multiple of 64; tail holds the
// elements after them, padded with +0 (adding +0 changes no partial sum,
// which starts at +0 and so can never be −0).
//
//	SI blocks, CX elements of blocks left, DX tail
//	Y0-Y7 partial sums
TEXT ·sumAVX2(SB), NOSPLIT, $0-36
	MOVQ   blocks_base+0(FP), SI
	MOVQ   blocks_len+8(FP), CX
	MOVQ   tail+24(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

	// 64 elements per trip.
	TESTQ CX, CX
	JLE   sum2_tail

sum2_loop:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	VADDPS 128(SI), Y4, Y4
	VADDPS 160(SI), Y5, Y5
	VADDPS 192(SI), Y6, Y6
	VADDPS 224(SI), Y7, Y7
	ADDQ   $256, SI
	SUBQ   $64, CX
	JG     sum2_loop

	// Then the padded tail, the same way.
sum2_tail:
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y1, Y1
	VADDPS 64(DX), Y2, Y2
	VADDPS 96(DX), Y3, Y3
	VADDPS 128(DX), Y4, Y4
	VADDPS 160(DX), Y5, Y5
	VADDPS 192(DX), Y6, Y6
	VADDPS 224(DX), Y7, Y7

	// t[j] = (s[j] + s[j+16]) + (s[j+32] + s[j+48]): Y0 for j < 8, Y1
	// for 8 <= j < 16.
	VADDPS Y2, Y0, Y0
	VADDPS Y6, Y4, Y4
	VADDPS Y4, Y0, Y0
	VADDPS Y3, Y1, Y1
	VADDPS Y7, Y5, Y5
	VADDPS Y5, Y1, Y1

	// t[j] += t[j+8], then t[j+4], t[j+2], t[j+1].
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+32(FP)
	RET

// laneMasks is 16 int32s of all ones, then 16 of zeros: the 8 int32s at
// laneMasks+64-4k are a VMASKMOVPS mask of the first k lanes, for
// -8 <= k <= 16.
DATA laneMasks<>+0(SB)/8, $-1
DATA laneMasks<>+8(SB)/8, $-1
DATA laneMasks<>+16(SB)/8, $-1
DATA laneMasks<>+24(SB)/8, $-1
DATA laneMasks<>+32(SB)/8, $-1
DATA laneMasks<>+40(SB)/8, $-1
DATA laneMasks<>+48(SB)/8, $-1
DATA laneMasks<>+56(SB)/8, $-1
DATA laneMasks<>+64(SB)/8, $0
DATA laneMasks<>+72(SB)/8, $0
DATA laneMasks<>+80(SB)/8, $0
DATA laneMasks<>+88(SB)/8, $0
DATA laneMasks<>+96(SB)/8, $0
DATA laneMasks<>+104(SB)/8, $0
DATA laneMasks<>+112(SB)/8, $0
DATA laneMasks<>+120(SB)/8, $0
GLOBL laneMasks<>(SB), RODATA|NOPTR, $128

// func maxPool2x2AVX2(dst []float32, arg []int32, src []float32, h, w int)
//
// As maxPool2x2AVX512, 8 outputs per block from 16 elements of each input
// row. VSHUFPS takes the even (or odd) elements of two vectors, but within
// 128-bit halves: 0 2 8 10 4 6 12 14. VPERMPD swaps the middle two pairs
// into order. VBLENDVPS picks a challenger where the compare set the lane.
// The last block of a row loads and stores through masks (VMASKMOVPS,
// VPMASKMOVD), which, like AVX-512 masks, touch no memory in their off
// lanes; the others load and store whole vectors.
//
//	SI top input row of the current output row, R15 the bottom one
//	DI the current output row of dst, R10 of arg
//	R13 byte offset of the block in the output row (twice that in the input)
//	CX output rows left, BX outputs left in this row
//	R8 w*4 (bytes per input row), R11 2*w, R12 ow = w/2
//	DX the index of the row's first top-left element
//	Y15 0, 2, ..., 14: offsets from the block's first top-left index
//	Y14 1s, Y13 ws, Y12 (w+1)s, Y11 16s
//	Y10 the indices of the block's top-left elements
//	Y9, Y8 masks of the block's inputs (first and second 8); Y7 of its outputs
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-88
	MOVQ dst_base+0(FP), DI
	MOVQ arg_base+24(FP), R10
	MOVQ src_base+48(FP), SI
	MOVQ h+72(FP), CX
	SHRQ $1, CX
	MOVQ w+80(FP), R8
	MOVQ R8, R12
	SHRQ $1, R12
	LEAQ (R8)(R8*1), R11
	SHLQ $2, R8
	XORQ DX, DX

	// The constants.
	VMOVDQU      evenLanes<>(SB), Y15
	MOVL         $1, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	VPBROADCASTD w+80(FP), Y13
	VPADDD       Y14, Y13, Y12
	MOVL         $16, AX
	VMOVD        AX, X11
	VPBROADCASTD X11, Y11

maxPool2_row:
	LEAQ         (SI)(R8*1), R15
	XORQ         R13, R13
	MOVQ         R12, BX
	VMOVD        DX, X10
	VPBROADCASTD X10, Y10
	VPADDD       Y15, Y10, Y10

maxPool2_block:
	CMPQ BX, $8
	JGE  maxPool2_full

	// The last block of the row: BX outputs from 2*BX inputs, through
	// masks of the first BX lanes (Y7) and the first 2*BX of 16 (Y9, Y8).
	LEAQ       laneMasks<>+64(SB), AX
	MOVQ       BX, R9
	SHLQ       $2, R9
	SUBQ       R9, AX
	VMOVDQU    (AX), Y7
	SUBQ       R9, AX
	VMOVDQU    (AX), Y9
	VMOVDQU    32(AX), Y8
	VMASKMOVPS (SI)(R13*2), Y9, Y0
	VMASKMOVPS 32(SI)(R13*2), Y8, Y1
	VMASKMOVPS (R15)(R13*2), Y9, Y2
	VMASKMOVPS 32(R15)(R13*2), Y8, Y3
	JMP        maxPool2_compare

maxPool2_full:
	VMOVUPS (SI)(R13*2), Y0
	VMOVUPS 32(SI)(R13*2), Y1
	VMOVUPS (R15)(R13*2), Y2
	VMOVUPS 32(R15)(R13*2), Y3

maxPool2_compare:
	// Split each row's 16 elements into left (even) and right (odd)
	// columns: Y4 top-left, Y5 top-right, Y0 bottom-left, Y1 bottom-right.
	VSHUFPS $0x88, Y1, Y0, Y4
	VSHUFPS $0xdd, Y1, Y0, Y5
	VSHUFPS $0x88, Y3, Y2, Y0
	VSHUFPS $0xdd, Y3, Y2, Y1
	VPERMPD $0xd8, Y4, Y4
	VPERMPD $0xd8, Y5, Y5
	VPERMPD $0xd8, Y0, Y0
	VPERMPD $0xd8, Y1, Y1

	// The best (Y4) and its index (Y6) start at the top-left; then the
	// top-right, bottom-left and bottom-right each take over where
	// greater. Y2 is the compare's mask, Y3 a challenger's index.
	VMOVDQU   Y10, Y6
	VCMPPS    $0x1e, Y4, Y5, Y2
	VBLENDVPS Y2, Y5, Y4, Y4
	VPADDD    Y14, Y10, Y3
	VBLENDVPS Y2, Y3, Y6, Y6
	VCMPPS    $0x1e, Y4, Y0, Y2
	VBLENDVPS Y2, Y0, Y4, Y4
	VPADDD    Y13, Y10, Y3
	VBLENDVPS Y2, Y3, Y6, Y6
	VCMPPS    $0x1e, Y4, Y1, Y2
	VBLENDVPS Y2, Y1, Y4, Y4
	VPADDD    Y12, Y10, Y3
	VBLENDVPS Y2, Y3, Y6, Y6

	CMPQ BX, $8
	JGE  maxPool2_store
	VMASKMOVPS Y4, Y7, (DI)(R13*1)
	VPMASKMOVD Y6, Y7, (R10)(R13*1)
	JMP        maxPool2_next

maxPool2_store:
	VMOVUPS Y4, (DI)(R13*1)
	VMOVDQU Y6, (R10)(R13*1)

maxPool2_next:
	// Next block.
	ADDQ   $32, R13
	VPADDD Y11, Y10, Y10
	SUBQ   $8, BX
	JG     maxPool2_block

	// Next output row: two input rows down.
	LEAQ (SI)(R8*2), SI
	LEAQ (DI)(R12*4), DI
	LEAQ (R10)(R12*4), R10
	ADDQ R11, DX
	DECQ CX
	JNZ  maxPool2_row

	VZEROUPPER
	RET

// func scaleAVX512(dst []float32, a float32)
//
//	DI dst, CX elements left
//	Z31 a in every lane
TEXT ·scaleAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	VBROADCASTSS a+24(FP), Z31

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  scale512_tail

scale512_loop:
	VMULPS  (DI), Z31, Z0
	VMULPS  64(DI), Z31, Z1
	VMULPS  128(DI), Z31, Z2
	VMULPS  192(DI), Z31, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     scale512_loop

	// The rest, a masked vector at a time.
scale512_tail:
	TESTQ     CX, CX
	JLE       scale512_done
	TAILMASK(CX, K1)
	VMOVUPS.Z (DI), K1, Z0
	VMULPS    Z31, Z0, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       scale512_tail

scale512_done:
	VZEROUPPER
	RET

// func axpbyAVX512(dst, x []float32, a, b float32)
//
// dst = a*dst + b*x: two multiplies, then the add, each rounded.
//
//	DI dst, SI x, CX elements left
//	Z31 a, Z30 b in every lane
TEXT ·axpbyAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS a+48(FP), Z31
	VBROADCASTSS b+52(FP), Z30

	// Four vectors per trip.
	CMPQ CX, $64
	JLT  axpby512_tail

axpby512_loop:
	VMULPS  (DI), Z31, Z0
	VMULPS  64(DI), Z31, Z1
	VMULPS  128(DI), Z31, Z2
	VMULPS  192(DI), Z31, Z3
	VMULPS  (SI), Z30, Z4
	VMULPS  64(SI), Z30, Z5
	VMULPS  128(SI), Z30, Z6
	VMULPS  192(SI), Z30, Z7
	VADDPS  Z4, Z0, Z0
	VADDPS  Z5, Z1, Z1
	VADDPS  Z6, Z2, Z2
	VADDPS  Z7, Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     axpby512_loop

	// The rest, a masked vector at a time.
axpby512_tail:
	TESTQ     CX, CX
	JLE       axpby512_done
	TAILMASK(CX, K1)
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VMULPS    Z31, Z0, Z0
	VMULPS    Z30, Z1, Z1
	VADDPS    Z1, Z0, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       axpby512_tail

axpby512_done:
	VZEROUPPER
	RET

// func sumSquaresAVX512(blocks []float32, tail *[32]float32) float64
//
// The 32 partial sums of SumSquares are Z0-Z3 in float64, lanes 8k..8k+7
// in Zk. VCVTPS2PD widens 8 floats to doubles, exactly, and their squares
// are exact too, so only the additions round. len(blocks) is a multiple
// of 32; tail holds the elements after them, padded with +0.
//
//	SI blocks, CX elements of blocks left, DX tail
//	Z0-Z3 partial sums
TEXT ·sumSquaresAVX512(SB), NOSPLIT, $0-40
	MOVQ   blocks_base+0(FP), SI
	MOVQ   blocks_len+8(FP), CX
	MOVQ   tail+24(FP), DX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

	// 32 elements per trip.
	TESTQ CX, CX
	JLE   sumSquares512_tail

sumSquares512_loop:
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VCVTPS2PD 64(SI), Z6
	VCVTPS2PD 96(SI), Z7
	VMULPD    Z4, Z4, Z4
	VMULPD    Z5, Z5, Z5
	VMULPD    Z6, Z6, Z6
	VMULPD    Z7, Z7, Z7
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	VADDPD    Z6, Z2, Z2
	VADDPD    Z7, Z3, Z3
	ADDQ      $128, SI
	SUBQ      $32, CX
	JG        sumSquares512_loop

	// Then the padded tail, the same way.
sumSquares512_tail:
	VCVTPS2PD (DX), Z4
	VCVTPS2PD 32(DX), Z5
	VCVTPS2PD 64(DX), Z6
	VCVTPS2PD 96(DX), Z7
	VMULPD    Z4, Z4, Z4
	VMULPD    Z5, Z5, Z5
	VMULPD    Z6, Z6, Z6
	VMULPD    Z7, Z7, Z7
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	VADDPD    Z6, Z2, Z2
	VADDPD    Z7, Z3, Z3

	// t[j] = (s[j] + s[j+8]) + (s[j+16] + s[j+24]).
	VADDPD Z1, Z0, Z0
	VADDPD Z3, Z2, Z2
	VADDPD Z2, Z0, Z0

	// t[j] += t[j+4], then t[j+2], t[j+1].
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VUNPCKHPD     X0, X0, X1
	VADDSD        X1, X0, X0
	VZEROUPPER
	MOVSD         X0, ret+32(FP)
	RET

// func scaleAVX2x8(dst []float32, a float32)
//
//	DI dst, CX elements left (a multiple of 8)
//	Y15 a in every lane
TEXT ·scaleAVX2x8(SB), NOSPLIT, $0-28
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	VBROADCASTSS a+24(FP), Y15

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  scale2_one

scale2_loop:
	VMULPS  (DI), Y15, Y0
	VMULPS  32(DI), Y15, Y1
	VMULPS  64(DI), Y15, Y2
	VMULPS  96(DI), Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     scale2_loop

	// The rest, a vector at a time.
scale2_one:
	TESTQ   CX, CX
	JLE     scale2_done
	VMULPS  (DI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     scale2_one

scale2_done:
	VZEROUPPER
	RET

// func axpbyAVX2x8(dst, x []float32, a, b float32)
//
//	DI dst, SI x, CX elements left (a multiple of 8)
//	Y15 a, Y14 b in every lane
TEXT ·axpbyAVX2x8(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS a+48(FP), Y15
	VBROADCASTSS b+52(FP), Y14

	// Four vectors per trip.
	CMPQ CX, $32
	JLT  axpby2_one

axpby2_loop:
	VMULPS  (DI), Y15, Y0
	VMULPS  32(DI), Y15, Y1
	VMULPS  64(DI), Y15, Y2
	VMULPS  96(DI), Y15, Y3
	VMULPS  (SI), Y14, Y4
	VMULPS  32(SI), Y14, Y5
	VMULPS  64(SI), Y14, Y6
	VMULPS  96(SI), Y14, Y7
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VADDPS  Y6, Y2, Y2
	VADDPS  Y7, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     axpby2_loop

	// The rest, a vector at a time.
axpby2_one:
	TESTQ   CX, CX
	JLE     axpby2_done
	VMULPS  (DI), Y15, Y0
	VMULPS  (SI), Y14, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     axpby2_one

axpby2_done:
	VZEROUPPER
	RET

// func sumSquaresAVX2(blocks []float32, tail *[32]float32) float64
//
// As sumSquaresAVX512, with the 32 partial sums in eight registers of
// four doubles, lanes 4k..4k+3 in Yk.
//
//	SI blocks, CX elements of blocks left, DX tail
//	Y0-Y7 partial sums, Y8-Y15 the squares of a trip
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-40
	MOVQ   blocks_base+0(FP), SI
	MOVQ   blocks_len+8(FP), CX
	MOVQ   tail+24(FP), DX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

	// 32 elements per trip.
	TESTQ CX, CX
	JLE   sumSquares2_tail

sumSquares2_loop:
	VCVTPS2PD (SI), Y8
	VCVTPS2PD 16(SI), Y9
	VCVTPS2PD 32(SI), Y10
	VCVTPS2PD 48(SI), Y11
	VCVTPS2PD 64(SI), Y12
	VCVTPS2PD 80(SI), Y13
	VCVTPS2PD 96(SI), Y14
	VCVTPS2PD 112(SI), Y15
	VMULPD    Y8, Y8, Y8
	VMULPD    Y9, Y9, Y9
	VMULPD    Y10, Y10, Y10
	VMULPD    Y11, Y11, Y11
	VMULPD    Y12, Y12, Y12
	VMULPD    Y13, Y13, Y13
	VMULPD    Y14, Y14, Y14
	VMULPD    Y15, Y15, Y15
	VADDPD    Y8, Y0, Y0
	VADDPD    Y9, Y1, Y1
	VADDPD    Y10, Y2, Y2
	VADDPD    Y11, Y3, Y3
	VADDPD    Y12, Y4, Y4
	VADDPD    Y13, Y5, Y5
	VADDPD    Y14, Y6, Y6
	VADDPD    Y15, Y7, Y7
	ADDQ      $128, SI
	SUBQ      $32, CX
	JG        sumSquares2_loop

	// Then the padded tail, the same way.
sumSquares2_tail:
	VCVTPS2PD (DX), Y8
	VCVTPS2PD 16(DX), Y9
	VCVTPS2PD 32(DX), Y10
	VCVTPS2PD 48(DX), Y11
	VCVTPS2PD 64(DX), Y12
	VCVTPS2PD 80(DX), Y13
	VCVTPS2PD 96(DX), Y14
	VCVTPS2PD 112(DX), Y15
	VMULPD    Y8, Y8, Y8
	VMULPD    Y9, Y9, Y9
	VMULPD    Y10, Y10, Y10
	VMULPD    Y11, Y11, Y11
	VMULPD    Y12, Y12, Y12
	VMULPD    Y13, Y13, Y13
	VMULPD    Y14, Y14, Y14
	VMULPD    Y15, Y15, Y15
	VADDPD    Y8, Y0, Y0
	VADDPD    Y9, Y1, Y1
	VADDPD    Y10, Y2, Y2
	VADDPD    Y11, Y3, Y3
	VADDPD    Y12, Y4, Y4
	VADDPD    Y13, Y5, Y5
	VADDPD    Y14, Y6, Y6
	VADDPD    Y15, Y7, Y7

	// t[j] = (s[j] + s[j+8]) + (s[j+16] + s[j+24]): Y0 for j < 4, Y1 for
	// 4 <= j < 8.
	VADDPD Y2, Y0, Y0
	VADDPD Y6, Y4, Y4
	VADDPD Y4, Y0, Y0
	VADDPD Y3, Y1, Y1
	VADDPD Y7, Y5, Y5
	VADDPD Y5, Y1, Y1

	// t[j] += t[j+4], then t[j+2], t[j+1].
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+32(FP)
	RET
