package nn

import (
	"github.com/gocnn/gocnn/internal/gemm"
	"github.com/gocnn/gocnn/internal/parallel"
	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/internal/winograd"
)

// winoConv computes a 3×3 convolution with stride 1 by Winograd's minimal
// filtering F(2×2, 3×3) (see package internal/winograd) instead of im2col
// and a product per image: each 2×2 block of output costs 16
// multiplications per input and output channel instead of 36.
//
// The work goes in chunks of tiles, a few images at a time (or part of
// one large image), and for each chunk in three steps:
//
//  1. the chunk's 4×4 tiles are transformed, zeros standing for the
//     padding: V_ξ [In, tiles], one matrix for each of the 16 positions ξ
//     of a transformed tile;
//  2. 16 products M_ξ = U_ξ·V_ξ, [Out, In]·[In, tiles], with the
//     transformed filters U_ξ;
//  3. M is transformed back into 2×2 blocks of output, the bias added.
//
// The backward pass runs the same three steps for ∂L/∂x, which is the
// convolution of dy, padded by 2 − pad, with the filters turned half a
// turn and their channels swapped (bwd, uBack), and for ∂L/∂W the
// transformed dy tiles times the input's: ∂L/∂U_ξ = Σ_t (A·dY·Aᵀ)_ξ·V_ξᵀ,
// taken back to the 3×3 filters once the workers' sums are added up.
//
// A chunk holds at most about gemm.InPlaceACols tiles, so that the
// products read U where it lies, and its V and M stay in the worker's
// cache. The numbers differ from the direct convolution's in the last
// bits: the transforms add the inputs in other groupings before they are
// multiplied.
type winoConv struct {
	c        *Conv2D
	fwd, bwd winoGeom // the forward convolution, and the one giving ∂L/∂x

	// u holds U_ξ for each ξ as the transpose the products read, [In, Out]
	// (element [ξ][c][o]); uBack the backward filters' [Out, In].
	u, uBack []float32
	uFrom    derived // the filters u holds
	uBackSet bool    // uBack matches the weights of the last Forward

	images  int     // images per chunk, when several fit
	items   []chunk // the last Forward's chunks
	itemsN  int     // the batch size items was made for
	scratch []winoScratch
	fwdFn   func(worker, lo, hi int)
	bwdFn   func(worker, lo, hi int)
	poolFn  func(worker, lo, hi int)
	gradFn  func(worker, lo, hi int)
	uFn     func(worker, lo, hi int)
}

// winoGeom is one convolution computed by winoConv: in channels of h × w
// padded by padH, padW, giving out channels of oh × ow.
type winoGeom struct {
	in, out    int
	h, w       int
	padH, padW int
	oh, ow     int
	th, tw     int // tiles per image, down and across
	rows       int // tile rows per chunk, when one image is more than a chunk
	input      *winograd.InputPlan
}

// chunk is one step of a winoConv: tile rows [ty0, ty1) of images
// [img0, img1).
type chunk struct{ img0, img1, ty0, ty1 int }

// winoScratch is one worker's memory.
type winoScratch struct {
	v, m   []float32 // [16][channels][tiles]
	dyT    []float32 // [16][Out][tiles]: transformed dy, for ∂L/∂W
	du     []float32 // [16][Out][In]: the worker's sum of ∂L/∂U
	db     []float32 // [Out]: the worker's sum of ∂L/∂b
	dy     []float32 // the chunk's dy, taken back through a fused layer
	chunks []chunk   // the backward pass's chunks of one group of images
	ws     *gemm.Workspace
}

