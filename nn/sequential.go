package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/gocnn/gocnn/tensor"
)

// Sequential runs layers one after another: the output of each is the
// input of the next. It is itself a Layer, so a Sequential can sit inside
// another model (a residual block's body, say).
//
// Build works out every layer's output shape before any data flows, so a
// model that cannot work fails at once with an error naming the layer,
// never with a panic in the middle of training.
type Sequential struct {
	Layers []Layer // the layers as written, in order

	in     []int
	shapes [][]int // shapes[i] is the output shape of Layers[i]
	params []*Param
	run    []Layer // the order Forward and Backward use (see poolBeforeReLU)
}

// NewSequential returns a model made of the given layers, in order.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Kind returns "sequential".
func (s *Sequential) Kind() string { return "sequential" }

// Build builds every layer in turn for examples of shape in, then draws the
// initial weights from env.Rand. The error for a layer that does not fit
// names it by position and kind, as in
//
//	layer 5 dense: expects 9216 inputs, got 1600
func (s *Sequential) Build(in []int, env *Env) ([]int, error) {
	if len(s.Layers) == 0 {
		return nil, fmt.Errorf("model has no layers")
	}
	for _, d := range in {
		if d <= 0 {
			return nil, fmt.Errorf("input shape %s has an empty dimension", tensor.ShapeString(in))
		}
	}
	s.in = append([]int(nil), in...)
	s.shapes = make([][]int, len(s.Layers))
	s.params = nil
	shape := s.in
	needInputGrad := env.NeedInputGrad
	for i, l := range s.Layers {
		env.NeedInputGrad = needInputGrad || i > 0
		out, err := l.Build(shape, env)
		if err != nil {
			env.NeedInputGrad = needInputGrad
			return nil, fmt.Errorf("layer %d %s: %w", i, l.Kind(), err)
		}
		s.shapes[i] = append([]int(nil), out...)
		for _, p := range l.Params() {
			s.params = append(s.params, &Param{Name: fmt.Sprintf("%d.%s", i, p.Name), Value: p.Value, Grad: p.Grad})
		}
		shape = out
	}
	env.NeedInputGrad = needInputGrad
	for i, l := range s.Layers {
		if w, ok := l.(Initializer); ok {
			w.InitWeights(s.autoInit(i), env.Rand)
		}
	}
	run, err := s.poolBeforeReLU(env)
	if err != nil {
		return nil, err
	}
	s.run = fuseConv(run)
	return s.OutShape(), nil
}

// poolBeforeReLU returns the order in which Forward and Backward run the
// layers: the written order, except that a ReLU followed by a max-pool
// runs after it, on the pooled values, a quarter as many with 2×2
// windows. The two commute exactly: the largest of max(0, x) over a
// window is max(0, the largest x), and the gradient reaches the same input
// either way (through the window's largest value when it is positive, and
// nowhere when it is not).
//
// The moved ReLU is a second ReLU built for the pooled shape; Layers, the
// shapes and the parameter names keep the written order, so a model looks
// and saves as written and stepping through Layers one by one (as
// inspect does) gives the values Forward gives (in evaluation, up to the
// rounding of a batch norm folded into its convolution: see convBN).
func (s *Sequential) poolBeforeReLU(env *Env) ([]Layer, error) {
	run := append([]Layer(nil), s.Layers...)
	for i := 0; i+1 < len(run); i++ {
		_, isReLU := run[i].(*ReLU)
		pool, isPool := run[i+1].(*MaxPool2D)
		if !isReLU || !isPool {
			continue
		}
		relu := NewReLU()
		if _, err := relu.Build(s.shapes[i+1], env); err != nil {
			return nil, fmt.Errorf("layer %d %s: %w", i, relu.Kind(), err)
		}
		run[i], run[i+1] = pool, relu
		i++
	}
	return run, nil
}

