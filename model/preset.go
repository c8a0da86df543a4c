package model

import (
	"fmt"
	"strings"
)

// preset is a named spec; its text has %d where the number of classes
// goes.
type preset struct{ name, text, doc string }

// presets lists the ready-made models, smallest first.
func presets() []preset {
	return []preset{
		{"mlp", "flatten dense(128) relu dense(%d)",
			"a multi-layer perceptron: one hidden layer of 128 units, no convolution"},
		{"tiny", "conv(8,3) relu maxpool(2) flatten dense(%d)",
			"one convolution of 8 filters, the size of the original from-scratch network"},
		{"lenet5", "conv(6,5,pad=2) relu maxpool(2) conv(16,5) relu maxpool(2) flatten dense(120) relu dense(84) relu dense(%d)",
			"LeCun et al.'s LeNet-5 (1998), with ReLU and max-pooling"},
		{"mnist-cnn", "conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten dense(128) relu dropout(0.5) dense(%d)",
			"the Keras MNIST example: two convolutions, dropout, a hidden layer of 128"},
	}
}

// PresetNames returns the names of the preset models, smallest first:
// mlp, tiny, lenet5, mnist-cnn.
func PresetNames() []string {
	var names []string
	for _, p := range presets() {
		names = append(names, p.name)
	}
	return names
}

// PresetDoc returns a one-line description of the named preset, or "" if
// there is none by that name.
func PresetDoc(name string) string {
	for _, p := range presets() {
		if p.name == name {
			return p.doc
		}
	}
	return ""
}

// Preset returns the spec of a preset model whose last layer has one
// output per class:
//
//	mlp        flatten dense(128) relu dense(classes)
//	tiny       conv(8,3) relu maxpool(2) flatten dense(classes)
//	lenet5     conv(6,5,pad=2) relu maxpool(2) conv(16,5) relu maxpool(2) flatten
//	           dense(120) relu dense(84) relu dense(classes)
//	mnist-cnn  conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten
//	           dense(128) relu dropout(0.5) dense(classes)
//
// None ends in softmax: they output scores, to be trained with a
// softmax cross-entropy loss.
func Preset(name string, classes int) (*Spec, error) {
	if classes < 1 || classes > MaxSize {
		return nil, fmt.Errorf("preset %s: the number of classes must be between 1 and %d, got %d", name, MaxSize, classes)
	}
	for _, p := range presets() {
		if p.name == name {
			return Parse(fmt.Sprintf(p.text, classes))
		}
	}
	return nil, fmt.Errorf("unknown preset model %q (want one of %s)", name, strings.Join(PresetNames(), ", "))
}
