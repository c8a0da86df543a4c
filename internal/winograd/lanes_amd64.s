//go:build amd64 && !purego

#include "textflag.h"
#include "f4_amd64.h"

// The lane transforms of F(4×4, 3×3) (lanes.go) in AVX-512: sixteen
// lanes at a time, each lane's tile read with VGATHERDPS (and its output
// block written with VSCATTERDPS) from its own offset, so a vector holds
// sixteen tiles however narrow the image. The arithmetic is B6, A4 and
// AT6 of f4_amd64.h, f4.go's b6, a4 and at6 in the same order, so the
// results are the Go plane transforms' bits. Each lane's valid rows and columns (bits 0-5 and
// 8-13 of its valid word) mask its gathers and scatters: a lane reads
// zeros, and writes nothing, outside the plane. A gather or scatter
// clears its mask, so each is given a fresh one, the AND of its row's
// mask (kept in a general register) and its column's (K2-K7).

// LANEMASK sets K1 to the first min(16, CX) lanes. It clobbers AX, R12.
#define LANEMASK \
	MOVQ    CX, AX     \
	MOVQ    $16, R12   \
	CMPQ    AX, R12    \
	CMOVQGT R12, AX    \
	MOVL    $0xffff, R12 \
	BZHIL   AX, R12, R12 \
	KMOVW   R12, K1

// LANEBITS loads the group's offsets into Z16 and its valid words into
// Z18 (lanes past the last zero), from R10 and R11, through K1.
#define LANEBITS \
	VMOVDQU32.Z (R10), K1, Z16  \
	VMOVDQU16.Z (R11), K1, Y18  \
	VPMOVZXWD   Y18, Z18

// COLMASK sets k to the lanes of K1 whose valid word has bit b: column
// b inside the plane. It clobbers Z19.
#define COLMASK(b, k) \
	MOVL         $(1<<(8+b)), AX \
	VPBROADCASTD AX, Z19        \
	VPTESTMD     Z19, Z18, K1, k

// ROWMASK sets AX to the lanes whose valid word has bit a: row a inside
// the plane. It clobbers Z19 and K1 (LANEMASK makes it again).
#define ROWMASK(a) \
	MOVL         $(1<<a), AX \
	VPBROADCASTD AX, Z19     \
	VPTESTMD     Z19, Z18, K1 \
	KMOVW        K1, AX

// GATHER loads into dst, through the AND of the row mask in AX and the
// column mask kc, the values at src + 4·idx, zeros elsewhere.
#define GATHER(idx, kc, dst) \
	KMOVW       AX, K1                \
	KANDW       kc, K1, K1            \
	VPXORD      dst, dst, dst         \
	VGATHERDPS  (SI)(idx*4), K1, dst

// func inputLanes4AVX512(dst *float32, dstStride int, src *float32, w int, off *int32, valid *uint16, lanes int)
//
//	DI the group's first lane in dst, R8 dstStride·4, R15 6·dstStride·4
//	SI src, R9 w, CX lanes left, R10 off, R11 valid, AX, R12-R14 scratch
//	K2-K7 the group's columns 0-5, K1 scratch
//	Z16 offsets, Z17 the row's offsets (+ w a row), Z20 index, Z18 valid
//	words, Z24 w in every lane, Z27 1s, Z25 4s, Z26 5s
//	the frame: d B of the group's six rows, row i's six vectors at 384i
TEXT ·inputLanes4AVX512(SB), 0, $2304-56
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), R15
	ADDQ         R15, R15
	MOVQ         src+16(FP), SI
	MOVQ         w+24(FP), R9
	MOVQ         off+32(FP), R10
	MOVQ         valid+40(FP), R11
	MOVQ         lanes+48(FP), CX
	VPBROADCASTD R9, Z24
	MOVL         $1, AX
	VPBROADCASTD AX, Z27
	MOVL         $0x40800000, AX // 4.0
	VPBROADCASTD AX, Z25
	MOVL         $0x40a00000, AX // 5.0
	VPBROADCASTD AX, Z26

inl_group:
	LANEMASK
	LANEBITS
	COLMASK(0, K2)
	COLMASK(1, K3)
	COLMASK(2, K4)
	COLMASK(3, K5)
	COLMASK(4, K6)
	COLMASK(5, K7)
	VMOVDQA32 Z16, Z17
	XORQ      R13, R13 // the row's place in the frame
	XORQ      R14, R14 // the row

