package nn

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// BenchmarkConv2D times the forward and backward passes of the
// convolutions of the preset models and of the HAM10000 network
// (specs/ham-resnet.txt at 48x48 and 64x64) on a batch of 64, on every
// core; a 3×3 convolution that runs by Winograd's method is timed the
// direct way too ("direct"). GFLOP/s counts the direct product's
// arithmetic, so the two compare:
//
//	go test -run ^$ -bench Conv2D ./nn
func BenchmarkConv2D(b *testing.B) {
	for _, c := range []struct {
		name  string
		conv  *Conv2D
		in    []int
		first bool // the model's first layer: no input gradient
	}{
		{"tiny/conv1", NewConv2D(8, 3), []int{1, 28, 28}, true},
		{"lenet5/conv1", &Conv2D{Out: 6, KH: 5, KW: 5, PadH: 2, PadW: 2}, []int{1, 28, 28}, true},
		{"lenet5/conv2", NewConv2D(16, 5), []int{6, 14, 14}, false},
		{"mnist-cnn/conv1", NewConv2D(32, 3), []int{1, 28, 28}, true},
		{"mnist-cnn/conv2", NewConv2D(64, 3), []int{32, 26, 26}, false},
		{"ham48/conv1", &Conv2D{Out: 32, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{3, 48, 48}, true},
		{"ham48/conv32", &Conv2D{Out: 32, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{32, 24, 24}, false},
		{"ham48/conv64s2", &Conv2D{Out: 64, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, []int{32, 24, 24}, false},
		{"ham48/conv128s2", &Conv2D{Out: 128, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, []int{64, 12, 12}, false},
		{"ham48/conv256s2", &Conv2D{Out: 256, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, []int{128, 6, 6}, false},
		{"ham48/shortcut64", &Conv2D{Out: 64, KH: 1, KW: 1, StrideH: 2, StrideW: 2}, []int{32, 24, 24}, false},
		{"ham48/shortcut128", &Conv2D{Out: 128, KH: 1, KW: 1, StrideH: 2, StrideW: 2}, []int{64, 12, 12}, false},
		{"ham48/shortcut256", &Conv2D{Out: 256, KH: 1, KW: 1, StrideH: 2, StrideW: 2}, []int{128, 6, 6}, false},
		{"ham48/conv64", &Conv2D{Out: 64, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{64, 12, 12}, false},
		{"ham48/conv128", &Conv2D{Out: 128, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{128, 6, 6}, false},
		{"ham48/conv256", &Conv2D{Out: 256, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{256, 3, 3}, false},
		{"ham64/conv32", &Conv2D{Out: 32, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{32, 32, 32}, false},
		{"ham64/conv64", &Conv2D{Out: 64, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{64, 16, 16}, false},
		{"ham64/conv128", &Conv2D{Out: 128, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{128, 8, 8}, false},
		{"ham64/conv256", &Conv2D{Out: 256, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{256, 4, 4}, false},
		{"ham64/conv128s2", &Conv2D{Out: 128, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, []int{64, 16, 16}, false},
		{"ham64/conv256s2", &Conv2D{Out: 256, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, []int{128, 8, 8}, false},
		{"ham64/shortcut128", &Conv2D{Out: 128, KH: 1, KW: 1, StrideH: 2, StrideW: 2}, []int{64, 16, 16}, false},
		{"ham64/shortcut256", &Conv2D{Out: 256, KH: 1, KW: 1, StrideH: 2, StrideW: 2}, []int{128, 8, 8}, false},
	} {
		env := NewEnv(1, 0)
		env.NeedInputGrad = !c.first
		out, err := c.conv.Build(c.in, env)
		if err != nil {
			b.Fatal(err)
		}
		c.conv.InitWeights(HeNormal, env.Rand)
		x := tensor.New(append([]int{64}, c.in...)...)
		rng.New(1).FillUniform(x.Data, 1)
		dy := tensor.New(append([]int{64}, out...)...)
		rng.New(2).FillUniform(dy.Data, 1)
		flops := float64(2 * 64 * c.conv.Out * tensor.Size(out[1:]) * c.in[0] * c.conv.KH * c.conv.KW)
		algos := []string{""}
		if c.conv.wino != nil {
			algos = append(algos, "direct")
		}
		for _, algo := range algos {
			name := c.name
			if algo == "direct" {
				c.conv.wino = nil
				name += "/direct"
			}
			b.Run(name+"/forward", func(b *testing.B) {
				for range b.N {
					c.conv.Forward(x, true)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(name+"/backward", func(b *testing.B) {
				c.conv.Forward(x, true)
				for range b.N {
					c.conv.Backward(dy)
				}
				passes := 2.0
				if c.first {
					passes = 1
				}
				b.ReportMetric(passes*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		env.Close()
	}
}

// BenchmarkBatchNorm times a batch norm with the ReLU after it (a
// bnReLU), forward and backward in training, on a batch of 64 of each
// shape a batch norm sees in specs/ham-resnet.txt at 48x48 and in
// specs/mnist-bn.txt (the 256 features of its dense layer last), on
// every core:
//
//	go test -run ^$ -bench BatchNorm ./nn
func BenchmarkBatchNorm(b *testing.B) {
	for _, shape := range [][]int{{32, 48, 48}, {32, 24, 24}, {64, 12, 12}, {128, 6, 6}, {256, 3, 3},
		{32, 28, 28}, {64, 14, 14}, {256}} {
		env, bn, x, name := benchBatchNorm(b, shape)
		l := bnReLU{bn}
		dy := tensor.New(x.Shape...)
		rng.New(2).FillUniform(dy.Data, 1)
		b.Run(name+"/forward", func(b *testing.B) {
			for range b.N {
				l.Forward(x, true)
			}
		})
		b.Run(name+"/backward", func(b *testing.B) {
			l.Forward(x, true)
			for range b.N {
				l.Backward(dy)
			}
		})
		env.Close()
	}
}

// BenchmarkBatchNormPool times the forward pass in training of a batch
// norm followed by a 2×2 max-pool and a ReLU, on a batch of 64 of the
// shapes where specs/ham-resnet.txt (at 48x48) and specs/mnist-bn.txt
// have them: fused (BatchNorm.forwardPooled, each plane normalised into
// the cache and pooled from there, as a convBN with its pool runs them)
// and apart (the batch norm's output written whole, then pooled).
//
//	go test -run '^$' -bench BatchNormPool -cpu 1 ./nn
func BenchmarkBatchNormPool(b *testing.B) {
	for _, shape := range [][]int{{32, 48, 48}, {32, 28, 28}, {64, 14, 14}} {
		env, bn, x, name := benchBatchNorm(b, shape)
		pool := NewMaxPool2D(2)
		if _, err := pool.Build(shape, env); err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/fused", func(b *testing.B) {
			for range b.N {
				bn.forwardPooled(x, true, pool, true)
			}
		})
		b.Run(name+"/apart", func(b *testing.B) {
			for range b.N {
				pool.forward(bn.forward(x, true, false), true)
			}
		})
		env.Close()
	}
}

// BenchmarkResidualAdd times the end of a residual block followed by a
// ReLU, on a batch of 64 of the shapes of specs/ham-resnet.txt's blocks
// at 48x48 (and 8x8, at 64x64): its last batch norm in training, and its
// last convolution with the batch norm folded in evaluation, each adding
// the shortcut and applying the ReLU as it makes its output (at-end, as
// a residual block whose body ends with them runs) and then in a pass of
// the block's own over the batch (apart).
//
//	go test -run '^$' -bench ResidualAdd -cpu 1 ./nn
func BenchmarkResidualAdd(b *testing.B) {
	for _, shape := range [][]int{{32, 24, 24}, {64, 12, 12}, {128, 8, 8}, {128, 6, 6}, {256, 3, 3}} {
		env, bn, x, name := benchBatchNorm(b, shape)
		conv := &Conv2D{Out: shape[0], KH: 3, KW: 3, PadH: 1, PadW: 1}
		if _, err := conv.Build(shape, env); err != nil {
			b.Fatal(err)
		}
		conv.InitWeights(HeNormal, env.Rand)
		short := tensor.New(x.Shape...)
		rng.New(2).FillUniform(short.Data, 1)
		r := &Residual{env: env, shape: shape}
		r.addFn = r.addImages
		apart := func(body *tensor.Tensor) {
			r.y.Resize(64, shape)
			r.a, r.b, r.dy, r.relu = body, short, &r.y, true
			env.For(64, r.addFn)
		}
		b.Run(name+"/train/at-end", func(b *testing.B) {
			for range b.N {
				bn.forwardAdd(x, short, true, true)
			}
		})
		b.Run(name+"/train/apart", func(b *testing.B) {
			for range b.N {
				apart(bn.forward(x, true, false))
			}
		})
		b.Run(name+"/eval/at-end", func(b *testing.B) {
			for range b.N {
				conv.forwardAdd(x, short, true)
			}
		})
		b.Run(name+"/eval/apart", func(b *testing.B) {
			for range b.N {
				apart(conv.forward(x, false, false, nil))
			}
		})
		env.Close()
	}
}

// benchBatchNorm builds a batch norm for images of shape on a one-worker
// environment (close it when done), with a batch of 64 random images of
// that shape and the shape's name for a benchmark ("32x24x24").
func benchBatchNorm(b *testing.B, shape []int) (*Env, *BatchNorm, *tensor.Tensor, string) {
	env := NewEnv(1, 0)
	bn := NewBatchNorm()
	if _, err := bn.Build(shape, env); err != nil {
		b.Fatal(err)
	}
	x := tensor.New(append([]int{64}, shape...)...)
	rng.New(1).FillUniform(x.Data, 1)
	return env, bn, x, strings.Trim(strings.ReplaceAll(fmt.Sprint(shape), " ", "x"), "[]")
}
