package model

import (
	"fmt"
	"os"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// The preset benchmarks time one SGD training step (forward, loss,
// backward, update) and one inference pass on a batch of 64 random
// MNIST-sized images, and report images per second:
//
//	go test -run ^$ -bench 'Preset' ./model
//
// They use every core (GOMAXPROCS); set -cpu 1,2 to compare.
func BenchmarkPresetTrainStep(b *testing.B) {
	for _, name := range PresetNames() {
		b.Run(name, func(b *testing.B) {
			net, env := benchNet(b, name)
			defer env.Close()
			opt := optim.NewSGD(net.Params(), 0.01, 0.9)
			opt.Pool = env
			x, labels := benchBatch(64, 10, 1, 28, 28)
			benchTrainSteps(b, net, opt, x, labels)
		})
	}
}

// BenchmarkHAMResNetTrainStep times one AdamW training step of the
// HAM10000 network (specs/ham-resnet.txt) on a batch of 64 random 3x64x64
// images, as `gocnn train -data ham10000` runs it:
//
//	go test -run ^$ -bench HAMResNet ./model
func BenchmarkHAMResNetTrainStep(b *testing.B) {
	text, err := os.ReadFile("../specs/ham-resnet.txt")
	if err != nil {
		b.Fatal(err)
	}
	spec, err := Parse(string(text))
	if err != nil {
		b.Fatal(err)
	}
	env := nn.NewEnv(1, 0)
	defer env.Close()
	net, err := spec.Build([]int{3, 64, 64}, env)
	if err != nil {
		b.Fatal(err)
	}
	opt := optim.NewAdamW(net.Params(), 0.002)
	opt.Pool = env
	x, labels := benchBatch(64, 7, 3, 64, 64)
	benchTrainSteps(b, net, opt, x, labels)
}

// benchTrainSteps times training steps (forward, loss, backward, update)
// on one batch, after one step to warm up, and reports images per second.
func benchTrainSteps(b *testing.B, net *nn.Sequential, opt optim.Optimizer, x *tensor.Tensor, labels []int) {
	var loss nn.SoftmaxCrossEntropy
	step := func() {
		loss.Forward(net.Forward(x, true), labels)
		net.Backward(loss.Backward())
		opt.Step()
	}
	step()
	b.ResetTimer()
	for range b.N {
		step()
	}
	b.ReportMetric(float64(len(labels)*b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkPresetInference(b *testing.B) {
	for _, name := range PresetNames() {
		for _, batch := range []int{64, 1} {
			b.Run(fmt.Sprintf("%s/batch=%d", name, batch), func(b *testing.B) {
				net, env := benchNet(b, name)
				defer env.Close()
				x, _ := benchBatch(batch, 10, 1, 28, 28)
				net.Forward(x, false)
				b.ResetTimer()
				for range b.N {
					net.Forward(x, false)
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

func benchNet(b *testing.B, name string) (*nn.Sequential, *nn.Env) {
	spec, err := Preset(name, 10)
	if err != nil {
		b.Fatal(err)
	}
	env := nn.NewEnv(1, 0)
	net, err := spec.Build([]int{1, 28, 28}, env)
	if err != nil {
		b.Fatal(err)
	}
	return net, env
}

// benchBatch returns n random images of the given shape with random
// labels among classes.
func benchBatch(n, classes int, shape ...int) (*tensor.Tensor, []int) {
	r := rng.New(1)
	x := tensor.New(append([]int{n}, shape...)...)
	r.FillUniform(x.Data, 1)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(classes)
	}
	return x, labels
}
