package nn

import (
	"fmt"

	"github.com/gocnn/gocnn/internal/gemm"
	"github.com/gocnn/gocnn/internal/parallel"
	"github.com/gocnn/gocnn/internal/vec"
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
// ∂L/∂Wb can as well be computed as its transpose, col·dyᵀ, [K+1, P]·[P,
// Out]: the same sums in the same order, so the same numbers, but the
// multiply computes C in whole tiles (14×32 with AVX-512), and one shape
// can fit them much better than the other. A first layer's 32 filters of
// 3×3 (Out 32, K+1 10) fill a 32-wide tile with 10 columns one way round
// and with 32 the other. Build picks the shape that wastes less.
//
// The product dy·colᵀ reads col across its rows, which the matrix multiply
// has to copy into the opposite order first. When the backward pass has
// to build each image's windows again anyway (col was too big to keep),
// it builds colᵀ directly instead (im2row, from a channels-last copy of
// the image), which the multiply reads in place. Its columns come in
// another order, which the sum over workers undoes; the numbers are the
// same, and so, bit for bit, is ∂L/∂W.
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
	dxTo  *tensor.Tensor // where Backward writes ∂L/∂x: dx, x itself, or dxOver
	// dxOver is ∂L/∂x written over y (gradOverOutput).
	dxOver tensor.Tensor

	wb      []float32     // [Out, K+1]: the filters with the bias as last column
	wbT     []float32     // [K+1, Out]: Wb transposed, for the forward product
	wbFrom  derived       // the parameters wb and wbT hold
	scratch []convScratch // per worker
	// swapsSome says whether some product of a group's images is
	// computed transposed (swapPays), into a scratch yT.
	swapsSome bool

	// useRows says whether a backward pass that rebuilds the windows
	// builds colᵀ (im2row) rather than col: when a window row (KW pixels
	// of C channels) is long enough to copy in one piece.
	useRows   bool
	rowStride int   // floats between rows of colᵀ: K+1 rounded up to 16
	rowOrder  []int // rowOrder[q]: the row of col that column q of colᵀ holds

	// transposedDW says whether the backward pass computes ∂L/∂Wbᵀ,
	// [K+1, Out], rather than ∂L/∂Wb, [Out, K+1].
	transposedDW bool

	// withReLU and pool say what the last Forward did with each image's
	// output straight after computing it, as a convReLU or convPool layer
	// (see Sequential) asks: apply a ReLU, or max-pool it into pool's
	// output. Backward then takes each image's dy back through the same
	// first.
	withReLU bool
	pool     *MaxPool2D

	// addend, when set, is added to each image's output before its ReLU,
	// as the output is made: a residual block's shortcut, in evaluation
	// (see forwardAdd).
	addend *tensor.Tensor
	// planeSums, when set for a Forward, receives each output plane's Σy
	// and Σy² ([N][Out][2], vec.Moments of the plane) as the image is
	// made, for the batch norm after it (see BatchNorm.planeSums), and
	// planesSummed then says whether every image's were.
	planeSums    []float64
	planesSummed bool
	// gradOf, when set for a Backward, writes image n's output gradient
	// into dst, in place of reading it from dy, which then gives only
	// the batch's shape: a pooled batch norm's backward pass made image
	// by image (see BatchNorm.pooledGrad).
	gradOf func(n int, dst []float32)
	// dxAddend, when set, is added to each image's input gradient as
	// Backward makes it: a residual block's shortcut gradient, when the
	// convolution starts the block's body (see Residual.start).
	dxAddend *tensor.Tensor

	// kept holds the col matrices of the last training batch, one per
	// image, when they fit in keepCols bytes: the backward pass then
	// reads them instead of building them again.
	kept       []float32
	keptOnes   int  // images whose row of ones in kept is set
	keeping    bool // whether the last Forward kept them
	keepLimit  int  // keepCols; tests lower it to exercise the other path
	forwardFn  func(worker, lo, hi int)
	backwardFn func(worker, lo, hi int)
	reduceFn   func(worker, lo, hi int)

	// wino, when set, computes the convolution by Winograd's method
	// instead (see winograd.go), for batches where that pays (winoUsed:
	// the last Forward's).
	wino     *winoConv
	winoUsed bool

	// images is how many images' windows one product takes: 1, or more
	// when an image has so few output positions that a product of one
	// image's would leave much of the multiply's tiles empty (see
	// imagesPerProduct, forwardGroups).
	images int
	noSwap bool // never multiply by the transpose (swapPays, winoSwapPays); for tests
}

