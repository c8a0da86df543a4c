//go:build amd64 && !purego

#include "textflag.h"
#include "f4_amd64.h"

// The AVX-512 transforms of F(4×4, 3×3), sixteen tiles of one tile row at
// a time, one tile per vector lane, computing what f4.go computes with
// the same operations in the same order: each product by 2, 4, 5 or 8 is
// its own VMULPS (or, for 2, an exact VADDPS of a value to itself),
// rounded before it is added. A tile's six input columns are 4tx .. 4tx
// + 5, so sixteen tiles read 66 consecutive values of each input row:
// four vectors split four ways by column modulo 4 (two VPERMT2PS picks
// of eight lanes each, joined by VINSERTF64X4), and the last two columns
// shifted in from the next values by VALIGND. Between the row and the
// column transforms the 36 (or 24) vectors of a group wait in the
// function's frame, more than the registers hold.

// Lane indexes picking, from two vectors a (0-15) and b (16-31), lane j
// + 4k for k < 8: the values at columns ≡ j (mod 4) of 32 consecutive.
DATA mod4<>+0(SB)/4, $0
DATA mod4<>+4(SB)/4, $4
DATA mod4<>+8(SB)/4, $8
DATA mod4<>+12(SB)/4, $12
DATA mod4<>+16(SB)/4, $16
DATA mod4<>+20(SB)/4, $20
DATA mod4<>+24(SB)/4, $24
DATA mod4<>+28(SB)/4, $28
DATA mod4<>+32(SB)/4, $0
DATA mod4<>+36(SB)/4, $4
DATA mod4<>+40(SB)/4, $8
DATA mod4<>+44(SB)/4, $12
DATA mod4<>+48(SB)/4, $16
DATA mod4<>+52(SB)/4, $20
DATA mod4<>+56(SB)/4, $24
DATA mod4<>+60(SB)/4, $28
GLOBL mod4<>(SB), RODATA|NOPTR, $64

// Quadword indexes interleaving the low (and high) halves of two vectors
// of pairs: a.q0 b.q0 a.q1 b.q1 a.q2 b.q2 a.q3 b.q3, and from q4.
DATA qlow<>+0(SB)/8, $0
DATA qlow<>+8(SB)/8, $8
DATA qlow<>+16(SB)/8, $1
DATA qlow<>+24(SB)/8, $9
DATA qlow<>+32(SB)/8, $2
DATA qlow<>+40(SB)/8, $10
DATA qlow<>+48(SB)/8, $3
DATA qlow<>+56(SB)/8, $11
GLOBL qlow<>(SB), RODATA|NOPTR, $64

DATA qhigh<>+0(SB)/8, $4
DATA qhigh<>+8(SB)/8, $12
DATA qhigh<>+16(SB)/8, $5
DATA qhigh<>+24(SB)/8, $13
DATA qhigh<>+32(SB)/8, $6
DATA qhigh<>+40(SB)/8, $14
DATA qhigh<>+48(SB)/8, $7
DATA qhigh<>+56(SB)/8, $15
GLOBL qhigh<>(SB), RODATA|NOPTR, $64

