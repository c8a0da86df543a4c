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
	"time"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
	"github.com/gocnn/gocnn/train"
)

// benchResult is one model's line of gocnn bench -json, read by
// bench/compare_pytorch.py and bench/compare_onnxruntime.py. A figure that
// was not measured (see -measure) is left out.
type benchResult struct {
	Model          string   `json:"model"` // the preset's name or the spec file's path, as given
	Input          string   `json:"input"` // one example's shape, CxHxW
	Optimizer      string   `json:"optimizer"`
	LR             float64  `json:"lr"`
	Threads        int      `json:"threads"`
	Batch          int      `json:"batch"`
	Images         int      `json:"images,omitempty"` // training images timed
	TrainPerSec    float64  `json:"train_images_per_sec,omitempty"`
	InferImages    int      `json:"infer_images,omitempty"`
	InferPerSec    float64  `json:"infer_images_per_sec,omitempty"`
	LatencyRuns    int      `json:"latency_runs,omitempty"`
	LatencyMicros  float64  `json:"latency_us,omitempty"` // median of the batch-1 runs
	MatrixKernel   string   `json:"kernel"`
	GoVersion      string   `json:"go"`
	TrainStepAlloc *float64 `json:"train_step_allocs,omitempty"` // heap allocations per training step

	// The arithmetic of one image, as nn.Sequential.MultiplyAdds counts it,
	// and the rates it makes: 2 floating-point operations a multiply-add.
	ForwardMultiplyAdds int64   `json:"forward_multiply_adds"`
	TrainMultiplyAdds   int64   `json:"train_multiply_adds"`
	TrainGFLOPS         float64 `json:"train_gflops,omitempty"`
	InferGFLOPS         float64 `json:"infer_gflops,omitempty"`
}