// convScratch is one worker's memory for a convolution: its part of the
// scratch all layers share, carved out before each pass (Conv2D.reserve).
type convScratch struct {
	col   []float32 // im2col matrix [K+1, P] (rows geom.ld apart), last row all ones; reused for Wᵀ·dy
	group []float32 // with images > 1: the product's output, or dy, [Out, images·P] (rows geom.ld apart)
	dWb   []float32 // the worker's partial sum of ∂L/∂Wb (or of its transpose)
	rows  []float32 // with useRows: colᵀ [P, rowStride], column K all ones
	hwc   []float32 // with useRows: the image channels last [H, W, C]
	img   []float32 // with a fused layer: one image's output, or its gradient [Out, P]
	yT    []float32 // when swapPays for a product: its output transposed, [images·P, Out]
	// phases, for a strided convolution: an image split into its phases
	// (see phaseGeom), for im2col and col2im.
	phases []float32
}

// keepCols is the most memory a convolution spends keeping its training
// batch's col matrices between the forward and the backward pass. Small
// convolutions (the first layers of the MNIST models, 5.2 MB at most)
// keep them and skip rebuilding them; big ones rebuild each image's col
// from its input, which costs less than sending megabytes through the
// caches and holding them there through the whole step: with the 16.5 MB
// of specs/ham-resnet.txt's first convolution at 48x48 rebuilt, a
// training step took 3% less time (2026-12-07).
const keepCols = 8 << 20

// multiplier is a matrix multiply: a worker's gemm.Workspace, or the
// gemm.Engine that splits one product among all the workers.
type multiplier interface {
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// NewConv2D returns a convolution with out filters of size k×k, stride 1
// and no padding; set the fields for other strides and paddings.
func NewConv2D(out, k int) *Conv2D { return &Conv2D{Out: out, KH: k, KW: k} }

// Kind returns "conv2d".
func (c *Conv2D) Kind() string { return "conv2d" }

func (c *Conv2D) multiplyAdds() (forward, train int64) {
	g := c.geom
	forward = int64(c.Out) * int64(g.c*g.kh*g.kw) * int64(g.oh*g.ow)
	return forward, trainingMultiplyAdds(forward, c.needDX)
}

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
	k := c.In * c.KH * c.KW
	c.wb = make([]float32, c.Out*(k+1))
	c.wbT = make([]float32, c.Out*(k+1))
	c.transposedDW = gemm.Computed(k+1, c.Out) < gemm.Computed(c.Out, k+1)
	c.keepLimit = keepCols
	c.wino = nil
	if alg := winogradFor(g, c.Out); alg != nil {
		c.wino = newWinoConv(c, alg)
	}
	if err := c.plan(imagesPerProduct(c.Out, g.oh*g.ow)); err != nil {
		return nil, err
	}
	return c.outShape, nil
}

// plan readies the direct products for images images per product: the
// copying plans, the workers' memory (see reserve) and the order of the
// backward pass.
func (c *Conv2D) plan(images int) error {
	g := &c.geom
	c.images = images
	g.ld = images * g.oh * g.ow
	g.plan, g.picks, g.gather, g.pickSums, g.phases = nil, nil, nil, nil, nil
	g.planPhases()
	if err := g.planIm2col(); err != nil {
		return err
	}
	if err := g.planCol2im(); err != nil {
		return err
	}
	k := c.In * c.KH * c.KW
	cols := g.oh * g.ow
	c.scratch = make([]convScratch, c.env.Workers())
	c.swapsSome = false
	for width := cols; width <= g.ld; width += cols { // a product's images·P
		c.swapsSome = c.swapsSome || swapPays(c.Out, width, k)
	}
	// im2row copies a window row (KW pixels of C channels) in one piece:
	// worth it when the row fills a vector register. The one case
	// measured, mnist-cnn's second convolution (rows of 96), trained 3%
	// faster than transposing col; the line at 16 is a judgement.
	c.useRows = c.KW*c.In >= 16 && images == 1
	if c.useRows {
		c.rowStride = (k + 1 + 15) / 16 * 16
		c.rowOrder = g.rowOrder()
	}
	c.forwardFn, c.backwardFn, c.reduceFn = c.forwardImages, c.backwardImages, c.reduceFilters
	if images > 1 {
		c.forwardFn, c.backwardFn = c.forwardGroups, c.backwardGroups
	}
	c.kept, c.keptOnes = nil, 0
	return nil
}

