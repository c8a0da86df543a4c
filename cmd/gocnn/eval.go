package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/train"
)

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "eval -model m.safetensors [flags]", stderr)
	path := fs.String("model", "", "model file (.safetensors) written by gocnn train")
	name := fs.String("data", "", "dataset to score on: mnist or fashion-mnist (default: the one the model was trained on)")
	dataDir := addDataDirFlag(fs)
	limitN := fs.Int("limit", 0, "use only the first N test images (0: all)")
	threads := fs.Int("threads", 0, "worker threads (0: one per core)")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	if *path == "" {
		return usagef("-model is required")
	}
	env := nn.NewEnv(1, *threads)
	defer env.Close()
	m, err := model.Load(*path, env)
	if err != nil {
		return err
	}
	if *name == "" {
		*name = m.Info["dataset"]
		if *name == "" {
			return usagef("the model does not say which dataset it was trained on: give -data")
		}
	}
	if _, err := data.Lookup(*name); err != nil {
		return usagef("-data: %v", err)
	}
	_, test, err := loadData(*name, *dataDir, stdout, stderr)
	if err != nil {
		return err
	}
	test, err = matchClasses(test, m.Classes)
	if err != nil {
		return fmt.Errorf("%s on %s: %w", *path, *name, err)
	}
	test = limit(test, *limitN)
	if len(m.Input.Mean) > 0 {
		norm := data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}
		if err := norm.Apply(test); err != nil {
			return err
		}
	}
	if !slices.Equal(test.Shape(), m.Input.Shape) {
		return fmt.Errorf("%s expects inputs of shape %v, %s has %v", *path, m.Input.Shape, *name, test.Shape())
	}
	ev, err := train.Evaluate(m.Net, test, 256)
	if err != nil {
		return err
	}
	conf := metrics.NewConfusion(m.Classes)
	for i, p := range ev.Predicted {
		if err := conf.Add(test.Labels[i], p); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s on %s test set (%d images)\nloss %.4f  accuracy %.2f%%\n\n", *path, *name, test.Len(), ev.Loss, 100*ev.Accuracy)
	return conf.Format(stdout)
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
