package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/safetensors"
	"github.com/gocnn/gocnn/tensor"
)

const smallSpec = "conv(2,3) relu maxpool(2) flatten dense(3)"

// newModel builds a model and gives every parameter, biases included,
// random values, so that any mix-up on the way to a file and back shows.
// Batch norm's running variances get positive values, as they must.
func newModel(t testing.TB, spec string, in Input, classes []string, seed uint64) *Model {
	t.Helper()
	env := nn.NewEnv(seed, 1)
	t.Cleanup(env.Close)
	s, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(s, in, classes, env)
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(seed + 1000)
	for _, p := range m.Net.Params() {
		r.FillNormal(p.Value.Data, 0.5)
		if strings.HasSuffix(p.Name, "running_var") {
			for i, v := range p.Value.Data {
				p.Value.Data[i] = 0.5 + v*v
			}
		}
	}
	m.Info = map[string]string{"seed": "1"}
	return m
}

func smallModel(t testing.TB) *Model {
	return newModel(t, smallSpec, Input{Shape: []int{1, 6, 6}, Prep: PrepResize, Mean: []float32{0.5}, Std: []float32{0.25}},
		[]string{"a", "b", "c"}, 7)
}

// fileBytes returns the bytes Save writes for m.
func fileBytes(t testing.TB, m *Model) []byte {
	t.Helper()
	tensors, meta, err := encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return writeBytes(t, tensors, meta)
}

