package nn

import (
	"fmt"
	"github.com/gocnn/gocnn/internal/winograd"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestWinogradMatchesDirect runs 3×3 convolutions of many shapes both
// ways, by each of Winograd's algorithms and by the direct product, on
// the same weights, and checks that the outputs and all three gradients
// agree to within float32 rounding: 2e-6 of the largest magnitude of
// each quantity for F(2×2, 3×3), 2e-5 for F(4×4, 3×3); without a fused
// layer, the Winograd path is also held to ReferenceConvForward and
// ReferenceConvBackward to the same tolerance.
// The shapes cover odd and even sizes (half-empty last tiles), every
// padding Winograd takes, chunks of several images and chunks of part of
// one image, a fused ReLU, a fused max-pool (with a ReLU and without), one
// and two workers.
func TestWinogradMatchesDirect(t *testing.T) {
	r := rng.New(11)
	type shape struct{ c, out, h, w, pad, n int }
	cases := []shape{
		{3, 4, 5, 5, 1, 3}, {8, 8, 6, 6, 1, 5}, {5, 7, 7, 9, 0, 4}, {16, 12, 3, 3, 1, 6},
		{4, 6, 4, 5, 2, 2}, {9, 10, 24, 24, 1, 3}, {6, 5, 33, 20, 1, 2}, {32, 16, 12, 12, 1, 1},
		{3, 4, 70, 66, 1, 2}, {16, 16, 3, 3, 1, 5},
	}
	for _, alg := range []*winograd.Algorithm{winograd.F2, winograd.F4} {
		for i, sh := range cases {
			for _, fuse := range []string{"", "relu", "pool", "pool+relu"} {
				workers := 1 + i%2
				name := fmt.Sprintf("%s, %d→%d %dx%d pad %d, batch %d, %d workers %s", alg, sh.c, sh.out, sh.h, sh.w, sh.pad, sh.n, workers, fuse)
				x := tensor.New(sh.n, sh.c, sh.h, sh.w)
				r.FillUniform(x.Data, 1)
				var dy *tensor.Tensor
				var want [4][]float32
				for _, wino := range []bool{false, true} {
					env := NewEnv(uint64(i), workers)
					env.NeedInputGrad = true
					conv := &Conv2D{Out: sh.out, KH: 3, KW: 3, PadH: sh.pad, PadW: sh.pad}
					if _, err := conv.Build([]int{sh.c, sh.h, sh.w}, env); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					conv.InitWeights(HeNormal, env.Rand)
					env.Rand.FillUniform(conv.bias.Value.Data, 1) // make the bias count
					conv.wino = nil
					if wino {
						forceWinograd(conv, alg)
					}
					var layer Layer = conv
					switch fuse {
					case "relu":
						layer = convReLU{conv}
					case "pool", "pool+relu":
						pool := NewMaxPool2D(2)
						if _, err := pool.Build(conv.outShape, env); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						layer = convPool{conv, pool, fuse == "pool+relu"}
					}
					// Twice, to run on memory a first pass has used.
					var got [4][]float32
					for range 2 {
						y := layer.Forward(x, true)
						if dy == nil {
							dy = tensor.New(y.Shape...)
							r.FillUniform(dy.Data, 1)
						}
						dx := layer.Backward(dy)
						got = [4][]float32{y.Data, conv.weight.Grad.Data, conv.bias.Grad.Data, dx.Data}
					}
					env.Close()
					if !wino {
						for k := range got {
							want[k] = append([]float32(nil), got[k]...)
						}
						continue
					}
					tol := 2e-6
					if alg == winograd.F4 {
						tol = 2e-5 // see package winograd
					}
					for k, what := range []string{"y", "∂L/∂W", "∂L/∂b", "∂L/∂x"} {
						if err := closeTo(got[k], want[k], tol); err != "" {
							t.Errorf("%s: %s: %s", name, what, err)
						}
					}
					if fuse == "" { // and against the definition
						refY := ReferenceConvForward(conv.geometry(), x, conv.weight.Value.Data, conv.bias.Value.Data)
						refDW, refDB, refDX := ReferenceConvBackward(conv.geometry(), x, conv.weight.Value.Data, dy)
						for k, ref := range [][]float32{refY.Data, refDW, refDB, refDX.Data} {
							if err := closeTo(got[k], ref, tol); err != "" {
								t.Errorf("%s: %s against the reference: %s", name, []string{"y", "∂L/∂W", "∂L/∂b", "∂L/∂x"}[k], err)
							}
						}
					}
				}
			}
		}
	}
}

// forceWinograd has c computed by alg's Winograd method for every batch,
// whatever this machine and the batch size would choose.
func forceWinograd(c *Conv2D, alg *winograd.Algorithm) {
	c.wino = newWinoConv(c, alg)
	c.wino.always = true
}
