package optim

import (
	"math"
	"testing"

	"github.com/gocnn/gocnn/nn"
)

// TestAdaptiveSteps follows two steps from w = 1 with gradients 0.5 then
// −0.25, worked out in float64:
//
// Adam, lr 0.1: m = 0.05, v = 0.00025; corrected m̂ = 0.5, v̂ = 0.25, so
// w = 1 − 0.1·0.5/0.5 = 0.9. Then m = 0.02, v = 0.00031225, m̂ = 0.02/0.19,
// v̂ = 0.00031225/0.001999, w = 0.9 − 0.1·0.105263/0.395225 = 0.873366.
//
// AdamW, lr 0.1, decay 0.1: each step first shrinks w by 1 − 0.01, so
// w = 0.99 − 0.1 = 0.89, then 0.89·0.99 − 0.026634 = 0.854466.
//
// RMSProp, lr 0.01: s = 0.0025, w = 1 − 0.01·0.5/0.05 = 0.9; then
// s = 0.0031, w = 0.9 + 0.01·0.25/0.0556776 = 0.944901.
func TestAdaptiveSteps(t *testing.T) {
	for _, c := range []struct {
		name  string
		make  func([]*nn.Param) Optimizer
		steps [2]float64
	}{
		{"adam", func(p []*nn.Param) Optimizer { return NewAdam(p, 0.1) }, [2]float64{0.9, 0.8733663}},
		{"adamw", func(p []*nn.Param) Optimizer {
			a := NewAdamW(p, 0.1)
			a.WeightDecay = 0.1
			return a
		}, [2]float64{0.89, 0.8544663}},
		{"rmsprop", func(p []*nn.Param) Optimizer { return NewRMSProp(p, 0.01) }, [2]float64{0.9, 0.9449013}},
	} {
		p := param(1, 0.5)
		opt := c.make([]*nn.Param{p})
		opt.Step()
		if got := float64(p.Value.Data[0]); math.Abs(got-c.steps[0]) > 1e-6 {
			t.Errorf("%s: after one step w = %.7f, want %.7f", c.name, got, c.steps[0])
		}
		p.Grad.Data[0] = -0.25
		opt.Step()
		if got := float64(p.Value.Data[0]); math.Abs(got-c.steps[1]) > 1e-6 {
			t.Errorf("%s: after two steps w = %.7f, want %.7f", c.name, got, c.steps[1])
		}
	}
}

// TestStateRestoresTheRun checks that an optimiser restored from State
// continues exactly as the original.
func TestStateRestoresTheRun(t *testing.T) {
	makers := map[string]func([]*nn.Param) Optimizer{
		"sgd":     func(p []*nn.Param) Optimizer { return NewSGD(p, 0.1, 0.9) },
		"adam":    func(p []*nn.Param) Optimizer { return NewAdam(p, 0.1) },
		"rmsprop": func(p []*nn.Param) Optimizer { r := NewRMSProp(p, 0.01); r.Momentum = 0.5; return r },
	}
	for name, make := range makers {
		a := param(1, 0.5)
		optA := make([]*nn.Param{a})
		optA.Step()
		saved := optA.State()
		copied := State{Steps: saved.Steps, Buffers: map[string][]float32{}}
		for k, v := range saved.Buffers {
			copied.Buffers[k] = append([]float32(nil), v...)
		}
		b := param(a.Value.Data[0], 0.5)
		optB := make([]*nn.Param{b})
		if err := optB.SetState(copied); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a.Grad.Data[0], b.Grad.Data[0] = -0.3, -0.3
		optA.Step()
		optB.Step()
		if a.Value.Data[0] != b.Value.Data[0] {
			t.Errorf("%s: resumed optimiser gives %v, original %v", name, b.Value.Data[0], a.Value.Data[0])
		}
		if err := optB.SetState(State{Buffers: map[string][]float32{}}); err == nil {
			t.Errorf("%s: restoring an empty state gave no error", name)
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	a, b := param(0, 3), param(0, 4) // global norm 5
	norm := ClipGradNorm([]*nn.Param{a, b}, 1)
	if math.Abs(norm-5) > 1e-9 {
		t.Errorf("norm %v, want 5", norm)
	}
	if ga, gb := a.Grad.Data[0], b.Grad.Data[0]; math.Abs(float64(ga)-0.6) > 1e-5 || math.Abs(float64(gb)-0.8) > 1e-5 {
		t.Errorf("clipped to (%v, %v), want (0.6, 0.8)", ga, gb)
	}
	ClipGradNorm([]*nn.Param{a, b}, 10)
	if a.Grad.Data[0] > 0.61 || a.Grad.Data[0] < 0.59 {
		t.Error("a norm under the limit was changed")
	}
}
