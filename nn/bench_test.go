package nn

import (
	"fmt"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// BenchmarkConv2D times the forward and backward passes of the
// convolutions of the preset models on a batch of 64, on every core:
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
		b.Run(fmt.Sprintf("%s/forward", c.name), func(b *testing.B) {
			for range b.N {
				c.conv.Forward(x, true)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("%s/backward", c.name), func(b *testing.B) {
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
		env.Close()
	}
}
