package nn

import (
	"fmt"
	"github.com/gocnn/gocnn/internal/winograd"
	"math"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// The gradient checks compare each backward pass with central finite
// differences. For a scalar loss L(θ) the derivative along one element is
// approximated by
//
//	D(ε) = (L(θ + ε) − L(θ − ε)) / 2ε
//
// whose error shrinks as ε², refined to (4·D(ε/2) − D(ε))/3, whose error
// shrinks as ε⁴, while float32 rounding in L grows as 1/ε. With ε = 1e-2
// and L summed in float64, the largest difference seen on correct layers
// is about 1e-4. The stated tolerance is
// |analytic − numeric| ≤ 2e-4 + 2e-3·|numeric| for every element, tight
// enough to catch a gradient that is 1% off. Inputs to ReLU and max-pool are kept away from their kinks (and
// from ties) by more than ε, where a finite difference would be meaningless.

const (
	gradEps  = 1e-2
	gradATol = 2e-4
	gradRTol = 2e-3
)

// numericGradient estimates ∂loss/∂v by central differences, with
// Richardson extrapolation: combining steps ε and ε/2 as
// (4·D(ε/2) − D(ε))/3 cancels the ε² error term, which matters where a
// layer (batch norm) is strongly curved.
func numericGradient(v *float32, loss func() float64) float64 {
	orig := *v
	central := func(h float32) float64 {
		*v = orig + h
		up := loss()
		*v = orig - h
		down := loss()
		*v = orig
		return (up - down) / float64(2*h)
	}
	return (4*central(gradEps/2) - central(gradEps)) / 3
}

// probeLoss is L = Σ y·r for a fixed random r: its gradient with respect to
// y is r, so any layer can be checked on its own.
func probeLoss(y *tensor.Tensor, r []float32) float64 {
	var s float64
	for i, v := range y.Data {
		s += float64(v) * float64(r[i])
	}
	return s
}

// gradCase describes one layer to check.
type gradCase struct {
	name  string
	layer Layer
	in    []int // one example
	batch int
	// input fills the input batch; nil means uniform in [-1, 1).
	input func(x []float32, r *rng.RNG)
	// before runs before each forward pass (to replay a random mask).
	before func()
	// eval runs the layer in evaluation mode.
	eval bool
	// afterBuild, if set, runs once the layer is built.
	afterBuild func()
	// atol, if set, replaces gradATol: for a layer whose own rounding
	// makes the finite differences noisier.
	atol float64
}

func checkLayerGradients(t *testing.T, c gradCase, workers int) {
	t.Helper()
	env := NewEnv(7, workers)
	defer env.Close()
	env.NeedInputGrad = true
	if _, err := c.layer.Build(c.in, env); err != nil {
		t.Fatalf("build: %v", err)
	}
	if w, ok := c.layer.(Initializer); ok {
		w.InitWeights(GlorotUniform, env.Rand)
	}
	if c.afterBuild != nil {
		c.afterBuild()
	}
	r := rng.New(11)
	// Give biases non-zero values too, so their effect is exercised.
	for _, p := range c.layer.Params() {
		if p.Name == "bias" {
			r.FillUniform(p.Value.Data, 0.5)
		}
	}
	x := tensor.New(append([]int{c.batch}, c.in...)...)
	if c.input != nil {
		c.input(x.Data, r)
	} else {
		r.FillUniform(x.Data, 1)
	}
	forward := func() *tensor.Tensor {
		if c.before != nil {
			c.before()
		}
		return c.layer.Forward(x, !c.eval)
	}
	y := forward()
	probe := make([]float32, y.Len())
	r.FillUniform(probe, 1)
	dx := c.layer.Backward(tensor.FromData(append([]float32(nil), probe...), y.Shape...))
	if dx == nil {
		t.Fatal("Backward returned nil input gradient")
	}
	dx = dx.Clone()

	loss := func() float64 { return probeLoss(forward(), probe) }
	atol := gradATol
	if c.atol != 0 {
		atol = c.atol
	}
	compare := func(what string, value []float32, analytic []float32) {
		t.Helper()
		bad := 0
		for i := range value {
			numeric := numericGradient(&value[i], loss)
			if diff := math.Abs(float64(analytic[i]) - numeric); diff > atol+gradRTol*math.Abs(numeric) {
				if bad < 5 {
					t.Errorf("%s[%d]: analytic %.6f, numeric %.6f", what, i, analytic[i], numeric)
				}
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d elements disagree", what, bad, len(value))
		}
	}
	grads := map[string][]float32{}
	for _, p := range c.layer.Params() {
		if p.Grad != nil {
			grads[p.Name] = append([]float32(nil), p.Grad.Data...)
		}
	}
	compare("input", x.Data, dx.Data)
	for _, p := range c.layer.Params() {
		if p.Grad != nil {
			compare(p.Name, p.Value.Data, grads[p.Name])
		}
	}
}

// awayFromZero fills x with values in ±[0.05, 1), clear of ReLU's kink.
func awayFromZero(x []float32, r *rng.RNG) {
	for i := range x {
		v := 0.05 + 0.95*r.Float32()
		if r.Float32() < 0.5 {
			v = -v
		}
		x[i] = v
	}
}

// distinctValues fills x with a shuffled ladder of values 0.05 apart, so no
// two inputs of a pooling window are within ε of each other.
func distinctValues(x []float32, r *rng.RNG) {
	for i, j := range r.Perm(len(x)) {
		x[i] = float32(j)*0.05 - float32(len(x))*0.025
	}
}

func TestLayerGradients(t *testing.T) {
	cases := []gradCase{
		{name: "dense", layer: &Dense{Out: 5}, in: []int{7}, batch: 3},
		{name: "conv 3x3 stride 1 pad 0", layer: &Conv2D{Out: 4, KH: 3, KW: 3}, in: []int{3, 6, 7}, batch: 2},
		{name: "conv 3x2 stride 2 pad 1", layer: &Conv2D{Out: 3, KH: 3, KW: 2, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, in: []int{2, 7, 9}, batch: 3},
		{name: "conv 5x5 pad 2", layer: &Conv2D{Out: 2, KH: 5, KW: 5, PadH: 2, PadW: 2}, in: []int{3, 5, 6}, batch: 2},
		{name: "conv stride 2x1 pad 2x1", layer: &Conv2D{Out: 3, KH: 3, KW: 3, StrideH: 2, StrideW: 1, PadH: 2, PadW: 1}, in: []int{2, 8, 5}, batch: 2},
		{name: "conv batch of 1", layer: &Conv2D{Out: 2, KH: 2, KW: 2, PadH: 1, PadW: 1}, in: []int{2, 4, 5}, batch: 1},
		{name: "conv 1x1", layer: &Conv2D{Out: 3, KH: 1, KW: 1}, in: []int{4, 3, 5}, batch: 2},
		{name: "maxpool 2 on 7x9", layer: NewMaxPool2D(2), in: []int{3, 7, 9}, batch: 2, input: distinctValues},
		{name: "maxpool 3 stride 2", layer: &MaxPool2D{KH: 3, KW: 3, StrideH: 2, StrideW: 2}, in: []int{2, 8, 7}, batch: 2, input: distinctValues},
		{name: "maxpool 2x3", layer: &MaxPool2D{KH: 2, KW: 3}, in: []int{2, 5, 8}, batch: 2, input: distinctValues},
		{name: "relu", layer: NewReLU(), in: []int{2, 3, 4}, batch: 3, input: awayFromZero},
		{name: "sigmoid", layer: NewSigmoid(), in: []int{11}, batch: 3},
		{name: "tanh", layer: NewTanh(), in: []int{2, 3, 3}, batch: 2},
		{name: "softmax", layer: NewSoftmax(), in: []int{6}, batch: 4},
		{name: "flatten", layer: NewFlatten(), in: []int{2, 3, 4}, batch: 2},
		{name: "leaky relu", layer: NewLeakyReLU(0.1), in: []int{3, 5}, batch: 2, input: awayFromZero},
		{name: "avgpool 2 on 5x7", layer: NewAvgPool2D(2), in: []int{2, 5, 7}, batch: 2},
		{name: "avgpool 3 stride 2", layer: &AvgPool2D{KH: 3, KW: 3, StrideH: 2, StrideW: 2}, in: []int{2, 7, 6}, batch: 2},
		{name: "global avgpool", layer: NewGlobalAvgPool2D(), in: []int{3, 4, 5}, batch: 2},
		{name: "batchnorm images", layer: NewBatchNorm(), in: []int{3, 4, 5}, batch: 3},
		{name: "batchnorm flat", layer: NewBatchNorm(), in: []int{6}, batch: 5},
		{name: "batchnorm eval", layer: NewBatchNorm(), in: []int{3, 2, 3}, batch: 2, eval: true},
		{name: "residual identity", layer: NewResidual(&Conv2D{Out: 2, KH: 3, KW: 3, PadH: 1, PadW: 1}, NewTanh(),
			&Conv2D{Out: 2, KH: 3, KW: 3, PadH: 1, PadW: 1}), in: []int{2, 5, 4}, batch: 2},
		{name: "residual projection", layer: NewResidual(&Conv2D{Out: 3, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1},
			NewBatchNorm(), NewTanh()), in: []int{2, 6, 5}, batch: 3},
	}
	// The same convolutions again, rebuilding each image's col matrix in
	// the backward pass instead of keeping it from the forward pass.
	for _, c := range cases {
		orig, ok := c.layer.(*Conv2D)
		if !ok {
			continue
		}
		conv := *orig
		c.name += " (col rebuilt)"
		c.layer = &conv
		c.afterBuild = func() { conv.keepLimit = 0 }
		cases = append(cases, c)
	}
	// 3×3 convolutions computed by Winograd's methods, whatever this
	// machine would choose: padded (∂L/∂x from dy padded by 1) and not
	// (by 2), an odd output (part-empty last tiles), several workers.
	// F(4×4, 3×3) rounds some ten times as much as the direct sum (its
	// transforms multiply by up to 25 before they divide), which the
	// finite differences, divided by ε, magnify to about 1e-3: the
	// tolerance there is 2e-3. TestWinogradMatchesDirect holds both
	// algorithms' gradients to the direct product's within 2e-5.
	for _, alg := range []*winograd.Algorithm{winograd.F2, winograd.F4} {
		for _, c := range []struct {
			name string
			conv Conv2D
			in   []int
		}{
			{"conv 3x3 pad 1 by Winograd " + alg.String(), Conv2D{Out: 5, KH: 3, KW: 3, PadH: 1, PadW: 1}, []int{4, 5, 6}},
			{"conv 3x3 pad 0 by Winograd " + alg.String(), Conv2D{Out: 3, KH: 3, KW: 3}, []int{2, 7, 6}},
			{"conv 3x3 pad 2x0 by Winograd " + alg.String(), Conv2D{Out: 2, KH: 3, KW: 3, PadH: 2}, []int{3, 3, 5}},
		} {
			conv, alg := c.conv, alg
			gc := gradCase{name: c.name, layer: &conv, in: c.in, batch: 3,
				afterBuild: func() { forceWinograd(&conv, alg) }}
			if alg == winograd.F4 {
				gc.atol = 2e-3
			}
			cases = append(cases, gc)
		}
	}
	drop := NewDropout(0.4)
	var state []byte
	cases = append(cases, gradCase{name: "dropout", layer: drop, in: []int{3, 4}, batch: 3,
		before: func() {
			// Replay the same mask for every forward pass.
			if state == nil {
				state, _ = drop.Rand().MarshalBinary()
			}
			if err := drop.Rand().UnmarshalBinary(state); err != nil {
				t.Fatal(err)
			}
		}})
	for _, workers := range []int{1, 2, 3} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/workers=%d", c.name, workers), func(t *testing.T) {
				state = nil
				checkLayerGradients(t, c, workers)
			})
		}
	}
}

