package nn

import (
	"github.com/gocnn/gocnn/internal/gemm"
	"github.com/gocnn/gocnn/internal/parallel"
	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/internal/winograd"
)

// winoConv computes a 3×3 convolution with stride 1 by Winograd's minimal
// filtering F(2×2, 3×3) or F(4×4, 3×3) (see package internal/winograd)
// instead of im2col and a product per image: each 2×2 block of output
// costs 16 multiplications per input and output channel instead of 36,
// each 4×4 block 36 instead of 144.
//
// The work goes in chunks of tiles, a few images at a time (or part of
// one large image), and for each chunk in three steps:
//
//  1. the chunk's tiles are transformed, zeros standing for the padding:
//     V_ξ [In, tiles], one matrix for each position ξ of a transformed
//     tile (16 or 36);
//  2. as many products M_ξ = U_ξ·V_ξ, [Out, In]·[In, tiles], with the
//     transformed filters U_ξ;
//  3. M is transformed back into blocks of output, the bias added.
//
// The backward pass runs the same three steps for ∂L/∂x, which is the
// convolution of dy, padded by 2 − pad, with the filters turned half a
// turn and their channels swapped (bwd, uBack), and for ∂L/∂W the
// transformed dy tiles times the input's: ∂L/∂U_ξ = Σ_t (A·dY·Aᵀ)_ξ·V_ξᵀ,
// taken back to the 3×3 filters once the workers' sums are added up. A
// layer of many channels on few tiles (256 on 3x3: one tile an image)
// would have each worker add up [points, Out, In] sums (9.4 MB there)
// for few tiles a chunk; it transforms the whole batch's tiles first
// instead, and then shares out the ξ, each ∂L/∂U_ξ one product over
// every tile of the batch (see wantBatchGrads).
//
// A chunk holds as many tiles as keep its V and M in the worker's cache
// (chunkTiles). The numbers differ from the direct convolution's in the last
// bits: the transforms add the inputs in other groupings before they are
// multiplied.
type winoConv struct {
	c        *Conv2D
	alg      *winograd.Algorithm
	points   int      // alg.Points(): the products of each chunk
	fwd, bwd winoGeom // the forward convolution, and the one giving ∂L/∂x

	// u holds U_ξ for each ξ as the products of chunks multiplied
	// transposed read it, [In, Out] (element [ξ][c][o]); uBack the
	// backward filters' [Out, In]. Both are made the first time a pass
	// has such a chunk (a small batch of small images), which a
	// training step at batch 64 seldom has: until then they take no
	// memory.
	u, uBack []float32
	// uPacked and uBackPacked hold the same U_ξ once in the multiply's
	// slivers (gemm.PackedA), for the products of chunks
	// whose tiles go across (the rest read u and uBack in place): the
	// products then copy nothing of U_ξ, and read it in the order they
	// use it rather than a row of Out or In values apart.
	uPacked, uBackPacked []gemm.PackedA
	// uSet says whether u holds the filters uPacked holds: the forward
	// pass makes u only for a batch with a chunk multiplied transposed
	// (few tiles), which in training at batch 64 none is; uBackIn says
	// the same of uBack, which the backward pass makes only for such a
	// batch too.
	uSet  bool
	uFrom derived // the filters u holds
	// packedFwd and packedBack are where the filter transforms write
	// uPacked's and uBackPacked's values straight into their slivers
	// (see transformFilters), when nothing reads u or uBack in place;
	// wT is the filters gathered into the slivers' order for that,
	// [9][stride]. In training they lie in memory every layer shares
	// (see placeFilters).
	packedFwd, packedBack packedFilters
	wT                    []float32
	k                     []float32 // the algorithm's FilterMatrix, [points, 9]
	kTurned               []float32 // its FilterMatrix for turned filters
	uBackSet              bool      // uBackPacked matches the weights of the last Forward
	uBackIn               bool      // and so does uBack
	training              bool      // the last Forward was a training pass

	always  bool    // computes every batch, however small (for tests)
	images  int     // images per chunk, when several fit
	items   []chunk // the last Forward's chunks
	itemsN  int     // the batch size items was made for
	scratch []winoScratch
	fwdFn   func(worker, lo, hi int)
	bwdFn   func(worker, lo, hi int)
	poolFn  func(worker, lo, hi int)
	gradFn  func(worker, lo, hi int)
	uFn     func(worker, lo, hi int)
	uBackFn func(worker, lo, hi int)
	// packing says which set of packed filters gatherFn and packedFn
	// make, and with which filter matrix.
	packing  *packedFilters
	packingK []float32
	gatherFn func(worker, lo, hi int)
	packedFn func(worker, lo, hi int)

	// With batchGrads set for the last backward pass, vAll and dyAll hold
	// the batch's transformed input and dy tiles, [points][tiles][In]
	// and [points][tiles][Out], batchTiles tiles in all, and du the
	// batch's ∂L/∂U, [points][Out][In].
	batchGrads      bool
	batchTiles      int
	vAll, dyAll, du []float32
	batchGradFn     func(worker, lo, hi int)
}

// winoGeom is one convolution computed by winoConv: in channels of h × w
// padded by padH, padW, giving out channels of oh × ow.
type winoGeom struct {
	in, out    int
	h, w       int
	padH, padW int
	oh, ow     int
	th, tw     int // tiles per image, down and across
	m          int // outputs per tile, down and across
	rows       int // tile rows per chunk, when one image is more than a chunk
	input      *winograd.InputPlan
	// lanes, when set, transforms a chunk's tiles sixteen at a time
	// whatever the image's width (winograd.LanePlan), instead of input;
	// channelLanes does so with the channels numbered in the lanes, for
	// the weight gradient's products (forward geometry only).
	lanes, channelLanes *winograd.LanePlan
}

