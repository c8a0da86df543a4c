package nn

import (
	"fmt"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// Residual adds a block's input to its output, the idea behind ResNet:
//
//	y = body(x) + shortcut(x)
//
// The shortcut is the identity when body keeps the shape of x. When body
// changes the number of channels or shrinks the image by a whole stride,
// the shortcut is a 1×1 convolution with that stride, so the two can be
// added. The gradient flows back through both paths and the two input
// gradients are added:
//
//	∂L/∂x = body'ᵀ·dy + shortcut'ᵀ·dy
//
// The shortcut gives the gradient a short path to early layers, which is
// what lets deep networks train. Put the activation that usually follows
// the addition after the block: residual(...) relu.
//
// Parameters are named as a PyTorch module with attributes body (a
// Sequential) and shortcut (a Conv2d) would name them: "body.0.weight",
// "shortcut.weight".
//
// The sums are shared out among the workers, image by image. A residual
// block followed by a ReLU runs with it as one layer (residualReLU, in
// Sequential's run order): the ReLU is applied to each sum as it is made,
// and the gradient taken back through it before it goes down the paths.
// When the body ends with a convolution and a batch norm, as a ResNet
// block's does, the shortcut runs first and the body's last layer adds
// it (and applies the ReLU) as it makes its output: the batch norm as it
// normalises each channel in training, the convolution with the batch
// norm folded in as it computes each image in evaluation. Likewise, when
// the body starts with a convolution, the backward pass runs the
// shortcut's first and the convolution adds the shortcut's input
// gradient to its own as it makes each image's. The sums are the same
// bits; the passes over the batch that would add them are saved.
type Residual struct {
	Body     *Sequential
	Shortcut *Conv2D // nil for the identity; set by Build when shapes differ

	shape  []int
	needDX bool
	env    *Env
	relu   bool // whether the last Forward applied a ReLU

	// end, when the body ends with a convolution and batch norm (a
	// convBN with no pool or ReLU of its own), is how the block asks it
	// to add the shortcut: the sum is then made as the body's output is,
	// and out is the body's output. Otherwise out is y. See addsAtEnd.
	end *residualAdd
	out *tensor.Tensor
	// start, when the body starts with a convolution, is that
	// convolution: Backward runs the shortcut's backward pass first and
	// has it add the shortcut's input gradient to its own as it makes
	// it (Conv2D.dxAddend), which is then the block's. Otherwise the two
	// are added in a pass of their own.
	start *Conv2D

	y, dx, g     tensor.Tensor
	a, b, dy     *tensor.Tensor // what the workers add (or take back through the ReLU)
	gTo          *tensor.Tensor // where the ReLU's gradient goes: g, or dy itself
	addFn, relFn func(worker, lo, hi int)
}

// NewResidual returns a residual block around the given layers.
func NewResidual(body ...Layer) *Residual { return &Residual{Body: NewSequential(body...)} }

// Kind returns "residual".
func (r *Residual) Kind() string { return "residual" }

func (r *Residual) multiplyAdds() (forward, train int64) {
	forward, train = r.Body.MultiplyAdds()
	if r.Shortcut != nil {
		f, t := r.Shortcut.multiplyAdds()
		forward, train = forward+f, train+t
	}
	return forward, train
}

// Build builds the body and, when its output's shape differs from in, a
// 1×1 convolution shortcut.
func (r *Residual) Build(in []int, env *Env) ([]int, error) {
	out, err := r.Body.Build(in, env)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	r.needDX = env.NeedInputGrad
	r.env = env
	r.addFn, r.relFn = r.addImages, r.reluGradImages
	r.Shortcut = nil
	if !tensor.SameShape(in, out) {
		if len(in) != 3 || len(out) != 3 {
			return nil, fmt.Errorf("body turns %s into %s; a shortcut can only bridge images", tensor.ShapeString(in), tensor.ShapeString(out))
		}
		// The stride s that takes n positions to m is the one a 1x1
		// convolution would need: (n−1)/s + 1 = m, so s = ⌈n/m⌉ if any.
		sh, sw := ceilDiv(in[1], out[1]), ceilDiv(in[2], out[2])
		if (in[1]-1)/sh+1 != out[1] || (in[2]-1)/sw+1 != out[2] {
			return nil, fmt.Errorf("body turns %s into %s; a 1x1 convolution shortcut cannot match that", tensor.ShapeString(in), tensor.ShapeString(out))
		}
		r.Shortcut = &Conv2D{Out: out[0], KH: 1, KW: 1, StrideH: sh, StrideW: sw}
		if _, err := r.Shortcut.Build(in, env); err != nil {
			return nil, fmt.Errorf("shortcut: %w", err)
		}
	}
	r.shape = out
	r.end, r.start = nil, nil
	if len(r.Body.run) > 0 {
		switch l := r.Body.run[0].(type) {
		case *Conv2D:
			r.start = l
		case convBN:
			r.start = l.conv
		case convReLU:
			r.start = l.Conv2D
		}
	}
	if last := len(r.Body.run) - 1; last >= 0 && len(out) == 3 {
		if l, ok := r.Body.run[last].(convBN); ok && l.pool == nil && !l.relu {
			l.add = &residualAdd{}
			r.Body.run[last], r.end = l, l.add
		}
	}
	return out, nil
}

// InitWeights draws the shortcut's weights (the body drew its own when it
// was built).
func (r *Residual) InitWeights(auto Init, g *rng.RNG) {
	if r.Shortcut != nil {
		r.Shortcut.InitWeights(auto, g)
	}
}

// Params returns the body's parameters, then the shortcut's.
func (r *Residual) Params() []*Param {
	var ps []*Param
	for _, p := range r.Body.Params() {
		ps = append(ps, &Param{Name: "body." + p.Name, Value: p.Value, Grad: p.Grad})
	}
	if r.Shortcut != nil {
		for _, p := range r.Shortcut.Params() {
			ps = append(ps, &Param{Name: "shortcut." + p.Name, Value: p.Value, Grad: p.Grad})
		}
	}
	return ps
}

// Forward returns body(x) + shortcut(x).
func (r *Residual) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	return r.forward(x, train, false)
}