// func input4AVX512(dst *float32, dstStride int, src *float32, srcStride, h, padH, padW, ty0, ty1, tilesW int, masks *uint16)
//
//	SI the plane, moved padW columns left; R9 srcStride·4, R13 h
//	DI the tile row's first tile in dst, R8 dstStride·4, R15 6·dstStride·4
//	BX the tile row, DX tilesW, CX tiles of the row done
//	R14 the input row being loaded, from 4·BX − padH (may be negative)
//	R10 masks: six per group of 16 tiles, for its six loads of a row
//	R12 the row's place in the frame; R11, AX scratch
//	K1 the group's tiles, K2-K7 its loads' lanes
//	Z25 4s, Z26 5s, Z28-Z31 MOD4's indexes for j = 0..3
//	the frame: d B of the group's six rows, row i's six vectors at 384i
TEXT ·input4AVX512(SB), 0, $2304-88
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), R15
	ADDQ         R15, R15
	MOVQ         src+16(FP), SI
	MOVQ         srcStride+24(FP), R9
	SHLQ         $2, R9
	MOVQ         h+32(FP), R13
	MOVQ         padW+48(FP), AX
	SHLQ         $2, AX
	SUBQ         AX, SI
	MOVQ         ty0+56(FP), BX
	MOVQ         tilesW+72(FP), DX
	MOVQ         masks+80(FP), R10
	MOVL         $0x40800000, AX // 4.0
	VPBROADCASTD AX, Z25
	MOVL         $0x40a00000, AX // 5.0
	VPBROADCASTD AX, Z26
	VMOVUPS      mod4<>(SB), Z28
	MOVL         $1, AX
	VPBROADCASTD AX, Z23
	VPADDD       Z23, Z28, Z29
	VPADDD       Z23, Z29, Z30
	VPADDD       Z23, Z30, Z31

in4_row:
	XORQ CX, CX

in4_group:
	// K1: the tiles of this group, min(16, tilesW − CX).
	MOVQ    DX, AX
	SUBQ    CX, AX
	MOVQ    $16, R12
	CMPQ    AX, R12
	CMOVQGT R12, AX
	MOVL    $0xffff, R12
	BZHIL   AX, R12, R12
	KMOVW   R12, K1

	// K2-K7: masks[CX/16·6 ..], 12 bytes a group.
	MOVQ  CX, R11
	LEAQ  (R11)(R11*2), R11
	SHRQ  $2, R11
	ADDQ  R10, R11
	KMOVW (R11), K2
	KMOVW 2(R11), K3
	KMOVW 4(R11), K4
	KMOVW 6(R11), K5
	KMOVW 8(R11), K6
	KMOVW 10(R11), K7

	MOVQ BX, R14
	SHLQ $2, R14
	SUBQ padH+40(FP), R14 // the group's first input row
	XORQ R12, R12         // the row's place in the frame

