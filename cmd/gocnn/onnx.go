package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gocnn/gocnn/internal/atomicfile"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/onnx"
)

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "export -model m.safetensors [-out m.onnx]", stderr)
	path := fs.String("model", "", "model file (.safetensors) written by gocnn train")
	out := fs.String("out", "", "ONNX file to write (default: the model file with .onnx)")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	if *path == "" {
		return usagef("-model is required")
	}
	if *out == "" {
		*out = strings.TrimSuffix(*path, ".safetensors") + ".onnx"
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m, err := model.Load(*path, env)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { return onnx.Export(w, m, version) }); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	s := m.Input.Shape
	fmt.Fprintf(stdout, "wrote %s: ONNX opset %d, input %q [batch %d %d %d] of pixels in [0, 1]%s, output %q [batch %d]\n",
		*out, onnx.Opset, onnx.InputName, s[0], s[1], s[2], normalisedText(m.Input), onnx.OutputName, len(m.Classes))
	return nil
}

// normalisedText says whether the exported graph normalises its input.
func normalisedText(in model.Input) string {
	if len(in.Mean) > 0 {
		return " (the graph normalises them)"
	}
	return ""
}
