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

// GathersFast reports whether the plans' Run methods (SumPlan,
// CopyPlan, PickPlan, PickSumPlan) run on masked vector loads on this
// machine (AVX-512). Without them they are plain loops, and col2im and
// im2col are faster with Add2D and CopyPadded2D (and a strided
// convolution's phases); either way gives the same bits.
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

// A Pick is one step of a PickPlan: up to 16 elements picked out of the
// 32 from src[Src], by one of the plan's patterns of offsets, into
// consecutive elements of dst. Lane l goes to dst[Dst+l] when bit l of
// Store is set, taken from src[Src+offsets[l]] (offsets the plan's
// pattern number Pattern) when bit l of Take is set too, and zero
// otherwise; lanes whose Store bit is clear touch nothing.
type Pick struct {
	Src, Dst    int32
	Take, Store uint16
	Pattern     int
}

// A PickPlan is a fixed list of Picks, checked once, that Run carries
// out in one call, as a CopyPlan does its Moves. It is im2col for a
// strided convolution: a filter tap's window row takes every s-th pixel
// of an image row, and several such rows (a pattern of offsets) often
// lie within 32 pixels, so that a masked load of those 32 and one
// permute make a row of col for a tap, with no work in Go per row.
type PickPlan struct {
	patterns       [][16]int32
	picks          []pick
	srcLen, dstLen int // the shortest src and dst every pick fits in
}

// pick is a Pick as the kernels read it, 20 bytes: load has a bit (low
// half, high half) for each of the 32 elements from src the taken lanes
// read, and only those are loaded. The assembly reads the fields at
// their offsets: keep the order.
type pick struct {
	src, dst       int32
	loadLo, loadHi uint16
	take, store    uint16
	pattern        int32
}

// NewPickPlan checks patterns and picks and returns their plan. Each
// offset of a pattern must lie in [0, 32); each pick's Take bits must be
// among its Store bits and its Pattern one of patterns; every element it
// takes or stores must lie at an index of at least 0.
func NewPickPlan(patterns [][16]int, picks []Pick) (*PickPlan, error) {
	p := &PickPlan{patterns: make([][16]int32, len(patterns)), picks: make([]pick, len(picks))}
	for n, pat := range patterns {
		for l, off := range pat {
			if off < 0 || off >= 32 {
				return nil, fmt.Errorf("vec: pick plan pattern %d: lane %d offset %d outside [0, 32)", n, l, off)
			}
			p.patterns[n][l] = int32(off)
		}
	}
	for i, m := range picks {
		if m.Take&^m.Store != 0 {
			return nil, fmt.Errorf("vec: pick plan pick %d takes lanes %016b that it does not store (%016b)", i, m.Take, m.Store)
		}
		if m.Pattern < 0 || m.Pattern >= len(patterns) {
			return nil, fmt.Errorf("vec: pick plan pick %d: pattern %d of %d", i, m.Pattern, len(patterns))
		}
		k := pick{src: m.Src, dst: m.Dst, take: m.Take, store: m.Store, pattern: int32(m.Pattern)}
		if m.Store != 0 {
			if m.Dst < 0 {
				return nil, fmt.Errorf("vec: pick plan pick %d stores at %d", i, m.Dst)
			}
			p.dstLen = max(p.dstLen, int(m.Dst)+16-bits.LeadingZeros16(m.Store))
		}
		for l := range 16 {
			if m.Take>>l&1 == 0 {
				continue
			}
			off := int(p.patterns[m.Pattern][l])
			if int(m.Src)+off < 0 {
				return nil, fmt.Errorf("vec: pick plan pick %d takes from %d", i, int(m.Src)+off)
			}
			if off < 16 {
				k.loadLo |= 1 << off
			} else {
				k.loadHi |= 1 << (off - 16)
			}
			p.srcLen = max(p.srcLen, int(m.Src)+off+1)
		}
		p.picks[i] = k
	}
	return p, nil
}

