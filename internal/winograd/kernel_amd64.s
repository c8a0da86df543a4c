//go:build amd64 && !purego

#include "textflag.h"
#include "f2_amd64.h"

// The AVX-512 transforms, sixteen tiles of one tile row at a time, one
// tile per vector lane. Each computes what its Go twin in purego.go
// computes, with the same additions in the same order. Go's assembler
// lists operands in the reverse of Intel's order (the destination last);
// VPERMT2PS tab2, idx, tab1 overwrites tab1 with lanes picked by idx from
// tab1 (indexes 0-15) and tab2 (16-31). Masks come from BMI2's BZHI.

// Lane indexes that pick the even and the odd floats of two vectors: the
// columns 2tx and 2tx+1 of sixteen tiles.
DATA evens<>+0(SB)/4, $0
DATA evens<>+4(SB)/4, $2
DATA evens<>+8(SB)/4, $4
DATA evens<>+12(SB)/4, $6
DATA evens<>+16(SB)/4, $8
DATA evens<>+20(SB)/4, $10
DATA evens<>+24(SB)/4, $12
DATA evens<>+28(SB)/4, $14
DATA evens<>+32(SB)/4, $16
DATA evens<>+36(SB)/4, $18
DATA evens<>+40(SB)/4, $20
DATA evens<>+44(SB)/4, $22
DATA evens<>+48(SB)/4, $24
DATA evens<>+52(SB)/4, $26
DATA evens<>+56(SB)/4, $28
DATA evens<>+60(SB)/4, $30
GLOBL evens<>(SB), RODATA|NOPTR, $64

DATA odds<>+0(SB)/4, $1
DATA odds<>+4(SB)/4, $3
DATA odds<>+8(SB)/4, $5
DATA odds<>+12(SB)/4, $7
DATA odds<>+16(SB)/4, $9
DATA odds<>+20(SB)/4, $11
DATA odds<>+24(SB)/4, $13
DATA odds<>+28(SB)/4, $15
DATA odds<>+32(SB)/4, $17
DATA odds<>+36(SB)/4, $19
DATA odds<>+40(SB)/4, $21
DATA odds<>+44(SB)/4, $23
DATA odds<>+48(SB)/4, $25
DATA odds<>+52(SB)/4, $27
DATA odds<>+56(SB)/4, $29
DATA odds<>+60(SB)/4, $31
GLOBL odds<>(SB), RODATA|NOPTR, $64

// Lane indexes that interleave two vectors a and b: a0 b0 a1 b1 ... a7 b7
// (low) and a8 b8 ... a15 b15 (high).
DATA low<>+0(SB)/4, $0
DATA low<>+4(SB)/4, $16
DATA low<>+8(SB)/4, $1
DATA low<>+12(SB)/4, $17
DATA low<>+16(SB)/4, $2
DATA low<>+20(SB)/4, $18
DATA low<>+24(SB)/4, $3
DATA low<>+28(SB)/4, $19
DATA low<>+32(SB)/4, $4
DATA low<>+36(SB)/4, $20
DATA low<>+40(SB)/4, $5
DATA low<>+44(SB)/4, $21
DATA low<>+48(SB)/4, $6
DATA low<>+52(SB)/4, $22
DATA low<>+56(SB)/4, $7
DATA low<>+60(SB)/4, $23
GLOBL low<>(SB), RODATA|NOPTR, $64

DATA high<>+0(SB)/4, $8
DATA high<>+4(SB)/4, $24
DATA high<>+8(SB)/4, $9
DATA high<>+12(SB)/4, $25
DATA high<>+16(SB)/4, $10
DATA high<>+20(SB)/4, $26
DATA high<>+24(SB)/4, $11
DATA high<>+28(SB)/4, $27
DATA high<>+32(SB)/4, $12
DATA high<>+36(SB)/4, $28
DATA high<>+40(SB)/4, $13
DATA high<>+44(SB)/4, $29
DATA high<>+48(SB)/4, $14
DATA high<>+52(SB)/4, $30
DATA high<>+56(SB)/4, $15
DATA high<>+60(SB)/4, $31
GLOBL high<>(SB), RODATA|NOPTR, $64

