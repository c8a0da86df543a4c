package nn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/internal/winograd"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

func TestSequentialShapeMismatch(t *testing.T) {
	env := NewEnv(1, 1)
	defer env.Close()
	// Written for 28x28 inputs after two 3x3 convolutions (64x12x12 = 9216
	// features), but given 14x14 inputs (64x5x5 = 1600).
	m := NewSequential(NewConv2D(32, 3), NewReLU(), NewConv2D(64, 3), NewMaxPool2D(2), NewFlatten(),
		&Dense{In: 9216, Out: 128})
	_, err := m.Build([]int{1, 14, 14}, env)
	if err == nil {
		t.Fatal("no error for a dense layer that cannot fit")
	}
	if want := "layer 5 dense: expects 9216 inputs, got 1600"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	for _, c := range []struct {
		layers []Layer
		in     []int
		want   string
	}{
		{[]Layer{NewDense(3)}, []int{1, 4, 4}, "layer 0 dense: needs a flat input, got [1 4 4]"},
		{[]Layer{NewFlatten(), NewConv2D(3, 3)}, []int{1, 4, 4}, "layer 1 conv2d: needs an image input"},
		{[]Layer{NewConv2D(3, 7)}, []int{1, 4, 4}, "layer 0 conv2d: kernel 7x7 is larger than the padded input 4x4"},
		{[]Layer{&Conv2D{In: 3, Out: 2, KH: 1, KW: 1}}, []int{1, 4, 4}, "layer 0 conv2d: expects 3 input channels, got 1"},
		{[]Layer{NewMaxPool2D(5)}, []int{1, 4, 4}, "layer 0 maxpool2d: window 5x5 is larger than the input 4x4"},
		{[]Layer{NewDropout(1)}, []int{4}, "layer 0 dropout: needs a drop probability in [0, 1)"},
	} {
		_, err := NewSequential(c.layers...).Build(c.in, env)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("error %v, want it to start %q", err, c.want)
		}
	}
}

func TestSequentialNamesParamsLikePyTorch(t *testing.T) {
	env := NewEnv(1, 1)
	defer env.Close()
	m := NewSequential(NewConv2D(8, 3), NewReLU(), NewMaxPool2D(2), NewFlatten(), NewDense(10))
	if _, err := m.Build([]int{1, 28, 28}, env); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"0.weight": {8, 1, 3, 3}, "0.bias": {8}, "4.weight": {10, 1352}, "4.bias": {10}}
	if len(m.Params()) != len(want) {
		t.Fatalf("%d params, want %d", len(m.Params()), len(want))
	}
	for _, p := range m.Params() {
		if !tensor.SameShape(p.Value.Shape, want[p.Name]) {
			t.Errorf("%s has shape %v, want %v", p.Name, p.Value.Shape, want[p.Name])
		}
	}
}

func TestInitialisation(t *testing.T) {
	env := NewEnv(42, 1)
	defer env.Close()
	// A conv before a ReLU gets He (std √(2/fanIn)); a dense layer at the
	// output gets Glorot uniform (limit √(6/(fanIn+fanOut))).
	conv, dense := NewConv2D(64, 3), NewDense(10)
	m := NewSequential(conv, NewMaxPool2D(2), NewReLU(), NewFlatten(), dense)
	if _, err := m.Build([]int{16, 12, 12}, env); err != nil {
		t.Fatal(err)
	}
	std := stddev(conv.weight.Value.Data)
	if want := 0.11785; std < want*0.95 || std > want*1.05 { // √(2/144)
		t.Errorf("conv weight std %.4f, want about %.4f (He)", std, want)
	}
	limit := 0.0
	for _, v := range dense.weight.Value.Data {
		limit = max(limit, float64(abs32(v)))
	}
	if want := 0.06105; limit > want || limit < want*0.98 { // √(6/(1600+10))
		t.Errorf("dense weights reach %.5f, want up to %.5f (Glorot uniform)", limit, want)
	}
	for _, p := range m.Params() {
		if p.Name[2:] == "bias" {
			for _, v := range p.Value.Data {
				if v != 0 {
					t.Fatalf("%s not zero", p.Name)
				}
			}
		}
	}
	// The same seed gives the same weights.
	env2 := NewEnv(42, 2)
	defer env2.Close()
	conv2 := NewConv2D(64, 3)
	m2 := NewSequential(conv2, NewMaxPool2D(2), NewReLU(), NewFlatten(), NewDense(10))
	if _, err := m2.Build([]int{16, 12, 12}, env2); err != nil {
		t.Fatal(err)
	}
	for i, v := range conv.weight.Value.Data {
		if conv2.weight.Value.Data[i] != v {
			t.Fatal("same seed, different weights")
		}
	}
}

func stddev(x []float32) float64 {
	var s, s2 float64
	for _, v := range x {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(x))
	return sqrt(s2/n - (s/n)*(s/n))
}