inl_row:
	// Row a's mask, one bit per row: 1 << R14.
	MOVQ         $1, AX
	MOVQ         R14, R12
	SHLXQ        R12, AX, AX
	VPBROADCASTD AX, Z19
	VPTESTMD     Z19, Z18, K1
	KMOVW        K1, AX
	VMOVDQA32    Z17, Z20
	GATHER(Z20, K2, Z0)
	VPADDD       Z27, Z20, Z20
	GATHER(Z20, K3, Z1)
	VPADDD       Z27, Z20, Z20
	GATHER(Z20, K4, Z2)
	VPADDD       Z27, Z20, Z20
	GATHER(Z20, K5, Z3)
	VPADDD       Z27, Z20, Z20
	GATHER(Z20, K6, Z4)
	VPADDD       Z27, Z20, Z20
	GATHER(Z20, K7, Z5)
	B6(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)
	VMOVUPS      Z6, (SP)(R13*1)
	VMOVUPS      Z7, 64(SP)(R13*1)
	VMOVUPS      Z8, 128(SP)(R13*1)
	VMOVUPS      Z9, 192(SP)(R13*1)
	VMOVUPS      Z10, 256(SP)(R13*1)
	VMOVUPS      Z11, 320(SP)(R13*1)
	VPADDD       Z24, Z17, Z17
	INCQ         R14
	ADDQ         $384, R13
	CMPQ         R13, $2304
	JLT          inl_row

	// Columns: column j of the six rows' d B, transformed, to ξ = 6i + j,
	// stored through the lanes' mask.
	LANEMASK
	MOVQ DI, R12
	XORQ R13, R13

inl_column:
	VMOVUPS (SP)(R13*1), Z0
	VMOVUPS 384(SP)(R13*1), Z1
	VMOVUPS 768(SP)(R13*1), Z2
	VMOVUPS 1152(SP)(R13*1), Z3
	VMOVUPS 1536(SP)(R13*1), Z4
	VMOVUPS 1920(SP)(R13*1), Z5
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
	ADDQ    $64, R13
	CMPQ    R13, $384
	JLT     inl_column

	ADDQ $64, DI
	ADDQ $64, R10
	ADDQ $32, R11
	SUBQ $16, CX
	JG   inl_group
	VZEROUPPER
	RET

// SCATTER stores src, through the AND of the row mask in AX and the
// column mask kc, at dst + 4·idx.
#define SCATTER(src, idx, kc) \
	KMOVW       AX, K1              \
	KANDW       kc, K1, K1          \
	VSCATTERDPS src, K1, (DI)(idx*4)

// OUTROW stores row a of the group's blocks, y0..y3 (its columns), at
// the lanes' offsets plus a·w (Z20), each through its column's mask.
#define OUTROW(a, y0, y1, y2, y3) \
	MOVL         $(1<<a), AX   \
	VPBROADCASTD AX, Z19       \
	VPTESTMD     Z19, Z18, K1  \
	KMOVW        K1, AX        \
	VMOVDQA32    Z17, Z20      \
	SCATTER(y0, Z20, K2)       \
	VPADDD       Z27, Z20, Z20 \
	SCATTER(y1, Z20, K3)       \
	VPADDD       Z27, Z20, Z20 \
	SCATTER(y2, Z20, K4)       \
	VPADDD       Z27, Z20, Z20 \
	SCATTER(y3, Z20, K5)       \
	VPADDD       Z24, Z17, Z17

// func outputLanes4AVX512(dst *float32, w int, src *float32, srcStride int, off *int32, valid *uint16, lanes int, bias float32)
//
//	DI dst, R9 w, SI the group's first lane in src, R8 srcStride·4
//	CX lanes left, R10 off, R11 valid, AX, R12-R14 scratch
//	K2-K5 the group's columns 0-3, K1 scratch
//	Z0-Z15 Y (row a, column b in Z4a+b), Z16 offsets, Z17 the row's
//	offsets, Z18 valid words, Z24 w in every lane, Z27 1s, Z25 4s,
//	Z26 8s, Z30 the bias
//	the frame: m A of the group's six rows, row i's four vectors at 256i
TEXT ·outputLanes4AVX512(SB), 0, $1536-60
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), R9
	MOVQ         src+16(FP), SI
	MOVQ         srcStride+24(FP), R8
	SHLQ         $2, R8
	MOVQ         off+32(FP), R10
	MOVQ         valid+40(FP), R11
	MOVQ         lanes+48(FP), CX
	VBROADCASTSS bias+56(FP), Z30
	VPBROADCASTD R9, Z24
	MOVL         $1, AX
	VPBROADCASTD AX, Z27
	MOVL         $0x40800000, AX // 4.0
	VPBROADCASTD AX, Z25
	MOVL         $0x41000000, AX // 8.0
	VPBROADCASTD AX, Z26

outl_group:
	LANEMASK

	// Rows: row i of the lanes' m (ξ = 6i .. 6i+5), transformed.
	MOVQ SI, R12
	XORQ R13, R13

