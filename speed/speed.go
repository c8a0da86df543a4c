// Package speed times a network on this machine: training steps
// (forward pass, loss, backward pass and optimiser step) and inference at
// a batch size, and the latency of a single image, on random images held
// in memory, each after a warm-up. gocnn bench prints its figures, and
// the scripts in bench/ read them to race PyTorch and onnxruntime.
//
// The figures are rates of the network's own work: no data is loaded or
// decoded while the clock runs, so they are what a training run or a
// server can reach at best, and what two machines, kernels or networks
// compare by.
package speed

import (
	"fmt"
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
)

// Options say what Measure times and how.
type Options struct {
	Input []int // one example's shape, CxHxW
	// Optimizer is the optimiser training steps take, by its name in
	// optim.Names (sgd and rmsprop with momentum 0.9), and LR its
	// learning rate, 0 for its default (optim.DefaultLR).
	Optimizer string
	LR        float64
	Batch     int // the mini-batch size of training and inference
	Threads   int // workers, for every figure; 0 means one per core

	Train   bool // time training steps
	Infer   bool // time inference at Batch
	Latency bool // time inference of one image at a time
	// Steps times each step of a training step, layer by layer (see
	// nn.Sequential.TimeSteps), and the optimiser's update, over about a
	// second of training steps after the others are timed.
	Steps bool

	// TrainImages and InferImages are how many images to time (rounded
	// up to whole batches), 0 for enough for about 3 seconds of training
	// and 1 second of inference. LatencyRuns is how many single images to
	// time, 0 for up to 2000, stopping after about 2 seconds.
	TrainImages, InferImages, LatencyRuns int
}

// Result is one network's figures, as gocnn bench -json writes them, one
// JSON object a line. A figure not measured is 0, and left out of the
// JSON.
type Result struct {
	Model          string   `json:"model"` // the name Measure was given
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

	// Steps is where a training step's time goes (Options.Steps): each
	// step of the network's run order, then the optimiser's update, with
	// their mean wall time per training step.
	Steps []StepResult `json:"steps,omitempty"`
}

// StepResult is the mean wall time per training step of one step of a
// network (named as nn.StepTime names it) or of the optimiser's update
// ("optimizer adamw", whose time counts as backward), in milliseconds.
type StepResult struct {
	Step       string  `json:"step"`
	Depth      int     `json:"depth,omitempty"` // as nn.StepTime's: within how many blocks
	ForwardMs  float64 `json:"forward_ms"`
	BackwardMs float64 `json:"backward_ms"`
}