// fuseConv returns run with each convolution that is followed by a ReLU
// or a max-pool (and a ReLU) replaced by a convReLU or a convPool, which
// does the work of both, each convolution followed by a batch norm (and a
// ReLU) by a convBN, and each batch norm, residual block or max-pool
// followed by a ReLU by a bnReLU, residualReLU or poolReLU. (Run it
// after poolBeforeReLU, which may have put a max-pool right after a
// convolution.)
func fuseConv(run []Layer) []Layer {
	fused := make([]Layer, 0, len(run))
	for i := 0; i < len(run); i++ {
		if conv, isConv := run[i].(*Conv2D); isConv && i+1 < len(run) {
			if bn, isBN := run[i+1].(*BatchNorm); isBN {
				l := convBN{conv: conv, bn: bn, fold: &bnFold{}}
				i++
				if i+1 < len(run) {
					l.pool, _ = run[i+1].(*MaxPool2D)
				}
				if l.pool != nil {
					i++
				}
				if i+1 < len(run) {
					_, l.relu = run[i+1].(*ReLU)
				}
				if l.relu {
					i++
				}
				fused = append(fused, l)
				continue
			}
		}
		if i+1 < len(run) {
			if _, isReLU := run[i+1].(*ReLU); isReLU {
				switch l := run[i].(type) {
				case *BatchNorm:
					fused = append(fused, bnReLU{l})
					i++
					continue
				case *Residual:
					fused = append(fused, residualReLU{l})
					i++
					continue
				}
			}
		}
		conv, isConv := run[i].(*Conv2D)
		if isConv && i+1 < len(run) {
			switch next := run[i+1].(type) {
			case *ReLU:
				fused = append(fused, convReLU{conv})
				i++
				continue
			case *MaxPool2D:
				l := convPool{Conv2D: conv, pool: next}
				if i+2 < len(run) {
					_, l.relu = run[i+2].(*ReLU)
				}
				fused = append(fused, l)
				i++
				if l.relu {
					i++
				}
				continue
			}
		}
		if pool, isPool := run[i].(*MaxPool2D); isPool && i+1 < len(run) {
			if _, isReLU := run[i+1].(*ReLU); isReLU {
				fused = append(fused, poolReLU{pool})
				i++
				continue
			}
		}
		fused = append(fused, run[i])
	}
	return fused
}

// convReLU is a convolution and the ReLU after it run as one layer: the
// convolution applies the ReLU to each image's output as soon as it has
// computed it, and in the backward pass takes each image's gradient back
// through the ReLU just before using it, both while the image's values
// are in the cache, instead of in a pass of their own over the whole
// batch. The numbers are the same. Like the ReLU moved by
// poolBeforeReLU, it exists only in the order Forward and Backward run:
// Layers keeps the two layers as written.
type convReLU struct{ *Conv2D }

// Forward convolves x and applies the ReLU.
func (l convReLU) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	return l.forward(x, train, true, nil)
}

// convPool is a convolution and the max-pool after it (and, if relu, the
// ReLU after that: see poolReLU) run as one layer, as convReLU is with a
// ReLU: each image's output is pooled straight from the worker's scratch
// memory, so the convolution's full-size output, and its gradient, never
// go out to main memory.
type convPool struct {
	*Conv2D
	pool *MaxPool2D
	relu bool
}

// Forward convolves x and pools the result (and applies the ReLU).
func (l convPool) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	l.pool.relu = l.relu
	return l.forward(x, train, false, l.pool)
}

// Backward takes dy, the gradient of the pooled output, back through the
// pool and the convolution.
func (l convPool) Backward(dy *tensor.Tensor) *tensor.Tensor {
	l.pool.dy = dy
	return l.Conv2D.Backward(dy)
}

// convBN is a convolution, the batch norm after it and, if relu, the
// ReLU after that, run as one layer; or, with pool, the convolution, the
// batch norm, the max-pool after it and, if relu, the ReLU after the pool
// (where Sequential has moved a ReLU written before the pool: see
// poolBeforeReLU). In training it runs them one after the other (the
// batch norm and ReLU as a bnReLU, the batch norm and pool as
// BatchNorm.forwardPooled), since the batch norm needs the whole batch's
// statistics before it can normalise any value.
// In evaluation the statistics are fixed, and the batch norm is a
// multiply and an add per channel, y = s·z + t, which fold into the
// convolution's filters and bias (see bnFold): one convolution, its ReLU
// applied as each image's output is made, and no pass over the output of
// its own. The folded weights round differently from the two layers run
// in turn, by a few units in the last place of float32 (tested against
// the written order within 1e-5 of the largest value).
type convBN struct {
	conv *Conv2D
	bn   *BatchNorm
	pool *MaxPool2D // nil for none
	relu bool
	fold *bnFold
	add  *residualAdd // set when it ends a residual block's body: see Residual
}

