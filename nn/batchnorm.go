package nn

import (
	"fmt"
	"iter"
	"math"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/tensor"
)

// BatchNorm normalises each channel (of an image batch [N, C, H, W]) or
// each feature (of a flat batch [N, F]) to mean 0 and variance 1 over the
// batch, then scales and shifts it by learned γ (weight) and β (bias):
//
//	x̂ = (x − μ) / √(σ² + ε)        y = γ·x̂ + β
//
// In training μ and σ² are the batch's own mean and (biased) variance, and
// running averages of them are kept for evaluation:
//
//	running_mean ← (1 − m)·running_mean + m·μ
//	running_var  ← (1 − m)·running_var  + m·σ²·M/(M − 1)    (unbiased)
//
// with momentum m = 0.1 and M values per channel, as PyTorch does. In
// evaluation the running statistics replace the batch's, so a prediction
// does not depend on the rest of the batch.
//
// The backward pass in training must account for μ and σ² depending on
// every x of the channel. With g = γ·dy and sums over the channel's M
// values:
//
//	∂L/∂x = (1/√(σ² + ε)) · (g − mean(g) − x̂·mean(g·x̂))
//	∂L/∂γ = Σ dy·x̂        ∂L/∂β = Σ dy
//
// Each pass over a channel is one call of a fused pass of internal/vec,
// over the channel's plane in every image (vec.Runs): one to sum the
// values and their squares, one to normalise them. Channels are
// independent, so they are shared out among the workers. A batch norm
// followed by a ReLU runs with it as one layer (bnReLU, in Sequential's
// run order): the ReLU is applied as each value is normalised, and in
// the backward pass the gradient taken back through it as each value is
// read. A batch norm followed by a max-pool (after a convolution: see
// convBN) normalises each image's plane into the cache and pools it from
// there (forwardPooled), so its full-size output never goes to memory;
// in training its backward pass makes each plane's gradient in the cache
// the same way, as the convolution before it asks for each image's
// (pooledBackward), so neither full-size gradient does either.
type BatchNorm struct {
	Momentum float64 // 0 means 0.1
	Eps      float64 // 0 means 1e-5

	channels, spatial int // C, and H·W (1 for flat input)
	shape             []int
	weight, bias      *Param
	runMean, runVar   *Param
	batches           *Param // num_batches_tracked, as PyTorch saves it

	env      *Env
	train    bool
	relu     bool // whether the last Forward applied a ReLU (see bnReLU)
	x        *tensor.Tensor
	y, dx    tensor.Tensor
	dy, dxTo *tensor.Tensor // during backwardInto: ∂L/∂y, and where ∂L/∂x goes (dx, dy or x)
	mean     []float32      // the batch's μ per channel, of the last forward
	invStd   []float32      // 1/√(σ² + ε) per channel, of the last forward
	scale    []float32      // the last Forward's y = scale·x + shift, per channel
	shift    []float32
	fwd, bwd func(worker, lo, hi int)

	// pool, during forwardPooled, takes the normalised planes: statsOnly
	// tells forwardChannels to leave y alone, and planes holds one
	// normalised plane per worker.
	pool      *MaxPool2D
	statsOnly bool
	planes    [][]float32
	poolFn    func(worker, lo, hi int)
	// planeSums, when set for the next Forward in training, holds each
	// image plane's Σx and Σx² ([N][C][2], vec.Moments of the plane),
	// made by the convolution before as it wrote x (see convBN.convolve):
	// the statistics are then their sums, image by image, with no pass
	// over x of their own. planeBuf is memory for them.
	planeSums, planeBuf []float64

	// During pooledBackward: gradSums holds each image plane's Σdy and
	// Σdy·x, [N][C][2], and termA, termB, termC each channel's terms of
	// ∂L/∂x = A·dy + B·x + C; gradShape is the shape it returns.
	gradSums                []float64
	termA, termB, termC     []float32
	gradShape               tensor.Tensor
	gradSumsFn, gradTermsFn func(worker, lo, hi int)
	pooledGradFn            func(n int, dst []float32)

	// addend, during forwardAdd, is added to each normalised channel,
	// and addReLU says whether a ReLU follows the sum.
	addend  *tensor.Tensor
	addReLU bool
}