// chunk is one step of a winoConv: tile rows [ty0, ty1) of images
// [img0, img1).
type chunk struct{ img0, img1, ty0, ty1 int }

// winoScratch is one worker's memory. Its float slices point into the
// worker's part of the scratch that all layers share (Env.workerScratch):
// uT set again before each filter transform that uses it, the others
// before each pass (reserve).
type winoScratch struct {
	v, m   []float32 // [points][channels][tiles]
	mT     []float32 // one M_ξ computed transposed, [tiles][channels]
	dyT    []float32 // [points][Out][tiles]: transformed dy, for ∂L/∂W
	du     []float32 // [points][Out][In]: the worker's sum of ∂L/∂U
	db     []float32 // [Out]: the worker's sum of ∂L/∂b
	dy     []float32 // the chunk's dy, taken back through a fused layer
	chunks []chunk   // the backward pass's chunks of one group of images
	uT     []float32 // U_ξ as [o][c], the filter transform's product, packed into uPacked
	ws     *gemm.Workspace
}

// winogradFor returns the algorithm a convolution of geometry g with out
// filters is best computed by, or nil for the direct product: Winograd's
// needs a 3×3 window, stride 1, padding of at most 2 (so that ∂L/∂x is a
// convolution too), fast transforms on this machine, and fewer
// multiplications than the direct product by a third at least, counting
// the tiles' padding (a 6×6 output is 4 tiles of F(4×4) covering 8×8)
// and the filters' transforms, which a training step makes twice for
// every filter and channel pair whatever the batch: counted as
// filterCost multiplications, shared by the 32 images a worker takes
// from a batch of 64. Of the two algorithms, the cheaper; F(2×2) on a
// tie, for it rounds less.
//
// F(4×4, 3×3) needs its lane transforms (winograd.LanePlan) to be fast
// on this machine: its plane transforms, sixteen tiles of a tile row at
// a time, leave most lanes empty on the small images convolutions see
// (12 outputs across are 3 tiles).
func winogradFor(g convGeom, out int) *winograd.Algorithm {
	if g.kh != 3 || g.kw != 3 || g.strideH != 1 || g.strideW != 1 || g.padH > 2 || g.padW > 2 {
		return nil
	}
	if g.c < 8 || out < 8 {
		return nil
	}
	direct := 9 * g.oh * g.ow
	var best *winograd.Algorithm
	bestCost := 2 * direct / 3
	for _, a := range []*winograd.Algorithm{winograd.F2, winograd.F4} {
		fast := a.Kernel() != "purego"
		if a == winograd.F4 {
			fast = winograd.LanesKernel() != "purego"
		}
		if !fast {
			continue // the transforms would cost more than they save
		}
		cost := a.Points()*a.Tiles(g.oh)*a.Tiles(g.ow) + filterCost(a)/32
		if cost < bestCost {
			best, bestCost = a, cost
		}
	}
	return best
}

// filterCost is about what transforming one filter costs a training
// step, in the products' multiplications: three matrix products with 9
// inside (forward, turned and back), and a transpose, all bound by
// memory, some 8 values moved for each of the filter's points.
func filterCost(a *winograd.Algorithm) int { return 8 * a.Points() }

// pays reports whether a batch of n images is worth computing by
// Winograd's method. Its transformed filters hold points values for the
// direct product's 9, and every batch reads them all, so a batch of few
// images, with few tiles, would spend more time reading them than the
// saved multiplications take: at batch 1 a 3×3 output of 256 channels
// reads 9.4 MB of transformed filters to save 45 multiplications of 81
// per filter and channel. Counting each value read as readCost
// multiplications (vector arithmetic against memory), Winograd's method
// must save more than that over the batch.
func (wc *winoConv) pays(n int) bool {
	if wc.always {
		return true
	}
	g := &wc.fwd
	saved := 9*g.oh*g.ow - wc.points*g.th*g.tw
	return n*saved >= readCost*(wc.points-9)
}

// readCost is what pays counts reading one more value of the transformed
// filters as, in multiplications saved: 24. Timed at batch 1 on one
// thread with the caches filled by other data between calls, as the
// other layers of a network fill them (2026-12-06, least of three runs),
// 128 filters on 6x6 by F(2×2) (180 multiplications saved per filter and
// channel for 7 more values read, 26 apiece) ran in 92 µs against 112
// for the direct product, while 128 on 8x8 by F(4×4) (432 for 27, 16
// apiece) ran in 166 against 148 and 256 on 3x3 (45 for 27) in 478
// against 184: the line lies between 16 and 26.
const readCost = 24

