//go:build amd64 && !purego

package winograd

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The kernels in kernel_amd64.s. The exported functions have checked
// their arguments.

//go:noescape
func inputAVX512(dst *float32, dstStride int, src *float32, srcStride, h, padH, padW, ty0, ty1, tilesW int, masks *uint16)

//go:noescape
func outputAVX512(dst *float32, dstStride, h, w int, src *float32, srcStride int, bias float32)

//go:noescape
func outputGradAVX512(dst *float32, dstStride int, dy *float32, dyStride, h, w int)

//go:noescape
func inputLanes4AVX512(dst *float32, dstStride int, src *float32, w int, off *int32, valid *uint16, lanes int)

//go:noescape
func inputLanes2AVX512(dst *float32, dstStride int, src *float32, w int, off *int32, valid *uint16, lanes int)

//go:noescape
func outputLanes2AVX512(dst *float32, w int, src *float32, srcStride int, off *int32, valid *uint16, lanes int, bias float32)

//go:noescape
func outputGradLanes2AVX512(dst *float32, dstStride int, dy *float32, w int, off *int32, valid *uint16, lanes int)

//go:noescape
func outputLanes4AVX512(dst *float32, w int, src *float32, srcStride int, off *int32, valid *uint16, lanes int, bias float32)

//go:noescape
func outputRows4AVX512(dst *float32, w int, src *float32, srcStride int, runs *outRun, lanes int, bias float32)

//go:noescape
func outputGradLanes4AVX512(dst *float32, dstStride int, dy *float32, w int, off *int32, valid *uint16, lanes int)

// The lane kernels' shapes: an input or output-gradient transform reads
// each lane's tile from its offset in off, within the rows and columns of
// its valid word; an output transform writes each lane's block so.
type (
	laneInputKernel  func(dst *float32, dstStride int, src *float32, w int, off *int32, valid *uint16, lanes int)
	laneOutputKernel func(dst *float32, w int, src *float32, srcStride int, off *int32, valid *uint16, lanes int, bias float32)
)

// laneInput adapts an input transform kernel to laneKernels.input.
func laneInput(kern laneInputKernel) func([]float32, int, []float32, *LanePlan, int, int) {
	return func(dst []float32, dstStride int, src []float32, p *LanePlan, lane0, lanes int) {
		kern(unsafe.SliceData(dst), dstStride, unsafe.SliceData(src), p.W, &p.inOff[lane0], &p.inValid[lane0], lanes)
	}
}

// laneOutputGrad adapts an output-gradient transform kernel (the input
// kernels' shape, on the output plane) to laneKernels.outputGrad.
func laneOutputGrad(kern laneInputKernel) func([]float32, int, []float32, *LanePlan, int, int) {
	return func(dst []float32, dstStride int, dy []float32, p *LanePlan, lane0, lanes int) {
		kern(unsafe.SliceData(dst), dstStride, unsafe.SliceData(dy), p.OW, &p.outOff[lane0], &p.outValid[lane0], lanes)
	}
}

// laneOutput adapts an output transform kernel to laneKernels.output.
func laneOutput(kern laneOutputKernel) func([]float32, []float32, int, *LanePlan, int, int, float32) {
	return func(dst []float32, src []float32, srcStride int, p *LanePlan, lane0, lanes int, bias float32) {
		kern(unsafe.SliceData(dst), p.OW, unsafe.SliceData(src), srcStride, &p.outOff[lane0], &p.outValid[lane0], lanes, bias)
	}
}

var avx512Lanes = laneSet{
	f2: laneKernels{
		name:       "avx512",
		input:      laneInput(inputLanes2AVX512),
		output:     laneOutput(outputLanes2AVX512),
		outputGrad: laneOutputGrad(outputGradLanes2AVX512),
	},
	f4: laneKernels{
		name:  "avx512",
		input: laneInput(inputLanes4AVX512),
		output: func(dst []float32, src []float32, srcStride int, p *LanePlan, lane0, lanes int, bias float32) {
			if p.outRuns != nil && lane0%16 == 0 {
				// Groups that start where the plan's do: their runs are planned.
				outputRows4AVX512(unsafe.SliceData(dst), p.OW, unsafe.SliceData(src), srcStride,
					&p.outRuns[p.outGroups[lane0/16]], lanes, bias)
				return
			}
			outputLanes4(dst, src, srcStride, p, lane0, lanes, bias)
		},
		outputGrad: laneOutputGrad(outputGradLanes4AVX512),
	},
}

// outputLanes4 is F(4×4, 3×3)'s output transform lane by lane, for
// groups whose runs are not planned.
var outputLanes4 = laneOutput(outputLanes4AVX512)

var avx512Kernels = kernels{
	name: "avx512",
	input: func(dst []float32, dstStride int, src []float32, srcStride int, p *InputPlan, ty0, ty1 int) {
		inputAVX512(unsafe.SliceData(dst), dstStride, unsafe.SliceData(src), srcStride,
			p.H, p.PadH, p.PadW, ty0, ty1, p.TilesW, unsafe.SliceData(p.masks))
	},
	output: func(dst []float32, dstStride, h, w int, src []float32, srcStride int, bias float32) {
		outputAVX512(unsafe.SliceData(dst), dstStride, h, w, unsafe.SliceData(src), srcStride, bias)
	},
	outputGrad: func(dst []float32, dstStride int, dy []float32, dyStride, h, w int) {
		outputGradAVX512(unsafe.SliceData(dst), dstStride, unsafe.SliceData(dy), dyStride, h, w)
	},
}

// hasAVX512 reports whether this processor can run the kernels, which
// make their masks with BMI2's BZHI.
var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2

func init() {
	active2, active4, activeLanes = goKernels2, goKernels4, goLanes
	if hasAVX512 {
		active2, activeLanes = avx512Kernels, avx512Lanes
	}
}
