// Package xor is gocnn's smallest experiment: a two-layer network learning
// the exclusive-or of two bits, the classic problem that no single layer
// can solve (the two classes are not separable by one straight line).
//
// It checks the whole training machinery end to end in a fraction of a
// second: forward pass, loss, backward pass, optimiser.
package xor

import (
	"fmt"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/tensor"
)

// Inputs and Targets are the truth table of XOR.
var (
	Inputs  = [4][2]float32{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
	Targets = [4]float32{0, 1, 1, 0}
)

// Config sets up a run.
type Config struct {
	Seed     uint64
	Hidden   int     // hidden units (tanh); 8 by default
	Epochs   int     // passes over the four examples; 1000 by default
	Rate     float64 // learning rate; 0.5 by default
	Momentum float64 // 0.9 by default; set a negative value for none
}

func (c *Config) defaults() {
	if c.Hidden == 0 {
		c.Hidden = 8
	}
	if c.Epochs == 0 {
		c.Epochs = 1000
	}
	if c.Rate == 0 {
		c.Rate = 0.5
	}
	if c.Momentum == 0 {
		c.Momentum = 0.9
	}
	c.Momentum = max(c.Momentum, 0)
}

// Result is a trained network's answers.
type Result struct {
	Outputs [4]float32 // the network's output for each row of Inputs
	Loss    float64    // final binary cross-entropy
}

// Correct counts the rows where the output, rounded at 0.5, is the target.
func (r *Result) Correct() int {
	n := 0
	for i, out := range r.Outputs {
		if (out >= 0.5) == (Targets[i] == 1) {
			n++
		}
	}
	return n
}

// Train fits a network dense(Hidden) → tanh → dense(1) → sigmoid to the
// truth table with full-batch SGD and binary cross-entropy. If progress is
// not nil it is called after every epoch with the loss.
func Train(cfg Config, progress func(epoch int, loss float64)) (*Result, error) {
	cfg.defaults()
	env := nn.NewEnv(cfg.Seed, 1)
	defer env.Close()
	model := nn.NewSequential(nn.NewDense(cfg.Hidden), nn.NewTanh(), nn.NewDense(1), nn.NewSigmoid())
	if _, err := model.Build([]int{2}, env); err != nil {
		return nil, fmt.Errorf("xor: %w", err)
	}
	x := tensor.New(4, 2)
	y := tensor.New(4, 1)
	for i := range Inputs {
		copy(x.Data[2*i:], Inputs[i][:])
		y.Data[i] = Targets[i]
	}
	opt := optim.NewSGD(model.Params(), cfg.Rate, cfg.Momentum)
	var loss nn.BCE
	var res Result
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		res.Loss = loss.Forward(model.Forward(x, true), y)
		model.Backward(loss.Backward())
		opt.Step()
		if progress != nil {
			progress(epoch, res.Loss)
		}
	}
	copy(res.Outputs[:], model.Forward(x, false).Data)
	return &res, nil
}