// TestTrainingStepDeterministicAndAllocationFree runs a whole training
// step (forward, loss, backward) of a small CNN: the same for 1, 2 and 3
// workers up to rounding of the partial sums, the same bits on every run
// with the same number of workers, and without allocating once warmed up.
func TestTrainingStepDeterministicAndAllocationFree(t *testing.T) {
	build := func(workers int) (*Sequential, *Env) {
		env := NewEnv(4, workers)
		m := NewSequential(NewConv2D(4, 3), NewReLU(), NewMaxPool2D(2), NewConv2D(6, 3), NewTanh(),
			NewFlatten(), NewDropout(0.3), NewDense(8), NewSigmoid(), NewDense(3))
		if _, err := m.Build([]int{2, 12, 11}, env); err != nil {
			t.Fatal(err)
		}
		return m, env
	}
	x := tensor.New(13, 2, 12, 11)
	rng.New(3).FillUniform(x.Data, 1)
	labels := []int{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}
	var ce SoftmaxCrossEntropy
	step := func(m *Sequential) []float32 {
		ce.Forward(m.Forward(x, true), labels)
		m.Backward(ce.Backward())
		var grads []float32
		for _, p := range m.Params() {
			grads = append(grads, p.Grad.Data...)
		}
		return grads
	}
	m1, e1 := build(1)
	defer e1.Close()
	ref := step(m1)
	for _, workers := range []int{1, 2, 3} {
		a, ea := build(workers)
		b, eb := build(workers)
		ga, gb := step(a), step(b)
		for i := range ga {
			if ga[i] != gb[i] {
				t.Fatalf("workers=%d: two runs differ at gradient %d", workers, i)
			}
			if d := abs32(ga[i] - ref[i]); d > 1e-5*(1+abs32(ref[i])) {
				t.Fatalf("workers=%d: gradient %d is %v, one worker gives %v", workers, i, ga[i], ref[i])
			}
		}
		allocs := testing.AllocsPerRun(5, func() {
			ce.Forward(a.Forward(x, true), labels)
			a.Backward(ce.Backward())
		})
		if allocs != 0 {
			t.Errorf("workers=%d: a warmed-up training step allocates %v times", workers, allocs)
		}
		ea.Close()
		eb.Close()
	}
}

// TestDropoutRate checks that dropout drops about P of the elements,
// scales the rest by 1/(1−P), and passes everything in evaluation.
func TestDropoutRate(t *testing.T) {
	for _, p := range []float64{0.25, 0.5, 0.1} {
		env := NewEnv(1, 1)
		d := NewDropout(p)
		if _, err := d.Build([]int{1000}, env); err != nil {
			t.Fatal(err)
		}
		x := tensor.New(100, 1000)
		fill(x.Data, 1)
		y := d.Forward(x, true)
		dropped := 0
		var total float64
		for _, v := range y.Data {
			switch {
			case v == 0:
				dropped++
			case abs32(v-float32(1/(1-p))) > 1e-6:
				t.Fatalf("p=%g: kept value %v, want %v", p, v, 1/(1-p))
			}
			total += float64(v)
		}
		if rate := float64(dropped) / 1e5; rate < p-0.005 || rate > p+0.005 {
			t.Errorf("p=%g: dropped %.4f of the values", p, rate)
		}
		if mean := total / 1e5; mean < 0.99 || mean > 1.01 {
			t.Errorf("p=%g: mean %.4f, want about 1", p, mean)
		}
		if d.Forward(x, false) != x {
			t.Errorf("p=%g: evaluation does not pass the input through", p)
		}
		env.Close()
	}
}

// TestDropoutMaskDefinition replays the layer's random stream and checks
// each element of the output against the rule, one 64-bit draw per four
// elements: element 4d+j is dropped when bits 16j..16j+15 of draw d fall
// below P·65536, and kept times 1/(1−P) otherwise.
func TestDropoutMaskDefinition(t *testing.T) {
	for _, size := range []int{1, 3, 4, 7, 1001} {
		env := NewEnv(2, 1)
		d := NewDropout(0.3)
		if _, err := d.Build([]int{size}, env); err != nil {
			t.Fatal(err)
		}
		state, err := d.Rand().MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		replay := rng.New(0)
		if err := replay.UnmarshalBinary(state); err != nil {
			t.Fatal(err)
		}
		x := tensor.New(2, size)
		env.Rand.FillUniform(x.Data, 1)
		y := d.Forward(x, true)
		keep := float32(1 / (1 - 0.3))
		p := 0.3
		threshold := uint64(p*65536 + 0.5)
		var bits uint64
		for k, v := range y.Data {
			if k%4 == 0 {
				bits = replay.Uint64()
			}
			want := x.Data[k] * keep
			if bits>>(16*(k%4))&0xffff < threshold {
				want = 0
			}
			if math.Float32bits(v) != math.Float32bits(want) && !(v == 0 && want == 0) {
				t.Fatalf("size %d: element %d is %v, want %v", size, k, v, want)
			}
		}
		env.Close()
	}
}

// TestPoolBeforeReLU checks that running a max-pool before the ReLU
// written before it changes neither the output nor any gradient:
// the same layers run one by one in the written order give the same bits
// (up to the sign of zero).
func TestPoolBeforeReLU(t *testing.T) {
	layers := func() []Layer {
		return []Layer{NewConv2D(4, 3), NewReLU(), NewMaxPool2D(2), NewFlatten(), NewDense(3)}
	}
	model := sameAsWrittenOrder(t, layers, []int{2, 9, 9})
	// The max-pool moves before the ReLU, and then runs fused with the
	// convolution, and the ReLU with them.
	if l, ok := model.run[0].(convPool); !ok || !l.relu {
		t.Fatalf("run step 0 is %T, want the convolution, the max-pool and the ReLU as a convPool with its ReLU", model.run[0])
	}
	if _, ok := model.run[1].(*Flatten); !ok {
		t.Fatalf("run step 1 is %s, want the flatten after the fused ReLU", model.run[1].Kind())
	}
	if _, ok := model.Layers[1].(*ReLU); !ok {
		t.Fatalf("layer 1 is %s, want the ReLU where it was written", model.Layers[1].Kind())
	}
}

