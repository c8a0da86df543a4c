package optim

import (
	"math"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/nn"
)

// Adam adapts the step of every parameter to the history of its gradient,
// as torch.optim.Adam (and, with Decoupled, torch.optim.AdamW). It keeps
// running averages of the gradient (m, the first moment) and of its square
// (v, the second moment), corrects them for starting at zero, and steps by
// their ratio. At step t, for a parameter w with gradient g:
//
//	g ← g + WeightDecay·w            (Adam: L2 penalty in the gradient)
//	w ← w − LR·WeightDecay·w         (AdamW: decay applied to w directly)
//	m ← β₁·m + (1 − β₁)·g
//	v ← β₂·v + (1 − β₂)·g²
//	w ← w − LR · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
//
// AdamW's decoupled decay shrinks every weight by the same fraction,
// whatever its gradient history, which usually regularises better than
// Adam's L2 term.
type Adam struct {
	Rate        float64
	Beta1       float64 // 0.9 by default
	Beta2       float64 // 0.999 by default
	Eps         float64 // 1e-8 by default
	WeightDecay float64
	Decoupled   bool // AdamW

	updater
	m, v  [][]float32
	steps int64
	step  vec.AdamStep // the step in progress
}

// NewAdam returns Adam with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε 1e-8).
func NewAdam(params []*nn.Param, rate float64) *Adam {
	a := &Adam{Rate: rate, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	a.init(trainable(params), func(i, lo, hi int) {
		p := a.params[i]
		vec.Adam(p.Value.Data[lo:hi], p.Grad.Data[lo:hi], a.m[i][lo:hi], a.v[i][lo:hi], a.step)
	})
	a.m, a.v = buffers(a.params), buffers(a.params)
	return a
}

// NewAdamW returns AdamW with PyTorch's defaults (weight decay 0.01).
func NewAdamW(params []*nn.Param, rate float64) *Adam {
	a := NewAdam(params, rate)
	a.Decoupled, a.WeightDecay = true, 0.01
	return a
}

// LR returns the learning rate.
func (a *Adam) LR() float64 { return a.Rate }

// SetLR sets the learning rate.
func (a *Adam) SetLR(lr float64) { a.Rate = lr }

// Step updates every parameter.
func (a *Adam) Step() {
	a.steps++
	t := float64(a.steps)
	c1 := 1 - math.Pow(a.Beta1, t) // bias corrections
	c2 := 1 - math.Pow(a.Beta2, t)
	a.step = vec.AdamStep{
		Beta1:       float32(a.Beta1),
		Beta2:       float32(a.Beta2),
		StepSize:    float32(a.Rate / c1),
		Root2:       float32(math.Sqrt(c2)),
		Eps:         float32(a.Eps),
		WeightDecay: float32(a.WeightDecay),
		Decoupled:   a.Decoupled,
		Shrink:      float32(1 - a.Rate*a.WeightDecay),
	}
	a.run()
}

// State returns the moment buffers and the step count.
func (a *Adam) State() State {
	st := State{Steps: a.steps, Buffers: map[string][]float32{}}
	addState(st, "m", a.params, a.m)
	addState(st, "v", a.params, a.v)
	return st
}

// SetState restores what State saved.
func (a *Adam) SetState(st State) error {
	a.steps = st.Steps
	if err := restore(st, "m", a.params, a.m); err != nil {
		return err
	}
	return restore(st, "v", a.params, a.v)
}
