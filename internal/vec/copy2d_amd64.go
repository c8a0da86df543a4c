//go:build amd64 && !purego

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The 2-D kernels in copy2d_amd64.s.
//
// CopyPadded2D (and Copy2D, its case lo = 0, hi = cols) is done a slab of
// columns at a time: each row of a slab is cut into vector-wide chunks,
// and every chunk is one load from src and one store to dst, each through
// a mask. The load's mask keeps the lanes in [lo, hi), so the lanes in the
// padding come out zero, and the store's keeps the lanes inside the row.
// The masks are the same for every row, so the Go code below works them
// out once per slab and the assembly only looks them up: a row of 26
// columns, with or without padding, is two loads and two stores.
//
// The load of a chunk reads src at the chunk's column minus lo, which for
// the first chunks lies before the start of src; the lanes there are
// masked off, and a masked-off lane reads no memory and never faults.

//go:noescape
func copyPadded2DAVX512Slab(dst *float32, dstStride int, src *float32, srcShift, srcStride, rows int,
	load, store *[slabAVX512 / 16]uint16, chunks int)

//go:noescape
func copyPadded2DAVX512Narrow(dst *float32, dstStride int, src *float32, srcShift, srcStride, rows int, load, store uint32)

//go:noescape
func copyPadded2DAVX2Slab(dst *float32, dstStride int, src *float32, srcShift, srcStride, rows int,
	table *[9][9][8]int32, chunks *[maxChunksAVX2]avx2Chunk, n, narrow int)

//go:noescape
func add2DAVX512(dst *float32, dstStride int, src *float32, srcStride, rows, cols int)

//go:noescape
func add2DAVX2(dst *float32, dstStride int, src *float32, srcStride, rows, cols int)

//go:noescape
func runPlanAVX512(dst, src *float32, moves *Move, n int)

// runPlanAVX512Go hands a CopyPlan to the assembly.
func runPlanAVX512Go(dst, src []float32, moves []Move) {
	if len(src) == 0 || len(dst) == 0 { // moves that only write zeros, or nothing
		runPlanGo(dst, src, moves)
		return
	}
	runPlanAVX512(&dst[0], &src[0], &moves[0], len(moves))
}

//go:noescape
func runPicksAVX512(dst, src *float32, picks *pick, n int, patterns *[16]int32)

// runPicksAVX512Go hands a PickPlan to the assembly.
func runPicksAVX512Go(dst, src []float32, p *PickPlan) {
	if len(src) == 0 || len(dst) == 0 { // picks that only write zeros, or nothing
		runPicksGo(dst, src, p)
		return
	}
	runPicksAVX512(&dst[0], &src[0], &p.picks[0], len(p.picks), &p.patterns[0])
}

//go:noescape
func runPickSumsAVX512(dst, src *float32, sums *pickSum, n int, terms *pick, patterns *[16]int32)

// runPickSumsAVX512Go hands a PickSumPlan to the assembly.
func runPickSumsAVX512Go(dst, src []float32, p *PickSumPlan) {
	if len(src) == 0 || len(dst) == 0 || len(p.terms) == 0 { // sums that only write zeros, or nothing
		runPickSumsGo(dst, src, p)
		return
	}
	runPickSumsAVX512(&dst[0], &src[0], &p.sums[0], len(p.sums), &p.terms[0], &p.patterns[0])
}

//go:noescape
func sumTapsAVX512(dst *float32, dstStride int, src *float32, srcStride, base int, offsets *int, masks *uint16, taps, chans int, store uint16)

//go:noescape
func deinterleaveAVX512(even, odd, src *float32, n int)

//go:noescape
func interleaveAVX512(dst, even, odd *float32, n int)

