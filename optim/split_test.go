package optim

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestSplitStepsMatch runs every optimiser on the calling goroutine and
// shared among 2 and 3 workers, on parameters whose sizes put the cuts
// inside and between them, and checks that the weights and the
// optimiser's buffers agree bit for bit.
func TestSplitStepsMatch(t *testing.T) {
	sizes := []int{9000, 17, 12001, 3, 5000}
	kinds := map[string]func([]*nn.Param) Optimizer{
		"sgd nesterov decay": func(p []*nn.Param) Optimizer {
			s := NewSGD(p, 0.1, 0.9)
			s.Nesterov, s.WeightDecay = true, 0.01
			return s
		},
		"adam":  func(p []*nn.Param) Optimizer { return NewAdam(p, 0.01) },
		"adamw": func(p []*nn.Param) Optimizer { return NewAdamW(p, 0.01) },
		"rmsprop momentum": func(p []*nn.Param) Optimizer {
			r := NewRMSProp(p, 0.01)
			r.Momentum, r.WeightDecay = 0.9, 0.01
			return r
		},
	}
	for name, newOpt := range kinds {
		var want []*nn.Param
		var wantState State
		for _, workers := range []int{1, 2, 3} {
			r := rng.New(7)
			params := make([]*nn.Param, len(sizes))
			for i, n := range sizes {
				params[i] = &nn.Param{Name: fmt.Sprint(i), Value: tensor.New(n), Grad: tensor.New(n)}
				r.FillUniform(params[i].Value.Data, 1)
			}
			opt := newOpt(params)
			env := nn.NewEnv(1, workers)
			if workers > 1 {
				switch o := opt.(type) {
				case *SGD:
					o.Pool = env
				case *Adam:
					o.Pool = env
				case *RMSProp:
					o.Pool = env
				}
			}
			for range 3 {
				for _, p := range params {
					r.FillUniform(p.Grad.Data, 1)
				}
				opt.Step()
			}
			env.Close()
			if workers == 1 {
				want, wantState = params, opt.State()
				continue
			}
			for i, p := range params {
				for j, v := range p.Value.Data {
					if math.Float32bits(v) != math.Float32bits(want[i].Value.Data[j]) {
						t.Fatalf("%s, %d workers: param %d value %d is %v, want %v", name, workers, i, j, v, want[i].Value.Data[j])
					}
				}
			}
			for key, buf := range opt.State().Buffers {
				for j, v := range buf {
					if math.Float32bits(v) != math.Float32bits(wantState.Buffers[key][j]) {
						t.Fatalf("%s, %d workers: %s[%d] is %v, want %v", name, workers, key, j, v, wantState.Buffers[key][j])
					}
				}
			}
		}
	}
}