// Run carries out the plan times times, the k-th time with every source
// index moved on by k·srcStep and every destination index by k·dstStep.
// It panics if src or dst is too short for any of them.
func (p *PickPlan) Run(dst []float32, dstStep int, src []float32, srcStep int, times int) {
	if times <= 0 || len(p.picks) == 0 {
		return
	}
	if dstStep < 0 || srcStep < 0 || (times-1)*dstStep+p.dstLen > len(dst) || (times-1)*srcStep+p.srcLen > len(src) {
		panic(fmt.Sprintf("vec: PickPlan.Run %d times, steps dst %d src %d: needs dst %d and src %d, got %d and %d",
			times, dstStep, srcStep, (times-1)*dstStep+p.dstLen, (times-1)*srcStep+p.srcLen, len(dst), len(src)))
	}
	for k := range times {
		active2D.runPicks(dst[k*dstStep:], src[k*srcStep:], p)
	}
}

// A PickSum is one step of a PickSumPlan: up to 16 consecutive elements
// dst[Dst+l], for the lanes l set in Store, each the sum, from +0, of
// what its terms take into lane l, in the order of Terms. A term takes
// as a Pick does: lane l gets src[Src+offsets[l]] (offsets the plan's
// pattern number Pattern) when bit l of Take is set.
type PickSum struct {
	Dst   int32
	Store uint16
	Terms []PickTerm
}

// A PickTerm is one term of a PickSum.
type PickTerm struct {
	Src     int32
	Take    uint16
	Pattern int
}

// A PickSumPlan is a fixed list of PickSums, checked once, that Run
// carries out in one call. It is col2im for a strided convolution, the
// adjoint of its PickPlan: each pixel of an image row is the sum of the
// window taps that read it, which for a stride s lie every s-th pixel
// apart, so that each tap's values for 16 pixels of a row come from a
// few consecutive ones of its row of col, sorted into place by a
// pattern.
type PickSumPlan struct {
	patterns       [][16]int32
	sums           []pickSum
	terms          []pick // the sums' terms in turn; their dst and store unused
	srcLen, dstLen int
}

// pickSum is a PickSum as the kernels read it, 8 bytes; its terms are
// the next n of the plan's.
type pickSum struct {
	dst   int32
	store uint16
	n     uint16
}

// NewPickSumPlan checks patterns and sums and returns their plan, as
// NewPickPlan does; a sum has at most 65,535 terms.
func NewPickSumPlan(patterns [][16]int, sums []PickSum) (*PickSumPlan, error) {
	var terms []Pick
	for i, m := range sums {
		if len(m.Terms) > 1<<16-1 {
			return nil, fmt.Errorf("vec: pick sum plan sum %d has %d terms", i, len(m.Terms))
		}
		if m.Store != 0 && m.Dst < 0 {
			return nil, fmt.Errorf("vec: pick sum plan sum %d stores at %d", i, m.Dst)
		}
		for _, t := range m.Terms {
			terms = append(terms, Pick{Src: t.Src, Take: t.Take, Store: t.Take, Pattern: t.Pattern})
		}
	}
	checked, err := NewPickPlan(patterns, terms)
	if err != nil {
		return nil, fmt.Errorf("vec: pick sum plan: %w", err)
	}
	p := &PickSumPlan{patterns: checked.patterns, terms: checked.picks, srcLen: checked.srcLen}
	for _, m := range sums {
		p.sums = append(p.sums, pickSum{dst: m.Dst, store: m.Store, n: uint16(len(m.Terms))})
		if m.Store != 0 {
			p.dstLen = max(p.dstLen, int(m.Dst)+16-bits.LeadingZeros16(m.Store))
		}
	}
	return p, nil
}

// Run carries out the plan times times, the k-th time with every source
// index moved on by k·srcStep and every destination index by k·dstStep.
// It panics if src or dst is too short for any of them.
func (p *PickSumPlan) Run(dst []float32, dstStep int, src []float32, srcStep int, times int) {
	if times <= 0 || len(p.sums) == 0 {
		return
	}
	if dstStep < 0 || srcStep < 0 || (times-1)*dstStep+p.dstLen > len(dst) || (times-1)*srcStep+p.srcLen > len(src) {
		panic(fmt.Sprintf("vec: PickSumPlan.Run %d times, steps dst %d src %d: needs dst %d and src %d, got %d and %d",
			times, dstStep, srcStep, (times-1)*dstStep+p.dstLen, (times-1)*srcStep+p.srcLen, len(dst), len(src)))
	}
	for k := range times {
		active2D.runPickSums(dst[k*dstStep:], src[k*srcStep:], p)
	}
}
