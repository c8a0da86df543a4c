//go:build amd64 && !purego

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The kernels in vec_amd64.s. The callers have checked the lengths: every
// slice is as long as the last one the kernel names (x, y, src).

//go:noescape
func reluAVX512(dst, x []float32)

//go:noescape
func reluBackwardAVX512(dx, dy, y []float32)

//go:noescape
func fillAVX512(dst []float32, v float32)

//go:noescape
func addAVX512(dst, x []float32)

//go:noescape
func addToAVX512(dst, x, y []float32, relu bool)

//go:noescape
func addScaledAVX512(dst, x []float32, a float32)

//go:noescape
func mulAVX512(dst, x, y []float32)

//go:noescape
func sumAVX512(x []float32) float32

//go:noescape
func maxPool2x2AVX512(dst []float32, arg []int32, src []float32, h, w int)

//go:noescape
func scaleAVX512(dst []float32, a float32)

//go:noescape
func axpbyAVX512(dst, x []float32, a, b float32)

// sumSquaresAVX512 sums the squares of blocks (a multiple of 32
// elements), then of tail.
//
//go:noescape
func sumSquaresAVX512(blocks []float32, tail *[squareLanes]float32) float64

// The AVX2 elementwise kernels take a multiple of 8 elements.

//go:noescape
func reluAVX2x8(dst, x []float32)

//go:noescape
func reluBackwardAVX2x8(dx, dy, y []float32)

//go:noescape
func fillAVX2x8(dst []float32, v float32)

//go:noescape
func addAVX2x8(dst, x []float32)

//go:noescape
func addScaledAVX2x8(dst, x []float32, a float32)

//go:noescape
func mulAVX2x8(dst, x, y []float32)

// sumAVX2 sums blocks (a multiple of 64 elements) followed by tail.
//
//go:noescape
func sumAVX2(blocks []float32, tail *[sumLanes]float32) float32

//go:noescape
func maxPool2x2AVX2(dst []float32, arg []int32, src []float32, h, w int)

//go:noescape
func scaleAVX2x8(dst []float32, a float32)

//go:noescape
func axpbyAVX2x8(dst, x []float32, a, b float32)

// sumSquaresAVX2 sums the squares of blocks (a multiple of 32 elements),
// then of tail.
//
//go:noescape
func sumSquaresAVX2(blocks []float32, tail *[squareLanes]float32) float64

// The batch-normalisation kernels in norm_amd64.s, over runs runs of n
// elements stride elements apart. The callers have checked the lengths
// (Runs.covers).

//go:noescape
func momentsAVX512(x *float32, n, stride, runs int) (sum, squares float64)

//go:noescape
func normalizeAVX512(dst, x *float32, n, stride, runs int, a, b float32, relu int)

//go:noescape
func normGradSumsAVX512(dy, x *float32, n, stride, runs, relu int, ra, rb float32) (sumG, sumGX float64)

//go:noescape
func normGradAVX512(dx, dy, x *float32, n, stride, runs, relu int, ra, rb, a, b, c float32)

func momentsAVX512Runs(x []float32, r Runs) (sum, squares float64) {
	if r.Count == 0 {
		return 0, 0
	}
	return momentsAVX512(unsafe.SliceData(x), r.N, r.Stride, r.Count)
}

func normalizeAVX512Runs(dst, x []float32, r Runs, a, b float32, relu bool) {
	if r.Count == 0 {
		return
	}
	normalizeAVX512(unsafe.SliceData(dst), unsafe.SliceData(x), r.N, r.Stride, r.Count, a, b, b2i(relu))
}

func normGradSumsAVX512Runs(dy, x []float32, r Runs, m ReLUMask) (sumG, sumGX float64) {
	if r.Count == 0 {
		return 0, 0
	}
	return normGradSumsAVX512(unsafe.SliceData(dy), unsafe.SliceData(x), r.N, r.Stride, r.Count, b2i(m.On), m.A, m.B)
}

