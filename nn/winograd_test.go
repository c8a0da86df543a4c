package nn

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/internal/gemm"
	"github.com/gocnn/gocnn/internal/winograd"
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
		// Many channels on an image of more tiles than a chunk: F(4×4)'s
		// weight gradient from the batch's tiles, row chunk by row chunk.
		{128, 128, 32, 32, 1, 1},
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

// TestWinogradTransposedProduct checks the products of a chunk with few
// tiles computed as their transposes (winoSwapPays: a small image at
// batch 1), forward (for F(4×4), from V transformed with the channels in
// the lanes) and for ∂L/∂x: the same bits as computed the usual way, in
// training and evaluation, on one worker and two; and that each case
// does take the transposed products.
func TestWinogradTransposedProduct(t *testing.T) {
	r := rng.New(21)
	for _, c := range []struct {
		alg        *winograd.Algorithm
		in, out, h int
		n          int
	}{
		{winograd.F4, 32, 32, 24, 1}, // 36 tiles
		{winograd.F4, 64, 64, 12, 1}, // 9 tiles
		{winograd.F4, 24, 40, 11, 2}, // 9 tiles an image, the last row and column partly outside
		{winograd.F2, 48, 64, 6, 1},  // 9 tiles
	} {
		for workers := 1; workers <= 2; workers++ {
			name := fmt.Sprintf("%s, %d→%d on %dx%d, batch %d, %d workers", c.alg, c.in, c.out, c.h, c.h, c.n, workers)
			x := tensor.New(c.n, c.in, c.h, c.h)
			r.FillUniform(x.Data, 1)
			dy := tensor.New(c.n, c.out, c.h, c.h)
			r.FillUniform(dy.Data, 1)
			var got [2][5][]float32
			for i, noSwap := range []bool{true, false} {
				env := NewEnv(5, workers)
				env.NeedInputGrad = true
				conv := &Conv2D{Out: c.out, KH: 3, KW: 3, PadH: 1, PadW: 1}
				if _, err := conv.Build([]int{c.in, c.h, c.h}, env); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				conv.InitWeights(HeNormal, env.Rand)
				env.Rand.FillUniform(conv.bias.Value.Data, 1)
				forceWinograd(conv, c.alg)
				conv.noSwap = noSwap
				g := &conv.wino.fwd
				requireTransposed(t, winoSwapPays(c.out, g.th*g.tw) && winoSwapPays(c.in, g.th*g.tw),
					"%s: %d tiles an image would not be multiplied transposed", name, g.th*g.tw)
				clone := func(s []float32) []float32 { return append([]float32(nil), s...) }
				got[i][0] = clone(conv.Forward(x, true).Data)
				got[i][1] = clone(conv.Backward(dy).Data)
				got[i][2] = clone(conv.weight.Grad.Data)
				got[i][3] = clone(conv.bias.Grad.Data)
				got[i][4] = clone(conv.Forward(x, false).Data)
				env.Close()
			}
			for k, what := range []string{"y", "∂L/∂x", "∂L/∂W", "∂L/∂b", "y in evaluation"} {
				for j := range got[0][k] {
					if math.Float32bits(got[0][k][j]) != math.Float32bits(got[1][k][j]) {
						t.Fatalf("%s: %s[%d] is %v transposed, %v not", name, what, j, got[1][k][j], got[0][k][j])
					}
				}
			}
		}
	}
}

