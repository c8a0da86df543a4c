//go:build amd64 && !purego

#include "textflag.h"
#include "f4_amd64.h"
#include "f2_amd64.h"

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

// NEXTGROUP moves ptr (the group's first lane in dst or src) and the
// offsets and valid words on by a group of sixteen lanes, and goes back
// to label while lanes are left. (The kernels' prologues, which load
// their arguments, stay written out: go vet checks the argument offsets
// of the instructions in a TEXT block, not of those in a macro.)
#define NEXTGROUP(ptr, label) \
	ADDQ $64, ptr  \
	ADDQ $64, R10  \
	ADDQ $32, R11  \
	SUBQ $16, CX   \
	JG   label

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

	NEXTGROUP(DI, inl_group)
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

// OUTBLOCKS transforms the group's products m (six rows of six vectors,
// srcStride·4 = R8 apart, from SI) into the lanes' blocks Y, row a,
// column b in Z4a+b, the bias (Z30) added: the rows of m A through the
// frame (row i's four vectors at 256i), then its columns (OUTCOLUMN).
// loop names its loop; it clobbers R12-R14 and Z16-Z23, Z31.
#define OUTBLOCKS(loop) \
	MOVQ SI, R12                \
	XORQ R13, R13               \
loop:                           \
	MOVQ      R12, R14          \
	VMOVUPS.Z (R14), K1, Z16    \
	ADDQ      R8, R14           \
	VMOVUPS.Z (R14), K1, Z17    \
	ADDQ      R8, R14           \
	VMOVUPS.Z (R14), K1, Z18    \
	ADDQ      R8, R14           \
	VMOVUPS.Z (R14), K1, Z19    \
	ADDQ      R8, R14           \
	VMOVUPS.Z (R14), K1, Z20    \
	ADDQ      R8, R14           \
	VMOVUPS.Z (R14), K1, Z21    \
	ADDQ      R8, R14           \
	MOVQ      R14, R12          \
	A4(Z16, Z17, Z18, Z19, Z20, Z21, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7) \
	VMOVUPS   Z0, (SP)(R13*1)   \
	VMOVUPS   Z1, 64(SP)(R13*1) \
	VMOVUPS   Z2, 128(SP)(R13*1) \
	VMOVUPS   Z3, 192(SP)(R13*1) \
	ADDQ      $256, R13         \
	CMPQ      R13, $1536        \
	JLT       loop              \
	OUTCOLUMN(0, Z0, Z4, Z8, Z12)   \
	OUTCOLUMN(64, Z1, Z5, Z9, Z13)  \
	OUTCOLUMN(128, Z2, Z6, Z10, Z14) \
	OUTCOLUMN(192, Z3, Z7, Z11, Z15)

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

	// Rows: row i of the lanes' m (ξ = 6i .. 6i+5), transformed, then
	// its columns.
	OUTBLOCKS(outl_rows)

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

	NEXTGROUP(SI, outl_group)
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

	NEXTGROUP(DI, ogl_group)
	VZEROUPPER
	RET

// Lane indexes that interleave two vectors a and b, 32-bit lanes: a0 b0
// a1 b1 ... a7 b7 (ilow) and a8 b8 ... a15 b15 (ihigh); and 64-bit lanes
// (qlow, qhigh), likewise.
DATA ilow<>+0(SB)/4, $0
DATA ilow<>+4(SB)/4, $16
DATA ilow<>+8(SB)/4, $1
DATA ilow<>+12(SB)/4, $17
DATA ilow<>+16(SB)/4, $2
DATA ilow<>+20(SB)/4, $18
DATA ilow<>+24(SB)/4, $3
DATA ilow<>+28(SB)/4, $19
DATA ilow<>+32(SB)/4, $4
DATA ilow<>+36(SB)/4, $20
DATA ilow<>+40(SB)/4, $5
DATA ilow<>+44(SB)/4, $21
DATA ilow<>+48(SB)/4, $6
DATA ilow<>+52(SB)/4, $22
DATA ilow<>+56(SB)/4, $7
DATA ilow<>+60(SB)/4, $23
GLOBL ilow<>(SB), RODATA|NOPTR, $64

