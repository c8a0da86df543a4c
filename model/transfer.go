package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/nn"
)

// Transfer builds in env a model of from's network with from's weights,
// for new data: the start of a fine-tuning run (gocnn train -init-from).
// The new model takes inputs of in's shape prepared as in.Prep says, and
// names its outputs classes. It keeps from's input normalisation, in
// place of in's Mean and Std, since from's weights were trained on inputs
// normalised so; a caller normalises the new data with it.
//
// The network is from's, so the data must fit it: in.Shape must be
// from's input shape and classes as many as from's. The class names may
// differ (fine-tuning digits into letters, say); the weights are copied,
// so from may be closed once Transfer returns.
func Transfer(from *Model, in Input, classes []string, env *nn.Env) (*Model, error) {
	if !slices.Equal(from.Input.Shape, in.Shape) {
		return nil, fmt.Errorf("the model takes inputs of %s, the data is %s", shapeText(from.Input.Shape), shapeText(in.Shape))
	}
	if len(from.Classes) != len(classes) {
		noun := "classes"
		if len(from.Classes) == 1 {
			noun = "class"
		}
		return nil, fmt.Errorf("the model has %d %s, the data %d", len(from.Classes), noun, len(classes))
	}
	in.Mean, in.Std = from.Input.Mean, from.Input.Std
	m, err := New(from.Spec, in, classes, env)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", from.Spec, err)
	}
	if err := CopyParams(m.Net, from.Net); err != nil {
		return nil, fmt.Errorf("model %s: %w", from.Spec, err)
	}
	return m, nil
}

// CopyParams copies the values of src's parameters, running statistics
// included, into dst's, a network of the same spec: as many parameters,
// each of as many values.
func CopyParams(dst, src *nn.Sequential) error {
	to, from := dst.Params(), src.Params()
	if len(to) != len(from) {
		return fmt.Errorf("%d parameters to copy into %d", len(from), len(to))
	}
	for i, p := range to {
		if p.Value.Len() != from[i].Value.Len() {
			return fmt.Errorf("parameter %s has %d values, its copy %d", from[i].Name, from[i].Value.Len(), p.Value.Len())
		}
		copy(p.Value.Data, from[i].Value.Data)
	}
	return nil
}

// shapeText writes an example's shape as people and command lines write
// it: 3x64x64.
func shapeText(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}