func writeBytes(t testing.TB, tensors []safetensors.Tensor, meta map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := safetensors.Write(&b, tensors, meta); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// loadBytes is Load for a file held in memory.
func loadBytes(b []byte, env *nn.Env) (*Model, error) {
	f, err := safetensors.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	return decode(f, env)
}

func randomBatch(n int, shape []int, seed uint64) *tensor.Tensor {
	x := tensor.New(append([]int{n}, shape...)...)
	rng.New(seed).FillUniform(x.Data, 1)
	return x
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestSaveLoadGivesIdenticalPredictions(t *testing.T) {
	for _, c := range []struct {
		spec string
		in   Input
		n    int
	}{
		{"tiny", Input{Shape: []int{1, 28, 28}, Prep: PrepMNIST}, 10},
		{"mnist-cnn", Input{Shape: []int{1, 28, 28}, Prep: PrepMNIST}, 2},
		{"conv(4,3x2,pad=1,stride=2x1,init=glorot_normal) tanh maxpool(2,stride=1) conv(3,2) sigmoid flatten " +
			"dropout(0.3) dense(5,init=he_uniform) relu dense(4) softmax",
			Input{Shape: []int{3, 9, 8}, Prep: PrepResize, Mean: []float32{0.1, 0.2, 0.3}, Std: []float32{1, 2, 3}}, 4},
		{"conv(4,3,pad=1) batchnorm leakyrelu(0.2) residual(conv(4,3,pad=1) batchnorm(momentum=0.2) relu conv(4,3,pad=1)) relu " +
			"residual(conv(6,3,stride=2,pad=1) batchnorm) avgpool(2) conv(5,1) globalavgpool flatten dense(3) batchnorm dense(3)",
			Input{Shape: []int{2, 10, 12}, Prep: PrepResize}, 3},
	} {
		spec := c.spec
		if p, err := Preset(c.spec, c.n); err == nil {
			spec = p.String()
		}
		classes := make([]string, c.n)
		for i := range classes {
			classes[i] = string(rune('A' + i))
		}
		m := newModel(t, spec, c.in, classes, 3)
		m.Info = map[string]string{"dataset": "test", "accuracy": "0.5"}
		m.Net.Forward(randomBatch(4, c.in.Shape, 7), true) // moves batch norm's running statistics
		path := filepath.Join(t.TempDir(), "model.safetensors")
		if err := Save(path, m); err != nil {
			t.Fatal(err)
		}
		env := nn.NewEnv(99, 1) // another seed: nothing may come from it
		defer env.Close()
		got, err := Load(path, env)
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.String() != m.Spec.String() || strings.Join(got.Classes, ",") != strings.Join(classes, ",") ||
			len(got.Info) != 2 || got.Info["accuracy"] != "0.5" || got.Info["dataset"] != "test" ||
			!tensor.SameShape(got.Input.Shape, c.in.Shape) || got.Input.Prep != c.in.Prep ||
			!sameBits(got.Input.Mean, c.in.Mean) || !sameBits(got.Input.Std, c.in.Std) {
			t.Errorf("%s: loaded %+v, saved %+v", c.spec, got, m)
		}
		x := randomBatch(5, c.in.Shape, 11)
		want := m.Net.Forward(x, false).Clone()
		out := got.Net.Forward(x, false)
		if !sameBits(out.Data, want.Data) || !tensor.SameShape(out.Shape, want.Shape) {
			t.Errorf("%s: loaded model predicts %v, saved one %v", c.spec, out.Data[:4], want.Data[:4])
		}
	}
}

func TestFileLayout(t *testing.T) {
	m := smallModel(t)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Save(path, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// PyTorch's names and layouts, in the model's order.
	want := []struct {
		name  string
		shape []int
	}{{"0.weight", []int{2, 1, 3, 3}}, {"0.bias", []int{2}}, {"4.weight", []int{3, 8}}, {"4.bias", []int{3}}}
	if len(f.Tensors) != len(want) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(want))
	}
	for i, w := range want {
		got := f.Tensors[i]
		if got.Name != w.name || !tensor.SameShape(got.Shape, w.shape) || got.DType != "F32" ||
			!sameBits(got.Data, m.Net.Params()[i].Value.Data) {
			t.Errorf("tensor %d: %s %s %v, want %s %v with the model's values", i, got.Name, got.DType, got.Shape, w.name, w.shape)
		}
	}
	wantMeta := map[string]string{
		"format":         "gocnn",
		"format_version": "1",
		"spec":           smallSpec,
		"input":          `{"shape":[1,6,6],"prep":"resize","mean":[0.5],"std":[0.25]}`,
		"classes":        `["a","b","c"]`,
		"info":           `{"seed":"1"}`,
	}
	for k, v := range wantMeta {
		if f.Metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, f.Metadata[k], v)
		}
	}
	if len(f.Metadata) != len(wantMeta)+1 {
		t.Errorf("metadata has %d keys, want %d", len(f.Metadata), len(wantMeta)+1)
	}

	// The checksum follows the recipe in the documentation, computed here
	// from the raw bytes of the file.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data := raw[8+binary.LittleEndian.Uint64(raw):]
	h := sha256.New()
	for _, k := range []string{"format", "format_version", "spec", "input", "classes", "info"} {
		h.Write([]byte(k + "\x00" + wantMeta[k] + "\x00"))
	}
	// Sorted by name: 0.bias, 0.weight, 4.bias, 4.weight; their bytes lie
	// at 72:80, 0:72, 176:188 and 80:176.
	h.Write([]byte("0.bias\x00F32\x002\x00"))
	h.Write(data[72:80])
	h.Write([]byte("0.weight\x00F32\x002,1,3,3\x00"))
	h.Write(data[0:72])
	h.Write([]byte("4.bias\x00F32\x003\x00"))
	h.Write(data[176:188])
	h.Write([]byte("4.weight\x00F32\x003,8\x00"))
	h.Write(data[80:176])
	if got, want := f.Metadata["sha256"], hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("sha256 %s, want %s", got, want)
	}
}

