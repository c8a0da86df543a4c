package gemm

// A kernelFunc computes one tile of C from slivers of A and B. For a
// kernel of rows×cols:
//
//	acc[i][j] = sum over p < kc of a[p*aStride+i] * b[p*bStride+j]
//	c[i*ldc+j] = acc[i][j] (+ c[i*ldc+j] when accumulate)
//
// a is a kc-step sliver of A with steps aStride floats apart: a packed
// sliver (aStride = mr) or, when op(A) is a transposed matrix, whose k
// steps are already rows of consecutive values, A itself (aStride = lda).
// b is a kc-row sliver of B with rows bStride floats apart: a packed
// sliver (bStride = nr) or, when B needs no rearranging, B itself
// (bStride = ldb). The sum runs over p in increasing order from zero, and
// C's old value is added last, so an element's result depends neither on
// where its tile lies in C nor on which kernel computes it. That is what
// keeps products split between workers bit-for-bit deterministic.
type kernelFunc func(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

// A microKernel is the innermost loop of the product with everything that
// goes with it: its tile shape, the block sizes that suit it, and the
// packing primitives that feed it.
type microKernel struct {
	name   string     // what Kernel reports
	mr, nr int        // tile shape
	run    kernelFunc // computes a whole mr×nr tile
	// short lists kernels for tiles of fewer than mr rows, at the bottom
	// edge of C, shortest first. They read the same A slivers.
	short []shortKernel
	// narrow, if set, lists kernels for tiles of at most narrowCols
	// columns (half of nr), at the right edge of C, shortest first, the
	// last of mr rows: an edge tile that narrow is computed without
	// the padding columns of a whole one. They read the first
	// narrowCols columns of B slivers laid out for nr.
	narrow     []shortKernel
	narrowCols int

	kc int // largest k block: a B sliver kc×nr stays in L1
	mc int // largest row block: a packed A block mc×kc stays in L2
	nc int // largest column block: a packed B block kc×nc stays in L3

	// The packing primitives; see pack.go.
	packCopy      func(dst []float32, width int, src []float32, srcStride, rows, cols int, alpha float32)
	packTranspose func(dst []float32, dstStride, width int, src []float32, srcStride, rows, cols int, alpha float32)
}

// A shortKernel computes the first rows rows of an mr×nr tile.
type shortKernel struct {
	rows int
	run  kernelFunc
}

// kernel is the micro-kernel for this CPU, chosen once at start-up by
// kernel_amd64.go or kernel_other.go.
var kernel microKernel

// Kernel reports which micro-kernel this CPU uses: "avx512", "avx2" or
// "purego".
func Kernel() string { return kernel.name }

// forTile returns the kernel to use for a tile of rows rows (at most mr)
// and cols columns (at most nr), how many rows it computes and how many
// columns: the narrowest, then the shortest, that covers them.
func (kern *microKernel) forTile(rows, cols int) (run kernelFunc, height, width int) {
	if cols <= kern.narrowCols {
		for _, s := range kern.narrow {
			if s.rows >= rows {
				return s.run, s.rows, kern.narrowCols
			}
		}
	}
	if rows < kern.mr {
		for _, s := range kern.short {
			if s.rows >= rows {
				return s.run, s.rows, kern.nr
			}
		}
	}
	return kern.run, kern.mr, kern.nr
}

// runTile checks that the slices cover everything a kernel computing
// height rows and width columns will touch, then runs it. The assembly
// kernels trust their arguments; this is where a bug in the driver turns
// into a panic instead of a stray write.
func (kern *microKernel) runTile(run kernelFunc, height, width, kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool) {
	_ = a[(kc-1)*aStride+height-1]
	_ = b[(kc-1)*bStride+width-1]
	_ = c[(height-1)*ldc+width-1]
	run(kc, a, aStride, b, bStride, c, ldc, accumulate)
}

// goKernel is the portable micro-kernel: a 4×4 tile in sixteen scalar
// accumulators, which with the eight values they are updated from fit the
// 32 floating-point registers of arm64 and most other 64-bit targets (on
// arm64 the compiler fuses each multiply-add). On amd64, which has only 16,
// they spill, and a 2×4 tile is about twice as fast (10 against 5 GFLOP/s
// on Zen 5); amd64 uses the assembly kernels unless built with purego.
var goKernel = microKernel{
	name: "purego",
	mr:   4, nr: 4,
	run: kernelGo4x4,
	kc:  256, mc: 128, nc: 4096,
	packCopy:      packCopyGo,
	packTranspose: packTransposeGo,
}

func kernelGo4x4(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	for p := 0; p < kc; p++ {
		ap := a[p*aStride : p*aStride+4 : p*aStride+4]
		bp := b[p*bStride : p*bStride+4 : p*bStride+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	store4(c[0*ldc:0*ldc+4], c00, c01, c02, c03, accumulate)
	store4(c[1*ldc:1*ldc+4], c10, c11, c12, c13, accumulate)
	store4(c[2*ldc:2*ldc+4], c20, c21, c22, c23, accumulate)
	store4(c[3*ldc:3*ldc+4], c30, c31, c32, c33, accumulate)
}

func store4(c []float32, v0, v1, v2, v3 float32, accumulate bool) {
	c = c[:4]
	if accumulate {
		v0 += c[0]
		v1 += c[1]
		v2 += c[2]
		v3 += c[3]
	}
	c[0], c[1], c[2], c[3] = v0, v1, v2, v3
}

// referenceKernel is the plainest possible kernelFunc for a rows×cols
// tile. Tests compare the fast kernels with it on the same slivers.
func referenceKernel(rows, cols int) kernelFunc {
	return func(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool) {
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				var acc float32
				for p := 0; p < kc; p++ {
					acc += a[p*aStride+i] * b[p*bStride+j]
				}
				if accumulate {
					acc += c[i*ldc+j]
				}
				c[i*ldc+j] = acc
			}
		}
	}
}
