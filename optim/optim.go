// Package optim holds the optimisers: rules that move each parameter a
// small step against its gradient after every mini-batch; the schedules
// that change the step size as training goes on; and gradient clipping.
//
// An optimiser is made for a fixed list of parameters (a model's Params())
// and keeps whatever it needs per parameter (a momentum buffer, running
// averages of the gradient) in flat slices of the same size. Parameters
// with a nil Grad (state such as batch norm's running statistics) are left
// alone. Each update rule follows its torch.optim namesake, so
// hyperparameters carry over.
//
// The update loops run on the fused kernels of internal/vec: one pass over
// each parameter's slices per step, with every operation rounded to
// float32 in a fixed order (a multiply and an add are never fused into
// one), so a step gives the same bits on every machine. Each value is
// updated on its own, so an optimiser whose Pool is set (to the model's
// nn.Env) shares a step out among the workers with the same result.
package optim

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/nn"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step moves every parameter using its current gradient.
	Step()
	// LR returns the learning rate; SetLR changes it (schedules call it
	// between steps).
	LR() float64
	SetLR(lr float64)
	// State returns the optimiser's buffers and step count, for a
	// checkpoint; SetState restores them.
	State() State
	SetState(State) error
}

// State is what an optimiser carries from one step to the next: its step
// count and named buffers ("momentum/0.weight"). The buffers are the
// optimiser's own slices, not copies.
type State struct {
	Steps   int64
	Buffers map[string][]float32
}

// trainable returns the parameters that have gradients.
func trainable(params []*nn.Param) []*nn.Param {
	var out []*nn.Param
	for _, p := range params {
		if p.Grad != nil {
			out = append(out, p)
		}
	}
	return out
}

// buffers makes one zeroed buffer per parameter.
func buffers(params []*nn.Param) [][]float32 {
	b := make([][]float32, len(params))
	for i, p := range params {
		b[i] = make([]float32, p.Value.Len())
	}
	return b
}

// state names a set of per-parameter buffers for State.
func addState(s State, kind string, params []*nn.Param, bufs [][]float32) {
	for i, p := range params {
		s.Buffers[kind+"/"+p.Name] = bufs[i]
	}
}

// restore copies the buffers of saved kind into bufs, checking that each
// is there with the right size.
func restore(saved State, kind string, params []*nn.Param, bufs [][]float32) error {
	for i, p := range params {
		name := kind + "/" + p.Name
		b, ok := saved.Buffers[name]
		if !ok {
			return fmt.Errorf("optimiser state has no %s", name)
		}
		if len(b) != len(bufs[i]) {
			return fmt.Errorf("optimiser state %s has %d values, want %d", name, len(b), len(bufs[i]))
		}
		copy(bufs[i], b)
	}
	return nil
}

// ClipGradNorm scales all gradients down together so that their global L2
// norm, √(Σ g²) over every parameter, is at most maxNorm, and returns the
// norm before clipping. Clipping keeps one bad batch from throwing the
// weights far away, without changing the gradient's direction.
//
// The squares are summed in float64, each parameter's in the fixed order
// of vec.SumSquares, so the norm is the same on every machine.
func ClipGradNorm(params []*nn.Param, maxNorm float64) float64 {
	var sq float64
	for _, p := range params {
		if p.Grad == nil {
			continue
		}
		sq += vec.SumSquares(p.Grad.Data)
	}
	norm := math.Sqrt(sq)
	if norm > maxNorm {
		scale := float32(maxNorm / (norm + 1e-6))
		for _, p := range params {
			if p.Grad == nil {
				continue
			}
			vec.Scale(p.Grad.Data, scale)
		}
	}
	return norm
}
