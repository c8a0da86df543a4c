package nn

import "github.com/gocnn/gocnn/tensor"

// Flatten turns each example into a flat vector: [N, C, H, W] becomes
// [N, C·H·W], the order dense layers expect (the same order as PyTorch's
// nn.Flatten, so dense weights after a convolution match PyTorch's).
// Nothing moves in memory: NCHW data is already laid out that way, so
// Flatten returns a view of its input, and its backward pass a view of the
// gradient.
type Flatten struct {
	in    []int
	y, dx tensor.Tensor // views; their Data is borrowed, never allocated
}

// NewFlatten returns a flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// Kind returns "flatten".
func (f *Flatten) Kind() string { return "flatten" }

// Build accepts any shape.
func (f *Flatten) Build(in []int, env *Env) ([]int, error) {
	f.in = in
	f.y.Shape, f.dx.Shape = make([]int, 2), make([]int, len(in)+1)
	copy(f.dx.Shape[1:], in)
	return []int{tensor.Size(in)}, nil
}

// Params returns nil.
func (f *Flatten) Params() []*Param { return nil }

// Forward returns x viewed as [N, features].
func (f *Flatten) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	f.y.Shape[0], f.y.Shape[1] = x.Shape[0], tensor.Size(f.in)
	f.y.Data = x.Data
	return &f.y
}

// Backward returns dy viewed in the input's shape.
func (f *Flatten) Backward(dy *tensor.Tensor) *tensor.Tensor {
	f.dx.Shape[0] = dy.Shape[0]
	f.dx.Data = dy.Data
	return &f.dx
}