// residualAdd is what a residual block asks of the convBN that ends its
// body, for one Forward: to add short, the shortcut's output, to its
// output and then, when relu is true, apply the block's ReLU, as it makes
// its output (BatchNorm.forwardAdd in training, Conv2D.forwardAdd in
// evaluation) rather than in a pass of the block's own.
type residualAdd struct {
	short *tensor.Tensor // nil: nothing to add
	relu  bool
}

// bnFold is the convolution that a convBN runs in evaluation: the same
// geometry and algorithm, with filters s·W and bias s·(b − μ) + β for each
// output channel, where s = γ/√(σ² + ε) and μ, σ² are the running
// statistics.
type bnFold struct {
	conv   *Conv2D
	from   derived // the parameters conv's were folded from
	folded bool    // whether the last Forward ran the folded convolution
	x      *tensor.Tensor
}

// Kind returns "conv2d", the first of the layers it runs.
func (l convBN) Kind() string { return l.conv.Kind() }

// Build is never called: Sequential builds the layers as written.
func (l convBN) Build(in []int, env *Env) ([]int, error) {
	return nil, fmt.Errorf("a fused layer is not built on its own")
}

// Params returns nil: the layers as written hold the parameters.
func (l convBN) Params() []*Param { return nil }

// Forward runs the convolution and the batch norm (and the pool, and the
// ReLU). In evaluation the folded convolution pools each image's output
// as it makes it, as a convPool does.
func (l convBN) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	l.fold.folded = !train
	adding := l.add != nil && l.add.short != nil
	if train {
		if adding {
			return l.bn.forwardAdd(l.convolve(x, true), l.add.short, true, l.add.relu)
		}
		return l.unfolded(x, true)
	}
	f := l.fold.prepare(l.conv, l.bn)
	l.fold.x = x
	if adding {
		return f.forwardAdd(x, l.add.short, l.add.relu)
	}
	if l.pool != nil {
		l.pool.relu = l.relu
		return f.forward(x, false, false, l.pool)
	}
	return f.forward(x, false, l.relu, nil)
}

// unfolded runs the layers one after the other.
func (l convBN) unfolded(x *tensor.Tensor, train bool) *tensor.Tensor {
	y := l.convolve(x, train)
	if l.pool != nil {
		return l.bn.forwardPooled(y, train, l.pool, l.relu)
	}
	return l.bn.forward(y, train, l.relu)
}

// convolve runs the convolution on x. In training the convolution sums
// each output plane as it makes it, while the plane is in the cache, and
// hands the sums to the batch norm for its statistics (see
// BatchNorm.planeSums), which then need no pass over the output of
// their own.
func (l convBN) convolve(x *tensor.Tensor, train bool) *tensor.Tensor {
	if train {
		l.conv.planeSums = l.bn.planeBuffer(x.Shape[0])
	}
	y := l.conv.forward(x, train, false, nil)
	if l.conv.planesSummed {
		l.bn.planeSums = l.conv.planeSums
	}
	l.conv.planeSums, l.conv.planesSummed = nil, false
	return y
}

// Backward takes dy back through the batch norm (and the ReLU) and the
// convolution. After an evaluation Forward, which ran the folded
// convolution, it first runs the two layers in turn on that input, so
// that each has what its backward pass needs and the gradients are the
// layers' own.
func (l convBN) Backward(dy *tensor.Tensor) *tensor.Tensor { return l.backward(dy, overwrite{}) }

// backwardOver is Backward writing over what w allows (see
// gradOverwriter): the batch norm's input gradient over dy, and the
// convolution's over its input.
func (l convBN) backwardOver(dy *tensor.Tensor, w overwrite) *tensor.Tensor { return l.backward(dy, w) }

// backward is Backward, writing the batch norm's input gradient over the
// gradient it takes back when w.dy is true, or when that is the pool's,
// this layer's own, and else over its own input, the convolution's
// output, which nothing reads once the batch norm has taken its gradient
// back; and the convolution's over its input when w.input is true, or
// else over its output when the batch norm's gradient is not there. So
// a batch norm writes no memory of its own in training, nor a
// convolution whose input and output have the same shape.
func (l convBN) backward(dy *tensor.Tensor, w overwrite) *tensor.Tensor {
	if l.fold.folded {
		l.unfolded(l.fold.x, false)
		l.fold.folded = false
	}
	if l.pool != nil && l.bn.train {
		// The batch norm's and the pool's backward passes made image by
		// image, as the convolution asks for each image's gradient.
		l.conv.gradOf = l.bn.pooledGradFn
		dx := l.conv.backward(l.bn.pooledBackward(dy, l.pool), gradTo(w.input, gradOwn))
		l.conv.gradOf = nil
		return dx
	}
	if l.pool != nil {
		dy, w.dy = l.pool.Backward(dy), true
	}
	if w.dy {
		return l.conv.backward(l.bn.backwardInPlace(dy), gradTo(w.input, gradOverOutput))
	}
	return l.conv.backward(l.bn.backwardOverInput(dy), gradTo(w.input, gradOwn))
}