// newWinoConv plans a convolution's Winograd products by alg.
func newWinoConv(c *Conv2D, alg *winograd.Algorithm) *winoConv {
	g := c.geom
	wc := &winoConv{c: c, alg: alg, points: alg.Points()}
	wc.fwd = newWinoGeom(alg, c.In, c.Out, g.h, g.w, g.padH, g.padW)
	wc.bwd = newWinoGeom(alg, c.Out, c.In, g.oh, g.ow, 2-g.padH, 2-g.padW)
	maxTiles := chunkTiles(wc.points, c.In, c.Out)
	wc.fwd.rows = evenRows(wc.fwd.th, wc.fwd.tw, maxTiles)
	wc.bwd.rows = evenRows(wc.bwd.th, wc.bwd.tw, maxTiles)
	wc.images = max(1, maxTiles/max(wc.fwd.th*wc.fwd.tw, wc.bwd.th*wc.bwd.tw))
	if alg == winograd.F4 || wc.fwd.tw <= laneTilesW {
		// F(4×4, 3×3)'s tiles are few on a small image: a 12×12 output is
		// 3×3 tiles. Its transforms take a chunk's tiles sixteen at a
		// time across rows and images, and so do F(2×2, 3×3)'s on an
		// image as narrow (see laneTilesW).
		inSize, outSize := c.In*g.h*g.w, c.Out*g.oh*g.ow
		fl, err1 := alg.NewLanePlan(g.h, g.w, g.padH, g.padW, wc.images, inSize, outSize)
		bl, err2 := alg.NewLanePlan(g.oh, g.ow, 2-g.padH, 2-g.padW, wc.images, outSize, inSize)
		cl, err3 := alg.NewChannelLanePlan(g.h, g.w, g.padH, g.padW, wc.images, c.In, c.Out)
		if err1 == nil && err2 == nil && err3 == nil {
			wc.fwd.lanes, wc.bwd.lanes, wc.fwd.channelLanes = fl, bl, cl
		}
	}
	wc.uPacked = make([]gemm.PackedA, wc.points)
	wc.uBackPacked = make([]gemm.PackedA, wc.points)
	wc.k, wc.kTurned = alg.FilterMatrix(false), alg.FilterMatrix(true)
	wc.scratch = make([]winoScratch, c.env.Workers())
	for w := range wc.scratch {
		wc.scratch[w].ws = c.env.gemm.Workspace(w)
	}
	wc.fwdFn, wc.bwdFn, wc.poolFn = wc.forwardChunks, wc.backwardImages, wc.poolImages
	wc.gradFn, wc.uFn, wc.uBackFn = wc.filterGrads, wc.transformFilterRange, wc.transformTurnedRange
	wc.batchGradFn = wc.batchFilterGrads
	wc.gatherFn, wc.packedFn = wc.gatherFilters, wc.transformPackedRange
	wc.packedFwd = newPackedFilters(wc.uPacked, c.Out, c.In, false)
	wc.packedBack = newPackedFilters(wc.uBackPacked, c.In, c.Out, true)
	return wc
}

// packedFilters is a set of transformed filters U_ξ, one m×k matrix for
// each ξ ([Out, In] forward; [In, Out] for the turned filters of the
// backward pass, U_ξ of filter o and channel c at (c, o)), held in the
// multiply's slivers (gemm.PackedA) in one array, stride values apart:
// the filter transform computes them there, rather than into a matrix
// that is then copied into slivers.
type packedFilters struct {
	m, k   int
	size   int // the values of one packed U_ξ (gemm.PackedLayout)
	stride int // the values from one U_ξ to the next
	// runs are the packed places in runs of a sliver's rows, whose
	// filter pairs lie step pairs apart (k forward, one pair turned);
	// pads the places of the slivers' padding.
	runs []filterRun
	step int
	pads []int32
	// packed are the operands the filters make; data is the memory they
	// read, [points][stride] (values long): own, the layer's, made the
	// first time an evaluation pass needs it, or the block a training
	// pass uses (see winoConv.placeFilters).
	packed    []gemm.PackedA
	data, own []float32
}

// values is the length of the memory f's filters are placed in.
func (f *packedFilters) values() int { return len(f.packed) * f.stride }

// filterRun is n packed places from at on, holding filter pairs pair,
// pair + step, ... (a pair o·In + c is filter o on channel c).
type filterRun struct{ at, n, pair int32 }

// newPackedFilters lays out the packed filters that packed adopts: m×k
// matrices, turned ones when turned is true.
func newPackedFilters(packed []gemm.PackedA, m, k int, turned bool) packedFilters {
	size, place := gemm.PackedLayout(m, k)
	// A stride of a whole number of 64-byte lines, one more than size
	// needs: sizes are often powers of two, whose multiples would put
	// the ξ (and the 9 taps of wT) in the same sets of the caches.
	f := packedFilters{m: m, k: k, size: size, stride: (size+15)/16*16 + 16}
	from := make([]int32, size) // the pair of each place, -1 for padding
	for i := range from {
		from[i] = -1
	}
	f.step = k
	if turned {
		f.step = 1
	}
	for i := range m {
		for j := range k {
			pair := i*k + j // filter i, channel j
			if turned {
				pair = j*m + i // filter j, channel i
			}
			from[place[i*k+j]] = int32(pair)
		}
	}
	for i := 0; i < size; {
		if from[i] < 0 {
			f.pads = append(f.pads, int32(i))
			i++
			continue
		}
		n := 1
		for i+n < size && from[i+n] == from[i]+int32(n*f.step) {
			n++
		}
		f.runs = append(f.runs, filterRun{at: int32(i), n: int32(n), pair: from[i]})
		i += n
	}
	f.packed = packed
	return f
}

// place makes f's operands read their values from data.
func (f *packedFilters) place(data []float32) {
	f.data = data
	for xi := range f.packed {
		at := xi * f.stride
		f.packed[xi].Adopt(f.m, f.k, data[at:at+f.size:at+f.size])
	}
}

