//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// The assembly in kernel_amd64.s is written by asmgen (go run
// asmgen/main.go), which also explains the choice of tile shapes. The
// kernels compute a kernelFunc; the packing functions are the AVX-512
// versions of packCopyGo and packTransposeGo.

//go:noescape
func kernelAVX512(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512Rows2(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512Rows4(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512Rows6(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512Rows8(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512Rows10(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512Rows12(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512Narrow(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512NarrowRows2(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512NarrowRows4(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512NarrowRows6(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512NarrowRows8(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512NarrowRows10(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX512NarrowRows12(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func kernelAVX2(kc int, a []float32, aStride int, b []float32, bStride int, c []float32, ldc int, accumulate bool)

//go:noescape
func packCopyAVX512(dst []float32, width int, src []float32, srcStride, rows, cols int, alpha float32)

//go:noescape
func packTransposeAVX512(dst []float32, dstStride, width int, src []float32, srcStride, rows, cols int, alpha float32)

// peakFMAAVX512 and peakFMAAVX2 run a loop of independent FMAs and nothing
// else, iterations times; BenchmarkPeakFMA uses them to measure the most
// one core can do.
func peakFMAAVX512(iterations int)
func peakFMAAVX2(iterations int)

// avx512Kernel computes 14×32 tiles. Block sizes, measured on Zen 5 (48KB
// L1, 1MB L2 per core) for square products of 256 to 1024: anything with
// kc in 192..384 and mc in 56..448 was within a few percent of the best;
// kc = 256 keeps a 32KB B sliver in L1, and mc = 168 keeps the A block
// (168KB) in L2 with room to spare for the B block streaming through it.
var avx512Kernel = microKernel{
	name: "avx512",
	mr:   14, nr: 32,
	run: kernelAVX512,
	short: []shortKernel{
		{2, kernelAVX512Rows2}, {4, kernelAVX512Rows4}, {6, kernelAVX512Rows6},
		{8, kernelAVX512Rows8}, {10, kernelAVX512Rows10}, {12, kernelAVX512Rows12},
	},
	narrowCols: 16,
	narrow: []shortKernel{
		{2, kernelAVX512NarrowRows2}, {4, kernelAVX512NarrowRows4}, {6, kernelAVX512NarrowRows6},
		{8, kernelAVX512NarrowRows8}, {10, kernelAVX512NarrowRows10}, {12, kernelAVX512NarrowRows12},
		{14, kernelAVX512Narrow},
	},
	kc: 256, mc: 168, nc: 4096,
	packCopy:      packCopyAVX512,
	packTranspose: packTransposeAVX512,
}

// avx2Kernel computes 6×16 tiles. Without AVX-512 there are no masked
// loads and stores to handle ragged edges, so it packs with the Go code.
var avx2Kernel = microKernel{
	name: "avx2",
	mr:   6, nr: 16,
	run: kernelAVX2,
	kc:  256, mc: 144, nc: 4096,
	packCopy:      packCopyGo,
	packTranspose: packTransposeGo,
}

// hasAVX512 and hasAVX2 report whether this CPU can run the kernels: the
// AVX-512 packing code also needs BMI2 (BZHI, for its masks).
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

func init() {
	switch {
	case hasAVX512:
		kernel = avx512Kernel
	case hasAVX2:
		kernel = avx2Kernel
	default:
		kernel = goKernel
	}
}