// useWinograd reports whether a convolution of geometry g with out
// filters is worth computing by winoConv: a 3×3 window, stride 1,
// padding of at most 2 (so that ∂L/∂x is a convolution too), fast
// transforms on this machine, and fewer multiplications than the direct
// product counting the tiles' padding: with an odd output size the last
// tiles are half wasted, and on a 3×3 output a quarter of the direct
// product's work is what Winograd saves.
func useWinograd(g convGeom, out int) bool {
	if g.kh != 3 || g.kw != 3 || g.strideH != 1 || g.strideW != 1 || g.padH > 2 || g.padW > 2 {
		return false
	}
	if winograd.Kernel() == "purego" || g.c < 8 || out < 8 {
		return false
	}
	direct := 9 * g.oh * g.ow
	wino := 16 * winograd.Tiles(g.oh) * winograd.Tiles(g.ow)
	return 3*wino <= 2*direct
}

// newWinoConv plans a convolution's Winograd products.
func newWinoConv(c *Conv2D) *winoConv {
	g := c.geom
	wc := &winoConv{c: c}
	wc.fwd = newWinoGeom(c.In, c.Out, g.h, g.w, g.padH, g.padW)
	wc.bwd = newWinoGeom(c.Out, c.In, g.oh, g.ow, 2-g.padH, 2-g.padW)
	maxTiles := chunkTiles(c.In, c.Out)
	wc.fwd.rows = max(1, min(wc.fwd.th, maxTiles/wc.fwd.tw))
	wc.bwd.rows = max(1, min(wc.bwd.th, maxTiles/wc.bwd.tw))
	wc.images = max(1, maxTiles/max(wc.fwd.th*wc.fwd.tw, wc.bwd.th*wc.bwd.tw))
	wc.u = make([]float32, 16*c.In*c.Out)
	wc.uBack = make([]float32, 16*c.In*c.Out)
	wc.scratch = make([]winoScratch, c.env.Workers())
	for w := range wc.scratch {
		wc.scratch[w].ws = c.env.gemm.Workspace(w)
	}
	wc.fwdFn, wc.bwdFn, wc.poolFn = wc.forwardChunks, wc.backwardImages, wc.poolImages
	wc.gradFn, wc.uFn = wc.filterGrads, wc.transformFilterRange
	return wc
}

func newWinoGeom(in, out, h, w, padH, padW int) winoGeom {
	g := winoGeom{in: in, out: out, h: h, w: w, padH: padH, padW: padW,
		oh: h + 2*padH - 2, ow: w + 2*padW - 2}
	var err error
	if g.input, err = winograd.NewInputPlan(h, w, padH, padW); err != nil {
		panic(err) // useWinograd has checked the geometry
	}
	g.th, g.tw = g.input.TilesH, g.input.TilesW
	return g
}

// chunkTiles is how many tiles a chunk holds: as many as the products
// read A in place for, fewer when the chunk's V and M (16 values per tile
// and channel each) would not fit in about a megabyte.
func chunkTiles(in, out int) int {
	n := min(gemm.InPlaceACols(), (1<<20)/(16*4*(in+out)))
	return max(n, 16)
}

// tiles returns how many tiles chunk k holds in geometry g.
func (g *winoGeom) tiles(k chunk) int { return (k.img1 - k.img0) * (k.ty1 - k.ty0) * g.tw }

// chunks appends the chunks of images [lo, hi) in geometry g: groups of
// up to per whole images, or single images in runs of g.rows tile rows.
func (g *winoGeom) chunks(dst []chunk, lo, hi, per int) []chunk {
	if per > 1 || g.rows >= g.th {
		for i := lo; i < hi; i += per {
			dst = append(dst, chunk{i, min(i+per, hi), 0, g.th})
		}
		return dst
	}
	for i := lo; i < hi; i++ {
		for ty := 0; ty < g.th; ty += g.rows {
			dst = append(dst, chunk{i, i + 1, ty, min(ty+g.rows, g.th)})
		}
	}
	return dst
}

