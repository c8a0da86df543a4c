package nn

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/tensor"
)

// Softmax turns each row of scores (logits) into probabilities:
//
//	y[i] = e^(x[i] − m) / Σⱼ e^(x[j] − m)       m = maxⱼ x[j]
//
// Subtracting the row's maximum changes nothing mathematically but keeps
// every exponent ≤ 0, so e^x never overflows. The backward pass is
//
//	∂L/∂x[i] = y[i] · (dy[i] − Σⱼ dy[j]·y[j])
//
// To train a classifier, leave Softmax out of the model and use
// SoftmaxCrossEntropy, which fuses the two and is both faster and more
// accurate; Softmax is for models that must output probabilities.
type Softmax struct {
	classes int
	y, dx   tensor.Tensor
}

// NewSoftmax returns a softmax layer.
func NewSoftmax() *Softmax { return &Softmax{} }

// Kind returns "softmax".
func (s *Softmax) Kind() string { return "softmax" }

// Build needs a flat input of class scores.
func (s *Softmax) Build(in []int, env *Env) ([]int, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("needs a flat input of class scores, got %s", tensor.ShapeString(in))
	}
	s.classes = in[0]
	return in, nil
}

// Params returns nil.
func (s *Softmax) Params() []*Param { return nil }

// Forward computes the probabilities row by row.
func (s *Softmax) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	n, k := x.Shape[0], s.classes
	s.y.Resize(n, []int{k})
	for i := 0; i < n; i++ {
		SoftmaxRow(x.Data[i*k:(i+1)*k], s.y.Data[i*k:(i+1)*k])
	}
	return &s.y
}

// Backward applies the softmax's Jacobian to dy, row by row.
func (s *Softmax) Backward(dy *tensor.Tensor) *tensor.Tensor {
	n, k := dy.Shape[0], s.classes
	s.dx.Resize(n, []int{k})
	for i := 0; i < n; i++ {
		y, g, dx := s.y.Data[i*k:(i+1)*k], dy.Data[i*k:(i+1)*k], s.dx.Data[i*k:(i+1)*k]
		var dot float64
		for j := range y {
			dot += float64(g[j]) * float64(y[j])
		}
		for j := range y {
			dx[j] = y[j] * (g[j] - float32(dot))
		}
	}
	return &s.dx
}

// SoftmaxRow writes the softmax of the scores x to y, e^x[j] / Σ e^x,
// and returns log Σ e^x (the log-sum-exp, which the cross-entropy
// needs). The largest score is taken off first, so that no e^x
// overflows, and the sum is kept in float64. The Softmax layer, the
// cross-entropy loss and package predict all use it.
func SoftmaxRow(x, y []float32) (logSumExp float64) {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var total float64
	for j, v := range x {
		e := math.Exp(float64(v - m))
		y[j] = float32(e)
		total += e
	}
	for j := range y {
		y[j] = float32(float64(y[j]) / total)
	}
	return float64(m) + math.Log(total)
}