// TestModelGradients checks a whole small model end to end through the
// fused softmax cross-entropy loss, every parameter included.
func TestModelGradients(t *testing.T) {
	env := NewEnv(3, 2)
	defer env.Close()
	m := NewSequential(
		&Conv2D{Out: 3, KH: 3, KW: 3, PadH: 1, PadW: 1}, NewTanh(),
		&Conv2D{Out: 4, KH: 2, KW: 3, StrideH: 2, StrideW: 2}, NewSigmoid(),
		NewFlatten(), NewDense(6), NewTanh(), NewDense(3))
	if _, err := m.Build([]int{2, 7, 8}, env); err != nil {
		t.Fatal(err)
	}
	r := rng.New(5)
	x := tensor.New(4, 2, 7, 8)
	r.FillUniform(x.Data, 1)
	labels := []int{0, 2, 1, 2}
	var ce SoftmaxCrossEntropy
	loss := func() float64 { return ce.Forward(m.Forward(x, true), labels) }
	loss()
	m.Backward(ce.Backward())
	for _, p := range m.Params() {
		analytic := append([]float32(nil), p.Grad.Data...)
		for i := range p.Value.Data {
			numeric := numericGradient(&p.Value.Data[i], loss)
			if diff := math.Abs(float64(analytic[i]) - numeric); diff > gradATol+gradRTol*math.Abs(numeric) {
				t.Errorf("%s[%d]: analytic %.6f, numeric %.6f", p.Name, i, analytic[i], numeric)
			}
		}
	}
}