// forward is Forward, followed by a ReLU when relu is true.
func (r *Residual) forward(x *tensor.Tensor, train, relu bool) *tensor.Tensor {
	r.relu = relu
	if r.addsAtEnd(train) {
		// The shortcut first, for the body's last layer to add.
		short := x
		if r.Shortcut != nil {
			short = r.Shortcut.Forward(x, train)
		}
		r.end.short, r.end.relu = short, relu
		r.out = r.Body.Forward(x, train)
		r.end.short = nil
		return r.out
	}
	body := r.Body.Forward(x, train)
	short := x
	if r.Shortcut != nil {
		short = r.Shortcut.Forward(x, train)
	}
	r.y.Resize(x.Shape[0], r.shape)
	r.a, r.b, r.dy = body, short, &r.y
	r.env.For(x.Shape[0], r.addFn)
	r.out = &r.y
	return r.out
}

// addImages sets, for images [lo, hi), r.dy = r.a + r.b, then applies
// the ReLU when r.relu is set (for the forward pass, not the backward).
func (r *Residual) addImages(_, lo, hi int) {
	size := len(r.a.Data) / r.a.Shape[0]
	dst, a, b := r.dy.Data[lo*size:hi*size], r.a.Data[lo*size:hi*size], r.b.Data[lo*size:hi*size]
	vec.AddTo(dst, a, b, r.relu && r.dy == &r.y)
}

// reluGradImages takes dy back through the fused ReLU for images [lo,
// hi), into r.gTo.
func (r *Residual) reluGradImages(_, lo, hi int) {
	size := len(r.out.Data) / r.out.Shape[0]
	vec.ReluBackward(r.gTo.Data[lo*size:hi*size], r.dy.Data[lo*size:hi*size], r.out.Data[lo*size:hi*size])
}

// Backward sends dy down both paths and adds the input gradients.
func (r *Residual) Backward(dy *tensor.Tensor) *tensor.Tensor { return r.backward(dy, false) }

// backwardOver is Backward with the gradient taken back through the
// fused ReLU, if any, written over dy when w.dy allows (see
// gradOverwriter); the block's input is read by its body's first layer
// and by a convolution shortcut, and never written over.
func (r *Residual) backwardOver(dy *tensor.Tensor, w overwrite) *tensor.Tensor {
	return r.backward(dy, w.dy)
}

// backward is Backward, taking dy back through the fused ReLU into dy
// itself when over is true, or into r.g.
func (r *Residual) backward(dy *tensor.Tensor, over bool) *tensor.Tensor {
	n := dy.Shape[0]
	if r.relu {
		r.dy, r.gTo = dy, dy
		if !over {
			r.g.Resize(n, r.shape)
			r.gTo = &r.g
		}
		r.env.For(n, r.relFn)
		dy, r.gTo = r.gTo, nil
	}
	dShort := dy
	if r.Shortcut != nil {
		dShort = r.Shortcut.Backward(dy)
	}
	// A convolution shortcut has read dy through: the body is its last
	// reader, and may write over it where it is the block's own (through
	// the ReLU) or was offered to the block (over).
	owned := r.Shortcut != nil && (r.relu || over)
	if r.start != nil && r.needDX {
		r.start.dxAddend = dShort
		dx := r.Body.backward(dy, owned)
		r.start.dxAddend = nil
		return dx
	}
	dBody := r.Body.backward(dy, owned)
	if !r.needDX {
		return nil
	}
	r.dx.Resize(n, dBody.Shape[1:])
	r.a, r.b, r.dy = dBody, dShort, &r.dx
	r.env.For(n, r.addFn)
	return &r.dx
}

// residualReLU is a residual block and the ReLU after it run as one
// layer: the ReLU is applied to each sum in the same pass that adds the
// paths. The numbers are the same as the two layers'.
type residualReLU struct{ *Residual }

// Forward runs the block and applies the ReLU.
func (l residualReLU) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	return l.forward(x, train, true)
}

// addsAtEnd reports whether a Forward (in training, when train is true)
// has the body's last layer add the shortcut. In training the batch norm
// adds it, which pays on planes of addAtEndPlane values or more.
func (r *Residual) addsAtEnd(train bool) bool {
	return r.end != nil && (!train || r.shape[1]*r.shape[2] >= addAtEndPlane)
}

// addAtEndPlane is the smallest image plane (H·W) on which a block adds
// its shortcut at its body's end in training: below it, adding a plane of
// each image as its batch norm normalises it costs more calls than the
// pass over the batch it saves. BenchmarkResidualAdd, training, one
// thread, least of five runs (2026-12-06): 64x12x12 at 718 µs against 810
// apart, 128x8x8 at 800 against 706, 256x3x3 at 366 against 209. In
// evaluation the convolution adds each image whole, which pays on every
// size.
const addAtEndPlane = 128

func ceilDiv(a, b int) int { return (a + b - 1) / b }