func TestLoadRejectsTruncatedFiles(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	full := fileBytes(t, smallModel(t))
	headerEnd := 8 + int(binary.LittleEndian.Uint64(full))
	// On disk, at a few telling places: the error names the file.
	dir := t.TempDir()
	for _, n := range []int{0, 5, 8, 30, headerEnd - 1, headerEnd, headerEnd + 1, len(full) - 4, len(full) - 1} {
		path := filepath.Join(dir, "cut.safetensors")
		if err := os.WriteFile(path, full[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, env)
		if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, safetensors.ErrFormat) {
			t.Errorf("file cut to %d of %d bytes: error %v", n, len(full), err)
		}
	}
	// In memory, at every length.
	for n := range len(full) {
		if _, err := loadBytes(full[:n], env); err == nil {
			t.Errorf("file cut to %d of %d bytes loads", n, len(full))
		}
	}
}

func TestLoadRejectsEveryBitFlip(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	full := fileBytes(t, smallModel(t))
	if _, err := loadBytes(full, env); err != nil {
		t.Fatal(err)
	}
	headerEnd := 8 + int(binary.LittleEndian.Uint64(full))
	b := bytes.Clone(full)
	for i := range b {
		for bit := range 8 {
			b[i] ^= 1 << bit
			_, err := loadBytes(b, env)
			b[i] ^= 1 << bit
			if err == nil {
				t.Errorf("flipping bit %d of byte %d (%q) goes unnoticed", bit, i, full[i])
				continue
			}
			if i >= headerEnd && !strings.Contains(err.Error(), "the file is corrupted") {
				t.Errorf("flipping bit %d of data byte %d: error %v, want a checksum error", bit, i, err)
			}
		}
	}

	// And on disk, the error names the file.
	path := filepath.Join(t.TempDir(), "flipped.safetensors")
	b[len(b)-1] ^= 0x10
	os.WriteFile(path, b, 0o644)
	if _, err := Load(path, env); err == nil || !strings.HasPrefix(err.Error(), "loading model "+path+": the file is corrupted") {
		t.Errorf("error %v", err)
	}
}

func TestLoadRejectsMismatches(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m := smallModel(t)

	// variant encodes m, lets change alter the tensors and metadata, and
	// signs the result with a correct checksum, so that Load must find
	// the fault by its own checks.
	variant := func(change func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor) []byte {
		tensors, meta, err := encode(m)
		if err != nil {
			t.Fatal(err)
		}
		tensors = change(append([]safetensors.Tensor(nil), tensors...), meta)
		meta[keyChecksum] = checksum(meta, tensors)
		return writeBytes(t, tensors, meta)
	}
	good := fileBytes(t, m)
	wrongDType := bytes.Replace(good, []byte(`"0.bias":{"dtype":"F32"`), []byte(`"0.bias":{"dtype":"I32"`), 1)
	longHeader := bytes.Clone(good)
	binary.LittleEndian.PutUint64(longHeader, uint64(len(good)))
	plain := writeBytes(t, []safetensors.Tensor{{Name: "0.weight", Shape: []int{1}, Data: []float32{1}}}, nil)

	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"tensor shape differs from the spec", variant(func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			ts[0].Shape = []int{2, 9}
			return ts
		}), `tensor "0.weight" has shape [2 9] but the spec makes it [2 1 3 3]`},
		{"spec differs from the tensors", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keySpec] = "conv(2,3) relu maxpool(2) flatten dense(4)"
			return ts
		}), `tensor "4.weight" has shape [3 8] but the spec makes it [4 8]`},
		{"missing tensor", variant(func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			return ts[:3]
		}), "its tensors do not match the spec: missing 4.bias"},
		{"extra tensor", variant(func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "5.weight", Shape: []int{1}, Data: []float32{1}})
		}), "its tensors do not match the spec: unexpected 5.weight"},
		{"renamed tensor", variant(func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			ts[3].Name = "3.bias"
			return ts
		}), "its tensors do not match the spec: missing 4.bias; unexpected 3.bias"},
		{"wrong dtype", wrongDType, `tensor "0.bias" has dtype I32; gocnn models hold F32`},
		{"header length larger than the file", longHeader, "is larger than the"},
		{"trailing bytes", append(bytes.Clone(good), 0, 0, 0, 0), "4 bytes after the last tensor's data"},
		{"plain safetensors file", plain, `not a gocnn model: its metadata has no "format": "gocnn"`},
		{"newer format", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keyVersion] = "2"
			return ts
		}), "model format version 2 is newer than this gocnn reads (version 1)"},
		{"unknown format version", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keyVersion] = "one"
			return ts
		}), `unknown model format version "one"`},
		{"no classes", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			delete(meta, keyClasses)
			return ts
		}), `its metadata has no "classes"`},
		{"too few classes", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keyClasses] = `["a","b"]`
			return ts
		}), "the network has 3 outputs but there are 2 class names"},
		{"bad spec", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keySpec] = "conv(2,3) relu maxpool(2) flatten dense(3"
			return ts
		}), `its spec: model spec: at "dense(3": missing ")"`},
		{"unknown input field", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keyInput] = `{"shape":[1,6,6],"prep":"resize","colour":true}`
			return ts
		}), `its input: json: unknown field "colour"`},
		{"bad input", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keyInput] = `{"shape":[1,6,6],"prep":"crop"}`
			return ts
		}), `its input: unknown input preparation "crop"`},
		{"input the spec cannot take", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keyInput] = `{"shape":[1,2,2],"prep":"resize"}`
			return ts
		}), `building "conv(2,3) relu maxpool(2) flatten dense(3)" for input [1 2 2]: layer 0 conv2d: kernel 3x3 is larger`},
		{"info not strings", variant(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[keyInfo] = `{"epochs":3}`
			return ts
		}), "its info: json: cannot unmarshal number"},
	} {
		path := filepath.Join(t.TempDir(), "bad.safetensors")
		if err := os.WriteFile(path, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, env)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error\n  %v\nwant it to name the file and contain\n  %s", c.name, err, c.want)
		}
	}
}

