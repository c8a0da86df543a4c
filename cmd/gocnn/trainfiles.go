package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/model"
)

// defaults fills in the file names that depend on other settings; stem
// is the data's part of the model file's name (trainingdata.Options.Stem).
func (f *trainSettings) defaults(stem string) {
	if f.Out == "" {
		// A run on some of the classes gets a name of its own, so that it
		// does not replace the model of all of them.
		f.Out = fmt.Sprintf("%s-%s.safetensors", stem, model.FileTag(f.Model))
		if f.InitFrom != "" {
			from := strings.TrimSuffix(filepath.Base(f.InitFrom), filepath.Ext(f.InitFrom))
			f.Out = fmt.Sprintf("%s-from-%s.safetensors", stem, from)
		}
	}
	base := strings.TrimSuffix(f.Out, filepath.Ext(f.Out))
	if f.Log == "" {
		f.Log = base + ".jsonl"
	}
	if f.Checkpoint == "" {
		f.Checkpoint = base + ".ckpt"
	}
}

// makeFolders creates the folders of the files training will write and
// checks that files can be written in them, so that a missing or
// read-only folder fails now rather than after the first epoch.
func (f *trainSettings) makeFolders() error {
	for _, path := range []string{f.Out, f.Log, f.Checkpoint} {
		if path == "none" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("making the folder for %s: %w", path, err)
		}
		if err := atomicfile.CheckWritable(path); err != nil {
			return err
		}
	}
	return nil
}
