// Package vec runs the elementwise loops of the layers and optimisers over
// float32 slices: ReLU and its gradient, filling, adding, scaling,
// multiplying, summing, 2×2 max-pooling, and the update rules of SGD, Adam
// and RMSProp, each fused into a single pass over its slices.
//
// Go does not vectorise loops, and these run over whole batches, so on
// amd64 each has an assembly kernel: AVX-512 where the processor has
// AVX512F (and BMI2, for its masks), otherwise AVX2, chosen once at
// start-up; Kernel says which. Every kernel has a plain Go twin (in
// purego.go) that other architectures and the purego build tag use, and
// the two agree bit for bit: the result of a function never depends on
// which of them ran. The one exception is the payload of a NaN made by
// arithmetic on two NaNs (in the functions that add or multiply), which
// the hardware leaves to the order of the operands; the result is a NaN
// either way.
//
// Bit-for-bit agreement needs every operation done in a fixed order and
// rounded to float32 on its own: a multiply and an add are never fused
// into one instruction (the Go code converts each product to float32,
// which forbids the compiler to fuse it), and sums are added in a
// documented order.
//
// The functions that take several slices require them to have the same
// length and panic if they do not: a mismatch is a programming error. An
// output may be the very same slice as an input (Relu(x, x) works in
// place), but must not overlap it otherwise.
package vec

import "fmt"

// kernels is one implementation of every function: the assembly for one
// instruction set, or the portable Go. The exported functions check their
// arguments and call the kernels of this machine; tests call each set
// directly to compare them.
type kernels struct {
	name         string
	relu         func(dst, x []float32)
	reluBackward func(dx, dy, y []float32)
	fill         func(dst []float32, v float32)
	add          func(dst, x []float32)
	addTo        func(dst, x, y []float32, relu bool)
	addScaled    func(dst, x []float32, a float32)
	mul          func(dst, x, y []float32)
	sum          func(x []float32) float32
	maxPool2x2   func(dst []float32, arg []int32, src []float32, h, w int)
	scale        func(dst []float32, a float32)
	axpby        func(dst, x []float32, a, b float32)
	sumSquares   func(x []float32) float64

	// The optimiser steps (step.go). sgd is SGD without momentum, which
	// has no velocity to read or write.
	sgd         func(w, g []float32, s SGDStep)
	sgdMomentum func(w, g, v []float32, s SGDStep)
	adam        func(w, g, m, v []float32, s AdamStep)
	rmsProp     func(w, g, sq, buf []float32, s RMSPropStep)

	// The batch-normalisation passes (norm.go).
	moments      func(x []float32, r Runs) (sum, squares float64)
	normalize    func(dst, x []float32, r Runs, a, b float32, relu bool)
	normGradSums func(dy, x []float32, r Runs, m ReLUMask) (sumG, sumGX float64)
	normGrad     func(dx, dy, x []float32, r Runs, m ReLUMask, a, b, c float32)
}

// active is the implementation this machine uses, set once by the init
// function of vec_amd64.go or vec_other.go and never changed after.
var active kernels

// Kernel reports which implementation runs on this machine: "avx512",
// "avx2" or "purego".
func Kernel() string { return active.name }

// Relu sets dst[i] = max(x[i], 0). Precisely, dst[i] is +0 where x[i] < 0
// and x[i] itself otherwise, so a NaN passes through unchanged (training
// that has diverged stays visibly diverged) and so does −0 (where Go's
// max(x, 0) gives +0; the two are equal, and ReluBackward treats both as
// zero).
func Relu(dst, x []float32) {
	sameLen("Relu", "dst", len(dst), "x", len(x))
	active.relu(dst, x)
}

// ReluBackward computes the gradient of a ReLU from its output y:
// dx[i] = dy[i] where y[i] > 0, and 0 where y[i] ≤ 0 (both zeros). A NaN
// in y lets dy[i] through, as PyTorch does: the test is "not y ≤ 0".
func ReluBackward(dx, dy, y []float32) {
	sameLen("ReluBackward", "dx", len(dx), "dy", len(dy))
	sameLen("ReluBackward", "dx", len(dx), "y", len(y))
	active.reluBackward(dx, dy, y)
}

// Fill sets every element of dst to v.
func Fill(dst []float32, v float32) { active.fill(dst, v) }

// Add sets dst[i] += x[i].
func Add(dst, x []float32) {
	sameLen("Add", "dst", len(dst), "x", len(x))
	active.add(dst, x)
}

// AddTo sets dst[i] = x[i] + y[i], and with relu then applies Relu's
// max(·, 0) to it, in one pass: a residual block's sum of its two paths
// and the ReLU after it. The result is Add's and Relu's: the sum is x[i]
// + y[i] with x[i] the first operand (whose payload a NaN sum of two NaNs
// may keep).
func AddTo(dst, x, y []float32, relu bool) {
	sameLen("AddTo", "dst", len(dst), "x", len(x))
	sameLen("AddTo", "x", len(x), "y", len(y))
	active.addTo(dst, x, y, relu)
}

