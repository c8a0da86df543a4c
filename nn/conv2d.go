package nn

import (
	"fmt"

	"github.com/gocnn/gocnn/internal/parallel"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// Conv2D is a 2-D convolution over images in NCHW layout. Each of its Out
// filters is an In×KH×KW block of weights plus a bias; at every position of
// the (zero-padded) input the filter's window gives one output value:
//
//	y[n][o][oh][ow] = b[o] + Σ_c Σ_i Σ_j  W[o][c][i][j] · x[n][c][oh·sH − pH + i][ow·sW − pW + j]
//
// The forward pass copies the windows of each image into a matrix (im2col,
// see im2col.go) and multiplies: y = W·col. The bias rides along in the
// same product, as the weight of an extra input that is always 1: W gets
// the bias as a last column (Wb, [Out, K+1]) and col a last row of ones
// ([K+1, P]), so Wb·col = W·col + b with no separate pass over y.
//
// The backward pass, given dy = ∂L/∂y, is the same algebra run backwards:
//
//	∂L/∂Wb = Σₙ dyₙ·colₙᵀ       [Out, P]·[P, K+1]
//	∂L/∂x  = col2im(Wᵀ·dyₙ)     [K, Out]·[Out, P], windows added back
//
// The last column of ∂L/∂Wb, the sum of dy against the row of ones, is the
// bias gradient Σₙ Σ_positions dyₙ.
//
// The images of a batch are shared out among the workers; each worker has
// its own col matrix and its own partial sum of ∂L/∂Wb, which are added up
// in worker order so the result does not depend on timing.
type Conv2D struct {
	In, Out          int // channels; In 0 means take it from the input shape
	KH, KW           int // kernel height and width
	StrideH, StrideW int // step between windows; 0 means 1
	PadH, PadW       int // zeros added on each side
	Init             Init

	weight, bias *Param
	env          *Env
	needDX       bool
	geom         convGeom
	outShape     []int

	x     *tensor.Tensor // the last input, kept for the backward pass
	y, dx tensor.Tensor
	dy    *tensor.Tensor // the gradient Backward is working on

	wb         []float32   // [Out, K+1]: the filters with the bias as last column
	col        [][]float32 // per worker: im2col matrix [K+1, P] (last row all ones), reused for Wᵀ·dy
	dWb        [][]float32 // per worker: partial gradient of wb
	forwardFn  func(worker, lo, hi int)
	backwardFn func(worker, lo, hi int)
}

// NewConv2D returns a convolution with out filters of size k×k, stride 1
// and no padding; set the fields for other strides and paddings.
func NewConv2D(out, k int) *Conv2D { return &Conv2D{Out: out, KH: k, KW: k} }

// Kind returns "conv2d".
func (c *Conv2D) Kind() string { return "conv2d" }

// Build checks that in is an image [C, H, W] that the window fits and
// allocates the filters and the per-worker buffers.
func (c *Conv2D) Build(in []int, env *Env) ([]int, error) {
	if c.StrideH == 0 {
		c.StrideH = 1
	}
	if c.StrideW == 0 {
		c.StrideW = 1
	}
	switch {
	case c.Out <= 0 || c.KH <= 0 || c.KW <= 0:
		return nil, fmt.Errorf("needs positive filters and kernel size, got %d filters of %dx%d", c.Out, c.KH, c.KW)
	case c.StrideH < 0 || c.StrideW < 0 || c.PadH < 0 || c.PadW < 0:
		return nil, fmt.Errorf("needs stride ≥ 1 and padding ≥ 0, got stride %dx%d, padding %dx%d", c.StrideH, c.StrideW, c.PadH, c.PadW)
	case len(in) != 3:
		return nil, fmt.Errorf("needs an image input [channels height width], got %s", tensor.ShapeString(in))
	case c.In != 0 && c.In != in[0]:
		return nil, fmt.Errorf("expects %d input channels, got %d", c.In, in[0])
	case in[1]+2*c.PadH < c.KH || in[2]+2*c.PadW < c.KW:
		return nil, fmt.Errorf("kernel %dx%d is larger than the padded input %dx%d", c.KH, c.KW, in[1]+2*c.PadH, in[2]+2*c.PadW)
	}
	c.In = in[0]
	g := convGeom{c: in[0], h: in[1], w: in[2], kh: c.KH, kw: c.KW,
		strideH: c.StrideH, strideW: c.StrideW, padH: c.PadH, padW: c.PadW}
	g.oh = outSize(g.h, g.kh, g.strideH, g.padH)
	g.ow = outSize(g.w, g.kw, g.strideW, g.padW)
	c.geom = g
	c.outShape = []int{c.Out, g.oh, g.ow}

	c.weight = newParam("weight", c.Out, c.In, c.KH, c.KW)
	c.bias = newParam("bias", c.Out)
	c.env, c.needDX = env, env.NeedInputGrad
	k, p := c.In*c.KH*c.KW, g.oh*g.ow
	workers := env.Workers()
	c.wb = make([]float32, c.Out*(k+1))
	c.col, c.dWb = make([][]float32, workers), make([][]float32, workers)
	for w := range workers {
		c.col[w] = make([]float32, (k+1)*p)
		fill(c.col[w][k*p:], 1) // the bias's input; im2col never writes this row
		c.dWb[w] = make([]float32, c.Out*(k+1))
	}
	c.forwardFn, c.backwardFn = c.forwardImages, c.backwardImages
	return c.outShape, nil
}

// InitWeights draws the filters; the bias starts at zero.
func (c *Conv2D) InitWeights(auto Init, r *rng.RNG) {
	window := c.KH * c.KW
	c.Init.resolve(auto).fill(c.weight.Value.Data, c.In*window, c.Out*window, r)
	c.bias.Value.Zero()
}

// Params returns the filters [Out, In, KH, KW] and the bias [Out].
func (c *Conv2D) Params() []*Param { return []*Param{c.weight, c.bias} }

// Forward convolves every image of x ([N, In, H, W]) with the filters.
func (c *Conv2D) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	c.x = x
	c.y.Resize(x.Shape[0], c.outShape)
	// Gather the filters and the bias into Wb, row by row.
	k := c.In * c.KH * c.KW
	for o := range c.Out {
		copy(c.wb[o*(k+1):o*(k+1)+k], c.weight.Value.Data[o*k:(o+1)*k])
		c.wb[o*(k+1)+k] = c.bias.Value.Data[o]
	}
	if n := x.Shape[0]; n < c.env.Workers() {
		// Too few images to go round (batch-1 inference): take them one
		// at a time and split each product among the workers instead.
		g, p := &c.geom, c.geom.oh*c.geom.ow
		inSize, outSize := c.In*g.h*g.w, c.Out*p
		for i := range n {
			g.im2col(x.Data[i*inSize:(i+1)*inSize], c.col[0])
			c.env.gemm.Sgemm(false, false, c.Out, p, k+1, 1, c.wb, k+1, c.col[0], p, 0, c.y.Data[i*outSize:(i+1)*outSize], p)
		}
		return &c.y
	}
	c.env.forEach(x.Shape[0], c.forwardFn)
	return &c.y
}

