package optim

import (
	"math"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

func param(value, grad float32) *nn.Param {
	return &nn.Param{Name: "w", Value: tensor.FromData([]float32{value}, 1), Grad: tensor.FromData([]float32{grad}, 1)}
}

// TestSGDSteps follows two steps of each variant by hand, from w = 1 with
// gradients 0.5 then -0.25, lr 0.1.
func TestSGDSteps(t *testing.T) {
	for _, c := range []struct {
		name               string
		momentum, decay    float64
		nesterov           bool
		afterOne, afterTwo float64
	}{
		// w = 1 − 0.1·0.5 = 0.95; w = 0.95 + 0.1·0.25 = 0.975.
		{"plain", 0, 0, false, 0.95, 0.975},
		// v = 0.5, w = 0.95; v = 0.9·0.5 − 0.25 = 0.2, w = 0.95 − 0.02 = 0.93.
		{"momentum", 0.9, 0, false, 0.95, 0.93},
		// v = 0.5, d = 0.5 + 0.45 = 0.95, w = 0.905;
		// v = 0.2, d = −0.25 + 0.18 = −0.07, w = 0.912.
		{"nesterov", 0.9, 0, true, 0.905, 0.912},
		// g = 0.5 + 0.1·1 = 0.6, w = 0.94; g = −0.25 + 0.094 = −0.156, w = 0.9556.
		{"weight decay", 0, 0.1, false, 0.94, 0.9556},
	} {
		p := param(1, 0.5)
		s := NewSGD([]*nn.Param{p}, 0.1, c.momentum)
		s.Nesterov, s.WeightDecay = c.nesterov, c.decay
		s.Step()
		if got := float64(p.Value.Data[0]); math.Abs(got-c.afterOne) > 1e-6 {
			t.Errorf("%s: after one step w = %v, want %v", c.name, got, c.afterOne)
		}
		p.Grad.Data[0] = -0.25
		s.Step()
		if got := float64(p.Value.Data[0]); math.Abs(got-c.afterTwo) > 1e-6 {
			t.Errorf("%s: after two steps w = %v, want %v", c.name, got, c.afterTwo)
		}
	}
}

func TestSGDSkipsStateWithoutGradient(t *testing.T) {
	state := &nn.Param{Name: "running_mean", Value: tensor.FromData([]float32{3}, 1)}
	s := NewSGD([]*nn.Param{state, param(1, 1)}, 0.1, 0.9)
	s.Step()
	if state.Value.Data[0] != 3 {
		t.Errorf("a parameter without gradient changed to %v", state.Value.Data[0])
	}
}