// TILEMASK sets K1 to the tiles of a group: the first min(16, DX − CX)
// lanes. It clobbers AX and t.
#define TILEMASK(t) \
	MOVQ    DX, AX     \
	SUBQ    CX, AX     \
	MOVQ    $16, t     \
	CMPQ    AX, t      \
	CMOVQGT t, AX      \
	MOVL    $0xffff, t \
	BZHIL   AX, t, t   \
	KMOVW   t, K1

// COLUMNMASKS sets K2 and K3 to the plane's columns among the 32 from
// column 2CX, R14 columns wide: the first min(32, R14 − 2CX) lanes of two
// vectors. It clobbers AX and R10.
#define COLUMNMASKS \
	MOVQ    R14, AX    \
	SUBQ    CX, AX     \
	SUBQ    CX, AX     \
	MOVQ    $32, R10   \
	CMPQ    AX, R10    \
	CMOVQGT R10, AX    \
	MOVL    $-1, R10   \
	BZHIL   AX, R10, R10 \
	KMOVW   R10, K2    \
	SHRL    $16, R10   \
	KMOVW   R10, K3

// LOADROW loads input row n (AX + n) of sixteen tiles, columns 2tx − padW
// .. 2tx − padW + 3 (masks K2-K5 keep the lanes inside the plane), as
// four vectors d0..d3, and leaves that row's d B in r0..r3: d0 − d2,
// d1 + d2, d2 − d1, d1 − d3. A row outside the plane is zeros, and so is
// its d B.
#define LOADROW(n, r0, r1, r2, r3, zero, done) \
	LEAQ      n(AX), R11        \
	CMPQ      R11, R13          \
	JAE       zero              \
	IMULQ     R9, R11           \
	ADDQ      SI, R11           \
	LEAQ      (R11)(CX*8), R11  \
	VMOVUPS.Z (R11), K2, Z16    \
	VMOVUPS.Z 64(R11), K3, Z20  \
	VMOVAPS   Z16, Z17          \
	VPERMT2PS Z20, Z30, Z16     \
	VPERMT2PS Z20, Z31, Z17     \
	VMOVUPS.Z 8(R11), K4, Z18   \
	VMOVUPS.Z 72(R11), K5, Z21  \
	VMOVAPS   Z18, Z19          \
	VPERMT2PS Z21, Z30, Z18     \
	VPERMT2PS Z21, Z31, Z19     \
	VSUBPS    Z18, Z16, r0      \
	VADDPS    Z18, Z17, r1      \
	VSUBPS    Z17, Z18, r2      \
	VSUBPS    Z19, Z17, r3      \
	JMP       done              \
zero:                           \
	VPXORD    r0, r0, r0        \
	VPXORD    r1, r1, r1        \
	VPXORD    r2, r2, r2        \
	VPXORD    r3, r3, r3        \
done:

// func inputAVX512(dst *float32, dstStride int, src *float32, srcStride, h, padH, padW, ty0, ty1, tilesW int, masks *uint16)
//
//	SI the plane, moved padW columns left; R9 srcStride·4, R13 h
//	DI the tile row's first tile in dst, R8 dstStride·4, R15 3·dstStride·4
//	BX the tile row, R14 ty1, DX tilesW, CX tiles of the row done
//	AX the tile row's first input row, 2·BX − padH (may be negative)
//	R10 masks: four per group of 16 tiles, for its four loads of a row
//	R11, R12 scratch; K1 the group's tiles, K2-K5 its loads' lanes
//	Z0-Z15 r (row i of d B in Z4i..Z4i+3), Z30, Z31 the lane indexes
TEXT ·inputAVX512(SB), NOSPLIT, $0-88
	MOVQ    dst+0(FP), DI
	MOVQ    dstStride+8(FP), R8
	SHLQ    $2, R8
	LEAQ    (R8)(R8*2), R15
	MOVQ    src+16(FP), SI
	MOVQ    srcStride+24(FP), R9
	SHLQ    $2, R9
	MOVQ    h+32(FP), R13
	MOVQ    padW+48(FP), AX
	SHLQ    $2, AX
	SUBQ    AX, SI
	MOVQ    ty0+56(FP), BX
	MOVQ    ty1+64(FP), R14
	MOVQ    tilesW+72(FP), DX
	MOVQ    masks+80(FP), R10
	VMOVUPS evens<>(SB), Z30
	VMOVUPS odds<>(SB), Z31

