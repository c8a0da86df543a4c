package optim

import (
	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/nn"
)

// SGD is stochastic gradient descent, optionally with momentum, Nesterov
// momentum and L2 weight decay, as torch.optim.SGD. For a parameter w with
// gradient g:
//
//	g ← g + WeightDecay·w                  (weight decay)
//	v ← Momentum·v + g                     (momentum: v starts at 0)
//	d ← g + Momentum·v  (Nesterov)  or  v  (classical)   or  g  (no momentum)
//	w ← w − LR·d
type SGD struct {
	Rate        float64 // learning rate
	Momentum    float64 // 0 for plain SGD; 0.9 is usual
	Nesterov    bool    // look ahead along the momentum
	WeightDecay float64 // L2 penalty coefficient

	updater
	velocity [][]float32
	steps    int64
	step     vec.SGDStep // the step in progress
}

// NewSGD returns an SGD optimiser for params.
func NewSGD(params []*nn.Param, rate, momentum float64) *SGD {
	s := &SGD{Rate: rate, Momentum: momentum}
	s.init(trainable(params), func(i, lo, hi int) {
		p := s.params[i]
		vec.SGD(p.Value.Data[lo:hi], p.Grad.Data[lo:hi], s.velocity[i][lo:hi], s.step)
	})
	s.velocity = buffers(s.params)
	return s
}

// LR returns the learning rate.
func (s *SGD) LR() float64 { return s.Rate }

// SetLR sets the learning rate.
func (s *SGD) SetLR(lr float64) { s.Rate = lr }

// Step updates every parameter.
func (s *SGD) Step() {
	s.steps++
	s.step = vec.SGDStep{
		LR:          float32(s.Rate),
		Momentum:    float32(s.Momentum),
		WeightDecay: float32(s.WeightDecay),
		Nesterov:    s.Nesterov,
	}
	s.run()
}

// State returns the momentum buffers.
func (s *SGD) State() State {
	st := State{Steps: s.steps, Buffers: map[string][]float32{}}
	addState(st, "momentum", s.params, s.velocity)
	return st
}

// SetState restores buffers saved by State.
func (s *SGD) SetState(st State) error {
	s.steps = st.Steps
	return restore(st, "momentum", s.params, s.velocity)
}
