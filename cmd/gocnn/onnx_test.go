package main

import (
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
