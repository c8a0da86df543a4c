package optim

import (
	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/nn"
)

// RMSProp divides each step by a running root-mean-square of the recent
// gradients, so parameters with large, noisy gradients take smaller steps,
// as torch.optim.RMSprop:
//
//	g ← g + WeightDecay·w
//	s ← α·s + (1 − α)·g²
//	b ← Momentum·b + g / (√s + ε)      (b = g/(√s + ε) without momentum)
//	w ← w − LR·b
type RMSProp struct {
	Rate        float64
	Alpha       float64 // 0.99 by default
	Eps         float64 // 1e-8 by default
	Momentum    float64
	WeightDecay float64

	updater
	sq, buf [][]float32
	steps   int64
	step    vec.RMSPropStep // the step in progress
}

// NewRMSProp returns RMSProp with PyTorch's defaults (α 0.99, ε 1e-8).
func NewRMSProp(params []*nn.Param, rate float64) *RMSProp {
	r := &RMSProp{Rate: rate, Alpha: 0.99, Eps: 1e-8}
	r.init(trainable(params), func(i, lo, hi int) {
		p := r.params[i]
		vec.RMSProp(p.Value.Data[lo:hi], p.Grad.Data[lo:hi], r.sq[i][lo:hi], r.buf[i][lo:hi], r.step)
	})
	r.sq, r.buf = buffers(r.params), buffers(r.params)
	return r
}

// LR returns the learning rate.
func (r *RMSProp) LR() float64 { return r.Rate }

// SetLR sets the learning rate.
func (r *RMSProp) SetLR(lr float64) { r.Rate = lr }

// Step updates every parameter.
func (r *RMSProp) Step() {
	r.steps++
	r.step = vec.RMSPropStep{
		LR:          float32(r.Rate),
		Alpha:       float32(r.Alpha),
		Eps:         float32(r.Eps),
		Momentum:    float32(r.Momentum),
		WeightDecay: float32(r.WeightDecay),
	}
	r.run()
}

// State returns the square averages and momentum buffers.
func (r *RMSProp) State() State {
	st := State{Steps: r.steps, Buffers: map[string][]float32{}}
	addState(st, "square_avg", r.params, r.sq)
	addState(st, "momentum", r.params, r.buf)
	return st
}

// SetState restores what State saved.
func (r *RMSProp) SetState(st State) error {
	r.steps = st.Steps
	if err := restore(st, "square_avg", r.params, r.sq); err != nil {
		return err
	}
	return restore(st, "momentum", r.params, r.buf)
}
