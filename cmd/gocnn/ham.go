package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/rng"
)

// hamFlags are the settings that only HAM10000 uses.
type hamFlags struct {
	Images    string `json:"images,omitempty"`
	Size      string `json:"size,omitempty"`
	Split     string `json:"split,omitempty"`
	SplitFile string `json:"split_file,omitempty"`
}

func (h *hamFlags) register(fs *flagSet) {
	fs.StringVar(&h.Images, "images", "", "HAM10000: folder holding the ISIC_*.jpg images (default: searched under -data-dir)")
	fs.StringVar(&h.Size, "size", "64x64", "HAM10000: image size, HEIGHTxWIDTH (the images are 4:3; 75x100 keeps the shape)")
	fs.StringVar(&h.Split, "split", "grouped", "HAM10000: grouped (by lesion, 70/15/15) or image (leaky: a lesion's images may land in two parts)")
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

// loadHAM loads HAM10000 resized, split into training, validation and
// test parts by lesion (or by image, flagged as leaky), and writes the
// split to a CSV beside the model so that the run can be reproduced.
func (f *trainSettings) loadHAM(stdout io.Writer) (trainSet, valSet, testSet *data.Dataset, err error) {
	h := &f.Ham
	height, width, err := h.size()
	if err != nil {
		return nil, nil, nil, err
	}
	dir := f.DataDir
	if dir == "" {
		d, err := data.DefaultDir()
		if err != nil {
			return nil, nil, nil, err
		}
		dir = filepath.Join(d, "ham10000")
	}
	opts := ham10000.Options{Dir: dir, Height: height, Width: width, Channels: 3,
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
	d := set.Dataset
	trainSet, valSet, testSet = d.Subset(split.Train), d.Subset(split.Val), d.Subset(split.Test)
	trainSet.Name, valSet.Name, testSet.Name = "ham10000/train", "ham10000/val", "ham10000/test"
	return trainSet, valSet, testSet, nil
}