in4_load:
	// Input row R14, or zeros outside the plane.
	CMPQ      R14, R13
	JAE       in4_zero
	MOVQ      R14, R11
	IMULQ     R9, R11
	ADDQ      SI, R11
	LEAQ      (R11)(CX*8), R11
	LEAQ      (R11)(CX*8), R11
	VMOVUPS.Z (R11), K2, Z16
	VMOVUPS.Z 64(R11), K3, Z17
	VMOVUPS.Z 128(R11), K4, Z18
	VMOVUPS.Z 192(R11), K5, Z19
	VMOVUPS.Z 256(R11), K6, Z20
	VMOVUPS.Z 260(R11), K7, Z21
	MOD4(Z28, Z0)
	MOD4(Z29, Z1)
	MOD4(Z30, Z2)
	MOD4(Z31, Z3)
	VALIGND $1, Z0, Z20, Z4
	VALIGND $1, Z1, Z21, Z5
	B6(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	VMOVUPS Z6, (SP)(R12*1)
	VMOVUPS Z7, 64(SP)(R12*1)
	VMOVUPS Z8, 128(SP)(R12*1)
	VMOVUPS Z9, 192(SP)(R12*1)
	VMOVUPS Z10, 256(SP)(R12*1)
	VMOVUPS Z11, 320(SP)(R12*1)
	JMP     in4_next

in4_zero:
	VPXORD  Z6, Z6, Z6
	VMOVUPS Z6, (SP)(R12*1)
	VMOVUPS Z6, 64(SP)(R12*1)
	VMOVUPS Z6, 128(SP)(R12*1)
	VMOVUPS Z6, 192(SP)(R12*1)
	VMOVUPS Z6, 256(SP)(R12*1)
	VMOVUPS Z6, 320(SP)(R12*1)

in4_next:
	INCQ R14
	ADDQ $384, R12
	CMPQ R12, $2304
	JLT  in4_load

	// Columns: column j of the six rows' d B, transformed, to ξ = 6i + j.
	LEAQ (DI)(CX*4), R12
	XORQ R11, R11 // column j's place in a frame row

in4_column:
	VMOVUPS (SP)(R11*1), Z0
	VMOVUPS 384(SP)(R11*1), Z1
	VMOVUPS 768(SP)(R11*1), Z2
	VMOVUPS 1152(SP)(R11*1), Z3
	VMOVUPS 1536(SP)(R11*1), Z4
	VMOVUPS 1920(SP)(R11*1), Z5
	B6(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	MOVQ    R12, R14
	VMOVUPS Z6, K1, (R14)
	ADDQ    R15, R14
	VMOVUPS Z7, K1, (R14)
	ADDQ    R15, R14
	VMOVUPS Z8, K1, (R14)
	ADDQ    R15, R14
	VMOVUPS Z9, K1, (R14)
	ADDQ    R15, R14
	VMOVUPS Z10, K1, (R14)
	ADDQ    R15, R14
	VMOVUPS Z11, K1, (R14)
	ADDQ    R8, R12
	ADDQ    $64, R11
	CMPQ    R11, $384
	JLT     in4_column

	ADDQ $16, CX
	CMPQ CX, DX
	JLT  in4_group

	// Next tile row: tilesW tiles on in dst.
	LEAQ (DI)(DX*4), DI
	INCQ BX
	CMPQ BX, ty1+64(FP)
	JLT  in4_row
	VZEROUPPER
	RET

// STOREROW4 stores the output row made of y0..y3 (the 16 tiles' columns
// 0, 1, 2 and 3) at R11: pairs of columns interleaved (Z27: low, Z24:
// high halves) then pairs of pairs (Z28: qlow, Z29: qhigh), through the
// column masks K2-K5. It clobbers Z16-Z23.
#define STOREROW4(y0, y1, y2, y3) \
	VMOVAPS    y0, Z16          \
	VPERMT2PS  y1, Z27, Z16     \
	VMOVAPS    y0, Z17          \
	VPERMT2PS  y1, Z24, Z17     \
	VMOVAPS    y2, Z18          \
	VPERMT2PS  y3, Z27, Z18     \
	VMOVAPS    y2, Z19          \
	VPERMT2PS  y3, Z24, Z19     \
	VMOVAPD    Z16, Z20         \
	VPERMT2PD  Z18, Z28, Z20    \
	VMOVAPD    Z16, Z21         \
	VPERMT2PD  Z18, Z29, Z21    \
	VMOVAPD    Z17, Z22         \
	VPERMT2PD  Z19, Z28, Z22    \
	VMOVAPD    Z17, Z23         \
	VPERMT2PD  Z19, Z29, Z23    \
	VMOVUPS    Z20, K2, (R11)   \
	VMOVUPS    Z21, K3, 64(R11) \
	VMOVUPS    Z22, K4, 128(R11) \
	VMOVUPS    Z23, K5, 192(R11)

// func output4AVX512(dst *float32, dstStride, h, w int, src *float32, srcStride int, bias float32)
//
//	DI the tile row's first output row, R9 dstStride·4
//	SI the tile row's first tile in src, R8 srcStride·4
//	BX output rows left (from this tile row's first), DX tiles across
//	R13 w, CX tiles of the row done, R11, R12, R14, AX scratch
//	K1 the group's tiles, K2-K5 the valid columns of its four stores
//	Z0-Z15 Y (row a, column b in Z4a+b), Z30 the bias, Z25 4s, Z26 8s
//	Z27, Z24 pair-interleaving indexes (low, high), Z28, Z29 qlow, qhigh
//	the frame: m A of the group's six rows, row i's four vectors at 256i
TEXT ·output4AVX512(SB), 0, $1536-52
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R9
	SHLQ         $2, R9
	MOVQ         h+16(FP), BX
	MOVQ         w+24(FP), R13
	MOVQ         src+32(FP), SI
	MOVQ         srcStride+40(FP), R8
	SHLQ         $2, R8
	VBROADCASTSS bias+48(FP), Z30
	MOVL         $0x40800000, AX // 4.0
	VPBROADCASTD AX, Z25
	MOVL         $0x41000000, AX // 8.0
	VPBROADCASTD AX, Z26
	VMOVUPS      low4<>(SB), Z27
	VMOVUPS      high4<>(SB), Z24
	VMOVUPD      qlow<>(SB), Z28
	VMOVUPD      qhigh<>(SB), Z29
	LEAQ         3(R13), DX
	SHRQ         $2, DX

out4_row:
	XORQ CX, CX

out4_group:
	MOVQ    DX, AX
	SUBQ    CX, AX
	MOVQ    $16, R12
	CMPQ    AX, R12
	CMOVQGT R12, AX
	MOVL    $0xffff, R12
	BZHIL   AX, R12, R12
	KMOVW   R12, K1

	// K2-K5: the output columns 4CX .. 4CX+63 inside the plane.
	MOVQ    R13, AX
	MOVQ    CX, R12
	SHLQ    $2, R12
	SUBQ    R12, AX
	MOVQ    $64, R12
	CMPQ    AX, R12
	CMOVQGT R12, AX
	MOVQ    $-1, R12
	BZHIQ   AX, R12, R12
	KMOVW   R12, K2
	SHRQ    $16, R12
	KMOVW   R12, K3
	SHRQ    $16, R12
	KMOVW   R12, K4
	SHRQ    $16, R12
	KMOVW   R12, K5

	// Rows: row i of the tiles' m (ξ = 6i .. 6i+5), transformed.
	LEAQ (SI)(CX*4), R11
	XORQ R12, R12 // the row's place in the frame

out4_rows:
	MOVQ      R11, R14
	VMOVUPS.Z (R14), K1, Z16
	ADDQ      R8, R14
	VMOVUPS.Z (R14), K1, Z17
	ADDQ      R8, R14
	VMOVUPS.Z (R14), K1, Z18
	ADDQ      R8, R14
	VMOVUPS.Z (R14), K1, Z19
	ADDQ      R8, R14
	VMOVUPS.Z (R14), K1, Z20
	ADDQ      R8, R14
	VMOVUPS.Z (R14), K1, Z21
	ADDQ      R8, R14
	MOVQ      R14, R11
	A4(Z16, Z17, Z18, Z19, Z20, Z21, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	VMOVUPS   Z0, (SP)(R12*1)
	VMOVUPS   Z1, 64(SP)(R12*1)
	VMOVUPS   Z2, 128(SP)(R12*1)
	VMOVUPS   Z3, 192(SP)(R12*1)
	ADDQ      $256, R12
	CMPQ      R12, $1536
	JLT       out4_rows

	OUTCOLUMN(0, Z0, Z4, Z8, Z12)
	OUTCOLUMN(64, Z1, Z5, Z9, Z13)
	OUTCOLUMN(128, Z2, Z6, Z10, Z14)
	OUTCOLUMN(192, Z3, Z7, Z11, Z15)

	// Rows 4ty .. 4ty+3 of the plane, those inside it.
	MOVQ CX, R11
	SHLQ $4, R11
	ADDQ DI, R11
	STOREROW4(Z0, Z1, Z2, Z3)
	CMPQ BX, $1
	JEQ  out4_next
	ADDQ R9, R11
	STOREROW4(Z4, Z5, Z6, Z7)
	CMPQ BX, $2
	JEQ  out4_next
	ADDQ R9, R11
	STOREROW4(Z8, Z9, Z10, Z11)
	CMPQ BX, $3
	JEQ  out4_next
	ADDQ R9, R11
	STOREROW4(Z12, Z13, Z14, Z15)

out4_next:
	ADDQ $16, CX
	CMPQ CX, DX
	JLT  out4_group

	// Next tile row: four output rows down, DX tiles on.
	LEAQ (DI)(R9*4), DI
	LEAQ (SI)(DX*4), SI
	SUBQ $4, BX
	JG   out4_row
	VZEROUPPER
	RET

// Lane indexes that interleave two vectors a and b: a0 b0 a1 b1 ... a7 b7
// (low4) and a8 b8 ... a15 b15 (high4).
DATA low4<>+0(SB)/4, $0
DATA low4<>+4(SB)/4, $16
DATA low4<>+8(SB)/4, $1
DATA low4<>+12(SB)/4, $17
DATA low4<>+16(SB)/4, $2
DATA low4<>+20(SB)/4, $18
DATA low4<>+24(SB)/4, $3
DATA low4<>+28(SB)/4, $19
DATA low4<>+32(SB)/4, $4
DATA low4<>+36(SB)/4, $20
DATA low4<>+40(SB)/4, $5
DATA low4<>+44(SB)/4, $21
DATA low4<>+48(SB)/4, $6
DATA low4<>+52(SB)/4, $22
DATA low4<>+56(SB)/4, $7
DATA low4<>+60(SB)/4, $23
GLOBL low4<>(SB), RODATA|NOPTR, $64

DATA high4<>+0(SB)/4, $8
DATA high4<>+4(SB)/4, $24
DATA high4<>+8(SB)/4, $9
DATA high4<>+12(SB)/4, $25
DATA high4<>+16(SB)/4, $10
DATA high4<>+20(SB)/4, $26
DATA high4<>+24(SB)/4, $11
DATA high4<>+28(SB)/4, $27
DATA high4<>+32(SB)/4, $12
DATA high4<>+36(SB)/4, $28
DATA high4<>+40(SB)/4, $13
DATA high4<>+44(SB)/4, $29
DATA high4<>+48(SB)/4, $14
DATA high4<>+52(SB)/4, $30
DATA high4<>+56(SB)/4, $15
DATA high4<>+60(SB)/4, $31
GLOBL high4<>(SB), RODATA|NOPTR, $64

// func outputGrad4AVX512(dst *float32, dstStride int, dy *float32, dyStride, h, w int)
//
//	SI the tile row's first dy row, R9 dyStride·4
//	DI the tile row's first tile in dst, R8 dstStride·4, R15 6·dstStride·4
//	BX dy rows left (from this tile row's first), DX tiles across
//	R13 w, CX tiles of the row done, R11, R12, R14, AX scratch
//	K1 the group's tiles, K2-K5 the valid columns of its four loads
//	Z0-Z15 dY (row a, column b in Z4a+b), Z25 4s, Z26 8s, Z28-Z31 MOD4's
//	indexes; the frame: A dY, column b's six vectors at 384b
TEXT ·outputGrad4AVX512(SB), 0, $1536-48
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), R15
	ADDQ         R15, R15
	MOVQ         dy+16(FP), SI
	MOVQ         dyStride+24(FP), R9
	SHLQ         $2, R9
	MOVQ         h+32(FP), BX
	MOVQ         w+40(FP), R13
	MOVL         $0x40800000, AX // 4.0
	VPBROADCASTD AX, Z25
	MOVL         $0x41000000, AX // 8.0
	VPBROADCASTD AX, Z26
	VMOVUPS      mod4<>(SB), Z28
	MOVL         $1, AX
	VPBROADCASTD AX, Z23
	VPADDD       Z23, Z28, Z29
	VPADDD       Z23, Z29, Z30
	VPADDD       Z23, Z30, Z31
	LEAQ         3(R13), DX
	SHRQ         $2, DX

og4_row:
	XORQ CX, CX

og4_group:
	MOVQ    DX, AX
	SUBQ    CX, AX
	MOVQ    $16, R12
	CMPQ    AX, R12
	CMOVQGT R12, AX
	MOVL    $0xffff, R12
	BZHIL   AX, R12, R12
	KMOVW   R12, K1
	MOVQ    R13, AX
	MOVQ    CX, R12
	SHLQ    $2, R12
	SUBQ    R12, AX
	MOVQ    $64, R12
	CMPQ    AX, R12
	CMOVQGT R12, AX
	MOVQ    $-1, R12
	BZHIQ   AX, R12, R12
	KMOVW   R12, K2
	SHRQ    $16, R12
	KMOVW   R12, K3
	SHRQ    $16, R12
	KMOVW   R12, K4
	SHRQ    $16, R12
	KMOVW   R12, K5

	// dY's rows, split by column modulo 4; rows past the plane's last
	// are zeros.
	MOVQ CX, R11
	SHLQ $4, R11
	ADDQ SI, R11

#define GRADROW4(n, e0, e1, e2, e3, zero, done) \
	CMPQ      BX, $n         \
	JLE       zero           \
	VMOVUPS.Z (R11), K2, Z16 \
	VMOVUPS.Z 64(R11), K3, Z17 \
	VMOVUPS.Z 128(R11), K4, Z18 \
	VMOVUPS.Z 192(R11), K5, Z19 \
	MOD4(Z28, e0)            \
	MOD4(Z29, e1)            \
	MOD4(Z30, e2)            \
	MOD4(Z31, e3)            \
	ADDQ      R9, R11        \
	JMP       done           \
zero:                        \
	VPXORD    e0, e0, e0     \
	VPXORD    e1, e1, e1     \
	VPXORD    e2, e2, e2     \
	VPXORD    e3, e3, e3     \
done:

	GRADROW4(0, Z0, Z1, Z2, Z3, og4_zero0, og4_done0)
	GRADROW4(1, Z4, Z5, Z6, Z7, og4_zero1, og4_done1)
	GRADROW4(2, Z8, Z9, Z10, Z11, og4_zero2, og4_done2)
	GRADROW4(3, Z12, Z13, Z14, Z15, og4_zero3, og4_done3)

	GRADCOLUMN(0, Z0, Z4, Z8, Z12)
	GRADCOLUMN(384, Z1, Z5, Z9, Z13)
	GRADCOLUMN(768, Z2, Z6, Z10, Z14)
	GRADCOLUMN(1152, Z3, Z7, Z11, Z15)

	// Rows: row i of A dY (the four columns' i-th vectors), transformed,
	// to ξ = 6i .. 6i+5.
	LEAQ (DI)(CX*4), R12
	XORQ R11, R11 // row i's place in a frame column

og4_out:
	VMOVUPS (SP)(R11*1), Z0
	VMOVUPS 384(SP)(R11*1), Z1
	VMOVUPS 768(SP)(R11*1), Z2
	VMOVUPS 1152(SP)(R11*1), Z3
	AT6(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11)
	MOVQ    R12, R14
	VMOVUPS Z4, K1, (R14)
	ADDQ    R8, R14
	VMOVUPS Z5, K1, (R14)
	ADDQ    R8, R14
	VMOVUPS Z6, K1, (R14)
	ADDQ    R8, R14
	VMOVUPS Z7, K1, (R14)
	ADDQ    R8, R14
	VMOVUPS Z8, K1, (R14)
	ADDQ    R8, R14
	VMOVUPS Z9, K1, (R14)
	ADDQ    R15, R12
	ADDQ    $64, R11
	CMPQ    R11, $384
	JLT     og4_out

	ADDQ $16, CX
	CMPQ CX, DX
	JLT  og4_group

	LEAQ (SI)(R9*4), SI
	LEAQ (DI)(DX*4), DI
	SUBQ $4, BX
	JG   og4_row
	VZEROUPPER
	RET
