package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The benchmarks work on the output of the tiny model's convolution for
// one batch: 64 images × 8 channels × 26×26 = 346,112 floats (1.4 MB per
// array). SetBytes counts the bytes each call reads and writes, so MB/s is
// memory traffic.
const (
	benchPlanes = 64 * 8
	benchH      = 26
	benchW      = 26
	benchN      = benchPlanes * benchH * benchW
)

// benchImpls runs bench once per implementation this processor can run.
func benchImpls(b *testing.B, bytes int, bench func(b *testing.B, k *kernels)) {
	for _, impl := range implementations() {
		b.Run(impl.k.name, func(b *testing.B) {
			if !impl.supported {
				b.Skipf("this processor cannot run the %s kernels", impl.k.name)
			}
			b.SetBytes(int64(bytes))
			bench(b, impl.k)
		})
	}
}

// benchData returns n values of both signs, as activations are.
func benchData(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func BenchmarkRelu(b *testing.B) {
	x, dst := benchData(1, benchN), make([]float32, benchN)
	benchImpls(b, 8*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.relu(dst, x)
		}
	})
}

// BenchmarkAddTo times a residual block's sum and ReLU in one pass
// (AddTo), and as the copy, Add and Relu it replaces.
func BenchmarkAddTo(b *testing.B) {
	x, y, dst := benchData(1, benchN), benchData(2, benchN), make([]float32, benchN)
	benchImpls(b, 12*benchN, func(b *testing.B, k *kernels) {
		b.Run("fused", func(b *testing.B) {
			b.SetBytes(12 * benchN)
			for b.Loop() {
				k.addTo(dst, x, y, true)
			}
		})
		b.Run("three-passes", func(b *testing.B) {
			b.SetBytes(12 * benchN)
			for b.Loop() {
				copy(dst, x)
				k.add(dst, y)
				k.relu(dst, dst)
			}
		})
	})
}

func BenchmarkReluBackward(b *testing.B) {
	y, dy, dx := benchData(1, benchN), benchData(2, benchN), make([]float32, benchN)
	reluGo(y, y)
	benchImpls(b, 12*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.reluBackward(dx, dy, y)
		}
	})
}

// BenchmarkFill fills the batch one plane at a time, as a convolution
// starts each output channel at its bias.
func BenchmarkFill(b *testing.B) {
	dst := make([]float32, benchN)
	const plane = benchH * benchW
	benchImpls(b, 4*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			for p := range benchPlanes {
				k.fill(dst[p*plane:(p+1)*plane], 0.25)
			}
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	x, dst := benchData(1, benchN), benchData(2, benchN)
	benchImpls(b, 12*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.add(dst, x)
		}
	})
}

func BenchmarkAddScaled(b *testing.B) {
	x, dst := benchData(1, benchN), benchData(2, benchN)
	benchImpls(b, 12*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.addScaled(dst, x, 1e-6)
		}
	})
}

func BenchmarkMul(b *testing.B) {
	x, y, dst := benchData(1, benchN), benchData(2, benchN), make([]float32, benchN)
	benchImpls(b, 12*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.mul(dst, x, y)
		}
	})
}

// BenchmarkSum sums the batch one plane at a time, as a convolution adds
// up its bias gradient.
func BenchmarkSum(b *testing.B) {
	x := benchData(1, benchN)
	const plane = benchH * benchW
	var sink float32
	benchImpls(b, 4*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			for p := range benchPlanes {
				sink += k.sum(x[p*plane : (p+1)*plane])
			}
		}
	})
	_ = sink
}

// BenchmarkMaxPool2x2 pools the batch one 26×26 plane at a time, as the
// tiny model's pooling layer does.
func BenchmarkMaxPool2x2(b *testing.B) {
	src := benchData(1, benchN)
	const in, out = benchH * benchW, (benchH / 2) * (benchW / 2)
	dst, arg := make([]float32, benchPlanes*out), make([]int32, benchPlanes*out)
	benchImpls(b, benchPlanes*(4*in+8*out), func(b *testing.B, k *kernels) {
		for b.Loop() {
			for p := range benchPlanes {
				k.maxPool2x2(dst[p*out:(p+1)*out], arg[p*out:(p+1)*out], src[p*in:(p+1)*in], benchH, benchW)
			}
		}
	})
}

func BenchmarkScale(b *testing.B) {
	dst := benchData(1, benchN)
	benchImpls(b, 8*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.scale(dst, 1)
		}
	})
}

func BenchmarkAxpby(b *testing.B) {
	x, dst := benchData(1, benchN), benchData(2, benchN)
	benchImpls(b, 12*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.axpby(dst, x, 1, 1e-6)
		}
	})
}

func BenchmarkSumSquares(b *testing.B) {
	x := benchData(1, benchN)
	var sink float64
	benchImpls(b, 4*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			sink += k.sumSquares(x)
		}
	})
	_ = sink
}

// The optimiser steps run over benchN parameters, with SetBytes counting
// the slices read and written.

func BenchmarkSGD(b *testing.B) {
	w, g, v := benchData(1, benchN), benchData(2, benchN), benchData(3, benchN)
	Scale(g, 1e-3)
	s := SGDStep{LR: 1e-2, Momentum: 0.9, WeightDecay: 5e-4}
	benchImpls(b, 20*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.sgdMomentum(w, g, v, s)
		}
	})
}

func BenchmarkAdam(b *testing.B) {
	w, g, m, v := benchData(1, benchN), benchData(2, benchN), make([]float32, benchN), make([]float32, benchN)
	Scale(g, 1e-3)
	s := AdamStep{Beta1: 0.9, Beta2: 0.999, StepSize: 1e-3, Root2: 1, Eps: 1e-8, Decoupled: true, Shrink: 1 - 1e-5}
	benchImpls(b, 28*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.adam(w, g, m, v, s)
		}
	})
}

func BenchmarkRMSProp(b *testing.B) {
	w, g, sq, buf := benchData(1, benchN), benchData(2, benchN), make([]float32, benchN), make([]float32, benchN)
	Scale(g, 1e-3)
	s := RMSPropStep{LR: 1e-3, Alpha: 0.99, Eps: 1e-8, Momentum: 0.9}
	benchImpls(b, 28*benchN, func(b *testing.B, k *kernels) {
		for b.Loop() {
			k.rmsProp(w, g, sq, buf, s)
		}
	})
}

// BenchmarkSumBySize sums arrays from 1 MB to 512 MB, one 16 KB run at
// a time: the rate at which one core reads memory the caches hold and
// memory they do not, the line between them being how much of the last
// level cache a process has on a shared machine. A training step whose
// buffers add up to more than that reads most of them at the slower
// rate, which is why the layers share their scratch memory (see
// nn.Env).
//
//	go test -run '^$' -bench SumBySize -cpu 1 ./internal/vec
func BenchmarkSumBySize(b *testing.B) {
	for _, mb := range []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512} {
		x := benchData(1, mb<<20/4)
		var sink float32
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			b.SetBytes(int64(len(x) * 4))
			for b.Loop() {
				for i := 0; i < len(x); i += 4096 {
					sink += Sum(x[i : i+4096])
				}
			}
		})
		_ = sink
	}
}