// lossCase checks a loss's gradient with respect to its predictions.
func checkLossGradient(t *testing.T, pred *tensor.Tensor, forward func() float64, backward func() *tensor.Tensor) {
	t.Helper()
	forward()
	analytic := append([]float32(nil), backward().Data...)
	for i := range pred.Data {
		orig := pred.Data[i]
		const eps = 1e-3 // losses are single sums: a smaller step is accurate
		pred.Data[i] = orig + eps
		up := forward()
		pred.Data[i] = orig - eps
		down := forward()
		pred.Data[i] = orig
		numeric := (up - down) / (2 * eps)
		if diff := math.Abs(float64(analytic[i]) - numeric); diff > 1e-4+1e-3*math.Abs(numeric) {
			t.Errorf("element %d: analytic %.6f, numeric %.6f", i, analytic[i], numeric)
		}
	}
}

func TestLossGradients(t *testing.T) {
	r := rng.New(9)
	logits := tensor.New(5, 4)
	r.FillUniform(logits.Data, 3)
	labels := []int{0, 3, 1, 1, 2}
	t.Run("softmax cross-entropy", func(t *testing.T) {
		var l SoftmaxCrossEntropy
		checkLossGradient(t, logits, func() float64 { return l.Forward(logits, labels) }, l.Backward)
	})
	t.Run("weighted softmax cross-entropy", func(t *testing.T) {
		l := SoftmaxCrossEntropy{Weights: []float32{0.5, 2, 1, 3}}
		checkLossGradient(t, logits, func() float64 { return l.Forward(logits, labels) }, l.Backward)
	})
	t.Run("label-smoothed softmax cross-entropy", func(t *testing.T) {
		l := SoftmaxCrossEntropy{Smoothing: 0.1}
		checkLossGradient(t, logits, func() float64 { return l.Forward(logits, labels) }, l.Backward)
	})
	t.Run("focal loss", func(t *testing.T) {
		l := SoftmaxCrossEntropy{Focal: 2}
		checkLossGradient(t, logits, func() float64 { return l.Forward(logits, labels) }, l.Backward)
	})
	t.Run("weighted focal loss, γ 0.5", func(t *testing.T) {
		l := SoftmaxCrossEntropy{Weights: []float32{0.5, 2, 1, 3}, Focal: 0.5}
		checkLossGradient(t, logits, func() float64 { return l.Forward(logits, labels) }, l.Backward)
	})
	mixed := []int{2, 0, 1, 3, 3}
	t.Run("mixed softmax cross-entropy", func(t *testing.T) {
		var l SoftmaxCrossEntropy
		checkLossGradient(t, logits, func() float64 { return l.ForwardMixed(logits, labels, mixed, 0.7) }, l.Backward)
	})
	t.Run("weighted, smoothed, mixed softmax cross-entropy", func(t *testing.T) {
		l := SoftmaxCrossEntropy{Weights: []float32{0.5, 2, 1, 3}, Smoothing: 0.1}
		checkLossGradient(t, logits, func() float64 { return l.ForwardMixed(logits, labels, mixed, 0.35) }, l.Backward)
	})
	t.Run("weighted label-smoothed softmax cross-entropy", func(t *testing.T) {
		l := SoftmaxCrossEntropy{Weights: []float32{0.5, 2, 1, 3}, Smoothing: 0.25}
		checkLossGradient(t, logits, func() float64 { return l.Forward(logits, labels) }, l.Backward)
	})
	target := tensor.New(3, 4)
	r.FillUniform(target.Data, 1)
	pred := tensor.New(3, 4)
	r.FillUniform(pred.Data, 1)
	t.Run("mse", func(t *testing.T) {
		var l MSE
		checkLossGradient(t, pred, func() float64 { return l.Forward(pred, target) }, l.Backward)
	})
	probs := tensor.New(3, 4)
	for i := range probs.Data {
		probs.Data[i] = 0.05 + 0.9*r.Float32()
		target.Data[i] = r.Float32()
	}
	t.Run("bce", func(t *testing.T) {
		var l BCE
		checkLossGradient(t, probs, func() float64 { return l.Forward(probs, target) }, l.Backward)
	})
}