in_row:
	XORQ CX, CX

in_group:
	// K1: the tiles of this group, min(16, tilesW − CX); K2-K5 the
	// lanes of its loads inside the plane, masks[CX/16·4 ..].
	TILEMASK(R12)
	MOVQ  CX, R11
	SHRQ  $1, R11
	ADDQ  R10, R11
	KMOVW (R11), K2
	KMOVW 2(R11), K3
	KMOVW 4(R11), K4
	KMOVW 6(R11), K5

	MOVQ BX, AX
	SHLQ $1, AX
	SUBQ padH+40(FP), AX
	LOADROW(0, Z0, Z1, Z2, Z3, in_zero0, in_done0)
	LOADROW(1, Z4, Z5, Z6, Z7, in_zero1, in_done1)
	LOADROW(2, Z8, Z9, Z10, Z11, in_zero2, in_done2)
	LOADROW(3, Z12, Z13, Z14, Z15, in_zero3, in_done3)

	// Columns: V[0][j] = r0j − r2j, V[1][j] = r1j + r2j,
	// V[2][j] = r2j − r1j, V[3][j] = r1j − r3j, to ξ = 4i + j.
	LEAQ    (DI)(CX*4), R12
	VSUBPS  Z8, Z0, Z16
	VSUBPS  Z9, Z1, Z17
	VSUBPS  Z10, Z2, Z18
	VSUBPS  Z11, Z3, Z19
	VMOVUPS Z16, K1, (R12)
	VMOVUPS Z17, K1, (R12)(R8*1)
	VMOVUPS Z18, K1, (R12)(R8*2)
	VMOVUPS Z19, K1, (R12)(R15*1)
	LEAQ    (R12)(R8*4), R12
	VADDPS  Z8, Z4, Z16
	VADDPS  Z9, Z5, Z17
	VADDPS  Z10, Z6, Z18
	VADDPS  Z11, Z7, Z19
	VMOVUPS Z16, K1, (R12)
	VMOVUPS Z17, K1, (R12)(R8*1)
	VMOVUPS Z18, K1, (R12)(R8*2)
	VMOVUPS Z19, K1, (R12)(R15*1)
	LEAQ    (R12)(R8*4), R12
	VSUBPS  Z4, Z8, Z16
	VSUBPS  Z5, Z9, Z17
	VSUBPS  Z6, Z10, Z18
	VSUBPS  Z7, Z11, Z19
	VMOVUPS Z16, K1, (R12)
	VMOVUPS Z17, K1, (R12)(R8*1)
	VMOVUPS Z18, K1, (R12)(R8*2)
	VMOVUPS Z19, K1, (R12)(R15*1)
	LEAQ    (R12)(R8*4), R12
	VSUBPS  Z12, Z4, Z16
	VSUBPS  Z13, Z5, Z17
	VSUBPS  Z14, Z6, Z18
	VSUBPS  Z15, Z7, Z19
	VMOVUPS Z16, K1, (R12)
	VMOVUPS Z17, K1, (R12)(R8*1)
	VMOVUPS Z18, K1, (R12)(R8*2)
	VMOVUPS Z19, K1, (R12)(R15*1)

	ADDQ $16, CX
	CMPQ CX, DX
	JLT  in_group

	// Next tile row: tilesW tiles on in dst.
	LEAQ (DI)(DX*4), DI
	INCQ BX
	CMPQ BX, R14
	JLT  in_row
	VZEROUPPER
	RET