// NewBatchNorm returns a batch-normalisation layer with PyTorch's defaults.
func NewBatchNorm() *BatchNorm { return &BatchNorm{} }

// Kind returns "batchnorm". (PyTorch calls it BatchNorm2d for images and
// BatchNorm1d for flat inputs; the saved tensors are the same.)
func (b *BatchNorm) Kind() string { return "batchnorm" }

// Build accepts images [C, H, W] or flat vectors [F].
func (b *BatchNorm) Build(in []int, env *Env) ([]int, error) {
	switch len(in) {
	case 3:
		b.channels, b.spatial = in[0], in[1]*in[2]
	case 1:
		b.channels, b.spatial = in[0], 1
	default:
		return nil, fmt.Errorf("needs an image [C H W] or flat [F] input, got %s", tensor.ShapeString(in))
	}
	if b.Momentum == 0 {
		b.Momentum = 0.1
	}
	if b.Eps == 0 {
		b.Eps = 1e-5
	}
	if b.Momentum < 0 || b.Momentum > 1 || b.Eps < 0 {
		return nil, fmt.Errorf("needs momentum in [0, 1] and eps ≥ 0, got %g and %g", b.Momentum, b.Eps)
	}
	b.shape, b.env = in, env
	c := b.channels
	b.weight, b.bias = newParam("weight", c), newParam("bias", c)
	fill(b.weight.Value.Data, 1)
	b.runMean = &Param{Name: "running_mean", Value: tensor.New(c)}
	b.runVar = &Param{Name: "running_var", Value: tensor.New(c)}
	fill(b.runVar.Value.Data, 1)
	b.batches = &Param{Name: "num_batches_tracked", Value: tensor.New()}
	b.mean, b.invStd = make([]float32, c), make([]float32, c)
	b.scale, b.shift = make([]float32, c), make([]float32, c)
	b.fwd, b.bwd, b.poolFn = b.forwardChannels, b.backwardChannels, b.poolPlanes
	b.termA, b.termB, b.termC = make([]float32, c), make([]float32, c), make([]float32, c)
	b.gradSumsFn, b.gradTermsFn, b.pooledGradFn = b.pooledSums, b.pooledTerms, b.pooledGrad
	return in, nil
}

// Params returns γ and β (trained), then the running statistics and the
// batch count (saved, not trained), under PyTorch's names.
func (b *BatchNorm) Params() []*Param {
	return []*Param{b.weight, b.bias, b.runMean, b.runVar, b.batches}
}

// Forward normalises x with the batch's statistics (train) or the running
// ones (evaluation).
func (b *BatchNorm) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	return b.forward(x, train, false)
}

// forward is Forward, followed by a ReLU when relu is true.
func (b *BatchNorm) forward(x *tensor.Tensor, train, relu bool) *tensor.Tensor {
	b.x, b.train, b.relu, b.statsOnly = x, train, relu, false
	b.y.Resize(x.Shape[0], b.shape)
	if train {
		b.batches.Value.Data[0]++
	}
	b.env.For(b.channels, b.fwd)
	b.planeSums = nil
	return &b.y
}

// forwardAdd is Forward followed by adding short (a residual block's
// shortcut, the shape of x) and, when relu is true, a ReLU: each
// channel's values have short's added as soon as they are normalised,
// while they are in the cache, rather than in a pass of their own over
// the batch. The numbers are those of Forward followed by vec.AddTo.
// Backward is Forward's: the caller takes the gradient back through the
// sum's ReLU first.
func (b *BatchNorm) forwardAdd(x, short *tensor.Tensor, train, relu bool) *tensor.Tensor {
	b.addend, b.addReLU = short, relu
	y := b.forward(x, train, false)
	b.addend = nil
	return y
}

