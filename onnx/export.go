package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/onnx/onnxpb"
	"github.com/gocnn/gocnn/tensor"
)

// Opset is the version of the ONNX operator set exported models use.
// Opset 13 is the oldest with every operator in the form written here
// (Softmax over one axis, Dropout-free inference graphs), and every
// onnxruntime since 1.6 runs it.
const Opset = 13

// irVersion is the ONNX file format version that goes with Opset 13.
const irVersion = 7

// Names of the graph's input and output, and of the metadata keys an
// exported model carries.
const (
	InputName  = "input"
	OutputName = "output"

	MetaSpec    = "gocnn.spec"    // the model's spec, as gocnn writes it
	MetaClasses = "gocnn.classes" // the class names, a JSON array in output order
	MetaPrep    = "gocnn.prep"    // how a picture becomes the input ("mnist" or "resize")
	MetaInput   = "gocnn.input"   // what the input holds, in words
	MetaInfo    = "gocnn.info."   // followed by a key of the model's Info: its value
)

// Export writes m to w as an ONNX model (see Encode).
func Export(w io.Writer, m *model.Model, producerVersion string) error {
	pb, err := Encode(m, producerVersion)
	if err != nil {
		return err
	}
	b, err := proto.Marshal(pb)
	if err != nil {
		return fmt.Errorf("onnx: encoding the model: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// Encode returns m as an ONNX model: one graph from the input
// [batch, C, H, W], the pixels scaled to [0, 1], to the output [batch,
// classes], the network's logits (or its probabilities when it ends with
// softmax), for any batch size. The model's input normalisation, when it
// has one, is the graph's first two nodes (Sub, Div), so the ONNX model
// takes what gocnn's prepared pictures are before normalising. Batch
// norm is a BatchNormalization node with the running statistics, dropout
// is left out (ONNX models are for inference), and each residual block is
// its body, its shortcut and an Add. The class names, the spec, the
// picture preparation and the model's Info (the dataset it was trained on,
// ...) go in the metadata.
func Encode(m *model.Model, producerVersion string) (*onnxpb.ModelProto, error) {
	if len(m.Input.Shape) != 3 {
		return nil, fmt.Errorf("onnx: exporting a model whose input is %s: only images [C H W] are supported", tensor.ShapeString(m.Input.Shape))
	}
	g := &graph{pb: &onnxpb.GraphProto{Name: proto.String("gocnn")}}
	c, h, w := m.Input.Shape[0], m.Input.Shape[1], m.Input.Shape[2]
	g.pb.Input = []*onnxpb.ValueInfoProto{valueInfo(InputName, "batch", c, h, w)}
	x := InputName
	if len(m.Input.Mean) > 0 {
		if len(m.Input.Mean) != c || len(m.Input.Std) != c {
			return nil, fmt.Errorf("onnx: the model normalises %d channels, its input has %d", len(m.Input.Mean), c)
		}
		g.initializer("input_mean", []int{1, c, 1, 1}, m.Input.Mean)
		g.initializer("input_std", []int{1, c, 1, 1}, m.Input.Std)
		x = g.node("Sub", "normalise/sub", []string{x, "input_mean"})
		x = g.node("Div", "normalise/div", []string{x, "input_std"})
	}
	out, err := g.sequential(m.Net, "", x, m.Input.Shape)
	if err != nil {
		return nil, err
	}
	shapes := m.Net.Shapes()
	last := shapes[len(shapes)-1]
	if len(last) != 1 || last[0] != len(m.Classes) {
		return nil, fmt.Errorf("onnx: the network's output %s is not one score per class (%d)", tensor.ShapeString(last), len(m.Classes))
	}
	g.node("Identity", "output", []string{out}, OutputName)
	g.pb.Output = []*onnxpb.ValueInfoProto{valueInfo(OutputName, "batch", len(m.Classes))}

	classes, err := json.Marshal(m.Classes)
	if err != nil {
		return nil, err
	}
	props := []*onnxpb.StringStringEntryProto{
		{Key: proto.String(MetaSpec), Value: proto.String(m.Spec.String())},
		{Key: proto.String(MetaClasses), Value: proto.String(string(classes))},
		{Key: proto.String(MetaPrep), Value: proto.String(m.Input.Prep)},
		{Key: proto.String(MetaInput), Value: proto.String(inputText(m.Input))},
	}
	keys := slices.Sorted(maps.Keys(m.Info))
	for _, k := range keys {
		props = append(props, &onnxpb.StringStringEntryProto{Key: proto.String(MetaInfo + k), Value: proto.String(m.Info[k])})
	}
	return &onnxpb.ModelProto{
		IrVersion:       proto.Int64(irVersion),
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:    proto.String("gocnn"),
		ProducerVersion: proto.String(producerVersion),
		DocString:       proto.String("exported by gocnn: " + m.Spec.String()),
		Graph:           g.pb,
		MetadataProps:   props,
	}, nil
}

// inputText says what the exported graph's input holds.
func inputText(in model.Input) string {
	s := fmt.Sprintf("float32 [batch %d %d %d], pixels in [0, 1]", in.Shape[0], in.Shape[1], in.Shape[2])
	if len(in.Mean) > 0 {
		s += fmt.Sprintf("; the graph normalises them (mean %v, standard deviation %v)", in.Mean, in.Std)
	}
	return s
}

// graph is an ONNX graph being written: nodes in order, each output named
// after the node that makes it.
type graph struct {
	pb *onnxpb.GraphProto
}

// node appends an operator node named name and returns the name of its
// (first) output: outputs[0] if given, else the node's own name.
func (g *graph) node(op, name string, inputs []string, outputs ...string) string {
	if len(outputs) == 0 {
		outputs = []string{name}
	}
	g.pb.Node = append(g.pb.Node, &onnxpb.NodeProto{
		OpType: proto.String(op),
		Name:   proto.String(name),
		Input:  inputs,
		Output: outputs,
	})
	return outputs[0]
}

// attrs adds attributes to the last node.
func (g *graph) attrs(a ...*onnxpb.AttributeProto) {
	n := g.pb.Node[len(g.pb.Node)-1]
	n.Attribute = append(n.Attribute, a...)
}

// initializer adds a float32 constant of the given shape.
func (g *graph) initializer(name string, shape []int, data []float32) {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	g.pb.Initializer = append(g.pb.Initializer, &onnxpb.TensorProto{
		Name:     proto.String(name),
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		Dims:     dims,
		RawData:  raw,
	})
}

// params adds a layer's parameters as initializers under the names gocnn
// and PyTorch give them (prefix + "weight", ...) and returns them by
// their own name.
func (g *graph) params(l nn.Layer, prefix string) map[string]string {
	names := map[string]string{}
	for _, p := range l.Params() {
		if p.Name == "num_batches_tracked" {
			continue // a training count; inference does not use it
		}
		name := prefix + p.Name
		g.initializer(name, p.Value.Shape, p.Value.Data)
		names[p.Name] = name
	}
	return names
}

// sequential writes the layers of s, the first taking x of shape in (one
// example's), and returns the name of the last output. prefix names the
// block ("" for the network, "3.body." for a residual block's body).
func (g *graph) sequential(s *nn.Sequential, prefix, x string, in []int) (string, error) {
	shapes := s.Shapes()
	for i, l := range s.Layers {
		var err error
		x, err = g.layer(l, fmt.Sprintf("%s%d", prefix, i), x, in)
		if err != nil {
			return "", err
		}
		in = shapes[i]
	}
	return x, nil
}

// layer writes one layer named name, taking x of shape in, and returns
// the name of its output.
func (g *graph) layer(l nn.Layer, name, x string, in []int) (string, error) {
	switch l := l.(type) {
	case *nn.Conv2D:
		return g.conv(l, name+".", x), nil
	case *nn.Dense: // its input is flat: [batch, in]
		p := g.params(l, name+".")
		x = g.node("Gemm", name, []string{x, p["weight"], p["bias"]})
		g.attrs(intAttr("transB", 1))
		return x, nil
	case *nn.BatchNorm:
		p := g.params(l, name+".")
		x = g.node("BatchNormalization", name, []string{x, p["weight"], p["bias"], p["running_mean"], p["running_var"]})
		eps, momentum := l.Eps, l.Momentum
		if eps == 0 {
			eps = 1e-5
		}
		if momentum == 0 {
			momentum = 0.1
		}
		// ONNX's momentum weighs the old statistic, PyTorch's the new one.
		g.attrs(floatAttr("epsilon", eps), floatAttr("momentum", 1-momentum))
		return x, nil
	case *nn.ReLU:
		return g.node("Relu", name, []string{x}), nil
	case *nn.LeakyReLU:
		x = g.node("LeakyRelu", name, []string{x})
		g.attrs(floatAttr("alpha", float64(l.Slope)))
		return x, nil
	case *nn.Sigmoid:
		return g.node("Sigmoid", name, []string{x}), nil
	case *nn.Tanh:
		return g.node("Tanh", name, []string{x}), nil
	case *nn.Softmax:
		x = g.node("Softmax", name, []string{x})
		g.attrs(intAttr("axis", 1))
		return x, nil
	case *nn.MaxPool2D:
		x = g.node("MaxPool", name, []string{x})
		g.attrs(intsAttr("kernel_shape", l.KH, l.KW), intsAttr("strides", or(l.StrideH, l.KH), or(l.StrideW, l.KW)))
		return x, nil
	case *nn.AvgPool2D:
		x = g.node("AveragePool", name, []string{x})
		g.attrs(intsAttr("kernel_shape", l.KH, l.KW), intsAttr("strides", or(l.StrideH, l.KH), or(l.StrideW, l.KW)))
		return x, nil
	case *nn.GlobalAvgPool2D:
		return g.node("GlobalAveragePool", name, []string{x}), nil
	case *nn.Flatten:
		x = g.node("Flatten", name, []string{x})
		g.attrs(intAttr("axis", 1))
		return x, nil
	case *nn.Dropout:
		return x, nil // the identity in inference
	case *nn.Residual:
		body, err := g.sequential(l.Body, name+".body.", x, in)
		if err != nil {
			return "", err
		}
		short := x
		if l.Shortcut != nil {
			short = g.conv(l.Shortcut, name+".shortcut.", x)
		}
		return g.node("Add", name, []string{body, short}), nil
	}
	return "", fmt.Errorf("onnx: layer %s (%s) has no ONNX form here", name, l.Kind())
}

// conv writes a convolution whose parameters are named prefix+"weight"
// and prefix+"bias".
func (g *graph) conv(l *nn.Conv2D, prefix, x string) string {
	p := g.params(l, prefix)
	x = g.node("Conv", prefix[:len(prefix)-1], []string{x, p["weight"], p["bias"]})
	g.attrs(
		intsAttr("kernel_shape", l.KH, l.KW),
		intsAttr("strides", or(l.StrideH, 1), or(l.StrideW, 1)),
		intsAttr("pads", l.PadH, l.PadW, l.PadH, l.PadW),
		intsAttr("dilations", 1, 1),
		intAttr("group", 1),
	)
	return x
}

// or returns v, or def when v is 0 (a field left at its default).
func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func intAttr(name string, v int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(int64(v))}
}

func intsAttr(name string, v ...int) *onnxpb.AttributeProto {
	ints := make([]int64, len(v))
	for i, x := range v {
		ints[i] = int64(x)
	}
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: ints}
}

func floatAttr(name string, v float64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: proto.Float32(float32(v))}
}

// valueInfo describes a float32 tensor whose first dimension is named
// batch and the others fixed.
func valueInfo(name, batch string, dims ...int) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
		{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: batch}},
	}}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
			Shape:    shape,
		}}},
	}
}
