package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/report"
	"github.com/gocnn/gocnn/train"
)

func runReport(args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("report", "report -model m.safetensors [flags]", stderr)
	var sf scoreFlags
	sf.register(flags)
	logPath := flags.String("log", "", "metrics log of the training, for the curves (default: the model file with .jsonl, if there is one)")
	mistakes := flags.Int("mistakes", report.DefaultMistakes, "how many of the most confidently wrong test images to show")
	out := flags.String("out", "", "HTML file to write (default: the model file with .html)")
	if err := flags.parse(args, false); err != nil {
		return err
	}
	if err := sf.check(); err != nil {
		return err
	}
	if *mistakes < 0 {
		return usagef("-mistakes must not be negative, got %d", *mistakes)
	}
	path := &sf.path
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
		if history, err = train.ReadLog(*logPath); err != nil {
			return err
		}
	}

	s, err := sf.score(stdout, stderr)
	if err != nil {
		return err
	}
	defer s.env.Close()
	dataset := s.dataset
	if sf.part != "test" {
		dataset += " " + sf.part + " part"
	}
	if how := sf.predictedHow(); how != "" {
		dataset += ", predicted " + how
	}
	r := report.Report{Name: filepath.Base(*path), Model: s.model, Dataset: dataset, Test: s.test, Eval: s.eval, History: history, Mistakes: *mistakes}
	if *mistakes == 0 {
		r.Mistakes = -1
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { return report.Write(w, r) }); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "%s on %s: accuracy %.2f%%, loss %.4f (%s)\n", *path, dataset, 100*s.eval.Accuracy, s.eval.Loss, counted(s.test.Len(), "image"))
	if *logPath != "" {
		fmt.Fprintf(stdout, "curves from %s\n", *logPath)
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}
