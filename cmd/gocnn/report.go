package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/internal/atomicfile"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/plot"
	"github.com/gocnn/gocnn/report"
	"github.com/gocnn/gocnn/train"
)

func runReport(args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("report", "report -model m.safetensors [flags]", stderr)
	path := flags.String("model", "", "model file (.safetensors) written by gocnn train")
	logPath := flags.String("log", "", "metrics log of the training, for the curves (default: the model file with .jsonl, if there is one)")
	name := flags.String("data", "", "dataset to score on: mnist or fashion-mnist (default: the one the model was trained on)")
	dataDir := addDataDirFlag(flags)
	limitN := flags.Int("limit", 0, "use only the first N test images (0: all)")
	mistakes := flags.Int("mistakes", report.DefaultMistakes, "how many of the most confidently wrong test images to show")
	out := flags.String("out", "", "HTML file to write (default: the model file with .html)")
	threads := flags.Int("threads", 0, "worker threads (0: one per core)")
	if err := flags.parse(args, false); err != nil {
		return err
	}
	switch {
	case *path == "":
		return usagef("-model is required")
	case *mistakes < 0:
		return usagef("-mistakes must not be negative, got %d", *mistakes)
	case *limitN < 0:
		return usagef("-limit must not be negative, got %d", *limitN)
	}
	base := strings.TrimSuffix(*path, filepath.Ext(*path))
	if *out == "" {
		*out = base + ".html"
	}
	var history []train.Epoch
	if *logPath == "" {
		if _, err := os.Stat(base + ".jsonl"); err == nil {
			*logPath = base + ".jsonl"
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if *logPath != "" {
		var err error
		if history, err = plot.ReadLog(*logPath); err != nil {
			return err
		}
	}

	env := nn.NewEnv(1, *threads)
	defer env.Close()
	m, err := model.Load(*path, env)
	if err != nil {
		return err
	}
	test, dataset, err := testSetFor(m, *path, *name, *dataDir, *limitN, stdout, stderr)
	if err != nil {
		return err
	}
	ev, _, err := score(m, test)
	if err != nil {
		return err
	}
	r := report.Report{Name: filepath.Base(*path), Model: m, Dataset: dataset, Test: test, Eval: ev, History: history, Mistakes: *mistakes}
	if *mistakes == 0 {
		r.Mistakes = -1
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { return report.Write(w, r) }); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "%s on %s: accuracy %.2f%%, loss %.4f (%d images)\n", *path, dataset, 100*ev.Accuracy, ev.Loss, test.Len())
	if *logPath != "" {
		fmt.Fprintf(stdout, "curves from %s\n", *logPath)
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}