func TestSaveRejects(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	for _, c := range []struct {
		name   string
		change func(m *Model)
		want   string
	}{
		{"unbuilt network", func(m *Model) { m.Net = nn.NewSequential(nn.NewFlatten()) }, "the network has not been built"},
		{"no network", func(m *Model) { m.Net = nil }, "the model has no spec or no network"},
		{"spec that does not match", func(m *Model) { m.Spec, _ = Parse("conv(3,3) relu maxpool(2) flatten dense(3)") },
			`the network's parameter 0.weight [2 1 3 3] does not match the spec "conv(3,3) relu maxpool(2) flatten dense(3)", which makes 0.weight [3 1 3 3]`},
		{"spec with other layers", func(m *Model) { m.Spec, _ = Parse("flatten dense(3)") }, "the network has 4 parameter tensors but the spec"},
		{"wrong number of classes", func(m *Model) { m.Classes = m.Classes[:2] }, "the network has 3 outputs but there are 2 class names"},
		{"duplicate classes", func(m *Model) { m.Classes = []string{"a", "b", "a"} }, `two classes are named "a"`},
		{"input shape", func(m *Model) { m.Input.Shape = []int{1, 8, 8} }, "the network is built for input [1 6 6] but the model's input shape is [1 8 8]"},
		{"huge input", func(m *Model) { m.Input.Shape = []int{1, 8192, 8192} }, "input shape [1 8192 8192] has 67108864 values, over the limit of 16777216"},
		{"input preparation", func(m *Model) { m.Input.Prep = "" }, `unknown input preparation ""`},
		{"mnist preparation in colour", func(m *Model) { m.Input.Prep = PrepMNIST; m.Input.Shape = []int{3, 6, 6} }, `input preparation "mnist" needs 1 channel`},
		{"normalisation", func(m *Model) { m.Input.Std = []float32{0} }, "standard deviation 0"},
		{"normalisation size", func(m *Model) { m.Input.Std = nil }, "1 means and 0 standard deviations for 1 channels"},
	} {
		m := smallModel(t)
		c.change(m)
		err := Save(path, m)
		if err == nil || !strings.HasPrefix(err.Error(), "saving model to "+path+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error\n  %v\nwant it to contain\n  %s", c.name, err, c.want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s: a file was written", c.name)
		}
	}
}

func TestFailedSaveKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	old := smallModel(t)
	if err := Save(path, old); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A new model whose write fails after 300 bytes, past the header.
	m := newModel(t, smallSpec, old.Input, old.Classes, 8)
	err = save(path, m, nil, func(w io.Writer) io.Writer { return &failingWriter{w: w, left: 300} })
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("error %v, want %v", err, errDiskFull)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("the old file changed (%v)", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries after the failed save, want 1", len(entries))
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	if got, err := Load(path, env); err != nil || !sameBits(got.Net.Params()[0].Value.Data, old.Net.Params()[0].Value.Data) {
		t.Errorf("the old model does not load back: %v", err)
	}
}

var errDiskFull = errors.New("disk full")

// failingWriter passes on left bytes, then fails.
type failingWriter struct {
	w    io.Writer
	left int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.w.Write(p[:f.left])
		f.left = 0
		return n, errDiskFull
	}
	f.left -= len(p)
	return f.w.Write(p)
}

func TestStateRoundTrip(t *testing.T) {
	spec, err := Preset("tiny", 3)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, spec.String(), Input{Shape: []int{1, 8, 8}, Prep: PrepResize}, []string{"a", "b", "c"}, 1)
	st := &State{Meta: `{"epoch":3}`, Tensors: []safetensors.Tensor{
		{Name: StatePrefix + "momentum/0.weight", DType: safetensors.F32, Shape: []int{2}, Data: []float32{1.5, -2}},
	}}
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := SaveWithState(path, m, st); err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	got, gotState, err := LoadWithState(path, env)
	if err != nil {
		t.Fatal(err)
	}
	if gotState == nil || gotState.Meta != st.Meta || len(gotState.Tensors) != 1 ||
		gotState.Tensors[0].Name != "state/momentum/0.weight" || gotState.Tensors[0].Data[1] != -2 {
		t.Errorf("state came back as %+v", gotState)
	}
	if len(got.Net.Params()) != len(m.Net.Params()) {
		t.Error("model params differ")
	}
	// A checkpoint is also a model file.
	if _, err := Load(path, env); err != nil {
		t.Errorf("loading a checkpoint as a model: %v", err)
	}
	// The checksum covers the state: change one state number on disk.
	raw, _ := os.ReadFile(path)
	idx := bytes.LastIndex(raw, []byte{0, 0, 0xc0, 0x3f}) // 1.5 in little-endian float32
	if idx < 0 {
		t.Fatal("state value not found in the file")
	}
	raw[idx+3] ^= 0x01
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, raw, 0o644)
	if _, _, err := LoadWithState(bad, env); err == nil || !strings.Contains(err.Error(), "corrupted") {
		t.Errorf("a flipped bit in the state gave %v, want a checksum error", err)
	}
	// State tensors must carry the prefix.
	st.Tensors[0].Name = "momentum"
	if err := SaveWithState(path, m, st); err == nil {
		t.Error("a state tensor without the prefix was accepted")
	}
}

