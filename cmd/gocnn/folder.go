package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/imagefolder"
	"github.com/gocnn/gocnn/model"
)

// isFolder reports whether a -data value names a folder of pictures
// rather than a built-in dataset.
func isFolder(name string) bool {
	if name == "ham10000" {
		return false
	}
	if _, err := data.Lookup(name); err == nil {
		return false
	}
	st, err := os.Stat(name)
	return err == nil && st.IsDir()
}

// folderName is what a picture folder is called in file names: its own
// name ("flowers" for ../pictures/flowers/).
func folderName(dir string) string {
	return filepath.Base(filepath.Clean(dir))
}

// loadFolder loads the picture folder -data names and returns its
// training, validation (nil with -train-val) and test parts.
func (f *trainSettings) loadFolder(stdout, stderr io.Writer, sizeGiven bool) (trainSet, valSet, testSet *data.Dataset, err error) {
	if f.Ham.SplitFile != "" {
		// A split file named but missing is a mistake, not a reason to
		// draw a new split silently.
		if _, err := os.Stat(f.Ham.SplitFile); err != nil {
			return nil, nil, nil, fmt.Errorf("-split-file: %w", err)
		}
	}
	bar := newDecodeBar(stderr)
	defer bar.finish()
	opts := imagefolder.Options{Dir: f.Data, Channels: f.Channels, Seed: f.Seed + 3, SplitFile: f.Ham.SplitFile,
		Log: func(msg string) { bar.finish(); fmt.Fprintln(stdout, msg) }, Progress: bar.update}
	switch {
	case f.FolderSize != "": // resuming: the size the run started with
		if _, err := fmt.Sscanf(f.FolderSize, "%dx%d", &opts.Height, &opts.Width); err != nil {
			return nil, nil, nil, fmt.Errorf("the checkpoint's folder size %q: %v", f.FolderSize, err)
		}
	case sizeGiven:
		if opts.Height, opts.Width, err = f.Ham.size(); err != nil {
			return nil, nil, nil, err
		}
	}
	set, err := imagefolder.Load(opts)
	if err != nil {
		return nil, nil, nil, err
	}
	f.Channels, f.FolderSize = set.Shape[0], fmt.Sprintf("%dx%d", set.Shape[1], set.Shape[2])
	reportSkipped(stdout, set.Skipped)
	if set.Split == "drawn" {
		f.Ham.SplitFile = strings.TrimSuffix(f.Out, filepath.Ext(f.Out)) + ".split.csv"
		if err := set.WriteSplit(f.Ham.SplitFile); err != nil {
			return nil, nil, nil, err
		}
	}
	f.folderShape = set.Shape
	trainSet, valSet, testSet = set.Parts[imagefolder.Train], set.Parts[imagefolder.Validation], set.Parts[imagefolder.Test]
	where := f.Ham.SplitFile
	if set.Split == "folders" {
		where = "its train/ and test/ folders"
	}
	fmt.Fprintf(stdout, "split  %s (%s): %d train, %d validation, %d test pictures\n", where, set.Split, trainSet.Len(), lenOf(valSet), testSet.Len())
	if f.Ham.TrainVal && valSet != nil {
		trainSet, valSet = set.Part(imagefolder.Train, imagefolder.Validation), nil
		fmt.Fprintf(stdout, "       training on the train and validation parts together (-train-val): %d pictures\n", trainSet.Len())
	}
	return trainSet, valSet, testSet, nil
}

func lenOf(d *data.Dataset) int {
	if d == nil {
		return 0
	}
	return d.Len()
}

// reportSkipped lists the files of a folder left out, the first ten in
// full.
func reportSkipped(w io.Writer, skipped []imagefolder.Skip) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintf(w, "skipped %s that cannot be read:\n", counted(len(skipped), "file"))
	for i, s := range skipped {
		if i == 10 {
			fmt.Fprintf(w, "       ... and %d more\n", len(skipped)-10)
			break
		}
		fmt.Fprintf(w, "       %s: %s\n", s.Path, s.Reason)
	}
}

// folderInfo records in a model's info where its pictures came from, so
// that eval can load them again as they were.
func (f *trainSettings) folderInfo(info map[string]string) {
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	info["dataset"] = "folder"
	info["data_dir"] = abs(f.Data)
	if f.Ham.SplitFile != "" {
		info["split_file"] = abs(f.Ham.SplitFile)
	}
	if f.Ham.TrainVal {
		info["train_val"] = "true"
	}
	info["channels"] = strconv.Itoa(f.folderShape[0])
}

// folderScoredSet loads the part (test or validation) of the picture
// folder a model was trained on (its info's), or of the folder dir when
// it is not "", at the model's input size.
func folderScoredSet(m *model.Model, path, dir, part string, stdout io.Writer) (*data.Dataset, error) {
	opts := imagefolder.Options{Dir: dir, Seed: 4, Log: func(msg string) { fmt.Fprintln(stdout, msg) }}
	if dir == "" {
		opts.Dir = m.Info["data_dir"]
		opts.SplitFile = m.Info["split_file"]
		if opts.Dir == "" {
			return nil, fmt.Errorf("%s does not say which folder it was trained on: give -data", path)
		}
		if part == "validation" && m.Info["train_val"] == "true" {
			return nil, fmt.Errorf("%s was trained on its folder's validation part too (-train-val), so scoring that part says nothing", path)
		}
	}
	opts.Channels, opts.Height, opts.Width = m.Input.Shape[0], m.Input.Shape[1], m.Input.Shape[2]
	set, err := imagefolder.Load(opts)
	if err != nil {
		return nil, err
	}
	reportSkipped(stdout, set.Skipped)
	name := imagefolder.Test
	if part == "validation" {
		name = imagefolder.Validation
	}
	d := set.Parts[name]
	if d == nil {
		return nil, fmt.Errorf("%s has no %s part", opts.Dir, part)
	}
	return d, nil
}

// decodeBar shows the decoding of a folder's pictures on stderr when it
// is a terminal.
type decodeBar struct {
	w   io.Writer
	on  bool
	bar *progressbar.ProgressBar
}

// decodeBarColumns is the width the decoding bar's line needs: its
// description, the bar and the counts. On a narrower terminal it would
// wrap, and each redraw start a new line, so none is drawn.
const decodeBarColumns = 64

func newDecodeBar(stderr io.Writer) *decodeBar {
	cols, on := terminalWidth(stderr)
	return &decodeBar{w: stderr, on: on && cols >= decodeBarColumns}
}

func (b *decodeBar) update(done, total int) {
	if !b.on {
		return
	}
	if b.bar == nil {
		b.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription("decoding pictures"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetWidth(20),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	b.bar.Set(done)
}

func (b *decodeBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}