DATA ihigh<>+0(SB)/4, $8
DATA ihigh<>+4(SB)/4, $24
DATA ihigh<>+8(SB)/4, $9
DATA ihigh<>+12(SB)/4, $25
DATA ihigh<>+16(SB)/4, $10
DATA ihigh<>+20(SB)/4, $26
DATA ihigh<>+24(SB)/4, $11
DATA ihigh<>+28(SB)/4, $27
DATA ihigh<>+32(SB)/4, $12
DATA ihigh<>+36(SB)/4, $28
DATA ihigh<>+40(SB)/4, $13
DATA ihigh<>+44(SB)/4, $29
DATA ihigh<>+48(SB)/4, $14
DATA ihigh<>+52(SB)/4, $30
DATA ihigh<>+56(SB)/4, $15
DATA ihigh<>+60(SB)/4, $31
GLOBL ihigh<>(SB), RODATA|NOPTR, $64

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

// ROWSEQ writes row a of the group's blocks, y0..y3 (its columns), to
// the frame at off as the lanes' blocks side by side: lane l's four
// outputs at off + 16l. It clobbers Z16-Z19.
#define ROWSEQ(off, y0, y1, y2, y3) \
	VMOVDQA32 Z28, Z16       \
	VPERMI2PS y1, y0, Z16    \
	VMOVDQA32 Z29, Z17       \
	VPERMI2PS y1, y0, Z17    \
	VMOVDQA32 Z28, Z18       \
	VPERMI2PS y3, y2, Z18    \
	VMOVDQA32 Z29, Z19       \
	VPERMI2PS y3, y2, Z19    \
	VMOVDQA64 Z22, y0        \
	VPERMI2PD Z18, Z16, y0   \
	VMOVDQA64 Z23, y1        \
	VPERMI2PD Z18, Z16, y1   \
	VMOVDQA64 Z22, y2        \
	VPERMI2PD Z19, Z17, y2   \
	VMOVDQA64 Z23, y3        \
	VPERMI2PD Z19, Z17, y3   \
	VMOVUPS   y0, off(SP)    \
	VMOVUPS   y1, off+64(SP) \
	VMOVUPS   y2, off+128(SP) \
	VMOVUPS   y3, off+192(SP)

// RUNROW copies row a of the run's blocks from the frame (at R13, the
// run's first lane in row 0) to the plane (at R14, the run's first
// output in row 0), through the masks of its columns K2, K3, when bit a
// of the run's rows (AX) is set.
#define RUNROW(a, skip) \
	BTL       $a, AX               \
	JCC       skip                 \
	VMOVUPS.Z a*256(R13), K2, Z16  \
	VMOVUPS.Z a*256+64(R13), K3, Z17 \
	VMOVUPS   Z16, K2, (R14)       \
	VMOVUPS   Z17, K3, 64(R14)     \
skip:

// func outputRows4AVX512(dst *float32, w int, src *float32, srcStride int, runs *outRun, lanes int, bias float32)
//
// outputLanes4AVX512 for a plan of tiles alone, from a group's first
// lane: the blocks written a run of them at a time, row by row (see
// LanePlan.outRuns), rather than scattered.
//
//	DI dst, R9 w·4, SI the group's first lane in src, R8 srcStride·4
//	CX lanes left, R10 the group's runs, BX the run, R15 the group's
//	lanes (at most 16), AX, DX, R11-R14 scratch
//	Z0-Z15 Y (row a, column b in Z4a+b), Z25 4s, Z26 8s, Z30 the bias,
//	Z28, Z29, Z22, Z23 the interleaving indexes
//	the frame: m A of the group's six rows, row i's four vectors at
//	256i; then row a of the blocks, lane after lane, at 256a
TEXT ·outputRows4AVX512(SB), 0, $1536-52
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), R9
	SHLQ         $2, R9
	MOVQ         src+16(FP), SI
	MOVQ         srcStride+24(FP), R8
	SHLQ         $2, R8
	MOVQ         runs+32(FP), R10
	MOVQ         lanes+40(FP), CX
	VBROADCASTSS bias+48(FP), Z30
	MOVL         $0x40800000, AX // 4.0
	VPBROADCASTD AX, Z25
	MOVL         $0x41000000, AX // 8.0
	VPBROADCASTD AX, Z26

