package model

import (
	"fmt"
	"strconv"

	"github.com/gocnn/gocnn/nn"
)

// MaxSize is the largest size a spec accepts for a number of filters or
// units, a kernel, a stride or a padding: far above any sensible network,
// low enough that a mistyped spec fails at once instead of asking for
// terabytes.
const MaxSize = 1 << 16

// Standard returns a registry of the standard layer types (see
// StandardLayers). Each call returns a new registry, which the caller may
// extend.
func Standard() *Registry {
	r, err := NewRegistry(StandardLayers()...)
	if err != nil {
		panic(err) // the standard types are fixed; a test checks them
	}
	return r
}

// StandardLayers returns the layer types every spec may use:
//
//	conv(out, kernel, stride=1, pad=0, init=auto)  2-D convolution (nn.Conv2D)
//	maxpool(kernel, stride=kernel)                 max-pooling (nn.MaxPool2D)
//	dense(out, init=auto)                          fully connected (nn.Dense)
//	dropout(p)                                     dropout with probability p (nn.Dropout)
//	flatten                                        images to vectors (nn.Flatten)
//	avgpool(kernel, stride=kernel)                 average pooling (nn.AvgPool2D)
//	globalavgpool                                  mean of each channel, [C,H,W] to [C,1,1] (nn.GlobalAvgPool2D)
//	batchnorm(momentum=0.1, eps=1e-05)             batch normalisation (nn.BatchNorm)
//	residual(layers...)                            layers plus a shortcut (nn.Residual)
//	relu, sigmoid, tanh, softmax                   activations
//	leakyrelu(slope=0.01)                          max(x, slope·x)
//
// init is one of auto, he_normal, he_uniform, glorot_normal and
// glorot_uniform (see nn.Init).
func StandardLayers() []LayerType {
	initParam := Param{Name: "init", Kind: KindWord, Default: Value{Word: "auto"},
		Choices: []string{"auto", "he_normal", "he_uniform", "glorot_normal", "glorot_uniform"}}
	return []LayerType{
		{Name: "conv", Doc: "2-D convolution with out filters of size kernel", Params: []Param{
			{Name: "out", Kind: KindInt, Positional: true, Required: true, Check: intBetween(1, MaxSize)},
			{Name: "kernel", Kind: KindPair, Positional: true, Required: true, Check: pairBetween(1, MaxSize)},
			{Name: "stride", Kind: KindPair, Default: Value{Pair: [2]int{1, 1}}, Check: pairBetween(1, MaxSize)},
			{Name: "pad", Kind: KindPair, Default: Value{Pair: [2]int{0, 0}}, Check: pairBetween(0, MaxSize)},
			initParam,
		}, New: newConv, Size: sizeConv},
		{Name: "maxpool", Doc: "max-pooling over windows of size kernel", Params: []Param{
			{Name: "kernel", Kind: KindPair, Positional: true, Required: true, Check: pairBetween(1, MaxSize)},
			{Name: "stride", Kind: KindPair, DefaultDoc: "kernel", Check: pairBetween(1, MaxSize)},
		}, New: newMaxPool, Size: sizePool},
		{Name: "dense", Doc: "fully connected layer with out outputs", Params: []Param{
			{Name: "out", Kind: KindInt, Positional: true, Required: true, Check: intBetween(1, MaxSize)},
			initParam,
		}, New: newDense, Size: sizeDense},
		{Name: "dropout", Doc: "zeroes each value with probability p while training", Params: []Param{
			{Name: "p", Kind: KindFloat, Positional: true, Required: true, Check: probability},
		}, New: func(l *Layer) (nn.Layer, error) { return nn.NewDropout(l.Float("p")), nil }, Size: sizeSame},
		{Name: "flatten", Doc: "turns each example into a flat vector",
			New: func(*Layer) (nn.Layer, error) { return nn.NewFlatten(), nil }, Size: sizeFlatten},
		{Name: "relu", Doc: "max(0, x)",
			New: func(*Layer) (nn.Layer, error) { return nn.NewReLU(), nil }, Size: sizeSame},
		{Name: "sigmoid", Doc: "1/(1+e^-x)",
			New: func(*Layer) (nn.Layer, error) { return nn.NewSigmoid(), nil }, Size: sizeSame},
		{Name: "tanh", Doc: "hyperbolic tangent",
			New: func(*Layer) (nn.Layer, error) { return nn.NewTanh(), nil }, Size: sizeSame},
		{Name: "softmax", Doc: "scores to probabilities (leave it out to train with cross-entropy)",
			New: func(*Layer) (nn.Layer, error) { return nn.NewSoftmax(), nil }, Size: sizeSoftmax},
		{Name: "leakyrelu", Doc: "x, or slope·x for negative x", Params: []Param{
			{Name: "slope", Kind: KindFloat, Positional: true, Default: Value{Float: 0.01}, Check: openUnit},
		}, New: func(l *Layer) (nn.Layer, error) { return nn.NewLeakyReLU(float32(l.Float("slope"))), nil }, Size: sizeSame},
		{Name: "avgpool", Doc: "average pooling over windows of size kernel", Params: []Param{
			{Name: "kernel", Kind: KindPair, Positional: true, Required: true, Check: pairBetween(1, MaxSize)},
			{Name: "stride", Kind: KindPair, DefaultDoc: "kernel", Check: pairBetween(1, MaxSize)},
		}, New: newAvgPool, Size: sizePool},
		{Name: "globalavgpool", Doc: "the mean of each channel: [C,H,W] becomes [C,1,1]",
			New: func(*Layer) (nn.Layer, error) { return nn.NewGlobalAvgPool2D(), nil }, Size: sizeGlobalAvgPool},
		{Name: "batchnorm", Doc: "normalises each channel over the batch, then scales and shifts", Params: []Param{
			{Name: "momentum", Kind: KindFloat, Default: Value{Float: 0.1}, Check: openUnit},
			{Name: "eps", Kind: KindFloat, Default: Value{Float: 1e-5}, Check: openUnit},
		}, New: func(l *Layer) (nn.Layer, error) {
			return &nn.BatchNorm{Momentum: l.Float("momentum"), Eps: l.Float("eps")}, nil
		}, Size: sizeBatchNorm},
		{Name: "residual", Doc: "adds the block's input to its output (1x1 convolution shortcut when shapes differ)", Params: []Param{
			{Name: "body", Kind: KindLayers, Positional: true, Required: true},
		}, New: func(l *Layer) (nn.Layer, error) {
			body, err := l.Spec("body").NewLayers()
			if err != nil {
				return nil, err
			}
			return nn.NewResidual(body...), nil
		}, Size: sizeResidual},
	}
}