// reserve points each worker's scratch (convScratch) at its part of the
// memory every layer built on the Env shares (Env.workerScratch), for a
// pass of the direct products, and writes col's last row, the bias's
// input, all ones: im2col never writes it, but another layer's pass
// may have. Called before each pass.
func (c *Conv2D) reserve() {
	g := &c.geom
	k, cols := c.In*c.KH*c.KW, g.oh*g.ow
	var sizes [8]int // col, dWb, phases, group, yT, hwc, rows, img
	sizes[0], sizes[1], sizes[7] = (k+1)*g.ld, c.Out*(k+1), c.Out*cols
	if g.usesPhases() {
		sizes[2] = g.c * g.phases.size
	}
	if c.images > 1 {
		sizes[3] = c.Out * g.ld
	}
	if c.swapsSome {
		sizes[4] = c.Out * g.ld
	}
	if c.useRows {
		sizes[5], sizes[6] = g.c*g.h*g.w, cols*c.rowStride
	}
	for w := range c.scratch {
		var parts [8][]float32
		c.env.carve(w, sizes[:], parts[:])
		s := &c.scratch[w]
		s.col, s.dWb, s.phases, s.group, s.yT, s.hwc, s.rows, s.img =
			parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], parts[7]
		fill(s.col[k*g.ld:], 1)
	}
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
	return c.forward(x, train, false, nil)
}

// forward is Forward, followed, image by image, by a ReLU when relu is
// true or by the max-pool pool when it is not nil; it then returns the
// pool's output.
func (c *Conv2D) forward(x *tensor.Tensor, train, relu bool, pool *MaxPool2D) *tensor.Tensor {
	return c.forwardWith(x, train, relu, pool, nil)
}

// forwardWith is forward with, when addend is not nil, addend added to
// each image's output before its ReLU (see forwardAdd).
func (c *Conv2D) forwardWith(x *tensor.Tensor, train, relu bool, pool *MaxPool2D, addend *tensor.Tensor) *tensor.Tensor {
	c.x, c.withReLU, c.pool, c.addend = x, relu, pool, addend
	out := &c.y
	if pool != nil {
		pool.begin(x.Shape[0], pool.relu)
		out = &pool.y
	}
	c.winoUsed = c.wino != nil && c.wino.pays(x.Shape[0])
	// Every image's output is finished whole (finishImage) but by a
	// Winograd convolution that makes an image in parts.
	c.planesSummed = c.planeSums != nil && (!c.winoUsed || c.wino.fwd.rows >= c.wino.fwd.th)
	if pool == nil || c.winoUsed {
		c.y.Resize(x.Shape[0], c.outShape)
	}
	if c.winoUsed {
		c.wino.forward(train)
		return out
	}
	c.reserve()
	// Gather the filters and the bias into Wb, row by row.
	k := c.In * c.KH * c.KW
	if c.wbFrom.stale(c.env, train, c.weight.Value.Data, c.bias.Value.Data) {
		for o := range c.Out {
			copy(c.wb[o*(k+1):o*(k+1)+k], c.weight.Value.Data[o*k:(o+1)*k])
			c.wb[o*(k+1)+k] = c.bias.Value.Data[o]
		}
		gemm.Transpose(c.wbT, c.wb, c.Out, k+1)
	}
	n, colSize := x.Shape[0], (k+1)*c.geom.oh*c.geom.ow
	c.keeping = train && c.images == 1 && n*colSize*4 <= c.keepLimit
	if c.keeping && len(c.kept) < n*colSize {
		c.kept = append(c.kept[:0], make([]float32, n*colSize)...)
		c.keptOnes = 0
	}
	for ; c.keeping && c.keptOnes < n; c.keptOnes++ {
		col := c.kept[c.keptOnes*colSize : (c.keptOnes+1)*colSize]
		fill(col[k*c.geom.oh*c.geom.ow:], 1) // the bias's input row
	}
	if n < c.env.Workers() && !c.keeping {
		// Too few images to go round (batch-1 inference): take them one
		// at a time and split each product among the workers instead.
		in := c.In * c.geom.h * c.geom.w
		for i := range n {
			y := c.outputFor(0, i)
			c.forwardImage(x.Data[i*in:(i+1)*in], y, c.scratch[0].col, c.scratch[0].phases, c.scratch[0].yT, c.env.gemm)
			c.finishImage(i, y)
		}
		return out
	}
	c.env.For(x.Shape[0], c.forwardFn)
	return out
}

