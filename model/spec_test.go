package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

func TestParseCanonicalText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"conv(32,3) relu", "conv(32,3) relu"},
		{"  conv( 32 , 3x3 , stride=2x2,pad = 1 )\n\trelu  ", "conv(32,3,stride=2,pad=1) relu"},
		{"conv(out=32,kernel=3x5)", "conv(32,3x5)"},
		{"conv(kernel=3,out=32)", "conv(32,3)"},
		{"conv(32,3,init=he_normal,pad=0)", "conv(32,3,pad=0,init=he_normal)"},
		{"conv(8,3,stride=2x1)", "conv(8,3,stride=2x1)"},
		{"maxpool(2) maxpool(3x2,stride=1)", "maxpool(2) maxpool(3x2,stride=1)"},
		{"dropout(0.250) dropout(.5) dropout(1e-3) dropout(0)", "dropout(0.25) dropout(0.5) dropout(0.001) dropout(0)"},
		{"flatten dense(+10,init=glorot_uniform) softmax", "flatten dense(10,init=glorot_uniform) softmax"},
		{"relu() sigmoid tanh", "relu sigmoid tanh"},
	} {
		spec, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := spec.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
		}
		again, err := Parse(spec.String())
		if err != nil || !sameSpec(again, spec) {
			t.Errorf("%q does not parse back to the same spec: %v", spec.String(), err)
		}
	}
}