// forwardPooled is Forward followed by pool (a max-pool of the images, and
// the ReLU after it when relu is true), without writing the batch norm's
// output: the statistics first, channel by channel, then each image's
// plane normalised into the worker's scratch memory and pooled from
// there. It returns the pool's output, the same bits as the layers' in
// turn. The pool's Backward then gives the gradient of the batch norm's
// output, for Backward.
func (b *BatchNorm) forwardPooled(x *tensor.Tensor, train bool, pool *MaxPool2D, relu bool) *tensor.Tensor {
	b.x, b.train, b.relu, b.statsOnly = x, train, false, true
	if train {
		b.batches.Value.Data[0]++
	}
	b.env.For(b.channels, b.fwd)
	b.planeSums = nil
	if len(b.planes) != b.env.Workers() {
		b.planes = make([][]float32, b.env.Workers())
		for w := range b.planes {
			b.planes[w] = make([]float32, b.spatial)
		}
	}
	b.pool, pool.x = pool, x
	pool.begin(x.Shape[0], relu)
	b.env.For(x.Shape[0]*b.channels, b.poolFn)
	return &pool.y
}

// poolPlanes normalises image planes [lo, hi) (plane n·C + c is channel c
// of image n) one at a time into the worker's scratch and pools them.
func (b *BatchNorm) poolPlanes(worker, lo, hi int) {
	plane := b.planes[worker]
	for pl := lo; pl < hi; pl++ {
		c := pl % b.channels
		x := b.x.Data[pl*b.spatial : (pl+1)*b.spatial]
		vec.Normalize(plane, x, vec.Run(b.spatial), b.scale[c], b.shift[c], false)
		y, arg := b.pool.outPlane(pl)
		b.pool.poolPlane(plane, y, arg)
	}
}

func (b *BatchNorm) forwardChannels(_, lo, hi int) {
	n := b.x.Shape[0]
	m := float64(n * b.spatial)
	for c := lo; c < hi; c++ {
		var scale, shift float32
		if !b.train {
			scale, shift = b.evalAffine(c)
		} else {
			// The batch's mean and variance in one pass, accumulated in
			// float64: Var x = E[x²] − (E x)², accurate unless the mean is
			// some ten million times the spread.
			sum, sumSq := b.moments(c, n)
			mean := sum / m
			variance := max(sumSq/m-mean*mean, 0)
			inv := 1 / math.Sqrt(variance+b.Eps)
			b.mean[c], b.invStd[c] = float32(mean), float32(inv)
			unbiased := variance
			if m > 1 {
				unbiased = variance * m / (m - 1)
			}
			mom := b.Momentum
			b.runMean.Value.Data[c] = float32((1-mom)*float64(b.runMean.Value.Data[c]) + mom*mean)
			b.runVar.Value.Data[c] = float32((1-mom)*float64(b.runVar.Value.Data[c]) + mom*unbiased)
			scale, shift = b.affine(c, mean, inv)
		}
		b.scale[c], b.shift[c] = scale, shift
		if !b.statsOnly {
			vec.Normalize(b.channel(b.y.Data, c), b.channel(b.x.Data, c), b.runs(n), scale, shift, b.relu)
		}
		if b.addend != nil {
			r := b.runs(n)
			for i := range r.Count {
				y := b.y.Data[c*b.spatial+i*r.Stride:][:r.N]
				vec.AddTo(y, y, b.addend.Data[c*b.spatial+i*r.Stride:][:r.N], b.addReLU)
			}
		}
	}
}

// planeBuffer returns memory for the plane sums of a batch of n images
// (see planeSums).
func (b *BatchNorm) planeBuffer(n int) []float64 {
	if need := 2 * n * b.channels; cap(b.planeBuf) < need {
		b.planeBuf = make([]float64, need)
	}
	return b.planeBuf[:2*n*b.channels]
}