// TestPoolReLUFused checks a max-pool run with the ReLU after it: after a
// convolution and a batch norm (a convBN with its pool), where the ReLU
// written before the pool moves after it, and written after a pool of
// overlapping windows (the general loop, a poolReLU), against the layers
// one by one.
func TestPoolReLUFused(t *testing.T) {
	layers := func() []Layer {
		conv := NewConv2D(4, 3)
		conv.PadH, conv.PadW = 1, 1
		pool := NewMaxPool2D(3)
		pool.StrideH, pool.StrideW = 2, 2
		return []Layer{conv, NewBatchNorm(), NewReLU(), NewMaxPool2D(2), NewDropout(0), pool, NewReLU(), NewFlatten(), NewDense(3)}
	}
	model := sameAsWrittenOrder(t, layers, []int{2, 10, 10})
	if l, ok := model.run[0].(convBN); !ok || l.pool == nil || !l.relu {
		t.Fatalf("run step 0 is %#v, want a convBN with its max-pool and ReLU", model.run[0])
	}
	if _, ok := model.run[2].(poolReLU); !ok {
		t.Fatalf("run step 2 is %T, want a poolReLU", model.run[2])
	}
}

func TestConvPoolFused(t *testing.T) {
	layers := func() []Layer {
		pool := NewMaxPool2D(3) // overlapping windows: the general loop, gradients added
		pool.StrideH, pool.StrideW = 2, 2
		return []Layer{NewConv2D(5, 3), NewMaxPool2D(2), NewConv2D(4, 2), pool, NewFlatten(), NewDense(3)}
	}
	model := sameAsWrittenOrder(t, layers, []int{3, 14, 14})
	for _, i := range []int{0, 1} {
		if _, ok := model.run[i].(convPool); !ok {
			t.Fatalf("run step %d is %T, want a convPool", i, model.run[i])
		}
	}
}

func TestConvReLUFused(t *testing.T) {
	layers := func() []Layer {
		conv := NewConv2D(3, 3)
		conv.PadH, conv.PadW = 1, 1
		return []Layer{NewConv2D(4, 3), NewReLU(), conv, NewReLU(), NewFlatten(), NewDense(3)}
	}
	model := sameAsWrittenOrder(t, layers, []int{2, 9, 9})
	if len(model.run) != 4 {
		t.Fatalf("run has %d steps, want 4 (each convolution with its ReLU)", len(model.run))
	}
	for _, i := range []int{0, 1} {
		if _, ok := model.run[i].(convReLU); !ok {
			t.Fatalf("run step %d is %T, want a convReLU", i, model.run[i])
		}
	}
	if len(model.Layers) != 6 {
		t.Fatalf("model has %d layers, want the 6 written", len(model.Layers))
	}
}

func TestBatchNormReLUFused(t *testing.T) {
	layers := func() []Layer {
		return []Layer{NewConv2D(4, 3), NewBatchNorm(), NewReLU(), NewFlatten(), NewDense(6), NewBatchNorm(), NewReLU(), NewDense(3)}
	}
	model := sameAsWrittenOrder(t, layers, []int{2, 7, 6})
	if l, ok := model.run[0].(convBN); !ok || !l.relu {
		t.Fatalf("run step 0 is %#v, want a convBN with its ReLU", model.run[0])
	}
	if _, ok := model.run[3].(bnReLU); !ok {
		t.Fatalf("run step 3 is %T, want a bnReLU", model.run[3])
	}
}

// TestConvBNFused checks a convolution followed by a batch norm (and a
// ReLU, and a max-pool) against the layers in the written order, for
// every way a convolution runs (image by image, several images a
// product, Winograd's, strided). In training, where the batch norm
// normalises with the ReLU fused (bnReLU) or each image's planes into
// the cache for the pool (BatchNorm.forwardPooled): the output, the
// input gradient and every parameter gradient bit for bit. In
// evaluation, where the batch norm is folded into the convolution's
// filters and bias, on batches of 5 and of 1: the outputs within 1e-5
// of the largest (the folded filters round differently), and the input
// gradients bit for bit (the backward pass runs the layers in turn).
func TestConvBNFused(t *testing.T) {
	convs := map[string]func() *Conv2D{
		"per image":   func() *Conv2D { return &Conv2D{Out: 5, KH: 3, KW: 3, PadH: 1, PadW: 1} },
		"in groups":   func() *Conv2D { return &Conv2D{Out: 5, KH: 2, KW: 2} },
		"winograd":    func() *Conv2D { return &Conv2D{Out: 8, KH: 3, KW: 3, PadH: 1, PadW: 1} },
		"stride 2":    func() *Conv2D { return &Conv2D{Out: 5, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1} },
		"winograd ×2": func() *Conv2D { return &Conv2D{Out: 9, KH: 3, KW: 3} },
		// An image of more tiles than a chunk holds, made in parts: the
		// batch norm sums its planes itself.
		"winograd in parts": func() *Conv2D { return &Conv2D{Out: 8, KH: 3, KW: 3, PadH: 1, PadW: 1} },
	}
	for name, conv := range convs {
		for _, c := range []struct{ relu, pool bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			relu := c.relu
			layers := func() []Layer {
				ls := []Layer{conv(), NewBatchNorm()}
				if relu {
					ls = append(ls, NewReLU())
				}
				if c.pool {
					ls = append(ls, NewMaxPool2D(2))
				}
				return append(ls, NewFlatten(), NewDense(3))
			}
			in := []int{8, 5, 6}
			switch name {
			case "in groups":
				in = []int{3, 3, 3}
			case "winograd in parts":
				in = []int{8, 40, 40}
			}
			env := NewEnv(5, 2)
			env.NeedInputGrad = true
			model := NewSequential(layers()...)
			if _, err := model.Build(in, env); err != nil {
				t.Fatal(err)
			}
			if c := model.Layers[0].(*Conv2D); strings.HasPrefix(name, "winograd") {
				alg := winograd.F2
				if name == "winograd ×2" {
					alg = winograd.F4
				}
				forceWinograd(c, alg)
				if parts := c.wino.fwd.rows < c.wino.fwd.th; parts != (name == "winograd in parts") {
					t.Fatalf("%s: an image in parts is %v", name, parts)
				}
			}
			if l, ok := model.run[0].(convBN); !ok || l.relu != relu || (l.pool != nil) != c.pool {
				t.Fatalf("%s: run step 0 is %#v, want a convBN with ReLU %v and pool %v", name, model.run[0], relu, c.pool)
			}
			// Parameters away from their starting values, each of which
			// the fold must carry: γ, β, and the convolution's bias.
			bn := model.Layers[1].(*BatchNorm)
			rng.New(8).FillUniform(bn.weight.Value.Data, 2)
			rng.New(9).FillUniform(bn.bias.Value.Data, 1)
			rng.New(10).FillUniform(model.Layers[0].(*Conv2D).bias.Value.Data, 1)
			x := tensor.New(append([]int{5}, in...)...)
			rng.New(6).FillUniform(x.Data, 1)
			trainingStepAsWritten(t, fmt.Sprintf("%s, ReLU %v, pool %v", name, relu, c.pool), model, x) // moves the running statistics
			for _, n := range []int{5, 1} {
				xn := &tensor.Tensor{Shape: append([]int{n}, in...), Data: x.Data[:n*tensor.Size(in)]}
				got := append([]float32(nil), model.Forward(xn, false).Data...)
				dy := tensor.New(n, 3)
				rng.New(7).FillUniform(dy.Data, 1)
				gotDX := append([]float32(nil), model.Backward(dy).Data...)
				y, wantDX := inTurn(model.Layers, xn, dy, false)
				if model.run[0].(convBN).fold.conv == nil {
					t.Fatalf("%s: evaluation did not fold the batch norm", name)
				}
				if err := closeTo(got, y.Data, 1e-5); err != "" {
					t.Fatalf("%s, ReLU %v, pool %v, batch of %d: output against the written order: %s", name, relu, c.pool, n, err)
				}
				for i := range gotDX {
					if gotDX[i] != wantDX.Data[i] {
						t.Fatalf("%s, ReLU %v, pool %v, batch of %d: input gradient [%d] %v, written order gives %v", name, relu, c.pool, n, i, gotDX[i], wantDX.Data[i])
					}
				}
			}
			env.Close()
		}
	}
}

