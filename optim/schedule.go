package optim

import (
	"fmt"
	"math"
)

// A Schedule gives the learning rate for each optimiser step. Training
// calls Rate(step) before step number step (counting from 0) and sets the
// optimiser's rate to it. Schedules are pure functions of the step, except
// ReduceOnPlateau, which also watches a metric at the end of every epoch;
// so resuming a run at step s resumes its schedule exactly.
type Schedule interface {
	Rate(step int) float64
}

// Constant keeps the rate fixed.
type Constant struct{ LR float64 }

// Rate returns LR.
func (c Constant) Rate(int) float64 { return c.LR }

// StepDecay multiplies the rate by Gamma every Every epochs (PyTorch's
// StepLR): rate = LR·Gamma^⌊epoch/Every⌋.
type StepDecay struct {
	LR            float64
	Gamma         float64 // e.g. 0.1
	Every         int     // epochs between decays
	StepsPerEpoch int
}

// Rate returns the decayed rate for step.
func (s StepDecay) Rate(step int) float64 {
	epoch := step / s.StepsPerEpoch
	return s.LR * math.Pow(s.Gamma, float64(epoch/s.Every))
}

// Exponential multiplies the rate by Gamma every epoch (PyTorch's
// ExponentialLR): rate = LR·Gamma^epoch.
type Exponential struct {
	LR            float64
	Gamma         float64
	StepsPerEpoch int
}

// Rate returns the decayed rate for step.
func (e Exponential) Rate(step int) float64 {
	return e.LR * math.Pow(e.Gamma, float64(step/e.StepsPerEpoch))
}

// Cosine warms up linearly from 0 to LR over Warmup steps, then follows
// half a cosine from LR down to Min at step Total:
//
//	rate = Min + (LR − Min)·(1 + cos(π·p))/2,   p = (step − Warmup)/(Total − Warmup)
//
// A short warm-up keeps the first, noisiest steps from throwing the
// weights off; the slow cosine tail lets training settle.
type Cosine struct {
	LR     float64
	Min    float64
	Warmup int // steps
	Total  int // steps
}

// Rate returns the rate for step.
func (c Cosine) Rate(step int) float64 {
	if step < c.Warmup {
		return c.LR * float64(step+1) / float64(c.Warmup)
	}
	p := min(1, float64(step-c.Warmup)/float64(max(1, c.Total-c.Warmup)))
	return c.Min + (c.LR-c.Min)*(1+math.Cos(math.Pi*p))/2
}

// CosineRestarts is Cosine run again from LR at the start of each cycle
// (SGDR, Loshchilov and Hutter, 2017): cycle k covers steps [Starts[k],
// Starts[k+1]), the last one up to Total, and in each the rate follows
// half a cosine from LR down to Min, after Warmup steps of the first
// cycle. At the end of a cycle the weights have settled in a minimum;
// the restart throws them toward another, so that the ends of the cycles
// make an ensemble (snapshot ensembles, Huang et al., 2017; see
// train.Recipe.Snapshots). Starts[0] is 0.
type CosineRestarts struct {
	LR     float64
	Min    float64
	Warmup int   // steps, at the start of the first cycle
	Starts []int // the first step of each cycle
	Total  int   // steps
}

// Rate returns the rate for step.
func (c CosineRestarts) Rate(step int) float64 {
	k := 0
	for k+1 < len(c.Starts) && step >= c.Starts[k+1] {
		k++
	}
	end := c.Total
	if k+1 < len(c.Starts) {
		end = c.Starts[k+1]
	}
	warmup := 0
	if k == 0 {
		warmup = c.Warmup
	}
	return Cosine{LR: c.LR, Min: c.Min, Warmup: warmup, Total: end - c.Starts[k]}.Rate(step - c.Starts[k])
}

// OneCycle is Leslie Smith's one-cycle policy as PyTorch's OneCycleLR
// (cosine annealing, without its momentum cycling): the rate rises from
// Max/Div to Max over the first Warm fraction of the Total steps, then
// falls to Max/(Div·FinalDiv) by the last step.
type OneCycle struct {
	Max      float64
	Total    int     // steps
	Warm     float64 // fraction of steps rising; 0 means 0.3
	Div      float64 // 0 means 25
	FinalDiv float64 // 0 means 1e4
}