// forwardAdd is forward in evaluation with neither ReLU nor pool of its
// own: it adds short ([N, Out, OH, OW], a residual block's shortcut) to
// each image's output as soon as the image is computed, and then, when
// relu is true, applies a ReLU, while the values are in the cache. The
// numbers are those of the convolution followed by vec.AddTo. It is for
// evaluation only: a Backward would take the gradient back through the
// sum's ReLU, not the convolution's own output.
func (c *Conv2D) forwardAdd(x, short *tensor.Tensor, relu bool) *tensor.Tensor {
	y := c.forwardWith(x, false, relu, nil, short)
	c.addend = nil
	return y
}

// forwardImages computes the outputs of images [lo, hi) on one worker.
func (c *Conv2D) forwardImages(worker, lo, hi int) {
	in := c.In * c.geom.h * c.geom.w
	for n := lo; n < hi; n++ {
		y := c.outputFor(worker, n)
		c.forwardImage(c.x.Data[n*in:(n+1)*in], y, c.colFor(worker, n), c.scratch[worker].phases, c.scratch[worker].yT, c.env.gemm.Workspace(worker))
		c.finishImage(n, y)
	}
}

// outputFor returns where image n's output goes: its place in y, or the
// worker's scratch when a max-pool will take it from there.
func (c *Conv2D) outputFor(worker, n int) []float32 {
	if c.pool != nil {
		return c.scratch[worker].img
	}
	out := c.Out * c.geom.oh * c.geom.ow
	return c.y.Data[n*out : (n+1)*out]
}

// finishImage applies the fused layer, if any, to image n's output y,
// while it is still in the cache.
func (c *Conv2D) finishImage(n int, y []float32) {
	if c.planesSummed {
		p := c.geom.oh * c.geom.ow
		for o := range c.Out {
			at := 2 * (n*c.Out + o)
			c.planeSums[at], c.planeSums[at+1] = vec.Moments(y[o*p:(o+1)*p], vec.Run(p))
		}
	}
	switch {
	case c.addend != nil:
		vec.AddTo(y, y, c.addend.Data[n*len(y):(n+1)*len(y)], c.withReLU)
	case c.withReLU:
		vec.Relu(y, y)
	case c.pool != nil:
		c.pool.poolImage(n, y)
	}
}

// gradientFor returns image n's dy, taken back through the fused layer,
// if any, into the worker's scratch.
func (c *Conv2D) gradientFor(worker, n int) []float32 {
	if !c.gradMade() {
		out := c.Out * c.geom.oh * c.geom.ow
		return c.dy.Data[n*out : (n+1)*out]
	}
	s := &c.scratch[worker]
	c.imageGrad(n, s.img)
	return s.img
}

// gradMade reports whether Backward makes each image's dy (imageGrad)
// rather than reading it from the dy it is given.
func (c *Conv2D) gradMade() bool { return c.withReLU || c.pool != nil || c.gradOf != nil }

// imageGrad writes image n's dy, taken back through the fused ReLU or
// pool, or made by gradOf, into dst.
func (c *Conv2D) imageGrad(n int, dst []float32) {
	out := c.Out * c.geom.oh * c.geom.ow
	if c.gradOf != nil {
		c.gradOf(n, dst)
		return
	}
	if c.withReLU {
		vec.ReluBackward(dst, c.dy.Data[n*out:(n+1)*out], c.y.Data[n*out:(n+1)*out])
		return
	}
	c.pool.unpoolImage(n, dst)
}