// benchSettings are the flags of gocnn bench but -models and -json.
type benchSettings struct {
	input       []int
	optimizer   string
	lr          float64
	images      int // training images (0: about 3 s)
	inferImages int // inference images (0: about 1 s)
	latencyRuns int // batch-1 runs (0: up to 2000, about 2 s)
	batch       int
	threads     int
	train       bool
	infer       bool
	latency     bool
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "bench [flags]", stderr)
	models := fs.String("models", strings.Join(model.PresetNames(), ","),
		"comma-separated models to time: presets ("+strings.Join(model.PresetNames(), ", ")+") and spec files (.txt or .json)")
	input := fs.String("input", "1x28x28", "shape of one example, CxHxW (3x64x64 for 64x64 colour images)")
	var s benchSettings
	fs.StringVar(&s.optimizer, "optimizer", "sgd", "optimiser to train with: "+strings.Join(train.OptimizerNames(), ", ")+" (momentum 0.9 for sgd and rmsprop)")
	fs.Float64Var(&s.lr, "lr", 0, fmt.Sprintf("learning rate (default %g for sgd, %g otherwise, as gocnn train)", train.DefaultLR("sgd"), train.DefaultLR("adam")))
	fs.IntVar(&s.images, "images", 0, "training images per model (0: enough for about 3 seconds)")
	fs.IntVar(&s.inferImages, "infer-images", 0, "inference images per model at -batch (0: enough for about 1 second)")
	fs.IntVar(&s.latencyRuns, "latency-runs", 0, "batch-1 inference runs per model (0: up to 2000, stopping after about 2 seconds)")
	fs.IntVar(&s.batch, "batch", 64, "mini-batch size")
	fs.IntVar(&s.threads, "threads", 0, "worker threads, for every figure including batch-1 latency (0: one per core)")
	measure := fs.String("measure", "train,infer,latency", "what to time: a comma-separated list of train, infer (at -batch) and latency (batch 1)")
	asJSON := fs.Bool("json", false, "print one JSON object per model")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	if s.batch < 1 || s.images < 0 || s.inferImages < 0 || s.latencyRuns < 0 || s.threads < 0 {
		return usagef("-batch must be at least 1; -images, -infer-images, -latency-runs and -threads not negative")
	}
	if s.lr < 0 {
		return usagef("-lr must be positive, got %g", s.lr)
	}
	if !slices.Contains(train.OptimizerNames(), s.optimizer) {
		return usagef("-optimizer %q: want %s", s.optimizer, strings.Join(train.OptimizerNames(), ", "))
	}
	if s.lr == 0 {
		s.lr = train.DefaultLR(s.optimizer)
	}
	var err error
	if s.input, err = parseShape(*input); err != nil {
		return usagef("-input: %v", err)
	}
	for _, m := range strings.Split(*measure, ",") {
		switch m {
		case "train":
			s.train = true
		case "infer":
			s.infer = true
		case "latency":
			s.latency = true
		default:
			return usagef("-measure: %q is not train, infer or latency", m)
		}
	}
	names := strings.Split(*models, ",")
	specs := make([]*model.Spec, len(names))
	for i, n := range names {
		if specs[i], err = benchSpec(n); err != nil {
			return err
		}
	}

	width := 10
	for _, n := range names {
		width = max(width, len(n))
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "matrix kernel %s, %d threads, batch %d, input %s, %s lr %g, %s %s/%s\n\n", nn.MatrixKernel(),
			workerCount(s.threads), s.batch, shapeText(s.input), s.optimizer, s.lr, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		fmt.Fprintf(stdout, "%-*s %14s %14s %16s %14s %14s\n", width, "model", "train img/s", "infer img/s", "batch-1 latency",
			"train GFLOP/s", "infer GFLOP/s")
	}
	for i, name := range names {
		r, err := benchModel(name, specs[i], &s)
		if err != nil {
			return err
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
	return nil
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

// benchModel times training (forward, loss, backward and an optimiser
// step), inference at s.batch and batch-1 inference latency of the network
// spec describes, on random images held in memory, each after a warm-up.
// The network's outputs are its classes; the labels are drawn among them.
func benchModel(name string, spec *model.Spec, s *benchSettings) (*benchResult, error) {
	env := nn.NewEnv(1, s.threads)
	defer env.Close()
	net, err := spec.Build(s.input, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	classes := net.OutShape()[0]
	r := rng.New(1)
	x := tensor.New(append([]int{s.batch}, s.input...)...)
	r.FillUniform(x.Data, 1)
	// Training steps go round labelSets draws of random labels for the
	// same images, so that the network cannot learn them: its loss stays
	// at chance, as on a real dataset early on, rather than falling to
	// zero on one memorised batch.
	const labelSets = 97
	labels := make([]int, labelSets*s.batch)
	for i := range labels {
		labels[i] = r.IntN(classes)
	}
	res := &benchResult{
		Model: name, Input: shapeText(s.input), Optimizer: s.optimizer, LR: s.lr, Threads: env.Workers(), Batch: s.batch,
		MatrixKernel: nn.MatrixKernel(), GoVersion: runtime.Version(),
	}
	res.ForwardMultiplyAdds, res.TrainMultiplyAdds = net.MultiplyAdds()

	if s.train {
		opt, err := optim.New(net.Params(), optim.Settings{Name: s.optimizer, LR: s.lr, Momentum: 0.9, Pool: env})
		if err != nil {
			return nil, err
		}
		var loss nn.SoftmaxCrossEntropy
		set := 0
		step := func() {
			loss.Forward(net.Forward(x, true), labels[set*s.batch:(set+1)*s.batch])
			net.Backward(loss.Backward())
			opt.Step()
			set = (set + 1) % labelSets
		}
		for range 3 {
			step()
		}
		steps := (s.images + s.batch - 1) / s.batch
		if s.images == 0 {
			steps = stepsFor(3*time.Second, step)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mallocs := ms.Mallocs
		start := time.Now()
		for range steps {
			step()
		}
		res.TrainPerSec = float64(steps*s.batch) / time.Since(start).Seconds()
		runtime.ReadMemStats(&ms)
		allocs := float64(ms.Mallocs-mallocs) / float64(steps)
		res.TrainStepAlloc = &allocs
		res.Images = steps * s.batch
		res.TrainGFLOPS = 2 * float64(res.TrainMultiplyAdds) * res.TrainPerSec / 1e9
	}

	// Inference as the inference commands run it, the weights frozen.
	env.Freeze()
	if s.infer {
		infer := func() { net.Forward(x, false) }
		infer()
		steps := (s.inferImages + s.batch - 1) / s.batch
		if s.inferImages == 0 {
			steps = stepsFor(time.Second, infer)
		}
		start := time.Now()
		for range steps {
			infer()
		}
		res.InferPerSec = float64(steps*s.batch) / time.Since(start).Seconds()
		res.InferImages = steps * s.batch
		res.InferGFLOPS = 2 * float64(res.ForwardMultiplyAdds) * res.InferPerSec / 1e9
	}

	if s.latency {
		one := tensor.FromData(x.Data[:x.Len()/s.batch], append([]int{1}, s.input...)...)
		lat := latencies(func() { net.Forward(one, false) }, s.latencyRuns)
		res.LatencyMicros = float64(lat[len(lat)/2].Nanoseconds()) / 1e3
		res.LatencyRuns = len(lat)
	}
	return res, nil
}

// latencies times runs calls of f, after a warm-up, and returns their
// durations sorted. With runs 0 it makes up to 2000 calls, stopping after
// about 2 seconds but not before 20.
func latencies(f func(), runs int) []time.Duration {
	warm := time.Now()
	for i := 0; i < 50 && (i < 5 || time.Since(warm) < 200*time.Millisecond); i++ {
		f()
	}
	limit, budget := runs, time.Duration(1<<62)
	if runs == 0 {
		limit, budget = 2000, 2*time.Second
	}
	lat := make([]time.Duration, 0, limit)
	start := time.Now()
	for len(lat) < limit && (len(lat) < 20 || time.Since(start) < budget) {
		t := time.Now()
		f()
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	return lat
}

// stepsFor returns how many calls of f take about d, timing a few first.
func stepsFor(d time.Duration, f func()) int {
	start := time.Now()
	n := 0
	for time.Since(start) < d/10 {
		f()
		n++
	}
	return max(1, n*10)
}
