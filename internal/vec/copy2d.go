package vec

import (
	"fmt"
	"math/bits"
)

// Strided 2-D copies.
//
// A convolution's im2col copies, for each filter tap, a rectangle of the
// input image into a row of its matrix: OH runs of OW values, one per
// output row, each taken from a different input row. With the small images
// of MNIST (OW of 10 to 28) one Go copy per run, a call to the runtime's
// memmove each, costs far more than moving the few dozen bytes, and there
// are thousands per image. The functions here move a whole rectangle in
// one call: a "2-D" operand is rows runs of cols elements, the runs
// stride elements apart in its slice,
//
//	row r of (s, stride) = s[r·stride : r·stride+cols]
//
// so a run of an image [H, W] from row y, column x is (img[y·W+x:], W) and
// a block of a matrix with ld columns is (m[i·ld+j:], ld).
//
// The kernels (AVX-512, AVX2 or the portable Go, chosen at start-up as for
// the elementwise functions) give the same bits: Copy2D and CopyPadded2D
// move bits unchanged, NaN payloads included, and Add2D rounds each sum as
// Go's float32 addition does, with the usual exception of the payload of a
// NaN made from two NaNs.
//
// Every function checks its arguments before any kernel runs, and panics
// on a programming error: a negative size or stride, a slice too short for
// the rows it is given, or the rows of dst overlapping one another (a
// dstStride less than cols, with more than one row). Rows of src may
// overlap (a srcStride of 0 repeats one row). dst must not overlap src:
// that is not checked, and the result is then unspecified.

// kernels2D is one implementation of the 2-D functions, as kernels is of
// the elementwise ones. The arguments have been checked, and rows, cols > 0.
type kernels2D struct {
	name string
	// copyPadded is CopyPadded2D; Copy2D is the case lo = 0, hi = cols.
	copyPadded func(dst []float32, dstStride int, src []float32, srcStride int, rows, cols, lo, hi int)
	add        func(dst []float32, dstStride int, src []float32, srcStride int, rows, cols int)
	// sumTaps is SumPlan.Run for at most sumTapsChans channels at once.
	sumTaps func(dst []float32, dstStride int, src []float32, srcStride, base int, offsets []int, masks []uint16, chans, n int)
	// runPlan does a CopyPlan's moves once; src and dst are long enough.
	runPlan func(dst, src []float32, moves []Move)
	// runPicks does a PickPlan's picks once; src and dst are long enough.
	runPicks func(dst, src []float32, p *PickPlan)
	// runPickSums does a PickSumPlan's sums once; src and dst are long
	// enough.
	runPickSums func(dst, src []float32, p *PickSumPlan)
	// gathers says whether sumTaps and runPlan run on masked vector loads; without
	// them it is a plain loop, slower than col2im by Add2D.
	gathers bool
	// deinterleave and interleave are Deinterleave and Interleave.
	deinterleave func(even, odd, src []float32)
	interleave   func(dst, even, odd []float32)
}

// active2D is the implementation this machine uses, set once by the init
// function of copy2d_amd64.go or copy2d_other.go and never changed after.
var active2D kernels2D

// Copy2D copies rows runs of cols elements from src to dst:
//
//	dst[r·dstStride : r·dstStride+cols] = src[r·srcStride : r·srcStride+cols]   for r < rows
//
// leaving the elements between dst's runs alone. Nothing is read or
// written when rows or cols is 0.
func Copy2D(dst []float32, dstStride int, src []float32, srcStride int, rows, cols int) {
	if !fits2D(len(dst), dstStride, rows, cols) || !fits2D(len(src), srcStride, rows, cols) || rows > 1 && dstStride < cols {
		badArgs2D("Copy2D", len(dst), dstStride, len(src), srcStride, rows, cols, 0, cols)
	}
	if rows == 0 || cols == 0 {
		return
	}
	active2D.copyPadded(dst, dstStride, src, srcStride, rows, cols, 0, cols)
}

// CopyPadded2D copies rows runs of hi−lo elements from src into the middle
// of rows runs of cols elements of dst, and sets the lo elements before
// each and the cols−hi after it to zero:
//
//	d := dst[r·dstStride : r·dstStride+cols]   for r < rows
//	d[:lo] = 0
//	d[lo:hi] = src[r·srcStride : r·srcStride+hi−lo]
//	d[hi:] = 0
//
// It needs 0 ≤ lo ≤ hi ≤ cols. This is im2col's copy for one filter tap:
// where the window hangs over the left or right edge of the image, the
// same columns of every output row fall in the padding. With lo = hi it
// only clears, and src may be empty.
func CopyPadded2D(dst []float32, dstStride int, src []float32, srcStride int, rows, cols, lo, hi int) {
	if lo < 0 || hi < lo || cols < hi || !fits2D(len(dst), dstStride, rows, cols) ||
		!fits2D(len(src), srcStride, rows, hi-lo) || rows > 1 && dstStride < cols {
		badArgs2D("CopyPadded2D", len(dst), dstStride, len(src), srcStride, rows, cols, lo, hi)
	}
	if rows == 0 || cols == 0 {
		return
	}
	active2D.copyPadded(dst, dstStride, src, srcStride, rows, cols, lo, hi)
}