// TestWinogradFiltersAcrossBatches checks that a layer evaluating one
// batch whose chunks all go across (U read packed only) and then one
// multiplied transposed (U read in place, made only then) gives each
// the bits a layer that saw only that batch gives, frozen or not, and
// again after going back.
func TestWinogradFiltersAcrossBatches(t *testing.T) {
	r := rng.New(22)
	for _, alg := range []*winograd.Algorithm{winograd.F2, winograd.F4} {
		for _, frozen := range []bool{false, true} {
			build := func() (*Conv2D, *Env) {
				env := NewEnv(7, 2)
				conv := &Conv2D{Out: 32, KH: 3, KW: 3, PadH: 1, PadW: 1}
				if _, err := conv.Build([]int{32, 12, 12}, env); err != nil {
					t.Fatal(err)
				}
				conv.InitWeights(HeNormal, env.Rand)
				forceWinograd(conv, alg)
				if frozen {
					env.Freeze()
				}
				return conv, env
			}
			one, many := tensor.New(1, 32, 12, 12), tensor.New(16, 32, 12, 12)
			r.FillUniform(one.Data, 1)
			r.FillUniform(many.Data, 1)
			conv, env := build()
			requireTransposed(t, conv.wino.swaps(&conv.wino.fwd, conv.wino.batchChunks(nil, 1)) &&
				!conv.wino.swaps(&conv.wino.fwd, conv.wino.batchChunks(nil, 16)),
				"%s: batch 1 would not be multiplied transposed, or batch 16 would", alg)
			want := func(x *tensor.Tensor) []float32 {
				fresh, env := build()
				defer env.Close()
				return append([]float32(nil), fresh.Forward(x, false).Data...)
			}
			wantOne, wantMany := want(one), want(many)
			for i, x := range []*tensor.Tensor{many, one, many, one} {
				w := wantMany
				if x == one {
					w = wantOne
				}
				got := conv.Forward(x, false).Data
				for j := range w {
					if math.Float32bits(got[j]) != math.Float32bits(w[j]) {
						t.Fatalf("%s, frozen %v, call %d (batch %d): y[%d] = %v, want %v", alg, frozen, i, x.Shape[0], j, got[j], w[j])
					}
				}
			}
			env.Close()
		}
	}
}

// TestWinogradPackedFilters checks the filter transforms that write the
// packed U_ξ straight into the multiply's slivers (transformPacked)
// against the ones that compute each U_ξ as a matrix and pack it, forward
// and for the turned filters: each packed U_ξ, multiplied by the same
// matrix, gives the same bits. The shapes have slivers with padding rows
// (20 and 12 rows are not whole slivers) and more channels than one
// block of the multiply holds.
func TestWinogradPackedFilters(t *testing.T) {
	r := rng.New(23)
	for _, alg := range []*winograd.Algorithm{winograd.F2, winograd.F4} {
		for _, shape := range [][2]int{{12, 20}, {40, 24}, {8, 600}} {
			in, out := shape[0], shape[1]
			env := NewEnv(7, 2)
			conv := &Conv2D{Out: out, KH: 3, KW: 3, PadH: 1, PadW: 1}
			if _, err := conv.Build([]int{in, 8, 8}, env); err != nil {
				t.Fatal(err)
			}
			r.FillUniform(conv.weight.Value.Data, 1)
			forceWinograd(conv, alg)
			wc := conv.wino
			ws := env.gemm.Workspace(0)
			products := func(packed []gemm.PackedA, m, k int) []float32 {
				b := make([]float32, k*5)
				rng.New(24).FillUniform(b, 1)
				c := make([]float32, len(packed)*m*5)
				for xi := range packed {
					ws.SgemmPacked(&packed[xi], false, 5, b, 5, 0, c[xi*m*5:], 5)
				}
				return c
			}
			name := fmt.Sprintf("%s, %d to %d channels", alg, in, out)
			wc.placeFilters(&wc.packedFwd, false) // as an evaluation pass does first
			wc.placeFilters(&wc.packedBack, false)
			wc.transformFilters(false)
			direct := products(wc.uPacked, out, in)
			wc.transformFilters(true)
			equalBits(t, name+", forward", products(wc.uPacked, out, in), direct)
			wc.transformBackFilters(false)
			direct = products(wc.uBackPacked, in, out)
			wc.transformBackFilters(true)
			equalBits(t, name+", turned", products(wc.uBackPacked, in, out), direct)
			env.Close()
		}
	}
}

