package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gocnn/gocnn/internal/gemm"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// benchResult is one model's line of gocnn bench -json, read by
// bench/compare_pytorch.py.
type benchResult struct {
	Model          string  `json:"model"`
	Threads        int     `json:"threads"`
	Batch          int     `json:"batch"`
	Images         int     `json:"images"`
	TrainPerSec    float64 `json:"train_images_per_sec"`
	InferPerSec    float64 `json:"infer_images_per_sec"`
	LatencyMicros  float64 `json:"latency_us"`
	MatrixKernel   string  `json:"kernel"`
	GoVersion      string  `json:"go"`
	TrainStepAlloc float64 `json:"train_step_allocs"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "bench [flags]", stderr)
	models := fs.String("models", strings.Join(model.PresetNames(), ","), "comma-separated preset models to time")
	images := fs.Int("images", 0, "training images per model (0: enough for about 3 seconds)")
	batch := fs.Int("batch", 64, "mini-batch size")
	threads := fs.Int("threads", 0, "worker threads (0: one per core)")
	asJSON := fs.Bool("json", false, "print one JSON object per model")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	names := strings.Split(*models, ",")
	for _, n := range names {
		if !slices.Contains(model.PresetNames(), n) {
			return usagef("-models: unknown preset %q (want %s)", n, strings.Join(model.PresetNames(), ", "))
		}
	}
	if *batch < 1 || *images < 0 || *threads < 0 {
		return usagef("-batch must be at least 1, -images and -threads not negative")
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "matrix kernel %s, %d threads, batch %d, %s %s/%s\n\n", gemm.Kernel(),
			workerCount(*threads), *batch, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		fmt.Fprintf(stdout, "%-10s %14s %14s %16s\n", "model", "train img/s", "infer img/s", "batch-1 latency")
	}
	for _, name := range names {
		r, err := benchModel(name, *images, *batch, *threads)
		if err != nil {
			return err
		}
		if *asJSON {
			b, _ := json.Marshal(r)
			fmt.Fprintln(stdout, string(b))
			continue
		}
		fmt.Fprintf(stdout, "%-10s %14.0f %14.0f %13.0f µs\n", r.Model, r.TrainPerSec, r.InferPerSec, r.LatencyMicros)
	}
	return nil
}

func workerCount(threads int) int {
	if threads == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return threads
}

// benchModel times SGD training (momentum 0.9) and inference of a preset
// on random 28x28 images held in memory, after a warm-up.
func benchModel(name string, images, batch, threads int) (*benchResult, error) {
	spec, err := model.Preset(name, 10)
	if err != nil {
		return nil, err
	}
	env := nn.NewEnv(1, threads)
	defer env.Close()
	net, err := spec.Build([]int{1, 28, 28}, env)
	if err != nil {
		return nil, err
	}
	r := rng.New(1)
	x := tensor.New(batch, 1, 28, 28)
	r.FillUniform(x.Data, 1)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	opt := optim.NewSGD(net.Params(), 0.01, 0.9)
	opt.Pool = env
	var loss nn.SoftmaxCrossEntropy
	step := func() {
		loss.Forward(net.Forward(x, true), labels)
		net.Backward(loss.Backward())
		opt.Step()
	}
	for range 3 {
		step()
	}
	steps := (images + batch - 1) / batch
	if images == 0 {
		steps = stepsFor(3*time.Second, step)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	start := time.Now()
	for range steps {
		step()
	}
	train := float64(steps*batch) / time.Since(start).Seconds()
	runtime.ReadMemStats(&ms)
	allocs := float64(ms.Mallocs-mallocs) / float64(steps)

	infer := func() { net.Forward(x, false) }
	infer()
	inferSteps := stepsFor(time.Second, infer)
	start = time.Now()
	for range inferSteps {
		infer()
	}
	inferRate := float64(inferSteps*batch) / time.Since(start).Seconds()

	one := tensor.FromData(x.Data[:784], 1, 1, 28, 28)
	lat := make([]time.Duration, 0, 2000)
	for range 50 {
		net.Forward(one, false)
	}
	for range cap(lat) {
		t := time.Now()
		net.Forward(one, false)
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	return &benchResult{
		Model: name, Threads: env.Workers(), Batch: batch, Images: steps * batch,
		TrainPerSec: train, InferPerSec: inferRate, LatencyMicros: float64(lat[len(lat)/2].Nanoseconds()) / 1e3,
		MatrixKernel: gemm.Kernel(), GoVersion: runtime.Version(), TrainStepAlloc: allocs,
	}, nil
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