// outputUnread reports whether the layer's output is free once the layer
// after it has taken its gradient back: the batch norm's backward pass
// reads its input and the gradient, never its output, but a pool's reads
// its own output (for the ReLU after it), and a residual sum made here is
// the block's output, which the block's ReLU reads.
func (l convBN) outputUnread() bool { return l.pool == nil && l.add == nil }

// prepare returns the folded convolution for c and b, building it the
// first time and folding the parameters again when they have changed.
func (f *bnFold) prepare(c *Conv2D, b *BatchNorm) *Conv2D {
	if f.conv == nil {
		f.conv = &Conv2D{Out: c.Out, KH: c.KH, KW: c.KW, StrideH: c.StrideH, StrideW: c.StrideW, PadH: c.PadH, PadW: c.PadW}
		if _, err := f.conv.Build([]int{c.In, c.geom.h, c.geom.w}, c.env); err != nil {
			panic(fmt.Sprintf("nn: folding a batch norm into its convolution: %v", err)) // c was built with the same shape
		}
		f.conv.wino = nil
		if c.wino != nil {
			f.conv.wino = newWinoConv(f.conv, c.wino.alg)
			f.conv.wino.always = c.wino.always
		}
	}
	if f.from.stale(c.env, false, c.weight.Value.Data, c.bias.Value.Data,
		b.weight.Value.Data, b.bias.Value.Data, b.runMean.Value.Data, b.runVar.Value.Data) {
		k := c.In * c.KH * c.KW
		w, bias := f.conv.weight.Value.Data, f.conv.bias.Value.Data
		for o := range c.Out {
			s := float64(b.weight.Value.Data[o]) / math.Sqrt(float64(b.runVar.Value.Data[o])+b.Eps)
			for i, v := range c.weight.Value.Data[o*k : (o+1)*k] {
				w[o*k+i] = float32(s * float64(v))
			}
			bias[o] = float32(s*(float64(c.bias.Value.Data[o])-float64(b.runMean.Value.Data[o])) + float64(b.bias.Value.Data[o]))
		}
	}
	return f.conv
}

// autoInit is what InitAuto means for layer i: He when the first
// activation after it is a ReLU, Glorot otherwise. Layers that only move
// or select values (pooling, flatten, dropout, normalisation) are looked
// through.
func (s *Sequential) autoInit(i int) Init {
	for _, l := range s.Layers[i+1:] {
		switch l.Kind() {
		case "relu", "leakyrelu":
			return HeNormal
		case "maxpool2d", "avgpool2d", "globalavgpool2d", "flatten", "dropout", "batchnorm":
			continue
		default:
			return GlorotUniform
		}
	}
	return GlorotUniform
}

// InShape returns the shape of one input example.
func (s *Sequential) InShape() []int { return s.in }

// OutShape returns the shape of one output example.
func (s *Sequential) OutShape() []int { return s.shapes[len(s.shapes)-1] }

// Shapes returns the output shape of every layer.
func (s *Sequential) Shapes() [][]int { return s.shapes }

// Params returns every layer's parameters, named by the layer's position:
// "0.weight", "0.bias", "4.weight", ...
func (s *Sequential) Params() []*Param { return s.params }

// Forward runs x through every layer. x must have shape [N, InShape()...].
func (s *Sequential) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	if len(x.Shape) != len(s.in)+1 || !tensor.SameShape(x.Shape[1:], s.in) {
		panic(fmt.Sprintf("nn: model built for examples of shape %s got a batch of shape %s",
			tensor.ShapeString(s.in), tensor.ShapeString(x.Shape)))
	}
	for _, l := range s.run {
		x = l.Forward(x, train)
	}
	return x
}

