package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocnn/gocnn/internal/parallel"
)

// A benchShape is a product to time.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// benchShapes are square products; the products one image makes in the
// mnist-cnn model (conv: 32 3×3 filters on 28×28, then 64 3×3×32 on
// 26×26, as im2col products with the bias as an extra row: forward with
// the filters transposed, the weight gradient as its transpose col·dyᵀ,
// the input gradient; dense: a 9216→128 layer and a 128→10 layer on a
// batch of 64, x·Wᵀ, and the 9216→128 layer's gradients); and the forward
// products of smaller conv layers (8 3×3 filters on 28×28, LeNet-5's 6
// 5×5 filters on 32×32), where the overheads of a call show most; and
// Winograd products of one image, few tiles wide.
var benchShapes = []benchShape{
	{name: "square64", m: 64, n: 64, k: 64},
	{name: "square256", m: 256, n: 256, k: 256},
	{name: "square512", m: 512, n: 512, k: 512},
	{name: "square1024", m: 1024, n: 1024, k: 1024},
	{name: "conv1-forward-32x676x10-transA", transA: true, m: 32, n: 676, k: 10},
	{name: "conv1-weightgrad-10x32x676-transB", transB: true, m: 10, n: 32, k: 676},
	{name: "conv2-forward-64x576x289-transA", transA: true, m: 64, n: 576, k: 289},
	{name: "conv2-weightgrad-289x64x576-transA-transB", transA: true, transB: true, m: 289, n: 64, k: 576},
	{name: "conv2-inputgrad-288x576x64-transA", transA: true, m: 288, n: 576, k: 64},
	{name: "dense1-64x128x9216-transB", transB: true, m: 64, n: 128, k: 9216},
	{name: "dense1-weightgrad-128x9216x64-transA", transA: true, m: 128, n: 9216, k: 64},
	{name: "dense1-inputgrad-64x9216x128", m: 64, n: 9216, k: 128},
	{name: "dense2-64x10x128-transB", transB: true, m: 64, n: 10, k: 128},
	{name: "tiny-conv-8x676x10-transA", transA: true, m: 8, n: 676, k: 10},
	{name: "lenet-conv1-6x784x26-transA", transA: true, m: 6, n: 784, k: 26},
	// Winograd F(4x4, 3x3) products of one image (batch-1 inference):
	// filters × tiles × channels, the filters read in place.
	{name: "wino-b1-ham48-32x36x32-transA", transA: true, m: 32, n: 36, k: 32},
	{name: "wino-b1-ham48-64x9x64-transA", transA: true, m: 64, n: 9, k: 64},
	{name: "wino-b1-mnistbn-32x49x32-transA", transA: true, m: 32, n: 49, k: 32},
	{name: "wino-b1-mnistbn-64x16x64-transA", transA: true, m: 64, n: 16, k: 64},
}

// BenchmarkSgemm times each shape on one goroutine (a Workspace) and on an
// Engine over a pool of two workers, and reports GFLOP/s (2mnk flops per
// product).
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		rng := rand.New(rand.NewPCG(1, 2))
		rowsA, colsA := s.m, s.k
		if s.transA {
			rowsA, colsA = s.k, s.m
		}
		rowsB, colsB := s.k, s.n
		if s.transB {
			rowsB, colsB = s.n, s.k
		}
		x := randomMatrix(rng, rowsA, colsA)
		y := randomMatrix(rng, rowsB, colsB)
		z := make([]float32, s.m*s.n)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(s.name+"/single", func(b *testing.B) {
			var ws Workspace
			for b.Loop() {
				ws.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, colsA, y, colsB, 0, z, s.n)
			}
			report(b)
		})
		b.Run(s.name+"/workers2", func(b *testing.B) {
			pool := parallel.New(2)
			defer pool.Close()
			e := NewEngine(pool)
			for b.Loop() {
				e.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, colsA, y, colsB, 0, z, s.n)
			}
			report(b)
		})
	}
}

// BenchmarkKernels times a 512×512×512 product with each micro-kernel this
// CPU can run, on one goroutine, to compare them.
func BenchmarkKernels(b *testing.B) {
	const n = 512
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomMatrix(rng, n, n)
	y := randomMatrix(rng, n, n)
	z := make([]float32, n*n)
	for _, kc := range allKernels() {
		b.Run(fmt.Sprintf("%s/square%d", kc.kern.name, n), func(b *testing.B) {
			if !kc.supported {
				b.Skipf("this CPU cannot run the %s kernel", kc.kern.name)
			}
			var ws Workspace
			for b.Loop() {
				ws.sgemm(kc.kern, false, false, n, n, n, 1, x, n, y, n, 0, z, n)
			}
			b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkWinogradProducts times the products of one chunk of a
// Winograd convolution in training (batch 64), U_ξ [In, Out] read
// transposed: with Sgemm, reading U_ξ in place or copying it into
// slivers as the driver decides ("inplace"), and with U_ξ packed once
// beforehand ("packed"), as the layer does. Each shape is Out×tiles×In
// with the number of ξ: specs/ham-resnet.txt at 48x48 (32 channels on
// 24x24, 64 on 12x12, F(4×4); 128 on 6x6, F(2×2); 256 on 3x3, F(4×4)).
//
//	go test -run '^$' -bench WinogradProducts -cpu 1 ./internal/gemm
func BenchmarkWinogradProducts(b *testing.B) {
	for _, s := range []struct{ m, n, k, points int }{
		{32, 216, 32, 36}, {64, 108, 64, 36}, {128, 126, 128, 16}, {256, 32, 256, 36},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		u := randomMatrix(rng, s.points*s.k, s.m)
		v := randomMatrix(rng, s.points*s.k, s.n)
		c := make([]float32, s.points*s.m*s.n)
		packed := make([]PackedA, s.points)
		for xi := range packed {
			packed[xi].Pack(true, s.m, s.k, 1, u[xi*s.k*s.m:], s.m)
		}
		for _, how := range []string{"inplace", "packed"} {
			b.Run(fmt.Sprintf("%dx%dx%dx%d/%s", s.m, s.n, s.k, s.points, how), func(b *testing.B) {
				var ws Workspace
				for b.Loop() {
					for xi := range s.points {
						vx, cx := v[xi*s.k*s.n:], c[xi*s.m*s.n:]
						if how == "packed" {
							ws.SgemmPacked(&packed[xi], false, s.n, vx, s.n, 0, cx, s.n)
						} else {
							ws.Sgemm(true, false, s.m, s.n, s.k, 1, u[xi*s.k*s.m:], s.m, vx, s.n, 0, cx, s.n)
						}
					}
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k*s.points)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