outr_group:
	LANEMASK
	MOVQ AX, R15

	OUTBLOCKS(outr_rows)

	// Each row of the blocks, lane after lane, in the frame.
	VMOVDQU32 ilow<>(SB), Z28
	VMOVDQU32 ihigh<>(SB), Z29
	VMOVDQU64 qlow<>(SB), Z22
	VMOVDQU64 qhigh<>(SB), Z23
	ROWSEQ(0, Z0, Z1, Z2, Z3)
	ROWSEQ(256, Z4, Z5, Z6, Z7)
	ROWSEQ(512, Z8, Z9, Z10, Z11)
	ROWSEQ(768, Z12, Z13, Z14, Z15)

	// The runs, row by row, to the plane.
	MOVQ R10, BX

outr_run:
	MOVBLZX 5(BX), DX      // N
	TESTQ   DX, DX
	JZ      outr_done      // the end of the group's runs
	MOVBLZX 4(BX), R11     // L
	MOVQ    R15, R12
	SUBQ    R11, R12       // the group's lanes from L on
	JLE     outr_last      // a run past the call's last lane
	CMPQ    DX, R12
	CMOVQGT R12, DX        // the run's lanes in the call
	MOVBLZX 7(BX), R12     // Cols
	SHLQ    $2, DX
	CMPQ    R12, DX
	CMOVQGT DX, R12        // its columns in the call
	MOVL    $-1, DX
	BZHIL   R12, DX, DX
	KMOVW   DX, K2
	SHRL    $16, DX
	KMOVW   DX, K3
	MOVBLZX 6(BX), AX      // Rows
	SHLQ    $4, R11
	LEAQ    (SP)(R11*1), R13
	MOVLQSX 0(BX), R14
	LEAQ    (DI)(R14*4), R14
	RUNROW(0, outr_row1)
	ADDQ    R9, R14
	RUNROW(1, outr_row2)
	ADDQ    R9, R14
	RUNROW(2, outr_row3)
	ADDQ    R9, R14
	RUNROW(3, outr_rowsdone)
	ADDQ    $8, BX
	JMP     outr_run

outr_done:
	LEAQ 8(BX), R10

outr_last:
	ADDQ $64, SI
	SUBQ $16, CX
	JG   outr_group
	VZEROUPPER
	RET

// F(2×2, 3×3)'s lane transforms: the same scheme on 4×4 windows and 2×2
// blocks, the arithmetic that of inputGo2, outputGo2 and outputGradGo2
// (purego.go), in their order. A window's transformed rows fit in
// registers, so these need no frame.

// ROW2 gathers row i of the group's windows (the row's offsets in Z17,
// moved on to the next row) into Z21, Z22, Z23, Z28 through the row's
// and the columns' masks (K2-K5), and transforms it (d B) into r0..r3:
// d0 − d2, d1 + d2, d2 − d1, d1 − d3.
#define ROW2(i, r0, r1, r2, r3) \
	ROWMASK(i)                \
	VMOVDQA32 Z17, Z20        \
	GATHER(Z20, K2, Z21)      \
	VPADDD    Z27, Z20, Z20   \
	GATHER(Z20, K3, Z22)      \
	VPADDD    Z27, Z20, Z20   \
	GATHER(Z20, K4, Z23)      \
	VPADDD    Z27, Z20, Z20   \
	GATHER(Z20, K5, Z28)      \
	VSUBPS    Z23, Z21, r0    \
	VADDPS    Z23, Z22, r1    \
	VSUBPS    Z22, Z23, r2    \
	VSUBPS    Z28, Z22, r3    \
	VPADDD    Z24, Z17, Z17

// COL2 transforms column j of the rows' d B (r0..r3) into ξ = 4i + j,
// i = 0..3: r0 − r2, r1 + r2, r2 − r1, r1 − r3, stored through the
// lanes' mask K1 from R12 (column j's place, moved on to the next), ξ's
// R15 apart.
#define COL2(r0, r1, r2, r3) \
	VSUBPS r2, r0, Z20       \
	VADDPS r2, r1, Z21       \
	VSUBPS r1, r2, Z22       \
	VSUBPS r3, r1, Z23       \
	STORE4(Z20, Z21, Z22, Z23, R15) \
	ADDQ   R8, R12