// Backward runs the gradient back through every layer, setting all
// parameter gradients, and returns the gradient with respect to the input
// (nil when the model was built as the first layer of a larger one).
func (s *Sequential) Backward(dy *tensor.Tensor) *tensor.Tensor { return s.backward(dy, false) }

// backward is Backward; with owned set, nothing reads the caller's dy
// again either, and the layers may write over it too.
func (s *Sequential) backward(dy *tensor.Tensor, owned bool) *tensor.Tensor {
	given := dy
	for i := len(s.run) - 1; i >= 0 && dy != nil; i-- {
		o, ok := s.run[i].(gradOverwriter)
		if !ok {
			dy = s.run[i].Backward(dy)
			continue
		}
		// Every dy but the caller's is the input gradient that the layer
		// after returned: its own memory, which nothing reads again, and
		// which a gradOverwriter may write over. The caller's may be read
		// again (a residual block gives its identity shortcut the same
		// one), and so may what a layer returns unchanged from it
		// (Flatten, and Dropout in evaluation, return the dy they were
		// given). A layer's input is the output of the layer before,
		// which that layer's backward pass may not read (outputUnread).
		w := overwrite{dy: owned || !sameData(dy, given)}
		if i > 0 {
			if u, ok := s.run[i-1].(outputUnreader); ok {
				w.input = u.outputUnread()
			}
		}
		dy = o.backwardOver(dy, w)
	}
	return dy
}

// A gradOverwriter is a layer that can write its input gradient, or a
// gradient on the way to it, over memory that nothing reads again (see
// Sequential.backward): over the gradient it is given, and, for some,
// over its input. One buffer of the batch's size fewer, and no fresh
// memory written each step. The numbers are Backward's.
type gradOverwriter interface {
	backwardOver(dy *tensor.Tensor, w overwrite) *tensor.Tensor
}

// overwrite says what a gradOverwriter may write over: dy, the gradient
// it is given, and input, its last Forward's input.
type overwrite struct{ dy, input bool }

// An outputUnreader is a layer whose backward pass does not read its own
// output, and which holds no other use for it: once the layer after it
// has taken its gradient back, that output is free memory.
type outputUnreader interface {
	outputUnread() bool
}

// sameData reports whether a and b hold the same values from the same
// first element: a tensor a layer returned unchanged, or viewed in
// another shape.
func sameData(a, b *tensor.Tensor) bool {
	return len(a.Data) > 0 && len(b.Data) > 0 && &a.Data[0] == &b.Data[0]
}

// MultiplyAdds counts the multiply-adds of one example through the
// convolutions and dense layers, as the plain loops of a convolution
// (KH·KW·In for each output value) and of a matrix product compute them:
// forward for the forward pass, train for a training step's forward and
// backward passes together, where the weight gradient costs as much as
// the forward pass and the input gradient as much again in every layer
// that computes one (the first layer does not). Twice a count is the
// floating-point operations that speeds in GFLOP/s are reckoned in, as
// other libraries reckon them. Biases, activations, pooling and batch
// norm are left out, and so is what a fast path saves: a Winograd
// convolution does fewer multiplications than it is counted for.
func (s *Sequential) MultiplyAdds() (forward, train int64) {
	for _, l := range s.Layers {
		if c, ok := l.(interface{ multiplyAdds() (int64, int64) }); ok {
			f, t := c.multiplyAdds()
			forward += f
			train += t
		}
	}
	return forward, train
}

// trainingMultiplyAdds is a weighted layer's share of a training step,
// given its forward pass's multiply-adds: the forward pass, the weight
// gradient and, when needed, the input gradient.
func trainingMultiplyAdds(forward int64, needDX bool) int64 {
	if needDX {
		return 3 * forward
	}
	return 2 * forward
}

// Summary is a table of the layers with their output shapes and numbers of
// parameters.
func (s *Sequential) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %-12s %-16s %10s\n", "layer", "kind", "output", "params")
	fmt.Fprintf(&b, "%-6s %-12s %-16s %10s\n", "", "input", tensor.ShapeString(s.in), "")
	total := 0
	for i, l := range s.Layers {
		n := 0
		for _, p := range l.Params() {
			if p.Grad != nil {
				n += p.Value.Len()
			}
		}
		total += n
		fmt.Fprintf(&b, "%-6d %-12s %-16s %10d\n", i, l.Kind(), tensor.ShapeString(s.shapes[i]), n)
	}
	fmt.Fprintf(&b, "total trainable parameters: %d\n", total)
	return b.String()
}