// trainingStepAsWritten runs a training step of model on x, and then of
// its layers one at a time in the written order (which moves the batch
// norms' running statistics a second time), and checks that the two
// give the same output, input gradient and parameter gradients, bit for
// bit.
func trainingStepAsWritten(t *testing.T, name string, model *Sequential, x *tensor.Tensor) {
	t.Helper()
	y := model.Forward(x, true)
	got := append([]float32(nil), y.Data...)
	dy := tensor.New(y.Shape...)
	rng.New(11).FillUniform(dy.Data, 1)
	gotDX := append([]float32(nil), model.Backward(dy).Data...)
	var gotGrads [][]float32
	for _, p := range model.Params() {
		if p.Grad != nil {
			gotGrads = append(gotGrads, append([]float32(nil), p.Grad.Data...))
		}
	}
	want, wantDX := inTurn(model.Layers, x, dy, true)
	for _, c := range []struct {
		what      string
		got, want []float32
	}{{"output", got, want.Data}, {"input gradient", gotDX, wantDX.Data}} {
		for i := range c.want {
			if c.got[i] != c.want[i] {
				t.Fatalf("%s, training: %s [%d] %v, written order gives %v", name, c.what, i, c.got[i], c.want[i])
			}
		}
	}
	k := 0
	for _, p := range model.Params() {
		if p.Grad == nil {
			continue
		}
		for i, g := range p.Grad.Data {
			if gotGrads[k][i] != g {
				t.Fatalf("%s, training: %s gradient [%d] %v, written order gives %v", name, p.Name, i, gotGrads[k][i], g)
			}
		}
		k++
	}
}

// inTurn runs layers forward on x and then backward from dy, one at a
// time in the written order, and returns the output and the input
// gradient.
func inTurn(layers []Layer, x, dy *tensor.Tensor, train bool) (y, dx *tensor.Tensor) {
	y = x
	for _, l := range layers {
		y = l.Forward(y, train)
	}
	dx = dy
	for i := len(layers) - 1; i >= 0; i-- {
		dx = layers[i].Backward(dx)
	}
	return y, dx
}

func TestResidualReLUFused(t *testing.T) {
	layers := func() []Layer {
		conv := func(out, stride int) *Conv2D {
			return &Conv2D{Out: out, KH: 3, KW: 3, StrideH: stride, StrideW: stride, PadH: 1, PadW: 1}
		}
		return []Layer{conv(4, 1),
			NewResidual(conv(4, 1), NewBatchNorm(), NewReLU(), conv(4, 1), NewBatchNorm()), NewReLU(),
			NewResidual(conv(6, 2), NewBatchNorm(), NewReLU(), conv(6, 1), NewBatchNorm()), NewReLU(),
			NewFlatten(), NewDense(3)}
	}
	model := sameAsWrittenOrder(t, layers, []int{3, 6, 5})
	for _, i := range []int{1, 2} {
		if _, ok := model.run[i].(residualReLU); !ok {
			t.Fatalf("run step %d is %T, want a residualReLU", i, model.run[i])
		}
	}
}