// TestBatchCountIsInt64 saves a model with a batch norm whose count of
// batches is 3: the file holds it as an I64 scalar, as PyTorch writes it,
// and loads back as 3. A file written before, with the count as F32 (and
// its checksum over that), still loads; an I64 weight and a negative count
// are refused.
func TestBatchCountIsInt64(t *testing.T) {
	in := Input{Shape: []int{2, 5, 5}, Prep: PrepResize}
	m := newModel(t, "conv(3,3) batchnorm relu flatten dense(2)", in, []string{"a", "b"}, 3)
	var counter []float32
	for _, p := range m.Net.Params() {
		if p.Name == "1.num_batches_tracked" {
			counter = p.Value.Data
		}
	}
	if len(counter) != 1 {
		t.Fatal("no 1.num_batches_tracked parameter")
	}
	counter[0] = 3
	tensors, meta, err := encode(m)
	if err != nil {
		t.Fatal(err)
	}
	count := slices.IndexFunc(tensors, func(x safetensors.Tensor) bool { return x.Name == "1.num_batches_tracked" })
	if c := tensors[count]; c.DType != safetensors.I64 || len(c.Shape) != 0 || !slices.Equal(c.Ints, []int64{3}) || c.Data != nil {
		t.Fatalf("the count is written as %s %v %v %v, want I64 [] [3]", c.DType, c.Shape, c.Ints, c.Data)
	}
	loaded := func(tensors []safetensors.Tensor, meta map[string]string) (float32, error) {
		env := nn.NewEnv(1, 1)
		defer env.Close()
		got, err := loadBytes(writeBytes(t, tensors, meta), env)
		if err != nil {
			return 0, err
		}
		for _, p := range got.Net.Params() {
			if p.Name == "1.num_batches_tracked" {
				return p.Value.Data[0], nil
			}
		}
		return 0, fmt.Errorf("no count after loading")
	}
	if v, err := loaded(tensors, meta); err != nil || v != 3 {
		t.Errorf("loading the I64 count: %v, %v; want 3", v, err)
	}

	// As files were written before: the count as F32.
	old := slices.Clone(tensors)
	old[count] = safetensors.Tensor{Name: "1.num_batches_tracked", DType: safetensors.F32, Shape: []int{}, Data: []float32{3}}
	oldMeta := maps.Clone(meta)
	oldMeta[keyChecksum] = checksum(oldMeta, old)
	if v, err := loaded(old, oldMeta); err != nil || v != 3 {
		t.Errorf("loading an F32 count: %v, %v; want 3", v, err)
	}

	for _, c := range []struct {
		name string
		edit func([]safetensors.Tensor)
		want string
	}{
		{"I64 weight", func(ts []safetensors.Tensor) {
			ts[1] = safetensors.Tensor{Name: ts[1].Name, DType: safetensors.I64, Shape: ts[1].Shape, Ints: make([]int64, len(ts[1].Data))}
		}, `has dtype I64`},
		{"negative count", func(ts []safetensors.Tensor) {
			ts[count] = safetensors.Tensor{Name: "1.num_batches_tracked", DType: safetensors.I64, Shape: []int{}, Ints: []int64{-1}}
		}, "cannot be negative"},
	} {
		bad := slices.Clone(tensors)
		c.edit(bad)
		badMeta := maps.Clone(meta)
		badMeta[keyChecksum] = checksum(badMeta, bad)
		if _, err := loaded(bad, badMeta); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestInputEqual checks that inputs are equal only when shape,
// preparation, means and deviations all are.
func TestInputEqual(t *testing.T) {
	a := Input{Shape: []int{3, 8, 8}, Prep: PrepResize, Mean: []float32{0.5, 0.4, 0.3}, Std: []float32{0.2, 0.2, 0.2}}
	if !a.Equal(a) {
		t.Fatal("an input differs from itself")
	}
	for name, b := range map[string]Input{
		"shape": {Shape: []int{3, 8, 9}, Prep: a.Prep, Mean: a.Mean, Std: a.Std},
		"prep":  {Shape: a.Shape, Prep: PrepMNIST, Mean: a.Mean, Std: a.Std},
		"mean":  {Shape: a.Shape, Prep: a.Prep, Mean: []float32{0.5, 0.4, 0.31}, Std: a.Std},
		"std":   {Shape: a.Shape, Prep: a.Prep, Mean: a.Mean},
	} {
		if a.Equal(b) || b.Equal(a) {
			t.Errorf("inputs of another %s are equal", name)
		}
	}
}
