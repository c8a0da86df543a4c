package model

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/tensor"
)

// ParamShape is the name and shape of one parameter tensor of a network,
// as nn.Sequential names it ("0.weight", "3.body.1.running_mean").
type ParamShape struct {
	Name  string
	Shape []int
}

// LayerSize is what one layer makes when it is built for a given input,
// worked out by arithmetic alone: see LayerType.Size.
type LayerSize struct {
	// Out is the shape of the layer's output for one example.
	Out []int

	// Params are the layer's parameter tensors, named within the layer
	// ("weight", "body.0.bias"), in the order the built layer lists them.
	Params []ParamShape

	// Work counts the values of working memory the layer needs for one
	// example beyond its output: a convolution's matrix of windows, one
	// row per filter tap and one column per output position.
	Work int64
}

// Sizing is what a spec's network is for one input shape, worked out
// without building it (see Spec.Size).
type Sizing struct {
	// Out is the shape of the network's output for one example.
	Out []int

	// Params are the network's parameter tensors, with their names in
	// the network and in the order Build makes them: exactly the tensors
	// of its model file.
	Params []ParamShape

	// ParamCount is the number of values in all the parameters.
	ParamCount int64

	// Work is the number of values one example makes on its way through
	// the network: every layer's output and working memory, added up.
	// Memory a network needs beyond its parameters grows with it.
	Work int64
}

// maxCount is where the counts of Size stop growing: far beyond any
// memory, and far from overflowing an int64.
const maxCount = int64(1) << 62

// mulCount multiplies counts, saturating at maxCount.
func mulCount(vs ...int64) int64 {
	p := int64(1)
	for _, v := range vs {
		if v <= 0 {
			return 0
		}
		if p > maxCount/v {
			return maxCount
		}
		p *= v
	}
	return p
}

// addCount adds counts, saturating at maxCount.
func addCount(a, b int64) int64 {
	a, b = min(a, maxCount), min(b, maxCount)
	if b >= maxCount-a {
		return maxCount
	}
	return a + b
}

// shapeCount is the number of values of a tensor of the given shape,
// saturating at maxCount.
func shapeCount(shape []int) int64 {
	p := int64(1)
	for _, d := range shape {
		p = mulCount(p, int64(d))
	}
	return p
}

// countInt turns a count into a dimension. Counts are far below the
// largest int on 64-bit machines; on 32-bit ones a huge count becomes the
// largest int, which every limit refuses.
func countInt(n int64) int { return int(min(n, int64(math.MaxInt))) }

// Size works out, by arithmetic alone, what Build would make of the spec
// for examples of shape in: the shape of the output, the name and shape of
// every parameter, and how many values they and one example's way through
// the network take. Nothing is allocated in proportion to those sizes, so
// a spec that would ask for terabytes is measured, and can be refused,
// in a few microseconds: Load compares the result with the file's tensors
// before it builds anything.
//
// Size refuses what Build refuses for the shape of the input (a kernel
// larger than its input, a dense layer on an image, an output that is not
// a flat vector) with the same errors. Every layer type of the spec needs
// a Size function; the standard ones all have one.
func (s *Spec) Size(in []int) (*Sizing, error) {
	if _, err := s.NewLayers(); err != nil {
		return nil, err
	}
	for _, d := range in {
		if d <= 0 {
			return nil, fmt.Errorf("building %q for input %s: input shape %s has an empty dimension", s.String(), tensor.ShapeString(in), tensor.ShapeString(in))
		}
	}
	ls, err := s.size(in)
	if err != nil {
		return nil, fmt.Errorf("building %q for input %s: %w", s.String(), tensor.ShapeString(in), err)
	}
	if len(ls.Out) != 1 {
		return nil, fmt.Errorf("building %q for input %s: the output is %s, not a flat vector of class scores (end the model with flatten and dense)",
			s.String(), tensor.ShapeString(in), tensor.ShapeString(ls.Out))
	}
	sz := &Sizing{Out: ls.Out, Params: ls.Params, Work: ls.Work}
	for _, p := range ls.Params {
		sz.ParamCount = addCount(sz.ParamCount, shapeCount(p.Shape))
	}
	return sz, nil
}

// size is Size for a sequence of layers, nested or not: the sequence's
// output, its parameters named "i.name" for layer i, and its work, which
// includes every layer's output.
func (s *Spec) size(in []int) (LayerSize, error) {
	layers, err := s.NewLayers() // checks the arguments; allocates nothing in proportion to sizes
	if err != nil {
		return LayerSize{}, err
	}
	var out LayerSize
	shape := in
	for i := range s.Layers {
		l := &s.Layers[i]
		if l.Type.Size == nil {
			return LayerSize{}, fmt.Errorf("layer %d %s: its type cannot be sized without building it", i, l.Type.Name)
		}
		ls, err := l.Type.Size(l, shape)
		if err != nil {
			return LayerSize{}, fmt.Errorf("layer %d %s: %w", i, layers[i].Kind(), err)
		}
		for _, p := range ls.Params {
			out.Params = append(out.Params, ParamShape{Name: fmt.Sprintf("%d.%s", i, p.Name), Shape: p.Shape})
		}
		out.Work = addCount(out.Work, addCount(ls.Work, shapeCount(ls.Out)))
		shape = ls.Out
	}
	out.Out = shape
	return out, nil
}

// The Size functions of the standard layer types. Each mirrors the Build
// method of its nn layer; a test checks them against Build on many specs.

func sizeConv(l *Layer, in []int) (LayerSize, error) {
	k, s, p := l.Pair("kernel"), l.Pair("stride"), l.Pair("pad")
	return convSize(l.Int("out"), k[0], k[1], s[0], s[1], p[0], p[1], in)
}

