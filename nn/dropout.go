package nn

import (
	"fmt"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// Dropout zeroes each element with probability P during training and
// scales the survivors by 1/(1−P) ("inverted" dropout), so the expected
// value of every element is unchanged and evaluation needs no rescaling:
// with train false, Dropout passes its input through untouched.
//
// The mask of the last training Forward is kept for the backward pass,
// which lets the gradient through exactly where the input got through.
type Dropout struct {
	P float64 // probability of dropping an element, in [0, 1)

	rand  *rng.RNG
	shape []int
	train bool
	mask  []float32 // 0 or 1/(1−P) per element
	y, dx tensor.Tensor
}

// NewDropout returns a dropout layer that drops with probability p.
func NewDropout(p float64) *Dropout { return &Dropout{P: p} }

// Kind returns "dropout".
func (d *Dropout) Kind() string { return "dropout" }

// Build takes the layer's own random stream from env.
func (d *Dropout) Build(in []int, env *Env) ([]int, error) {
	if d.P < 0 || d.P >= 1 {
		return nil, fmt.Errorf("needs a drop probability in [0, 1), got %g", d.P)
	}
	d.rand, d.shape = env.Rand.Split(), in
	return in, nil
}

// Params returns nil.
func (d *Dropout) Params() []*Param { return nil }

// Rand returns the layer's random stream, whose state a checkpoint saves.
func (d *Dropout) Rand() *rng.RNG { return d.rand }

// Forward drops elements in training and passes x through in evaluation.
func (d *Dropout) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	d.train = train
	if !train || d.P == 0 {
		return x
	}
	d.y.Resize(x.Shape[0], d.shape)
	if cap(d.mask) < len(x.Data) {
		d.mask = make([]float32, len(x.Data))
	}
	d.mask = d.mask[:len(x.Data)]
	// Each element is dropped when a 16-bit random number falls below
	// P·65536, four elements to one 64-bit draw: P is rounded to a
	// multiple of 1/65536, and masks cost a quarter of a draw each.
	keep := float32(1 / (1 - d.P))
	threshold := uint64(d.P*65536 + 0.5)
	for i := 0; i < len(d.mask); i += 4 {
		bits := d.rand.Uint64()
		for j := i; j < min(i+4, len(d.mask)); j++ {
			// 1 when the 16 bits fall below the threshold: the subtraction
			// then wraps round and sets the top bit (no branch to mispredict).
			dropped := (bits&0xffff - threshold) >> 63
			d.mask[j] = keep * float32(1-dropped)
			bits >>= 16
		}
	}
	vec.Mul(d.y.Data, x.Data, d.mask)
	return &d.y
}

// Backward multiplies dy by the mask of the last training Forward.
func (d *Dropout) Backward(dy *tensor.Tensor) *tensor.Tensor {
	if !d.train || d.P == 0 {
		return dy
	}
	d.dx.Resize(dy.Shape[0], d.shape)
	vec.Mul(d.dx.Data, dy.Data, d.mask)
	return &d.dx
}

// RandomStreams returns the random streams of the layers that draw while
// training (dropout), depth first through nested models, in a fixed order:
// a checkpoint saves their states so that a resumed run draws the same
// masks as one never interrupted.
func RandomStreams(layers []Layer) []*rng.RNG {
	var out []*rng.RNG
	for _, l := range layers {
		switch v := l.(type) {
		case interface{ Rand() *rng.RNG }:
			out = append(out, v.Rand())
		case *Sequential:
			out = append(out, RandomStreams(v.Layers)...)
		case *Residual:
			out = append(out, RandomStreams(v.Body.Layers)...)
		}
	}
	return out
}