// placeFilters puts f's packed filters where a pass keeps them: in
// training, in the block that the filters of every layer built on the
// Env share (Env.filterBlock); in evaluation, in the layer's own memory.
// A training step makes every layer's filters again, forward and back,
// and reads them within that pass, so one block serves all the layers,
// and each finds in the cache the block the one before it used, where
// memory of their own (9.4 MB for each direction of specs/ham-resnet.txt's
// last convolution) would be fetched for every pass and held through
// the step. Evaluation keeps its filters from one batch to the next
// (uFrom, and uBackSet for the input gradients of a model evaluated) in
// memory no training pass writes, made by the first evaluation pass, so
// that a layer only ever trained, or only evaluated forward, holds no
// memory for the directions it never evaluates. It reports whether the
// memory may still hold f's filters: its own once made, the block only
// when f was the last to take it.
func (wc *winoConv) placeFilters(f *packedFilters, train bool) (held bool) {
	if train {
		var data []float32
		data, held = wc.c.env.filterBlock(f.values(), f)
		f.place(data)
		return held
	}
	held = f.own != nil
	if !held {
		f.own = make([]float32, f.values()) // the first evaluation pass
	}
	f.place(f.own)
	return held
}

// laneTilesW is how many tiles across, at most, an image may have for
// F(2×2, 3×3)'s transforms to take its tiles sixteen at a time
// (winograd.LanePlan) rather than a tile row at a time. On 16 images
// of one channel (go test -run '^$' -bench 'Lanes|Transforms'
// ./internal/winograd, 2026-12-06), where a tile row of a 6x6 image
// fills 3 of a vector's 16 lanes, the lanes transformed inputs 1.2 to
// 1.3 times as fast, outputs 1.8 times and output gradients 2.5 times;
// on 12x12, 6 tiles across, the plane transforms were as fast or
// faster.
const laneTilesW = 4

func newWinoGeom(alg *winograd.Algorithm, in, out, h, w, padH, padW int) winoGeom {
	g := winoGeom{in: in, out: out, h: h, w: w, padH: padH, padW: padW,
		oh: h + 2*padH - 2, ow: w + 2*padW - 2, m: alg.M()}
	var err error
	if g.input, err = alg.NewInputPlan(h, w, padH, padW); err != nil {
		panic(err) // winogradFor has checked the geometry
	}
	g.th, g.tw = g.input.TilesH, g.input.TilesW
	return g
}

// evenRows is how many tile rows of th, tw tiles each, go in a chunk of
// at most maxTiles tiles: as few chunks as that allows, of even sizes (an
// image of 12 rows of 12 tiles goes as 6 and 6 rows, not 10 and 2).
func evenRows(th, tw, maxTiles int) int {
	rows := max(1, min(th, maxTiles/tw))
	chunks := (th + rows - 1) / rows
	return (th + chunks - 1) / chunks
}

// chunkTiles is how many tiles a chunk holds: up to 256, fewer when the
// chunk's V and M (points values per tile and channel each) would not
// fit in about two megabytes (the worker's cache), but 32 at least, one
// tile of the multiply across, and no more than the products read A in
// place for when the transformed filters are large enough that copying
// them for every chunk would cost (more than 16,384 values for each ξ). Small
// layers want long chunks: their products are small, and each call of
// the multiply has its own costs.
func chunkTiles(points, in, out int) int {
	n := min(256, (2<<20)/(points*4*(in+out)))
	if in*out > 1<<14 {
		n = min(n, gemm.InPlaceACols())
	}
	return max(n, 32)
}

// rowsWritten says which output values chunk k of a part of an image
// writes in geometry g: n values (its tile rows' output rows) in each of
// planes output planes, the first at first and each the next plane's
// (OH·OW floats) further, counting from the batch's first image, the
// chunk's images' channels in turn.
func (g *winoGeom) rowsWritten(k chunk) (first, n, planes int) {
	first = k.img0*g.out*g.oh*g.ow + g.m*k.ty0*g.ow
	n = (min(g.oh, g.m*k.ty1) - g.m*k.ty0) * g.ow
	return first, n, (k.img1 - k.img0) * g.out
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

// grow returns buf when it holds n values, or else a new slice of n.
func grow(buf []float32, n int) []float32 {
	if len(buf) < n {
		return make([]float32, n)
	}
	return buf
}

// reserve points worker w's scratch at memory for a batch of n images:
// the worker's part of the memory every layer of the network shares
// (Env.workerScratch), since nothing in it outlives one pass of one
// layer. Called before each pass.
func (wc *winoConv) reserve(w, n int, training bool) {
	s := &wc.scratch[w]
	f, b := &wc.fwd, &wc.bwd
	tiles := max(f.rows*f.tw, b.rows*b.tw, wc.images*max(f.th*f.tw, b.th*b.tw))
	var sizes [7]int // v, m, mT, dyT, du, db, dy
	sizes[0] = wc.points * max(f.in, b.in) * tiles
	sizes[1] = wc.points * max(f.out, b.out) * tiles
	sizes[2] = max(f.out, b.out) * tiles
	if training {
		sizes[3] = wc.points * f.out * tiles
		if !wc.wantBatchGrads(n * f.th * f.tw) {
			sizes[4] = wc.points * f.out * f.in
		}
		sizes[5] = f.out
		if wc.c.gradMade() {
			sizes[6] = wc.images * f.out * f.oh * f.ow
		}
	}
	var parts [7][]float32
	wc.c.env.carve(w, sizes[:], parts[:])
	s.v, s.m, s.mT, s.dyT, s.du, s.db, s.dy = parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]
}