// TestResidualAddsAtBodyEnd checks the residual blocks whose body ends
// with a convolution and a batch norm, which add the shortcut (and apply
// the block's ReLU) as the body's output is made, and whose body starts
// with a convolution, which adds the shortcut's input gradient to its
// own as it makes it, against blocks that add both in passes of their
// own, with the ReLUs as layers of their own: a training step, then
// evaluation (the batch norms folded into their convolutions) and a
// Backward after it, on a batch of 5 and of 1, bit for bit. The
// convolutions run as the cost model chooses, all direct, and with the
// first block's first one and the blocks' last ones by Winograd's
// F(4x4) and F(2x2) (the second block's first one is strided: direct,
// and on 8x8 images several images a product). The first two blocks
// add at their ends in evaluation, and in training on 24x24 and 72x72
// images but not on 8x8 ones, whose planes are smaller than
// addAtEndPlane. On 72x72 images a Winograd product takes an image's
// tiles in several chunks of rows.
func TestResidualAddsAtBodyEnd(t *testing.T) {
	conv := func(out, stride int) *Conv2D {
		return &Conv2D{Out: out, KH: 3, KW: 3, StrideH: stride, StrideW: stride, PadH: 1, PadW: 1}
	}
	layers := func() []Layer {
		return []Layer{conv(8, 1),
			NewResidual(conv(8, 1), NewBatchNorm(), NewReLU(), conv(8, 1), NewBatchNorm()), NewReLU(),
			NewResidual(conv(9, 2), NewBatchNorm(), NewReLU(), conv(9, 1), NewBatchNorm()),
			NewResidual(conv(9, 1), NewBatchNorm(), NewReLU()), NewReLU(),
			NewFlatten(), NewDense(3)}
	}
	// lastConvs returns the last convolution of blocks 1 and 2, and the
	// first of block 1.
	lastConvs := func(ls []Layer) (*Conv2D, *Conv2D, *Conv2D) {
		return ls[1].(*Residual).Body.Layers[3].(*Conv2D), ls[3].(*Residual).Body.Layers[3].(*Conv2D),
			ls[1].(*Residual).Body.Layers[0].(*Conv2D)
	}
	for _, algo := range []string{"chosen", "direct", "winograd"} {
		for _, in := range [][]int{{3, 24, 24}, {3, 8, 8}, {3, 72, 72}} {
			name := fmt.Sprintf("%s, %v", algo, in)
			model, ref := twins(t, layers, in)
			for _, l := range ref {
				if r, ok := l.(*Residual); ok {
					r.end, r.start = nil, nil // add in passes of their own
				}
			}
			for _, ls := range [][]Layer{model.Layers, ref} {
				a, b, first := lastConvs(ls)
				switch algo {
				case "direct":
					visitConvs(ls, func(c *Conv2D) { c.wino = nil })
				case "winograd":
					forceWinograd(a, winograd.F4)
					forceWinograd(b, winograd.F2)
					forceWinograd(first, winograd.F4)
				}
			}
			inTraining := in[1] >= 24
			for _, r := range []*Residual{model.run[1].(residualReLU).Residual, model.run[2].(*Residual)} {
				if !r.addsAtEnd(false) || r.addsAtEnd(true) != inTraining {
					t.Fatalf("%s: a block adds at its body's end: %v, in training %v; want true, %v", name, r.addsAtEnd(false), r.addsAtEnd(true), inTraining)
				}
			}
			if r := model.run[3].(residualReLU); r.end != nil {
				t.Fatalf("%s: block 3, whose body ends with a ReLU, adds at its end", name)
			}
			for i := 1; i <= 3; i++ {
				if r := model.Layers[map[int]int{1: 1, 2: 3, 3: 4}[i]].(*Residual); r.start == nil {
					t.Fatalf("%s: block %d, whose body starts with a convolution, adds its input gradients apart", name, i)
				}
			}
			for _, n := range []int{5, 1} {
				x := tensor.New(append([]int{n}, in...)...)
				rng.New(uint64(n)).FillUniform(x.Data, 1)
				labels := []int{0, 1, 2, 1, 0}[:n]
				dy := tensor.New(n, 3)
				rng.New(7).FillUniform(dy.Data, 1)
				for _, train := range []bool{true, false} {
					what := fmt.Sprintf("%s, batch of %d, train %v", name, n, train)
					var l1, l2 SoftmaxCrossEntropy
					got := model.Forward(x, train)
					y := x
					for _, l := range ref {
						y = l.Forward(y, train)
					}
					if err := bitsDiffer(got.Data, y.Data); err != "" {
						t.Fatalf("%s: output: %s", what, err)
					}
					gotLoss, wantLoss := l1.Forward(got, labels), l2.Forward(y, labels)
					g, w := l1.Backward(), l2.Backward()
					if !train {
						g, w = dy, dy
					}
					dx := model.Backward(g)
					for i := len(ref) - 1; i >= 0; i-- {
						w = ref[i].Backward(w)
					}
					if gotLoss != wantLoss {
						t.Fatalf("%s: loss %v, adding apart gives %v", what, gotLoss, wantLoss)
					}
					if err := bitsDiffer(dx.Data, w.Data); err != "" {
						t.Fatalf("%s: input gradient: %s", what, err)
					}
					for i, l := range model.Layers {
						for j, p := range l.Params() {
							q := ref[i].Params()[j]
							if err := bitsDiffer(p.Value.Data, q.Value.Data); err != "" {
								t.Fatalf("%s: layer %d %s: %s", what, i, p.Name, err)
							}
							if p.Grad != nil {
								if err := bitsDiffer(p.Grad.Data, q.Grad.Data); err != "" {
									t.Fatalf("%s: layer %d gradient of %s: %s", what, i, p.Name, err)
								}
							}
						}
					}
				}
			}
		}
	}
}

// visitConvs calls f on every convolution in ls, inside residual blocks
// too, shortcuts included.
func visitConvs(ls []Layer, f func(*Conv2D)) {
	for _, l := range ls {
		switch l := l.(type) {
		case *Conv2D:
			f(l)
		case *Residual:
			visitConvs(l.Body.Layers, f)
			if l.Shortcut != nil {
				f(l.Shortcut)
			}
		}
	}
}

// bitsDiffer returns "" when got and want hold the same bits, else where
// they first differ.
func bitsDiffer(got, want []float32) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Sprintf("[%d] is %v, want %v", i, got[i], want[i])
		}
	}
	return ""
}