// moments returns channel c's Σx and Σx² over a batch of n: vec.Moments
// over its planes, or the sums of the planes' own (planeSums), added in
// the same order, image by image, so the same bits.
func (b *BatchNorm) moments(c, n int) (sum, sumSq float64) {
	if b.planeSums == nil {
		return vec.Moments(b.channel(b.x.Data, c), b.runs(n))
	}
	return b.channelSums(b.planeSums, c, n)
}

// channelSums adds up channel c's pairs of plane sums over a batch of n
// (sums is [N][C][2]), image by image, as vec.Moments and
// vec.NormGradSums add their runs' sums: the same bits as one call of
// theirs over the channel's planes.
func (b *BatchNorm) channelSums(sums []float64, c, n int) (first, second float64) {
	for i := range n {
		at := 2 * (i*b.channels + c)
		first += sums[at]
		second += sums[at+1]
	}
	return first, second
}

// channel returns s from the first value of channel c, where b.runs
// finds the channel's values of each image (nothing in an empty batch).
func (b *BatchNorm) channel(s []float32, c int) []float32 { return s[min(c*b.spatial, len(s)):] }

// runs says where a channel's values lie in a batch of n images: one
// H·W block of each image, or one value for flat inputs.
func (b *BatchNorm) runs(n int) vec.Runs {
	return vec.Runs{N: b.spatial, Stride: b.channels * b.spatial, Count: n}
}

// Backward sets ∂L/∂γ and ∂L/∂β and returns ∂L/∂x.
func (b *BatchNorm) Backward(dy *tensor.Tensor) *tensor.Tensor {
	b.dx.Resize(dy.Shape[0], b.shape)
	return b.backwardInto(dy, &b.dx)
}

// backwardInPlace is Backward writing ∂L/∂x over dy, for a dy that
// nothing reads again (see gradOverwriter).
func (b *BatchNorm) backwardInPlace(dy *tensor.Tensor) *tensor.Tensor {
	return b.backwardInto(dy, dy)
}

// backwardOverInput is Backward writing ∂L/∂x over the last Forward's
// input, for an input that nothing reads again (a convolution's output
// in a convBN). Each channel's values are read for its sums before its
// gradient is written, value for value in place.
func (b *BatchNorm) backwardOverInput(dy *tensor.Tensor) *tensor.Tensor {
	return b.backwardInto(dy, b.x)
}

// backwardInto is Backward with ∂L/∂x written into dx, which may be dy:
// each channel's sums are taken from dy before its ∂L/∂x is written.
func (b *BatchNorm) backwardInto(dy, dx *tensor.Tensor) *tensor.Tensor {
	b.dy, b.dxTo = dy, dx
	b.env.For(b.channels, b.bwd)
	b.dy, b.dxTo = nil, nil // dy may now hold ∂L/∂x: nothing keeps it
	return dx
}

func (b *BatchNorm) backwardChannels(_, lo, hi int) {
	n := b.dy.Shape[0]
	for c := lo; c < hi; c++ {
		// Σdy and Σdy·x, with dy taken back through the fused ReLU first,
		// if any, which let through the values whose normalisation was
		// positive.
		mask := b.reluMask(c)
		sumDy, sumDyX := vec.NormGradSums(b.channel(b.dy.Data, c), b.channel(b.x.Data, c), b.runs(n), mask)
		a, bx, cst := b.gradTerms(c, n, sumDy, sumDyX)
		vec.NormGrad(b.channel(b.dxTo.Data, c), b.channel(b.dy.Data, c), b.channel(b.x.Data, c), b.runs(n),
			mask, a, bx, cst)
	}
}

// reluMask is the fused ReLU of channel c, if any (see vec.ReLUMask).
func (b *BatchNorm) reluMask(c int) vec.ReLUMask {
	return vec.ReLUMask{On: b.relu, A: b.scale[c], B: b.shift[c]}
}