// LOADM loads row i of sixteen tiles' m (ξ = 4i .. 4i+3, at ptr with
// rows R8 apart, lanes K1) and leaves that row's m A in q0, q1:
// (m0 + m1) + m2 and (m1 − m2) − m3.
#define LOADM(ptr, q0, q1) \
	VMOVUPS.Z (ptr), K1, Z16       \
	VMOVUPS.Z (ptr)(R8*1), K1, Z17 \
	VMOVUPS.Z (ptr)(R8*2), K1, Z18 \
	VMOVUPS.Z (ptr)(R15*1), K1, Z19 \
	VADDPS    Z17, Z16, q0         \
	VADDPS    Z18, q0, q0          \
	VSUBPS    Z18, Z17, q1         \
	VSUBPS    Z19, q1, q1

// func outputAVX512(dst *float32, dstStride, h, w int, src *float32, srcStride int, bias float32)
//
//	DI the tile row's first output row, R9 dstStride·4
//	SI the tile row's first tile in src, R8 srcStride·4, R15 3·srcStride·4
//	BX output rows left (from this tile row's first), DX tiles across
//	R14 w, CX tiles of the row done, R11 the group's place in the row
//	R12 the group's ξ = 4i row, R10 scratch
//	K1 the group's tiles, K2, K3 the valid columns of its two stores
//	Z0-Z7 m A (row i in Z2i, Z2i+1), Z8-Z11 Y, Z24 the bias,
//	Z28, Z29 the interleaving indexes
TEXT ·outputAVX512(SB), NOSPLIT, $0-52
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R9
	SHLQ         $2, R9
	MOVQ         h+16(FP), BX
	MOVQ         w+24(FP), R14
	MOVQ         src+32(FP), SI
	MOVQ         srcStride+40(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), R15
	VBROADCASTSS bias+48(FP), Z24
	VMOVUPS      low<>(SB), Z28
	VMOVUPS      high<>(SB), Z29
	LEAQ         1(R14), DX
	SHRQ         $1, DX

out_row:
	XORQ CX, CX

out_group:
	TILEMASK(R10)
	COLUMNMASKS

	LEAQ (SI)(CX*4), R12
	LOADM(R12, Z0, Z1)
	LEAQ (R12)(R8*4), R12
	LOADM(R12, Z2, Z3)
	LEAQ (R12)(R8*4), R12
	LOADM(R12, Z4, Z5)
	LEAQ (R12)(R8*4), R12
	LOADM(R12, Z6, Z7)

	// Y[0][b] = ((q0b + q1b) + q2b) + bias, Y[1][b] = ((q1b − q2b) − q3b) + bias.
	VADDPS Z2, Z0, Z8
	VADDPS Z4, Z8, Z8
	VADDPS Z24, Z8, Z8
	VADDPS Z3, Z1, Z9
	VADDPS Z5, Z9, Z9
	VADDPS Z24, Z9, Z9
	VSUBPS Z4, Z2, Z10
	VSUBPS Z6, Z10, Z10
	VADDPS Z24, Z10, Z10
	VSUBPS Z5, Z3, Z11
	VSUBPS Z7, Z11, Z11
	VADDPS Z24, Z11, Z11

	// Row 2ty: Y[0][0], Y[0][1] interleaved.
	LEAQ      (DI)(CX*8), R11
	VMOVAPS   Z8, Z16
	VPERMT2PS Z9, Z28, Z16
	VPERMT2PS Z9, Z29, Z8
	VMOVUPS   Z16, K2, (R11)
	VMOVUPS   Z8, K3, 64(R11)
	CMPQ      BX, $1
	JEQ       out_next
	ADDQ      R9, R11
	VMOVAPS   Z10, Z16
	VPERMT2PS Z11, Z28, Z16
	VPERMT2PS Z11, Z29, Z10
	VMOVUPS   Z16, K2, (R11)
	VMOVUPS   Z10, K3, 64(R11)