// STORE4 stores v0..v3 through the lanes' mask K1 from R12, step bytes
// apart. It clobbers R14.
#define STORE4(v0, v1, v2, v3, step) \
	MOVQ    R12, R14       \
	VMOVUPS v0, K1, (R14)  \
	ADDQ    step, R14      \
	VMOVUPS v1, K1, (R14)  \
	ADDQ    step, R14      \
	VMOVUPS v2, K1, (R14)  \
	ADDQ    step, R14      \
	VMOVUPS v3, K1, (R14)

// func inputLanes2AVX512(dst *float32, dstStride int, src *float32, w int, off *int32, valid *uint16, lanes int)
//
//	DI the group's first lane in dst, R8 dstStride·4, R15 4·dstStride·4
//	SI src, R9 w, CX lanes left, R10 off, R11 valid, AX, R12-R14 scratch
//	K2-K5 the group's columns 0-3, K1 scratch
//	Z0-Z15 d B (row i, column j in Z4i+j), Z16 offsets, Z17 the row's
//	offsets, Z18 valid words, Z20 index, Z24 w in every lane, Z27 1s
TEXT ·inputLanes2AVX512(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8*4), R15
	MOVQ         src+16(FP), SI
	MOVQ         w+24(FP), R9
	MOVQ         off+32(FP), R10
	MOVQ         valid+40(FP), R11
	MOVQ         lanes+48(FP), CX
	VPBROADCASTD R9, Z24
	MOVL         $1, AX
	VPBROADCASTD AX, Z27

in2_group:
	LANEMASK
	LANEBITS
	COLMASK(0, K2)
	COLMASK(1, K3)
	COLMASK(2, K4)
	COLMASK(3, K5)
	VMOVDQA32 Z16, Z17
	ROW2(0, Z0, Z1, Z2, Z3)
	ROW2(1, Z4, Z5, Z6, Z7)
	ROW2(2, Z8, Z9, Z10, Z11)
	ROW2(3, Z12, Z13, Z14, Z15)
	LANEMASK
	MOVQ DI, R12
	COL2(Z0, Z4, Z8, Z12)
	COL2(Z1, Z5, Z9, Z13)
	COL2(Z2, Z6, Z10, Z14)
	COL2(Z3, Z7, Z11, Z15)

	NEXTGROUP(DI, in2_group)
	VZEROUPPER
	RET

// LOADM2 loads row i of the group's m (ξ = 4i .. 4i+3, R8 apart from
// R12, moved on to the next row) through the lanes' mask K1 and
// transforms it (m A) into q0 = (m0 + m1) + m2, q1 = (m1 − m2) − m3.
#define LOADM2(q0, q1) \
	MOVQ      R12, R14        \
	VMOVUPS.Z (R14), K1, Z20  \
	ADDQ      R8, R14         \
	VMOVUPS.Z (R14), K1, Z21  \
	ADDQ      R8, R14         \
	VMOVUPS.Z (R14), K1, Z22  \
	ADDQ      R8, R14         \
	VMOVUPS.Z (R14), K1, Z23  \
	LEAQ      (R12)(R8*4), R12 \
	VADDPS    Z21, Z20, q0    \
	VADDPS    Z22, q0, q0     \
	VSUBPS    Z22, Z21, q1    \
	VSUBPS    Z23, q1, q1

// OUTROW2 scatters row a of the group's blocks, y0 and y1 (its columns),
// to the lanes' offsets plus a·w (Z17, moved on to the next row),
// through the row's and the columns' masks (K2, K3).
#define OUTROW2(a, y0, y1) \
	ROWMASK(a)             \
	VMOVDQA32 Z17, Z20     \
	SCATTER(y0, Z20, K2)   \
	VPADDD    Z27, Z20, Z20 \
	SCATTER(y1, Z20, K3)   \
	VPADDD    Z24, Z17, Z17

// GRADROW2L gathers row a of the group's blocks of dy into e0 and e1
// (its columns), from the lanes' offsets plus a·w (Z17, moved on to the
// next row), through the row's and the columns' masks (K2, K3).
#define GRADROW2L(a, e0, e1) \
	ROWMASK(a)               \
	VMOVDQA32 Z17, Z20       \
	GATHER(Z20, K2, e0)      \
	VPADDD    Z27, Z20, Z20  \
	GATHER(Z20, K3, e1)      \
	VPADDD    Z24, Z17, Z17