// AddScaled sets dst[i] += a·x[i] (the BLAS axpy). The product is rounded
// to float32 before the addition: the multiply and add are never fused.
func AddScaled(dst, x []float32, a float32) {
	sameLen("AddScaled", "dst", len(dst), "x", len(x))
	active.addScaled(dst, x, a)
}

// Mul sets dst[i] = x[i]·y[i].
func Mul(dst, x, y []float32) {
	sameLen("Mul", "dst", len(dst), "x", len(x))
	sameLen("Mul", "dst", len(dst), "y", len(y))
	active.mul(dst, x, y)
}

// Scale sets dst[i] *= a.
func Scale(dst []float32, a float32) { active.scale(dst, a) }

// Axpby sets dst[i] = a·dst[i] + b·x[i]. Each product is rounded to
// float32, then their sum: three roundings, never a fused multiply-add.
func Axpby(dst, x []float32, a, b float32) {
	sameLen("Axpby", "dst", len(dst), "x", len(x))
	active.axpby(dst, x, a, b)
}

// sumLanes is the number of partial sums Sum keeps.
const sumLanes = 64

// Sum returns the sum of x, added in a fixed order so that every
// implementation gives the same bits:
//
//	s[j] = (((+0 + x[j]) + x[j+64]) + x[j+128]) + ...   for j < 64
//	t[j] = (s[j] + s[j+16]) + (s[j+32] + s[j+48])   for j < 16
//	t[j] = t[j] + t[j+8]   for j < 8, then likewise with 4, 2 and 1
//
// and the sum is t[0]. The 64 partial sums are four AVX-512 registers (or
// eight AVX2 ones) added to independently, which keeps the adders busy;
// the rest is the natural way to fold registers in halves. This order is
// also usually more accurate than adding left to right, since each partial
// sum holds only 1/64 of the terms. The sum of no elements is +0.
func Sum(x []float32) float32 { return active.sum(x) }

// squareLanes is the number of partial sums SumSquares keeps.
const squareLanes = 32

// SumSquares returns Σ x[i]², the squared L2 norm of x, in float64. Each
// square is exact in float64 (a float32 has 24 significant bits, its
// square at most 48), so the only roundings are those of the additions,
// made in a fixed order, as in Sum but with 32 partial sums:
//
//	s[j] = ((+0 + x[j]²) + x[j+32]²) + x[j+64]² + ...   for j < 32
//	t[j] = (s[j] + s[j+8]) + (s[j+16] + s[j+24])   for j < 8
//	t[j] = t[j] + t[j+4]   for j < 4, then likewise with 2 and 1
//
// and the sum is t[0]. In float64 the sum keeps about 29 more bits than a
// float32 one would, which a norm of a million gradients can use.
func SumSquares(x []float32) float64 { return active.sumSquares(x) }

// MaxPool2x2 pools one h×w plane src (row-major, len h·w) in 2×2 windows
// with stride 2, as nn.MaxPool2D does with a window of 2. The output is
// ⌊h/2⌋×⌊w/2⌋: with an odd h or w the last row or column is in no window.
// dst gets each window's maximum and arg the index in src (row·w + col)
// of the element that gave it, for the backward pass.
//
// The window's elements are taken in the order top-left, top-right,
// bottom-left, bottom-right; each replaces the best so far only if it is
// greater (>). So ties go to the first, and a NaN never wins unless it is
// the top-left element, which nothing compares greater than.
//
// h and w must be at least 2, len(src) must be h·w, and dst and arg must
// have ⌊h/2⌋·⌊w/2⌋ elements.
func MaxPool2x2(dst []float32, arg []int32, src []float32, h, w int) {
	if h < 2 || w < 2 {
		panic(fmt.Sprintf("vec.MaxPool2x2: the plane is %d×%d, smaller than the 2×2 window", h, w))
	}
	if len(src) != h*w {
		panic(fmt.Sprintf("vec.MaxPool2x2: len(src) = %d, want h·w = %d·%d = %d", len(src), h, w, h*w))
	}
	out := (h / 2) * (w / 2)
	if len(dst) != out || len(arg) != out {
		panic(fmt.Sprintf("vec.MaxPool2x2: len(dst) = %d and len(arg) = %d, want ⌊h/2⌋·⌊w/2⌋ = %d", len(dst), len(arg), out))
	}
	active.maxPool2x2(dst, arg, src, h, w)
}

// sameLen panics unless two slices handed to fn have the same length.
func sameLen(fn, a string, lenA int, b string, lenB int) {
	if lenA != lenB {
		panic(fmt.Sprintf("vec.%s: len(%s) = %d but len(%s) = %d", fn, a, lenA, b, lenB))
	}
}
