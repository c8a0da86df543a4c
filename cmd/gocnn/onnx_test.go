package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/onnx/onnxpb"
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
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import"}, 2, "name one ONNX file"},
		{[]string{"import", "-prep", "fancy", onnxPath}, 2, `-prep "fancy"`},
		{[]string{"import", "-classes", "x,y", onnxPath}, 1, "2 class names for the network's 3 outputs"},
		{[]string{"import", path}, 1, path + ": not an ONNX model"},
	} {
		if code, _, stderr := runCLI(c.args...); code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