// reserve grows worker w's scratch for the given batch-independent sizes.
func (wc *winoConv) reserve(w int, training bool) {
	s := &wc.scratch[w]
	f, b := &wc.fwd, &wc.bwd
	tiles := max(f.rows*f.tw, b.rows*b.tw, wc.images*max(f.th*f.tw, b.th*b.tw))
	grow := func(buf []float32, n int) []float32 {
		if len(buf) < n {
			return make([]float32, n)
		}
		return buf
	}
	s.v = grow(s.v, 16*max(f.in, b.in)*tiles)
	s.m = grow(s.m, 16*max(f.out, b.out)*tiles)
	if !training {
		return
	}
	s.dyT = grow(s.dyT, 16*f.out*tiles)
	s.du = grow(s.du, 16*f.out*f.in)
	s.db = grow(s.db, f.out)
	if wc.c.withReLU || wc.c.pool != nil {
		s.dy = grow(s.dy, wc.images*f.out*f.oh*f.ow)
	}
}

// transformFilters computes U from the filters: for filter o of input
// channel c, U's 16 values go to u[ξ][c][o]. The input channels are
// shared out among the workers.
func (wc *winoConv) transformFilters() {
	wc.c.env.For(wc.c.In, wc.uFn)
	wc.uBackSet = false
}

// transformFilterRange computes U for input channels [lo, hi).
func (wc *winoConv) transformFilterRange(_, lo, hi int) {
	in, out := wc.c.In, wc.c.Out
	w := wc.c.weight.Value.Data
	for c := lo; c < hi; c++ {
		for o := range out {
			winograd.Filter(wc.u[c*out+o:], in*out, w[(o*in+c)*9:(o*in+c+1)*9])
		}
	}
}

// transformBackFilters computes the backward filters' U, for filter o of
// input channel c turned half a turn (as filter c of input channel o),
// into uBack[ξ][o][c]. Turning g reverses its rows and columns, and G
// times a reversed column is G times the column with the first and last
// rows of the result swapped, so the turned filter's U is U with its
// first and last rows swapped, and its first and last columns: no
// transform to compute, only U_ξ transposed into place.
func (wc *winoConv) transformBackFilters() {
	in, out := wc.c.In, wc.c.Out
	swap := [4]int{3, 1, 2, 0}
	for i := range 4 {
		for j := range 4 {
			from, to := 4*i+j, 4*swap[i]+swap[j]
			gemm.Transpose(wc.uBack[to*in*out:(to+1)*in*out], wc.u[from*in*out:(from+1)*in*out], in, out)
		}
	}
	wc.uBackSet = true
}

// forward computes the convolution of the batch c.x into c.y.
func (wc *winoConv) forward(train bool) {
	n := wc.c.x.Shape[0]
	if wc.uFrom.stale(train, wc.c.weight.Value.Data) {
		wc.transformFilters()
	}
	if wc.itemsN != n || wc.items == nil {
		// Enough chunks to go round the workers, when the batch allows.
		per := min(wc.images, max(1, n/wc.c.env.Workers()))
		wc.items = wc.fwd.chunks(wc.items[:0], 0, n, per)
		wc.itemsN = n
	}
	for w := range wc.scratch {
		wc.reserve(w, train)
	}
	wc.c.env.For(len(wc.items), wc.fwdFn)
	if wc.c.pool != nil && wc.fwd.rows < wc.fwd.th {
		// The images were computed in parts, maybe by different workers:
		// pool them now that they are whole.
		wc.c.env.For(n, wc.poolFn)
	}
}

// poolImages max-pools the outputs of images [lo, hi) for a fused pool.
func (wc *winoConv) poolImages(_, lo, hi int) {
	size := wc.c.Out * wc.fwd.oh * wc.fwd.ow
	for i := lo; i < hi; i++ {
		wc.c.pool.poolImage(i, wc.c.y.Data[i*size:(i+1)*size])
	}
}