func TestParseValues(t *testing.T) {
	spec, err := Parse("conv(32,3x5,stride=2x1,pad=1) maxpool(2) maxpool(3,stride=1) dense(7,init=he_uniform) dropout(0.3)")
	if err != nil {
		t.Fatal(err)
	}
	conv, pool, pool2, dense, drop := &spec.Layers[0], &spec.Layers[1], &spec.Layers[2], &spec.Layers[3], &spec.Layers[4]
	if conv.Int("out") != 32 || conv.Pair("kernel") != [2]int{3, 5} || conv.Pair("stride") != [2]int{2, 1} ||
		conv.Pair("pad") != [2]int{1, 1} || conv.Word("init") != "auto" || conv.Has("init") || !conv.Has("pad") {
		t.Errorf("conv arguments %+v", conv.Args)
	}
	if pool.Pair("kernel") != [2]int{2, 2} || pool.Has("stride") || pool2.Pair("stride") != [2]int{1, 1} {
		t.Errorf("maxpool arguments %+v, %+v", pool.Args, pool2.Args)
	}
	if dense.Int("out") != 7 || dense.Word("init") != "he_uniform" || drop.Float("p") != 0.3 {
		t.Errorf("dense %+v, dropout %+v", dense.Args, drop.Args)
	}

	// The nn layers get the values.
	layers, err := spec.NewLayers()
	if err != nil {
		t.Fatal(err)
	}
	c := layers[0].(*nn.Conv2D)
	if c.Out != 32 || c.KH != 3 || c.KW != 5 || c.StrideH != 2 || c.StrideW != 1 || c.PadH != 1 || c.PadW != 1 || c.Init != nn.InitAuto {
		t.Errorf("conv layer %+v", c)
	}
	if p := layers[1].(*nn.MaxPool2D); p.KH != 2 || p.KW != 2 || p.StrideH != 2 || p.StrideW != 2 {
		t.Errorf("maxpool(2) layer %+v, want stride 2", p)
	}
	if p := layers[2].(*nn.MaxPool2D); p.KH != 3 || p.StrideH != 1 || p.StrideW != 1 {
		t.Errorf("maxpool(3,stride=1) layer %+v", p)
	}
	if d := layers[3].(*nn.Dense); d.Out != 7 || d.Init != nn.HeUniform {
		t.Errorf("dense layer %+v", d)
	}
	if d := layers[4].(*nn.Dropout); d.P != 0.3 {
		t.Errorf("dropout layer %+v", d)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "model spec is empty"},
		{"  \n ", "model spec is empty"},
		{"conv(32,,3)", `model spec: at "conv(32,,3)": empty argument`},
		{"conv(32,3,)", `model spec: at "conv(32,3,)": empty argument`},
		{"relu cnov(32,3)", `model spec: at "cnov(32,3)": unknown layer "cnov" (did you mean conv?); known layers: avgpool, batchnorm, conv, dense, dropout, flatten, globalavgpool, leakyrelu, maxpool, relu, residual, sigmoid, softmax, tanh`},
		{"ReLU", `model spec: at "ReLU": unknown layer "ReLU" (did you mean relu?); known`},
		{"batchnrom", `model spec: at "batchnrom": unknown layer "batchnrom" (did you mean batchnorm?); known layers: avgpool,`},
		{"conv(32)", `model spec: at "conv(32)": missing argument kernel: write conv(out, kernel, stride=1, pad=0, init=auto)`},
		{"conv", `model spec: at "conv": missing argument out: write conv(out, kernel, stride=1, pad=0, init=auto)`},
		{"conv(32,3,3)", `model spec: at "conv(32,3,3)": too many arguments: write conv(out, kernel, stride=1, pad=0, init=auto)`},
		{"relu(1)", `model spec: at "relu(1)": relu takes no arguments`},
		{"conv(32,3,strid=2)", `model spec: at "conv(32,3,strid=2)": conv has no argument "strid" (it takes out, kernel, stride, pad, init)`},
		{"conv(32,stride=2,3)", `model spec: at "conv(32,stride=2,3)": positional argument "3" after a named one`},
		{"conv(32,3,out=8)", `model spec: at "conv(32,3,out=8)": argument out given twice`},
		{"conv(32,3,pad=)", `model spec: at "conv(32,3,pad=)": empty value for pad`},
		{"conv(3.5,3)", `model spec: at "conv(3.5,3)": out: want a whole number, got "3.5"`},
		{"conv(32,3x)", `model spec: at "conv(32,3x)": kernel: want a size like 3 or 3x5, got "3x"`},
		{"conv(32,3x3x3)", `model spec: at "conv(32,3x3x3)": kernel: want a size like 3 or 3x5, got "3x3x3"`},
		{"conv(-4,3)", `model spec: at "conv(-4,3)": out must be at least 1, got -4`},
		{"conv(4,0x3)", `model spec: at "conv(4,0x3)": kernel must be at least 1, got 0x3`},
		{"conv(4,3,pad=-1)", `model spec: at "conv(4,3,pad=-1)": pad must be at least 0, got -1`},
		{"conv(4,3,stride=0)", `model spec: at "conv(4,3,stride=0)": stride must be at least 1, got 0`},
		{"dense(100000)", `model spec: at "dense(100000)": out must be at most 65536, got 100000`},
		{"dense(99999999999999999999)", `model spec: at "dense(99999999999999999999)": out: 99999999999999999999 is too large`},
		{"conv(4,3,init=xavier)", `model spec: at "conv(4,3,init=xavier)": init: unknown value "xavier" (want one of auto, he_normal, he_uniform, glorot_normal, glorot_uniform)`},
		{"dropout(1)", `model spec: at "dropout(1)": p must be in [0, 1), got 1`},
		{"dropout(-0.1)", `model spec: at "dropout(-0.1)": p must be in [0, 1), got -0.1`},
		{"dropout(nan)", `model spec: at "dropout(nan)": p: want a number, got "nan"`},
		{"dropout(half)", `model spec: at "dropout(half)": p: want a number, got "half"`},
		{"conv(32,3", `model spec: at "conv(32,3": missing ")"`},
		{"relu conv(32,3))", `model spec: at "conv(32,3))": unexpected ")"`},
		{"conv(32,3)relu", `model spec: at "conv(32,3)relu": unexpected "relu" after ")" (separate layers with spaces)`},
		{"conv(32,3), relu", `model spec: at "conv(32,3),": unexpected "," after ")" (separate layers with spaces)`},
		{"conv (32,3)", `model spec: at "conv (32,3)": space between a layer's name and its "("`},
		{"(32,3)", `model spec: at "(32,3)": missing layer name before "("`},
		{"dense(10,(3))", `model spec: at "dense(10,(3))": too many arguments: write dense(out, init=auto)`},
	} {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error %q", c.in, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%q) error\n  %s\nwant it to start\n  %s", c.in, err, c.want)
		}
	}
}