// convSize is nn.Conv2D's Build by arithmetic.
func convSize(out, kh, kw, sh, sw, ph, pw int, in []int) (LayerSize, error) {
	switch {
	case len(in) != 3:
		return LayerSize{}, fmt.Errorf("needs an image input [channels height width], got %s", tensor.ShapeString(in))
	case in[1]+2*ph < kh || in[2]+2*pw < kw:
		return LayerSize{}, fmt.Errorf("kernel %dx%d is larger than the padded input %dx%d", kh, kw, in[1]+2*ph, in[2]+2*pw)
	}
	oh, ow := (in[1]+2*ph-kh)/sh+1, (in[2]+2*pw-kw)/sw+1
	taps := mulCount(int64(in[0]), int64(kh), int64(kw))
	return LayerSize{
		Out: []int{out, oh, ow},
		Params: []ParamShape{
			{Name: "weight", Shape: []int{out, in[0], kh, kw}},
			{Name: "bias", Shape: []int{out}},
		},
		Work: mulCount(addCount(taps, 1), int64(oh), int64(ow)),
	}, nil
}

func sizePool(l *Layer, in []int) (LayerSize, error) {
	k := l.Pair("kernel")
	s := k
	if l.Has("stride") {
		s = l.Pair("stride")
	}
	switch {
	case len(in) != 3:
		return LayerSize{}, fmt.Errorf("needs an image input [channels height width], got %s", tensor.ShapeString(in))
	case in[1] < k[0] || in[2] < k[1]:
		return LayerSize{}, fmt.Errorf("window %dx%d is larger than the input %dx%d", k[0], k[1], in[1], in[2])
	}
	return LayerSize{Out: []int{in[0], (in[1]-k[0])/s[0] + 1, (in[2]-k[1])/s[1] + 1}}, nil
}

func sizeDense(l *Layer, in []int) (LayerSize, error) {
	if len(in) != 1 {
		return LayerSize{}, fmt.Errorf("needs a flat input, got %s (put a flatten layer before it)", tensor.ShapeString(in))
	}
	out := l.Int("out")
	return LayerSize{
		Out: []int{out},
		Params: []ParamShape{
			{Name: "weight", Shape: []int{out, in[0]}},
			{Name: "bias", Shape: []int{out}},
		},
	}, nil
}

func sizeFlatten(_ *Layer, in []int) (LayerSize, error) {
	return LayerSize{Out: []int{countInt(shapeCount(in))}}, nil
}

// sizeSame is the size of a layer whose output has its input's shape and
// that has no parameters: activations and dropout.
func sizeSame(_ *Layer, in []int) (LayerSize, error) {
	return LayerSize{Out: in}, nil
}

func sizeSoftmax(_ *Layer, in []int) (LayerSize, error) {
	if len(in) != 1 {
		return LayerSize{}, fmt.Errorf("needs a flat input of class scores, got %s", tensor.ShapeString(in))
	}
	return LayerSize{Out: in}, nil
}

func sizeGlobalAvgPool(_ *Layer, in []int) (LayerSize, error) {
	if len(in) != 3 {
		return LayerSize{}, fmt.Errorf("needs an image input [channels height width], got %s", tensor.ShapeString(in))
	}
	return LayerSize{Out: []int{in[0], 1, 1}}, nil
}

func sizeBatchNorm(_ *Layer, in []int) (LayerSize, error) {
	if len(in) != 3 && len(in) != 1 {
		return LayerSize{}, fmt.Errorf("needs an image [C H W] or flat [F] input, got %s", tensor.ShapeString(in))
	}
	c := in[0]
	return LayerSize{
		Out: in,
		Params: []ParamShape{
			{Name: "weight", Shape: []int{c}},
			{Name: "bias", Shape: []int{c}},
			{Name: "running_mean", Shape: []int{c}},
			{Name: "running_var", Shape: []int{c}},
			{Name: "num_batches_tracked", Shape: []int{}},
		},
	}, nil
}

// sizeResidual is nn.Residual's Build by arithmetic: the body, and a 1×1
// convolution shortcut when the body changes the shape.
func sizeResidual(l *Layer, in []int) (LayerSize, error) {
	body, err := l.Spec("body").size(in)
	if err != nil {
		return LayerSize{}, fmt.Errorf("body: %w", err)
	}
	out := LayerSize{Out: body.Out, Work: body.Work}
	for _, p := range body.Params {
		out.Params = append(out.Params, ParamShape{Name: "body." + p.Name, Shape: p.Shape})
	}
	if tensor.SameShape(in, body.Out) {
		return out, nil
	}
	if len(in) != 3 || len(body.Out) != 3 {
		return LayerSize{}, fmt.Errorf("body turns %s into %s; a shortcut can only bridge images", tensor.ShapeString(in), tensor.ShapeString(body.Out))
	}
	sh, sw := (in[1]+body.Out[1]-1)/body.Out[1], (in[2]+body.Out[2]-1)/body.Out[2]
	if (in[1]-1)/sh+1 != body.Out[1] || (in[2]-1)/sw+1 != body.Out[2] {
		return LayerSize{}, fmt.Errorf("body turns %s into %s; a 1x1 convolution shortcut cannot match that", tensor.ShapeString(in), tensor.ShapeString(body.Out))
	}
	short, err := convSize(body.Out[0], 1, 1, sh, sw, 0, 0, in)
	if err != nil {
		return LayerSize{}, fmt.Errorf("shortcut: %w", err)
	}
	for _, p := range short.Params {
		out.Params = append(out.Params, ParamShape{Name: "shortcut." + p.Name, Shape: p.Shape})
	}
	out.Work = addCount(out.Work, addCount(short.Work, shapeCount(short.Out)))
	return out, nil
}
