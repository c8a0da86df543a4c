package onnx

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/onnx/onnxpb"
)

// exported returns the ONNX model of export case i, as a message to
// tamper with.
func exported(t testing.TB, i int) *onnxpb.ModelProto {
	t.Helper()
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m := buildCase(t, exportCases()[i], env)
	pb, err := Encode(m, "test")
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func initializer(pb *onnxpb.ModelProto, name string) *onnxpb.TensorProto {
	for _, t := range pb.Graph.Initializer {
		if t.GetName() == name {
			return t
		}
	}
	return nil
}

// TestImportRefusesBadFiles imports tampered models: each must be refused
// with an error that says what is wrong, before anything is built from
// the bad part.
func TestImportRefusesBadFiles(t *testing.T) {
	for _, c := range []struct {
		name   string
		tamper func(pb *onnxpb.ModelProto)
		want   string
	}{
		{"unknown operator", func(pb *onnxpb.ModelProto) { pb.Graph.Node[1].OpType = proto.String("Elu") }, "node 1 (Elu): operator Elu has no gocnn layer"},
		{"old opset", func(pb *onnxpb.ModelProto) { pb.OpsetImport[0].Version = proto.Int64(9) }, "opset 9"},
		{"grouped convolution", func(pb *onnxpb.ModelProto) {
			pb.Graph.Node[0].Attribute = append(pb.Graph.Node[0].Attribute, intAttr("group", 2))
		}, "group 2"},
		{"pooling with padding", func(pb *onnxpb.ModelProto) {
			pb.Graph.Node[2].Attribute = append(pb.Graph.Node[2].Attribute, intsAttr("pads", 1, 1, 1, 1))
		}, "gocnn's pooling has no padding"},
		{"weights shorter than their dimensions", func(pb *onnxpb.ModelProto) {
			initializer(pb, "0.weight").Dims = []int64{65536, 1, 3, 3}
		}, `initializer "0.weight": 288 bytes of data for 589824 float32 values`},
		{"dimensions of billions", func(pb *onnxpb.ModelProto) {
			initializer(pb, "0.weight").Dims = []int64{1 << 20, 1 << 20, 3, 3}
		}, "hold too many values"},
		{"weights of another layer's size", func(pb *onnxpb.ModelProto) {
			w := initializer(pb, "4.weight")
			w.Dims = []int64{10, 100}
			w.RawData = w.RawData[:4000]
		}, "parameter 4.weight has 1000 values in the file"},
		{"not a number", func(pb *onnxpb.ModelProto) {
			w := initializer(pb, "0.weight")
			binary.LittleEndian.PutUint32(w.RawData[8:], math.Float32bits(float32(math.NaN())))
		}, "parameter 0.weight holds NaN at index 2"},
		{"external data", func(pb *onnxpb.ModelProto) {
			initializer(pb, "0.bias").DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
		}, "external file"},
		{"a second input", func(pb *onnxpb.ModelProto) {
			pb.Graph.Input = append(pb.Graph.Input, valueInfo("other", "batch", 1, 28, 28))
		}, "2 inputs besides its weights"},
		{"an input of any size", func(pb *onnxpb.ModelProto) {
			pb.Graph.Input[0] = valueInfo(InputName, "batch", 1, 28)
			pb.Graph.Input[0].Type.GetTensorType().Shape.Dim = append(pb.Graph.Input[0].Type.GetTensorType().Shape.Dim,
				&onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "width"}})
		}, "C, H and W must be fixed"},
		{"an output made of nothing", func(pb *onnxpb.ModelProto) { pb.Graph.Output[0].Name = proto.String("nowhere") }, `output "nowhere" is not made`},
		{"a weight used as data", func(pb *onnxpb.ModelProto) { pb.Graph.Node[1].Input[0] = "0.bias" }, `input "0.bias" is not made from the graph's input`},
	} {
		t.Run(c.name, func(t *testing.T) {
			pb := exported(t, 1) // tiny: conv relu maxpool flatten dense
			c.tamper(pb)
			b, err := proto.Marshal(pb)
			if err != nil {
				t.Fatal(err)
			}
			env := nn.NewEnv(1, 1)
			defer env.Close()
			if _, err := Import(b, env, ImportOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	if _, err := Import([]byte("not a model at all"), env, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "not an ONNX model") {
		t.Errorf("garbage: %v", err)
	}
}

// FuzzImport imports arbitrary bytes, starting from exported models.
// Import must never panic, and what it accepts must be a whole model:
// one class name per output.
func FuzzImport(f *testing.F) {
	for _, i := range []int{1, 2, 6} {
		b, err := proto.Marshal(exported(f, i))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		env := nn.NewEnv(1, 1)
		defer env.Close()
		m, err := Import(b, env, ImportOptions{})
		if err != nil {
			return
		}
		shapes := m.Net.Shapes()
		if out := shapes[len(shapes)-1]; len(out) != 1 || out[0] != len(m.Classes) {
			t.Fatalf("imported a model of output %v with %d classes", out, len(m.Classes))
		}
		var buf bytes.Buffer
		if err := Export(&buf, m, "fuzz"); err != nil {
			t.Fatalf("an imported model does not export: %v", err)
		}
	})
}
