package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/train"
)

// testSetFor loads the test set that model m (read from modelPath) is
// scored on: the named dataset, or the one the model was trained on when
// name is "", restricted to and ordered by the model's classes, cut to
// the first limitN images (0: all), and normalised as the model's inputs
// were in training. It also returns the dataset's name.
func testSetFor(m *model.Model, modelPath, name, dataDir string, limitN int, stdout, stderr io.Writer) (*data.Dataset, string, error) {
	if name == "" {
		name = m.Info["dataset"]
		if name == "" {
			return nil, "", usagef("the model does not say which dataset it was trained on: give -data")
		}
	}
	if _, err := data.Lookup(name); err != nil {
		return nil, "", usagef("-data: %v", err)
	}
	_, test, err := loadData(name, dataDir, stdout, stderr)
	if err != nil {
		return nil, "", err
	}
	test, err = matchClasses(test, m.Classes)
	if err != nil {
		return nil, "", fmt.Errorf("%s on %s: %w", modelPath, name, err)
	}
	test = limit(test, limitN)
	if len(m.Input.Mean) > 0 {
		norm := data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}
		if err := norm.Apply(test); err != nil {
			return nil, "", err
		}
	}
	if !slices.Equal(test.Shape(), m.Input.Shape) {
		return nil, "", fmt.Errorf("%s expects inputs of shape %v, %s has %v", modelPath, m.Input.Shape, name, test.Shape())
	}
	return test, name, nil
}

// score evaluates m on test and counts its answers in a confusion matrix.
func score(m *model.Model, test *data.Dataset) (*train.Evaluation, *metrics.Confusion, error) {
	ev, err := train.Evaluate(m.Net, test, 256)
	if err != nil {
		return nil, nil, err
	}
	conf := metrics.NewConfusion(m.Classes)
	for i, p := range ev.Predicted {
		if err := conf.Add(test.Labels[i], p); err != nil {
			return nil, nil, err
		}
	}
	return ev, conf, nil
}
