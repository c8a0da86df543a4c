//go:build amd64 && !purego

#include "textflag.h"

// The 2-D kernels: CopyPadded2D (and Copy2D) a slab of columns at a time,
// with the chunks' masks worked out by the Go callers in copy2d_amd64.go,
// and Add2D. Each takes at least one row of at least one column, and
// arguments its caller has checked; strides are in elements.
//
// Go's assembler lists operands in the reverse of Intel's order: the
// destination last. A masked-off lane of a masked load or store (AVX-512
// mask registers, AVX2 VMASKMOVPS) touches no memory and never faults.

// func copyPadded2DAVX512Slab(dst *float32, dstStride int, src *float32, srcShift, srcStride, rows int, load, store *[16]uint16, chunks int)
//
// Row r of the slab is chunks vectors of 16 lanes at dst + r·dstStride;
// chunk k is loaded from src + srcShift + r·srcStride + 16k through
// load[k], zeroing the lanes off the mask, and stored through store[k].
// One and two chunks a row (rows of up to 32 columns) keep the masks in
// registers; wider rows look them up chunk by chunk.
//
//	DI dst row, SI src row (shifted), R8 dstStride·4, R9 srcStride·4
//	BX rows left, R10 load, R11 store, R12 chunks
//	K1, K2 chunk 0's load and store masks; K3, K4 chunk 1's
TEXT ·copyPadded2DAVX512Slab(SB), NOSPLIT, $0-72
	MOVQ  dst+0(FP), DI
	MOVQ  dstStride+8(FP), R8
	SHLQ  $2, R8
	MOVQ  src+16(FP), SI
	MOVQ  srcShift+24(FP), AX
	LEAQ  (SI)(AX*4), SI
	MOVQ  srcStride+32(FP), R9
	SHLQ  $2, R9
	MOVQ  rows+40(FP), BX
	MOVQ  load+48(FP), R10
	MOVQ  store+56(FP), R11
	MOVQ  chunks+64(FP), R12
	KMOVW (R10), K1
	KMOVW (R11), K2
	CMPQ  R12, $2
	JEQ   cp512_two
	JGT   cp512_many

	// One chunk a row.
cp512_one:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS   Z0, K2, (DI)
	ADDQ      R9, SI
	ADDQ      R8, DI
	DECQ      BX
	JNZ       cp512_one
	JMP       cp512_done

	// Two chunks a row.
cp512_two:
	KMOVW 2(R10), K3
	KMOVW 2(R11), K4

cp512_two_row:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K3, Z1
	VMOVUPS   Z0, K2, (DI)
	VMOVUPS   Z1, K4, 64(DI)
	ADDQ      R9, SI
	ADDQ      R8, DI
	DECQ      BX
	JNZ       cp512_two_row
	JMP       cp512_done

	// More: CX the chunk, AX and DX its place in src and dst.
cp512_many:
	XORQ CX, CX
	MOVQ SI, AX
	MOVQ DI, DX

cp512_chunk:
	KMOVW     (R10)(CX*2), K1
	KMOVW     (R11)(CX*2), K2
	VMOVUPS.Z (AX), K1, Z0
	VMOVUPS   Z0, K2, (DX)
	ADDQ      $64, AX
	ADDQ      $64, DX
	INCQ      CX
	CMPQ      CX, R12
	JLT       cp512_chunk
	ADDQ      R9, SI
	ADDQ      R8, DI
	DECQ      BX
	JNZ       cp512_many

cp512_done:
	VZEROUPPER
	RET