// twins builds layers() as a Sequential and, on an environment of its
// own, a second copy of the layers with the same weights, to be run one
// layer at a time; the environments close when the test ends.
func twins(t *testing.T, layers func() []Layer, in []int) (*Sequential, []Layer) {
	t.Helper()
	env, refEnv := NewEnv(8, 2), NewEnv(8, 2)
	t.Cleanup(env.Close)
	t.Cleanup(refEnv.Close)
	env.NeedInputGrad, refEnv.NeedInputGrad = true, true
	model := NewSequential(layers()...)
	if _, err := model.Build(in, env); err != nil {
		t.Fatal(err)
	}
	ref := layers()
	shape := in
	for i, l := range ref {
		var err error
		if shape, err = l.Build(shape, refEnv); err != nil {
			t.Fatal(err)
		}
		for j, p := range l.Params() {
			copy(p.Value.Data, model.Layers[i].Params()[j].Value.Data)
		}
	}
	return model, ref
}

// sameAsWrittenOrder builds layers() as a Sequential, which may run them
// in another order or fused, and a second copy with the same weights that
// it runs one layer at a time in the written order, and checks that a
// training step gives the same loss and the same gradients, bit for bit,
// on a batch of 5 and on a batch of 1 (which a convolution runs apart).
func sameAsWrittenOrder(t *testing.T, layers func() []Layer, in []int) *Sequential {
	t.Helper()
	model, ref := twins(t, layers, in)
	for _, n := range []int{5, 1} {
		x := tensor.New(append([]int{n}, in...)...)
		rng.New(uint64(n)).FillUniform(x.Data, 1)
		labels := []int{0, 1, 2, 1, 0}[:n]
		var l1, l2 SoftmaxCrossEntropy
		got := l1.Forward(model.Forward(x, true), labels)
		dx := model.Backward(l1.Backward())
		y := x
		for _, l := range ref {
			y = l.Forward(y, true)
		}
		want := l2.Forward(y, labels)
		wantDX := l2.Backward()
		for i := len(ref) - 1; i >= 0; i-- {
			wantDX = ref[i].Backward(wantDX)
		}
		if got != want {
			t.Errorf("batch of %d: loss %v, written order gives %v", n, got, want)
		}
		for k := range wantDX.Data {
			if dx.Data[k] != wantDX.Data[k] {
				t.Fatalf("batch of %d: input gradient [%d] %v, written order gives %v", n, k, dx.Data[k], wantDX.Data[k])
			}
		}
		for i, l := range model.Layers {
			for j, p := range l.Params() {
				if p.Grad == nil { // saved state: batch norm's running statistics
					for k, v := range p.Value.Data {
						if v != ref[i].Params()[j].Value.Data[k] {
							t.Fatalf("batch of %d: layer %d %s %s[%d] is %v, written order gives %v", n, i, l.Kind(), p.Name, k, v, ref[i].Params()[j].Value.Data[k])
						}
					}
					continue
				}
				for k, g := range p.Grad.Data {
					if g != ref[i].Params()[j].Grad.Data[k] {
						t.Fatalf("batch of %d: layer %d %s %s[%d]: gradient %v, written order gives %v", n, i, l.Kind(), p.Name, k, g, ref[i].Params()[j].Grad.Data[k])
					}
				}
			}
		}
	}
	return model
}

// TestMultiplyAdds counts LeNet-5's and a residual block's arithmetic by
// hand: out·in·kh·kw per output position for a convolution, in·out for a
// dense layer; a training step three times that, but twice for the first
// layer, which takes no gradient back to the images.
func TestMultiplyAdds(t *testing.T) {
	env := NewEnv(1, 1)
	defer env.Close()
	pad2 := NewConv2D(6, 5)
	pad2.PadH, pad2.PadW = 2, 2
	lenet := NewSequential(pad2, NewReLU(), NewMaxPool2D(2), NewConv2D(16, 5), NewReLU(), NewMaxPool2D(2),
		NewFlatten(), NewDense(120), NewReLU(), NewDense(84), NewReLU(), NewDense(10))
	if _, err := lenet.Build([]int{1, 28, 28}, env); err != nil {
		t.Fatal(err)
	}
	conv1 := int64(6 * 1 * 5 * 5 * 28 * 28)
	rest := int64(16*6*5*5*10*10 + 400*120 + 120*84 + 84*10)
	fwd, train := lenet.MultiplyAdds()
	if fwd != conv1+rest || train != 2*conv1+3*rest {
		t.Errorf("lenet5: MultiplyAdds = %d, %d; want %d, %d", fwd, train, conv1+rest, 2*conv1+3*rest)
	}

	// A 4-channel 3x3 convolution on 2x8x8, then a residual block that
	// halves the size with a stride-2 convolution and a 1x1 shortcut.
	strided := NewConv2D(8, 3)
	strided.StrideH, strided.StrideW, strided.PadH, strided.PadW = 2, 2, 1, 1
	same := NewConv2D(8, 3)
	same.PadH, same.PadW = 1, 1
	net := NewSequential(NewConv2D(4, 3), NewResidual(strided, NewBatchNorm(), NewReLU(), same), NewGlobalAvgPool2D(), NewFlatten(), NewDense(3))
	if _, err := net.Build([]int{2, 8, 8}, env); err != nil {
		t.Fatal(err)
	}
	first := int64(4 * 2 * 9 * 6 * 6)
	body := int64(8*4*9*3*3 + 8*8*9*3*3)
	shortcut := int64(8 * 4 * 1 * 3 * 3)
	dense := int64(8 * 3)
	wantF := first + body + shortcut + dense
	wantT := 2*first + 3*(body+shortcut+dense)
	if fwd, train := net.MultiplyAdds(); fwd != wantF || train != wantT {
		t.Errorf("residual network: MultiplyAdds = %d, %d; want %d, %d", fwd, train, wantF, wantT)
	}
}

