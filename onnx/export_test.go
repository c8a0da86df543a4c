package onnx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/onnx/onnxpb"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// exportCase is a model to export: a preset, a spec file or a spec.
type exportCase struct {
	name, spec string
	input      []int
	classes    int
	normalise  bool
}

// exportCases are the networks the exporter must carry: every preset,
// the two spec files, and one spec with every other layer kind.
func exportCases() []exportCase {
	return []exportCase{
		{"mlp", "mlp", []int{1, 28, 28}, 10, false},
		{"tiny", "tiny", []int{1, 28, 28}, 10, false},
		{"lenet5", "lenet5", []int{1, 28, 28}, 10, true},
		{"mnist-cnn", "mnist-cnn", []int{1, 28, 28}, 10, false},
		{"mnist-bn", "../specs/mnist-bn.txt", []int{1, 28, 28}, 10, true},
		{"ham-resnet", "../specs/ham-resnet.txt", []int{3, 48, 48}, 7, true},
		{"every-layer", "conv(4,3,stride=2,pad=1) leakyrelu(0.1) avgpool(2) conv(6,3x5,pad=2x1) sigmoid maxpool(2,stride=1) " +
			"batchnorm residual(conv(6,3,pad=1) relu) residual(conv(8,1)) globalavgpool flatten dense(8) batchnorm tanh dropout(0.5) dense(3) softmax",
			[]int{3, 20, 16}, 3, true},
	}
}

// buildCase builds the case's model with seeded random weights, random
// batch norm statistics (so that exporting them wrongly shows) and, when
// asked, an input normalisation.
func buildCase(t testing.TB, c exportCase, env *nn.Env) *model.Model {
	t.Helper()
	var spec *model.Spec
	var err error
	switch {
	case strings.HasSuffix(c.spec, ".txt"):
		spec, err = model.ParseFile(c.spec)
	case slices.Contains(model.PresetNames(), c.spec):
		spec, err = model.Preset(c.spec, c.classes)
	default:
		spec, err = model.Parse(c.spec)
	}
	if err != nil {
		t.Fatal(err)
	}
	in := model.Input{Shape: c.input, Prep: model.PrepResize}
	if c.input[0] == 1 {
		in.Prep = model.PrepMNIST
	}
	if c.normalise {
		for ch := range c.input[0] {
			in.Mean = append(in.Mean, 0.1+0.2*float32(ch))
			in.Std = append(in.Std, 0.3+0.05*float32(ch))
		}
	}
	classes := make([]string, c.classes)
	for i := range classes {
		classes[i] = fmt.Sprintf("class %d", i)
	}
	m, err := model.New(spec, in, classes, env)
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(11)
	for _, p := range m.Net.Params() {
		switch {
		case strings.HasSuffix(p.Name, "running_mean"):
			for i := range p.Value.Data {
				p.Value.Data[i] = r.Float32() - 0.5
			}
		case strings.HasSuffix(p.Name, "running_var"):
			for i := range p.Value.Data {
				p.Value.Data[i] = 0.5 + r.Float32()
			}
		case strings.HasSuffix(p.Name, "bias"):
			for i := range p.Value.Data {
				p.Value.Data[i] = 0.2 * (r.Float32() - 0.5)
			}
		}
	}
	return m
}

// TestEncode checks the graph of the every-layer model node by node, and
// that every parameter but batch norm's count is an initializer holding
// the same numbers under the same name.
func TestEncode(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	cases := exportCases()
	m := buildCase(t, cases[len(cases)-1], env)
	var buf bytes.Buffer
	if err := Export(&buf, m, "test"); err != nil {
		t.Fatal(err)
	}
	var pb onnxpb.ModelProto
	if err := proto.Unmarshal(buf.Bytes(), &pb); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, n := range pb.Graph.Node {
		ops = append(ops, n.GetOpType())
	}
	want := []string{"Sub", "Div", "Conv", "LeakyRelu", "AveragePool", "Conv", "Sigmoid", "MaxPool", "BatchNormalization",
		"Conv", "Relu", "Add", "Conv", "Conv", "Add", "GlobalAveragePool", "Flatten", "Gemm", "BatchNormalization", "Tanh",
		"Gemm", "Softmax", "Identity"}
	if !slices.Equal(ops, want) {
		t.Errorf("nodes %v\nwant  %v", ops, want)
	}
	if pb.GetOpsetImport()[0].GetVersion() != Opset || pb.GetIrVersion() != irVersion {
		t.Errorf("opset %d, IR version %d", pb.GetOpsetImport()[0].GetVersion(), pb.GetIrVersion())
	}
	inits := map[string]*onnxpb.TensorProto{}
	for _, it := range pb.Graph.Initializer {
		inits[it.GetName()] = it
	}
	for _, p := range m.Net.Params() {
		it, ok := inits[p.Name]
		if strings.HasSuffix(p.Name, "num_batches_tracked") {
			if ok {
				t.Errorf("%s exported", p.Name)
			}
			continue
		}
		if !ok {
			t.Errorf("parameter %s not exported", p.Name)
			continue
		}
		if got := floats(it.GetRawData()); !slices.Equal(got, p.Value.Data) || fmt.Sprint(it.GetDims()) != fmt.Sprint(p.Value.Shape) {
			t.Errorf("%s: exported %v %v, want %v %v", p.Name, it.GetDims(), got, p.Value.Shape, p.Value.Data)
		}
	}
	meta := map[string]string{}
	for _, kv := range pb.MetadataProps {
		meta[kv.GetKey()] = kv.GetValue()
	}
	var classes []string
	if err := json.Unmarshal([]byte(meta[MetaClasses]), &classes); err != nil || !slices.Equal(classes, m.Classes) {
		t.Errorf("classes in the metadata %q, want %v", meta[MetaClasses], m.Classes)
	}
	if meta[MetaSpec] != m.Spec.String() || meta[MetaPrep] != m.Input.Prep {
		t.Errorf("metadata %v", meta)
	}
}

