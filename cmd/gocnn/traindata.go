package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/gocnn/gocnn/trainingdata"
)

// dataOptions are the options of the data the flags name, without the
// file a drawn split is written to, which depends on -out.
func (f *trainSettings) dataOptions() (trainingdata.Options, error) {
	o := trainingdata.Options{Name: f.Data, Dir: f.DataDir, Seed: f.Seed, Channels: f.Channels,
		Images: f.Ham.Images, Split: f.Ham.Split, SplitFile: f.Ham.SplitFile, TrainVal: f.Ham.TrainVal,
		Classes: f.Classes, TrainLimit: f.TrainLimit, TestLimit: f.TestLimit, Validation: f.Val}
	var err error
	switch {
	case f.FolderSize != "": // resuming: the size the run started with
		if _, err := fmt.Sscanf(f.FolderSize, "%dx%d", &o.Height, &o.Width); err != nil {
			return o, fmt.Errorf("the checkpoint's folder size %q: %v", f.FolderSize, err)
		}
	case f.Data == trainingdata.HAM10000 || f.sizeGiven:
		if o.Height, o.Width, err = trainingdata.ParseSize(f.Ham.Size); err != nil {
			return o, optionUsage(err)
		}
	}
	return o, optionUsage(o.Check())
}

// loadData loads the data o describes with the fetching and decoding
// shown as "gocnn data fetch" shows them, prints how it is split, and
// keeps the classes and examples the flags ask for. It notes in f the
// split file written and a folder's channels and size, for -resume.
func (f *trainSettings) loadData(o trainingdata.Options, stdout, stderr io.Writer) (*trainingdata.Sets, error) {
	ctx := context.Background()
	if !trainingdata.ComesSplit(o.Name) { // a download may be stopped
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
	}
	view, bar := newFetchView(stdout, stderr), newDecodeBar(stderr)
	o.Log = func(msg string) { view.end(); bar.finish(); fmt.Fprintln(stdout, msg) }
	o.FetchProgress, o.Progress = view.progress, bar.update
	sets, err := trainingdata.LoadParts(ctx, o)
	view.end()
	bar.finish()
	if err != nil {
		return nil, optionUsage(err)
	}
	if trainingdata.ComesSplit(o.Name) {
		f.Ham.SplitFile = sets.SplitFile
		printSplit(stdout, sets, f.Ham.Split)
	}
	if trainingdata.IsFolder(o.Name) {
		shape := sets.Train.Shape()
		f.Channels, f.FolderSize = shape[0], fmt.Sprintf("%dx%d", shape[1], shape[2])
	}
	if err := sets.Select(); err != nil {
		return nil, optionUsage(err)
	}
	return sets, nil
}

// printSplit says where the parts of HAM10000 (split as -split says) or
// of a folder came from, and how many images each holds.
func printSplit(w io.Writer, sets *trainingdata.Sets, hamSplit string) {
	n := sets.PartSizes
	if sets.Options.Name == trainingdata.HAM10000 {
		if sets.Leaky {
			fmt.Fprintf(w, "WARNING: the split is by image, not by lesion: %d lesions have images in more than one part, so test scores are inflated; use it only to compare with figures split that way\n",
				len(sets.SharedLesions))
		}
		fmt.Fprintf(w, "split  %s (%s): %d train, %d validation, %d test images\n", sets.SplitFile, hamSplit, n[0], n[1], n[2])
		if sets.Joined {
			fmt.Fprintf(w, "       training on the train and validation parts together (-train-val): %d images\n", sets.Train.Len())
		}
		return
	}
	reportSkipped(w, sets.Skipped)
	where := sets.SplitFile
	if sets.Split == "folders" {
		where = "its train/ and test/ folders"
	}
	fmt.Fprintf(w, "split  %s (%s): %d train, %d validation, %d test pictures\n", where, sets.Split, n[0], n[1], n[2])
	if sets.Joined {
		fmt.Fprintf(w, "       training on the train and validation parts together (-train-val): %d pictures\n", sets.Train.Len())
	}
}
