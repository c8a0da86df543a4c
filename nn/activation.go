package nn

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/tensor"
)

// Activations apply one function to every element. Each is written as a
// pair of loops over flat slices: the function, and its derivative
// expressed through the output y (cheaper than keeping the input, and
// exact for all three):
//
//	ReLU     y = max(0, x)          dy/dx = 1 if y > 0, else 0
//	Sigmoid  y = 1 / (1 + e^-x)     dy/dx = y·(1 − y)
//	Tanh     y = tanh(x)            dy/dx = 1 − y²
//
// The shared plumbing (buffers, splitting the batch among workers) is in
// elementwise below.

// ReLU is the rectified linear unit, max(0, x).
type ReLU struct{ elementwise }

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU {
	r := &ReLU{}
	r.forward, r.backward = reluForward, reluBackward
	return r
}

// Kind returns "relu".
func (*ReLU) Kind() string { return "relu" }

// reluForward and reluBackward are the ReLU's two loops. They run over
// whole batches, so they use the vector kernels of internal/vec, which do
// the same as
//
//	for i, v := range x { if v > 0 { y[i] = v } else { y[i] = 0 } }
//	for i, v := range y { if v > 0 { dx[i] = dy[i] } else { dx[i] = 0 } }
//
// sixteen elements at a time (a NaN passes through both, so a diverging
// network stays visible).
func reluForward(x, y []float32) { vec.Relu(y, x) }

func reluBackward(y, dy, dx []float32) { vec.ReluBackward(dx, dy, y) }

// Sigmoid is the logistic function 1/(1+e^-x), which squashes any input
// into (0, 1).
type Sigmoid struct{ elementwise }

// NewSigmoid returns a sigmoid layer.
func NewSigmoid() *Sigmoid {
	s := &Sigmoid{}
	s.forward, s.backward = sigmoidForward, sigmoidBackward
	return s
}

// Kind returns "sigmoid".
func (*Sigmoid) Kind() string { return "sigmoid" }

func sigmoidForward(x, y []float32) {
	for i, v := range x {
		y[i] = sigmoid(v)
	}
}

// sigmoid computes 1/(1+e^-x) without overflowing e^-x for very negative x.
func sigmoid(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

func sigmoidBackward(y, dy, dx []float32) {
	for i, v := range y {
		dx[i] = dy[i] * v * (1 - v)
	}
}

// Tanh is the hyperbolic tangent, which squashes any input into (-1, 1).
type Tanh struct{ elementwise }

// NewTanh returns a tanh layer.
func NewTanh() *Tanh {
	t := &Tanh{}
	t.forward, t.backward = tanhForward, tanhBackward
	return t
}

// Kind returns "tanh".
func (*Tanh) Kind() string { return "tanh" }

func tanhForward(x, y []float32) {
	for i, v := range x {
		y[i] = float32(math.Tanh(float64(v)))
	}
}

func tanhBackward(y, dy, dx []float32) {
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
}

// LeakyReLU lets a small slope through for negative inputs, so a unit
// never stops learning entirely: y = x for x > 0, y = Slope·x otherwise.
// With Slope > 0, y has the sign of x, so the derivative (1 or Slope)
// can still be read off the output.
type LeakyReLU struct {
	Slope float32
	elementwise
}

// NewLeakyReLU returns a leaky ReLU with the given negative slope (PyTorch
// uses 0.01 by default).
func NewLeakyReLU(slope float32) *LeakyReLU {
	l := &LeakyReLU{Slope: slope}
	l.forward = func(x, y []float32) {
		for i, v := range x {
			if v > 0 {
				y[i] = v
			} else {
				y[i] = l.Slope * v
			}
		}
	}
	l.backward = func(y, dy, dx []float32) {
		for i, v := range y {
			if v > 0 {
				dx[i] = dy[i]
			} else {
				dx[i] = l.Slope * dy[i]
			}
		}
	}
	return l
}

// Kind returns "leakyrelu".
func (*LeakyReLU) Kind() string { return "leakyrelu" }

// Build checks the slope.
func (l *LeakyReLU) Build(in []int, env *Env) ([]int, error) {
	if !(l.Slope > 0 && l.Slope < 1) {
		return nil, fmt.Errorf("needs a slope in (0, 1), got %g", l.Slope)
	}
	return l.elementwise.Build(in, env)
}

// elementwise is the part that all activations share: it keeps the output
// and the input gradient and splits a batch among the workers. An
// activation sets forward and backward to its two loops.
type elementwise struct {
	forward  func(x, y []float32)
	backward func(y, dy, dx []float32)

	env      *Env
	size     int // elements per example
	shape    []int
	x, dy    *tensor.Tensor
	y, dx    tensor.Tensor
	fwd, bwd func(worker, lo, hi int)
}

// Build accepts any input shape; the output has the same shape.
func (e *elementwise) Build(in []int, env *Env) ([]int, error) {
	e.env, e.size, e.shape = env, tensor.Size(in), in
	e.fwd, e.bwd = e.forwardRows, e.backwardRows
	return in, nil
}

// Params returns nil: activations have no parameters.
func (e *elementwise) Params() []*Param { return nil }

// Forward applies the function to every element of x.
func (e *elementwise) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	e.x = x
	e.y.Resize(x.Shape[0], e.shape)
	e.env.For(x.Shape[0], e.fwd)
	return &e.y
}

func (e *elementwise) forwardRows(_, lo, hi int) {
	e.forward(e.x.Data[lo*e.size:hi*e.size], e.y.Data[lo*e.size:hi*e.size])
}

// Backward multiplies dy by the derivative at each element.
func (e *elementwise) Backward(dy *tensor.Tensor) *tensor.Tensor {
	e.dy = dy
	e.dx.Resize(dy.Shape[0], e.shape)
	e.env.For(dy.Shape[0], e.bwd)
	return &e.dx
}

func (e *elementwise) backwardRows(_, lo, hi int) {
	s := e.size
	e.backward(e.y.Data[lo*s:hi*s], e.dy.Data[lo*s:hi*s], e.dx.Data[lo*s:hi*s])
}
