package inspect

import (
	"fmt"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// Activation is what one layer of a network gave for one input.
type Activation struct {
	Index  int            // the layer's position in the network
	Kind   string         // the layer's kind: "conv2d", "relu", ...
	Output *tensor.Tensor // one example, no batch dimension: [C, H, W] or [F]
}

// IsImage reports whether the output is a stack of 2-D maps [C, H, W],
// which FeatureMaps can draw.
func (a Activation) IsImage() bool { return len(a.Output.Shape) == 3 }

// Trace runs net on one example x (of the shape net was built for, with
// no batch dimension) in evaluation mode, one layer at a time, and
// returns every layer's output, in order. The last is the network's
// output: the values net.Forward gives, up to the rounding of a batch
// norm that Forward folds into the convolution before it (within 1e-5 of
// the largest). The outputs are copies; net keeps no reference to them.
//
// A block that holds layers of its own (a residual block) counts as one
// layer: its output is traced, not its insides.
func Trace(net *nn.Sequential, x *tensor.Tensor) ([]Activation, error) {
	in := net.InShape()
	if !tensor.SameShape(x.Shape, in) {
		return nil, fmt.Errorf("inspect: the network takes inputs of shape %s, got %s", tensor.ShapeString(in), tensor.ShapeString(x.Shape))
	}
	cur := tensor.FromData(x.Data, append([]int{1}, in...)...)
	acts := make([]Activation, len(net.Layers))
	for i, l := range net.Layers {
		cur = l.Forward(cur, false)
		out := tensor.New(cur.Shape[1:]...)
		copy(out.Data, cur.Data)
		acts[i] = Activation{Index: i, Kind: l.Kind(), Output: out}
	}
	return acts, nil
}

// FirstConv returns the position and the weights, [out, in, kh, kw], of
// the first convolution among net's layers; ok is false if it has none.
func FirstConv(net *nn.Sequential) (index int, weight *tensor.Tensor, ok bool) {
	for i, l := range net.Layers {
		if _, isConv := l.(*nn.Conv2D); !isConv {
			continue
		}
		for _, p := range l.Params() {
			if p.Name == "weight" && len(p.Value.Shape) == 4 {
				return i, p.Value, true
			}
		}
	}
	return 0, nil, false
}