// TestResidualNetworkAllocationFree checks that a small residual network
// with batch norm, like specs/ham-resnet.txt, allocates nothing once
// warmed up: a training step, then evaluation at a batch of 5 and of 1
// on a frozen environment (with the batch norms folded into their
// convolutions, and deep layers whose products run as their transposes).
func TestResidualNetworkAllocationFree(t *testing.T) {
	conv := func(out, stride int) *Conv2D {
		return &Conv2D{Out: out, KH: 3, KW: 3, StrideH: stride, StrideW: stride, PadH: 1, PadW: 1}
	}
	block := func(out, stride int) Layer {
		return NewResidual(conv(out, stride), NewBatchNorm(), NewReLU(), conv(out, 1), NewBatchNorm())
	}
	env := NewEnv(2, 2)
	defer env.Close()
	m := NewSequential(conv(8, 1), NewBatchNorm(), NewReLU(), NewMaxPool2D(2),
		block(8, 1), NewReLU(), block(16, 2), NewReLU(), block(64, 2), NewReLU(),
		NewGlobalAvgPool2D(), NewFlatten(), NewDropout(0.3), NewDense(3))
	if _, err := m.Build([]int{3, 12, 12}, env); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(5, 3, 12, 12)
	rng.New(3).FillUniform(x.Data, 1)
	labels := []int{0, 1, 2, 0, 1}
	var ce SoftmaxCrossEntropy
	step := func() {
		ce.Forward(m.Forward(x, true), labels)
		m.Backward(ce.Backward())
	}
	step()
	if allocs := testing.AllocsPerRun(3, step); allocs != 0 {
		t.Errorf("a warmed-up training step allocates %v times", allocs)
	}
	env.Freeze()
	one := &tensor.Tensor{Shape: []int{1, 3, 12, 12}, Data: x.Data[:3*12*12]}
	for _, batch := range []*tensor.Tensor{x, one} {
		m.Forward(batch, false)
		if allocs := testing.AllocsPerRun(3, func() { m.Forward(batch, false) }); allocs != 0 {
			t.Errorf("warmed-up evaluation of a batch of %d allocates %v times", batch.Shape[0], allocs)
		}
	}
	last := m.Layers[8].(*Residual).Body.Layers[0].(*Conv2D)
	requireTransposed(t, swapPays(last.Out, last.geom.oh*last.geom.ow, last.In*9),
		"the last block's first convolution (%d filters, %dx%d output) does not run transposed", last.Out, last.geom.oh, last.geom.ow)
}