// func copyPadded2DAVX512Narrow(dst *float32, dstStride int, src *float32, srcShift, srcStride, rows int, load, store uint32)
//
// As copyPadded2DAVX512Slab for rows of at most 32 columns: one or two
// chunks, whose masks are the low and high halves of load and store.
//
//	DI dst row, SI src row (shifted), R8 dstStride·4, R9 srcStride·4
//	BX rows left
//	K1, K2 chunk 0's load and store masks; K3, K4 chunk 1's
TEXT ·copyPadded2DAVX512Narrow(SB), NOSPLIT, $0-56
	MOVQ  dst+0(FP), DI
	MOVQ  dstStride+8(FP), R8
	SHLQ  $2, R8
	MOVQ  src+16(FP), SI
	MOVQ  srcShift+24(FP), AX
	LEAQ  (SI)(AX*4), SI
	MOVQ  srcStride+32(FP), R9
	SHLQ  $2, R9
	MOVQ  rows+40(FP), BX
	MOVL  load+48(FP), AX
	KMOVW AX, K1
	SHRL  $16, AX
	KMOVW AX, K3
	MOVL  store+52(FP), AX
	KMOVW AX, K2
	SHRL  $16, AX
	KMOVW AX, K4
	TESTL AX, AX
	JNZ   cp512n_two

	// One chunk a row.
cp512n_one:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS   Z0, K2, (DI)
	ADDQ      R9, SI
	ADDQ      R8, DI
	DECQ      BX
	JNZ       cp512n_one
	VZEROUPPER
	RET

	// Two chunks a row.
cp512n_two:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K3, Z1
	VMOVUPS   Z0, K2, (DI)
	VMOVUPS   Z1, K4, 64(DI)
	ADDQ      R9, SI
	ADDQ      R8, DI
	DECQ      BX
	JNZ       cp512n_two
	VZEROUPPER
	RET

// func copyPadded2DAVX2Slab(dst *float32, dstStride int, src *float32, srcShift, srcStride, rows int, table *[9][9][8]int32, chunks *[17]avx2Chunk, n, narrow int)
//
// Row r of the slab is n vectors of 8 lanes; chunk k is loaded from
// src + srcShift + r·srcStride + chunks[k].off/4 through VMASKMOVPS with
// the mask at table + chunks[k].mask, which zeroes the lanes off the
// mask, and stored whole at dst + r·dstStride + chunks[k].off/4. When
// narrow is not 0 the row is only that wide (less than 8, one chunk), and
// the chunk is stored in pieces: 4 lanes if narrow has bit 2, then 2 if it
// has bit 1, then 1 if it has bit 0, each piece's lanes shifted down to
// the bottom of X0 in turn.
//
//	DI dst row, SI src row (shifted), R8 dstStride·4, R9 srcStride·4
//	BX rows left, R10 table, R11 chunks, R12 n, R13 narrow
//	Y1, Y2 the load masks of chunks 0 and 1, R14 chunk 1's offset
//	(chunk 0's is 0)
TEXT ·copyPadded2DAVX2Slab(SB), NOSPLIT, $0-80
	MOVQ    dst+0(FP), DI
	MOVQ    dstStride+8(FP), R8
	SHLQ    $2, R8
	MOVQ    src+16(FP), SI
	MOVQ    srcShift+24(FP), AX
	LEAQ    (SI)(AX*4), SI
	MOVQ    srcStride+32(FP), R9
	SHLQ    $2, R9
	MOVQ    rows+40(FP), BX
	MOVQ    table+48(FP), R10
	MOVQ    chunks+56(FP), R11
	MOVQ    n+64(FP), R12
	MOVQ    narrow+72(FP), R13
	MOVQ    8(R11), AX
	VMOVDQU (R10)(AX*1), Y1
	TESTQ   R13, R13
	JNZ     cp2_narrow
	CMPQ    R12, $2
	JEQ     cp2_two
	JGT     cp2_many

	// One chunk a row.
cp2_one:
	VMASKMOVPS (SI), Y1, Y0
	VMOVUPS    Y0, (DI)
	ADDQ       R9, SI
	ADDQ       R8, DI
	DECQ       BX
	JNZ        cp2_one
	JMP        cp2_done

	// Two chunks a row, the second perhaps overlapping the first.
cp2_two:
	MOVQ    16(R11), R14
	MOVQ    24(R11), AX
	VMOVDQU (R10)(AX*1), Y2

