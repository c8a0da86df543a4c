package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/speed"
	"github.com/gocnn/gocnn/train"
)

func runBench(args []string, stdout, stderr io.Writer) (retErr error) {
	fs := newFlagSet("bench", "bench [flags]", stderr)
	models := fs.String("models", strings.Join(model.PresetNames(), ","),
		"comma-separated models to time: presets ("+strings.Join(model.PresetNames(), ", ")+") and spec files (.txt or .json)")
	input := fs.String("input", "1x28x28", "shape of one example, CxHxW (3x64x64 for 64x64 colour images)")
	var s speed.Options
	fs.StringVar(&s.Optimizer, "optimizer", "sgd", "optimiser to train with: "+strings.Join(train.OptimizerNames(), ", ")+" (momentum 0.9 for sgd and rmsprop)")
	fs.Float64Var(&s.LR, "lr", 0, fmt.Sprintf("learning rate (default %g for sgd, %g otherwise, as gocnn train)", train.DefaultLR("sgd"), train.DefaultLR("adam")))
	fs.IntVar(&s.TrainImages, "images", 0, "training images per model (0: enough for about 3 seconds)")
	fs.IntVar(&s.InferImages, "infer-images", 0, "inference images per model at -batch (0: enough for about 1 second)")
	fs.IntVar(&s.LatencyRuns, "latency-runs", 0, "batch-1 inference runs per model (0: up to 2000, stopping after about 2 seconds)")
	fs.IntVar(&s.Batch, "batch", 64, "mini-batch size")
	fs.IntVar(&s.Threads, "threads", 0, "worker threads, for every figure including batch-1 latency (0: one per core)")
	measure := fs.String("measure", "train,infer,latency", "what to time: a comma-separated list of train, infer (at -batch), latency (batch 1) and steps (each layer of a training step, and the optimiser)")
	asJSON := fs.Bool("json", false, "print one JSON object per model")
	cpuProfile := fs.String("cpuprofile", "", cpuProfileUsage)
	if err := fs.parse(args, false); err != nil {
		return err
	}
	if s.Batch < 1 || s.TrainImages < 0 || s.InferImages < 0 || s.LatencyRuns < 0 || s.Threads < 0 {
		return usagef("-batch must be at least 1; -images, -infer-images, -latency-runs and -threads not negative")
	}
	if s.LR < 0 {
		return usagef("-lr must be positive, got %g", s.LR)
	}
	if !slices.Contains(train.OptimizerNames(), s.Optimizer) {
		return usagef("-optimizer %q: want %s", s.Optimizer, strings.Join(train.OptimizerNames(), ", "))
	}
	if s.LR == 0 {
		s.LR = train.DefaultLR(s.Optimizer)
	}
	var err error
	if s.Input, err = parseShape(*input); err != nil {
		return usagef("-input: %v", err)
	}
	for _, m := range strings.Split(*measure, ",") {
		switch m {
		case "train":
			s.Train = true
		case "infer":
			s.Infer = true
		case "latency":
			s.Latency = true
		case "steps":
			s.Steps = true
		default:
			return usagef("-measure: %q is not train, infer, latency or steps", m)
		}
	}
	names := strings.Split(*models, ",")
	specs := make([]*model.Spec, len(names))
	for i, n := range names {
		if specs[i], err = benchSpec(n); err != nil {
			return err
		}
	}

	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile(&retErr)

	width := 10
	for _, n := range names {
		width = max(width, len(n))
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "matrix kernel %s, %d threads, batch %d, input %s, %s lr %g, %s %s/%s\n\n", nn.MatrixKernel(),
			workerCount(s.Threads), s.Batch, shapeText(s.Input), s.Optimizer, s.LR, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		fmt.Fprintf(stdout, "%-*s %14s %14s %16s %14s %14s\n", width, "model", "train img/s", "infer img/s", "batch-1 latency",
			"train GFLOP/s", "infer GFLOP/s")
	}
	var timed []*speed.Result // with steps timed, for their tables after the main one
	for i, name := range names {
		r, err := speed.Measure(name, specs[i], s)
		if err != nil {
			return err
		}
		if r.Steps != nil {
			timed = append(timed, r)
		}
		if *asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, string(b))
			continue
		}
		fmt.Fprintf(stdout, "%-*s %14s %14s %16s %14s %14s\n", width, r.Model, figure(r.TrainPerSec, "%.0f"), figure(r.InferPerSec, "%.0f"),
			figure(r.LatencyMicros, "%.0f µs"), figure(r.TrainGFLOPS, "%.1f"), figure(r.InferGFLOPS, "%.1f"))
	}
	for _, r := range timed {
		printSteps(stdout, r)
	}
	return nil
}

// printSteps prints where a training step of r's network goes, step by
// step: its mean forward and backward wall time, and its share of the
// whole. A residual block's body's steps follow the block, indented; the
// block's time includes theirs.
func printSteps(w io.Writer, r *speed.Result) {
	var total float64
	for _, st := range r.Steps {
		if st.Depth == 0 {
			total += st.ForwardMs + st.BackwardMs
		}
	}
	fmt.Fprintf(w, "\n%s: a training step of %d images, %.1f ms\n", r.Model, r.Batch, total)
	fmt.Fprintf(w, "%-36s %12s %12s %7s\n", "step", "forward ms", "backward ms", "share")
	for _, st := range r.Steps {
		name := strings.Repeat("  ", st.Depth) + st.Step
		fmt.Fprintf(w, "%-36s %12.2f %12.2f %6.1f%%\n", name, st.ForwardMs, st.BackwardMs, 100*(st.ForwardMs+st.BackwardMs)/total)
	}
}

// figure formats a measured figure, and a dash for one not measured.
func figure(v float64, format string) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// benchSpec reads one entry of -models: a preset's name or a spec file.
func benchSpec(name string) (*model.Spec, error) {
	if model.PresetDoc(name) != "" {
		return model.Preset(name, 10)
	}
	if _, err := os.Stat(name); err != nil {
		if strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".json") || strings.ContainsRune(name, os.PathSeparator) {
			return nil, fmt.Errorf("-models: spec file: %w", err) // names the file and what is wrong
		}
		return nil, usagef("-models: %q is neither a preset (%s) nor a spec file", name, strings.Join(model.PresetNames(), ", "))
	}
	spec, err := model.ParseFile(name) // its errors name the file
	if err != nil {
		return nil, fmt.Errorf("-models: %w", err)
	}
	return spec, nil
}

// parseShape reads an example's shape written CxHxW, such as 3x64x64.
func parseShape(s string) ([]int, error) {
	parts := strings.Split(s, "x")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%q is not CxHxW, such as 1x28x28 or 3x64x64", s)
	}
	shape := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not CxHxW with each of C, H and W a whole number of at least 1", s)
		}
		shape[i] = n
	}
	in := model.Input{Shape: shape, Prep: model.PrepResize}
	if err := in.Check(); err != nil {
		return nil, err
	}
	return shape, nil
}

func workerCount(threads int) int {
	if threads == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return threads
}