// TestBackwardOverwritesOnlyItsOwn checks the layers that write a
// gradient over memory that nothing reads again (gradOverwriter): a
// convBN's batch norm and a residual block's ReLU over the gradient they
// are given, only where that gradient is a layer's own, never the
// caller's dy, nor the caller's dy passed on by a Flatten, nor the
// gradient a residual block hands both its body and its identity
// shortcut (a convolution shortcut reads it first, and the body's last
// batch norm may then write over it); and a convBN's convolution over its
// input, only where that is a convBN's output with neither pool nor
// residual sum after it (whose backward passes read it). A training step
// on a batch of 5 must leave the caller's dy as it was and give the
// input gradient and the parameter gradients of the layers run one at a
// time in the written order, bit for bit; and where a layer may write
// over another's memory, it must have, leaving its own buffer unmade.
func TestBackwardOverwritesOnlyItsOwn(t *testing.T) {
	convOf := func(out int) func() *Conv2D {
		return func() *Conv2D { return &Conv2D{Out: out, KH: 3, KW: 3, PadH: 1, PadW: 1} }
	}
	conv, wide := convOf(4), convOf(8) // 8 channels on 8x8 or more go by Winograd's method
	block := func() Layer { return NewResidual(conv(), NewBatchNorm(), NewReLU(), conv(), NewBatchNorm()) }
	bnBuffer := func(i int) func(*Sequential) []float32 {
		return func(m *Sequential) []float32 { return m.Layers[i].(*BatchNorm).dx.Data }
	}
	convBuffer := func(i int) func(*Sequential) []float32 {
		return func(m *Sequential) []float32 { return m.Layers[i].(*Conv2D).dx.Data }
	}
	bodyConvBuffer := func(m *Sequential) []float32 {
		return m.Layers[0].(*Residual).Body.Layers[3].(*Conv2D).dx.Data
	}
	bodyBuffer := func(i int) func(*Sequential) []float32 { // the first block's body's layer i
		return func(m *Sequential) []float32 {
			switch l := m.Layers[0].(*Residual).Body.Layers[i].(type) {
			case *Conv2D:
				return l.dx.Data
			case *BatchNorm:
				return l.dx.Data
			}
			panic("no gradient buffer")
		}
	}
	type unmade = func(*Sequential) []float32 // a buffer the step must not make
	for _, c := range []struct {
		name   string
		in     []int
		layers func() []Layer
		unmade []unmade
	}{
		{"a convBN last", []int{3, 6, 5}, func() []Layer { return []Layer{conv(), NewBatchNorm(), NewReLU()} },
			[]unmade{bnBuffer(1)}},
		{"before a Flatten", []int{3, 6, 5}, func() []Layer {
			return []Layer{conv(), NewBatchNorm(), NewReLU(), NewFlatten()}
		}, []unmade{bnBuffer(1)}},
		{"two convBNs", []int{3, 6, 5}, func() []Layer {
			return []Layer{conv(), NewBatchNorm(), NewReLU(), conv(), NewBatchNorm(), NewReLU()}
		}, []unmade{bnBuffer(1), convBuffer(3), bnBuffer(4)}},
		{"two convBNs by Winograd's method", []int{8, 8, 8}, func() []Layer {
			return []Layer{wide(), NewBatchNorm(), NewReLU(), wide(), NewBatchNorm(), NewReLU()}
		}, []unmade{convBuffer(0), bnBuffer(1), convBuffer(3), bnBuffer(4)}},
		{"a convBN after a pooled one", []int{3, 6, 6}, func() []Layer {
			return []Layer{conv(), NewBatchNorm(), NewReLU(), NewMaxPool2D(2), conv(), NewBatchNorm()}
		}, []unmade{bnBuffer(1), bnBuffer(5)}},
		{"a pooled convBN last", []int{3, 6, 5}, func() []Layer {
			return []Layer{conv(), NewBatchNorm(), NewReLU(), NewMaxPool2D(2)}
		}, []unmade{bnBuffer(1)}},
		{"a residual block and its ReLU last", []int{4, 6, 5}, func() []Layer { return []Layer{block(), NewReLU()} },
			[]unmade{bodyBuffer(0), bodyBuffer(1), bodyConvBuffer, bodyBuffer(4)}},
		{"two residual blocks and their ReLUs", []int{4, 6, 5}, func() []Layer {
			return []Layer{block(), NewReLU(), block(), NewReLU()}
		}, []unmade{func(m *Sequential) []float32 { return m.Layers[0].(*Residual).g.Data },
			bodyBuffer(0), bodyBuffer(1), bodyConvBuffer, bodyBuffer(4)}},
		{"two blocks adding at their bodies' ends", []int{8, 8, 16}, func() []Layer {
			b := func() Layer { return NewResidual(wide(), NewBatchNorm(), NewReLU(), wide(), NewBatchNorm()) }
			return []Layer{b(), NewReLU(), b(), NewReLU()}
		}, []unmade{bodyBuffer(0), bodyBuffer(1), bodyConvBuffer, bodyBuffer(4)}},
		{"a block with a convolution for its shortcut", []int{4, 6, 5}, func() []Layer {
			widen := func() *Conv2D { return &Conv2D{Out: 6, KH: 3, KW: 3, PadH: 1, PadW: 1} }
			return []Layer{NewResidual(widen(), NewBatchNorm(), NewReLU(), widen(), NewBatchNorm()), NewReLU()}
		}, []unmade{func(m *Sequential) []float32 { return m.Layers[0].(*Residual).Body.Layers[4].(*BatchNorm).dx.Data },
			bodyConvBuffer}},
	} {
		model, ref := twins(t, c.layers, c.in)
		x := tensor.New(append([]int{5}, c.in...)...)
		rng.New(3).FillUniform(x.Data, 1)
		dy, dx := backwardLeavesDY(t, c.name, model, x, 4)
		_, wantDX := inTurn(ref, x, dy, true)
		for i := range wantDX.Data {
			if dx.Data[i] != wantDX.Data[i] {
				t.Fatalf("%s: input gradient [%d] %v, written order gives %v", c.name, i, dx.Data[i], wantDX.Data[i])
			}
		}
		var refParams []*Param
		for _, l := range ref {
			refParams = append(refParams, l.Params()...)
		}
		for i, p := range model.Params() {
			if p.Grad == nil {
				continue
			}
			for j, g := range p.Grad.Data {
				if want := refParams[i].Grad.Data[j]; g != want {
					t.Fatalf("%s: %s's gradient [%d] %v, written order gives %v", c.name, p.Name, j, g, want)
				}
			}
		}
		for _, buffer := range c.unmade {
			if buf := buffer(model); len(buf) != 0 {
				t.Errorf("%s: a gradient buffer of %d values was made where the layer could write over memory nothing reads again", c.name, len(buf))
			}
		}
	}

	// A residual block with an identity shortcut, its body ending in a
	// convBN: the block's gradient goes to the body and, unchanged, to
	// the block's input gradient. The reference runs the body's layers
	// one at a time and adds the two paths itself.
	body := func() []Layer { return []Layer{conv(), NewBatchNorm(), NewReLU(), conv(), NewBatchNorm()} }
	in := []int{4, 6, 5}
	env := NewEnv(8, 2)
	defer env.Close()
	env.NeedInputGrad = true
	model := NewSequential(NewResidual(body()...))
	if _, err := model.Build(in, env); err != nil {
		t.Fatal(err)
	}
	ref, shape := body(), in
	for i, l := range ref {
		var err error
		if shape, err = l.Build(shape, env); err != nil {
			t.Fatal(err)
		}
		for j, p := range l.Params() {
			copy(p.Value.Data, model.Layers[0].(*Residual).Body.Layers[i].Params()[j].Value.Data)
		}
	}
	x := tensor.New(append([]int{5}, in...)...)
	rng.New(5).FillUniform(x.Data, 1)
	dy, dx := backwardLeavesDY(t, "residual block", model, x, 6)
	_, bodyDX := inTurn(ref, x, dy, true)
	for i := range dy.Data {
		if want := bodyDX.Data[i] + dy.Data[i]; dx.Data[i] != want {
			t.Fatalf("residual block: input gradient [%d] %v, the body's in turn plus the shortcut's gives %v", i, dx.Data[i], want)
		}
	}
}

// backwardLeavesDY runs a training step of model on x, back from a
// random dy drawn from seed, checks that Backward left that dy as it
// was, and returns it and the input gradient.
func backwardLeavesDY(t *testing.T, name string, model *Sequential, x *tensor.Tensor, seed uint64) (dy, dx *tensor.Tensor) {
	t.Helper()
	y := model.Forward(x, true)
	dy = tensor.New(y.Shape...)
	rng.New(seed).FillUniform(dy.Data, 1)
	given := append([]float32(nil), dy.Data...)
	dx = model.Backward(dy)
	for i := range given {
		if dy.Data[i] != given[i] {
			t.Fatalf("%s: Backward changed the caller's dy [%d] from %v to %v", name, i, given[i], dy.Data[i])
		}
	}
	return dy, dx
}