out_next:
	ADDQ $16, CX
	CMPQ CX, DX
	JLT  out_group

	// Next tile row: two output rows down, DX tiles on.
	LEAQ (DI)(R9*2), DI
	LEAQ (SI)(DX*4), SI
	SUBQ $2, BX
	JG   out_row
	VZEROUPPER
	RET

// func outputGradAVX512(dst *float32, dstStride int, dy *float32, dyStride, h, w int)
//
//	SI the tile row's first dy row, R9 dyStride·4
//	DI the tile row's first tile in dst, R8 dstStride·4, R15 3·dstStride·4
//	BX dy rows left (from this tile row's first), DX tiles across
//	R14 w, CX tiles of the row done, R11, R12, R10 scratch
//	K1 the group's tiles, K2, K3 the valid columns of its two loads
//	Z0, Z1 dY's first row (columns 0 and 1), Z2, Z3 its second
//	A dY in Z0, Z1 (row 0) and Z6-Z11, Z26 the sign bit, Z30, Z31 the lane indexes
TEXT ·outputGradAVX512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), R15
	MOVQ         dy+16(FP), SI
	MOVQ         dyStride+24(FP), R9
	SHLQ         $2, R9
	MOVQ         h+32(FP), BX
	MOVQ         w+40(FP), R14
	VMOVUPS      evens<>(SB), Z30
	VMOVUPS      odds<>(SB), Z31
	MOVL         $0x80000000, AX
	VPBROADCASTD AX, Z26
	LEAQ         1(R14), DX
	SHRQ         $1, DX

og_row:
	XORQ CX, CX

og_group:
	TILEMASK(R10)
	COLUMNMASKS

	// dY's rows, split into even and odd columns; the second row is
	// zero past the plane's last.
	LEAQ      (SI)(CX*8), R11
	VMOVUPS.Z (R11), K2, Z0
	VMOVUPS.Z 64(R11), K3, Z16
	VMOVAPS   Z0, Z1
	VPERMT2PS Z16, Z30, Z0
	VPERMT2PS Z16, Z31, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	CMPQ      BX, $1
	JEQ       og_rows
	ADDQ      R9, R11
	VMOVUPS.Z (R11), K2, Z2
	VMOVUPS.Z 64(R11), K3, Z16
	VMOVAPS   Z2, Z3
	VPERMT2PS Z16, Z30, Z2
	VPERMT2PS Z16, Z31, Z3

og_rows:
	// A dY, column b = 0 (Z0, Z2) and 1 (Z1, Z3): r0 = e0, r1 = e0 + e1,
	// r2 = e0 − e1, r3 = −e1; row 0 stays in Z0, Z1, row i > 0 goes to
	// Z4+2i (b = 0) and Z5+2i (b = 1).
	AT2(Z0, Z2, Z6, Z8, Z10)
	AT2(Z1, Z3, Z7, Z9, Z11)

	// Each row (e0, e1) of A dY: e0, e0 + e1, e0 − e1, −e1 to ξ = 4i .. 4i+3.
	LEAQ (DI)(CX*4), R12

#define GRADROW(e0, e1) \
	AT2(e0, e1, Z16, Z17, Z18) \
	VMOVUPS e0, K1, (R12)    \
	VMOVUPS Z16, K1, (R12)(R8*1) \
	VMOVUPS Z17, K1, (R12)(R8*2) \
	VMOVUPS Z18, K1, (R12)(R15*1) \
	LEAQ    (R12)(R8*4), R12

	GRADROW(Z0, Z1)
	GRADROW(Z6, Z7)
	GRADROW(Z8, Z9)
	GRADROW(Z10, Z11)

	ADDQ $16, CX
	CMPQ CX, DX
	JLT  og_group

	LEAQ (SI)(R9*2), SI
	LEAQ (DI)(DX*4), DI
	SUBQ $2, BX
	JG   og_row
	VZEROUPPER
	RET
