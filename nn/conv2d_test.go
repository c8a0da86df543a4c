package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocnn/gocnn/internal/gemm"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

func TestConv2DMatchesReference(t *testing.T) {
	r := rng.New(1)
	for trial := 0; trial < 40; trial++ {
		conv := &Conv2D{
			Out: 1 + r.IntN(6), KH: 1 + r.IntN(5), KW: 1 + r.IntN(5),
			StrideH: 1 + r.IntN(3), StrideW: 1 + r.IntN(3), PadH: r.IntN(3), PadW: r.IntN(3),
		}
		in := []int{1 + r.IntN(4), conv.KH + r.IntN(9), conv.KW + r.IntN(9)}
		n := 1 + r.IntN(5)
		name := fmt.Sprintf("%d@%dx%d s%dx%d p%dx%d on %v", conv.Out, conv.KH, conv.KW, conv.StrideH, conv.StrideW, conv.PadH, conv.PadW, in)
		env := NewEnv(uint64(trial), 1+trial%3)
		if _, err := conv.Build(in, env); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		conv.InitWeights(HeNormal, env.Rand)
		r.FillUniform(conv.bias.Value.Data, 1)
		x := tensor.New(append([]int{n}, in...)...)
		r.FillUniform(x.Data, 1)
		got := conv.Forward(x, false)
		want := ReferenceConvForward(conv.geometry(), x, conv.weight.Value.Data, conv.bias.Value.Data)
		if !tensor.SameShape(got.Shape, want.Shape) {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
		}
		for i := range want.Data {
			if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-5*(1+math.Abs(float64(want.Data[i]))) {
				t.Fatalf("%s: element %d is %v, want %v", name, i, got.Data[i], want.Data[i])
			}
		}
		env.Close()
	}
}

func TestMaxPool2DMatchesReference(t *testing.T) {
	r := rng.New(2)
	for trial := 0; trial < 40; trial++ {
		pool := &MaxPool2D{KH: 1 + r.IntN(4), KW: 1 + r.IntN(4), StrideH: 1 + r.IntN(4), StrideW: 1 + r.IntN(4)}
		in := []int{1 + r.IntN(4), pool.KH + r.IntN(9), pool.KW + r.IntN(9)}
		env := NewEnv(1, 1+trial%2)
		if _, err := pool.Build(in, env); err != nil {
			t.Fatal(err)
		}
		x := tensor.New(append([]int{1 + r.IntN(4)}, in...)...)
		r.FillUniform(x.Data, 1)
		got := pool.Forward(x, true)
		want, argmax := ReferenceMaxPoolForward(x, pool.KH, pool.KW, pool.StrideH, pool.StrideW)
		if !tensor.SameShape(got.Shape, want.Shape) {
			t.Fatalf("pool %+v on %v: shape %v, want %v", *pool, in, got.Shape, want.Shape)
		}
		for i := range want.Data {
			if got.Data[i] != want.Data[i] {
				t.Fatalf("pool %dx%d stride %dx%d on %v: element %d is %v, want %v", pool.KH, pool.KW, pool.StrideH, pool.StrideW, in, i, got.Data[i], want.Data[i])
			}
		}
		// The gradient goes back to the winners, summed where windows
		// overlap: the same sums, in the same order, so the same bits.
		dy := tensor.New(got.Shape...)
		r.FillUniform(dy.Data, 1)
		gotDX := pool.Backward(dy)
		wantDX := ReferenceMaxPoolBackward(x.Shape, argmax, dy)
		if err := closeTo(gotDX.Data, wantDX.Data, 1e-6); err != "" {
			t.Fatalf("pool %dx%d stride %dx%d on %v: ∂L/∂x: %s", pool.KH, pool.KW, pool.StrideH, pool.StrideW, in, err)
		}
		env.Close()
	}
}