// colFor returns where image n's col matrix goes: its place in kept, or
// the worker's scratch matrix.
func (c *Conv2D) colFor(worker, n int) []float32 {
	if !c.keeping {
		return c.scratch[worker].col
	}
	size := (c.In*c.KH*c.KW + 1) * c.geom.oh * c.geom.ow
	return c.kept[n*size : (n+1)*size]
}

// forwardImage convolves one image x ([In, H, W]) into y ([Out, OH, OW]):
// col = im2col(x), then y = Wb·col, [Out, K+1]·[K+1, P].
//
// The product is given Wb as the transpose of Wbᵀ: the multiply copies
// its first operand into slivers that hold a column at a time, which from
// Wbᵀ is a copy of consecutive values and from Wb a transpose, done again
// for every image.
func (c *Conv2D) forwardImage(x, y, col, phases, yT []float32, mul multiplier) {
	p := c.geom.oh * c.geom.ow
	c.geom.im2col(x, col, phases)
	c.multiplyWindows(y, p, col, p, yT, mul)
}

// multiplyWindows computes y = Wb·col for cols columns of col, [Out,
// cols] with rows ldy apart. When the multiply's tiles fit the transpose
// better (swapPays), it computes yᵀ = colᵀ·Wbᵀ into yT, [cols, Out], and
// transposes it across (gemm.TransposeStrided): a product with few columns and many filters (a 3x3
// output of 256 filters at batch 1 fills 9 of each tile's 32 columns)
// becomes one with few rows, which the short kernels compute with little
// waste. Each value is the same sum, in the same order, either way.
func (c *Conv2D) multiplyWindows(y []float32, ldy int, col []float32, cols int, yT []float32, mul multiplier) {
	k := c.In * c.KH * c.KW
	if c.noSwap || !swapPays(c.Out, cols, k) {
		mul.Sgemm(true, false, c.Out, cols, k+1, 1, c.wbT, c.Out, col, c.geom.ld, 0, y, ldy)
		return
	}
	mul.Sgemm(true, false, cols, c.Out, k+1, 1, col, c.geom.ld, c.wbT, c.Out, 0, yT, c.Out)
	gemm.TransposeStrided(y, ldy, yT, c.Out, cols, c.Out)
}

// swapPays reports whether an m×n product with k+1 terms a sum is cheaper
// computed as its transpose, n×m, copying the result across after: when
// the multiply-adds its tiles save, counting their empty parts (see
// gemm.Computed), outnumber 16 for each value transposed: more than the
// transpose costs, so that only clear savings swap (4 instead of 16 would
// swap no product of specs/ham-resnet.txt that 16 does not, but for two
// with 4 images side by side).
func swapPays(m, n, k int) bool {
	return (gemm.Computed(m, n)-gemm.Computed(n, m))*(k+1) > 16*m*n
}

// Backward sets ∂L/∂W and ∂L/∂b and returns ∂L/∂x.
func (c *Conv2D) Backward(dy *tensor.Tensor) *tensor.Tensor { return c.backward(dy, gradOwn) }

// gradTarget says where a convolution's backward pass writes ∂L/∂x: its
// own memory, or memory of the last Forward's that nothing reads again.
type gradTarget int

const (
	gradOwn        gradTarget = iota // dx
	gradOverInput                    // the input
	gradOverOutput                   // the output, when it has the input's shape
)

// gradTo is gradOverInput when overInput is true, else otherwise.
func gradTo(overInput bool, otherwise gradTarget) gradTarget {
	if overInput {
		return gradOverInput
	}
	return otherwise
}