func normGradAVX512Runs(dx, dy, x []float32, r Runs, m ReLUMask, a, b, c float32) {
	if r.Count == 0 {
		return
	}
	normGradAVX512(unsafe.SliceData(dx), unsafe.SliceData(dy), unsafe.SliceData(x), r.N, r.Stride, r.Count, b2i(m.On), m.A, m.B, a, b, c)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

var avx512Kernels = kernels{
	name:         "avx512",
	relu:         reluAVX512,
	reluBackward: reluBackwardAVX512,
	fill:         fillAVX512,
	add:          addAVX512,
	addTo:        addToAVX512,
	addScaled:    addScaledAVX512,
	mul:          mulAVX512,
	sum:          sumAVX512,
	maxPool2x2:   maxPool2x2AVX512,
	scale:        scaleAVX512,
	axpby:        axpbyAVX512,
	sumSquares:   sumSquaresAVX512Padded,
	sgd:          sgdAVX512Step,
	sgdMomentum:  sgdMomentumAVX512Step,
	adam:         adamAVX512Step,
	rmsProp:      rmsPropAVX512Step,
	moments:      momentsAVX512Runs,
	normalize:    normalizeAVX512Runs,
	normGradSums: normGradSumsAVX512Runs,
	normGrad:     normGradAVX512Runs,
}

var avx2Kernels = kernels{
	name:         "avx2",
	relu:         reluAVX2,
	reluBackward: reluBackwardAVX2,
	fill:         fillAVX2,
	add:          addAVX2,
	addTo:        addToAVX2,
	addScaled:    addScaledAVX2,
	mul:          mulAVX2,
	sum:          sumAVX2Padded,
	maxPool2x2:   maxPool2x2AVX2,
	scale:        scaleAVX2,
	axpby:        axpbyAVX2,
	sumSquares:   sumSquaresAVX2Padded,
	sgd:          sgdAVX2,
	sgdMomentum:  sgdMomentumAVX2,
	adam:         adamAVX2,
	rmsProp:      rmsPropAVX2,
	moments:      momentsGo,
	normalize:    normalizeGo,
	normGradSums: normGradSumsGo,
	normGrad:     normGradGo,
}

// The AVX2 elementwise functions run the kernel on all but the last
// len%8 elements, and the Go code on those.

func reluAVX2(dst, x []float32) {
	n := len(x) &^ 7
	reluAVX2x8(dst[:n], x[:n])
	reluGo(dst[n:], x[n:])
}

func reluBackwardAVX2(dx, dy, y []float32) {
	n := len(y) &^ 7
	reluBackwardAVX2x8(dx[:n], dy[:n], y[:n])
	reluBackwardGo(dx[n:], dy[n:], y[n:])
}

func fillAVX2(dst []float32, v float32) {
	n := len(dst) &^ 7
	fillAVX2x8(dst[:n], v)
	fillGo(dst[n:], v)
}

func addAVX2(dst, x []float32) {
	n := len(x) &^ 7
	addAVX2x8(dst[:n], x[:n])
	addGo(dst[n:], x[n:])
}

// addToAVX2 copies x to dst and adds y there, then applies the ReLU: three
// passes where the AVX-512 kernel makes one. When dst is y itself, the
// copy would lose y, so the portable code runs.
func addToAVX2(dst, x, y []float32, relu bool) {
	if len(x) > 0 && &dst[0] == &y[0] {
		addToGo(dst, x, y, relu)
		return
	}
	copy(dst, x)
	addAVX2(dst, y)
	if relu {
		reluAVX2(dst, dst)
	}
}

func addScaledAVX2(dst, x []float32, a float32) {
	n := len(x) &^ 7
	addScaledAVX2x8(dst[:n], x[:n], a)
	addScaledGo(dst[n:], x[n:], a)
}

func mulAVX2(dst, x, y []float32) {
	n := len(x) &^ 7
	mulAVX2x8(dst[:n], x[:n], y[:n])
	mulGo(dst[n:], x[n:], y[n:])
}

func scaleAVX2(dst []float32, a float32) {
	n := len(dst) &^ 7
	scaleAVX2x8(dst[:n], a)
	scaleGo(dst[n:], a)
}

func axpbyAVX2(dst, x []float32, a, b float32) {
	n := len(x) &^ 7
	axpbyAVX2x8(dst[:n], x[:n], a, b)
	axpbyGo(dst[n:], x[n:], a, b)
}

// sumSquaresAVX512Padded and sumSquaresAVX2Padded copy the last len%32
// elements into a block padded with zeros, for the kernel to add after
// the whole blocks (each zero adds +0 to a partial sum, which changes
// nothing: the partial sums start at +0 and add squares, so none is −0).
func sumSquaresAVX512Padded(x []float32) float64 {
	n := len(x) &^ (squareLanes - 1)
	var tail [squareLanes]float32
	copy(tail[:], x[n:])
	return sumSquaresAVX512(x[:n], &tail)
}

func sumSquaresAVX2Padded(x []float32) float64 {
	n := len(x) &^ (squareLanes - 1)
	var tail [squareLanes]float32
	copy(tail[:], x[n:])
	return sumSquaresAVX2(x[:n], &tail)
}

// sumAVX2Padded copies the last len%64 elements into a block padded with
// zeros, for the kernel to add after the whole blocks.
func sumAVX2Padded(x []float32) float32 {
	n := len(x) &^ (sumLanes - 1)
	var tail [sumLanes]float32
	copy(tail[:], x[n:])
	return sumAVX2(x[:n], &tail)
}

// hasAVX512 and hasAVX2 report whether this processor can run the
// kernels; the AVX-512 ones make their masks with BMI2's BZHI.
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2
	hasAVX2   = cpu.X86.HasAVX2
)

func init() {
	switch {
	case hasAVX512:
		active = avx512Kernels
	case hasAVX2:
		active = avx2Kernels
	default:
		active = goKernels
	}
}
