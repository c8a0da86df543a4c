package vec

import (
	"fmt"
	"math/bits"
)

// Gathers: im2col and col2im for small images as fixed lists of masked
// 16-lane loads, worked out once per layer, so that a whole channel runs
// in one call with no work in Go per row. They pay off where the rows are
// short (up to 16 pixels), and only with masked loads (AVX-512): see
// GathersFast.

// sumTapsChans is how many channels a sumTaps kernel call sums at once.
const sumTapsChans = 4

// A SumPlan is a fixed list of taps, checked once, whose sums Run writes:
// tap t reads the 16 elements at offsets[t] from a base, in the lanes set
// in masks[t]. A lane whose mask bit is clear reads nothing, so its index
// may lie outside src.
//
// It is col2im turned inside out, for stride 1: rather than adding each
// filter tap's window back onto the image (a read, an add and a write of
// the image per tap), it gathers every tap that lands on 16 pixels of an
// image row, for up to sumTapsChans channels at once, and writes the
// pixels once. See GathersFast.
type SumPlan struct {
	offsets   []int
	masks     []uint16
	low, high int // the lowest and highest index any lane reads, from base (high < low: none)
}

// NewSumPlan checks offsets and masks (one of each per tap) and returns
// their plan.
func NewSumPlan(offsets []int, masks []uint16) (*SumPlan, error) {
	if len(offsets) != len(masks) {
		return nil, fmt.Errorf("vec: sum plan with %d offsets and %d masks", len(offsets), len(masks))
	}
	p := &SumPlan{offsets: append([]int(nil), offsets...), masks: append([]uint16(nil), masks...)}
	reads := false
	for t, m := range masks {
		if m == 0 {
			continue
		}
		lo, hi := offsets[t]+bits.TrailingZeros16(m), offsets[t]+15-bits.LeadingZeros16(m)
		if !reads {
			p.low, p.high, reads = lo, hi, true
		}
		p.low, p.high = min(p.low, lo), max(p.high, hi)
	}
	if !reads {
		p.low, p.high = 1, 0 // nothing to check
	}
	return p, nil
}

// Run sets, for k < chans and l < n ≤ 16,
//
//	dst[k·dstStride + l] = Σ_t src[base + k·srcStride + offsets[t] + l]   over the taps t with bit l of masks[t] set
//
// each sum starting from +0 and taking the taps in order. It panics if a
// lane would read outside src or write outside dst.
func (p *SumPlan) Run(dst []float32, dstStride int, src []float32, srcStride, base, chans, n int) {
	if n < 0 || n > 16 || chans < 0 || dstStride < 0 || srcStride < 0 ||
		chans > 0 && n > 0 && (chans-1)*dstStride+n > len(dst) {
		panic(fmt.Sprintf("vec: SumPlan.Run: %d channels of %d lanes, dst %d stride %d", chans, n, len(dst), dstStride))
	}
	if chans == 0 || n == 0 {
		return
	}
	if p.high >= p.low && (base+p.low < 0 || base+(chans-1)*srcStride+p.high >= len(src)) {
		panic(fmt.Sprintf("vec: SumPlan.Run: the taps read src[%d] to src[%d], outside its %d elements",
			base+p.low, base+(chans-1)*srcStride+p.high, len(src)))
	}
	for k := 0; k < chans; k += sumTapsChans {
		active2D.sumTaps(dst[k*dstStride:], dstStride, src, srcStride, base+k*srcStride, p.offsets, p.masks, min(sumTapsChans, chans-k), n)
	}
}

// GathersFast reports whether SumPlan.Run and CopyPlan.Run run on masked
// vector loads on this machine (AVX-512). Without them they are plain
// loops, and col2im and im2col are faster with Add2D and CopyPadded2D;
// either way gives the same bits.
func GathersFast() bool { return active2D.gathers }

// A Move is one step of a CopyPlan: up to 16 consecutive elements, lane l
// going to dst[Dst+l] when bit l of Store is set, taken from src[Src+l]
// when bit l of Load is set too and zero otherwise. Lanes whose Store bit
// is clear touch nothing.
type Move struct {
	Src, Dst    int32
	Load, Store uint16
}

// A CopyPlan is a fixed list of Moves, checked once, that Run carries out
// in one call: a convolution's im2col, say, whose every window row is one
// move, is worked out when the layer is built and then runs with no
// per-row work in Go. Its zero value does nothing.
type CopyPlan struct {
	moves          []Move
	srcLen, dstLen int // the shortest src and dst every move fits in
}

// NewCopyPlan checks moves and returns their plan. Each move's Load bits
// must be among its Store bits; every lane it loads or stores must lie at
// an index of at least 0.
func NewCopyPlan(moves []Move) (*CopyPlan, error) {
	p := &CopyPlan{moves: append([]Move(nil), moves...)}
	for i, m := range moves {
		if m.Load&^m.Store != 0 {
			return nil, fmt.Errorf("vec: copy plan move %d loads lanes %016b that it does not store (%016b)", i, m.Load, m.Store)
		}
		if m.Store != 0 {
			if m.Dst < 0 {
				return nil, fmt.Errorf("vec: copy plan move %d stores at %d", i, m.Dst)
			}
			p.dstLen = max(p.dstLen, int(m.Dst)+16-bits.LeadingZeros16(m.Store))
		}
		if m.Load != 0 {
			if int(m.Src)+bits.TrailingZeros16(m.Load) < 0 {
				return nil, fmt.Errorf("vec: copy plan move %d loads from %d", i, int(m.Src)+bits.TrailingZeros16(m.Load))
			}
			p.srcLen = max(p.srcLen, int(m.Src)+16-bits.LeadingZeros16(m.Load))
		}
	}
	return p, nil
}

// Run carries out the plan times times, the k-th time with every source
// index moved on by k·srcStep and every destination index by k·dstStep.
// It panics if src or dst is too short for any of them.
func (p *CopyPlan) Run(dst []float32, dstStep int, src []float32, srcStep int, times int) {
	if times <= 0 || len(p.moves) == 0 {
		return
	}
	if dstStep < 0 || srcStep < 0 || (times-1)*dstStep+p.dstLen > len(dst) || (times-1)*srcStep+p.srcLen > len(src) {
		panic(fmt.Sprintf("vec: CopyPlan.Run %d times, steps dst %d src %d: needs dst %d and src %d, got %d and %d",
			times, dstStep, srcStep, (times-1)*dstStep+p.dstLen, (times-1)*srcStep+p.srcLen, len(dst), len(src)))
	}
	for k := range times {
		active2D.runPlan(dst[k*dstStep:], src[k*srcStep:], p.moves)
	}
}