outl_rows:
	MOVQ      R12, R14
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
	MOVQ      R14, R12
	A4(Z16, Z17, Z18, Z19, Z20, Z21, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	VMOVUPS   Z0, (SP)(R13*1)
	VMOVUPS   Z1, 64(SP)(R13*1)
	VMOVUPS   Z2, 128(SP)(R13*1)
	VMOVUPS   Z3, 192(SP)(R13*1)
	ADDQ      $256, R13
	CMPQ      R13, $1536
	JLT       outl_rows

	OUTCOLUMN(0, Z0, Z4, Z8, Z12)
	OUTCOLUMN(64, Z1, Z5, Z9, Z13)
	OUTCOLUMN(128, Z2, Z6, Z10, Z14)
	OUTCOLUMN(192, Z3, Z7, Z11, Z15)

	// The blocks, row by row, to the lanes' places.
	LANEBITS
	COLMASK(0, K2)
	COLMASK(1, K3)
	COLMASK(2, K4)
	COLMASK(3, K5)
	VMOVDQA32 Z16, Z17
	OUTROW(0, Z0, Z1, Z2, Z3)
	OUTROW(1, Z4, Z5, Z6, Z7)
	OUTROW(2, Z8, Z9, Z10, Z11)
	OUTROW(3, Z12, Z13, Z14, Z15)

	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $32, R11
	SUBQ $16, CX
	JG   outl_group
	VZEROUPPER
	RET

// func outputGradLanes4AVX512(dst *float32, dstStride int, dy *float32, w int, off *int32, valid *uint16, lanes int)
//
//	DI the group's first lane in dst, R8 dstStride·4, R15 6·dstStride·4
//	SI dy, R9 w, CX lanes left, R10 off, R11 valid, AX, R12-R14 scratch
//	K2-K5 the group's columns 0-3, K1 scratch
//	Z0-Z15 dY (row a, column b in Z4a+b), Z16 offsets, Z17 the row's
//	offsets, Z18 valid words, Z20 index, Z24 w in every lane, Z27 1s,
//	Z25 4s, Z26 8s; the frame: A dY, column b's six vectors at 384b
TEXT ·outputGradLanes4AVX512(SB), 0, $1536-56
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), R15
	ADDQ         R15, R15
	MOVQ         dy+16(FP), SI
	MOVQ         w+24(FP), R9
	MOVQ         off+32(FP), R10
	MOVQ         valid+40(FP), R11
	MOVQ         lanes+48(FP), CX
	VPBROADCASTD R9, Z24
	MOVL         $1, AX
	VPBROADCASTD AX, Z27
	MOVL         $0x40800000, AX // 4.0
	VPBROADCASTD AX, Z25
	MOVL         $0x41000000, AX // 8.0
	VPBROADCASTD AX, Z26

ogl_group:
	LANEMASK
	LANEBITS
	COLMASK(0, K2)
	COLMASK(1, K3)
	COLMASK(2, K4)
	COLMASK(3, K5)
	VMOVDQA32 Z16, Z17

#define GRADROWL(a, e0, e1, e2, e3) \
	ROWMASK(a)                  \
	VMOVDQA32    Z17, Z20       \
	GATHER(Z20, K2, e0)         \
	VPADDD       Z27, Z20, Z20  \
	GATHER(Z20, K3, e1)         \
	VPADDD       Z27, Z20, Z20  \
	GATHER(Z20, K4, e2)         \
	VPADDD       Z27, Z20, Z20  \
	GATHER(Z20, K5, e3)         \
	VPADDD       Z24, Z17, Z17

	GRADROWL(0, Z0, Z1, Z2, Z3)
	GRADROWL(1, Z4, Z5, Z6, Z7)
	GRADROWL(2, Z8, Z9, Z10, Z11)
	GRADROWL(3, Z12, Z13, Z14, Z15)

	GRADCOLUMN(0, Z0, Z4, Z8, Z12)
	GRADCOLUMN(384, Z1, Z5, Z9, Z13)
	GRADCOLUMN(768, Z2, Z6, Z10, Z14)
	GRADCOLUMN(1152, Z3, Z7, Z11, Z15)

	// Rows of A dY, transformed, to ξ = 6i .. 6i+5, through the lanes'
	// mask.
	LANEMASK
	MOVQ DI, R12
	XORQ R13, R13

ogl_out:
	VMOVUPS (SP)(R13*1), Z0
	VMOVUPS 384(SP)(R13*1), Z1
	VMOVUPS 768(SP)(R13*1), Z2
	VMOVUPS 1152(SP)(R13*1), Z3
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
	ADDQ    $64, R13
	CMPQ    R13, $384
	JLT     ogl_out

	ADDQ $64, DI
	ADDQ $64, R10
	ADDQ $32, R11
	SUBQ $16, CX
	JG   ogl_group
	VZEROUPPER
	RET
