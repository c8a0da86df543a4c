// Package gemm multiplies single-precision matrices: the one kernel that
// convolution (through im2col) and dense layers spend their time in.
//
// All matrices are row-major. A matrix X with leading dimension ldx has
// element (i, j) at X[i*ldx+j]. Sgemm computes
//
//	C = alpha * op(A) * op(B) + beta * C
//
// where op(A) is A or its transpose (m×k), op(B) is B or its transpose
// (k×n), and C is m×n.
//
// # How the work is blocked
//
// The structure is the one GotoBLAS introduced and BLIS made famous. At the
// bottom sits a micro-kernel that keeps an mr×nr tile of C in vector
// registers (14×32 on AVX-512, 6×16 on AVX2) and, for each step p of the
// shared dimension, multiplies a column of mr values of A by a row of nr
// values of B: mr*nr fused multiply-adds for mr+nr loads. Everything above
// it exists to feed it from the nearest cache:
//
//	for jc over n in blocks of nc:            // B block kc×nc lives in L3
//	    for pc over k in blocks of kc:
//	        pack op(B)[pc:pc+kc, jc:jc+nc] into slivers kc×nr
//	        for ic over m in blocks of mc:    // A block mc×kc lives in L2
//	            pack alpha*op(A)[ic:ic+mc, pc:pc+kc] into slivers mr×kc
//	            for jr over the block's columns in steps of nr:
//	                for ir over the block's rows in steps of mr:
//	                    micro-kernel: C tile (+)= A sliver × B sliver
//
// The B sliver (kc×nr) is reused by every tile of the ir loop and stays in
// L1; the A block is reused by every sliver of the jr loop and stays in L2.
// Packing (pack.go) copies each block once into exactly the order the
// micro-kernel reads it, and is where transposes and leading dimensions are
// dealt with, so there is one micro-kernel per instruction set rather than
// one per transpose combination.
//
// Products with few rows of C, the common case in a convolutional network
// working on one image at a time, reuse each piece of B only a few times,
// too few to pay for copying it. When B needs no transposing the kernel
// then reads it in place (see directB). The same goes for A in products
// with few columns of C, when op(A) is a transposed matrix, whose k steps
// are rows of consecutive values as in a packed sliver (see directA).
//
// Tiles at the bottom edge of C, where fewer than mr rows remain, go to a
// shorter variant of the kernel when the CPU has one (the AVX-512 set has
// 2, 4, .., 12-row kernels), and tiles at the right edge with at most half
// of nr columns to a narrower one (AVX-512's 16-column kernels, of every
// height), so that a product with few columns, such as a Winograd
// product of one image's tiles, is not mostly padding. Edge tiles no
// variant fits exactly are computed whole into a scratch tile (the packed
// slivers are padded with zeros) and only their valid part is stored.
//
// beta is applied once, before any product is added: beta 0 makes the
// first k block store its tiles instead of adding them (so old values, NaN
// included, are never read), beta 1 costs nothing, and any other beta
// scales C in a separate pass. alpha is folded into the packing of A.
//
// The micro-kernel is chosen once, at start-up, from the CPU's features:
// see Kernel. Each element of C is summed in an order that depends only on
// k and the kernel, so results do not depend on how the rows and columns
// of a product are blocked or split between workers (see Engine). They do
// differ in the last bits from one kernel to another, since the assembly
// kernels use fused multiply-adds.
package gemm

import "unsafe"

