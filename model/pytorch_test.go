package model

import (
	"os/exec"
	"path/filepath"
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
