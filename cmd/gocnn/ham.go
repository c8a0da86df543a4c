package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/rng"
)

// hamFlags are the settings that only HAM10000 uses.
type hamFlags struct {
	Images    string `json:"images,omitempty"`
	Size      string `json:"size,omitempty"`
	Split     string `json:"split,omitempty"`
	SplitFile string `json:"split_file,omitempty"`
	TrainVal  bool   `json:"train_val,omitempty"`

	trainRecords []ham10000.Record // the metadata of the training part, once loaded
}

func (h *hamFlags) register(fs *flagSet) {
	fs.StringVar(&h.Images, "images", "", "HAM10000: folder holding the ISIC_*.jpg images (default: searched under -data-dir)")
	fs.StringVar(&h.Size, "size", "64x64", "HAM10000: image size, HEIGHTxWIDTH (the images are 4:3; 75x100 keeps the shape)")
	fs.StringVar(&h.Split, "split", "grouped", "HAM10000: grouped (by lesion, 70/15/15) or image (leaky: a lesion's images may land in two parts)")
	fs.BoolVar(&h.TrainVal, "train-val", false, "HAM10000: train on the training and validation parts together, for a final run of a recipe already fixed (nothing is left to pick an epoch with: the model file keeps the last; the test part is scored once, at the end)")
	fs.StringVar(&h.SplitFile, "split-file", "", "HAM10000: read the split from this CSV instead of drawing one (default: write it beside the model)")
}

// size parses -size.
func (h *hamFlags) size() (height, width int, err error) {
	a, b, ok := strings.Cut(h.Size, "x")
	height, err1 := strconv.Atoi(a)
	width, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || height < 8 || width < 8 || height > 600 || width > 600 {
		return 0, 0, usagef("-size %q: want HEIGHTxWIDTH between 8 and 600, such as 64x64", h.Size)
	}
	return height, width, nil
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

// hamInfo records in a model's info where its HAM10000 pictures and split
// came from and the clinical counts of its training part.
func (f *trainSettings) hamInfo(info map[string]string, classes []string) error {
	clinical, err := ham10000.FitClinical(f.Ham.trainRecords, classes)
	if err != nil {
		return err
	}
	ham10000.Provenance{DataDir: f.hamDir(), Images: f.Ham.Images, SplitFile: f.Ham.SplitFile,
		TrainVal: f.Ham.TrainVal, Clinical: clinical}.WriteInfo(info)
	return nil
}

// hamDir is the folder holding HAM10000's metadata.
func (f *trainSettings) hamDir() string {
	if f.DataDir != "" {
		return f.DataDir
	}
	if d, err := data.DefaultDir(); err == nil {
		return filepath.Join(d, "ham10000")
	}
	return "ham10000"
}

// loadHAM loads HAM10000 resized, split into training, validation and
// test parts by lesion (or by image, flagged as leaky), and writes the
// split to a CSV beside the model so that the run can be reproduced.
func (f *trainSettings) loadHAM(stdout io.Writer) (trainSet, valSet, testSet *data.Dataset, err error) {
	h := &f.Ham
	height, width, err := h.size()
	if err != nil {
		return nil, nil, nil, err
	}
	opts := ham10000.Options{Dir: f.hamDir(), Height: height, Width: width, Channels: 3,
		Log: func(msg string) { fmt.Fprintln(stdout, msg) }}
	if h.Images != "" {
		opts.ImageDirs = []string{h.Images}
	}
	set, err := ham10000.Load(opts)
	if err != nil {
		return nil, nil, nil, err
	}
	var split ham10000.Split
	switch {
	case h.SplitFile != "":
		if split, err = ham10000.ReadSplitCSV(h.SplitFile, set.Records); err != nil {
			return nil, nil, nil, err
		}
	case h.Split == "grouped":
		split, err = ham10000.GroupedSplit(set.Records, ham10000.Fractions{Train: 0.7, Val: 0.15, Test: 0.15}, rng.New(f.Seed+3))
	case h.Split == "image":
		split, err = ham10000.LeakyImageSplit(set.Records, ham10000.Fractions{Train: 0.7, Val: 0.15, Test: 0.15}, rng.New(f.Seed+3))
	default:
		return nil, nil, nil, usagef("-split %q: want grouped or image", h.Split)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if h.SplitFile == "" {
		h.SplitFile = strings.TrimSuffix(f.Out, filepath.Ext(f.Out)) + ".split.csv"
		if err := ham10000.WriteSplitCSV(h.SplitFile, set.Records, split); err != nil {
			return nil, nil, nil, err
		}
	}
	if split.Leaky {
		fmt.Fprintf(stdout, "WARNING: the split is by image, not by lesion: %d lesions have images in more than one part, so test scores are inflated; use it only to compare with figures split that way\n",
			len(split.SharedLesions(set.Records)))
	}
	fmt.Fprintf(stdout, "split  %s (%s): %d train, %d validation, %d test images\n", h.SplitFile, h.Split, len(split.Train), len(split.Val), len(split.Test))
	train := split.Train
	if h.TrainVal {
		train = append(slices.Clone(split.Train), split.Val...)
		fmt.Fprintf(stdout, "       training on the train and validation parts together (-train-val): %d images\n", len(train))
	}
	h.trainRecords = set.RecordsAt(train)
	d := set.Dataset
	trainSet, testSet = d.Subset(train), d.Subset(split.Test)
	trainSet.Name, testSet.Name = "ham10000/train", "ham10000/test"
	if !h.TrainVal {
		valSet = d.Subset(split.Val)
		valSet.Name = "ham10000/val"
	}
	return trainSet, valSet, testSet, nil
}