// gradTerms sets channel c's ∂L/∂γ and ∂L/∂β from Σdy and Σdy·x over a
// batch of n, and returns the terms of its ∂L/∂x = a·dy + b·x + c.
func (b *BatchNorm) gradTerms(c, n int, sumDy, sumDyX float64) (a, bx, cst float32) {
	m := float64(n * b.spatial)
	gamma := float64(b.weight.Value.Data[c])
	mean, inv := float64(b.mean[c]), float64(b.invStd[c])
	if !b.train {
		mean = float64(b.runMean.Value.Data[c])
		inv = 1 / math.Sqrt(float64(b.runVar.Value.Data[c])+b.Eps)
	}
	// Σdy·x̂, where x̂ = (x − μ)·inv, is inv·(Σdy·x − μ·Σdy).
	sumDyXhat := inv * (sumDyX - mean*sumDy)
	b.weight.Grad.Data[c], b.bias.Grad.Data[c] = float32(sumDyXhat), float32(sumDy)
	// In training, dx = inv·(γ·dy − mean(γ·dy) − x̂·mean(γ·dy·x̂)); with
	// x̂ written out that is A·dy + B·x + C. In evaluation the
	// statistics are constants and dx = γ·inv·dy.
	var b64, c64 float64
	if b.train {
		meanG, meanGX := gamma*sumDy/m, gamma*sumDyXhat/m
		b64 = -inv * inv * meanGX
		c64 = -inv*meanG + inv*inv*meanGX*mean
	}
	return float32(gamma * inv), float32(b64), float32(c64)
}

// pooledBackward is the backward pass of a batch norm whose output went
// to pool in training (forwardPooled), from dy, the pool's output
// gradient, made plane by plane as forwardPooled made the output: each
// image plane's gradient is taken back through the pool into the
// worker's scratch memory, and its sums added to the channel's
// (pooledSums); then each image's input gradient is made as the
// convolution before asks for it (pooledGrad, its gradOf), taken back
// through the pool into the convolution's memory again and through the
// batch norm there. So neither the pool's input gradient nor the batch
// norm's is written to memory of the batch's size, nor read back. The
// numbers are the pool's Backward followed by Backward: each plane's
// sums are one run's of vec.NormGradSums, added image by image as it
// adds its runs. It returns a tensor of the input gradient's shape, with
// no values, for the convolution's Backward.
func (b *BatchNorm) pooledBackward(dy *tensor.Tensor, pool *MaxPool2D) *tensor.Tensor {
	n := dy.Shape[0]
	pool.dy, b.pool = dy, pool
	b.gradSums = b.planeBuffer(n)
	b.env.For(n*b.channels, b.gradSumsFn)
	b.env.For(b.channels, b.gradTermsFn)
	b.gradShape = tensor.Tensor{Shape: b.x.Shape}
	return &b.gradShape
}

// pooledSums takes the gradient of image planes [lo, hi) back through
// the pool into the worker's scratch and sums each, with the plane's x.
func (b *BatchNorm) pooledSums(worker, lo, hi int) {
	plane := b.planes[worker]
	for pl := lo; pl < hi; pl++ {
		b.pool.unpoolPlane(plane, pl)
		x := b.x.Data[pl*b.spatial : (pl+1)*b.spatial]
		b.gradSums[2*pl], b.gradSums[2*pl+1] = vec.NormGradSums(plane, x, vec.Run(b.spatial), b.reluMask(pl%b.channels))
	}
}

// pooledTerms adds up the planes' sums of channels [lo, hi), image by
// image, into their gradient terms.
func (b *BatchNorm) pooledTerms(_, lo, hi int) {
	n := b.x.Shape[0]
	for c := lo; c < hi; c++ {
		sumDy, sumDyX := b.channelSums(b.gradSums, c, n)
		b.termA[c], b.termB[c], b.termC[c] = b.gradTerms(c, n, sumDy, sumDyX)
	}
}