// Measure builds the network spec describes for o.Input, with seed 1,
// and times what o asks for. The network's outputs are its classes, and
// the training labels are drawn among them; name is what the Result
// calls the network.
func Measure(name string, spec *model.Spec, o Options) (*Result, error) {
	switch {
	case o.Batch < 1:
		return nil, fmt.Errorf("speed: batch size %d, want at least 1", o.Batch)
	case o.TrainImages < 0 || o.InferImages < 0 || o.LatencyRuns < 0 || o.Threads < 0:
		return nil, fmt.Errorf("speed: negative counts of images (%d, %d), runs (%d) or threads (%d)", o.TrainImages, o.InferImages, o.LatencyRuns, o.Threads)
	case !slices.Contains(optim.Names(), o.Optimizer):
		return nil, fmt.Errorf("speed: unknown optimiser %q (want %s)", o.Optimizer, strings.Join(optim.Names(), ", "))
	}
	lr := o.LR
	if lr == 0 {
		lr = optim.DefaultLR(o.Optimizer)
	}
	env := nn.NewEnv(1, o.Threads)
	defer env.Close()
	net, err := spec.Build(o.Input, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	classes := net.OutShape()[0]
	r := rng.New(1)
	x := tensor.New(append([]int{o.Batch}, o.Input...)...)
	r.FillUniform(x.Data, 1)
	// Training steps go round labelSets draws of random labels for the
	// same images, so that the network cannot learn them: its loss stays
	// at chance, as on a real dataset early on, rather than falling to
	// zero on one memorised batch.
	const labelSets = 97
	labels := make([]int, labelSets*o.Batch)
	for i := range labels {
		labels[i] = r.IntN(classes)
	}
	res := &Result{
		Model: name, Input: shapeText(o.Input), Optimizer: o.Optimizer, LR: lr, Threads: env.Workers(), Batch: o.Batch,
		MatrixKernel: nn.MatrixKernel(), GoVersion: runtime.Version(),
	}
	res.ForwardMultiplyAdds, res.TrainMultiplyAdds = net.MultiplyAdds()

	if o.Train {
		opt, err := optim.New(net.Params(), optim.Settings{Name: o.Optimizer, LR: lr, Momentum: 0.9, Pool: env})
		if err != nil {
			return nil, err
		}
		var loss nn.SoftmaxCrossEntropy
		set := 0
		step := func() {
			loss.Forward(net.Forward(x, true), labels[set*o.Batch:(set+1)*o.Batch])
			net.Backward(loss.Backward())
			opt.Step()
			set = (set + 1) % labelSets
		}
		for range 3 {
			step()
		}
		steps := (o.TrainImages + o.Batch - 1) / o.Batch
		if o.TrainImages == 0 {
			steps = stepsFor(3*time.Second, step)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mallocs := ms.Mallocs
		start := time.Now()
		for range steps {
			step()
		}
		res.TrainPerSec = float64(steps*o.Batch) / time.Since(start).Seconds()
		runtime.ReadMemStats(&ms)
		allocs := float64(ms.Mallocs-mallocs) / float64(steps)
		res.TrainStepAlloc = &allocs
		res.Images = steps * o.Batch
		res.TrainGFLOPS = 2 * float64(res.TrainMultiplyAdds) * res.TrainPerSec / 1e9
	}

	if o.Steps {
		if err := timeSteps(res, net, env, x, labels, o.Optimizer, lr); err != nil {
			return nil, err
		}
	}

	// Inference as the inference commands run it, the weights frozen.
	env.Freeze()
	if o.Infer {
		infer := func() { net.Forward(x, false) }
		infer()
		steps := (o.InferImages + o.Batch - 1) / o.Batch
		if o.InferImages == 0 {
			steps = stepsFor(time.Second, infer)
		}
		start := time.Now()
		for range steps {
			infer()
		}
		res.InferPerSec = float64(steps*o.Batch) / time.Since(start).Seconds()
		res.InferImages = steps * o.Batch
		res.InferGFLOPS = 2 * float64(res.ForwardMultiplyAdds) * res.InferPerSec / 1e9
	}

	if o.Latency {
		one := tensor.FromData(x.Data[:x.Len()/o.Batch], append([]int{1}, o.Input...)...)
		lat := latencies(func() { net.Forward(one, false) }, o.LatencyRuns)
		res.LatencyMicros = float64(lat[len(lat)/2].Nanoseconds()) / 1e3
		res.LatencyRuns = len(lat)
	}
	return res, nil
}

// timeSteps times the steps of net's training steps on x, the batch's
// labels taken in turn from labels, for about a second, into res.Steps.
func timeSteps(res *Result, net *nn.Sequential, env *nn.Env, x *tensor.Tensor, labels []int, optimizer string, lr float64) error {
	opt, err := optim.New(net.Params(), optim.Settings{Name: optimizer, LR: lr, Momentum: 0.9, Pool: env})
	if err != nil {
		return err
	}
	var loss nn.SoftmaxCrossEntropy
	batch := x.Shape[0]
	set, sets := 0, len(labels)/batch
	var update time.Duration
	step := func() {
		loss.Forward(net.Forward(x, true), labels[set*batch:(set+1)*batch])
		net.Backward(loss.Backward())
		start := time.Now()
		opt.Step()
		update += time.Since(start)
		set = (set + 1) % sets
	}
	step() // warm up, untimed
	steps := max(5, stepsFor(time.Second, step))
	times, stop := net.TimeSteps()
	update = 0
	for range steps {
		step()
	}
	stop()
	ms := func(d time.Duration) float64 { return d.Seconds() * 1e3 / float64(steps) }
	for _, t := range times {
		res.Steps = append(res.Steps, StepResult{Step: t.Step, Depth: t.Depth, ForwardMs: ms(t.Forward), BackwardMs: ms(t.Backward)})
	}
	res.Steps = append(res.Steps, StepResult{Step: "optimizer " + optimizer, BackwardMs: ms(update)})
	return nil
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

// shapeText writes a shape as 3x64x64.
func shapeText(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}
