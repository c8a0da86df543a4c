package vec

// The portable 2-D kernels: what other architectures and the purego build
// tag run, and the definition the assembly is tested against.

var goKernels2D = kernels2D{
	name:       "purego",
	copyPadded: copyPadded2DGo,
	add:        add2DGo,
}

func copyPadded2DGo(dst []float32, dstStride int, src []float32, srcStride int, rows, cols, lo, hi int) {
	for r := range rows {
		d := dst[r*dstStride : r*dstStride+cols]
		clear(d[:lo])
		if hi > lo {
			copy(d[lo:hi], src[r*srcStride:r*srcStride+hi-lo])
		}
		clear(d[hi:])
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