// Add2D adds rows runs of cols elements of src onto dst:
//
//	dst[r·dstStride+k] += src[r·srcStride+k]   for r < rows, k < cols
//
// This is col2im's step for one filter tap, the adjoint of Copy2D.
func Add2D(dst []float32, dstStride int, src []float32, srcStride int, rows, cols int) {
	if !fits2D(len(dst), dstStride, rows, cols) || !fits2D(len(src), srcStride, rows, cols) || rows > 1 && dstStride < cols {
		badArgs2D("Add2D", len(dst), dstStride, len(src), srcStride, rows, cols, 0, cols)
	}
	if rows == 0 || cols == 0 {
		return
	}
	active2D.add(dst, dstStride, src, srcStride, rows, cols)
}

// fits2D reports whether a slice of length n holds rows runs of cols
// elements, stride apart, (rows−1)·stride + cols ≤ n, worked out without
// overflowing, and whether none of the three is negative. It is small
// enough to be inlined: the checks cost a few instructions a call.
func fits2D(n, stride, rows, cols int) bool {
	if rows <= 0 || cols <= 0 || stride < 0 {
		return rows >= 0 && cols >= 0 && stride >= 0
	}
	hi, lo := bits.Mul64(uint64(rows-1), uint64(stride))
	return hi == 0 && cols <= n && lo <= uint64(n-cols)
}

// badArgs2D panics with a message that says what is wrong with the
// arguments of fn, which the checks of fn found wrong. It is kept out of
// line, so that the checks stay small.
//
//go:noinline
func badArgs2D(fn string, lenDst, dstStride, lenSrc, srcStride, rows, cols, lo, hi int) {
	switch {
	case rows < 0 || cols < 0:
		panic(fmt.Sprintf("vec.%s: %d rows of %d elements: negative size", fn, rows, cols))
	case lo < 0 || hi < lo || cols < hi:
		panic(fmt.Sprintf("vec.%s: lo = %d, hi = %d, cols = %d, want 0 ≤ lo ≤ hi ≤ cols", fn, lo, hi, cols))
	case dstStride < 0:
		panic(fmt.Sprintf("vec.%s: dstStride = %d is negative", fn, dstStride))
	case srcStride < 0:
		panic(fmt.Sprintf("vec.%s: srcStride = %d is negative", fn, srcStride))
	case !fits2D(lenDst, dstStride, rows, cols):
		panic(fmt.Sprintf("vec.%s: len(dst) = %d is too short for %d rows of %d elements, %d apart",
			fn, lenDst, rows, cols, dstStride))
	case !fits2D(lenSrc, srcStride, rows, hi-lo):
		panic(fmt.Sprintf("vec.%s: len(src) = %d is too short for %d rows of %d elements, %d apart",
			fn, lenSrc, rows, hi-lo, srcStride))
	}
	panic(fmt.Sprintf("vec.%s: dstStride = %d is less than cols = %d: the rows of dst overlap", fn, dstStride, cols))
}

// Deinterleave splits src by index parity: even[i] = src[2i] and odd[i] =
// src[2i+1]. even must hold (len(src)+1)/2 elements and odd len(src)/2.
// A convolution with stride 2 splits each image row so, to read its
// windows as stride-1 runs (see nn's phaseGeom).
func Deinterleave(even, odd, src []float32) {
	if len(even) != (len(src)+1)/2 || len(odd) != len(src)/2 {
		panic(fmt.Sprintf("vec.Deinterleave: %d elements into %d even and %d odd", len(src), len(even), len(odd)))
	}
	active2D.deinterleave(even, odd, src)
}

// Interleave is Deinterleave's inverse: dst[2i] = even[i] and dst[2i+1] =
// odd[i].
func Interleave(dst, even, odd []float32) {
	if len(even) != (len(dst)+1)/2 || len(odd) != len(dst)/2 {
		panic(fmt.Sprintf("vec.Interleave: %d even and %d odd elements into %d", len(even), len(odd), len(dst)))
	}
	active2D.interleave(dst, even, odd)
}

func deinterleaveGo(even, odd, src []float32) {
	for i := range odd {
		even[i], odd[i] = src[2*i], src[2*i+1]
	}
	if len(even) > len(odd) {
		even[len(odd)] = src[len(src)-1]
	}
}

func interleaveGo(dst, even, odd []float32) {
	for i := range odd {
		dst[2*i], dst[2*i+1] = even[i], odd[i]
	}
	if len(even) > len(odd) {
		dst[len(dst)-1] = even[len(odd)]
	}
}