// TestWinogradBackFiltersAcrossBatches checks the turned filters across
// backward passes after evaluation, where the filters are transformed
// once for as long as they stay put: one batch whose input gradients
// are all multiplied across (uBack read packed only) and one where some
// are multiplied transposed (uBack read in place, made only then, though
// its forward products all go across and make nothing anew) give each
// the gradients of a layer that saw only that batch, bit for bit.
func TestWinogradBackFiltersAcrossBatches(t *testing.T) {
	r := rng.New(25)
	for _, c := range []struct {
		alg        *winograd.Algorithm
		in, out, h int
	}{
		{winograd.F4, 16, 8, 12}, // at batch 1, 9 tiles of 8 filters forward, of 16 backward
	} {
		build := func() (*Conv2D, *Env) {
			env := NewEnv(7, 2)
			env.NeedInputGrad = true
			conv := &Conv2D{Out: c.out, KH: 3, KW: 3, PadH: 1, PadW: 1}
			if _, err := conv.Build([]int{c.in, c.h, c.h}, env); err != nil {
				t.Fatal(err)
			}
			conv.InitWeights(HeNormal, env.Rand)
			forceWinograd(conv, c.alg)
			return conv, env
		}
		batch := func(n, channels int) *tensor.Tensor {
			x := tensor.New(n, channels, c.h, c.h)
			r.FillUniform(x.Data, 1)
			return x
		}
		one, many := batch(1, c.in), batch(16, c.in)
		dyOne, dyMany := batch(1, c.out), batch(16, c.out)
		conv, env := build()
		wc := conv.wino
		requireTransposed(t, wc.backwardSwaps(1) && !wc.backwardSwaps(16) && !wc.swaps(&wc.fwd, wc.batchChunks(nil, 1)),
			"%s: batch 1's input gradient would not be multiplied transposed, or batch 16's would, or batch 1's output", c.alg)
		step := func(conv *Conv2D, x, dy *tensor.Tensor) []float32 {
			conv.Forward(x, false)
			dx := conv.Backward(dy)
			return append(append([]float32(nil), dx.Data...), conv.weight.Grad.Data...)
		}
		want := func(x, dy *tensor.Tensor) []float32 {
			fresh, env := build()
			defer env.Close()
			return step(fresh, x, dy)
		}
		wantOne, wantMany := want(one, dyOne), want(many, dyMany)
		for i, x := range []*tensor.Tensor{many, one, many, one} {
			w, dy := wantMany, dyMany
			if x == one {
				w, dy = wantOne, dyOne
			}
			equalBits(t, fmt.Sprintf("%s, pass %d (batch %d)", c.alg, i, x.Shape[0]), step(conv, x, dy), w)
		}
		env.Close()
	}
}

// equalBits fails t unless got and want hold the same bits.
func equalBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// TestWinogradPaysAtBatchOne checks pays' choices at batch 1 for the
// three layers readCost was measured on: the two that ran faster direct
// stay direct, the one that ran faster by Winograd's method takes it.
func TestWinogradPaysAtBatchOne(t *testing.T) {
	for _, c := range []struct {
		out, h int
		alg    *winograd.Algorithm
		want   bool
	}{
		{128, 6, winograd.F2, true},
		{128, 8, winograd.F4, false},
		{256, 3, winograd.F4, false},
	} {
		env := NewEnv(1, 1)
		conv := &Conv2D{Out: c.out, KH: 3, KW: 3, PadH: 1, PadW: 1}
		if _, err := conv.Build([]int{c.out, c.h, c.h}, env); err != nil {
			t.Fatal(err)
		}
		wc := newWinoConv(conv, c.alg)
		if got := wc.pays(1); got != c.want {
			t.Errorf("%d filters on %dx%d by %s at batch 1: pays = %v, want %v", c.out, c.h, c.h, c.alg, got, c.want)
		}
		if !wc.pays(64) {
			t.Errorf("%d filters on %dx%d by %s at batch 64: pays = false", c.out, c.h, c.h, c.alg)
		}
		env.Close()
	}
}

