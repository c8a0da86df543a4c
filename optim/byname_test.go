package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestNewByName checks that New makes, for each name and settings, the
// optimiser that the constructor it stands for makes when set up by hand:
// the same learning rate and the same weights, bit for bit, after a few
// steps.
func TestNewByName(t *testing.T) {
	for _, c := range []struct {
		settings Settings
		wantLR   float64
		byHand   func([]*nn.Param) Optimizer
	}{
		{Settings{Name: "sgd", Momentum: 0.9}, 0.05, func(p []*nn.Param) Optimizer { return NewSGD(p, 0.05, 0.9) }},
		{Settings{Name: "sgd", LR: 0.1, Momentum: 0.5, Nesterov: true, WeightDecay: 0.01}, 0.1, func(p []*nn.Param) Optimizer {
			s := NewSGD(p, 0.1, 0.5)
			s.Nesterov, s.WeightDecay = true, 0.01
			return s
		}},
		{Settings{Name: "adam"}, 0.001, func(p []*nn.Param) Optimizer { return NewAdam(p, 0.001) }},
		{Settings{Name: "adam", LR: 0.01, WeightDecay: 0.1, Momentum: 0.9}, 0.01, func(p []*nn.Param) Optimizer {
			a := NewAdam(p, 0.01)
			a.WeightDecay = 0.1
			return a
		}},
		// AdamW keeps PyTorch's default decay, 0.01, unless told otherwise.
		{Settings{Name: "adamw", LR: 0.002}, 0.002, func(p []*nn.Param) Optimizer { return NewAdamW(p, 0.002) }},
		{Settings{Name: "adamw", WeightDecay: 0.05}, 0.001, func(p []*nn.Param) Optimizer {
			a := NewAdamW(p, 0.001)
			a.WeightDecay = 0.05
			return a
		}},
		{Settings{Name: "rmsprop", Momentum: 0.9, WeightDecay: 0.01}, 0.001, func(p []*nn.Param) Optimizer {
			r := NewRMSProp(p, 0.001)
			r.Momentum, r.WeightDecay = 0.9, 0.01
			return r
		}},
	} {
		name := fmt.Sprintf("%+v", c.settings)
		got, want := testParams(), testParams()
		opt, err := New(got, c.settings)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if opt.LR() != c.wantLR {
			t.Errorf("%s: learning rate %g, want %g", name, opt.LR(), c.wantLR)
		}
		ref := c.byHand(want)
		for step := range 3 {
			fillGrads(got, uint64(step))
			fillGrads(want, uint64(step))
			opt.Step()
			ref.Step()
		}
		for i := range got {
			for j, v := range got[i].Value.Data {
				if w := want[i].Value.Data[j]; math.Float32bits(v) != math.Float32bits(w) {
					t.Errorf("%s: %s[%d] = %g, by hand %g", name, got[i].Name, j, v, w)
					break
				}
			}
		}
	}
}

func TestNewSharesOutSteps(t *testing.T) {
	env := nn.NewEnv(1, 2)
	defer env.Close()
	for _, name := range Names() {
		opt, err := New(testParams(), Settings{Name: name, Pool: env})
		if err != nil {
			t.Fatal(err)
		}
		var pool Pool
		switch o := opt.(type) {
		case *SGD:
			pool = o.Pool
		case *Adam:
			pool = o.Pool
		case *RMSProp:
			pool = o.Pool
		}
		if pool != Pool(env) {
			t.Errorf("%s: Pool not set", name)
		}
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(testParams(), Settings{Name: "adagrad"}); err == nil || !strings.Contains(err.Error(), `"adagrad"`) ||
		!strings.Contains(err.Error(), "sgd, adam, adamw, rmsprop") {
		t.Errorf("unknown name: error %v", err)
	}
	if _, err := New(testParams(), Settings{Name: "sgd", LR: -1}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative rate: error %v", err)
	}
	if DefaultLR("adagrad") != 0 {
		t.Errorf("DefaultLR of an unknown name is %g, want 0", DefaultLR("adagrad"))
	}
}

// testParams returns two small parameters with random values and a
// gradient-free state tensor, the same on every call.
func testParams() []*nn.Param {
	r := rng.New(3)
	params := []*nn.Param{
		{Name: "w", Value: tensor.New(4, 5), Grad: tensor.New(4, 5)},
		{Name: "b", Value: tensor.New(4), Grad: tensor.New(4)},
		{Name: "running_mean", Value: tensor.New(4)},
	}
	for _, p := range params {
		r.FillUniform(p.Value.Data, 1)
	}
	return params
}

// fillGrads sets every gradient to random values drawn from seed.
func fillGrads(params []*nn.Param, seed uint64) {
	r := rng.New(seed)
	for _, p := range params {
		if p.Grad != nil {
			r.FillUniform(p.Grad.Data, 1)
		}
	}
}