// backward is Backward, writing ∂L/∂x where to says (see
// Sequential.backward and convBN.backward). Over the input: each image's
// input is read whole for ∂L/∂W before its input gradient is written, by
// the same worker, the products of a group of images (a chunk's, or one
// image's) reading their windows before the input gradients of that
// group are made. Over the output: the backward pass reads the output
// only to take dy back through a fused ReLU or pool (gradMade), and
// never then; without one it reads dy, its input and its filters.
func (c *Conv2D) backward(dy *tensor.Tensor, to gradTarget) *tensor.Tensor {
	n := dy.Shape[0]
	c.dy = dy
	c.dxTo = nil
	if c.needDX {
		if to == gradOverOutput && (c.gradMade() || len(c.y.Data) != len(c.x.Data) || sameData(&c.y, dy)) {
			to = gradOwn
		}
		switch to {
		case gradOverInput:
			c.dxTo = c.x
		case gradOverOutput:
			c.dxOver.Data = c.y.Data
			c.dxOver.Resize(n, c.x.Shape[1:])
			c.dxTo = &c.dxOver
		default:
			c.dx.Resize(n, c.x.Shape[1:])
			c.dxTo = &c.dx
		}
	}
	if c.winoUsed {
		c.wino.backward()
	} else {
		c.reserve()
		c.env.For(n, c.backwardFn)
		c.env.For(c.Out, c.reduceFn)
	}
	return c.dxTo
}

// reduceFilters adds up the workers' partial gradients for filters [lo,
// hi), in worker order, and splits ∂L/∂Wb into the filters' and the
// bias's gradients (putting the columns of dy·colᵀ back in col's order,
// if it came from im2row).
func (c *Conv2D) reduceFilters(worker, lo, hi int) {
	n, workers := c.dy.Shape[0], c.env.Workers()
	k := c.In * c.KH * c.KW
	dW, dB := c.weight.Grad.Data[lo*k:hi*k], c.bias.Grad.Data[lo:hi]
	clear(dW)
	clear(dB)
	order := c.rowOrder // where each column of the partial sums goes in dW
	if !c.rowsBuilt() {
		order = nil // they are in dW's order
	}
	for w := range workers {
		if l, h := parallel.Range(n, workers, w); l == h {
			continue // this worker had no images
		}
		part := c.scratch[w].dWb
		if c.transposedDW {
			// part is ∂L/∂Wbᵀ: row q holds column q of ∂L/∂Wb.
			c.addTransposed(dW, part, order, lo, hi, c.scratch[worker].col)
			for o, v := range part[k*c.Out+lo : k*c.Out+hi] {
				dB[o] += v
			}
			continue
		}
		for o := lo; o < hi; o++ {
			row, grad := part[o*(k+1):(o+1)*(k+1)], dW[(o-lo)*k:(o-lo+1)*k]
			if order == nil {
				for i, v := range row[:k] {
					grad[i] += v
				}
			} else {
				for q, v := range row[:k] {
					grad[order[q]] += v
				}
			}
			dB[o-lo] += row[k]
		}
	}
}

// addTransposed adds filters [lo, hi) of part, a worker's ∂L/∂Wbᵀ, to
// dW (those filters' gradients, one row each), its columns in the places
// order gives when order is not nil. It goes a block of filters at a
// time, so that what it reads and writes stays in the cache: filter by
// filter, each of k rows of part would be read whole for one value.
// Without order, a block is transposed into scratch (at least
// min(reduceBlock, ld)·k floats) and added row by row; with it, added
// value by value. Either way each value of dW gets the same one sum.
func (c *Conv2D) addTransposed(dW, part []float32, order []int, lo, hi int, scratch []float32) {
	k := c.In * c.KH * c.KW
	block := min(reduceBlock, c.geom.ld)
	for o0 := lo; o0 < hi; o0 += block {
		n := min(block, hi-o0)
		grad := dW[(o0-lo)*k : (o0-lo+n)*k]
		if order == nil {
			gemm.TransposeStrided(scratch, k, part[o0:], c.Out, k, n)
			vec.Add(grad, scratch[:n*k])
			continue
		}
		for q, i := range order {
			for j, v := range part[q*c.Out+o0 : q*c.Out+o0+n] {
				grad[j*k+i] += v
			}
		}
	}
}

// reduceBlock is how many filters addTransposed adds at a time.
const reduceBlock = 16

// rowsBuilt reports whether the last backward pass built colᵀ with
// im2row (and so summed ∂L/∂Wb with its columns in im2row's order).
func (c *Conv2D) rowsBuilt() bool { return c.useRows && !c.keeping }