// TestWinogradScratchHoldsNothing checks that no pass of a convolution
// reads what an earlier pass left in the workers' scratch or the block
// of transformed filters, which every layer of a network shares
// (Env.workerScratch, Env.filterBlock): a network of Winograd
// convolutions and a direct one, with layers between them that fill the
// scratch with NaN on the way forward and back, must give the bits it
// gives without them. The convolutions cover F(2×2) on images in parts,
// a fused pool, a residual body (the second convolution writing over its
// input), a strided direct convolution (im2row, col's row of ones), and
// a layer of few tiles taking its weight gradient over the batch
// (wantBatchGrads).
func TestWinogradScratchHoldsNothing(t *testing.T) {
	conv := func(out int) *Conv2D { return &Conv2D{Out: out, KH: 3, KW: 3, PadH: 1, PadW: 1} }
	poison := &scratchPoison{}
	algs := map[*Conv2D]*winograd.Algorithm{}
	wino := func(c *Conv2D, alg *winograd.Algorithm) *Conv2D { algs[c] = alg; return c }
	body := NewSequential(wino(conv(16), winograd.F4), NewBatchNorm(), NewReLU(), wino(conv(16), winograd.F4), NewBatchNorm())
	model := NewSequential(
		wino(conv(16), winograd.F2), NewBatchNorm(), NewReLU(), poison,
		wino(conv(16), winograd.F4), NewBatchNorm(), NewReLU(), NewMaxPool2D(2), poison,
		&Residual{Body: body}, NewReLU(), poison,
		&Conv2D{Out: 32, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, NewBatchNorm(), NewReLU(), poison,
		wino(conv(32), winograd.F4), NewBatchNorm(), NewReLU(), poison,
		NewGlobalAvgPool2D(), NewFlatten(), NewDense(3))
	env := NewEnv(3, 2)
	defer env.Close()
	env.NeedInputGrad = true
	if _, err := model.Build([]int{3, 40, 40}, env); err != nil {
		t.Fatal(err)
	}
	visitConvs(model.Layers, func(c *Conv2D) {
		if alg := algs[c]; alg != nil {
			forceWinograd(c, alg)
		}
	})
	if c := model.Layers[0].(*Conv2D); c.wino.fwd.rows >= c.wino.fwd.th {
		t.Fatal("the first convolution takes its images whole")
	}
	if c := model.Layers[16].(*Conv2D); !c.wino.wantBatchGrads(3 * c.wino.fwd.th * c.wino.fwd.tw) {
		t.Fatal("the last convolution does not take its weight gradient over the batch")
	}
	x := tensor.New(3, 3, 40, 40)
	rng.New(4).FillUniform(x.Data, 1)
	dy := tensor.New(3, 3)
	rng.New(5).FillUniform(dy.Data, 1)
	step := func() [][]float32 {
		got := [][]float32{slices.Clone(model.Forward(x, true).Data), slices.Clone(model.Backward(dy).Data)}
		for _, p := range model.Params() {
			if p.Grad != nil {
				got = append(got, slices.Clone(p.Grad.Data))
			}
		}
		return got
	}
	step() // the scratch made
	want := step()
	poison.on = true
	got := step()
	for i := range want {
		if d := bitsDiffer(got[i], want[i]); d != "" {
			t.Errorf("result %d (output, input gradient, parameter gradients in turn): %s", i, d)
		}
	}
	if poison.fills == 0 {
		t.Error("no scratch filled")
	}
}

// TestWinogradSharedMemory checks the memory Winograd convolutions built
// on one Env share (the workers' scratch, Env.workerScratch, and the
// block holding transformed filters in training, Env.filterBlock): two
// convolutions on one Env, each pass of one between the other's, must
// give the bits that the same two give each on an Env of its own,
// through training steps (the weights moved between them, as an
// optimiser moves them), evaluation with the filters kept from one
// batch to the next, input gradients after evaluation, training again,
// and a second backward pass after one forward pass.
func TestWinogradSharedMemory(t *testing.T) {
	r := rng.New(31)
	build := func(env *Env, in, out int, alg *winograd.Algorithm) *Conv2D {
		c := &Conv2D{Out: out, KH: 3, KW: 3, PadH: 1, PadW: 1}
		if _, err := c.Build([]int{in, 12, 12}, env); err != nil {
			t.Fatal(err)
		}
		forceWinograd(c, alg)
		return c
	}
	shared := NewEnv(1, 2)
	defer shared.Close()
	shared.NeedInputGrad = true
	var alone [2]*Env
	for i := range alone {
		alone[i] = NewEnv(1, 2)
		defer alone[i].Close()
		alone[i].NeedInputGrad = true
	}
	a, b := build(shared, 16, 24, winograd.F4), build(shared, 24, 16, winograd.F2)
	a2, b2 := build(alone[0], 16, 24, winograd.F4), build(alone[1], 24, 16, winograd.F2)
	for _, c := range []*Conv2D{a, b} {
		r.FillUniform(c.weight.Value.Data, 0.3)
		r.FillUniform(c.bias.Value.Data, 0.3)
	}
	x := tensor.New(3, 16, 12, 12)
	r.FillUniform(x.Data, 1)
	dy := tensor.New(3, 16, 12, 12)
	r.FillUniform(dy.Data, 1)
	pass := func(a, b *Conv2D, train bool, backwards int) [][]float32 {
		y := b.Forward(a.Forward(x, train), train)
		got := [][]float32{slices.Clone(y.Data)}
		for range backwards {
			got = got[:1]
			dx := a.Backward(b.Backward(dy))
			got = append(got, slices.Clone(dx.Data))
			for _, c := range []*Conv2D{a, b} {
				got = append(got, slices.Clone(c.weight.Grad.Data), slices.Clone(c.bias.Grad.Data))
			}
		}
		return got
	}
	for i, p := range []struct {
		train     bool
		backwards int
		move      bool
	}{
		{true, 1, false}, {true, 1, true}, {false, 0, false}, {false, 0, false},
		{false, 1, false}, {false, 1, false}, {true, 1, true}, {false, 1, true}, {true, 2, true},
	} {
		if p.move { // as an optimiser step would
			for _, c := range []*Conv2D{a, b} {
				for j := range c.weight.Value.Data {
					c.weight.Value.Data[j] *= 0.9
				}
			}
		}
		for _, pair := range [][2]*Conv2D{{a, a2}, {b, b2}} {
			copy(pair[1].weight.Value.Data, pair[0].weight.Value.Data)
			copy(pair[1].bias.Value.Data, pair[0].bias.Value.Data)
		}
		got, want := pass(a, b, p.train, p.backwards), pass(a2, b2, p.train, p.backwards)
		for k := range want {
			if d := bitsDiffer(got[k], want[k]); d != "" {
				t.Errorf("pass %d (training %v, %d backward): result %d (output, input gradient, parameter gradients): %s", i, p.train, p.backwards, k, d)
			}
		}
	}
}

// TestWinogradMemoryOnFirstUse checks that a Winograd convolution makes
// the memory of each kind of pass the first time such a pass runs: a
// layer only trained keeps no transformed filters of its own (a training
// pass keeps them in the Env's shared block) and none laid out for the
// products of few tiles (u, uBack); evaluating forward makes only the
// forward filters, and an input gradient after evaluation the turned
// ones. Each pass still gives what a layer with all of it made first
// gives, bit for bit (TestWinogradSharedMemory and the tests against the
// direct convolution check the values).
func TestWinogradMemoryOnFirstUse(t *testing.T) {
	env := NewEnv(1, 2)
	defer env.Close()
	env.NeedInputGrad = true
	c := &Conv2D{Out: 24, KH: 3, KW: 3, PadH: 1, PadW: 1}
	if _, err := c.Build([]int{16, 24, 24}, env); err != nil {
		t.Fatal(err)
	}
	forceWinograd(c, winograd.F4)
	r := rng.New(37)
	r.FillUniform(c.weight.Value.Data, 0.3)
	x := tensor.New(8, 16, 24, 24)
	r.FillUniform(x.Data, 1)
	dy := tensor.New(8, 24, 24, 24)
	r.FillUniform(dy.Data, 1)
	wc := c.wino
	check := func(when string, fwd, back bool) {
		t.Helper()
		if got := wc.packedFwd.own != nil; got != fwd {
			t.Errorf("%s: forward filters of its own made %v, want %v", when, got, fwd)
		}
		if got := wc.packedBack.own != nil; got != back {
			t.Errorf("%s: turned filters of its own made %v, want %v", when, got, back)
		}
		if wc.u != nil || wc.uBack != nil || wc.scratch[0].uT != nil {
			t.Errorf("%s: filters for transposed products made, with no chunk of few tiles", when)
		}
	}
	check("built", false, false)
	for range 2 {
		c.Forward(x, true)
		c.Backward(dy)
	}
	check("after two training steps", false, false)
	c.Forward(x, false)
	check("after evaluation", true, false)
	c.Backward(dy)
	check("after an input gradient in evaluation", true, true)
}

// scratchPoison is a layer that passes its input and gradient through
// unchanged and, when on, fills every worker's scratch and the block of
// transformed filters with NaN.
type scratchPoison struct {
	env   *Env
	on    bool
	fills int
}

func (p *scratchPoison) Kind() string { return "scratch poison" }
func (p *scratchPoison) Build(in []int, env *Env) ([]int, error) {
	p.env = env
	return in, nil
}
func (p *scratchPoison) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor { p.fill(); return x }
func (p *scratchPoison) Backward(dy *tensor.Tensor) *tensor.Tensor       { p.fill(); return dy }
func (p *scratchPoison) Params() []*Param                                { return nil }

func (p *scratchPoison) fill() {
	if !p.on {
		return
	}
	for _, s := range append(p.env.scratch, p.env.filters) {
		fill(s, float32(math.NaN()))
		p.fills++
	}
}