// transformFilters computes U from the filters: the product K·Wᵀ
// ([points, 9]·[9, Out·In], with K the algorithm's FilterMatrix), which
// gives U as [ξ][o][c], each U_ξ packed for the products (uPacked) and,
// when inPlace is true, transposed into u[ξ][c][o] too: computed as a
// matrix and copied into place. Without inPlace the product is computed
// with its columns in the slivers' order (the filters gathered in that
// order first, 9 values for each pair instead of points), so that it
// writes uPacked's values where they lie. The ξ are shared out among
// the workers.
func (wc *winoConv) transformFilters(inPlace bool) {
	wc.uSet = inPlace
	if inPlace {
		in, out := wc.c.In, wc.c.Out
		wc.u = grow(wc.u, wc.points*in*out)
		// Each worker's products of its ξ, in its part of the scratch
		// all layers share: they last this transform only.
		size := [1]int{(wc.points + len(wc.scratch) - 1) / len(wc.scratch) * in * out}
		for w := range wc.scratch {
			var part [1][]float32
			wc.c.env.carve(w, size[:], part[:])
			wc.scratch[w].uT = part[0]
		}
		wc.c.env.For(wc.points, wc.uFn)
	} else {
		wc.transformPacked(&wc.packedFwd, wc.k)
	}
	wc.uBackSet, wc.uBackIn = false, false
}

// transformPacked computes f's packed filters with filter matrix k: the
// filters gathered into the slivers' order, then each U_ξ the product
// of k's row ξ and that.
func (wc *winoConv) transformPacked(f *packedFilters, k []float32) {
	wc.packing, wc.packingK = f, k
	wc.wT = grow(wc.wT, 9*f.stride)
	for _, i := range f.pads {
		for t := range 9 {
			wc.wT[t*f.stride+int(i)] = 0
		}
	}
	wc.c.env.For(len(f.runs), wc.gatherFn)
	wc.c.env.For(wc.points, wc.packedFn)
	wc.packing, wc.packingK = nil, nil
}

// gatherFilters writes the filters of runs [lo, hi) into wT, [9][stride]:
// a place's filter's 9 weights at wT[t·stride + place], each run one
// transpose of its filters' rows (9 weights each, step filters apart).
func (wc *winoConv) gatherFilters(_, lo, hi int) {
	f, w := wc.packing, wc.c.weight.Value.Data
	for _, r := range f.runs[lo:hi] {
		gemm.TransposeStrided(wc.wT[r.at:], f.stride, w[int(r.pair)*9:], f.step*9, int(r.n), 9)
	}
}

// transformPackedRange computes the packed U_ξ for ξ in [lo, hi): the
// rows [lo, hi) of the filter matrix times wT, each written where the
// multiply reads it. Each value is the sum over the 9 taps that
// transformFilterRange's product computes, in the same order.
func (wc *winoConv) transformPackedRange(worker, lo, hi int) {
	f := wc.packing
	wc.scratch[worker].ws.Sgemm(false, false, hi-lo, f.size, 9, 1, wc.packingK[lo*9:], 9,
		wc.wT, f.stride, 0, f.data[lo*f.stride:], f.stride)
}

// transformFilterRange computes U_ξ for ξ in [lo, hi) as a matrix, packs
// it and transposes it into u.
func (wc *winoConv) transformFilterRange(worker, lo, hi int) {
	in, out := wc.c.In, wc.c.Out
	tmp := wc.scratch[worker].uT
	wc.scratch[worker].ws.Sgemm(false, true, hi-lo, out*in, 9, 1, wc.k[lo*9:], 9,
		wc.c.weight.Value.Data, 9, 0, tmp, out*in)
	for xi := lo; xi < hi; xi++ {
		// U_ξᵀ, [o][c], is the left operand of multiply's products.
		uT := tmp[(xi-lo)*in*out : (xi-lo+1)*in*out]
		wc.uPacked[xi].Pack(false, out, in, 1, uT, in)
		gemm.Transpose(wc.u[xi*in*out:(xi+1)*in*out], uT, out, in)
	}
}

// transformBackFilters computes the backward filters' U, for filter o of
// input channel c turned half a turn (as filter c of input channel o),
// packed (uBackPacked) and, when inPlace is true, into uBack[ξ][o][c]
// too: the product K'·Wᵀ with K' the FilterMatrix of turned filters,
// which is U in the layout wanted, then packed. Without inPlace it is
// computed in the slivers' order, as transformFilters does. The ξ are
// shared out among the workers.
func (wc *winoConv) transformBackFilters(inPlace bool) {
	if inPlace {
		wc.uBack = grow(wc.uBack, wc.points*wc.c.In*wc.c.Out)
		wc.c.env.For(wc.points, wc.uBackFn)
	} else {
		wc.transformPacked(&wc.packedBack, wc.kTurned)
	}
	wc.uBackSet, wc.uBackIn = true, inPlace
}

// transformTurnedRange computes the backward filters' U_ξ for ξ in [lo,
// hi) into uBack, and packs it.
func (wc *winoConv) transformTurnedRange(worker, lo, hi int) {
	in, out := wc.c.In, wc.c.Out
	wc.scratch[worker].ws.Sgemm(false, true, hi-lo, out*in, 9, 1, wc.kTurned[lo*9:], 9,
		wc.c.weight.Value.Data, 9, 0, wc.uBack[lo*in*out:], out*in)
	for xi := lo; xi < hi; xi++ {
		wc.uBackPacked[xi].Pack(true, in, out, 1, wc.uBack[xi*in*out:(xi+1)*in*out], in)
	}
}

// backwardSwaps reports whether any chunk of a backward pass over n
// images computes its input gradient transposed (see multiply), reading
// uBack in place: the chunks backwardImages makes of each worker's
// images (parallel.Range, as Env.For shares them out).
func (wc *winoConv) backwardSwaps(n int) bool {
	if wc.c.noSwap {
		return false
	}
	workers := wc.c.env.Workers()
	s := &wc.scratch[0]
	for w := range workers {
		lo, hi := parallel.Range(n, workers, w)
		for i0 := lo; i0 < hi; i0 += wc.images {
			s.chunks = wc.inputGradChunks(s.chunks, i0, min(i0+wc.images, hi))
			for _, k := range s.chunks {
				if winoSwapPays(wc.bwd.out, wc.bwd.tiles(k)) {
					return true
				}
			}
		}
	}
	return false
}