cp2_two_row:
	VMASKMOVPS (SI), Y1, Y0
	VMASKMOVPS (SI)(R14*1), Y2, Y4
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y4, (DI)(R14*1)
	ADDQ       R9, SI
	ADDQ       R8, DI
	DECQ       BX
	JNZ        cp2_two_row
	JMP        cp2_done

	// More: CX chunks left, R15 the chunk, DX its offset.
cp2_many:
	MOVQ R12, CX
	MOVQ R11, R15

cp2_chunk:
	MOVQ       (R15), DX
	MOVQ       8(R15), AX
	VMOVDQU    (R10)(AX*1), Y1
	VMASKMOVPS (SI)(DX*1), Y1, Y0
	VMOVUPS    Y0, (DI)(DX*1)
	ADDQ       $16, R15
	DECQ       CX
	JNZ        cp2_chunk
	ADDQ       R9, SI
	ADDQ       R8, DI
	DECQ       BX
	JNZ        cp2_many
	JMP        cp2_done

	// A row narrower than a vector, stored in pieces from DX on.
cp2_narrow:
	VMASKMOVPS (SI), Y1, Y0
	MOVQ       DI, DX
	TESTQ      $4, R13
	JZ         cp2_narrow_2
	VMOVUPS    X0, (DX)
	VEXTRACTF128 $1, Y0, X0
	ADDQ       $16, DX

cp2_narrow_2:
	TESTQ    $2, R13
	JZ       cp2_narrow_1
	VMOVSD   X0, (DX)
	VMOVHLPS X0, X0, X0
	ADDQ     $8, DX

cp2_narrow_1:
	TESTQ  $1, R13
	JZ     cp2_narrow_next
	VMOVSS X0, (DX)

cp2_narrow_next:
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ BX
	JNZ  cp2_narrow

cp2_done:
	VZEROUPPER
	RET

// func add2DAVX512(dst *float32, dstStride int, src *float32, srcStride, rows, cols int)
//
// For cols ≥ 16 (the Go caller passes narrower rows to add2DAVX2): each
// row four vectors at a time while it can, then one, and then its last 16
// elements, whose sum (Z15) was made before any store to the row (see
// copy2d_amd64.go).
//
//	DI dst row, SI src row, R8 dstStride·4, R9 srcStride·4
//	BX rows left, R12 cols, R13 byte offset of the row's last 16
//	DX byte offset in the row, CX elements of the row left
TEXT ·add2DAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), BX
	MOVQ cols+40(FP), R12
	LEAQ -16(R12), R13
	SHLQ $2, R13

add512r_row:
	VMOVUPS (DI)(R13*1), Z15
	VADDPS  (SI)(R13*1), Z15, Z15
	XORQ    DX, DX
	MOVQ    R12, CX
	CMPQ    CX, $64
	JLT     add512r_one

add512r_four:
	VMOVUPS (DI)(DX*1), Z0
	VMOVUPS 64(DI)(DX*1), Z1
	VMOVUPS 128(DI)(DX*1), Z2
	VMOVUPS 192(DI)(DX*1), Z3
	VADDPS  (SI)(DX*1), Z0, Z0
	VADDPS  64(SI)(DX*1), Z1, Z1
	VADDPS  128(SI)(DX*1), Z2, Z2
	VADDPS  192(SI)(DX*1), Z3, Z3
	VMOVUPS Z0, (DI)(DX*1)
	VMOVUPS Z1, 64(DI)(DX*1)
	VMOVUPS Z2, 128(DI)(DX*1)
	VMOVUPS Z3, 192(DI)(DX*1)
	ADDQ    $256, DX
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     add512r_four

add512r_one:
	CMPQ    CX, $16
	JLT     add512r_last
	VMOVUPS (DI)(DX*1), Z0
	VADDPS  (SI)(DX*1), Z0, Z0
	VMOVUPS Z0, (DI)(DX*1)
	ADDQ    $64, DX
	SUBQ    $16, CX
	JMP     add512r_one

add512r_last:
	VMOVUPS Z15, (DI)(R13*1)
	ADDQ    R8, DI
	ADDQ    R9, SI
	DECQ    BX
	JNZ     add512r_row
	VZEROUPPER
	RET