// forwardImages computes the outputs of images [lo, hi) on one worker.
func (c *Conv2D) forwardImages(worker, lo, hi int) {
	g := &c.geom
	k, p := c.In*c.KH*c.KW, g.oh*g.ow
	inSize, outSize := c.In*g.h*g.w, c.Out*p
	ws := c.env.gemm.Workspace(worker)
	col := c.col[worker]
	for n := lo; n < hi; n++ {
		g.im2col(c.x.Data[n*inSize:(n+1)*inSize], col)
		// y = Wb·col: [Out, K+1]·[K+1, P].
		ws.Sgemm(false, false, c.Out, p, k+1, 1, c.wb, k+1, col, p, 0, c.y.Data[n*outSize:(n+1)*outSize], p)
	}
}

// Backward sets ∂L/∂W and ∂L/∂b and returns ∂L/∂x.
func (c *Conv2D) Backward(dy *tensor.Tensor) *tensor.Tensor {
	n := dy.Shape[0]
	c.dy = dy
	if c.needDX {
		c.dx.Resize(n, c.x.Shape[1:])
	}
	workers := c.env.Workers()
	c.env.forEach(n, c.backwardFn)

	// Add up the workers' partial gradients, in worker order, and split
	// ∂L/∂Wb into the filters' and the bias's gradients.
	k := c.In * c.KH * c.KW
	dW, dB := c.weight.Grad.Data, c.bias.Grad.Data
	clear(dW)
	clear(dB)
	for w := range workers {
		if lo, hi := parallel.Range(n, workers, w); lo == hi {
			continue // this worker had no images
		}
		part := c.dWb[w]
		for o := range c.Out {
			row, grad := part[o*(k+1):(o+1)*(k+1)], dW[o*k:(o+1)*k]
			for i, v := range row[:k] {
				grad[i] += v
			}
			dB[o] += row[k]
		}
	}
	if !c.needDX {
		return nil
	}
	return &c.dx
}

// backwardImages accumulates the partial gradients of images [lo, hi) on
// one worker and writes their input gradients.
func (c *Conv2D) backwardImages(worker, lo, hi int) {
	g := &c.geom
	k, p := c.In*c.KH*c.KW, g.oh*g.ow
	inSize, outSize := c.In*g.h*g.w, c.Out*p
	ws := c.env.gemm.Workspace(worker)
	col, dWb := c.col[worker], c.dWb[worker]
	for n := lo; n < hi; n++ {
		dy := c.dy.Data[n*outSize : (n+1)*outSize]
		// ∂L/∂Wb += dy·colᵀ, starting from zero at the worker's first image.
		g.im2col(c.x.Data[n*inSize:(n+1)*inSize], col)
		var beta float32 = 1
		if n == lo {
			beta = 0
		}
		ws.Sgemm(false, true, c.Out, k+1, p, 1, dy, p, col, p, beta, dWb, k+1)
		if !c.needDX {
			continue
		}
		// ∂L/∂col = Wᵀ·dy overwrites the first K rows of col, which are no
		// longer needed (Wᵀ is Wb's first K columns, transposed), and
		// col2im adds the windows back into the shape of the input.
		ws.Sgemm(true, false, k, p, c.Out, 1, c.wb, k+1, dy, p, 0, col, p)
		g.col2im(col, c.dx.Data[n*inSize:(n+1)*inSize])
	}
}

// fill sets every element of s to v.
func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}
