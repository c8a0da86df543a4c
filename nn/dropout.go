package nn

import (
	"fmt"
	"math"

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
	keep := math.Float32bits(float32(1 / (1 - d.P)))
	threshold := uint64(d.P*65536 + 0.5)
	// maskOf is the mask for the low 16 bits of r: keep, or 0 when they
	// fall below the threshold. The subtraction then wraps round and sets
	// the top bit, which the shift spreads over all 64 (no branch to
	// mispredict).
	maskOf := func(r uint64) float32 {
		dropped := uint32(int64(r&0xffff-threshold) >> 63)
		return math.Float32frombits(keep &^ dropped)
	}
	m := d.mask
	for len(m) >= 4 {
		r := d.rand.Uint64()
		m[0], m[1], m[2], m[3] = maskOf(r), maskOf(r>>16), maskOf(r>>32), maskOf(r>>48)
		m = m[4:]
	}
	if len(m) > 0 {
		r := d.rand.Uint64()
		for j := range m {
			m[j] = maskOf(r >> (16 * j))
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
