package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/train"
)

// scoreFlags are the flags of the commands that score a saved model on a
// test set: eval and report.
type scoreFlags struct {
	path, name, dataDir string
	limit, threads      int
}

func (s *scoreFlags) register(fs *flagSet) {
	fs.StringVar(&s.path, "model", "", "model file (.safetensors) written by gocnn train")
	fs.StringVar(&s.name, "data", "", "dataset to score on: mnist, fashion-mnist or ham10000 (default: the one the model was trained on)")
	fs.StringVar(&s.dataDir, "data-dir", "", "data folder (default: the one the model was trained from, else $GOCNN_DATA or gocnn in the user's cache folder)")
	fs.IntVar(&s.limit, "limit", 0, "use only the first N test images (0: all)")
	fs.IntVar(&s.threads, "threads", 0, "worker threads (0: one per core)")
}

func (s *scoreFlags) check() error {
	switch {
	case s.path == "":
		return usagef("-model is required")
	case s.limit < 0:
		return usagef("-limit must not be negative, got %d", s.limit)
	case s.threads < 0:
		return usagef("-threads must not be negative, got %d", s.threads)
	}
	return nil
}

// scored is a saved model with its score on a test set.
type scored struct {
	model   *model.Model
	env     *nn.Env // close it when done
	test    *data.Dataset
	dataset string
	eval    *train.Evaluation
}

// score loads the model, the test set it is scored on, and scores it.
func (s *scoreFlags) score(stdout, stderr io.Writer) (*scored, error) {
	env := nn.NewEnv(1, s.threads)
	m, err := model.Load(s.path, env)
	if err != nil {
		env.Close()
		return nil, err
	}
	test, name, err := s.testSet(m, stdout, stderr)
	if err != nil {
		env.Close()
		return nil, err
	}
	ev, err := train.Evaluate(m.Net, test, 256)
	if err != nil {
		env.Close()
		return nil, err
	}
	return &scored{model: m, env: env, test: test, dataset: name, eval: ev}, nil
}

// testSet loads the test set that m is scored on: the named dataset, or
// the one the model was trained on when no -data is given (for HAM10000,
// the test part of the model's own split), restricted to and ordered by
// the model's classes, cut to the first -limit images, and normalised as
// the model's inputs were in training. It also returns the dataset's name.
func (s *scoreFlags) testSet(m *model.Model, stdout, stderr io.Writer) (*data.Dataset, string, error) {
	name := s.name
	if name == "" {
		if name = m.Info["dataset"]; name == "" {
			return nil, "", usagef("the model does not say which dataset it was trained on: give -data")
		}
	}
	var test *data.Dataset
	var err error
	if name == "ham10000" {
		test, err = hamTestSet(m, s.dataDir, stdout)
	} else {
		if _, err := data.Lookup(name); err != nil {
			return nil, "", usagef("-data: %v (or ham10000)", err)
		}
		_, test, err = loadData(name, s.dataDir, stdout, stderr)
	}
	if err != nil {
		return nil, "", err
	}
	if test, err = matchClasses(test, m.Classes); err != nil {
		return nil, "", fmt.Errorf("%s on %s: %w", s.path, name, err)
	}
	test = limit(test, s.limit)
	if len(m.Input.Mean) > 0 {
		norm := data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}
		if err := norm.Apply(test); err != nil {
			return nil, "", err
		}
	}
	if !slices.Equal(test.Shape(), m.Input.Shape) {
		return nil, "", fmt.Errorf("%s expects inputs of shape %v, %s has %v", s.path, m.Input.Shape, name, test.Shape())
	}
	return test, name, nil
}
