package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/plot"
)

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "eval -model m.safetensors [flags]", stderr)
	path := fs.String("model", "", "model file (.safetensors) written by gocnn train")
	name := fs.String("data", "", "dataset to score on: mnist or fashion-mnist (default: the one the model was trained on)")
	dataDir := addDataDirFlag(fs)
	limitN := fs.Int("limit", 0, "use only the first N test images (0: all)")
	threads := fs.Int("threads", 0, "worker threads (0: one per core)")
	heatmap := fs.String("confusion", "", "also draw the confusion matrix as a heat map to this .png or .svg file")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	if *path == "" {
		return usagef("-model is required")
	}
	if *heatmap != "" {
		if _, err := plot.FormatOf(*heatmap); err != nil {
			return usagef("-confusion: %v", err)
		}
	}
	env := nn.NewEnv(1, *threads)
	defer env.Close()
	m, err := model.Load(*path, env)
	if err != nil {
		return err
	}
	test, dataset, err := testSetFor(m, *path, *name, *dataDir, *limitN, stdout, stderr)
	if err != nil {
		return err
	}
	ev, conf, err := score(m, test)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s on %s test set (%d images)\nloss %.4f  accuracy %.2f%%\n\n", *path, dataset, test.Len(), ev.Loss, 100*ev.Accuracy)
	if err := conf.Format(stdout); err != nil {
		return err
	}
	if *heatmap != "" {
		if err := writeChart(*heatmap, func(w io.Writer, opt plot.Options) error { return plot.ConfusionHeatmap(w, conf, opt) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", *heatmap)
	}
	return nil
}

// matchClasses returns d restricted to, and relabelled in the order of, the
// model's classes (a two-digit model's classes are a subset of MNIST's).
func matchClasses(d *data.Dataset, classes []string) (*data.Dataset, error) {
	if slices.Equal(d.Classes, classes) {
		return d, nil
	}
	idx, err := data.ParseClassList(strings.Join(classes, ","), d.Classes)
	if err != nil {
		return nil, fmt.Errorf("the model's classes %v are not classes of the dataset: %w", classes, err)
	}
	return d.ClassSubset(idx)
}