// inputGradChunks returns, in dst's memory, the chunks in which the
// backward pass makes the input gradient of images [i0, i1), a group of
// at most wc.images, numbered from i0: the one place backwardImages and
// backwardSwaps take them from.
func (wc *winoConv) inputGradChunks(dst []chunk, i0, i1 int) []chunk {
	return wc.bwd.chunks(dst[:0], 0, i1-i0, wc.images)
}

// forward computes the convolution of the batch c.x into c.y.
func (wc *winoConv) forward(train bool) {
	n := wc.c.x.Shape[0]
	if wc.itemsN != n || wc.items == nil {
		wc.items = wc.batchChunks(wc.items[:0], n)
		wc.itemsN = n
	}
	inPlace := wc.swaps(&wc.fwd, wc.items)
	wc.training = train
	wc.placeFilters(&wc.packedFwd, train) // made again below in training (uFrom is stale)
	if wc.uFrom.stale(wc.c.env, train, wc.c.weight.Value.Data) || inPlace && !wc.uSet {
		wc.transformFilters(inPlace)
	}
	for w := range wc.scratch {
		wc.reserve(w, n, train)
	}
	wc.c.env.For(len(wc.items), wc.fwdFn)
	if wc.c.pool != nil && wc.fwd.rows < wc.fwd.th {
		// The images were computed in parts, maybe by different workers:
		// pool them now that they are whole.
		wc.c.env.For(n, wc.poolFn)
	}
}

// batchChunks appends the chunks of a batch of n images to dst: each
// worker's share of the images (parallel.Range), as the backward pass
// takes them, in as many chunks as the other workers', of even sizes, so
// that Env.For, which gives each worker a run of the chunks, gives it
// its share. (Chunks of wc.images across the batch would not: 64 images
// of 6x6 at 14 a chunk make five chunks, of which one worker of two
// gets three, 36 images.)
func (wc *winoConv) batchChunks(dst []chunk, n int) []chunk {
	workers := wc.c.env.Workers()
	lo, hi := parallel.Range(n, workers, workers-1) // the largest share
	count := (hi - lo + wc.images - 1) / wc.images
	for w := range workers {
		lo, hi := parallel.Range(n, workers, w)
		if lo < hi {
			dst = wc.fwd.chunks(dst, lo, hi, (hi-lo+count-1)/count)
		}
	}
	return dst
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
		wc.multiply(s, g, k, wc.u, wc.uPacked, c.x.Data[k.img0*inSize:k.img1*inSize])
		wc.output(s, g, k, c.y.Data[k.img0*outSize:k.img1*outSize], c.bias.Value.Data)
		if k.ty0 == 0 && k.ty1 == g.th {
			// The chunk wrote its images whole: finish each as a direct
			// convolution does.
			for i := k.img0; i < k.img1; i++ {
				c.finishImage(i, c.y.Data[i*outSize:(i+1)*outSize])
			}
			continue
		}
		if c.addend == nil && !c.withReLU {
			continue // a fused pool takes the images once they are whole
		}
		first, n, planes := g.rowsWritten(k)
		for p := range planes {
			at := first + p*g.oh*g.ow
			rows := c.y.Data[at:][:n]
			if c.addend != nil {
				vec.AddTo(rows, rows, c.addend.Data[at:][:n], c.withReLU)
			} else {
				vec.Relu(rows, rows)
			}
		}
	}
}

// multiply transforms chunk k's tiles into s.v, from x, its images
// ([in, h, w] each), and multiplies them by the transformed filters u
// ([points][in][out], and packed, each U_ξ as packed[ξ]), into s.m.
func (wc *winoConv) multiply(s *winoScratch, g *winoGeom, k chunk, u []float32, packed []gemm.PackedA, x []float32) {
	tiles := g.tiles(k)
	if !wc.c.noSwap && winoSwapPays(g.out, tiles) {
		// Few tiles (a small image at batch 1): M_ξᵀ = V_ξᵀ·U_ξ, [tiles,
		// Out], has them down its rows, which the short kernels compute
		// with little waste, and reads U_ξ where it lies; it then goes
		// across into place. Each value is the same sum, in the same
		// order, either way. Where the plan numbers channels in the
		// lanes, V_ξ comes as [tiles, In], sixteen values a vector
		// however few the tiles.
		vT := g.channelLanes != nil
		if vT {
			g.channelLanes.Input(s.v, tiles*g.in, x, k.ty0*g.tw*g.in, tiles*g.in)
		} else {
			wc.transformInput(s.v, g, k, x)
		}
		transV, ldv := true, tiles // V_ξ as [In, tiles], read transposed
		if vT {
			transV, ldv = false, g.in
		}
		for xi := range wc.points {
			s.ws.Sgemm(transV, false, tiles, g.out, g.in, 1, s.v[xi*g.in*tiles:], ldv,
				u[xi*g.in*g.out:], g.out, 0, s.mT, g.out)
			gemm.TransposeStrided(s.m[xi*g.out*tiles:], tiles, s.mT, g.out, tiles, g.out)
		}
		return
	}
	wc.transformInput(s.v, g, k, x)
	for xi := range wc.points {
		s.ws.SgemmPacked(&packed[xi], false, tiles, s.v[xi*g.in*tiles:], tiles, 0, s.m[xi*g.out*tiles:], tiles)
	}
}