// backwardImages accumulates the partial gradients of images [lo, hi) on
// one worker and writes their input gradients.
func (c *Conv2D) backwardImages(worker, lo, hi int) {
	in := c.In * c.geom.h * c.geom.w
	k, cols := c.In*c.KH*c.KW, c.geom.oh*c.geom.ow
	s, mul := &c.scratch[worker], c.env.gemm.Workspace(worker)
	for n := lo; n < hi; n++ {
		x, dy := c.x.Data[n*in:(n+1)*in], c.gradientFor(worker, n)
		var beta float32 = 1 // add to the worker's partial sum ...
		if n == lo {
			beta = 0 // ... or start it, on the worker's first image
		}
		// ∂L/∂Wb = dy·colᵀ, [Out, P]·[P, K+1], or its transpose col·dyᵀ,
		// with colᵀ built as such or col kept from the forward pass or
		// built again.
		switch {
		case c.rowsBuilt():
			gemm.Transpose(s.hwc, x, c.In, c.geom.h*c.geom.w)
			c.geom.im2row(s.hwc, s.rows, c.rowStride)
			for p := range cols {
				s.rows[p*c.rowStride+k] = 1 // the bias's input (inputGrad reuses the memory)
			}
			if c.transposedDW {
				mul.Sgemm(true, true, k+1, c.Out, cols, 1, s.rows, c.rowStride, dy, cols, beta, s.dWb, c.Out)
			} else {
				mul.Sgemm(false, false, c.Out, k+1, cols, 1, dy, cols, s.rows, c.rowStride, beta, s.dWb, k+1)
			}
		default:
			col := s.col
			if c.keeping {
				col = c.colFor(worker, n)
			} else {
				c.geom.im2col(x, col, s.phases)
			}
			if c.transposedDW {
				mul.Sgemm(false, true, k+1, c.Out, cols, 1, col, cols, dy, cols, beta, s.dWb, c.Out)
			} else {
				mul.Sgemm(false, true, c.Out, k+1, cols, 1, dy, cols, col, cols, beta, s.dWb, k+1)
			}
		}
		if c.needDX {
			c.inputGrad(dy, c.dxTo.Data[n*in:(n+1)*in], s, mul)
			c.addToInputGrad(n*in, (n+1)*in)
		}
	}
}

// addToInputGrad adds dxAddend, if set, to the input gradient's values
// [lo, hi), which Backward has just written.
func (c *Conv2D) addToInputGrad(lo, hi int) {
	if c.dxAddend != nil {
		vec.Add(c.dxTo.Data[lo:hi], c.dxAddend.Data[lo:hi])
	}
}

// inputGrad writes one image's input gradient dx = col2im(Wᵀ·dy), with
// Wᵀ·dy in the worker's scratch.
func (c *Conv2D) inputGrad(dy, dx []float32, s *convScratch, mul multiplier) {
	k, cols := c.In*c.KH*c.KW, c.geom.oh*c.geom.ow
	// ∂L/∂col = Wᵀ·dy, [K, P], with Wᵀ the first K columns of Wb,
	// transposed, goes to scratch memory no longer needed: the worker's
	// col, or its colᵀ once ∂L/∂W is done with it (so that the two big
	// buffers of a backward pass are one, which stays in the cache).
	// col2im adds the windows back into the shape of the input.
	dcol := s.col[:k*cols]
	if c.rowsBuilt() {
		dcol = s.rows[:k*cols]
	}
	mul.Sgemm(true, false, k, cols, c.Out, 1, c.wb, k+1, dy, cols, 0, dcol, cols)
	c.geom.col2im(dcol, dx, s.phases)
}

// imagesPerProduct is how many images' windows a convolution with out
// filters and p output positions per image puts in one product. The
// multiply computes C in whole tiles, 32 columns wide with AVX-512, so a
// small image (a 6x6 output fills 36 columns, computed as 64; a 3x3 one
// fills 9 of 32) wastes much of its work. And an image of fewer than 32
// positions (a 4x4 output) makes a weight gradient that sums its
// [Out, K+1] values over as few, so that reading and writing them takes
// longer than the arithmetic: ham-resnet-64's 256 filters on 8x8 taken
// to 4x4 spent 7.8 ms on the backward pass, image by image, where four
// images in one product take 4.7. Several images side by side fill the
// tiles and lengthen the sums: up to maxGroupCols columns, which keeps
// col (K+1 rows of them) in the cache.
func imagesPerProduct(out, p int) int {
	const maxGroupCols = 256
	if p >= maxGroupCols/2 || p >= 32 && 10*gemm.Computed(out, p) <= 11*out*p {
		return 1 // two images would not fit, or one is long enough and wastes 10% or less
	}
	return maxGroupCols / p
}

