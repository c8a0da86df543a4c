package nn

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestTimeSteps checks the steps TimeSteps names (fused neighbours and a
// residual block's body included), that a training step gives each of
// them some time, forward and backward, and a block at least its body's,
// that timing changes no number, and that stopping it leaves the network
// as it was.
func TestTimeSteps(t *testing.T) {
	conv := func(out int) *Conv2D { return &Conv2D{Out: out, KH: 3, KW: 3, PadH: 1, PadW: 1} }
	env := NewEnv(1, 2)
	defer env.Close()
	net := NewSequential(conv(4), NewBatchNorm(), NewReLU(), NewMaxPool2D(2),
		NewResidual(conv(4), NewBatchNorm(), NewReLU(), conv(4), NewBatchNorm()), NewReLU(),
		NewFlatten(), NewDense(3))
	if _, err := net.Build([]int{2, 8, 8}, env); err != nil {
		t.Fatal(err)
	}
	x := tensor.New(3, 2, 8, 8)
	rng.New(1).FillUniform(x.Data, 1)
	labels := []int{0, 1, 2}
	var ce SoftmaxCrossEntropy
	step := func() []float32 {
		ce.Forward(net.Forward(x, true), labels)
		dx := net.Backward(ce.Backward())
		var out []float32
		if dx != nil {
			out = append(out, dx.Data...)
		}
		for _, p := range net.Params() {
			if p.Grad != nil { // not the running statistics, which every step moves
				out = append(out, p.Grad.Data...)
			}
		}
		return out
	}
	want := step()

	times, stop := net.TimeSteps()
	start := time.Now()
	got := step()
	total := time.Since(start)
	var names []string
	for _, st := range times {
		names = append(names, st.Step)
	}
	// The ReLU before the max-pool runs after it (poolBeforeReLU), and both
	// with the convolution and batch norm.
	wantNames := []string{"0 conv2d+batchnorm+maxpool2d+relu", "1 residual+relu",
		"1.0 conv2d+batchnorm+relu", "1.1 conv2d+batchnorm", "2 flatten", "3 dense"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("steps %q, want %q", names, wantNames)
	}
	var top time.Duration
	for _, st := range times {
		if st.Forward <= 0 || st.Backward <= 0 {
			t.Errorf("step %s: forward %v, backward %v, want both above 0", st.Step, st.Forward, st.Backward)
		}
		if wantDepth := strings.Count(strings.Fields(st.Step)[0], "."); st.Depth != wantDepth {
			t.Errorf("step %s: depth %d, want %d", st.Step, st.Depth, wantDepth)
		}
		if st.Depth == 0 {
			top += st.Forward + st.Backward
		}
	}
	if top > total {
		t.Errorf("the top-level steps took %v in all, more than the whole step's %v", top, total)
	}
	block, body := times[1], times[2].Forward+times[3].Forward
	if block.Forward < body {
		t.Errorf("the residual block's forward %v is less than its body's %v", block.Forward, body)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("timing changed value %d of the step: %v, untimed %v", i, got[i], want[i])
		}
	}

	stop()
	before := *times[0]
	step()
	if *times[0] != before {
		t.Error("a step after stop() still adds to the times")
	}
	if _, ok := net.run[0].(convBN); !ok {
		t.Errorf("after stop() the first step is %T, want the convBN it was", net.run[0])
	}
	if _, ok := net.run[1].(residualReLU).Body.run[0].(convBN); !ok {
		t.Error("after stop() the block's body is still timed")
	}
}
