package speed

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocnn/gocnn/model"
)

// TestMeasure times a small network on a 2x8x8 input: every figure asked
// for is there, counted as asked, and its GFLOP/s is twice its
// multiply-adds times its rate; the arithmetic is the network's, counted
// by hand.
func TestMeasure(t *testing.T) {
	spec, err := model.Parse("conv(4,3,pad=1) relu flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Input: []int{2, 8, 8}, Optimizer: "adamw", Batch: 8, Threads: 1, Train: true, Infer: true, Latency: true,
		TrainImages: 20, InferImages: 40, LatencyRuns: 7}
	r, err := Measure("small", spec, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Model != "small" || r.Input != "2x8x8" || r.Optimizer != "adamw" || r.LR != 0.001 || r.Threads != 1 || r.Batch != 8 ||
		r.Images != 24 || r.InferImages != 40 || r.LatencyRuns != 7 || r.TrainStepAlloc == nil || r.GoVersion == "" || r.MatrixKernel == "" {
		t.Errorf("result %+v", r)
	}
	if !(r.TrainPerSec > 0 && r.InferPerSec > 0 && r.LatencyMicros > 0) {
		t.Errorf("rates %v, %v img/s, latency %v µs: want them positive", r.TrainPerSec, r.InferPerSec, r.LatencyMicros)
	}
	// The convolution 4·2·3·3 per position on 8x8, the dense layer 256·3;
	// in training the first layer costs twice its forward pass (no
	// gradient back to the images), the dense layer three times.
	conv, dense := int64(4*2*9*64), int64(256*3)
	if r.ForwardMultiplyAdds != conv+dense || r.TrainMultiplyAdds != 2*conv+3*dense {
		t.Errorf("multiply-adds %d forward, %d training; want %d and %d", r.ForwardMultiplyAdds, r.TrainMultiplyAdds, conv+dense, 2*conv+3*dense)
	}
	for _, c := range []struct{ gflops, madds, rate float64 }{
		{r.TrainGFLOPS, float64(r.TrainMultiplyAdds), r.TrainPerSec},
		{r.InferGFLOPS, float64(r.ForwardMultiplyAdds), r.InferPerSec},
	} {
		if want := 2 * c.madds * c.rate / 1e9; math.Abs(c.gflops-want) > 1e-9*want {
			t.Errorf("GFLOP/s %v, want 2 × %v × %v = %v", c.gflops, c.madds, c.rate, want)
		}
	}
}

// TestMeasureOnlyWhatIsAsked times batch-1 latency alone: the other
// figures are 0 and left out of the JSON line.
func TestMeasureOnlyWhatIsAsked(t *testing.T) {
	spec, err := model.Preset("tiny", 10)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Measure("tiny", spec, Options{Input: []int{1, 28, 28}, Optimizer: "sgd", Batch: 4, Threads: 1, Latency: true, LatencyRuns: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"train_images_per_sec", "infer_images_per_sec", `"images"`, "train_step_allocs", "train_gflops"} {
		if strings.Contains(string(b), key) {
			t.Errorf("%s in %s", key, b)
		}
	}
	if r.LatencyRuns != 5 || r.LR != 0.05 || !strings.Contains(string(b), `"latency_us":`) {
		t.Errorf("%s: want 5 latency runs, sgd's rate 0.05", b)
	}
}

func TestMeasureRefuses(t *testing.T) {
	spec, err := model.Parse("conv(4,5) flatten dense(2)")
	if err != nil {
		t.Fatal(err)
	}
	good := Options{Input: []int{1, 8, 8}, Optimizer: "sgd", Batch: 2, Threads: 1, Latency: true, LatencyRuns: 1}
	for want, o := range map[string]Options{
		"batch size 0":                 {Input: good.Input, Optimizer: "sgd"},
		"negative counts":              {Input: good.Input, Optimizer: "sgd", Batch: 2, InferImages: -1},
		`unknown optimiser "x"`:        {Input: good.Input, Optimizer: "x", Batch: 2},
		"larger than the padded input": {Input: []int{1, 3, 3}, Optimizer: "sgd", Batch: 2},
	} {
		if _, err := Measure("net", spec, o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Measure(%+v): %v, want an error saying %q", o, err, want)
		}
	}
	if _, err := Measure("net", spec, good); err != nil {
		t.Errorf("Measure(%+v): %v", good, err)
	}
}

// TestLatenciesAndSteps checks the two timing loops: latencies makes the
// runs asked for and sorts them; stepsFor counts calls for a duration.
func TestLatenciesAndSteps(t *testing.T) {
	calls := 0
	lat := latencies(func() { calls++; time.Sleep(time.Duration(calls%3) * time.Microsecond) }, 9)
	if len(lat) != 9 || !slices.IsSorted(lat) || calls < 9+5 {
		t.Errorf("latencies: %d runs of %d calls, sorted %v", len(lat), calls, slices.IsSorted(lat))
	}
	if n := stepsFor(20*time.Millisecond, func() { time.Sleep(time.Millisecond) }); n < 10 || n > 40 {
		t.Errorf("stepsFor(20 ms) of 1 ms calls = %d, want about 20", n)
	}
}

// TestMeasureSteps times each step of a small network's training step:
// the network's steps in run order, then the optimiser's update, each
// with some time, and in the JSON line.
func TestMeasureSteps(t *testing.T) {
	spec, err := model.Parse("conv(4,3,pad=1) batchnorm relu maxpool(2) flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Measure("small", spec, Options{Input: []int{2, 8, 8}, Optimizer: "adamw", Batch: 8, Threads: 1, Steps: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range r.Steps {
		names = append(names, s.Step)
		if s.BackwardMs <= 0 || (s.ForwardMs <= 0 && !strings.HasPrefix(s.Step, "optimizer")) {
			t.Errorf("step %q: forward %v ms, backward %v ms, want time in each pass it has", s.Step, s.ForwardMs, s.BackwardMs)
		}
	}
	want := []string{"0 conv2d+batchnorm+maxpool2d+relu", "1 flatten", "2 dense", "optimizer adamw"}
	if !slices.Equal(names, want) {
		t.Errorf("steps %q, want %q", names, want)
	}
	if r.TrainPerSec != 0 {
		t.Errorf("training rate %v img/s, asked for steps only", r.TrainPerSec)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"steps":[{"step":"0 conv2d+batchnorm+maxpool2d+relu","forward_ms":`) {
		t.Errorf("JSON %s: no steps", b)
	}
}