// swaps reports whether any of the chunks items of geometry g is
// multiplied transposed (see multiply), reading U in place.
func (wc *winoConv) swaps(g *winoGeom, items []chunk) bool {
	if wc.c.noSwap {
		return false
	}
	for _, k := range items {
		if winoSwapPays(g.out, g.tiles(k)) {
			return true
		}
	}
	return false
}

// winoSwapPays reports whether a chunk's product M_ξ = U_ξ·V_ξ, [out,
// tiles], is better computed transposed: when it has few tiles (fewer
// than winoSwapTiles) and its tiles waste less work that way (see
// gemm.Computed). On one thread at batch 1 (2026-12-06, least of three
// runs), a 32-filter F(4×4) convolution of 24x24 (36 tiles, a quarter
// of its products' columns empty) went from 57 to 45 µs transposed and
// a 64-filter one of 12x12 (9 tiles) from 71 to 41, and in training at
// batch 64 a 128-filter F(4×4) convolution of 8x8 (chunks of 52 tiles)
// from 11.4 to 11.0 ms (forward and backward, medians of eight runs).
// At batch 64 still, chunks of 99 tiles of a 128-filter F(2×2)
// convolution of 6x6, whose products waste as much, ran 3% slower
// transposed (12.3 ms against 11.9, medians of eight): there the
// product is large enough to fill the kernels, and copying it across
// costs more than the empty columns.
func winoSwapPays(out, tiles int) bool {
	return tiles < winoSwapTiles && gemm.Computed(tiles, out) < gemm.Computed(out, tiles)
}

// winoSwapTiles is where winoSwapPays stops: a chunk of this many tiles
// or more, two AVX-512 tiles of the multiply across, is never multiplied
// transposed.
const winoSwapTiles = 64

// transformInput transforms chunk k's tiles of images x ([in, h, w]
// each, the chunk's first first) into v, [points][in][tiles].
func (wc *winoConv) transformInput(v []float32, g *winoGeom, k chunk, x []float32) {
	tiles := g.tiles(k)
	rows := k.ty1 - k.ty0
	plane := g.h * g.w
	if g.lanes != nil {
		for c := range g.in {
			g.lanes.Input(v[c*tiles:], g.in*tiles, x[c*plane:], k.ty0*g.tw, tiles)
		}
		return
	}
	for i := range k.img1 - k.img0 {
		base := i * rows * g.tw
		for c := range g.in {
			g.input.Input(v[c*tiles+base:], g.in*tiles, x[(i*g.in+c)*plane:(i*g.in+c+1)*plane], g.w, k.ty0, k.ty1)
		}
	}
}

// output transforms chunk k's products s.m back into its images' output
// planes y ([out, oh, ow] each, the chunk's first first), adding bias
// (nil for none).
func (wc *winoConv) output(s *winoScratch, g *winoGeom, k chunk, y, bias []float32) {
	tiles := g.tiles(k)
	rows := k.ty1 - k.ty0
	plane := g.oh * g.ow
	for o := range g.out {
		var b float32
		if bias != nil {
			b = bias[o]
		}
		if g.lanes != nil {
			g.lanes.Output(y[o*plane:], s.m[o*tiles:], g.out*tiles, k.ty0*g.tw, tiles, b)
			continue
		}
		h := min(g.oh-g.m*k.ty0, g.m*rows)
		for i := range k.img1 - k.img0 {
			dst := y[i*g.out*plane+o*plane+g.m*k.ty0*g.ow:]
			wc.alg.Output(dst, g.ow, h, g.ow, s.m[o*tiles+i*rows*g.tw:], g.out*tiles, b)
		}
	}
}

// outputGrad transforms chunk k's part of dy (the chunk's images' output
// gradients, [out, oh, ow] each) into s.dyT, [points][out][tiles].
func (wc *winoConv) outputGrad(s *winoScratch, g *winoGeom, k chunk, dy []float32) {
	tiles := g.tiles(k)
	rows := k.ty1 - k.ty0
	plane := g.oh * g.ow
	for o := range g.out {
		if g.lanes != nil {
			g.lanes.OutputGrad(s.dyT[o*tiles:], g.out*tiles, dy[o*plane:], k.ty0*g.tw, tiles)
			continue
		}
		h := min(g.oh-g.m*k.ty0, g.m*rows)
		for i := range k.img1 - k.img0 {
			src := dy[i*g.out*plane+o*plane+g.m*k.ty0*g.ow:]
			wc.alg.OutputGrad(s.dyT[o*tiles+i*rows*g.tw:], g.out*tiles, src, g.ow, h, g.ow)
		}
	}
}

// backward computes ∂L/∂W, ∂L/∂b and, when needed, ∂L/∂x for the batch
// whose output gradient is c.dy.
func (wc *winoConv) backward() {
	c := wc.c
	n := c.dy.Shape[0]
	if c.needDX {
		held := wc.placeFilters(&wc.packedBack, wc.training)
		if inPlace := wc.backwardSwaps(n); !held || !wc.uBackSet || inPlace && !wc.uBackIn {
			wc.transformBackFilters(inPlace)
		}
	}
	for w := range wc.scratch {
		wc.reserve(w, n, true)
	}
	f := &wc.fwd
	wc.batchTiles = n * f.th * f.tw
	wc.batchGrads = wc.wantBatchGrads(wc.batchTiles)
	if wc.batchGrads {
		wc.vAll = grow(wc.vAll, wc.points*wc.batchTiles*f.in)
		wc.dyAll = grow(wc.dyAll, wc.points*wc.batchTiles*f.out)
		wc.du = grow(wc.du, wc.points*f.out*f.in)
	}
	c.env.For(n, wc.bwdFn)
	if wc.batchGrads {
		c.env.For(wc.points, wc.batchGradFn)
	}
	// Add up the workers' sums and take ∂L/∂U back to the 3×3 filters,
	// the filters shared out among the workers.
	c.env.For(c.Out, wc.gradFn)
}