func TestOutputShapes(t *testing.T) {
	for _, c := range []struct {
		layer Layer
		in    []int
		want  []int
	}{
		{NewConv2D(32, 3), []int{1, 28, 28}, []int{32, 26, 26}},
		{&Conv2D{Out: 6, KH: 5, KW: 5, PadH: 2, PadW: 2}, []int{1, 28, 28}, []int{6, 28, 28}},
		{&Conv2D{Out: 8, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, []int{3, 7, 10}, []int{8, 4, 5}},
		{NewMaxPool2D(2), []int{8, 7, 9}, []int{8, 3, 4}},
		{NewFlatten(), []int{64, 12, 12}, []int{9216}},
	} {
		env := NewEnv(1, 1)
		got, err := c.layer.Build(c.in, env)
		if err != nil || !tensor.SameShape(got, c.want) {
			t.Errorf("%s on %v: got %v, %v; want %v", c.layer.Kind(), c.in, got, err, c.want)
		}
		env.Close()
	}
}

// TestConv2DBackwardPathsAgree runs the backward pass every way Conv2D
// has (keeping the col matrices from the forward pass, rebuilding them
// with im2col, rebuilding their transposes with im2row, each with ∂L/∂W
// or its transpose), checks each against ReferenceConvBackward, and
// checks that they agree with one another bit for bit. A last path puts
// several images in each product (as a small image's convolution does,
// see imagesPerProduct), which sums ∂L/∂W over a group's positions in one
// product rather than image by image, so it must agree to within
// rounding, and the rest bit for bit.
func TestConv2DBackwardPathsAgree(t *testing.T) {
	r := rng.New(5)
	for trial := 0; trial < 30; trial++ {
		proto := Conv2D{
			Out: 1 + r.IntN(20), KH: 1 + r.IntN(5), KW: 1 + r.IntN(5),
			StrideH: 1 + r.IntN(2), StrideW: 1 + r.IntN(2), PadH: r.IntN(3), PadW: r.IntN(3),
		}
		in := []int{1 + r.IntN(12), proto.KH + r.IntN(9), proto.KW + r.IntN(9)}
		n, workers := 1+r.IntN(5), 1+trial%3
		name := fmt.Sprintf("%d@%dx%d s%dx%d p%dx%d on %v, %d workers", proto.Out, proto.KH, proto.KW,
			proto.StrideH, proto.StrideW, proto.PadH, proto.PadW, in, workers)
		x := tensor.New(append([]int{n}, in...)...)
		r.FillUniform(x.Data, 1)
		var dy *tensor.Tensor
		var want [3][]float32 // dW, dB and dx of the first path
		for path, setup := range []func(*Conv2D){
			func(c *Conv2D) { c.transposedDW = false },                                   // keep col
			func(c *Conv2D) { c.transposedDW = true },                                    // keep col, ∂L/∂Wbᵀ
			func(c *Conv2D) { c.keepLimit, c.useRows, c.transposedDW = 0, false, false }, // im2col again
			func(c *Conv2D) { c.keepLimit, c.useRows, c.transposedDW = 0, false, true },
			func(c *Conv2D) { c.keepLimit, c.useRows, c.transposedDW = 0, true, false }, // im2row
			func(c *Conv2D) { c.keepLimit, c.useRows, c.transposedDW = 0, true, true },
			func(c *Conv2D) { _ = c.plan(2 + r.IntN(4)) }, // several images per product
		} {
			env := NewEnv(uint64(trial), workers)
			env.NeedInputGrad = true
			conv := proto
			if _, err := conv.Build(in, env); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			conv.InitWeights(HeNormal, env.Rand)
			conv.wino = nil
			if err := conv.plan(1); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if path == 4 || path == 5 {
				// Build plans im2row only where it would use it.
				conv.rowStride = conv.In*conv.KH*conv.KW + 1
				conv.rowOrder = conv.geom.rowOrder()
			}
			setup(&conv)
			y := conv.Forward(x, true)
			if dy == nil {
				dy = tensor.New(y.Shape...)
				r.FillUniform(dy.Data, 1)
			}
			dx := conv.Backward(dy)
			got := [3][]float32{conv.weight.Grad.Data, conv.bias.Grad.Data, dx.Data}
			if path == 0 {
				for i := range got {
					want[i] = append([]float32(nil), got[i]...)
				}
			}
			// Every path against the definition, in float64.
			refDW, refDB, refDX := ReferenceConvBackward(conv.geometry(), x, conv.weight.Value.Data, dy)
			for i, ref := range [][]float32{refDW, refDB, refDX.Data} {
				if err := closeTo(got[i], ref, 1e-5); err != "" {
					t.Fatalf("%s, path %d: %s against the reference: %s", name, path, []string{"∂L/∂W", "∂L/∂b", "∂L/∂x"}[i], err)
				}
			}
			for i, what := range []string{"∂L/∂W", "∂L/∂b", "∂L/∂x"} {
				if path == 6 && i < 2 {
					if err := closeTo(got[i], want[i], 1e-6); err != "" {
						t.Fatalf("%s, %d images a product: %s: %s", name, conv.images, what, err)
					}
					continue
				}
				for j := range want[i] {
					if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
						t.Fatalf("%s, path %d: %s[%d] = %v, want %v (kept col)", name, path, what, j, got[i][j], want[i][j])
					}
				}
			}
			env.Close()
		}
	}
}