// forwardChunks runs chunks [lo, hi) of the forward pass on one worker.
func (wc *winoConv) forwardChunks(worker, lo, hi int) {
	s := &wc.scratch[worker]
	g := &wc.fwd
	c := wc.c
	inSize, outSize := g.in*g.h*g.w, g.out*g.oh*g.ow
	for _, k := range wc.items[lo:hi] {
		wc.multiply(s, g, k, wc.u, c.x.Data[k.img0*inSize:k.img1*inSize])
		for i := k.img0; i < k.img1; i++ {
			y := c.y.Data[i*outSize : (i+1)*outSize]
			wc.output(s, g, k, i, y, c.bias.Value.Data)
			switch {
			case c.norm != nil:
				c.norm.normalizeRows(i, 2*k.ty0, min(g.oh, 2*k.ty1), y)
			case c.withReLU:
				// The rows this chunk wrote, channel by channel.
				h := min(g.oh, 2*k.ty1) - 2*k.ty0
				for o := range g.out {
					rows := y[o*g.oh*g.ow+2*k.ty0*g.ow:][:h*g.ow]
					vec.Relu(rows, rows)
				}
			case c.pool != nil && k.ty0 == 0 && k.ty1 == g.th:
				c.pool.poolImage(i, y)
			}
		}
	}
}

// multiply transforms chunk k's tiles into s.v, from x, its images
// ([in, h, w] each), and multiplies them by the transformed filters u
// ([16][in][out]), into s.m.
func (wc *winoConv) multiply(s *winoScratch, g *winoGeom, k chunk, u, x []float32) {
	tiles := g.tiles(k)
	wc.transformInput(s.v, g, k, x)
	for xi := range 16 {
		s.ws.Sgemm(true, false, g.out, tiles, g.in, 1, u[xi*g.in*g.out:], g.out,
			s.v[xi*g.in*tiles:], tiles, 0, s.m[xi*g.out*tiles:], tiles)
	}
}

// transformInput transforms chunk k's tiles of images x ([in, h, w]
// each, the chunk's first first) into v, [16][in][tiles].
func (wc *winoConv) transformInput(v []float32, g *winoGeom, k chunk, x []float32) {
	tiles := g.tiles(k)
	rows := k.ty1 - k.ty0
	plane := g.h * g.w
	for i := range k.img1 - k.img0 {
		base := i * rows * g.tw
		for c := range g.in {
			g.input.Input(v[c*tiles+base:], g.in*tiles, x[(i*g.in+c)*plane:(i*g.in+c+1)*plane], g.w, k.ty0, k.ty1)
		}
	}
}

// output transforms image i's part of chunk k's products s.m back into
// its output planes y ([out, oh, ow]), adding bias (nil for none).
func (wc *winoConv) output(s *winoScratch, g *winoGeom, k chunk, i int, y, bias []float32) {
	tiles := g.tiles(k)
	rows := k.ty1 - k.ty0
	base := (i - k.img0) * rows * g.tw
	h := min(g.oh-2*k.ty0, 2*rows)
	for o := range g.out {
		var b float32
		if bias != nil {
			b = bias[o]
		}
		plane := y[o*g.oh*g.ow+2*k.ty0*g.ow:]
		winograd.Output(plane, g.ow, h, g.ow, s.m[o*tiles+base:], g.out*tiles, b)
	}
}

// backward computes ∂L/∂W, ∂L/∂b and, when needed, ∂L/∂x for the batch
// whose output gradient is c.dy.
func (wc *winoConv) backward() {
	c := wc.c
	n := c.dy.Shape[0]
	if !wc.uBackSet && c.needDX {
		wc.transformBackFilters()
	}
	for w := range wc.scratch {
		wc.reserve(w, true)
	}
	c.env.For(n, wc.bwdFn)
	// Add up the workers' sums and take ∂L/∂U back to the 3×3 filters,
	// the filters shared out among the workers.
	c.env.For(c.Out, wc.gradFn)
}

