package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/plot"
)

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "eval -model m.safetensors [flags]", stderr)
	var sf scoreFlags
	sf.register(fs)
	heatmap := fs.String("confusion", "", "also draw the confusion matrix as a heat map to this .png or .svg file")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	if err := sf.check(); err != nil {
		return err
	}
	if *heatmap != "" {
		if _, err := plot.FormatOf(*heatmap); err != nil {
			return usagef("-confusion: %v", err)
		}
	}
	s, err := sf.score(stdout, stderr)
	if err != nil {
		return err
	}
	defer s.env.Close()
	ev := s.eval
	fmt.Fprintf(stdout, "%s on %s %s set (%s)\n", sf.path, s.dataset, sf.part, counted(s.test.Len(), "image"))
	if how := sf.predictedHow(); how != "" {
		fmt.Fprintf(stdout, "predicted %s\n", how)
	}
	fmt.Fprintf(stdout, "loss %.4f  accuracy %.2f%%\n\n", ev.Loss, 100*ev.Accuracy)
	if err := ev.Confusion.Format(stdout); err != nil {
		return err
	}
	if *heatmap != "" {
		if err := writeChart(*heatmap, func(w io.Writer, opt plot.Options) error { return plot.ConfusionHeatmap(w, ev.Confusion, opt) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", *heatmap)
	}
	return nil
}

// matchClasses returns d restricted to, and relabelled in the order of, the
// model's classes (a two-digit model's classes are a subset of MNIST's).
// Classes match by name only: a digit model's "3" is not Fashion-MNIST's
// class number 3.
func matchClasses(d *data.Dataset, classes []string) (*data.Dataset, error) {
	if slices.Equal(d.Classes, classes) {
		return d, nil
	}
	idx := make([]int, len(classes))
	for i, c := range classes {
		if idx[i] = slices.Index(d.Classes, c); idx[i] < 0 {
			return nil, fmt.Errorf("the model's class %q is not a class of the dataset (%s)", c, strings.Join(d.Classes, ", "))
		}
	}
	return d.ClassSubset(idx)
}
