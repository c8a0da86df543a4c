package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
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
	m, err := loadModel(*path, env)
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

func runImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "import [flags] model.onnx | import -spec SPEC -input CxHxW [flags] state_dict.safetensors", stderr)
	out := fs.String("out", "", "model file to write (default: the input file with .safetensors, or -gocnn.safetensors for a state_dict)")
	specFlag := fs.String("spec", "", "for a PyTorch state_dict saved as safetensors: the network's spec, a preset or a spec file")
	inputFlag := fs.String("input", "", "for a state_dict: the shape of one input, CxHxW")
	classes := fs.String("classes", "", "class names, one per output, comma-separated (default: the file's, else 0, 1, ...)")
	prep := fs.String("prep", "", `how a picture becomes the input: "mnist" (digits, as MNIST was made) or "resize" (default: the file's, else resize)`)
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("name one ONNX file to import")
	}
	if *prep != "" && *prep != model.PrepMNIST && *prep != model.PrepResize {
		return usagef("-prep %q: want %q or %q", *prep, model.PrepMNIST, model.PrepResize)
	}
	opt := onnx.ImportOptions{Prep: *prep}
	if *classes != "" {
		opt.Classes = strings.Split(*classes, ",")
	}
	path := files[0]
	isONNX := strings.EqualFold(filepath.Ext(path), ".onnx")
	switch {
	case isONNX && (*specFlag != "" || *inputFlag != ""):
		return usagef("-spec and -input are for a state_dict; an ONNX file holds its network")
	case !isONNX && (*specFlag == "" || *inputFlag == ""):
		return usagef("%s is not a .onnx file: a PyTorch state_dict saved as safetensors needs -spec and -input", path)
	}
	if *out == "" {
		*out = strings.TrimSuffix(path, ".onnx") + ".safetensors"
		if !isONNX {
			*out = strings.TrimSuffix(path, ".safetensors") + "-gocnn.safetensors"
		}
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	var m *model.Model
	if isONNX {
		m, err = onnx.ImportFile(path, env, opt)
	} else {
		m, err = importStateDict(path, *specFlag, *inputFlag, opt, env)
	}
	if err != nil {
		return err
	}
	if err := model.Save(*out, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n       input %s; %s %v\n", *out, m.Spec, m.Input, counted(len(m.Classes), "class"), m.Classes)
	return nil
}

// loadModel loads a model file: a gocnn .safetensors file, or an ONNX
// file (.onnx), imported with the defaults of gocnn import.
func loadModel(path string, env *nn.Env) (*model.Model, error) {
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		return onnx.ImportFile(path, env, onnx.ImportOptions{})
	}
	return model.Load(path, env)
}

// importStateDict builds the network of spec for one input of shape
// (CxHxW) with the weights of a state_dict file.
func importStateDict(path, spec, shape string, opt onnx.ImportOptions, env *nn.Env) (*model.Model, error) {
	in, err := parseShape(shape)
	if err != nil {
		return nil, usagef("-input: %v", err)
	}
	if len(in) != 3 {
		return nil, usagef("-input %s: want CxHxW", shape)
	}
	classes := 10 // a preset's outputs, unless -classes says otherwise
	if opt.Classes != nil {
		classes = len(opt.Classes)
	}
	s, err := model.Resolve(spec, classes)
	if err != nil {
		return nil, usagef("-spec: %v", err)
	}
	input := model.Input{Shape: in, Prep: opt.Prep}
	if input.Prep == "" {
		input.Prep = model.PrepResize
	}
	return model.LoadStateDict(path, s, input, opt.Classes, env)
}