func TestJSONForm(t *testing.T) {
	in := `{"layers": [
		{"type": "conv", "out": 32, "kernel": [3, 5], "stride": 2, "init": "he_normal"},
		{"type": "relu"},
		{"type": "maxpool", "kernel": 2},
		{"type": "dropout", "p": 0.25},
		{"type": "flatten"},
		{"type": "dense", "out": 10}
	]}`
	spec, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := spec.String(), "conv(32,3x5,stride=2,init=he_normal) relu maxpool(2) dropout(0.25) flatten dense(10)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"layers":[{"type":"conv","out":32,"kernel":[3,5],"stride":[2,2],"init":"he_normal"},{"type":"relu"},` +
		`{"type":"maxpool","kernel":[2,2]},{"type":"dropout","p":0.25},{"type":"flatten"},{"type":"dense","out":10}]}`
	if string(b) != want {
		t.Errorf("JSON\n  %s\nwant\n  %s", b, want)
	}
	again, err := Parse(string(b))
	if err != nil || !sameSpec(again, spec) {
		t.Errorf("the JSON does not parse back to the same spec: %v", err)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"layers": [{"type": "relu"}]`, "model spec: invalid JSON: unexpected end of JSON input"},
		{`{"layer": []}`, `model spec: unknown key "layer" (a JSON spec is {"layers": [...]})`},
		{`{}`, `model spec: no "layers"`},
		{`{"layers": {}}`, "model spec: layers is not an array of layers"},
		{`{"layers": []}`, "model spec: layers has no layers"},
		{`{"layers": [3]}`, "model spec: layers[0] is not a JSON object"},
		{`{"layers": [{"out": 3}]}`, `model spec: layers[0] has no "type"`},
		{`{"layers": [{"type": 3}]}`, `model spec: layers[0]: "type" 3 is not a string`},
		{`{"layers": [{"type": "relu"}, {"type": "desne"}]}`, `model spec: layers[1]: unknown layer "desne" (did you mean dense?)`},
		{`{"layers": [{"type": "dense", "out": 10, "units": 3}]}`, `model spec: layers[0] (dense): dense has no argument "units" (it takes out, init)`},
		{`{"layers": [{"type": "dense", "out": "10"}]}`, `model spec: layers[0] (dense): out: want a whole number, got "10"`},
		{`{"layers": [{"type": "dense", "out": 10.5}]}`, `model spec: layers[0] (dense): out: want a whole number, got 10.5`},
		{`{"layers": [{"type": "dense", "out": 0}]}`, `model spec: layers[0] (dense): out must be at least 1, got 0`},
		{`{"layers": [{"type": "dense"}]}`, `model spec: layers[0] (dense): missing argument out: write dense(out, init=auto)`},
		{`{"layers": [{"type": "conv", "out": 3, "kernel": [3]}]}`, `model spec: layers[0] (conv): kernel: want a size like 3 or [3, 5], got [3]`},
		{`{"layers": [{"type": "conv", "out": 3, "kernel": 3, "init": 1}]}`, `model spec: layers[0] (conv): init: want a string, got 1`},
		{`{"layers": [{"type": "dropout", "p": "0.5"}]}`, `model spec: layers[0] (dropout): p: want a number, got "0.5"`},
		{`{"layers": [{"type": "dropout", "p": 1.5}]}`, `model spec: layers[0] (dropout): p must be in [0, 1), got 1.5`},
	} {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%s) succeeded, want error %q", c.in, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%s) error\n  %s\nwant it to start\n  %s", c.in, err, c.want)
		}
	}
}

// testRegistry is the standard registry plus "block", a layer holding a
// nested sequence (built as an nn.Sequential inside the model), to test
// nesting before the real nested layers exist.
func testRegistry(t testing.TB) *Registry {
	r := Standard()
	err := r.Add(LayerType{Name: "block", Params: []Param{{Name: "body", Kind: KindLayers, Positional: true, Required: true}},
		New: func(l *Layer) (nn.Layer, error) {
			layers, err := l.Spec("body").NewLayers()
			if err != nil {
				return nil, err
			}
			return nn.NewSequential(layers...), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNestedSequences(t *testing.T) {
	r := testRegistry(t)
	text := "conv(4,3,pad=1) block(conv(4,3,pad=1) relu block(relu)) flatten dense(2)"
	spec, err := r.Parse("conv(4,3,pad=1)   block( conv(4, 3, pad=1)  relu block(relu) ) flatten dense(2)")
	if err != nil {
		t.Fatal(err)
	}
	if spec.String() != text {
		t.Errorf("String() = %q, want %q", spec.String(), text)
	}
	inner := spec.Layers[1].Spec("body")
	if len(inner.Layers) != 3 || inner.Layers[0].Int("out") != 4 || inner.Layers[2].Spec("body").String() != "relu" {
		t.Errorf("nested sequence parsed as %q", inner)
	}

	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"layers":[{"type":"conv","out":4,"kernel":[3,3],"pad":[1,1]},{"type":"block","body":[{"type":"conv","out":4,"kernel":[3,3],"pad":[1,1]},{"type":"relu"},{"type":"block","body":[{"type":"relu"}]}]},{"type":"flatten"},{"type":"dense","out":2}]}`
	if string(b) != want {
		t.Errorf("JSON\n  %s\nwant\n  %s", b, want)
	}
	fromJSON, err := r.Parse(string(b))
	if err != nil || !sameSpec(fromJSON, spec) {
		t.Errorf("JSON does not parse back to the same spec: %v", err)
	}

	env := nn.NewEnv(1, 1)
	defer env.Close()
	net, err := spec.Build([]int{1, 5, 5}, env)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range net.Params() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "0.weight 0.bias 1.0.weight 1.0.bias 3.weight 3.bias"; got != want {
		t.Errorf("parameters %q, want %q", got, want)
	}

	for _, c := range []struct{ in, want string }{
		{"block(conv(4,,3) relu)", `model spec: at "conv(4,,3)": empty argument`},
		{"block(relu reul)", `model spec: at "reul": unknown layer "reul" (did you mean relu?)`},
		{"block()", `model spec: at "block()": missing argument body: write block(body)`},
		{"block(relu,relu)", `model spec: at "block(relu,relu)": too many arguments`},
		{strings.Repeat("block(", 17) + "relu" + strings.Repeat(")", 17), "model spec: at \"block(relu)\": body: layers nested more than 16 deep"},
		{`{"layers":[{"type":"block","body":[{"type":"conv","out":-1,"kernel":3}]}]}`, "model spec: layers[0].body[0] (conv): out must be at least 1, got -1"},
		{`{"layers":[{"type":"block","body":[]}]}`, "model spec: layers[0].body has no layers"},
	} {
		_, err := r.Parse(c.in)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Parse(%q) error\n  %v\nwant it to start\n  %s", c.in, err, c.want)
		}
	}
	if _, err := r.Parse(strings.Repeat("block(", 16) + "relu" + strings.Repeat(")", 16)); err != nil {
		t.Errorf("16 levels of nesting: %v", err)
	}
}

