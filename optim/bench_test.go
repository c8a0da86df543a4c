package optim

import (
	"math/rand/v2"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// mnistCNNShapes are the parameter shapes of the mnist-cnn preset (conv
// 32 and 64 filters of 3×3, dense 9216→128→10): 1,199,882 parameters,
// nearly all of them in the first dense layer's weight.
var mnistCNNShapes = [][]int{
	{32, 1, 3, 3}, {32},
	{64, 32, 3, 3}, {64},
	{128, 9216}, {128},
	{10, 128}, {10},
}

// benchParams returns mnist-cnn's parameters, with small random values
// and gradients.
func benchParams() []*nn.Param {
	r := rand.New(rand.NewPCG(1, 2))
	var params []*nn.Param
	for i, shape := range mnistCNNShapes {
		p := &nn.Param{Name: string(rune('a' + i)), Value: tensor.New(shape...), Grad: tensor.New(shape...)}
		for j := range p.Value.Data {
			p.Value.Data[j] = float32(r.NormFloat64() * 0.05)
			p.Grad.Data[j] = float32(r.NormFloat64() * 1e-3)
		}
		params = append(params, p)
	}
	return params
}

// benchStep times opt.Step on mnist-cnn's parameters. SetBytes counts the
// bytes a step must read and write (bytesPerParam for each parameter), so
// MB/s shows how close the step comes to the memory's speed.
func benchStep(b *testing.B, bytesPerParam int, make func([]*nn.Param) Optimizer) {
	params := benchParams()
	n := 0
	for _, p := range params {
		n += p.Value.Len()
	}
	opt := make(params)
	b.SetBytes(int64(bytesPerParam * n))
	for b.Loop() {
		opt.Step()
	}
}

// BenchmarkSGDStep times SGD with momentum 0.9, as gocnn train runs it by
// default; reads w, g, v and writes w, v.
func BenchmarkSGDStep(b *testing.B) {
	b.Run("momentum", func(b *testing.B) {
		benchStep(b, 20, func(p []*nn.Param) Optimizer { return NewSGD(p, 0.01, 0.9) })
	})
	b.Run("nesterov-decay", func(b *testing.B) {
		benchStep(b, 20, func(p []*nn.Param) Optimizer {
			s := NewSGD(p, 0.01, 0.9)
			s.Nesterov, s.WeightDecay = true, 5e-4
			return s
		})
	})
	b.Run("plain", func(b *testing.B) {
		benchStep(b, 12, func(p []*nn.Param) Optimizer { return NewSGD(p, 0.01, 0) })
	})
}

// BenchmarkAdamStep times Adam and AdamW; each reads w, g, m, v and
// writes w, m, v.
func BenchmarkAdamStep(b *testing.B) {
	b.Run("adam", func(b *testing.B) {
		benchStep(b, 28, func(p []*nn.Param) Optimizer { return NewAdam(p, 1e-3) })
	})
	b.Run("adamw", func(b *testing.B) {
		benchStep(b, 28, func(p []*nn.Param) Optimizer { return NewAdamW(p, 1e-3) })
	})
}

// BenchmarkRMSPropStep times RMSProp with momentum; it reads w, g, s, b
// and writes w, s, b.
func BenchmarkRMSPropStep(b *testing.B) {
	benchStep(b, 28, func(p []*nn.Param) Optimizer {
		r := NewRMSProp(p, 1e-3)
		r.Momentum = 0.9
		return r
	})
}

// BenchmarkClipGradNorm times clipping mnist-cnn's gradients: one pass to
// measure the norm and one to scale them down. The gradients are put back
// (untimed) after each call, so every call clips the same values.
func BenchmarkClipGradNorm(b *testing.B) {
	params := benchParams()
	n := 0
	saved := make([][]float32, len(params))
	for i, p := range params {
		n += p.Value.Len()
		saved[i] = append([]float32(nil), p.Grad.Data...)
	}
	b.SetBytes(int64(12 * n))
	for b.Loop() {
		ClipGradNorm(params, 0.5) // the norm is about 1.1
		b.StopTimer()
		for i, p := range params {
			copy(p.Grad.Data, saved[i])
		}
		b.StartTimer()
	}
}
