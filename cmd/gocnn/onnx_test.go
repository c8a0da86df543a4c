package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/onnx/onnxpb"
	"github.com/gocnn/gocnn/safetensors"
)

// TestExportCommand exports a saved model to the default file name and
// reads the file back as an ONNX model; a missing model is an error that
// names it.
func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	path := saveTinyModel(t, dir, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST}, []string{"a", "b", "c"})
	code, stdout, stderr := runCLI("export", "-model", path)
	out := strings.TrimSuffix(path, ".safetensors") + ".onnx"
	if code != 0 || !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, `output "output" [batch 3]`) {
		t.Fatalf("export: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var pb onnxpb.ModelProto
	if err := proto.Unmarshal(b, &pb); err != nil || pb.GetGraph() == nil || len(pb.GetGraph().GetNode()) == 0 {
		t.Fatalf("%s is not an ONNX model with a graph: %v", out, err)
	}
	missing := filepath.Join(dir, "missing.safetensors")
	if code, _, stderr := runCLI("export", "-model", missing); code != 1 || !strings.Contains(stderr, missing) {
		t.Errorf("export of a missing model: status %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI("export"); code != 2 || !strings.Contains(stderr, "-model is required") {
		t.Errorf("export without -model: status %d, stderr %q", code, stderr)
	}
}

// TestImportCommand exports a model, imports the ONNX file back with new
// class names, and predicts a picture with the original model, the ONNX
// file itself and the imported model: the same answer three times, each
// with its own class names.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	path := saveTinyModel(t, dir, model.Input{Shape: []int{3, 12, 12}, Prep: model.PrepResize}, []string{"a", "b", "c"})
	onnxPath := filepath.Join(dir, "tiny.onnx")
	if code, _, stderr := runCLI("export", "-model", path, "-out", onnxPath); code != 0 {
		t.Fatalf("export: status %d: %s", code, stderr)
	}
	back := filepath.Join(dir, "back.safetensors")
	code, stdout, stderr := runCLI("import", "-out", back, "-classes", "x,y,z", onnxPath)
	if code != 0 || !strings.Contains(stdout, "wrote "+back) || !strings.Contains(stdout, "3 classes [x y z]") {
		t.Fatalf("import: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	picture := filepath.Join(dir, "x.png")
	img := image.NewRGBA(image.Rect(0, 0, 30, 20))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	f, err := os.Create(picture)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, img)
	f.Close()
	answers := map[string]string{}
	for _, m := range []string{path, onnxPath, back} {
		code, stdout, stderr := runCLI("predict", "-model", m, "-top", "3", picture)
		if code != 0 {
			t.Fatalf("predict with %s: status %d: %s", m, code, stderr)
		}
		answers[m] = strings.TrimSpace(strings.TrimPrefix(stdout, picture+":"))
	}
	rename := strings.NewReplacer("a ", "x ", "b ", "y ", "c ", "z ")
	if answers[onnxPath] != answers[path] || rename.Replace(answers[path]+" ") != answers[back]+" " {
		t.Errorf("predictions differ:\n%s: %s\n%s: %s\n%s: %s", path, answers[path], onnxPath, answers[onnxPath], back, answers[back])
	}
	garbage := filepath.Join(dir, "garbage.onnx")
	if err := os.WriteFile(garbage, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import"}, 2, "name one ONNX file"},
		{[]string{"import", "-prep", "fancy", onnxPath}, 2, `-prep "fancy"`},
		{[]string{"import", "-classes", "x,y", onnxPath}, 1, "2 class names for the network's 3 outputs"},
		{[]string{"import", garbage}, 1, garbage + ": not an ONNX model"},
	} {
		if code, _, stderr := runCLI(c.args...); code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

// TestImportStateDict writes a model's parameters as a plain tensor file,
// as PyTorch's safetensors.torch.save_file writes a state_dict, and
// imports it with -spec and -input: the imported model predicts as the
// original does. Without -spec the file is refused.
func TestImportStateDict(t *testing.T) {
	dir := t.TempDir()
	path := saveTinyModel(t, dir, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST}, []string{"a", "b", "c"})
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m, err := model.Load(path, env)
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.Tensor
	for _, p := range m.Net.Params() {
		ts = append(ts, safetensors.Tensor{Name: p.Name, DType: safetensors.F32, Shape: p.Value.Shape, Data: p.Value.Data})
	}
	state := filepath.Join(dir, "state.safetensors")
	if err := safetensors.WriteFile(state, ts, nil); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("import", "-spec", "tiny", "-input", "1x28x28", "-prep", "mnist", "-classes", "a,b,c", state)
	back := filepath.Join(dir, "state-gocnn.safetensors")
	if code != 0 || !strings.Contains(stdout, "wrote "+back) {
		t.Fatalf("import: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	got, err := model.Load(back, env)
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.String() != m.Spec.String() || got.Input.Prep != model.PrepMNIST {
		t.Errorf("imported %s (%s), want %s", got.Spec, got.Input.Prep, m.Spec)
	}
	for i, p := range got.Net.Params() {
		if !slices.Equal(p.Value.Data, m.Net.Params()[i].Value.Data) {
			t.Errorf("parameter %s differs from the state dict's", p.Name)
		}
	}
	if code, _, stderr := runCLI("import", state); code != 2 || !strings.Contains(stderr, "needs -spec and -input") {
		t.Errorf("a state dict without -spec: status %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI("import", "-spec", "lenet5", "-input", "1x28x28", state); code != 1 || !strings.Contains(stderr, state) {
		t.Errorf("a state dict of another network: status %d, stderr %q", code, stderr)
	}
}

// TestTrainInitFrom trains a model on real MNIST, exports it to ONNX, and
// starts a new run from the ONNX file with a learning rate too small to
// move the weights: the new run's model must hold the first one's weights,
// and its normalisation. -init-from is refused beside -model, and for
// data with another number of classes (MNIST's digits 0 and 1 alone).
func TestTrainInitFrom(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real MNIST")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	code, _, stderr := runCLI("train", "-model", "tiny", "-epochs", "1", "-normalize", "-train-limit", "300", "-test-limit", "100", "-quiet", "-out", "first.safetensors")
	if code != 0 {
		t.Fatalf("first run: status %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI("export", "-model", "first.safetensors"); code != 0 {
		t.Fatalf("export: status %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI("train", "-init-from", "first.onnx", "-epochs", "1", "-lr", "1e-12", "-momentum", "0",
		"-train-limit", "300", "-test-limit", "100", "-quiet")
	if code != 0 || !strings.Contains(stdout, "saved  mnist-from-first.safetensors") {
		t.Fatalf("run from first.onnx: status %d, stderr %q\n%s", code, stderr, stdout)
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	first, err := model.Load("first.safetensors", env)
	if err != nil {
		t.Fatal(err)
	}
	second, err := model.Load("mnist-from-first.safetensors", env)
	if err != nil {
		t.Fatal(err)
	}
	if second.Spec.String() != first.Spec.String() || !slices.Equal(second.Input.Mean, first.Input.Mean) || second.Info["init_from"] != "first.onnx" {
		t.Errorf("second run: %s, mean %v, init_from %q; want %s, %v", second.Spec, second.Input.Mean, second.Info["init_from"], first.Spec, first.Input.Mean)
	}
	for i, p := range second.Net.Params() {
		q := first.Net.Params()[i]
		for j := range p.Value.Data {
			if d := p.Value.Data[j] - q.Value.Data[j]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("%s[%d] is %g, the first run's %g: the run did not start from its weights", p.Name, j, p.Value.Data[j], q.Value.Data[j])
			}
		}
	}
	if code, _, stderr := runCLI("train", "-init-from", "first.onnx", "-model", "lenet5", "-quiet"); code != 2 || !strings.Contains(stderr, "leave out -model") {
		t.Errorf("-init-from with -model: status %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI("train", "-init-from", "first.onnx", "-classes", "0,1", "-train-limit", "50", "-test-limit", "50", "-quiet"); code != 1 || !strings.Contains(stderr, "the model has 10 classes, the data 2") {
		t.Errorf("-init-from with two classes: status %d, stderr %q", code, stderr)
	}
}
