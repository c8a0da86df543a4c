package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/onnx/onnxpb"
	"github.com/gocnn/gocnn/tensor"
)

// Limits on what Import reads: a file over MaxFileBytes is refused before
// it is read, and a graph of more than MaxNodes nodes before it is walked.
const (
	MaxFileBytes = 1 << 30
	MaxNodes     = 10000
)

// ImportOptions says what an ONNX file cannot: the names of the classes
// and how a picture becomes the input. Files that gocnn exported carry
// both in their metadata, which is used when these are empty.
type ImportOptions struct {
	Classes []string // one per output; default the metadata's, else "0", "1", ...
	Prep    string   // model.PrepMNIST or model.PrepResize; default the metadata's, else resize
}

// ImportFile reads the ONNX model in path with Import; its errors name
// the file.
func ImportFile(path string, env *nn.Env, opt ImportOptions) (*model.Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d for an ONNX model", path, st.Size(), MaxFileBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Import(b, env, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Import reads an ONNX model, as torch.onnx.export writes them (opsets 11
// to 17) or Export does, and returns the gocnn model it describes, built
// in env with the file's weights.
//
// The graph must be a chain of the operators gocnn has layers for, from
// one input [N, C, H, W] to one output [N, classes]: Conv (groups 1,
// dilation 1, the same padding on both sides), BatchNormalization, Relu,
// LeakyRelu, Sigmoid, Tanh, MaxPool and AveragePool (no padding),
// GlobalAveragePool, Gemm or MatMul and Add, Flatten or the Reshape to
// [N, -1] PyTorch writes for it, Softmax, Dropout, Identity and a Pad of
// nothing (PyTorch writes one before an AveragePool); an Add of
// two branches of the chain is a residual block, whose second branch is
// the input itself or a 1x1 convolution. A Sub and a Div by one constant
// per channel straight after the input become the model's input
// normalisation. Anything else is refused with an error naming the node
// and its operator. Every size is checked against the tensors the file
// holds before anything is built.
func Import(b []byte, env *nn.Env, opt ImportOptions) (*model.Model, error) {
	var pb onnxpb.ModelProto
	if err := proto.Unmarshal(b, &pb); err != nil {
		return nil, fmt.Errorf("not an ONNX model: %v", err)
	}
	if err := checkOpset(&pb); err != nil {
		return nil, err
	}
	g := pb.GetGraph()
	if g == nil {
		return nil, fmt.Errorf("the ONNX model has no graph")
	}
	if len(g.GetNode()) > MaxNodes {
		return nil, fmt.Errorf("the graph has %d nodes, over the limit of %d", len(g.GetNode()), MaxNodes)
	}
	meta := map[string]string{}
	for _, kv := range pb.GetMetadataProps() {
		meta[kv.GetKey()] = kv.GetValue()
	}
	r, err := newReader(g)
	if err != nil {
		return nil, err
	}
	if err := r.walk(); err != nil {
		return nil, err
	}
	return r.build(env, opt, meta)
}

// checkOpset accepts the default operator set at versions 11 to 17.
func checkOpset(pb *onnxpb.ModelProto) error {
	for _, o := range pb.GetOpsetImport() {
		if d := o.GetDomain(); d != "" && d != "ai.onnx" {
			continue // other domains only matter if a node uses them
		}
		if v := o.GetVersion(); v < 11 || v > 17 {
			return fmt.Errorf("the model uses ONNX opset %d; opsets 11 to 17 are supported", v)
		}
		return nil
	}
	return fmt.Errorf("the model imports no version of the default ONNX operator set")
}

// A layer is one layer of the spec being put together, with the weights
// the file gives it, by their gocnn names ("weight", "running_mean").
type layer struct {
	spec    string
	params  map[string]constant
	body    []*layer // a residual block's body
	short   *layer   // a residual block's 1x1 convolution shortcut, or nil
	biasFor string   // a dense layer from MatMul: its bias comes from an Add
}

// A path is how a value of the graph comes from the input: the layers
// that make it, in order. Paths share their layers, so two branches of a
// residual block are told apart by where they stop sharing.
type path []*layer

// constant is an initializer (or a Constant node's value).
type constant struct {
	dims []int
	f    []float32 // float32 data
	i    []int64   // int64 data (Reshape's shape)
}

// reader walks a graph into a chain of layers.
type reader struct {
	g        *onnxpb.GraphProto
	consts   map[string]constant
	paths    map[string]path // value name → how it is made from the input
	input    string
	shape    []int // C, H, W
	mean     []float32
	std      []float32
	output   string
	produced map[string]bool
}

func newReader(g *onnxpb.GraphProto) (*reader, error) {
	r := &reader{g: g, consts: map[string]constant{}, paths: map[string]path{}, produced: map[string]bool{}}
	for _, t := range g.GetInitializer() {
		c, err := readTensor(t)
		if err != nil {
			return nil, fmt.Errorf("initializer %q: %w", t.GetName(), err)
		}
		r.consts[t.GetName()] = c
	}
	var inputs []*onnxpb.ValueInfoProto
	for _, in := range g.GetInput() {
		if _, ok := r.consts[in.GetName()]; !ok {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("the graph has %d inputs besides its weights; one image input [N C H W] is supported", len(inputs))
	}
	in := inputs[0]
	r.input = in.GetName()
	dims := in.GetType().GetTensorType().GetShape().GetDim()
	if et := in.GetType().GetTensorType().GetElemType(); et != int32(onnxpb.TensorProto_FLOAT) {
		return nil, fmt.Errorf("input %q holds %s values; float32 is supported", r.input, onnxpb.TensorProto_DataType(et))
	}
	if len(dims) != 4 {
		return nil, fmt.Errorf("input %q has %d dimensions; an image batch [N C H W] is supported", r.input, len(dims))
	}
	for _, d := range dims[1:] {
		v := d.GetDimValue()
		if v < 1 || v > model.MaxSize {
			return nil, fmt.Errorf("input %q has the shape %v; C, H and W must be fixed, from 1 to %d", r.input, dimsText(dims), model.MaxSize)
		}
		r.shape = append(r.shape, int(v))
	}
	r.paths[r.input] = path{}
	if len(g.GetOutput()) != 1 {
		return nil, fmt.Errorf("the graph has %d outputs; one, the class scores, is supported", len(g.GetOutput()))
	}
	r.output = g.GetOutput()[0].GetName()
	return r, nil
}

func dimsText(dims []*onnxpb.TensorShapeProto_Dimension) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		if p := d.GetDimParam(); p != "" {
			parts[i] = p
		} else {
			parts[i] = strconv.FormatInt(d.GetDimValue(), 10)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// readTensor reads a float32 or int64 tensor, checking that it holds as
// many values as its dimensions say.
func readTensor(t *onnxpb.TensorProto) (constant, error) {
	if t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		return constant{}, fmt.Errorf("its data is in an external file, which is not supported")
	}
	n := int64(1)
	var dims []int
	for _, d := range t.GetDims() {
		if d < 0 || d > 1<<31 {
			return constant{}, fmt.Errorf("dimension %d out of range", d)
		}
		n *= d
		if n > 1<<31 {
			return constant{}, fmt.Errorf("dimensions %v hold too many values", t.GetDims())
		}
		dims = append(dims, int(d))
	}
	raw := t.GetRawData()
	switch onnxpb.TensorProto_DataType(t.GetDataType()) {
	case onnxpb.TensorProto_FLOAT:
		if raw != nil {
			if int64(len(raw)) != 4*n {
				return constant{}, fmt.Errorf("%d bytes of data for %d float32 values", len(raw), n)
			}
			f := make([]float32, n)
			for i := range f {
				f[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
			return constant{dims: dims, f: f}, nil
		}
		if int64(len(t.GetFloatData())) != n {
			return constant{}, fmt.Errorf("%d values for dimensions %v", len(t.GetFloatData()), t.GetDims())
		}
		return constant{dims: dims, f: slices.Clone(t.GetFloatData())}, nil
	case onnxpb.TensorProto_INT64:
		if raw != nil {
			if int64(len(raw)) != 8*n {
				return constant{}, fmt.Errorf("%d bytes of data for %d int64 values", len(raw), n)
			}
			v := make([]int64, n)
			for i := range v {
				v[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
			return constant{dims: dims, i: v}, nil
		}
		if int64(len(t.GetInt64Data())) != n {
			return constant{}, fmt.Errorf("%d values for dimensions %v", len(t.GetInt64Data()), t.GetDims())
		}
		return constant{dims: dims, i: slices.Clone(t.GetInt64Data())}, nil
	}
	return constant{}, fmt.Errorf("data type %s is not supported (float32 weights, int64 shapes)", onnxpb.TensorProto_DataType(t.GetDataType()))
}

// walk goes through the nodes in order (ONNX keeps them in an order in
// which every value is made before it is used) and gives every value its
// path.
func (r *reader) walk() error {
	for i, n := range r.g.GetNode() {
		if d := n.GetDomain(); d != "" && d != "ai.onnx" {
			return nodeError(i, n, "operators of domain %q are not supported", d)
		}
		if err := r.node(n); err != nil {
			return nodeError(i, n, "%v", err)
		}
	}
	if _, ok := r.paths[r.output]; !ok {
		return fmt.Errorf("the graph's output %q is not made from its input by the nodes", r.output)
	}
	return nil
}

func nodeError(i int, n *onnxpb.NodeProto, format string, args ...any) error {
	name := n.GetName()
	if name == "" {
		name = fmt.Sprintf("#%d", i)
	}
	return fmt.Errorf("node %s (%s): %s", name, n.GetOpType(), fmt.Sprintf(format, args...))
}

// in returns the path of the node's data input k, which must come from
// the graph's input.
func (r *reader) in(n *onnxpb.NodeProto, k int) (path, error) {
	if k >= len(n.GetInput()) {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	p, ok := r.paths[n.GetInput()[k]]
	if !ok {
		return nil, fmt.Errorf("input %q is not made from the graph's input (a weight where data should be, or a value made later)", n.GetInput()[k])
	}
	return p, nil
}

// weight returns the node's input k as a float32 constant of the given
// rank (-1: any).
func (r *reader) weight(n *onnxpb.NodeProto, k, rank int) (constant, error) {
	if k >= len(n.GetInput()) || n.GetInput()[k] == "" {
		return constant{}, fmt.Errorf("input %d is missing", k)
	}
	c, ok := r.consts[n.GetInput()[k]]
	if !ok {
		return constant{}, fmt.Errorf("input %q is not a constant: only weights stored in the file are supported", n.GetInput()[k])
	}
	if c.f == nil {
		return constant{}, fmt.Errorf("input %q is not float32", n.GetInput()[k])
	}
	if rank >= 0 && len(c.dims) != rank {
		return constant{}, fmt.Errorf("input %q has shape %v, want %d dimensions", n.GetInput()[k], c.dims, rank)
	}
	return c, nil
}

// set gives the node's (only used) output the path p.
func (r *reader) set(n *onnxpb.NodeProto, p path) error {
	if len(n.GetOutput()) == 0 {
		return fmt.Errorf("no output")
	}
	out := n.GetOutput()[0]
	if r.produced[out] {
		return fmt.Errorf("output %q is made twice", out)
	}
	r.produced[out] = true
	r.paths[out] = p
	return nil
}

// then returns p followed by l, in a new slice (paths share layers, never
// slices).
func then(p path, l *layer) path {
	return append(slices.Clip(p), l)
}

// node reads one node.
func (r *reader) node(n *onnxpb.NodeProto) error {
	a, err := attributes(n)
	if err != nil {
		return err
	}
	op := n.GetOpType()
	switch op {
	case "Constant":
		t := a.tensor["value"]
		if t == nil {
			return fmt.Errorf("only a tensor value is supported")
		}
		c, err := readTensor(t)
		if err != nil {
			return err
		}
		if len(n.GetOutput()) != 1 {
			return fmt.Errorf("want one output")
		}
		r.consts[n.GetOutput()[0]] = c
		return nil
	case "Identity", "Dropout":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		return r.set(n, p)
	case "Relu", "Sigmoid", "Tanh":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		return r.set(n, then(p, &layer{spec: strings.ToLower(op)}))
	case "LeakyRelu":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		alpha := a.float("alpha", 0.01)
		if !(alpha > 0 && alpha < 1) {
			return fmt.Errorf("alpha %g: gocnn's leakyrelu takes a slope between 0 and 1", alpha)
		}
		return r.set(n, then(p, &layer{spec: fmt.Sprintf("leakyrelu(%s)", formatFloat(alpha))}))
	case "Softmax":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		if axis := a.int("axis", -1); axis != 1 && axis != -1 {
			return fmt.Errorf("axis %d: softmax over the classes (axis 1) is supported", axis)
		}
		return r.set(n, then(p, &layer{spec: "softmax"}))
	case "Flatten":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		if axis := a.int("axis", 1); axis != 1 {
			return fmt.Errorf("axis %d: flattening each example (axis 1) is supported", axis)
		}
		return r.set(n, then(p, &layer{spec: "flatten"}))
	case "Reshape":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		if len(n.GetInput()) < 2 {
			return fmt.Errorf("no shape input")
		}
		c, ok := r.consts[n.GetInput()[1]]
		if !ok || c.i == nil || len(c.i) != 2 || !(c.i[1] == -1 || c.i[0] == -1 || c.i[0] == 0) {
			return fmt.Errorf("only the reshape to [batch, -1] that flattens each example is supported")
		}
		return r.set(n, then(p, &layer{spec: "flatten"}))
	case "Pad":
		// PyTorch writes a Pad of nothing before an AveragePool.
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		pads := a.ints("pads") // opsets before 11 keep them here
		if len(n.GetInput()) > 1 && n.GetInput()[1] != "" {
			c, ok := r.consts[n.GetInput()[1]]
			if !ok || c.i == nil {
				return fmt.Errorf("its pads are not a constant")
			}
			for _, v := range c.i {
				pads = append(pads, int(min(max(v, -1), 1)))
			}
		}
		if slices.ContainsFunc(pads, func(v int) bool { return v != 0 }) {
			return fmt.Errorf("only a Pad of nothing is supported (gocnn pads in its convolutions)")
		}
		return r.set(n, p)
	case "GlobalAveragePool":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		return r.set(n, then(p, &layer{spec: "globalavgpool"}))
	case "MaxPool", "AveragePool":
		return r.pool(n, a)
	case "Conv":
		return r.conv(n, a)
	case "BatchNormalization":
		return r.batchNorm(n, a)
	case "Gemm":
		return r.gemm(n, a)
	case "MatMul":
		p, err := r.in(n, 0)
		if err != nil {
			return err
		}
		w, err := r.weight(n, 1, 2)
		if err != nil {
			return err
		}
		return r.set(n, then(p, denseLayer(transpose(w), nil, n.GetOutput()[0])))
	case "Add":
		return r.add(n)
	case "Sub", "Div":
		return r.normalise(n)
	}
	return fmt.Errorf("operator %s has no gocnn layer", op)
}

// formatFloat writes a float as a spec takes it, exactly.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 32) }

func (r *reader) pool(n *onnxpb.NodeProto, a attrs) error {
	p, err := r.in(n, 0)
	if err != nil {
		return err
	}
	k := a.ints("kernel_shape")
	if len(k) != 2 {
		return fmt.Errorf("kernel_shape %v: 2-D pooling is supported", k)
	}
	s := a.ints("strides")
	if s == nil {
		s = []int{1, 1}
	}
	if len(s) != 2 {
		return fmt.Errorf("strides %v: want two", s)
	}
	if pads := a.ints("pads"); slices.ContainsFunc(pads, func(v int) bool { return v != 0 }) {
		return fmt.Errorf("pads %v: gocnn's pooling has no padding", pads)
	}
	if d := a.ints("dilations"); slices.ContainsFunc(d, func(v int) bool { return v != 1 }) {
		return fmt.Errorf("dilations %v are not supported", d)
	}
	if a.int("ceil_mode", 0) != 0 {
		return fmt.Errorf("ceil_mode 1 is not supported")
	}
	if ap := a.str("auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" {
		return fmt.Errorf("auto_pad %s is not supported", ap)
	}
	kind := "maxpool"
	if n.GetOpType() == "AveragePool" {
		kind = "avgpool"
	}
	spec := fmt.Sprintf("%s(%s)", kind, pairText(k))
	if !slices.Equal(s, k) {
		spec = fmt.Sprintf("%s(%s,stride=%s)", kind, pairText(k), pairText(s))
	}
	return r.set(n, then(p, &layer{spec: spec}))
}

func pairText(v []int) string {
	if v[0] == v[1] {
		return strconv.Itoa(v[0])
	}
	return fmt.Sprintf("%dx%d", v[0], v[1])
}

// convLayer checks a Conv node and returns its layer.
func (r *reader) convLayer(n *onnxpb.NodeProto, a attrs) (*layer, error) {
	w, err := r.weight(n, 1, 4)
	if err != nil {
		return nil, err
	}
	// The input channels, w.dims[1], are checked when the spec is sized.
	out, kh, kw := w.dims[0], w.dims[2], w.dims[3]
	if k := a.ints("kernel_shape"); k != nil && !slices.Equal(k, []int{kh, kw}) {
		return nil, fmt.Errorf("kernel_shape %v but weights of shape %v", k, w.dims)
	}
	if g := a.int("group", 1); g != 1 {
		return nil, fmt.Errorf("group %d: grouped convolutions are not supported", g)
	}
	if d := a.ints("dilations"); slices.ContainsFunc(d, func(v int) bool { return v != 1 }) {
		return nil, fmt.Errorf("dilations %v are not supported", d)
	}
	if ap := a.str("auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" {
		return nil, fmt.Errorf("auto_pad %s is not supported: write the pads out", ap)
	}
	s := a.ints("strides")
	if s == nil {
		s = []int{1, 1}
	}
	pads := a.ints("pads")
	if pads == nil {
		pads = []int{0, 0, 0, 0}
	}
	if len(s) != 2 || len(pads) != 4 || pads[0] != pads[2] || pads[1] != pads[3] {
		return nil, fmt.Errorf("strides %v, pads %v: 2-D, the same padding on both sides, is supported", s, pads)
	}
	bias := make([]float32, out)
	if len(n.GetInput()) > 2 && n.GetInput()[2] != "" {
		b, err := r.weight(n, 2, 1)
		if err != nil {
			return nil, err
		}
		if b.dims[0] != out {
			return nil, fmt.Errorf("bias of shape %v for %d filters", b.dims, out)
		}
		bias = b.f
	}
	spec := fmt.Sprintf("conv(%d,%s", out, pairText([]int{kh, kw}))
	if s[0] != 1 || s[1] != 1 {
		spec += ",stride=" + pairText(s)
	}
	if pads[0] != 0 || pads[1] != 0 {
		spec += ",pad=" + pairText(pads[:2])
	}
	return &layer{spec: spec + ")", params: map[string]constant{
		"weight": w,
		"bias":   {dims: []int{out}, f: bias},
	}}, nil
}

func (r *reader) conv(n *onnxpb.NodeProto, a attrs) error {
	p, err := r.in(n, 0)
	if err != nil {
		return err
	}
	l, err := r.convLayer(n, a)
	if err != nil {
		return err
	}
	return r.set(n, then(p, l))
}

func (r *reader) batchNorm(n *onnxpb.NodeProto, a attrs) error {
	p, err := r.in(n, 0)
	if err != nil {
		return err
	}
	if len(n.GetOutput()) > 1 && slices.ContainsFunc(n.GetOutput()[1:], func(s string) bool { return s != "" }) || a.int("training_mode", 0) != 0 {
		return fmt.Errorf("only batch norm in inference (one output) is supported")
	}
	params := map[string]constant{}
	for k, name := range []string{"weight", "bias", "running_mean", "running_var"} {
		c, err := r.weight(n, k+1, 1)
		if err != nil {
			return err
		}
		params[name] = c
	}
	params["num_batches_tracked"] = constant{f: []float32{0}}
	eps := a.float("epsilon", 1e-5)
	momentum := 1 - a.float("momentum", 0.9)
	if !(eps > 0 && eps < 1) {
		return fmt.Errorf("epsilon %g: want one between 0 and 1", eps)
	}
	if !(momentum > 0 && momentum < 1) {
		momentum = 0.1
	}
	spec := "batchnorm"
	if eps != float64(float32(1e-5)) || math.Abs(momentum-0.1) > 1e-6 {
		spec = fmt.Sprintf("batchnorm(momentum=%s,eps=%s)", formatFloat(momentum), formatFloat(eps))
	}
	return r.set(n, then(p, &layer{spec: spec, params: params}))
}

// denseLayer is a dense layer of weight [out, in]; its bias is zero until
// an Add of the value biasFor sets it.
func denseLayer(w constant, bias []float32, biasFor string) *layer {
	out := w.dims[0]
	if bias == nil {
		bias = make([]float32, out)
	}
	return &layer{spec: fmt.Sprintf("dense(%d)", out), biasFor: biasFor, params: map[string]constant{
		"weight": w,
		"bias":   {dims: []int{out}, f: bias},
	}}
}

// transpose returns the 2-D constant w transposed.
func transpose(w constant) constant {
	rows, cols := w.dims[0], w.dims[1]
	t := make([]float32, len(w.f))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = w.f[i*cols+j]
		}
	}
	return constant{dims: []int{cols, rows}, f: t}
}

func (r *reader) gemm(n *onnxpb.NodeProto, a attrs) error {
	p, err := r.in(n, 0)
	if err != nil {
		return err
	}
	if a.int("transA", 0) != 0 || a.float("alpha", 1) != 1 || a.float("beta", 1) != 1 {
		return fmt.Errorf("only y = x·Wᵀ + b or x·W + b (transA 0, alpha and beta 1) is supported")
	}
	w, err := r.weight(n, 1, 2)
	if err != nil {
		return err
	}
	if a.int("transB", 0) == 0 {
		w = transpose(w)
	}
	var bias []float32
	if len(n.GetInput()) > 2 && n.GetInput()[2] != "" {
		b, err := r.weight(n, 2, -1)
		if err != nil {
			return err
		}
		if len(b.f) != w.dims[0] {
			return fmt.Errorf("bias of shape %v for %d outputs", b.dims, w.dims[0])
		}
		bias = b.f
	}
	return r.set(n, then(p, denseLayer(w, bias, "")))
}

// add reads an Add: a dense layer's bias after a MatMul, or a residual
// block joining two branches.
func (r *reader) add(n *onnxpb.NodeProto) error {
	if len(n.GetInput()) != 2 {
		return fmt.Errorf("want two inputs")
	}
	x, y := n.GetInput()[0], n.GetInput()[1]
	if _, ok := r.consts[x]; ok {
		x, y = y, x
	}
	if c, ok := r.consts[y]; ok {
		p, err := r.in(n, slices.Index(n.GetInput(), x))
		if err != nil {
			return err
		}
		if len(p) == 0 || p[len(p)-1].biasFor != x {
			return fmt.Errorf("adding a constant is supported only as the bias of a MatMul")
		}
		l := p[len(p)-1]
		if c.f == nil || len(c.f) != len(l.params["bias"].f) {
			return fmt.Errorf("bias %q of shape %v for %d outputs", y, c.dims, len(l.params["bias"].f))
		}
		l.params["bias"] = constant{dims: []int{len(c.f)}, f: c.f}
		l.biasFor = ""
		return r.set(n, p)
	}
	pa, err := r.in(n, 0)
	if err != nil {
		return err
	}
	pb, err := r.in(n, 1)
	if err != nil {
		return err
	}
	// The branches share the path to the block's input, then part.
	common := 0
	for common < len(pa) && common < len(pb) && pa[common] == pb[common] {
		common++
	}
	a, b := pa[common:], pb[common:]
	if len(b) > len(a) {
		a, b = b, a
	}
	block := &layer{spec: "residual", body: a}
	switch {
	case len(b) == 0:
	case len(b) == 1 && strings.HasPrefix(b[0].spec, "conv(") && b[0].params["weight"].dims[2] == 1 && b[0].params["weight"].dims[3] == 1 &&
		!strings.Contains(b[0].spec, "pad="):
		block.short = b[0]
	default:
		return fmt.Errorf("the two branches of this Add are not a residual block: one must be the block's input itself or a 1x1 convolution of it")
	}
	if len(a) == 0 {
		return fmt.Errorf("adding a value to itself is not a residual block")
	}
	return r.set(n, then(pb[:common], block))
}

// normalise reads the Sub and Div of an input normalisation: by one
// constant per channel, straight after the graph's input.
func (r *reader) normalise(n *onnxpb.NodeProto) error {
	if len(n.GetInput()) != 2 {
		return fmt.Errorf("want two inputs")
	}
	p, err := r.in(n, 0)
	if err != nil {
		return err
	}
	c, ok := r.consts[n.GetInput()[1]]
	ch := r.shape[0]
	if len(p) != 0 || !ok || c.f == nil || len(c.f) != ch {
		return fmt.Errorf("only the input normalisation is supported: the graph's input, less a constant per channel, divided by one")
	}
	switch {
	case n.GetOpType() == "Sub" && r.mean == nil && r.std == nil:
		r.mean = c.f
	case n.GetOpType() == "Div" && r.std == nil:
		for _, v := range c.f {
			if !(v >= 1e-12) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("standard deviation %g: want a finite one of at least 1e-12", v)
			}
		}
		r.std = c.f
	default:
		return fmt.Errorf("only the input normalisation is supported: one Sub, then one Div")
	}
	return r.set(n, p)
}

// build turns the output's path into a spec, checks the weights against
// it by arithmetic, builds the model and loads the weights.
func (r *reader) build(env *nn.Env, opt ImportOptions, meta map[string]string) (*model.Model, error) {
	layers := r.paths[r.output]
	for _, l := range layers {
		if l.biasFor != "" {
			l.biasFor = "" // a MatMul without a bias: zero
		}
	}
	text := specText(layers)
	spec, err := model.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("the graph maps onto %q, which gocnn cannot take: %w", text, err)
	}
	size, err := spec.Size(r.shape)
	if err != nil {
		return nil, err
	}
	weights := map[string]constant{}
	collect("", layers, weights)
	wanted := map[string]bool{}
	for _, p := range size.Params {
		wanted[p.Name] = true
		w, ok := weights[p.Name]
		if !ok {
			return nil, fmt.Errorf("%q needs the parameter %s, which the graph does not give", text, p.Name)
		}
		if len(w.f) != tensor.Size(p.Shape) {
			return nil, fmt.Errorf("parameter %s has %d values in the file; %q needs shape %s", p.Name, len(w.f), text, tensor.ShapeString(p.Shape))
		}
	}
	for name := range weights {
		if !wanted[name] {
			return nil, fmt.Errorf("the graph gives the parameter %s, which %q does not have (a residual block whose shortcut is a convolution though its shapes match?)", name, text)
		}
	}
	if size.Work > model.MaxWork {
		return nil, fmt.Errorf("%q makes %d values for each example on its way through, over the limit of %d", text, size.Work, model.MaxWork)
	}

	in := model.Input{Shape: r.shape, Prep: opt.Prep}
	if in.Prep == "" {
		in.Prep = meta[MetaPrep]
	}
	if in.Prep == "" {
		in.Prep = model.PrepResize
	}
	if r.mean != nil || r.std != nil {
		in.Mean, in.Std = r.mean, r.std
		if in.Mean == nil {
			in.Mean = make([]float32, len(in.Std))
		}
		if in.Std == nil {
			in.Std = slices.Repeat([]float32{1}, len(in.Mean))
		}
	}
	classes := opt.Classes
	if classes == nil && meta[MetaClasses] != "" {
		if err := json.Unmarshal([]byte(meta[MetaClasses]), &classes); err != nil {
			return nil, fmt.Errorf("metadata %s: %v", MetaClasses, err)
		}
	}
	if classes == nil {
		for i := range size.Out[0] {
			classes = append(classes, strconv.Itoa(i))
		}
	}
	if len(classes) != size.Out[0] {
		return nil, fmt.Errorf("%d class names for the network's %d outputs", len(classes), size.Out[0])
	}
	m, err := model.New(spec, in, classes, env)
	if err != nil {
		return nil, err
	}
	for _, p := range m.Net.Params() {
		w := weights[p.Name]
		for i, v := range w.f {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("parameter %s holds %g at index %d", p.Name, v, i)
			}
		}
		copy(p.Value.Data, w.f)
	}
	for k, v := range meta {
		if key, ok := strings.CutPrefix(k, MetaInfo); ok && key != "" {
			m.Info[key] = v
		}
	}
	return m, nil
}

// specText writes layers as a spec.
func specText(layers []*layer) string {
	parts := make([]string, len(layers))
	for i, l := range layers {
		if l.spec == "residual" {
			parts[i] = "residual(" + specText(l.body) + ")"
		} else {
			parts[i] = l.spec
		}
	}
	return strings.Join(parts, " ")
}

// collect gathers the layers' weights under the names gocnn gives them.
func collect(prefix string, layers []*layer, into map[string]constant) {
	for i, l := range layers {
		name := fmt.Sprintf("%s%d.", prefix, i)
		for k, c := range l.params {
			into[name+k] = c
		}
		if l.spec == "residual" {
			collect(name+"body.", l.body, into)
			if l.short != nil {
				for k, c := range l.short.params {
					into[name+"shortcut."+k] = c
				}
			}
		}
	}
}