// func outputLanes2AVX512(dst *float32, w int, src *float32, srcStride int, off *int32, valid *uint16, lanes int, bias float32)
//
//	DI dst, R9 w, SI the group's first lane in src, R8 srcStride·4
//	CX lanes left, R10 off, R11 valid, AX, R12-R14 scratch
//	K2, K3 the group's columns 0 and 1, K1 scratch
//	Z0-Z7 m A (row i, column b in Z2i+b), Z8-Z11 Y (row a, column b in
//	Z8+2a+b), Z16 offsets, Z17 the row's offsets, Z18 valid words, Z20
//	index, Z24 w in every lane, Z27 1s, Z30 the bias
TEXT ·outputLanes2AVX512(SB), NOSPLIT, $0-60
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

out2_group:
	LANEMASK
	MOVQ SI, R12
	LOADM2(Z0, Z1)
	LOADM2(Z2, Z3)
	LOADM2(Z4, Z5)
	LOADM2(Z6, Z7)
	// Column b: y0 = (q0 + q1) + q2, y1 = (q1 − q2) − q3, plus the bias.
	VADDPS Z2, Z0, Z8
	VADDPS Z4, Z8, Z8
	VADDPS Z30, Z8, Z8
	VADDPS Z3, Z1, Z9
	VADDPS Z5, Z9, Z9
	VADDPS Z30, Z9, Z9
	VSUBPS Z4, Z2, Z10
	VSUBPS Z6, Z10, Z10
	VADDPS Z30, Z10, Z10
	VSUBPS Z5, Z3, Z11
	VSUBPS Z7, Z11, Z11
	VADDPS Z30, Z11, Z11

	// The blocks, row by row, to the lanes' places.
	LANEBITS
	COLMASK(0, K2)
	COLMASK(1, K3)
	VMOVDQA32 Z16, Z17
	OUTROW2(0, Z8, Z9)
	OUTROW2(1, Z10, Z11)

	NEXTGROUP(SI, out2_group)
	VZEROUPPER
	RET

// func outputGradLanes2AVX512(dst *float32, dstStride int, dy *float32, w int, off *int32, valid *uint16, lanes int)
//
//	DI the group's first lane in dst, R8 dstStride·4, R15 4·dstStride·4
//	SI dy, R9 w, CX lanes left, R10 off, R11 valid, AX, R12-R14 scratch
//	K2, K3 the group's columns 0 and 1, K1 scratch
//	Z0-Z3 dY (row a, column b in Z2a+b), A dY (row i, column b in
//	Z4+2i+b, but row 0 left in Z0, Z1), Z16 offsets, Z17 the row's offsets, Z18 valid words,
//	Z20 index, Z24 w in every lane, Z27 1s, Z26 the sign bit
TEXT ·outputGradLanes2AVX512(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8*4), R15
	MOVQ         dy+16(FP), SI
	MOVQ         w+24(FP), R9
	MOVQ         off+32(FP), R10
	MOVQ         valid+40(FP), R11
	MOVQ         lanes+48(FP), CX
	VPBROADCASTD R9, Z24
	MOVL         $1, AX
	VPBROADCASTD AX, Z27
	MOVL         $0x80000000, AX
	VPBROADCASTD AX, Z26

og2_group:
	LANEMASK
	LANEBITS
	COLMASK(0, K2)
	COLMASK(1, K3)
	VMOVDQA32 Z16, Z17
	GRADROW2L(0, Z0, Z1)
	GRADROW2L(1, Z2, Z3)

	// Columns (e0, e1) of dY: e0 (row 0 stays in Z0, Z1), e0 + e1,
	// e0 − e1, −e1.
	AT2(Z0, Z2, Z6, Z8, Z10)
	AT2(Z1, Z3, Z7, Z9, Z11)

	// Rows (e0, e1) of A dY, the same, to ξ = 4i .. 4i+3.
	LANEMASK
	MOVQ DI, R12

#define GRADROW2(e0, e1) \
	AT2(e0, e1, Z20, Z21, Z22) \
	STORE4(e0, Z20, Z21, Z22, R8) \
	ADDQ   R15, R12

	GRADROW2(Z0, Z1)
	GRADROW2(Z6, Z7)
	GRADROW2(Z8, Z9)
	GRADROW2(Z10, Z11)

	NEXTGROUP(DI, og2_group)
	VZEROUPPER
	RET