// func add2DAVX2(dst *float32, dstStride int, src *float32, srcStride, rows, cols int)
//
// As add2DAVX512 with vectors of 8, for cols ≥ 8; a narrower row is added
// in pieces of 4, 2 and 1 lanes, as the bits of cols say.
//
//	DI dst row, SI src row, R8 dstStride·4, R9 srcStride·4
//	BX rows left, R12 cols, R13 byte offset of the row's last 8
//	DX byte offset in the row, CX elements of the row left
//	Y15 the sum of the row's last 8
TEXT ·add2DAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), BX
	MOVQ cols+40(FP), R12
	CMPQ R12, $8
	JLT  add2r_narrow
	LEAQ -8(R12), R13
	SHLQ $2, R13

add2r_row:
	VMOVUPS (DI)(R13*1), Y15
	VADDPS  (SI)(R13*1), Y15, Y15
	XORQ    DX, DX
	MOVQ    R12, CX
	CMPQ    CX, $32
	JLT     add2r_one

add2r_four:
	VMOVUPS (DI)(DX*1), Y0
	VMOVUPS 32(DI)(DX*1), Y1
	VMOVUPS 64(DI)(DX*1), Y2
	VMOVUPS 96(DI)(DX*1), Y3
	VADDPS  (SI)(DX*1), Y0, Y0
	VADDPS  32(SI)(DX*1), Y1, Y1
	VADDPS  64(SI)(DX*1), Y2, Y2
	VADDPS  96(SI)(DX*1), Y3, Y3
	VMOVUPS Y0, (DI)(DX*1)
	VMOVUPS Y1, 32(DI)(DX*1)
	VMOVUPS Y2, 64(DI)(DX*1)
	VMOVUPS Y3, 96(DI)(DX*1)
	ADDQ    $128, DX
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     add2r_four

add2r_one:
	CMPQ    CX, $8
	JLT     add2r_last
	VMOVUPS (DI)(DX*1), Y0
	VADDPS  (SI)(DX*1), Y0, Y0
	VMOVUPS Y0, (DI)(DX*1)
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     add2r_one

add2r_last:
	VMOVUPS Y15, (DI)(R13*1)
	ADDQ    R8, DI
	ADDQ    R9, SI
	DECQ    BX
	JNZ     add2r_row
	JMP     add2r_done

	// A row narrower than a vector, in pieces from byte offset DX.
add2r_narrow:
	XORQ  DX, DX
	TESTQ $4, R12
	JZ    add2r_narrow_2
	VMOVUPS (DI), X0
	VADDPS  (SI), X0, X0
	VMOVUPS X0, (DI)
	MOVQ    $16, DX

add2r_narrow_2:
	TESTQ  $2, R12
	JZ     add2r_narrow_1
	VMOVSD (DI)(DX*1), X0
	VMOVSD (SI)(DX*1), X1
	VADDPS X1, X0, X0
	VMOVSD X0, (DI)(DX*1)
	ADDQ   $8, DX

add2r_narrow_1:
	TESTQ  $1, R12
	JZ     add2r_narrow_next
	VMOVSS (DI)(DX*1), X0
	VADDSS (SI)(DX*1), X0, X0
	VMOVSS X0, (DI)(DX*1)

add2r_narrow_next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ BX
	JNZ  add2r_narrow

add2r_done:
	VZEROUPPER
	RET