var avx512Kernels2D = kernels2D{
	name:        "avx512",
	copyPadded:  copyPadded2DAVX512,
	add:         addRowsAVX512,
	sumTaps:     sumTapsAVX512Go,
	runPlan:     runPlanAVX512Go,
	runPicks:    runPicksAVX512Go,
	runPickSums: runPickSumsAVX512Go,
	gathers:     true,

	deinterleave: func(even, odd, src []float32) {
		if len(src) > 0 {
			deinterleaveAVX512(&even[0], unsafe.SliceData(odd), &src[0], len(src))
		}
	},
	interleave: func(dst, even, odd []float32) {
		if len(dst) > 0 {
			interleaveAVX512(&dst[0], &even[0], unsafe.SliceData(odd), len(dst))
		}
	},
}

var avx2Kernels2D = kernels2D{
	name:        "avx2",
	copyPadded:  copyPadded2DAVX2,
	add:         addRowsAVX2,
	sumTaps:     sumTapsGo,
	runPlan:     runPlanGo,
	runPicks:    runPicksGo,
	runPickSums: runPickSumsGo,

	deinterleave: deinterleaveGo,
	interleave:   interleaveGo,
}

// sumTapsAVX512Go hands SumPlan.Run to the assembly, which sums at most 4
// channels and stores the lanes below n.
func sumTapsAVX512Go(dst []float32, dstStride int, src []float32, srcStride, base int, offsets []int, masks []uint16, chans, n int) {
	if len(offsets) == 0 || len(src) == 0 {
		for k := range chans {
			clear(dst[k*dstStride : k*dstStride+n])
		}
		return
	}
	sumTapsAVX512(&dst[0], dstStride, &src[0], srcStride, base, &offsets[0], &masks[0], len(offsets), chans, uint16(1<<n-1))
}

// slabAVX512 is the widest slab the AVX-512 kernel takes: 16 vectors.
const slabAVX512 = 256

// copyPadded2DAVX512 cuts the rows into slabs of up to 256 columns and
// each slab into chunks of 16 (the last one masked to the row's end).
// Rows of up to 32 columns, the usual case, are one slab of one or two
// chunks, whose masks fit in a word each.
func copyPadded2DAVX512(dst []float32, dstStride int, src []float32, srcStride int, rows, cols, lo, hi int) {
	srcData := unsafe.SliceData(src) // nil or anything when lo = hi: then nothing is read
	if cols <= 32 {
		load, store := uint32(1<<hi-1<<lo), uint32(1<<cols-1)
		copyPadded2DAVX512Narrow(&dst[0], dstStride, srcData, -lo, srcStride, rows, load, store)
		return
	}
	for c0 := 0; c0 < cols; c0 += slabAVX512 {
		w := min(slabAVX512, cols-c0)
		// The run of src in slab columns, and the chunks' masks.
		slo, shi := min(max(lo-c0, 0), w), min(max(hi-c0, 0), w)
		var load, store [slabAVX512 / 16]uint16
		chunks := (w + 15) / 16
		for k := range chunks {
			load[k] = laneBits(slo-16*k, shi-16*k)
			store[k] = laneBits(0, w-16*k)
		}
		// Slab column x of row r is src[r·srcStride + c0 + x − lo].
		copyPadded2DAVX512Slab(&dst[c0], dstStride, srcData, c0-lo, srcStride, rows, &load, &store, chunks)
	}
}

// laneBits returns the mask of the lanes in [a, b) of a 16-lane vector.
func laneBits(a, b int) uint16 {
	a, b = max(a, 0), min(b, 16)
	if b <= a {
		return 0
	}
	return uint16(1<<b - 1<<a)
}

// The AVX2 kernel has no mask registers, and a masked store (VMASKMOVPS)
// is slow on some processors, so it masks only the loads: a chunk whose
// lanes in the padding load as zeros is the row's whole 8 columns, and is
// stored unmasked. A row's last chunk is moved back to end at the row's
// end, overlapping the one before; both write the same values there. A
// row narrower than a vector is stored in pieces of 4, 2 and 1.
const (
	slabAVX2      = 128                   // columns per slab, but see copyPadded2DAVX2
	maxSlabAVX2   = slabAVX2 + 7          // the widest slab
	maxChunksAVX2 = (maxSlabAVX2 + 7) / 8 // 8-lane chunks in the widest slab
)

