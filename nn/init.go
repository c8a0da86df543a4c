package nn

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/rng"
)

// Init chooses how a layer's starting weights are drawn. Biases always
// start at zero.
//
// The aim of both schemes is to keep the size of the signal the same from
// layer to layer, so that a deep network neither saturates nor fades out at
// the start of training. A weight with fanIn inputs feeding each output:
//   - He (Kaiming) draws with variance 2/fanIn, which makes up for ReLU
//     zeroing half of its inputs;
//   - Glorot (Xavier) draws with variance 2/(fanIn+fanOut), the balance
//     between the forward signal and the backward gradient for tanh and
//     sigmoid, which are linear near zero.
type Init int

const (
	// InitAuto picks HeNormal when the next activation after the layer is
	// a ReLU, and GlorotUniform otherwise (tanh, sigmoid, or the output).
	InitAuto Init = iota
	HeNormal
	HeUniform
	GlorotNormal
	GlorotUniform
)

var initNames = [...]string{"auto", "he_normal", "he_uniform", "glorot_normal", "glorot_uniform"}

func (i Init) String() string {
	if i < 0 || int(i) >= len(initNames) {
		return fmt.Sprintf("Init(%d)", int(i))
	}
	return initNames[i]
}

// ParseInit reads an Init by its String name.
func ParseInit(s string) (Init, error) {
	for i, name := range initNames {
		if s == name {
			return Init(i), nil
		}
	}
	return 0, fmt.Errorf("unknown initialisation %q (want one of auto, he_normal, he_uniform, glorot_normal, glorot_uniform)", s)
}

// Initializer is a layer with weights to draw. Sequential calls InitWeights
// after Build; auto is the scheme InitAuto stands for at this layer's place
// in the model.
type Initializer interface {
	InitWeights(auto Init, r *rng.RNG)
}

// fill draws w for a layer with the given fan-in and fan-out.
func (i Init) fill(w []float32, fanIn, fanOut int, r *rng.RNG) {
	switch i {
	case HeNormal:
		r.FillNormal(w, math.Sqrt(2/float64(fanIn)))
	case HeUniform:
		r.FillUniform(w, math.Sqrt(6/float64(fanIn)))
	case GlorotNormal:
		r.FillNormal(w, math.Sqrt(2/float64(fanIn+fanOut)))
	case GlorotUniform:
		r.FillUniform(w, math.Sqrt(6/float64(fanIn+fanOut)))
	default:
		panic(fmt.Sprintf("nn: initialisation %v not resolved", i))
	}
}

// resolve returns i, or auto when i is InitAuto.
func (i Init) resolve(auto Init) Init {
	if i == InitAuto {
		return auto
	}
	return i
}
