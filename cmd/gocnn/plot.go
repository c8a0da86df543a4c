package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/plot"
)

func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", "plot [flags] run.jsonl... (metrics logs written by gocnn train)", stderr)
	out := fs.String("out", "", "picture to write, .png or .svg (default: both, next to the first log)")
	title := fs.String("title", "", "title over the charts (default: the runs' names; - for none)")
	width := fs.Int("width", plot.CurvesWidth, "width in pixels")
	height := fs.Int("height", plot.CurvesHeight, "height in pixels")
	logs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(logs) == 0 {
		return usagef("name at least one metrics log (.jsonl) written by gocnn train")
	}
	runs := make([]plot.Run, len(logs))
	for i, path := range logs {
		if runs[i], err = plot.ReadRun(path); err != nil {
			return err
		}
	}
	nameRuns(runs, logs)

	var outs []string
	if *out != "" {
		if _, err := plot.FormatOf(*out); err != nil {
			return usagef("-out: %v", err)
		}
		outs = []string{*out}
	} else {
		base := strings.TrimSuffix(logs[0], filepath.Ext(logs[0]))
		if len(logs) > 1 {
			base = filepath.Join(filepath.Dir(logs[0]), "curves")
		}
		outs = []string{base + ".png", base + ".svg"}
	}
	for _, path := range outs {
		format, _ := plot.FormatOf(path)
		opt := plot.Options{Format: format, Width: *width, Height: *height, Title: *title}
		err := atomicfile.Write(path, func(w io.Writer) error { return plot.Curves(w, runs, opt) })
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return nil
}

// nameRuns gives runs that share a file name ("a/run.jsonl", "b/run.jsonl")
// their paths as names, so that the legend tells them apart.
func nameRuns(runs []plot.Run, paths []string) {
	count := map[string]int{}
	for _, r := range runs {
		count[r.Name]++
	}
	for i := range runs {
		if count[runs[i].Name] > 1 {
			runs[i].Name = strings.TrimSuffix(filepath.ToSlash(paths[i]), filepath.Ext(paths[i]))
		}
	}
}

// writeChart writes a chart to path, in the format its extension names,
// at the chart's default size.
func writeChart(path string, chart func(w io.Writer, opt plot.Options) error) error {
	format, err := plot.FormatOf(path)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return chart(w, plot.Options{Format: format}) }); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