func TestBuild(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	spec, err := Parse("conv(8,3) relu")
	if err != nil {
		t.Fatal(err)
	}
	_, err = spec.Build([]int{1, 8, 8}, env)
	if want := `building "conv(8,3) relu" for input [1 8 8]: the output is [8 6 6], not a flat vector of class scores (end the model with flatten and dense)`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	spec, _ = Parse("dense(10)")
	_, err = spec.Build([]int{1, 28, 28}, env)
	if want := `building "dense(10)" for input [1 28 28]: layer 0 dense: needs a flat input`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want it to start %q", err, want)
	}
	// A spec put together in Go is checked like a parsed one.
	conv := Standard().Type("conv")
	bad := &Spec{Layers: []Layer{{Type: conv, Args: map[string]Value{"out": {Int: 0}, "kernel": {Pair: [2]int{3, 3}}}}}}
	if _, err := bad.Build([]int{1, 8, 8}, env); err == nil || err.Error() != "model spec: layer 0 conv: out must be at least 1, got 0" {
		t.Errorf("error %v for a hand-made spec with 0 filters", err)
	}
	bad = &Spec{Layers: []Layer{{Type: conv, Args: map[string]Value{"out": {Int: 2}}}}}
	if _, err := bad.Build([]int{1, 8, 8}, env); err == nil || !strings.Contains(err.Error(), "missing argument kernel") {
		t.Errorf("error %v for a hand-made spec without a kernel", err)
	}
	bad = &Spec{Layers: []Layer{{Type: conv, Args: map[string]Value{"out": {Int: 2}, "kernel": {Pair: [2]int{1, 1}}, "size": {Int: 3}}}}}
	if _, err := bad.Build([]int{1, 8, 8}, env); err == nil || !strings.Contains(err.Error(), `conv has no argument "size"`) {
		t.Errorf("error %v for a hand-made spec with an unknown argument", err)
	}
	if _, err := (&Spec{}).Build([]int{1, 8, 8}, env); err == nil {
		t.Error("an empty spec builds")
	}
}