// Workspace holds one thread's scratch memory for a multiply. A
// Workspace grows on first use and does not allocate afterwards for
// products of the same or smaller size. It must not be shared between
// goroutines that multiply at the same time.
type Workspace struct {
	packA, packB []float32 // packed blocks of A and B, 64-byte aligned
	tile         []float32 // one mr×nr tile, for the edges of C
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on the calling goroutine.
// When beta is 0, C is overwritten and its old contents (even NaN) are
// ignored.
func (ws *Workspace) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ws.sgemm(&kernel, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C with a temporary workspace.
// It is meant for tests and one-off products; hot loops keep a Workspace.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var ws Workspace
	ws.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemm is Sgemm with the micro-kernel as a parameter, so that tests can
// run every kernel the CPU supports through the whole driver.
func (ws *Workspace) sgemm(kern *microKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ws.product(kern, transA, transB, m, n, k, alpha, a, lda, nil, b, ldb, beta, c, ldc)
}

// product is the driver behind sgemm and SgemmPacked: A is either a
// with lda and transA, or, when packed is not nil, already packed there
// (alpha folded in, see PackedA).
func (ws *Workspace) product(kern *microKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, packed []float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if beta != 0 && beta != 1 {
		scaleC(m, n, beta, c, ldc)
		beta = 1
	}
	addToC := beta == 1 // otherwise the first k block overwrites C

	kc := blockSize(k, kern.kc, 4) // 4: the assembly kernels' unrolling
	mc := blockSize(m, kern.mc, kern.mr)
	nc := blockSize(n, kern.nc, kern.nr)
	direct := directB(kern, transB, m)
	inPlaceA := packed == nil && directA(kern, transA, n, alpha)
	ws.reserve(kern, m, n, k)
	packedRows := roundUp(m, kern.mr) // a k block's rows in packed

	for jc := 0; jc < n; jc += nc {
		ncb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			accumulate := addToC || pc > 0
			if !direct {
				kern.packB(ws.packB, transB, b, ldb, pc, jc, kcb, ncb)
			}
			for ic := 0; ic < m; ic += mc {
				mcb := min(mc, m-ic)
				aPacked := ws.packA
				switch {
				case packed != nil:
					aPacked = packed[packedRows*pc+ic*kcb:]
				case !inPlaceA:
					kern.packA(ws.packA, transA, a, lda, ic, pc, mcb, kcb, alpha)
				case mcb%kern.mr != 0:
					// Only the ragged last sliver is packed, to pad it.
					rest := mcb % kern.mr
					kern.packA(ws.packA, transA, a, lda, ic+mcb-rest, pc, rest, kcb, alpha)
				}
				var aBlock []float32 // A itself at (ic, pc), when read in place
				if inPlaceA {
					aBlock = a[pc*lda+ic:]
				}
				ws.macroKernel(kern, mcb, ncb, kcb, aPacked, aBlock, lda, b, ldb, pc, jc, direct, c[ic*ldc+jc:], ldc, accumulate)
			}
		}
	}
}

// reserve grows the workspace, if need be, to hold the packed blocks of an
// m×n×k product. The sizes grow with m, n and k (blocks are at most kc,
// mc and nc), so a workspace reserved for one product serves every
// product no larger in any dimension without allocating.
func (ws *Workspace) reserve(kern *microKernel, m, n, k int) {
	kc := min(k, kern.kc)
	ws.packA = alignedBuffer(ws.packA, roundUp(min(m, kern.mc), kern.mr)*kc)
	ws.packB = alignedBuffer(ws.packB, kc*roundUp(min(n, kern.nc), kern.nr))
	ws.tile = alignedBuffer(ws.tile, kern.mr*kern.nr)
}

// macroKernel runs the micro-kernel over an mcb×ncb block of C (c is its
// top-left element) from either the packed A block in aPacked or, when
// aBlock is not nil, transposed A itself (aBlock starts at the block's
// first element; its ragged last sliver, if any, is packed at the start
// of aPacked), and either the packed B block in ws.packB or, when
// direct, B itself at (pc, jc).
func (ws *Workspace) macroKernel(kern *microKernel, mcb, ncb, kcb int, aPacked, aBlock []float32, lda int, b []float32, ldb, pc, jc int, direct bool, c []float32, ldc int, accumulate bool) {
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < ncb; jr += nr {
		cols := min(nr, ncb-jr)
		_, _, width := kern.forTile(mr, cols) // nr, or narrowCols at a narrow edge
		var bSliver []float32
		bStride := nr
		switch {
		case !direct:
			bSliver = ws.packB[jr*kcb:]
		case cols == width:
			bSliver, bStride = b[pc*ldb+jc+jr:], ldb
		default:
			bSliver = ws.packB
			kern.packBSliver(bSliver, false, b, ldb, pc, jc+jr, kcb, cols)
		}
		for ir := 0; ir < mcb; ir += mr {
			rows := min(mr, mcb-ir)
			run, height, width := kern.forTile(rows, cols)
			aSliver, aStride := aPacked[ir*kcb:], mr
			switch {
			case aBlock == nil:
			case rows == mr:
				aSliver, aStride = aBlock[ir:], lda
			default:
				aSliver = aPacked
			}
			cTile := c[ir*ldc+jr:]
			if rows == height && cols == width {
				kern.runTile(run, height, width, kcb, aSliver, aStride, bSliver, bStride, cTile, ldc, accumulate)
				continue
			}
			// An edge tile: compute it whole, keep the part inside C.
			kern.runTile(run, height, width, kcb, aSliver, aStride, bSliver, bStride, ws.tile, nr, false)
			storeTile(cTile, ldc, ws.tile, nr, rows, cols, accumulate)
		}
	}
}

// storeTile stores the top-left rows×cols part of an edge tile into C,
// adding it to C's values when accumulate is true. Adding the tile to C
// after summing it from zero is exactly what the kernels do in their own
// store, so edge tiles round the same way as whole ones.
func storeTile(c []float32, ldc int, tile []float32, ldt, rows, cols int, accumulate bool) {
	for i := 0; i < rows; i++ {
		src := tile[i*ldt : i*ldt+cols]
		dst := c[i*ldc : i*ldc+cols]
		if !accumulate {
			copy(dst, src)
			continue
		}
		for j, v := range src {
			dst[j] += v
		}
	}
}

// directB reports whether the kernel should read B in place instead of
// packing it. Packing B costs a copy of every element of op(B) and pays
// off through reuse: each packed sliver serves every row tile of C. When
// B is not transposed its rows already hold the nr consecutive floats a
// kernel step loads, so with few rows of C the copy is skipped (only the
// ragged last sliver of each block is packed, to pad it).
//
// Measured on Zen 5, reading B in place was as fast or faster for up to
// one row block (mc rows) of C, by 20% with a couple of tiles' worth of
// rows. Beyond that, B's rows, ldb floats apart, can fall into the same
// few cache sets when ldb is a multiple of a large power of two (10-15%
// slower at m = n = k = 512 and 1024), where packed slivers, contiguous,
// cannot.
func directB(kern *microKernel, transB bool, m int) bool {
	return !transB && m <= kern.mc
}

// directA reports whether the kernel should read A in place instead of
// packing it: when op(A) is a transposed matrix, whose k steps are rows of
// consecutive values as in a packed sliver, and C has few columns, so
// that each sliver serves few tiles and its copy would cost a sizeable
// part of the product. alpha must be 1: packing is where it is applied.
func directA(kern *microKernel, transA bool, n int, alpha float32) bool {
	return transA && alpha == 1 && n <= maxDirectACols*kern.nr
}

// maxDirectACols is the most column tiles of C for which directA reads A
// in place.
const maxDirectACols = 4

// InPlaceACols is the most columns of C for which a product whose op(A)
// is a transposed matrix, with alpha 1, reads A where it lies instead of
// copying it into slivers first. A caller that multiplies the same A by
// many narrow B can keep its products this narrow to skip the copies.
func InPlaceACols() int { return maxDirectACols * kernel.nr }

// blockSize splits n into the fewest blocks of at most max and returns the
// block size, rounded up to a multiple of unit (but no more than n): an
// even split, so that the last block is not a sliver. max must be a
// multiple of unit.
func blockSize(n, max, unit int) int {
	blocks := (n + max - 1) / max
	return min(roundUp((n+blocks-1)/blocks, unit), n)
}

func roundUp(n, unit int) int { return (n + unit - 1) / unit * unit }

// alignedBuffer returns a slice of length n starting on a 64-byte boundary,
// reusing buf when it is big enough. Aligned packed slivers keep every
// vector load of the kernel inside one cache line.
func alignedBuffer(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	const align = 64 / 4 // in floats
	buf = make([]float32, n+align-1)
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) / 4 % align)
	off = (align - off) % align
	return buf[off : off+n]
}

