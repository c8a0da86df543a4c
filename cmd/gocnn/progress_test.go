package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gocnn/gocnn/train"
)

// TestProgressFitsTheTerminal draws the training progress bar for
// terminals from 20 to 200 columns and runs of 1 to 1,000 epochs, with
// ordinary and extreme losses and rates, and checks that no line is wider
// than the terminal less one column: a wider line wraps, and every redraw
// then starts a new line.
func TestProgressFitsTheTerminal(t *testing.T) {
	escape := regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
	for cols := 20; cols <= 200; cols++ {
		for _, epochs := range []int{1, 10, 100, 1000} {
			for _, p := range []train.Progress{
				{Epoch: 1, Batch: 1, Batches: 938, Images: 64, Loss: 2.3026, Accuracy: 0.1, Elapsed: time.Millisecond},
				{Epoch: epochs, Batch: 938, Batches: 938, Images: 60000, Loss: 0.0123, Accuracy: 1, Elapsed: 2 * time.Hour},
				{Epoch: epochs, Batch: 5, Batches: 99999, Images: 1e9, Loss: 12345.678, Accuracy: 0.5, Elapsed: time.Microsecond},
			} {
				p.Epochs = epochs
				form := layoutFor(cols, epochs, p.Batches)
				if form.width == 0 {
					if cols >= 60 {
						t.Fatalf("%d columns, %d epochs: no progress bar at all", cols, epochs)
					}
					continue
				}
				var buf bytes.Buffer
				bar := newProgressBar(&buf, form, p.Batches)
				bar.Describe(form.describe(p))
				bar.Set(p.Batch)
				bar.Finish()
				for _, line := range strings.FieldsFunc(escape.ReplaceAllString(buf.String(), ""), func(r rune) bool { return r == '\r' || r == '\n' }) {
					if n := utf8.RuneCountInString(line); n > cols-1 {
						t.Fatalf("%d columns, %d epochs, layout %+v: a line of %d columns: %q", cols, epochs, form, n, line)
					}
				}
			}
		}
	}
	// A wide terminal gets everything; a standard one the long wording.
	if l := layoutFor(120, 10, 938); !l.long || !l.counts || l.width != barMax {
		t.Errorf("120 columns: layout %+v, want the long wording, the counts and a full bar", l)
	}
	if l := layoutFor(80, 10, 938); !l.long {
		t.Errorf("80 columns: layout %+v, want the long wording", l)
	}
}

// TestDecodeBarFits draws the folder-decoding bar for the largest folder
// and checks that its line fits in decodeBarColumns, the narrowest
// terminal it is drawn on, less one column.
func TestDecodeBarFits(t *testing.T) {
	var buf bytes.Buffer
	b := &decodeBar{w: &buf, on: true}
	b.update(999999, 1000000)
	b.update(1000000, 1000000)
	b.finish()
	escape := regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
	for _, line := range strings.FieldsFunc(escape.ReplaceAllString(buf.String(), ""), func(r rune) bool { return r == '\r' || r == '\n' }) {
		if n := utf8.RuneCountInString(line); n > decodeBarColumns-1 {
			t.Errorf("a line of %d columns: %q", n, line)
		}
	}
}
