package optim

import (
	"fmt"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/nn"
)

// Averaged wraps an optimiser and keeps, beside the weights it trains, an
// exponential moving average of them (Polyak averaging; PyTorch's
// AveragedModel with an EMA update). After every step of the optimiser,
// each averaged value moves a little way toward the trained one:
//
//	avg ← d·avg + (1 − d)·w,    d = min(Decay, (1 + t)/(10 + t))
//
// where t is the number of steps taken before this one (wrap an optimiser
// before its first step: t is also its step count in State). The trained
// weights jitter from batch to batch around the minimum they are heading
// for; their average sits nearer its centre, so it usually scores better
// and its score moves less from one epoch to the next. With Decay 0.999
// the average spans the last thousand steps or so. The ramp in d keeps the
// random initial weights from weighing on the average for long.
//
// Only the trained parameters are averaged; batch norm's running
// statistics are those of the trained weights, unless Prepare recomputes
// them. The averages start as the weights the network has when the
// wrapper is made, and are part of State, so a checkpoint resumes them
// exactly.
type Averaged struct {
	Optimizer
	Decay float64

	// Prepare, if set, runs each time Use has put the averaged weights
	// into the network, before f, and the function it returns runs
	// after f, before the trained weights go back: to recompute batch
	// norm's running statistics for the average and put the trained
	// weights' back, for instance (see nn.Sequential.RecomputeBatchNorm).
	Prepare func() (undo func(), err error)

	params  []*nn.Param
	avg     [][]float32
	steps   int64 // steps averaged so far
	swapped bool  // the averages are in the network (see Use)
}

// NewAveraged wraps opt, which trains params, with a moving average of
// params that decays at the given rate per step (0 < decay < 1).
func NewAveraged(opt Optimizer, params []*nn.Param, decay float64) (*Averaged, error) {
	if !(decay > 0 && decay < 1) {
		return nil, fmt.Errorf("optim: weight-average decay %v, want a number between 0 and 1", decay)
	}
	a := &Averaged{Optimizer: opt, Decay: decay, params: trainable(params)}
	a.avg = buffers(a.params)
	for i, p := range a.params {
		copy(a.avg[i], p.Value.Data)
	}
	return a, nil
}

// Step takes the wrapped optimiser's step, then moves the averages.
func (a *Averaged) Step() {
	if a.swapped {
		panic("optim: Step while the averaged weights are in the network (inside Use)")
	}
	a.Optimizer.Step()
	t := float64(a.steps)
	d := float32(min(a.Decay, (1+t)/(10+t)))
	for i, p := range a.params {
		vec.Axpby(a.avg[i], p.Value.Data, d, 1-d)
	}
	a.steps++
}

// Use puts the averaged weights into the network, runs Prepare if set,
// calls f, and undoes Prepare and puts the trained weights back, whatever
// f returns: score or save the averaged model inside f.
func (a *Averaged) Use(f func() error) error {
	a.swap()
	defer a.swap()
	if a.Prepare != nil {
		undo, err := a.Prepare()
		if err != nil {
			return err
		}
		defer undo()
	}
	return f()
}

// swap exchanges the network's weights with the averages.
func (a *Averaged) swap() {
	for i, p := range a.params {
		w, avg := p.Value.Data, a.avg[i]
		for j := range w {
			w[j], avg[j] = avg[j], w[j]
		}
	}
	a.swapped = !a.swapped
}

// State returns the wrapped optimiser's state with the averages added
// ("average/<name>").
func (a *Averaged) State() State {
	st := a.Optimizer.State()
	addState(st, "average", a.params, a.avg)
	return st
}

// SetState restores a state saved by State.
func (a *Averaged) SetState(st State) error {
	if err := restore(st, "average", a.params, a.avg); err != nil {
		return fmt.Errorf("%w (was it saved with a weight average?)", err)
	}
	a.steps = st.Steps
	return a.Optimizer.SetState(st)
}
