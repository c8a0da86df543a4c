package main

import (
	"encoding/json"
	"fmt"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/train"
	"github.com/gocnn/gocnn/trainingdata"
)

// openCheckpoint loads a checkpoint to resume and takes its settings in
// place of the flags, but for an explicit -epochs, which may extend the
// run.
func openCheckpoint(path string, f *trainSettings, epochsSet bool) (*model.Model, *train.Checkpoint, *nn.Env, error) {
	epochs := f.Epochs
	// The checkpoint's settings say how many workers built its model; the
	// model must be rebuilt with the same number to continue identically.
	var saved trainSettings
	peekEnv := nn.NewEnv(0, 1)
	_, ck, err := train.LoadCheckpoint(path, peekEnv)
	peekEnv.Close()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := json.Unmarshal(ck.Config, &saved); err != nil || saved.Data == "" {
		return nil, nil, nil, fmt.Errorf("%s holds no gocnn train settings to resume with", path)
	}
	*f = saved
	if epochsSet {
		f.Epochs = epochs
	}
	env := nn.NewEnv(f.Seed, f.Threads)
	m, ck, err := train.LoadCheckpoint(path, env)
	if err != nil {
		env.Close()
		return nil, nil, nil, err
	}
	return m, ck, env, nil
}

// transferModel builds, in a new environment of the run's seed and
// threads, a model of the network and weights of the model file at path
// for the data's input and classes (see model.Transfer).
func transferModel(path string, input model.Input, classes []string, seed uint64, threads int) (*model.Model, *nn.Env, error) {
	fromEnv := nn.NewEnv(1, 1)
	defer fromEnv.Close()
	from, err := loadModel(path, fromEnv)
	if err != nil {
		return nil, nil, err
	}
	env := nn.NewEnv(seed, threads)
	m, err := model.Transfer(from, input, classes, env)
	if err != nil {
		env.Close()
		return nil, nil, fmt.Errorf("-init-from %s: %w", path, err)
	}
	return m, env, nil
}

// startModel returns the model the run trains, in its environment, and
// normalises the data as the model's input expects. Resuming, m and env
// are the checkpoint's, and the data is normalised as m's inputs were.
// Otherwise the model is -init-from's network and weights, with its
// normalisation, or -model's network new, for the training set's
// normalisation with -normalize, in a new environment. The environment
// returned is the caller's to close, even with an error.
func (f *trainSettings) startModel(sets *trainingdata.Sets, m *model.Model, env *nn.Env) (*model.Model, *nn.Env, *data.Normalization, error) {
	if m == nil && f.InitFrom != "" {
		from, fromEnv, err := transferModel(f.InitFrom, sets.Input(), sets.Train.Classes, f.Seed, f.Threads)
		if err != nil {
			return nil, env, nil, err
		}
		m, env = from, fromEnv
	}
	var norm *data.Normalization
	switch {
	case m != nil && len(m.Input.Mean) > 0:
		norm = &data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}
	case f.Normalize:
		n := data.ComputeNormalization(sets.Train)
		norm = &n
	}
	if norm != nil {
		if err := sets.Normalize(*norm); err != nil {
			return m, env, nil, err
		}
	}
	if m != nil {
		return m, env, norm, nil
	}
	spec, err := model.Resolve(f.Model, len(sets.Train.Classes))
	if err != nil {
		return nil, env, nil, usagef("-model: %v", err)
	}
	env = nn.NewEnv(f.Seed, f.Threads)
	if m, err = model.New(spec, sets.Input(), sets.Train.Classes, env); err != nil {
		return nil, env, nil, fmt.Errorf("model %s: %w", spec, err)
	}
	return m, env, norm, nil
}