// requireTransposed stops a test whose case was chosen to run a product
// transposed when it would not: a failure with AVX-512's multiply, whose
// tile shapes the cases were chosen for, and a skip with another kernel,
// whose tiles may make a different choice.
func requireTransposed(t *testing.T, transposed bool, format string, args ...any) {
	t.Helper()
	if transposed {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if gemm.Kernel() != "avx512" {
		t.Skipf("%s with the %s multiply's tiles", msg, gemm.Kernel())
	}
	t.Fatalf("%s: the case tests nothing", msg)
}

// closeTo says how got differs from want by more than tol times want's
// largest magnitude, or returns "".
func closeTo(got, want []float32, tol float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	var scale float64
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*scale) {
			return fmt.Sprintf("[%d] = %v, want %v (scale %.3g)", i, got[i], want[i], scale)
		}
	}
	return ""
}

// TestConv2DTransposedProduct checks the forward product computed as its
// transpose (swapPays: many filters, few output positions, as deep layers
// see at batch 1): the same bits as the product computed the usual way,
// and the reference's values, at batch 1 and in groups of images, on one
// worker and two.
func TestConv2DTransposedProduct(t *testing.T) {
	r := rng.New(9)
	for _, c := range []struct {
		out, stride int
		in          []int
	}{
		{64, 1, []int{5, 3, 3}},
		{96, 2, []int{4, 6, 6}},
		{128, 1, []int{8, 6, 6}},
		{64, 1, []int{32, 6, 6}},
	} {
		for _, n := range []int{1, 2, 7} {
			for workers := 1; workers <= 2; workers++ {
				name := fmt.Sprintf("%d filters stride %d on %v, batch %d, %d workers", c.out, c.stride, c.in, n, workers)
				x := tensor.New(append([]int{n}, c.in...)...)
				r.FillUniform(x.Data, 1)
				var outs [2][]float32
				for i, noSwap := range []bool{true, false} {
					env := NewEnv(3, workers)
					conv := &Conv2D{Out: c.out, KH: 3, KW: 3, StrideH: c.stride, StrideW: c.stride, PadH: 1, PadW: 1}
					if _, err := conv.Build(c.in, env); err != nil {
						t.Fatal(err)
					}
					conv.wino, conv.noSwap = nil, noSwap
					rng.New(4).FillUniform(conv.bias.Value.Data, 1)
					k := conv.In * 9
					p := conv.geom.oh * conv.geom.ow
					requireTransposed(t, swapPays(c.out, p, k) || swapPays(c.out, conv.geom.ld, k),
						"%s: a product of %d positions would not be transposed", name, p)
					outs[i] = append([]float32(nil), conv.Forward(x, false).Data...)
					want := ReferenceConvForward(conv.geometry(), x, conv.weight.Value.Data, conv.bias.Value.Data)
					if err := closeTo(outs[i], want.Data, 1e-5); err != "" {
						t.Fatalf("%s, transposed %v: against the reference: %s", name, !noSwap, err)
					}
					env.Close()
				}
				for j := range outs[0] {
					if math.Float32bits(outs[0][j]) != math.Float32bits(outs[1][j]) {
						t.Fatalf("%s: output [%d] is %v transposed, %v not", name, j, outs[1][j], outs[0][j])
					}
				}
			}
		}
	}
}
