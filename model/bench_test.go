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

// BenchmarkSpecTrainStep times one training step of the networks users
// train beyond the presets, on a batch of 64 random images: the HAM10000
// network (specs/ham-resnet.txt) at 3x48x48 and 3x64x64 with AdamW, as
// `gocnn train -data ham10000` runs it, and specs/mnist-bn.txt on MNIST
// with SGD:
//
//	go test -run ^$ -bench SpecTrainStep ./model
func BenchmarkSpecTrainStep(b *testing.B) {
	for _, c := range benchSpecs {
		b.Run(c.name, func(b *testing.B) {
			net, env := benchSpecNet(b, c.file, c.classes, c.shape)
			defer env.Close()
			var opt optim.Optimizer
			if c.adamW {
				o := optim.NewAdamW(net.Params(), 0.002)
				o.Pool = env
				opt = o
			} else {
				o := optim.NewSGD(net.Params(), 0.01, 0.9)
				o.Pool = env
				opt = o
			}
			x, labels := benchBatch(64, c.classes, c.shape...)
			benchTrainSteps(b, net, opt, x, labels)
		})
	}
}

// BenchmarkSpecInference times inference of the same networks at batch 64
// and batch 1.
func BenchmarkSpecInference(b *testing.B) {
	for _, c := range benchSpecs {
		for _, batch := range []int{64, 1} {
			b.Run(fmt.Sprintf("%s/batch=%d", c.name, batch), func(b *testing.B) {
				net, env := benchSpecNet(b, c.file, c.classes, c.shape)
				defer env.Close()
				x, _ := benchBatch(batch, c.classes, c.shape...)
				benchInference(b, net, env, x)
			})
		}
	}
}

// benchSpecs are the spec-file networks the benchmarks time.
var benchSpecs = []struct {
	name, file string
	classes    int
	shape      []int
	adamW      bool
}{
	{"ham-resnet-48", "../specs/ham-resnet.txt", 7, []int{3, 48, 48}, true},
	{"ham-resnet-64", "../specs/ham-resnet.txt", 7, []int{3, 64, 64}, true},
	{"mnist-bn", "../specs/mnist-bn.txt", 10, []int{1, 28, 28}, false},
}

// benchSpecNet builds the network of a spec file for inputs of the given
// shape.
func benchSpecNet(b *testing.B, file string, classes int, shape []int) (*nn.Sequential, *nn.Env) {
	text, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	spec, err := Parse(string(text))
	if err != nil {
		b.Fatal(err)
	}
	env := nn.NewEnv(1, 0)
	net, err := spec.Build(shape, env)
	if err != nil {
		b.Fatal(err)
	}
	return net, env
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
				benchInference(b, net, env, x)
			})
		}
	}
}

// benchInference times inference on one batch, after one pass to warm up,
// and reports images per second. The network's environment is frozen
// (nn.Env.Freeze), as gocnn predict, serve and bench freeze theirs.
func benchInference(b *testing.B, net *nn.Sequential, env *nn.Env, x *tensor.Tensor) {
	env.Freeze()
	net.Forward(x, false)
	b.ResetTimer()
	for range b.N {
		net.Forward(x, false)
	}
	b.ReportMetric(float64(x.Shape[0]*b.N)/b.Elapsed().Seconds(), "images/s")
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
