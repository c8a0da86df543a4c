package optim

import (
	"fmt"
	"strings"

	"github.com/gocnn/gocnn/nn"
)

// Settings choose an optimiser by name, with the hyperparameters a command
// line gives, for New.
type Settings struct {
	// Name is one of Names: sgd, adam, adamw or rmsprop.
	Name string
	// LR is the learning rate; 0 takes DefaultLR(Name).
	LR float64
	// Momentum is SGD's and RMSProp's momentum (Adam ignores it).
	Momentum float64
	// Nesterov turns on SGD's Nesterov momentum (the others ignore it).
	Nesterov bool
	// WeightDecay is the weight decay. For adam and adamw, 0 keeps the
	// constructor's default: none for Adam, 0.01 for AdamW, as PyTorch.
	WeightDecay float64
	// Pool, when set, shares each step among its workers (a model's
	// nn.Env).
	Pool Pool
}

// Names lists the optimisers New makes.
func Names() []string { return []string{"sgd", "adam", "adamw", "rmsprop"} }

// DefaultLR is the learning rate New uses for an optimiser when none is
// given: 0.05 for SGD, whose steps are the gradient itself, and 0.001 for
// the adaptive ones (Adam, AdamW, RMSProp), whose steps are about LR in
// size whatever the gradient's scale. It is 0 for an unknown name.
func DefaultLR(name string) float64 {
	switch name {
	case "sgd":
		return 0.05
	case "adam", "adamw", "rmsprop":
		return 0.001
	}
	return 0
}

// New returns the optimiser s names for params, with s's settings.
func New(params []*nn.Param, s Settings) (Optimizer, error) {
	lr := s.LR
	if lr == 0 {
		lr = DefaultLR(s.Name)
	}
	if lr < 0 {
		return nil, fmt.Errorf("learning rate %g is negative", lr)
	}
	switch s.Name {
	case "sgd":
		o := NewSGD(params, lr, s.Momentum)
		o.Nesterov, o.WeightDecay, o.Pool = s.Nesterov, s.WeightDecay, s.Pool
		return o, nil
	case "adam", "adamw":
		o := NewAdam(params, lr)
		if s.Name == "adamw" {
			o = NewAdamW(params, lr)
		}
		if s.WeightDecay != 0 {
			o.WeightDecay = s.WeightDecay
		}
		o.Pool = s.Pool
		return o, nil
	case "rmsprop":
		o := NewRMSProp(params, lr)
		o.Momentum, o.WeightDecay, o.Pool = s.Momentum, s.WeightDecay, s.Pool
		return o, nil
	}
	return nil, fmt.Errorf("unknown optimiser %q (want %s)", s.Name, strings.Join(Names(), ", "))
}
