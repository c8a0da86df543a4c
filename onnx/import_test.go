package onnx

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// logits runs m on n random pictures (pixels in [0, 1]) through its input
// normalisation, as the exported graph does.
func logits(t *testing.T, m *model.Model, n int, seed uint64) []float32 {
	t.Helper()
	x := tensor.New(append([]int{n}, m.Input.Shape...)...)
	r := rng.New(seed)
	for i := range x.Data {
		x.Data[i] = r.Float32()
	}
	if len(m.Input.Mean) > 0 {
		if err := (data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}).ApplyImages(x); err != nil {
			t.Fatal(err)
		}
	}
	return slices.Clone(m.Net.Forward(x, false).Data)
}

// TestRoundTrip exports every case and imports it again: the imported
// model must have the same spec (less its dropout layers, which inference
// does not run), classes, preparation and normalisation, and give the
// same outputs to the last bit.
func TestRoundTrip(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	dropout := regexp.MustCompile(` dropout\([0-9.]+\)`)
	for _, c := range exportCases() {
		t.Run(c.name, func(t *testing.T) {
			m := buildCase(t, c, env)
			var buf bytes.Buffer
			if err := Export(&buf, m, "test"); err != nil {
				t.Fatal(err)
			}
			back, err := Import(buf.Bytes(), env, ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := dropout.ReplaceAllString(m.Spec.String(), "")
			if back.Spec.String() != want {
				t.Errorf("spec %q\nwant %q", back.Spec.String(), want)
			}
			if !slices.Equal(back.Classes, m.Classes) || back.Input.Prep != m.Input.Prep ||
				!slices.Equal(back.Input.Mean, m.Input.Mean) || !slices.Equal(back.Input.Std, m.Input.Std) {
				t.Errorf("input %+v, classes %v; want %+v, %v", back.Input, back.Classes, m.Input, m.Classes)
			}
			got, exp := logits(t, back, 3, 9), logits(t, m, 3, 9)
			for i := range exp {
				if math.Float32bits(got[i]) != math.Float32bits(exp[i]) {
					t.Fatalf("output %d: imported %v, exported %v", i, got[i], exp[i])
				}
			}
		})
	}
}

// TestImportOptions checks that class names and the preparation given to
// Import win over the file's, and that their count is checked.
func TestImportOptions(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m := buildCase(t, exportCases()[1], env)
	var buf bytes.Buffer
	if err := Export(&buf, m, "test"); err != nil {
		t.Fatal(err)
	}
	names := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	back, err := Import(buf.Bytes(), env, ImportOptions{Classes: names, Prep: model.PrepResize})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Classes, names) || back.Input.Prep != model.PrepResize {
		t.Errorf("classes %v, prep %q", back.Classes, back.Input.Prep)
	}
	if _, err := Import(buf.Bytes(), env, ImportOptions{Classes: names[:3]}); err == nil || !strings.Contains(err.Error(), "3 class names for the network's 10 outputs") {
		t.Errorf("three class names for ten outputs: %v", err)
	}
}

// TestImportFromPyTorch builds gocnn's networks in PyTorch
// (bench/gocnn_nets.py), exports them with torch.onnx.export at opsets
// 11, 13 and 17, imports the files and requires gocnn's outputs on the
// same pictures within 1e-4 of the largest of PyTorch's. In inference
// mode PyTorch folds each batch norm into the convolution before it, so
// the imported networks have fewer layers than the specs they came from;
// they must compute the same function.
func TestImportFromPyTorch(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import torch, numpy, onnx").Run(); err != nil {
		t.Skip("python3-torch or python3-onnx not installed: the PyTorch import test needs both")
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	dir := t.TempDir()
	cases := exportCases()
	for _, c := range cases {
		for _, opset := range []int{11, 13, 17} {
			if opset != 13 && c.name != "mnist-bn" && c.name != "every-layer" {
				continue // the other opsets on two networks are enough
			}
			t.Run(fmt.Sprintf("%s-opset%d", c.name, opset), func(t *testing.T) {
				spec := c.spec
				switch {
				case strings.HasSuffix(spec, ".txt"):
					s, err := model.ParseFile(spec)
					if err != nil {
						t.Fatal(err)
					}
					spec = s.String()
				case slices.Contains(model.PresetNames(), spec):
					s, err := model.Preset(spec, c.classes)
					if err != nil {
						t.Fatal(err)
					}
					spec = s.String()
				}
				const n = 3
				x := tensor.New(append([]int{n}, c.input...)...)
				r := rng.New(3)
				for i := range x.Data {
					x.Data[i] = r.Float32()
				}
				base := filepath.Join(dir, fmt.Sprintf("%s-%d", c.name, opset))
				if err := os.WriteFile(base+".in", rawFloats(x.Data), 0o644); err != nil {
					t.Fatal(err)
				}
				shape := fmt.Sprintf("%dx%dx%d", c.input[0], c.input[1], c.input[2])
				cmd := exec.Command("/usr/bin/python3", "../bench/pytorch_export.py", "--spec", spec, "--shape", shape,
					"--opset", fmt.Sprint(opset), "--onnx", base+".onnx", "--inputs", base+".in", "--batch", fmt.Sprint(n),
					"--outputs", base+".out")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("PyTorch: %v\n%s", err, out)
				}
				m, err := ImportFile(base+".onnx", env, ImportOptions{})
				if err != nil {
					t.Fatal(err)
				}
				raw, err := os.ReadFile(base + ".out")
				if err != nil {
					t.Fatal(err)
				}
				want := floats(raw)
				got := m.Net.Forward(x, false).Data
				if len(got) != len(want) {
					t.Fatalf("gocnn gave %d outputs, PyTorch %d", len(got), len(want))
				}
				scale, worst := 0.0, 0.0
				for i := range want {
					scale = max(scale, math.Abs(float64(want[i])))
					worst = max(worst, math.Abs(float64(got[i]-want[i])))
				}
				t.Logf("imported as %q; largest output %.4g, largest difference %.3g (%.2g of it)", m.Spec.String(), scale, worst, worst/scale)
				if worst > 1e-4*scale {
					t.Errorf("gocnn and PyTorch differ by %g, more than 1e-4 of the largest output %g", worst, scale)
				}
			})
		}
	}
}