// scaleC multiplies the m×n matrix C by beta, writing zeros when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// Computed returns how many elements of C the micro-kernel computes, per
// step of the shared dimension, for an m×n product: m×n plus the padding
// of the tiles at the bottom and right edges, which are computed whole
// (see macroKernel). The same product computed as its transpose, n×m,
// can cost less or more; a caller free to choose can compare the two.
func Computed(m, n int) int {
	return kernel.computed(m, n)
}

func (kern *microKernel) computed(m, n int) int {
	if m <= 0 || n <= 0 {
		return 0
	}
	rows := 0
	mc := blockSize(m, kern.mc, kern.mr)
	for ic := 0; ic < m; ic += mc {
		mcb := min(mc, m-ic)
		rows += mcb / kern.mr * kern.mr
		if rest := mcb % kern.mr; rest > 0 {
			_, height, _ := kern.forTile(rest, kern.nr)
			rows += height
		}
	}
	cols := 0
	nc := blockSize(n, kern.nc, kern.nr)
	for jc := 0; jc < n; jc += nc {
		ncb := min(nc, n-jc)
		cols += ncb / kern.nr * kern.nr
		if rest := ncb % kern.nr; rest > 0 {
			_, _, width := kern.forTile(kern.mr, rest)
			cols += width
		}
	}
	return rows * cols
}
