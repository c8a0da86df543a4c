package main

import (
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/gocnn/gocnn/train"
)

// trainBar is the per-epoch progress bar, drawn on stderr when it is a
// terminal, in one line that fits the terminal's width.
type trainBar struct {
	w    io.Writer
	on   bool
	cols func() int // the terminal's width in columns
	bar  *progressbar.ProgressBar
	form barLayout
}

// terminalWidth reports whether w is a terminal, and its width in
// columns (80 when it cannot say): where the progress bars may draw.
func terminalWidth(w io.Writer) (cols int, ok bool) {
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		return cols, true
	}
	return 80, true
}

func newTrainBar(stderr io.Writer, quiet bool) *trainBar {
	_, on := terminalWidth(stderr)
	return &trainBar{w: stderr, on: on && !quiet, cols: func() int { cols, _ := terminalWidth(stderr); return cols }}
}

func (t *trainBar) update(p train.Progress) {
	if !t.on {
		return
	}
	if t.bar == nil {
		// The width is read once an epoch, so a resized terminal is
		// followed from the next epoch on.
		t.form = layoutFor(t.cols(), p.Epochs, p.Batches)
		if t.form.width == 0 {
			return
		}
		t.bar = newProgressBar(t.w, t.form, p.Batches)
	}
	t.bar.Describe(t.form.describe(p))
	t.bar.Set(p.Batch)
}

func (t *trainBar) finish() {
	if t.bar != nil {
		t.bar.Finish()
		t.bar = nil
	}
}

// barLayout is how much of the progress line a terminal's width has room
// for. A line wider than the terminal wraps, and every redraw then starts
// a new line, so each part is dropped before that can happen: first the
// counts after the bar, then the long wording, then the whole line.
type barLayout struct {
	long    bool // "epoch 3/10  loss 0.1234 acc  97.12%  12345 img/s", else "3/10 loss 0.1234 97.12%"
	counts  bool // "(420/938) [2s:3s]" after the bar
	width   int  // of the bar itself, in columns; 0 draws nothing
	descMax int  // the longest description, in columns
}

// Parts of the line around the description, in columns: " 100% |" and
// "|" around the bar, then either the counts and times or two spaces.
const (
	barFrame    = 8
	barNoCounts = 2
	barMin      = 10 // narrower, a bar says little
	barMax      = 25
)

// layoutFor returns the richest layout that fits in cols columns (one is
// left free: a character in the last column makes some terminals wrap).
func layoutFor(cols, epochs, batches int) barLayout {
	// Times such as "[1h2m3s:1h2m3s]" and counts "(938/938)".
	counts := len(fmt.Sprintf(" (%d/%d) [00h00m00s:00h00m00s]", batches, batches))
	for _, l := range []barLayout{{long: true, counts: true}, {long: true}, {}} {
		l.descMax = l.maxDescription(epochs)
		extra := barNoCounts
		if l.counts {
			extra = counts
		}
		if room := cols - 1 - l.descMax - barFrame - extra; room >= barMin {
			l.width = min(room, barMax)
			return l
		}
	}
	return barLayout{}
}

// maxDescription is the length of the longest description of a run of
// the given epochs: the loss and rate widest as describe writes them.
func (l barLayout) maxDescription(epochs int) int {
	return utf8.RuneCountInString(l.format(epochs, epochs, 99.9999, 1, 9999999))
}

func (l barLayout) format(epoch, epochs int, loss, acc, rate float64) string {
	if l.long {
		return fmt.Sprintf("epoch %d/%d  loss %.4f acc %6.2f%%  %.0f img/s", epoch, epochs, loss, 100*acc, rate)
	}
	return fmt.Sprintf("%d/%d loss %.4f %6.2f%%", epoch, epochs, loss, 100*acc)
}

// describe writes the text before the bar, cut to the layout's longest
// (a loss of 100 or more, or a rate of ten million images a second, would
// otherwise push the line past the terminal's edge).
func (l barLayout) describe(p train.Progress) string {
	rate := float64(p.Images) / max(p.Elapsed.Seconds(), 1e-9)
	s := l.format(p.Epoch, p.Epochs, p.Loss, p.Accuracy, rate)
	if utf8.RuneCountInString(s) > l.descMax {
		s = string([]rune(s)[:l.descMax])
	}
	return s
}

// newProgressBar makes the bar of one epoch of the given batches.
func newProgressBar(w io.Writer, l barLayout, batches int) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(l.width),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(l.counts),
	}
	if l.counts {
		opts = append(opts, progressbar.OptionShowCount())
	}
	return progressbar.NewOptions(batches, opts...)
}