func newAvgPool(l *Layer) (nn.Layer, error) {
	k := l.Pair("kernel")
	s := k
	if l.Has("stride") {
		s = l.Pair("stride")
	}
	return &nn.AvgPool2D{KH: k[0], KW: k[1], StrideH: s[0], StrideW: s[1]}, nil
}

// openUnit checks that a number is in (0, 1).
func openUnit(v Value) error {
	if !(v.Float > 0 && v.Float < 1) {
		return fmt.Errorf("must be between 0 and 1, got %g", v.Float)
	}
	return nil
}

func newConv(l *Layer) (nn.Layer, error) {
	init, err := nn.ParseInit(l.Word("init"))
	if err != nil {
		return nil, err
	}
	k, s, p := l.Pair("kernel"), l.Pair("stride"), l.Pair("pad")
	return &nn.Conv2D{Out: l.Int("out"), KH: k[0], KW: k[1], StrideH: s[0], StrideW: s[1],
		PadH: p[0], PadW: p[1], Init: init}, nil
}

func newMaxPool(l *Layer) (nn.Layer, error) {
	k := l.Pair("kernel")
	s := k
	if l.Has("stride") {
		s = l.Pair("stride")
	}
	return &nn.MaxPool2D{KH: k[0], KW: k[1], StrideH: s[0], StrideW: s[1]}, nil
}

func newDense(l *Layer) (nn.Layer, error) {
	init, err := nn.ParseInit(l.Word("init"))
	if err != nil {
		return nil, err
	}
	return &nn.Dense{Out: l.Int("out"), Init: init}, nil
}

// intBetween returns a check that a whole number lies in [lo, hi].
func intBetween(lo, hi int) func(Value) error {
	return func(v Value) error { return inRange(v.Int, lo, hi, strconv.Itoa(v.Int)) }
}

// pairBetween returns a check that both numbers of a pair lie in [lo, hi].
func pairBetween(lo, hi int) func(Value) error {
	return func(v Value) error {
		text := formatValue(KindPair, v)
		if err := inRange(v.Pair[0], lo, hi, text); err != nil {
			return err
		}
		return inRange(v.Pair[1], lo, hi, text)
	}
}

func inRange(n, lo, hi int, text string) error {
	if n < lo {
		return fmt.Errorf("must be at least %d, got %s", lo, text)
	}
	if n > hi {
		return fmt.Errorf("must be at most %d, got %s", hi, text)
	}
	return nil
}

// probability checks that a number is in [0, 1).
func probability(v Value) error {
	if v.Float < 0 || v.Float >= 1 {
		return fmt.Errorf("must be in [0, 1), got %g", v.Float)
	}
	return nil
}
