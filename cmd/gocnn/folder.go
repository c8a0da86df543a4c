package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/imagefolder"
	"github.com/gocnn/gocnn/model"
)

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