// pooledGrad writes image n's input gradient into dst ([C, H, W]) after
// pooledBackward: each plane's gradient taken back through the pool, and
// then through the batch norm in place.
func (b *BatchNorm) pooledGrad(n int, dst []float32) {
	for c := range b.channels {
		pl := n*b.channels + c
		d := dst[c*b.spatial : (c+1)*b.spatial]
		b.pool.unpoolPlane(d, pl)
		vec.NormGrad(d, d, b.x.Data[pl*b.spatial:(pl+1)*b.spatial], vec.Run(b.spatial), b.reluMask(c), b.termA[c], b.termB[c], b.termC[c])
	}
}

// affine returns channel c's normalisation by mean μ and inv = 1/√(σ² +
// ε): y = γ·(x − μ)·inv + β is one multiply-add per value, scale·x +
// shift.
func (b *BatchNorm) affine(c int, mean, inv float64) (scale, shift float32) {
	gamma, beta := float64(b.weight.Value.Data[c]), float64(b.bias.Value.Data[c])
	return float32(gamma * inv), float32(beta - mean*gamma*inv)
}

// evalAffine returns channel c's normalisation in evaluation, from the
// running statistics.
func (b *BatchNorm) evalAffine(c int) (scale, shift float32) {
	return b.affine(c, float64(b.runMean.Value.Data[c]), 1/math.Sqrt(float64(b.runVar.Value.Data[c])+b.Eps))
}

// bnReLU is a batch norm and the ReLU after it run as one layer, as
// convReLU is for a convolution: each value is normalised and passed
// through the ReLU in one step, and the gradient taken back through the
// ReLU as the batch norm's backward pass reads it. The numbers are the
// same as the two layers'.
type bnReLU struct{ *BatchNorm }

// Forward normalises x and applies the ReLU.
func (l bnReLU) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	return l.forward(x, train, true)
}

// RecomputeBatchNorm sets the running statistics of every batch norm in
// s, those inside residual blocks too, from the batches that batches
// yields, and returns how many there were. Each batch goes forward as in
// training, but with dropout off (as in evaluation, and without drawing
// from the dropout layers' random streams), and each batch norm's running
// mean and variance become the plain average of the batches' means and
// unbiased variances: what PyTorch's torch.optim.swa_utils.update_bn
// computes. num_batches_tracked counts the batches. With no batches the
// statistics are left as they were. s's environment must not be frozen
// (Env.Freeze): the passes are training passes.
//
// Averaged weights (optim.Averaged) need it: the running statistics in
// the network are those of the trained weights' activations, which the
// average's differ from.
func (s *Sequential) RecomputeBatchNorm(batches iter.Seq[*tensor.Tensor]) int {
	var bns []*BatchNorm
	var drops []*Dropout
	s.visit(func(l Layer) {
		switch l := l.(type) {
		case *BatchNorm:
			bns = append(bns, l)
		case *Dropout:
			drops = append(drops, l)
		}
	})
	momentum := make([]float64, len(bns))
	for i, b := range bns {
		momentum[i] = b.Momentum
	}
	rates := make([]float64, len(drops))
	for i, d := range drops {
		rates[i], d.P = d.P, 0
	}
	defer func() {
		for i, b := range bns {
			b.Momentum = momentum[i]
		}
		for i, d := range drops {
			d.P = rates[i]
		}
	}()
	n := 0
	for x := range batches {
		for _, b := range bns {
			if n == 0 {
				fill(b.runMean.Value.Data, 0)
				fill(b.runVar.Value.Data, 1)
				b.batches.Value.Data[0] = 0
			}
			// The k-th batch's statistics weigh 1/k in the running
			// ones: after k batches, their average.
			b.Momentum = 1 / float64(n+1)
		}
		s.Forward(x, true)
		n++
	}
	return n
}

// visit calls f on every layer of s and of the sequences inside it (a
// residual block's body and shortcut), in order.
func (s *Sequential) visit(f func(Layer)) {
	for _, l := range s.Layers {
		f(l)
		switch l := l.(type) {
		case *Sequential:
			l.visit(f)
		case *Residual:
			l.Body.visit(f)
			if l.Shortcut != nil {
				f(l.Shortcut)
			}
		}
	}
}
