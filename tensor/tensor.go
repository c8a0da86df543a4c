// Package tensor holds gocnn's one data type: a dense, contiguous array of
// float32 numbers with a shape.
//
// Images are stored in NCHW order: a batch of N images, each with C channels
// of H rows of W pixels. The element at (n, c, h, w) lives at
//
//	((n*C+c)*H+h)*W + w
//
// Tensors carry no gradient and build no graph: each layer in package nn keeps
// the tensors its backward pass needs, so the arithmetic stays in plain loops
// that a reader can follow.
package tensor

import (
	"fmt"
	"strings"
)

// Tensor is a contiguous float32 array with a shape. Data holds exactly
// Size(Shape) numbers in row-major order (the last dimension varies fastest).
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zero-filled tensor of the given shape.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, Size(shape))}
}

// FromData wraps data in a tensor of the given shape without copying it. It
// panics if the length of data does not match the shape: that is a
// programming error, not a condition to recover from.
func FromData(data []float32, shape ...int) *Tensor {
	if len(data) != Size(shape) {
		panic(fmt.Sprintf("tensor: %d values do not fill shape %v", len(data), shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// Size is the number of elements in a tensor of the given shape.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements in t.
func (t *Tensor) Len() int { return len(t.Data) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Reshape returns a tensor that shares t's data under a new shape with the
// same number of elements.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if Size(shape) != len(t.Data) {
		panic(fmt.Sprintf("tensor: cannot reshape %v to %v", t.Shape, shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: t.Data}
}

// Resize gives t the shape [n, sample...], reusing its storage when it is
// large enough. The contents are not preserved. Layers use it to keep one
// output buffer whose batch dimension may change between calls (the last
// mini-batch of an epoch is often smaller) without allocating once warmed up.
func (t *Tensor) Resize(n int, sample []int) {
	size := n * Size(sample)
	if cap(t.Data) < size {
		t.Data = make([]float32, size)
	}
	t.Data = t.Data[:size]
	if len(t.Shape) != len(sample)+1 {
		t.Shape = make([]int, len(sample)+1)
	}
	t.Shape[0] = n
	copy(t.Shape[1:], sample)
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ShapeString formats a shape the way error messages print it: [1 28 28].
func ShapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}

// String prints the shape and, for small tensors, the values.
func (t *Tensor) String() string {
	if len(t.Data) <= 16 {
		return fmt.Sprintf("Tensor%s%v", ShapeString(t.Shape), t.Data)
	}
	return fmt.Sprintf("Tensor%s", ShapeString(t.Shape))
}