// Rate returns the rate for step.
func (o OneCycle) Rate(step int) float64 {
	warm, div, finalDiv := o.Warm, o.Div, o.FinalDiv
	if warm == 0 {
		warm = 0.3
	}
	if div == 0 {
		div = 25
	}
	if finalDiv == 0 {
		finalDiv = 1e4
	}
	start := o.Max / div
	end := start / finalDiv
	peak := warm*float64(o.Total) - 1 // the step at which the rate is Max
	anneal := func(from, to, p float64) float64 { return to + (from-to)*(1+math.Cos(math.Pi*p))/2 }
	s := float64(min(step, o.Total-1))
	if s <= peak {
		return anneal(start, o.Max, s/max(peak, 1))
	}
	return anneal(o.Max, end, (s-peak)/max(float64(o.Total-1)-peak, 1))
}

// ReduceOnPlateau divides the rate by 1/Factor when a watched metric (the
// validation loss, say) has not improved for Patience epochs, as PyTorch's
// ReduceLROnPlateau in mode "min" with a relative threshold. Call
// EndEpoch with the metric after every epoch.
type ReduceOnPlateau struct {
	Factor    float64 // 0 means 0.1
	Patience  int     // epochs without improvement before reducing
	Min       float64 // the rate never goes below this
	Threshold float64 // relative improvement that counts; 0 means 1e-4
	Maximize  bool    // watch a metric that should rise (accuracy)

	// The schedule's state, saved in checkpoints.
	Current   float64 // the rate now
	Best      float64 // the best metric seen
	BadEpochs int     // epochs since Best
	Seen      bool    // whether any metric has been seen
}

// NewReduceOnPlateau starts at rate lr.
func NewReduceOnPlateau(lr float64, patience int) *ReduceOnPlateau {
	return &ReduceOnPlateau{Current: lr, Patience: patience}
}

// Rate returns the current rate.
func (r *ReduceOnPlateau) Rate(int) float64 { return r.Current }

// EndEpoch records an epoch's metric and lowers the rate after Patience
// epochs without improvement. It reports whether it lowered the rate.
func (r *ReduceOnPlateau) EndEpoch(metric float64) bool {
	threshold, factor := r.Threshold, r.Factor
	if threshold == 0 {
		threshold = 1e-4
	}
	if factor == 0 {
		factor = 0.1
	}
	better := !r.Seen
	if r.Seen {
		if r.Maximize {
			better = metric > r.Best*(1+threshold)
		} else {
			better = metric < r.Best*(1-threshold)
		}
	}
	if better {
		r.Best, r.BadEpochs, r.Seen = metric, 0, true
		return false
	}
	r.BadEpochs++
	if r.BadEpochs > r.Patience {
		next := max(r.Current*factor, r.Min)
		r.BadEpochs = 0
		if next < r.Current {
			r.Current = next
			return true
		}
	}
	return false
}

// ParseSchedule builds a schedule from a name as the command line takes
// it: constant, step, exp, cosine, onecycle or plateau. lr is the base (or
// peak) rate, epochs and stepsPerEpoch the length of the run.
func ParseSchedule(name string, lr float64, epochs, stepsPerEpoch int) (Schedule, error) {
	total := epochs * stepsPerEpoch
	switch name {
	case "", "constant":
		return Constant{lr}, nil
	case "step":
		// Divide by 10 at a third and two thirds of the run.
		return StepDecay{LR: lr, Gamma: 0.1, Every: max(1, (epochs+2)/3), StepsPerEpoch: stepsPerEpoch}, nil
	case "exp":
		return Exponential{LR: lr, Gamma: 0.9, StepsPerEpoch: stepsPerEpoch}, nil
	case "cosine":
		return Cosine{LR: lr, Warmup: min(stepsPerEpoch, total/10), Total: total}, nil
	case "onecycle":
		return OneCycle{Max: lr, Total: total}, nil
	case "plateau":
		return NewReduceOnPlateau(lr, 2), nil
	}
	return nil, fmt.Errorf("unknown learning-rate schedule %q (want constant, step, exp, cosine, onecycle or plateau)", name)
}