// groupSize returns how many images each product of a worker's images
// [lo, hi) takes: at most c.images, and as even a split as that allows
// (32 images in groups of at most 28 go as 16 and 16, not 28 and 4).
func (c *Conv2D) groupSize(lo, hi int) int {
	groups := (hi - lo + c.images - 1) / c.images
	return (hi - lo + groups - 1) / groups
}

// forwardGroups is forwardImages for a convolution whose products take
// several images (images > 1): it copies the windows of a group of
// images side by side into the worker's col, multiplies once, and copies
// each image's columns of the result to its output.
func (c *Conv2D) forwardGroups(worker, lo, hi int) {
	in, p, ld := c.In*c.geom.h*c.geom.w, c.geom.oh*c.geom.ow, c.geom.ld
	s, mul := &c.scratch[worker], c.env.gemm.Workspace(worker)
	size := c.groupSize(lo, hi)
	for i0 := lo; i0 < hi; i0 += size {
		i1 := min(i0+size, hi)
		for i := i0; i < i1; i++ {
			c.geom.im2col(c.x.Data[i*in:(i+1)*in], s.col[(i-i0)*p:], s.phases)
		}
		c.multiplyWindows(s.group, ld, s.col, (i1-i0)*p, s.yT, mul)
		for i := i0; i < i1; i++ {
			y := c.outputFor(worker, i)
			for o := range c.Out {
				copy(y[o*p:(o+1)*p], s.group[o*ld+(i-i0)*p:])
			}
			c.finishImage(i, y)
		}
	}
}

// backwardGroups is backwardImages for a convolution whose products take
// several images: each group's dy and windows side by side, one product
// for its part of ∂L/∂Wb and one for its windows' gradients.
func (c *Conv2D) backwardGroups(worker, lo, hi int) {
	in, k, p, ld := c.In*c.geom.h*c.geom.w, c.In*c.KH*c.KW, c.geom.oh*c.geom.ow, c.geom.ld
	s, mul := &c.scratch[worker], c.env.gemm.Workspace(worker)
	size := c.groupSize(lo, hi)
	for i0 := lo; i0 < hi; i0 += size {
		i1 := min(i0+size, hi)
		cols := (i1 - i0) * p
		for i := i0; i < i1; i++ {
			dy := c.gradientFor(worker, i)
			for o := range c.Out {
				copy(s.group[o*ld+(i-i0)*p:o*ld+(i-i0+1)*p], dy[o*p:(o+1)*p])
			}
			c.geom.im2col(c.x.Data[i*in:(i+1)*in], s.col[(i-i0)*p:], s.phases)
		}
		var beta float32 = 1
		if i0 == lo {
			beta = 0
		}
		if c.transposedDW {
			mul.Sgemm(false, true, k+1, c.Out, cols, 1, s.col, ld, s.group, ld, beta, s.dWb, c.Out)
		} else {
			mul.Sgemm(false, true, c.Out, k+1, cols, 1, s.group, ld, s.col, ld, beta, s.dWb, k+1)
		}
		if !c.needDX {
			continue
		}
		mul.Sgemm(true, false, k, cols, c.Out, 1, c.wb, k+1, s.group, ld, 0, s.col, ld)
		for i := i0; i < i1; i++ {
			c.geom.col2im(s.col[(i-i0)*p:], c.dxTo.Data[i*in:(i+1)*in], s.phases)
			c.addToInputGrad(i*in, (i+1)*in)
		}
	}
}

// fill sets every element of s to v.
func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// geometry is the convolution's shape, as ReferenceConvForward takes it.
func (c *Conv2D) geometry() ConvGeometry {
	return ConvGeometry{In: c.In, Out: c.Out, KH: c.KH, KW: c.KW,
		StrideH: max(c.StrideH, 1), StrideW: max(c.StrideW, 1), PadH: c.PadH, PadW: c.PadW}
}
