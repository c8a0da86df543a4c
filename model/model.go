// Package model describes networks and keeps trained ones in files.
//
// A Spec is a network's architecture, written as a short text such as
//
//	conv(32,3) relu maxpool(2) flatten dense(10)
//
// or as JSON (see Parse), or taken from a preset (see Preset). Build turns
// a spec into an nn.Sequential for a given input shape.
//
// A Model is a built network together with what it takes to use it: its
// spec, the shape and preprocessing of its input, and the names of its
// classes. Save writes it to a safetensors file that PyTorch can also
// read, and Load reads it back and rebuilds the network, so that the
// loaded model gives bit-for-bit the same predictions.
//
// A model file may come from anyone, so Load trusts nothing in it: it
// checks the spec and every tensor against each other by arithmetic
// before it builds a layer, and refuses non-finite weights and degenerate
// normalisation. The SHA-256 checksum a file records detects corruption
// (a truncated download, a flipped bit); it is no signature, since anyone
// who crafts a file can compute it: integrity, not authentication.
//
// The layer types a spec may name come from a Registry, a value rather
// than a global: Standard returns the built-in one, and new layer types
// are added by listing them in StandardLayers.
package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// Model is a network with what it takes to use it.
type Model struct {
	Spec    *Spec
	Net     *nn.Sequential // built for Input.Shape
	Input   Input
	Classes []string // one name per output of the network, in order

	// Info holds free-form facts about the model, such as the data set,
	// the seed, the number of epochs and the test accuracy.
	Info map[string]string
}

// Input says what a model expects and how to turn an image into it.
type Input struct {
	// Shape is the shape of one example: [channels, height, width].
	Shape []int `json:"shape"`

	// Prep is how an image becomes an input: PrepMNIST or PrepResize.
	Prep string `json:"prep"`

	// Mean and Std, when set, normalise each channel after the pixels
	// have been scaled to [0, 1]: x = (x − Mean[c]) / Std[c]. They are
	// empty or hold one number per channel.
	Mean []float32 `json:"mean,omitempty"`
	Std  []float32 `json:"std,omitempty"`
}

// MinStd is the smallest standard deviation an input's normalisation may
// have: data.ComputeNormalization gives a channel with less spread a
// deviation of 1. A smaller one, or a huge mean, would turn pixels into
// infinities and predictions into NaN.
const MinStd float32 = 1e-12

// MaxInputSize is the largest number of values an input example may have:
// a 4096x4096 grayscale image, or a 2364x2364 colour one.
const MaxInputSize = 1 << 24

// The ways to prepare an image for a model.
const (
	// PrepMNIST makes a grayscale digit look like an MNIST one: the digit
	// fitted into a 20x20 box and centred by its centre of mass in a
	// 28x28 image (for 1-channel inputs).
	PrepMNIST = "mnist"

	// PrepResize scales the whole image to the input's height and width.
	PrepResize = "resize"
)

// String describes what a model takes, for people: `[3 48 48], prepared
// as "resize", normalised with mean [...] and standard deviation [...]`.
func (in Input) String() string {
	s := fmt.Sprintf("%s, prepared as %q", tensor.ShapeString(in.Shape), in.Prep)
	if len(in.Mean) > 0 {
		s += fmt.Sprintf(", normalised with mean %v and standard deviation %v", in.Mean, in.Std)
	}
	return s
}

// Equal reports whether in and other take images alike: the same shape,
// preparation and normalisation, so that one prepared image serves both
// (the models of an ensemble, say).
func (in Input) Equal(other Input) bool {
	return slices.Equal(in.Shape, other.Shape) && in.Prep == other.Prep &&
		slices.Equal(in.Mean, other.Mean) && slices.Equal(in.Std, other.Std)
}

// Check reports what is wrong with in, if anything.
func (in *Input) Check() error {
	if len(in.Shape) != 3 {
		return fmt.Errorf("input shape %s is not [channels height width]", tensor.ShapeString(in.Shape))
	}
	for _, d := range in.Shape {
		if d < 1 || d > MaxSize {
			return fmt.Errorf("input shape %s has a dimension outside [1, %d]", tensor.ShapeString(in.Shape), MaxSize)
		}
	}
	if n := tensor.Size(in.Shape); n > MaxInputSize {
		return fmt.Errorf("input shape %s has %d values, over the limit of %d", tensor.ShapeString(in.Shape), n, MaxInputSize)
	}
	switch in.Prep {
	case PrepMNIST:
		if in.Shape[0] != 1 {
			return fmt.Errorf("input preparation %q needs 1 channel, the shape is %s", in.Prep, tensor.ShapeString(in.Shape))
		}
	case PrepResize:
	default:
		return fmt.Errorf("unknown input preparation %q (want %q or %q)", in.Prep, PrepMNIST, PrepResize)
	}
	if len(in.Mean) != len(in.Std) || len(in.Mean) != 0 && len(in.Mean) != in.Shape[0] {
		return fmt.Errorf("input normalisation has %d means and %d standard deviations for %d channels (want one of each per channel, or none)",
			len(in.Mean), len(in.Std), in.Shape[0])
	}
	for c := range in.Mean {
		m, s := float64(in.Mean[c]), float64(in.Std[c])
		if math.IsNaN(m) || math.IsInf(m, 0) || !(in.Std[c] >= MinStd) || math.IsInf(s, 0) || (1+math.Abs(m))/s > math.MaxFloat32 {
			return fmt.Errorf("input normalisation of channel %d has mean %g and standard deviation %g (want a finite mean and a deviation of at least %g, which keep normalised pixels finite)",
				c, in.Mean[c], in.Std[c], MinStd)
		}
	}
	return nil
}

// New builds the network spec describes for the given input, drawing its
// initial weights from env, and returns it as a model with the given class
// names, one per output of the network.
func New(spec *Spec, input Input, classes []string, env *nn.Env) (*Model, error) {
	if err := input.Check(); err != nil {
		return nil, err
	}
	// Refuse now, not after training, a network whose file Load would
	// refuse. (A layer type without a Size function leaves it to Build.)
	if size, err := spec.Size(input.Shape); err == nil && size.Work > MaxWork {
		return nil, fmt.Errorf("building %q for input %s: the network makes %d values for each example on its way through, over the limit of %d (%d MiB) that loading a model allows",
			spec.String(), tensor.ShapeString(input.Shape), size.Work, MaxWork, MaxWork*4>>20)
	}
	net, err := spec.Build(input.Shape, env)
	if err != nil {
		return nil, err
	}
	m := &Model{Spec: spec, Net: net, Input: input, Classes: slices.Clone(classes), Info: map[string]string{}}
	if err := m.checkClasses(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkClasses checks that there is one distinct, non-empty class name per
// output of the network.
func (m *Model) checkClasses() error {
	outputs := m.Net.OutShape()[0]
	if len(m.Classes) != outputs {
		return fmt.Errorf("the network has %d outputs but there are %d class names", outputs, len(m.Classes))
	}
	seen := make(map[string]bool, len(m.Classes))
	for i, c := range m.Classes {
		if c == "" {
			return fmt.Errorf("class %d has an empty name", i)
		}
		if seen[c] {
			return fmt.Errorf("two classes are named %q", c)
		}
		seen[c] = true
	}
	return nil
}

// TrainableParams returns the number of m's parameters that training
// changes: the weights and biases, but not a batch norm's running
// statistics, which have no gradient.
func (m *Model) TrainableParams() int {
	n := 0
	for _, p := range m.Net.Params() {
		if p.Grad != nil {
			n += p.Value.Len()
		}
	}
	return n
}
