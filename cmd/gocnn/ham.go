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
// HAM10000 model was trained with, at the model's input size, from the
// folders named in its info (dataDir, when given, replaces the data
// folder), with their records, and the records of the split's training
// part. It refuses the validation part of a model that trained on it.
func hamScoredSet(m *model.Model, path, dataDir, part string, stdout io.Writer) (*ham10000.Set, []ham10000.Record, error) {
	splitFile := m.Info["split_file"]
	if splitFile == "" {
		return nil, nil, fmt.Errorf("%s does not name the split file it was trained with", path)
	}
	if dataDir == "" {
		dataDir = m.Info["data_dir"]
	}
	opts := ham10000.Options{Dir: dataDir, Height: m.Input.Shape[1], Width: m.Input.Shape[2], Channels: m.Input.Shape[0],
		Log: func(msg string) { fmt.Fprintln(stdout, msg) }}
	if images := m.Info["images"]; images != "" {
		opts.ImageDirs = []string{images}
	}
	set, err := ham10000.Load(opts)
	if err != nil {
		return nil, nil, err
	}
	split, err := ham10000.ReadSplitCSV(splitFile, set.Records)
	if err != nil {
		return nil, nil, err
	}
	trainRecords := set.RecordsAt(split.Train)
	indices, name := split.Test, "ham10000/test"
	if part == "validation" {
		if err := refuseTrainedOn(m, path, trainRecords); err != nil {
			return nil, nil, err
		}
		indices, name = split.Val, "ham10000/val"
	}
	scored := set.Subset(indices)
	scored.Dataset.Name = name
	return scored, trainRecords, nil
}

// refuseTrainedOn returns an error when the HAM10000 model m (read from
// path) was trained on its split's validation part too (-train-val), so
// that scoring that part would say nothing. Its info says so; models saved
// before it did are told by their clinical counts, which then cover more
// images of some class than trainRecords, the training part, holds.
func refuseTrainedOn(m *model.Model, path string, trainRecords []ham10000.Record) error {
	if m.Info["train_val"] == "true" {
		return fmt.Errorf("%s was trained on its split's validation part too (-train-val), so scoring that part says nothing", path)
	}
	text, ok := m.Info["clinical"]
	if !ok {
		return nil // saved before -train-val existed
	}
	c, err := ham10000.ParseClinical(text)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	inTrain := map[string]int{}
	for _, rec := range trainRecords {
		inTrain[rec.DX]++
	}
	for i, class := range c.Classes {
		if c.Total[i] > inTrain[class] {
			return fmt.Errorf("%s was trained on %d images of %s, more than the %d of its split's training part: on its validation part too (-train-val), so scoring that part says nothing",
				path, c.Total[i], class, inTrain[class])
		}
	}
	return nil
}

// modelClinical returns the age, sex and body-site counts that the HAM10000
// model m (read from path) keeps, for its classes; for a model saved
// before models kept them, it counts them on trainRecords, its split's
// training part, which gives the same counts. trainRecords may be nil
// when the model keeps them.
func modelClinical(m *model.Model, path string, trainRecords []ham10000.Record) (*ham10000.Clinical, error) {
	text, ok := m.Info["clinical"]
	if !ok {
		if trainRecords == nil {
			return nil, fmt.Errorf("%s keeps no age, sex and body-site counts (it was trained before gocnn kept them); eval -metadata counts them on its split", path)
		}
		c, err := ham10000.FitClinical(trainRecords, m.Classes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return c, nil
	}
	c, err := ham10000.ParseClinical(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !slices.Equal(c.Classes, m.Classes) {
		return nil, fmt.Errorf("%s: its clinical counts are for the classes %v, the model's are %v", path, c.Classes, m.Classes)
	}
	return c, nil
}

// hamInfo is what a HAM10000 model remembers of its data, so that eval
// and report can find its test images again, and the age, sex and body
// site of each of its classes in training (ham10000.Clinical), so that
// predict -metadata and eval -metadata can weigh them.
func (f *trainSettings) hamInfo(info map[string]string, classes []string) error {
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	info["data_dir"] = abs(f.hamDir())
	info["split_file"] = abs(f.Ham.SplitFile)
	if f.Ham.TrainVal {
		info["train_val"] = "true"
	}
	if f.Ham.Images != "" {
		info["images"] = abs(f.Ham.Images)
	}
	clinical, err := ham10000.FitClinical(f.Ham.trainRecords, classes)
	if err != nil {
		return err
	}
	info["clinical"] = clinical.Text()
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