func TestPresets(t *testing.T) {
	if got := strings.Join(PresetNames(), " "); got != "mlp tiny lenet5 mnist-cnn" {
		t.Errorf("PresetNames() = %q", got)
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	// Parameter counts worked out by hand for 1x28x28 inputs and 10
	// classes; mnist-cnn's is the well-known 1,199,882 of the Keras example.
	counts := map[string]int{
		"mlp":       784*128 + 128 + 128*10 + 10,
		"tiny":      8*9 + 8 + 10*8*13*13 + 10,
		"lenet5":    6*25 + 6 + 16*6*25 + 16 + 120*16*5*5 + 120 + 84*120 + 84 + 10*84 + 10,
		"mnist-cnn": 1199882,
	}
	for _, name := range PresetNames() {
		if PresetDoc(name) == "" {
			t.Errorf("preset %s has no description", name)
		}
		for _, classes := range []int{10, 2} {
			spec, err := Preset(name, classes)
			if err != nil {
				t.Fatalf("Preset(%s, %d): %v", name, classes, err)
			}
			last := spec.Layers[len(spec.Layers)-1]
			if last.Type.Name != "dense" || last.Int("out") != classes {
				t.Errorf("preset %s for %d classes ends with %s", name, classes, last.String())
			}
			net, err := spec.Build([]int{1, 28, 28}, env)
			if err != nil {
				t.Fatalf("preset %s on [1 28 28]: %v", name, err)
			}
			if out := net.OutShape(); !tensor.SameShape(out, []int{classes}) {
				t.Errorf("preset %s gives output %v, want [%d]", name, out, classes)
			}
			if classes == 10 {
				if n := countParams(net); n != counts[name] {
					t.Errorf("preset %s has %d parameters, want %d", name, n, counts[name])
				}
			}
		}
	}
	for _, name := range []string{"lenet5", "mnist-cnn"} {
		spec, _ := Preset(name, 10)
		if _, err := spec.Build([]int{3, 64, 64}, env); err != nil {
			t.Errorf("preset %s on [3 64 64]: %v", name, err)
		}
	}
	if _, err := Preset("resnet", 10); err == nil || err.Error() != `unknown preset model "resnet" (want one of mlp, tiny, lenet5, mnist-cnn)` {
		t.Errorf("unknown preset: error %v", err)
	}
	if _, err := Preset("tiny", 0); err == nil || !strings.Contains(err.Error(), "got 0") {
		t.Errorf("0 classes: error %v", err)
	}
}

func countParams(net *nn.Sequential) int {
	n := 0
	for _, p := range net.Params() {
		n += p.Value.Len()
	}
	return n
}

func TestRegistry(t *testing.T) {
	r := Standard()
	if got := r.Type("conv").Usage(); got != "conv(out, kernel, stride=1, pad=0, init=auto)" {
		t.Errorf("conv usage %q", got)
	}
	if got := r.Type("maxpool").Usage(); got != "maxpool(kernel, stride=kernel)" {
		t.Errorf("maxpool usage %q", got)
	}
	if got := r.Type("relu").Usage(); got != "relu" {
		t.Errorf("relu usage %q", got)
	}
	// Every init the parser accepts is one nn knows.
	for _, w := range r.Type("conv").param("init").Choices {
		if _, err := nn.ParseInit(w); err != nil {
			t.Errorf("init choice %q: %v", w, err)
		}
	}
	// Registries are values: adding to one leaves the standard one alone.
	if testRegistry(t).Type("block") == nil || Standard().Type("block") != nil {
		t.Error("adding a type to one registry changed another")
	}

	newRelu := func(*Layer) (nn.Layer, error) { return nn.NewReLU(), nil }
	for _, c := range []struct {
		t    LayerType
		want string
	}{
		{LayerType{Name: "relu", New: newRelu}, "layer type relu added twice"},
		{LayerType{Name: "Big", New: newRelu}, `layer type name "Big" is not a lower-case word`},
		{LayerType{Name: "x"}, "layer type x has no New function"},
		{LayerType{Name: "x", New: newRelu, Params: []Param{{Name: "a"}, {Name: "a"}}}, "layer type x: parameter a listed twice"},
		{LayerType{Name: "x", New: newRelu, Params: []Param{{Name: "type"}}}, `layer type x: parameter name "type" is not`},
		{LayerType{Name: "x", New: newRelu, Params: []Param{{Name: "a"}, {Name: "b", Positional: true}}}, "layer type x: positional parameter b comes after a named one"},
		{LayerType{Name: "x", New: newRelu, Params: []Param{{Name: "a", Kind: KindWord}}}, "layer type x: word parameter a has no choices"},
		{LayerType{Name: "x", New: newRelu, Params: []Param{{Name: "a", Kind: Kind(9)}}}, "layer type x: parameter a has unknown kind 9"},
	} {
		if err := r.Add(c.t); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Add(%s): error %v, want %q", c.t.Name, err, c.want)
		}
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "model.txt")
	js := filepath.Join(dir, "model.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(text, []byte("conv(8,3) relu maxpool(2)\nflatten dense(10)\n"), 0o644)
	os.WriteFile(js, []byte(`{"layers":[{"type":"flatten"},{"type":"dense","out":3}]}`), 0o644)
	os.WriteFile(bad, []byte(`{"layers":[{"type":"dense","out":-3}]}`), 0o644)
	if s, err := ParseFile(text); err != nil || s.String() != "conv(8,3) relu maxpool(2) flatten dense(10)" {
		t.Errorf("ParseFile(text) = %v, %v", s, err)
	}
	if s, err := ParseFile(js); err != nil || s.String() != "flatten dense(3)" {
		t.Errorf("ParseFile(json) = %v, %v", s, err)
	}
	if _, err := ParseFile(bad); err == nil || err.Error() != bad+": model spec: layers[0] (dense): out must be at least 1, got -3" {
		t.Errorf("ParseFile(bad) error %v", err)
	}
	missing := filepath.Join(dir, "missing.txt")
	if _, err := ParseFile(missing); err == nil || !strings.Contains(err.Error(), missing) || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("ParseFile(missing) error %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

// sameSpec reports whether two specs have the same layers with the same
// arguments, nested sequences included.
func sameSpec(a, b *Spec) bool {
	if len(a.Layers) != len(b.Layers) {
		return false
	}
	for i := range a.Layers {
		la, lb := &a.Layers[i], &b.Layers[i]
		if la.Type.Name != lb.Type.Name || len(la.Args) != len(lb.Args) {
			return false
		}
		for name, va := range la.Args {
			vb, ok := lb.Args[name]
			if !ok || va.Int != vb.Int || va.Pair != vb.Pair || va.Float != vb.Float || va.Word != vb.Word ||
				(va.Spec == nil) != (vb.Spec == nil) || va.Spec != nil && !sameSpec(va.Spec, vb.Spec) {
				return false
			}
		}
	}
	return true
}

func TestInputString(t *testing.T) {
	in := Input{Shape: []int{3, 4, 5}, Prep: PrepResize}
	if got, want := in.String(), `[3 4 5], prepared as "resize"`; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	in.Mean, in.Std = []float32{0.5, 0.4, 0.3}, []float32{0.2, 0.2, 0.1}
	if got, want := in.String(), `[3 4 5], prepared as "resize", normalised with mean [0.5 0.4 0.3] and standard deviation [0.2 0.2 0.1]`; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
