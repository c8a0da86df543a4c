package main

import (
	"fmt"
	"io"

	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/model"
)

// hamFlags are the settings that only HAM10000 uses.
type hamFlags struct {
	Images    string `json:"images,omitempty"`
	Size      string `json:"size,omitempty"`
	Split     string `json:"split,omitempty"`
	SplitFile string `json:"split_file,omitempty"`
	TrainVal  bool   `json:"train_val,omitempty"`
}

func (h *hamFlags) register(fs *flagSet) {
	fs.StringVar(&h.Images, "images", "", "HAM10000: folder holding the ISIC_*.jpg images (default: searched under -data-dir)")
	fs.StringVar(&h.Size, "size", "64x64", "HAM10000: image size, HEIGHTxWIDTH (the images are 4:3; 75x100 keeps the shape)")
	fs.StringVar(&h.Split, "split", "grouped", "HAM10000: grouped (by lesion, 70/15/15) or image (leaky: a lesion's images may land in two parts)")
	fs.BoolVar(&h.TrainVal, "train-val", false, "HAM10000: train on the training and validation parts together, for a final run of a recipe already fixed (nothing is left to pick an epoch with: the model file keeps the last; the test part is scored once, at the end)")
	fs.StringVar(&h.SplitFile, "split-file", "", "HAM10000: read the split from this CSV instead of drawing one (default: write it beside the model)")
}

// hamScoredSet loads the part (test or validation) of the split a
// HAM10000 model (read from path) was trained with, at the model's input
// size, with its records and those of the split's training part (see
// ham10000.Provenance.Scored); dataDir, when given, replaces the data
// folder its info names.
func hamScoredSet(m *model.Model, path, dataDir, part string, stdout io.Writer) (*ham10000.Set, []ham10000.Record, error) {
	p, err := ham10000.ReadProvenance(m.Info)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	set, train, err := p.Scored(part, dataDir, m.Input.Shape[0], m.Input.Shape[1], m.Input.Shape[2],
		func(msg string) { fmt.Fprintln(stdout, msg) })
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return set, train, nil
}

// modelClinical returns the age, sex and body-site counts the HAM10000
// model m (read from path) weighs its predictions with (see
// ham10000.Provenance.ClinicalFor).
func modelClinical(m *model.Model, path string, trainRecords []ham10000.Record) (*ham10000.Clinical, error) {
	p, err := ham10000.ReadProvenance(m.Info)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c, err := p.ClinicalFor(m.Classes, trainRecords)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