// func sumTapsAVX512(dst *float32, dstStride int, src *float32, srcStride, base int, offsets *int, masks *uint16, taps, chans int, store uint16)
//
// For channel k < chans (at most 4), sums the taps into Zk, from +0 and in
// order: tap t adds the 16 floats at src + base + k·srcStride + offsets[t]
// in the lanes of masks[t] (a masked-off lane reads nothing). The four
// channels' sums are independent chains, so their additions overlap.
// Then stores Zk's lanes in store at dst + k·dstStride.
//
//	DI dst, R8 dstStride·4, SI src + base·4, R11 srcStride·4
//	R9 offsets, R10 masks, BX taps left, CX chans, AX the tap's address
//	K1 the tap's mask, K2 the store mask, Z0-Z3 the sums
TEXT ·sumTapsAVX512(SB), NOSPLIT, $0-74
	MOVQ   dst+0(FP), DI
	MOVQ   dstStride+8(FP), R8
	SHLQ   $2, R8
	MOVQ   src+16(FP), SI
	MOVQ   srcStride+24(FP), R11
	SHLQ   $2, R11
	MOVQ   base+32(FP), AX
	LEAQ   (SI)(AX*4), SI
	MOVQ   offsets+40(FP), R9
	MOVQ   masks+48(FP), R10
	MOVQ   taps+56(FP), BX
	MOVQ   chans+64(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

sumTaps_tap:
	MOVQ   (R9), AX
	LEAQ   (SI)(AX*4), AX
	KMOVW  (R10), K1
	VADDPS (AX), Z0, K1, Z0
	CMPQ   CX, $1
	JLE    sumTaps_next
	ADDQ   R11, AX
	VADDPS (AX), Z1, K1, Z1
	CMPQ   CX, $2
	JLE    sumTaps_next
	ADDQ   R11, AX
	VADDPS (AX), Z2, K1, Z2
	CMPQ   CX, $3
	JLE    sumTaps_next
	ADDQ   R11, AX
	VADDPS (AX), Z3, K1, Z3

sumTaps_next:
	ADDQ $8, R9
	ADDQ $2, R10
	DECQ BX
	JNZ  sumTaps_tap

	KMOVW   store+72(FP), K2
	VMOVUPS Z0, K2, (DI)
	CMPQ    CX, $1
	JLE     sumTaps_done
	ADDQ    R8, DI
	VMOVUPS Z1, K2, (DI)
	CMPQ    CX, $2
	JLE     sumTaps_done
	ADDQ    R8, DI
	VMOVUPS Z2, K2, (DI)
	CMPQ    CX, $3
	JLE     sumTaps_done
	ADDQ    R8, DI
	VMOVUPS Z3, K2, (DI)

sumTaps_done:
	VZEROUPPER
	RET

// func runPlanAVX512(dst, src *float32, moves *Move, n int)
//
// Each Move (12 bytes: Src, Dst int32; Load, Store uint16) is one masked,
// zeroing load of 16 lanes from src + Src and one masked store to dst +
// Dst.
//
//	DI dst, SI src, R8 the move, CX moves left
TEXT ·runPlanAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ moves+16(FP), R8
	MOVQ n+24(FP), CX

runPlan_move:
	MOVLQSX   (R8), AX
	MOVLQSX   4(R8), DX
	KMOVW     8(R8), K1
	KMOVW     10(R8), K2
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMOVUPS   Z0, K2, (DI)(DX*4)
	ADDQ      $12, R8
	DECQ      CX
	JNZ       runPlan_move
	VZEROUPPER
	RET

// func runPicksAVX512(dst, src *float32, picks *pick, n int, patterns *[16]int32)
//
// Each pick (20 bytes: src, dst int32; loadLo, loadHi, take, store
// uint16; pattern int32) is two masked, zeroing loads of 16 lanes from
// src + src (the elements its lanes take), a permute of those 32 by the
// pattern's offsets, zeroing the lanes not taken, and one masked store to
// dst + dst.
//
//	DI dst, SI src, R8 the pick, CX picks left, R9 the patterns
TEXT ·runPicksAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ picks+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ patterns+32(FP), R9

runPicks_pick:
	MOVLQSX     (R8), AX
	MOVLQSX     4(R8), DX
	KMOVW       8(R8), K1
	KMOVW       10(R8), K2
	KMOVW       12(R8), K3
	KMOVW       14(R8), K4
	MOVLQSX     16(R8), R10
	SHLQ        $6, R10
	VMOVDQU32   (R9)(R10*1), Z2
	VMOVUPS.Z   (SI)(AX*4), K1, Z0
	VMOVUPS.Z   64(SI)(AX*4), K2, Z1
	VPERMI2PS.Z Z1, Z0, K3, Z2
	VMOVUPS     Z2, K4, (DI)(DX*4)
	ADDQ        $20, R8
	DECQ        CX
	JNZ         runPicks_pick
	VZEROUPPER
	RET

// func runPickSumsAVX512(dst, src *float32, sums *pickSum, n int, terms *pick, patterns *[16]int32)
//
// Each sum (8 bytes: dst int32; store, terms uint16) starts from +0 and
// adds, in the lanes each takes, its terms (picks, their dst and store
// unused), then stores through its mask.
//
//	DI dst, SI src, R8 the sum, CX sums left, R11 the term, BX its sum's
//	terms left, R9 the patterns, Z3 the sum
TEXT ·runPickSumsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ sums+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ terms+32(FP), R11
	MOVQ patterns+40(FP), R9

runPickSums_sum:
	MOVLQSX (R8), DX
	KMOVW   4(R8), K4
	MOVWLZX 6(R8), BX
	VPXORD  Z3, Z3, Z3
	TESTQ   BX, BX
	JZ      runPickSums_store

runPickSums_term:
	MOVLQSX   (R11), AX
	KMOVW     8(R11), K1
	KMOVW     10(R11), K2
	KMOVW     12(R11), K3
	MOVLQSX   16(R11), R10
	SHLQ      $6, R10
	VMOVDQU32 (R9)(R10*1), Z2
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMOVUPS.Z 64(SI)(AX*4), K2, Z1
	VPERMI2PS Z1, Z0, Z2
	VADDPS    Z2, Z3, K3, Z3
	ADDQ      $20, R11
	DECQ      BX
	JNZ       runPickSums_term

runPickSums_store:
	VMOVUPS Z3, K4, (DI)(DX*4)
	ADDQ    $8, R8
	DECQ    CX
	JNZ     runPickSums_sum
	VZEROUPPER
	RET

// Lane indexes for VPERMT2PS: the even (0, 2, .., 30) and odd (1, .., 31)
// elements of a pair of vectors, and the two halves of their interleaving
// (a0 b0 a1 b1 .. a7 b7, then a8 b8 .. a15 b15).
DATA evens2<>+0(SB)/4, $0
DATA evens2<>+4(SB)/4, $2
DATA evens2<>+8(SB)/4, $4
DATA evens2<>+12(SB)/4, $6
DATA evens2<>+16(SB)/4, $8
DATA evens2<>+20(SB)/4, $10
DATA evens2<>+24(SB)/4, $12
DATA evens2<>+28(SB)/4, $14
DATA evens2<>+32(SB)/4, $16
DATA evens2<>+36(SB)/4, $18
DATA evens2<>+40(SB)/4, $20
DATA evens2<>+44(SB)/4, $22
DATA evens2<>+48(SB)/4, $24
DATA evens2<>+52(SB)/4, $26
DATA evens2<>+56(SB)/4, $28
DATA evens2<>+60(SB)/4, $30
GLOBL evens2<>(SB), RODATA|NOPTR, $64

DATA weave2<>+0(SB)/4, $0
DATA weave2<>+4(SB)/4, $16
DATA weave2<>+8(SB)/4, $1
DATA weave2<>+12(SB)/4, $17
DATA weave2<>+16(SB)/4, $2
DATA weave2<>+20(SB)/4, $18
DATA weave2<>+24(SB)/4, $3
DATA weave2<>+28(SB)/4, $19
DATA weave2<>+32(SB)/4, $4
DATA weave2<>+36(SB)/4, $20
DATA weave2<>+40(SB)/4, $5
DATA weave2<>+44(SB)/4, $21
DATA weave2<>+48(SB)/4, $6
DATA weave2<>+52(SB)/4, $22
DATA weave2<>+56(SB)/4, $7
DATA weave2<>+60(SB)/4, $23
GLOBL weave2<>(SB), RODATA|NOPTR, $64

// func deinterleaveAVX512(even, odd, src *float32, n int)
//
// 32 elements of src a trip: two vectors, split by VPERMT2PS into 16 even
// and 16 odd elements. The last trip loads and stores through masks: K1,
// K2 the 0-32 elements of src left, K3 and K4 the (n+1)/2 and n/2 even
// and odd ones.
//
//	SI src, DI even, DX odd, CX elements of src left
//	Z30 the even indexes, Z31 the odd ones (Z30 + 1)
TEXT ·deinterleaveAVX512(SB), NOSPLIT, $0-32
	MOVQ         even+0(FP), DI
	MOVQ         odd+8(FP), DX
	MOVQ         src+16(FP), SI
	MOVQ         n+24(FP), CX
	VMOVUPS      evens2<>(SB), Z30
	MOVL         $1, AX
	VPBROADCASTD AX, Z31
	VPADDD       Z31, Z30, Z31

deint_loop:
	MOVQ    CX, AX
	MOVQ    $32, R8
	CMPQ    AX, R8
	CMOVQGT R8, AX
	MOVQ    $-1, R8
	BZHIQ   AX, R8, R8
	KMOVW   R8, K1
	SHRQ    $16, R8
	KMOVW   R8, K2
	LEAQ    1(AX), R9 // (m+1)/2 evens, m/2 odds, m elements this trip
	SHRQ    $1, R9
	MOVQ    $-1, R8
	BZHIQ   R9, R8, R8
	KMOVW   R8, K3
	SHRQ    $1, AX
	MOVQ    $-1, R8
	BZHIQ   AX, R8, R8
	KMOVW   R8, K4
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVAPS   Z0, Z2
	VPERMT2PS Z1, Z30, Z0
	VPERMT2PS Z1, Z31, Z2
	VMOVUPS   Z0, K3, (DI)
	VMOVUPS   Z2, K4, (DX)
	ADDQ      $128, SI
	ADDQ      $64, DI
	ADDQ      $64, DX
	SUBQ      $32, CX
	JG        deint_loop
	VZEROUPPER
	RET

// func interleaveAVX512(dst, even, odd *float32, n int)
//
// 32 elements of dst a trip, from 16 even and 16 odd elements woven by
// VPERMT2PS, through masks on the last: K3, K4 the even and odd elements
// left, K1, K2 the elements of dst.
//
//	DI dst, SI even, DX odd, CX elements of dst left
//	Z30 the first half's indexes, Z31 the second's (Z30 + 8)
TEXT ·interleaveAVX512(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         even+8(FP), SI
	MOVQ         odd+16(FP), DX
	MOVQ         n+24(FP), CX
	VMOVUPS      weave2<>(SB), Z30
	MOVL         $8, AX
	VPBROADCASTD AX, Z31
	VPADDD       Z31, Z30, Z31

int_loop:
	MOVQ    CX, AX
	MOVQ    $32, R8
	CMPQ    AX, R8
	CMOVQGT R8, AX
	MOVQ    $-1, R8
	BZHIQ   AX, R8, R8
	KMOVW   R8, K1
	SHRQ    $16, R8
	KMOVW   R8, K2
	LEAQ    1(AX), R9
	SHRQ    $1, R9
	MOVQ    $-1, R8
	BZHIQ   R9, R8, R8
	KMOVW   R8, K3
	SHRQ    $1, AX
	MOVQ    $-1, R8
	BZHIQ   AX, R8, R8
	KMOVW   R8, K4
	VMOVUPS.Z (SI), K3, Z0
	VMOVUPS.Z (DX), K4, Z1
	VMOVAPS   Z0, Z2
	VPERMT2PS Z1, Z30, Z0
	VPERMT2PS Z1, Z31, Z2
	VMOVUPS   Z0, K1, (DI)
	VMOVUPS   Z2, K2, 64(DI)
	ADDQ      $128, DI
	ADDQ      $64, SI
	ADDQ      $64, DX
	SUBQ      $32, CX
	JG        int_loop
	VZEROUPPER
	RET