// An avx2Chunk is where a chunk lies in the slab's rows and which lanes it
// loads, both as byte offsets: of its first column, and of its mask in
// laneMaskTable.
type avx2Chunk struct{ off, mask int }

// laneMaskTable[a][b] is the VMASKMOVPS mask of lanes [a, b) of an 8-lane
// vector: all ones in those lanes, zeros elsewhere (and everywhere when
// b ≤ a). It is filled once and only read after.
var laneMaskTable = func() (t [9][9][8]int32) {
	for a := range t {
		for b := range t[a] {
			for l := a; l < b; l++ {
				t[a][b][l] = -1
			}
		}
	}
	return t
}()

func copyPadded2DAVX2(dst []float32, dstStride int, src []float32, srcStride int, rows, cols, lo, hi int) {
	srcData := unsafe.SliceData(src)
	for c0 := 0; c0 < cols; {
		// A slab of 128 columns, or all the rest if that would leave
		// fewer than 8 for the next: no slab of 8 or more columns is
		// followed by one narrower than a vector.
		w := cols - c0
		if w >= slabAVX2+8 {
			w = slabAVX2
		}
		slo, shi := min(max(lo-c0, 0), w), min(max(hi-c0, 0), w)
		var chunks [maxChunksAVX2]avx2Chunk
		n := (w + 7) / 8
		narrow := 0 // the row's width when it is narrower than a vector
		if w < 8 {
			narrow = w
		}
		for k := range n {
			at := 8 * k // the chunk's first column in the slab
			if w >= 8 {
				at = min(at, w-8)
			}
			a, b := min(max(slo-at, 0), 8), min(max(shi-at, 0), 8)
			chunks[k] = avx2Chunk{off: 4 * at, mask: 32 * (9*a + max(a, b))}
		}
		copyPadded2DAVX2Slab(&dst[c0], dstStride, srcData, c0-lo, srcStride, rows, &laneMaskTable, &chunks, n, narrow)
		c0 += w
	}
}

// Add2D has no padding, and needs no load masks: each row is added a
// vector at a time, and its last cols mod 16 (or 8) elements as the row's
// last vector, overlapping the one before. That vector's sum is made from
// dst as it was, before any store to the row, and stored after them all,
// so the elements it shares with the vector before get the same sum twice,
// not src added twice. Rows narrower than a vector go in pieces of 4, 2
// and 1. Masked stores, which would spare the overlap, are much slower
// here: a masked store's footprint is the whole vector, which reaches into
// the next row when the rows are close together (an image's rows, in
// col2im), and a processor cannot forward such a store to the next row's
// load, which then waits for the store to reach the cache.

func addRowsAVX512(dst []float32, dstStride int, src []float32, srcStride int, rows, cols int) {
	if cols < 16 {
		add2DAVX2(&dst[0], dstStride, &src[0], srcStride, rows, cols)
		return
	}
	add2DAVX512(&dst[0], dstStride, &src[0], srcStride, rows, cols)
}

func addRowsAVX2(dst []float32, dstStride int, src []float32, srcStride int, rows, cols int) {
	add2DAVX2(&dst[0], dstStride, &src[0], srcStride, rows, cols)
}

// hasAVX512Kernels2D and hasAVX2Kernels2D report whether this processor
// can run the 2-D kernels: the AVX-512 ones use only AVX512F (mask
// registers loaded from memory, and masked loads and stores).
var (
	hasAVX512Kernels2D = cpu.X86.HasAVX512F
	hasAVX2Kernels2D   = cpu.X86.HasAVX2
)

func init() {
	switch {
	case hasAVX512Kernels2D:
		active2D = avx512Kernels2D
	case hasAVX2Kernels2D:
		active2D = avx2Kernels2D
	default:
		active2D = goKernels2D
	}
}
