package vec

import (
	"fmt"
	"testing"
)

// The 2-D benchmarks time one call on the shapes of MNIST convolutions:
// an im2col row of a 3×3 convolution of a 26×26 image (24 rows of 24,
// taken from rows 26 apart), of a 12×12 one (10 rows of 10), and of the
// padded 5×5 convolution of a 28×28 image (28 rows of 28, the first two
// columns in the padding). Each runs on every implementation and on the
// loop of Go copies it replaces. SetBytes counts the bytes written.

// bench2DShape is one benchmark's arguments.
type bench2DShape struct {
	rows, cols, lo, hi   int
	dstStride, srcStride int
}

var bench2DShapes = []bench2DShape{
	{rows: 24, cols: 24, lo: 0, hi: 24, dstStride: 24, srcStride: 26},
	{rows: 10, cols: 10, lo: 0, hi: 10, dstStride: 10, srcStride: 12},
	{rows: 28, cols: 28, lo: 2, hi: 28, dstStride: 28, srcStride: 28},
}

func (s bench2DShape) String() string {
	if s.lo == 0 && s.hi == s.cols {
		return fmt.Sprintf("%dx%d", s.rows, s.cols)
	}
	return fmt.Sprintf("%dx%d_pad%d-%d", s.rows, s.cols, s.lo, s.cols-s.hi)
}

// bench2D runs bench for every shape on every implementation this
// processor can run, and loop, the Go code it replaces, as "goloop".
func bench2D(b *testing.B, padded bool, bench func(b *testing.B, k *kernels2D, s bench2DShape, dst, src []float32),
	loop func(s bench2DShape, dst, src []float32)) {
	for _, s := range bench2DShapes {
		if !padded && (s.lo != 0 || s.hi != s.cols) {
			continue
		}
		dst := make([]float32, span(s.rows, s.dstStride, s.cols))
		src := benchData(1, span(s.rows, s.srcStride, s.hi-s.lo))
		run := func(name string, f func(b *testing.B)) {
			b.Run(s.String()+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(4 * s.rows * s.cols))
				f(b)
			})
		}
		for _, impl := range implementations2D() {
			run(impl.k.name, func(b *testing.B) {
				if !impl.supported {
					b.Skipf("this processor cannot run the %s kernels", impl.k.name)
				}
				bench(b, impl.k, s, dst, src)
			})
		}
		run("goloop", func(b *testing.B) {
			for b.Loop() {
				loop(s, dst, src)
			}
		})
	}
}

func BenchmarkCopy2D(b *testing.B) {
	bench2D(b, false, func(b *testing.B, k *kernels2D, s bench2DShape, dst, src []float32) {
		for b.Loop() {
			k.copyPadded(dst, s.dstStride, src, s.srcStride, s.rows, s.cols, 0, s.cols)
		}
	}, func(s bench2DShape, dst, src []float32) {
		for r := range s.rows {
			copy(dst[r*s.dstStride:r*s.dstStride+s.cols], src[r*s.srcStride:])
		}
	})
}

func BenchmarkCopyPadded2D(b *testing.B) {
	bench2D(b, true, func(b *testing.B, k *kernels2D, s bench2DShape, dst, src []float32) {
		for b.Loop() {
			k.copyPadded(dst, s.dstStride, src, s.srcStride, s.rows, s.cols, s.lo, s.hi)
		}
	}, func(s bench2DShape, dst, src []float32) {
		for r := range s.rows {
			d := dst[r*s.dstStride : r*s.dstStride+s.cols]
			if s.lo > 0 {
				clear(d[:s.lo])
			}
			copy(d[s.lo:s.hi], src[r*s.srcStride:])
			if s.hi < s.cols {
				clear(d[s.hi:])
			}
		}
	})
}

// BenchmarkAdd2D adds the shapes the other way round, as col2im does: from
// the packed rows of col into the image's rows (dstStride and srcStride
// swapped).
func BenchmarkAdd2D(b *testing.B) {
	bench2D(b, false, func(b *testing.B, k *kernels2D, s bench2DShape, dst, src []float32) {
		for b.Loop() {
			k.add(src, s.srcStride, dst, s.dstStride, s.rows, s.cols)
		}
	}, func(s bench2DShape, dst, src []float32) {
		for r := range s.rows {
			d := src[r*s.srcStride : r*s.srcStride+s.cols]
			for k, v := range dst[r*s.dstStride : r*s.dstStride+s.cols] {
				d[k] += v
			}
		}
	})
}
