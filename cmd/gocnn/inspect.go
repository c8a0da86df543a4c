package main

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/imageprep"
	"github.com/gocnn/gocnn/inspect"
	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/plot"
	"github.com/gocnn/gocnn/predict"
)

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "inspect -model m.safetensors -image x.png -out dir", stderr)
	path := fs.String("model", "", "model file (.safetensors) written by gocnn train")
	imagePath := fs.String("image", "", "PNG, JPEG or GIF image to run the model on")
	outDir := fs.String("out", "", "folder to write the pictures to (made if missing)")
	decodeMB := fs.Int64("max-decode-mb", imageprep.DefaultMaxDecodeBytes>>20, "memory budget for decoding the image, in MiB: a picture whose decoded pixels would take more is refused from its header, before decoding")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	switch {
	case *path == "":
		return usagef("-model is required")
	case *imagePath == "":
		return usagef("-image is required")
	case *outDir == "":
		return usagef("-out is required")
	case *decodeMB < 1 || *decodeMB > maxDecodeMB:
		return usagef("-max-decode-mb must be between 1 and %d, got %d", maxDecodeMB, *decodeMB)
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m, err := loadModel(*path, env)
	if err != nil {
		return err
	}
	img, _, err := imageprep.Decoder{MaxBytes: *decodeMB << 20}.DecodeFile(*imagePath)
	if err != nil {
		return decodeHint(err)
	}
	x, err := predict.Prepare(m, img)
	if err != nil {
		return fmt.Errorf("%s: %w", *imagePath, err)
	}
	acts, err := inspect.Trace(m.Net, x)
	if err != nil {
		return err
	}
	probs := predict.Input(m, x)
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	save := func(name string, write func(w io.Writer) error) error {
		p := filepath.Join(*outDir, name)
		if err := atomicfile.Write(p, write); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
		return nil
	}
	savePNG := func(name string, img image.Image) error {
		return save(name, func(w io.Writer) error { return png.Encode(w, img) })
	}

	h, w := m.Input.Shape[1], m.Input.Shape[2]
	in, err := inspect.InputImage(x, m.Input, inspect.GridOptions{MinTile: 224,
		Title: fmt.Sprintf("The input as the network saw it, %dx%d", w, h)})
	if err != nil {
		return err
	}
	if err := savePNG("input.png", in); err != nil {
		return err
	}
	if i, weight, ok := inspect.FirstConv(m.Net); ok {
		s := weight.Shape
		filters, err := inspect.Filters(weight, inspect.GridOptions{MinTile: 96, Gap: 4,
			Title: fmt.Sprintf("Layer %d %s: %s of %dx%d over %s", i, m.Net.Layers[i].Kind(), counted(s[0], "filter"), s[3], s[2], counted(s[1], "input channel"))})
		if err != nil {
			return err
		}
		if err := savePNG("filters.png", filters); err != nil {
			return err
		}
	}
	for _, a := range acts {
		if !a.IsImage() {
			continue
		}
		s := a.Output.Shape
		maps, err := inspect.FeatureMaps(a.Output, inspect.GridOptions{MinTile: 96,
			Title: fmt.Sprintf("Layer %d %s: %s of %dx%d", a.Index, a.Kind, counted(s[0], "map"), s[2], s[1])})
		if err != nil {
			return fmt.Errorf("layer %d %s: %w", a.Index, a.Kind, err)
		}
		if err := savePNG(fmt.Sprintf("layer%d-%s.png", a.Index, a.Kind), maps); err != nil {
			return err
		}
	}
	err = save("probs.png", func(w io.Writer) error { return plot.Probabilities(w, m.Classes, probs, plot.Options{}) })
	if err != nil {
		return err
	}
	var table strings.Builder
	for _, c := range metrics.TopK(probs, len(probs)) {
		fmt.Fprintf(&table, "%-16s %7.3f%%\n", m.Classes[c], 100*probs[c])
	}
	if err := save("probs.txt", func(w io.Writer) error { _, err := io.WriteString(w, table.String()); return err }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s: class probabilities, most probable first\n%s", *imagePath, table.String())
	return nil
}
