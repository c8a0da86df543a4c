// Package optim holds the optimisers: rules that move each parameter a
// small step against its gradient after every mini-batch.
//
// An optimiser is made for a fixed list of parameters (a model's Params())
// and keeps whatever state it needs per parameter (a momentum buffer, say)
// in flat slices of the same size. Parameters with a nil Grad (saved state
// such as batch norm's running statistics) are left alone.
package optim

import "github.com/gocnn/gocnn/nn"

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step moves every parameter using its current gradient.
	Step()
	// LR returns the learning rate; SetLR changes it (schedules call it
	// between steps).
	LR() float64
	SetLR(lr float64)
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