// TestExportRefusesWhatONNXCannotTake checks the error for a model
// whose input is not an image [C H W] (model.New builds none, but a
// Model can be put together by hand).
func TestExportRefusesWhatONNXCannotTake(t *testing.T) {
	m := &model.Model{Input: model.Input{Shape: []int{2}}, Classes: []string{"a", "b"}}
	if err := Export(&bytes.Buffer{}, m, "test"); err == nil || !strings.Contains(err.Error(), "only images") {
		t.Errorf("exporting a model of vector input: %v", err)
	}
}

// TestONNXRuntimeAgrees exports every case, runs it in onnxruntime
// (npm's onnxruntime-node, through bench/ort_run.js) on a batch of random
// pictures, and compares the outputs with gocnn's on the same pictures:
// every output within 1e-4 of the largest output in absolute value. The
// two engines sum in different orders (and onnxruntime folds batch norm
// into the convolutions), so the bits differ; 1e-4 is far above that
// rounding and far below any mistake in a weight's layout or an
// attribute.
func TestONNXRuntimeAgrees(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found: install Debian's nodejs and run (cd bench && npm ci --ignore-scripts) to compare with onnxruntime")
	}
	if _, err := os.Stat("../bench/node_modules/onnxruntime-node"); err != nil {
		t.Skip("onnxruntime-node not installed: run (cd bench && npm ci --ignore-scripts) to compare with onnxruntime")
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	dir := t.TempDir()
	for _, c := range exportCases() {
		t.Run(c.name, func(t *testing.T) {
			m := buildCase(t, c, env)
			path := filepath.Join(dir, c.name+".onnx")
			var buf bytes.Buffer
			if err := Export(&buf, m, "test"); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			const n = 3
			x := tensor.New(append([]int{n}, c.input...)...)
			r := rng.New(5)
			for i := range x.Data {
				x.Data[i] = r.Float32()
			}
			inPath, outPath := filepath.Join(dir, c.name+".in"), filepath.Join(dir, c.name+".out")
			if err := os.WriteFile(inPath, rawFloats(x.Data), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"../bench/ort_run.js", path, inPath, outPath, fmt.Sprint(n)}
			for _, d := range c.input {
				args = append(args, fmt.Sprint(d))
			}
			if out, err := exec.Command(node, args...).CombinedOutput(); err != nil {
				t.Fatalf("onnxruntime: %v\n%s", err, out)
			}
			raw, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			got := floats(raw)

			norm := x.Clone()
			if len(m.Input.Mean) > 0 {
				if err := (data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}).ApplyImages(norm); err != nil {
					t.Fatal(err)
				}
			}
			want := m.Net.Forward(norm, false).Data
			if len(got) != len(want) {
				t.Fatalf("onnxruntime gave %d outputs, gocnn %d", len(got), len(want))
			}
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(float64(v)))
			}
			worst := 0.0
			for i := range want {
				worst = max(worst, math.Abs(float64(got[i]-want[i])))
			}
			t.Logf("largest output %.4g, largest difference %.3g (%.2g of it)", scale, worst, worst/scale)
			if worst > 1e-4*scale {
				t.Errorf("onnxruntime and gocnn differ by %g, more than 1e-4 of the largest output %g:\nonnxruntime %v\ngocnn       %v", worst, scale, got, want)
			}
		})
	}
}

// TestONNXChecker runs the ONNX project's own checker (Debian's
// python3-onnx) on every exported case.
func TestONNXChecker(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import onnx").Run(); err != nil {
		t.Skip("python3-onnx not installed: apt-get install python3-onnx to run the ONNX checker")
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	dir := t.TempDir()
	var paths []string
	for _, c := range exportCases() {
		m := buildCase(t, c, env)
		var buf bytes.Buffer
		if err := Export(&buf, m, "test"); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, c.name+".onnx")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	const check = `
import sys, onnx
for path in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(path), full_check=True)
`
	out, err := exec.Command("/usr/bin/python3", append([]string{"-c", check}, paths...)...).CombinedOutput()
	if err != nil {
		t.Errorf("the ONNX checker refused an exported model: %v\n%s", err, out)
	}
}

func floats(raw []byte) []float32 {
	v := make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}

func rawFloats(v []float32) []byte {
	raw := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	return raw
}
