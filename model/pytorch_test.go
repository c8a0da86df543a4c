package model

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/safetensors"
	"github.com/gocnn/gocnn/tensor"
)

// TestAgainstPyTorch saves models, runs a forward and backward pass in
// gocnn, and has bench/pytorch_check.py load the same file into PyTorch
// and compare the logits, the loss and every parameter's gradient. It
// needs Python 3 with PyTorch (Debian's python3-torch) and skips without
// them.
func TestAgainstPyTorch(t *testing.T) {
	python := ""
	for _, candidate := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(candidate, "-c", "import torch, numpy").Run() == nil {
			python = candidate
			break
		}
	}
	if python == "" {
		t.Skip("python3 with torch and numpy not found: install Debian's python3-torch to compare with PyTorch")
	}
	for _, c := range []struct {
		name, spec string
		in         []int
		train      bool
	}{
		{"tiny", "tiny", []int{1, 28, 28}, true},
		{"lenet5", "lenet5", []int{1, 28, 28}, true},
		{"mnist-cnn (eval: dropout off)", "mnist-cnn", []int{1, 28, 28}, false},
		{"batch norm, residual, strides (train)",
			"conv(6,3,pad=1) batchnorm relu residual(conv(6,3,pad=1) batchnorm relu conv(6,3,pad=1) batchnorm) relu " +
				"residual(conv(8,3,stride=2,pad=1) batchnorm) leakyrelu(0.1) avgpool(2) globalavgpool flatten dense(5)", []int{3, 12, 10}, true},
		{"batch norm (eval), tanh, sigmoid, rectangular kernels",
			"conv(4,3x2,stride=2x1,pad=1x2) tanh maxpool(3,stride=2) conv(5,2) batchnorm sigmoid flatten dense(7) batchnorm tanh dense(5)",
			[]int{2, 13, 11}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := c.spec
			if p, err := Preset(spec, 5); err == nil {
				spec = p.String()
			}
			classes := []string{"a", "b", "c", "d", "e"}
			m := newModel(t, spec, Input{Shape: c.in, Prep: PrepResize}, classes, 5)
			r := rng.New(9)
			x := tensor.New(append([]int{6}, c.in...)...)
			r.FillUniform(x.Data, 1)
			// Move batch norm's running statistics off their start.
			m.Net.Forward(x, true)
			dir := t.TempDir()
			modelPath := filepath.Join(dir, "model.safetensors")
			if err := Save(modelPath, m); err != nil {
				t.Fatal(err)
			}
			r.FillUniform(x.Data, 1)
			labels := []int{0, 3, 1, 4, 2, 0}
			var loss nn.SoftmaxCrossEntropy
			logits := m.Net.Forward(x, c.train)
			l := loss.Forward(logits, labels)
			m.Net.Backward(loss.Backward())
			mode := "eval"
			if c.train {
				mode = "train"
			}
			f32 := func(name string, shape []int, data []float32) safetensors.Tensor {
				return safetensors.Tensor{Name: name, DType: safetensors.F32, Shape: shape, Data: data}
			}
			lab := make([]float32, len(labels))
			for i, v := range labels {
				lab[i] = float32(v)
			}
			ts := []safetensors.Tensor{
				f32("input", x.Shape, x.Data),
				f32("labels", []int{len(lab)}, lab),
				f32("logits", logits.Shape, logits.Data),
				f32("loss", []int{1}, []float32{float32(l)}),
			}
			for _, p := range m.Net.Params() {
				if p.Grad != nil {
					ts = append(ts, f32("grad/"+p.Name, p.Grad.Shape, p.Grad.Data))
				}
			}
			casePath := filepath.Join(dir, "case.safetensors")
			if err := safetensors.WriteFile(casePath, ts, map[string]string{"mode": mode}); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(python, "../bench/pytorch_check.py", modelPath, casePath).CombinedOutput()
			if err != nil {
				t.Fatalf("PyTorch disagrees: %v\n%s", err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// TestLoadStateDictFromPyTorch has PyTorch build networks of gocnn's
// specs (bench/gocnn_nets.py), with random weights and batch norm
// statistics, and save their state_dict as safetensors, as
// safetensors.torch.save_file does (int64 batch counts included);
// LoadStateDict must build them with those weights and give PyTorch's
// outputs within 1e-5 of the largest. Tampered files are refused: a
// missing tensor, one of another shape, and a NaN.
func TestLoadStateDictFromPyTorch(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import torch, numpy").Run() != nil {
		t.Skip("python3 with torch and numpy not found: install Debian's python3-torch to load a PyTorch state_dict")
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	dir := t.TempDir()
	for _, c := range []struct {
		name, spec string
		in         []int
	}{
		{"mnist-bn", "conv(8,3,pad=1) batchnorm relu maxpool(2) conv(16,3,pad=1) batchnorm relu maxpool(2) flatten dropout(0.3) dense(32) batchnorm relu dense(10)", []int{1, 28, 28}},
		{"residual", "conv(6,3,pad=1) batchnorm relu residual(conv(6,3,pad=1) batchnorm relu conv(6,3,pad=1) batchnorm) relu " +
			"residual(conv(8,3,stride=2,pad=1) batchnorm) leakyrelu(0.1) avgpool(2) globalavgpool flatten dense(5)", []int{3, 12, 10}},
	} {
		t.Run(c.name, func(t *testing.T) {
			const n = 4
			x := tensor.New(append([]int{n}, c.in...)...)
			r := rng.New(8)
			for i := range x.Data {
				x.Data[i] = r.Float32()
			}
			base := filepath.Join(dir, c.name)
			var raw []byte
			for _, v := range x.Data {
				raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
			}
			if err := os.WriteFile(base+".in", raw, 0o644); err != nil {
				t.Fatal(err)
			}
			shape := fmt.Sprintf("%dx%dx%d", c.in[0], c.in[1], c.in[2])
			out, err := exec.Command("/usr/bin/python3", "../bench/pytorch_export.py", "--spec", c.spec, "--shape", shape,
				"--state-dict", base+".safetensors", "--inputs", base+".in", "--batch", fmt.Sprint(n), "--outputs", base+".out").CombinedOutput()
			if err != nil {
				t.Fatalf("PyTorch: %v\n%s", err, out)
			}
			spec, err := Parse(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			in := Input{Shape: c.in, Prep: PrepResize}
			m, err := LoadStateDict(base+".safetensors", spec, in, nil, env)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(base + ".out")
			if err != nil {
				t.Fatal(err)
			}
			got := m.Net.Forward(x, false).Data
			if len(b) != 4*len(got) {
				t.Fatalf("PyTorch gave %d bytes of outputs for gocnn's %d", len(b), len(got))
			}
			scale, worst := 0.0, 0.0
			for i, g := range got {
				w := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
				scale = max(scale, math.Abs(float64(w)))
				worst = max(worst, math.Abs(float64(g-w)))
			}
			if worst > 1e-5*scale {
				t.Errorf("gocnn and PyTorch differ by %g, more than 1e-5 of the largest output %g", worst, scale)
			}

			// Tampered state dicts are refused with the tensor named.
			f, err := safetensors.ReadFile(base + ".safetensors")
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []struct {
				name   string
				tamper func([]safetensors.Tensor) []safetensors.Tensor
				want   string
			}{
				{"missing", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] }, "missing " + f.Tensors[0].Name},
				{"reshaped", func(ts []safetensors.Tensor) []safetensors.Tensor {
					ts[0].Shape = []int{len(ts[0].Data)}
					return ts
				}, fmt.Sprintf("tensor %q has shape", f.Tensors[0].Name)},
				{"NaN", func(ts []safetensors.Tensor) []safetensors.Tensor {
					for i := range ts {
						if ts[i].DType == safetensors.F32 {
							ts[i].Data[0] = float32(math.NaN())
							break
						}
					}
					return ts
				}, "holds NaN"},
			} {
				g, err := safetensors.ReadFile(base + ".safetensors")
				if err != nil {
					t.Fatal(err)
				}
				path := base + "-" + bad.name + ".safetensors"
				if err := safetensors.WriteFile(path, bad.tamper(g.Tensors), nil); err != nil {
					t.Fatal(err)
				}
				if _, err := LoadStateDict(path, spec, in, nil, env); err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), path) {
					t.Errorf("%s state dict: %v; want an error naming %s and saying %q", bad.name, err, path, bad.want)
				}
			}
		})
	}
}
