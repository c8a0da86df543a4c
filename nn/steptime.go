package nn

import (
	"fmt"
	"time"

	"github.com/gocnn/gocnn/tensor"
)

// A StepTime is the wall time that one step of a Sequential's run order
// took, forward and backward, summed over the passes since TimeSteps
// began timing it: where a network's time goes, layer by layer.
//
// A step is a layer, or a layer with its neighbours that Sequential runs
// as one (see fuseConv), named by its place in the run order and the
// kinds it runs: "2 conv2d+batchnorm+relu". A residual block is one step
// and each step of its body is one more, numbered within the block: "4
// residual+relu", then "4.0 conv2d+batchnorm+relu", "4.1
// conv2d+batchnorm". The block's own time includes its body's, its
// shortcut and the adding of the two paths.
type StepTime struct {
	Step              string
	Depth             int // 0 for a step of the network, 1 inside a block's body, ...
	Forward, Backward time.Duration
}

// TimeSteps starts timing every step of s's run order, the steps of
// residual blocks' bodies included, and returns their times, which every
// later Forward and Backward adds to, and a function that stops the
// timing. Only one timing may run at a time; a step's time is wall time,
// so run nothing else meanwhile to read it as the step's cost.
func (s *Sequential) TimeSteps() (times []*StepTime, stop func()) {
	var undo []func()
	s.timeSteps("", 0, &times, &undo)
	return times, func() {
		for _, u := range undo {
			u()
		}
	}
}

// timeSteps wraps s's run order in timers named with prefix, at depth,
// appending
// their times to times and what undoes the wrapping to undo.
func (s *Sequential) timeSteps(prefix string, depth int, times *[]*StepTime, undo *[]func()) {
	run := s.run
	timed := make([]Layer, len(run))
	for i, l := range run {
		t := &StepTime{Step: fmt.Sprintf("%s%d %s", prefix, i, stepKinds(l)), Depth: depth}
		*times = append(*times, t)
		timed[i] = timedStep{l, t}
		var body *Sequential
		switch b := l.(type) {
		case *Residual:
			body = b.Body
		case residualReLU:
			body = b.Body
		}
		if body != nil {
			body.timeSteps(fmt.Sprintf("%s%d.", prefix, i), depth+1, times, undo)
		}
	}
	s.run = timed
	*undo = append(*undo, func() { s.run = run })
}

// stepKinds names what a step of the run order runs.
func stepKinds(l Layer) string {
	switch f := l.(type) {
	case convBN:
		name := "conv2d+batchnorm"
		if f.pool != nil {
			name += "+maxpool2d"
		}
		if f.relu {
			name += "+relu"
		}
		return name
	case convReLU:
		return "conv2d+relu"
	case convPool:
		if f.relu {
			return "conv2d+maxpool2d+relu"
		}
		return "conv2d+maxpool2d"
	case poolReLU:
		return "maxpool2d+relu"
	case bnReLU:
		return "batchnorm+relu"
	case residualReLU:
		return "residual+relu"
	}
	return l.Kind()
}

// timedStep is a step of the run order with a timer around its passes.
type timedStep struct {
	Layer
	t *StepTime
}

func (s timedStep) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	start := time.Now()
	y := s.Layer.Forward(x, train)
	s.t.Forward += time.Since(start)
	return y
}

func (s timedStep) Backward(dy *tensor.Tensor) *tensor.Tensor {
	start := time.Now()
	dx := s.Layer.Backward(dy)
	s.t.Backward += time.Since(start)
	return dx
}

// backwardOver times the step's backwardOver, or its Backward when it
// has none, so that the timed network runs as the untimed one does.
func (s timedStep) backwardOver(dy *tensor.Tensor, w overwrite) *tensor.Tensor {
	o, ok := s.Layer.(gradOverwriter)
	if !ok {
		return s.Backward(dy)
	}
	start := time.Now()
	dx := o.backwardOver(dy, w)
	s.t.Backward += time.Since(start)
	return dx
}

// outputUnread is the step's own answer, or false when it has none.
func (s timedStep) outputUnread() bool {
	u, ok := s.Layer.(outputUnreader)
	return ok && u.outputUnread()
}