// filterGrads adds up the workers' sums of ∂L/∂U and ∂L/∂b for filters
// [lo, hi), in worker order, and takes ∂L/∂U back to their 3×3 weights.
func (wc *winoConv) filterGrads(_, lo, hi int) {
	c := wc.c
	n, in, out := c.dy.Shape[0], c.In, c.Out
	workers := c.env.Workers()
	first := -1 // the first worker that had images, whose sums collect the rest
	for w := range workers {
		if l, h := parallel.Range(n, workers, w); l == h {
			continue
		}
		if first < 0 {
			first = w
			continue
		}
		sum, part := wc.scratch[first].du, wc.scratch[w].du
		for xi := range 16 {
			rows := xi*out*in + lo*in
			vec.Add(sum[rows:rows+(hi-lo)*in], part[rows:rows+(hi-lo)*in])
		}
		vec.Add(wc.scratch[first].db[lo:hi], wc.scratch[w].db[lo:hi])
	}
	du := wc.scratch[first].du
	dW := c.weight.Grad.Data
	for o := lo; o < hi; o++ {
		for ch := range in {
			winograd.FilterGrad(dW[(o*in+ch)*9:(o*in+ch+1)*9], du[o*in+ch:], in*out)
		}
	}
	copy(c.bias.Grad.Data[lo:hi], wc.scratch[first].db[lo:hi])
}

// backwardImages runs the backward pass of images [lo, hi) on one
// worker, a chunk of images at a time.
func (wc *winoConv) backwardImages(worker, lo, hi int) {
	s := &wc.scratch[worker]
	c := wc.c
	f, b := &wc.fwd, &wc.bwd
	inSize, outSize := f.in*f.h*f.w, f.out*f.oh*f.ow
	first := true
	for i0 := lo; i0 < hi; i0 += wc.images {
		i1 := min(i0+wc.images, hi)
		// This chunk's dy, taken back through a fused ReLU or pool.
		var dy []float32
		if !c.withReLU && c.pool == nil {
			dy = c.dy.Data[i0*outSize : i1*outSize]
		} else {
			dy = s.dy[:(i1-i0)*outSize]
			for i := i0; i < i1; i++ {
				c.imageGrad(i, dy[(i-i0)*outSize:(i-i0+1)*outSize])
			}
		}
		for i := i0; i < i1; i++ {
			for o := range f.out {
				sum := vec.Sum(dy[(i-i0)*outSize+o*f.oh*f.ow : (i-i0)*outSize+(o+1)*f.oh*f.ow])
				if first && i == i0 {
					s.db[o] = sum
				} else {
					s.db[o] += sum
				}
			}
		}

		// ∂L/∂U: the input's tiles against dy's, chunk by chunk.
		s.chunks = f.chunks(s.chunks[:0], i0, i1, wc.images)
		for _, k := range s.chunks {
			tiles := f.tiles(k)
			rows := k.ty1 - k.ty0
			wc.transformInput(s.v, f, k, c.x.Data[k.img0*inSize:k.img1*inSize])
			k.img0, k.img1 = k.img0-i0, k.img1-i0 // within this chunk of images
			for i := k.img0; i < k.img1; i++ {
				base := (i - k.img0) * rows * f.tw
				h := min(f.oh-2*k.ty0, 2*rows)
				for o := range f.out {
					plane := dy[i*outSize+o*f.oh*f.ow+2*k.ty0*f.ow:]
					winograd.OutputGrad(s.dyT[o*tiles+base:], f.out*tiles, plane, f.ow, h, f.ow)
				}
			}
			var beta float32 = 1
			if first {
				beta, first = 0, false
			}
			for xi := range 16 {
				s.ws.Sgemm(false, true, f.out, f.in, tiles, 1, s.dyT[xi*f.out*tiles:], tiles,
					s.v[xi*f.in*tiles:], tiles, beta, s.du[xi*f.out*f.in:], f.in)
			}
		}
		if !c.needDX {
			continue
		}

		// ∂L/∂x: dy convolved with the turned filters.
		s.chunks = b.chunks(s.chunks[:0], 0, i1-i0, wc.images)
		for _, k := range s.chunks {
			wc.multiply(s, b, k, wc.uBack, dy[k.img0*outSize:k.img1*outSize])
			for i := k.img0; i < k.img1; i++ {
				wc.output(s, b, k, i, c.dx.Data[(i0+i)*inSize:(i0+i+1)*inSize], nil)
			}
		}
	}
}
