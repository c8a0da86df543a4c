package vec

// The portable 2-D kernels: what other architectures and the purego build
// tag run, and the definition the assembly is tested against.

var goKernels2D = kernels2D{
	name:        "purego",
	copyPadded:  copyPadded2DGo,
	add:         add2DGo,
	sumTaps:     sumTapsGo,
	runPlan:     runPlanGo,
	runPicks:    runPicksGo,
	runPickSums: runPickSumsGo,

	deinterleave: deinterleaveGo,
	interleave:   interleaveGo,
}

func copyPadded2DGo(dst []float32, dstStride int, src []float32, srcStride int, rows, cols, lo, hi int) {
	if lo == 0 && hi == cols { // Copy2D
		for r := range rows {
			copy(dst[r*dstStride:r*dstStride+cols], src[r*srcStride:])
		}
		return
	}
	for r := range rows {
		d := dst[r*dstStride : r*dstStride+cols]
		// Each call only when it has something to do: for rows this
		// short, a call costs more than its work.
		if lo > 0 {
			clear(d[:lo])
		}
		if hi > lo {
			copy(d[lo:hi], src[r*srcStride:r*srcStride+hi-lo])
		}
		if hi < cols {
			clear(d[hi:])
		}
	}
}

func add2DGo(dst []float32, dstStride int, src []float32, srcStride int, rows, cols int) {
	for r := range rows {
		d := dst[r*dstStride : r*dstStride+cols]
		for k, v := range src[r*srcStride : r*srcStride+cols] {
			d[k] += v
		}
	}
}

func sumTapsGo(dst []float32, dstStride int, src []float32, srcStride, base int, offsets []int, masks []uint16, chans, n int) {
	for k := range chans {
		for l := range n {
			var sum float32
			for t, m := range masks {
				if m>>l&1 != 0 {
					sum += src[base+k*srcStride+offsets[t]+l]
				}
			}
			dst[k*dstStride+l] = sum
		}
	}
}

func runPlanGo(dst, src []float32, moves []Move) {
	for _, m := range moves {
		for l := range 16 {
			switch {
			case m.Load>>l&1 != 0:
				dst[int(m.Dst)+l] = src[int(m.Src)+l]
			case m.Store>>l&1 != 0:
				dst[int(m.Dst)+l] = 0
			}
		}
	}
}

func runPicksGo(dst, src []float32, p *PickPlan) {
	for _, m := range p.picks {
		offsets := &p.patterns[m.pattern]
		for l := range 16 {
			switch {
			case m.take>>l&1 != 0:
				dst[int(m.dst)+l] = src[int(m.src)+int(offsets[l])]
			case m.store>>l&1 != 0:
				dst[int(m.dst)+l] = 0
			}
		}
	}
}

func runPickSumsGo(dst, src []float32, p *PickSumPlan) {
	terms := p.terms
	for _, m := range p.sums {
		var sum [16]float32
		for _, t := range terms[:m.n] {
			offsets := &p.patterns[t.pattern]
			for l := range 16 {
				if t.take>>l&1 != 0 {
					sum[l] += src[int(t.src)+int(offsets[l])]
				}
			}
		}
		terms = terms[m.n:]
		for l := range 16 {
			if m.store>>l&1 != 0 {
				dst[int(m.dst)+l] = sum[l]
			}
		}
	}
}