// wantBatchGrads reports whether a backward pass over a batch of tiles
// tiles should transform them all before multiplying (see winoConv):
// when the workers' sums of ∂L/∂U would take as much memory as the
// batch's transformed tiles, or more. Of specs/ham-resnet.txt's layers
// at 48x48 and 64x64 in batches of 64, only those of 256 channels on
// 3x3 and 4x4 do.
func (wc *winoConv) wantBatchGrads(tiles int) bool {
	f := &wc.fwd
	return f.channelLanes != nil && wc.c.env.Workers()*f.in*f.out >= tiles*(f.in+f.out)
}

// batchFilterGrads computes ∂L/∂U_ξ for ξ in [lo, hi), each one product
// of the batch's transformed dy tiles and input tiles.
func (wc *winoConv) batchFilterGrads(worker, lo, hi int) {
	in, out, t := wc.c.In, wc.c.Out, wc.batchTiles
	for xi := lo; xi < hi; xi++ {
		wc.scratch[worker].ws.Sgemm(true, false, out, in, t, 1, wc.dyAll[xi*t*out:], out,
			wc.vAll[xi*t*in:], in, 0, wc.du[xi*out*in:], in)
	}
}

// filterGrads adds up the workers' sums of ∂L/∂U and ∂L/∂b for filters
// [lo, hi), in worker order, and takes ∂L/∂U back to their 3×3 weights.
func (wc *winoConv) filterGrads(worker, lo, hi int) {
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
		if !wc.batchGrads {
			sum, part := wc.scratch[first].du, wc.scratch[w].du
			for xi := range wc.points {
				rows := xi*out*in + lo*in
				vec.Add(sum[rows:rows+(hi-lo)*in], part[rows:rows+(hi-lo)*in])
			}
		}
		vec.Add(wc.scratch[first].db[lo:hi], wc.scratch[w].db[lo:hi])
	}
	// ∂L/∂W = (∂L/∂U)ᵀ·K: [(hi−lo)·In, points]·[points, 9], ∂L/∂U read
	// in place as [ξ][o][c].
	du := wc.scratch[first].du
	if wc.batchGrads {
		du = wc.du
	}
	wc.scratch[worker].ws.Sgemm(true, false, (hi-lo)*in, 9, wc.points, 1, du[lo*in:], out*in,
		wc.k, 9, 0, c.weight.Grad.Data[lo*in*9:], 9)
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
		// This chunk's dy, taken back through a fused ReLU or pool, or
		// made by gradOf.
		var dy []float32
		if !c.gradMade() {
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
			var beta float32 = 1
			if first {
				beta, first = 0, false
			}
			x, dy := c.x.Data[k.img0*inSize:k.img1*inSize], dy[(k.img0-i0)*outSize:(k.img1-i0)*outSize]
			if wc.batchGrads {
				// The chunk's tiles into their place among the batch's,
				// for batchFilterGrads (wantBatchGrads asks for channel
				// lanes).
				cl, at := f.channelLanes, (k.img0*f.th+k.ty0)*f.tw
				cl.Input(wc.vAll[at*f.in:], wc.batchTiles*f.in, x, k.ty0*f.tw*f.in, tiles*f.in)
				cl.OutputGrad(wc.dyAll[at*f.out:], wc.batchTiles*f.out, dy, k.ty0*f.tw*f.out, tiles*f.out)
				continue
			}
			if cl := f.channelLanes; cl != nil {
				// V as [tiles, In] and dY's tiles as [tiles, Out]: the
				// products read both where they lie.
				cl.Input(s.v, tiles*f.in, x, k.ty0*f.tw*f.in, tiles*f.in)
				cl.OutputGrad(s.dyT, tiles*f.out, dy, k.ty0*f.tw*f.out, tiles*f.out)
				for xi := range wc.points {
					s.ws.Sgemm(true, false, f.out, f.in, tiles, 1, s.dyT[xi*f.out*tiles:], f.out,
						s.v[xi*f.in*tiles:], f.in, beta, s.du[xi*f.out*f.in:], f.in)
				}
				continue
			}
			wc.transformInput(s.v, f, k, x)
			wc.outputGrad(s, f, k, dy)
			for xi := range wc.points {
				s.ws.Sgemm(false, true, f.out, f.in, tiles, 1, s.dyT[xi*f.out*tiles:], tiles,
					s.v[xi*f.in*tiles:], tiles, beta, s.du[xi*f.out*f.in:], f.in)
			}
		}
		if !c.needDX {
			continue
		}

		// ∂L/∂x: dy convolved with the turned filters.
		s.chunks = wc.inputGradChunks(s.chunks, i0, i1)
		for _, k := range s.chunks {
			wc.multiply(s, b, k, wc.uBack, wc.uBackPacked, dy[k.img0*outSize:k.img1*outSize])
			wc.output(s, b, k, c.dxTo.Data[(i0+k.img0)*inSize:(i0+k.img1)*inSize], nil)
			if c.dxAddend == nil {
				continue
			}
			if k.ty0 == 0 && k.ty1 == b.th {
				c.addToInputGrad((i0+k.img0)*inSize, (i0+k.img1)*inSize)
				continue
			}
			first, n, planes := b.rowsWritten(k)
			for p := range planes {
				at := i0*inSize + first + p*b.oh*b.ow
				c.addToInputGrad(at, at+n)
			}
		}
	}
}
