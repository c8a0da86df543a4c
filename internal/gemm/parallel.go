package gemm

import (
	"github.com/gocnn/gocnn/internal/parallel"
)

// Engine runs multiplies on a worker pool and keeps one Workspace per
// worker. A layer that already splits its own work over the pool's workers
// calls Workspace(w).Sgemm from worker w; a layer with one large product
// calls Engine.Sgemm, which splits C into blocks of whole tiles, by rows or
// by columns, so that each element is computed by one worker. A tile's
// result does not depend on which worker computes it or where the split
// falls (see microKernel), so the product is bit-for-bit the same whatever
// the number of workers.
//
// Like its pool, an Engine is used by one goroutine at a time.
type Engine struct {
	pool     *parallel.Pool
	ws       []Workspace
	minFlops int                 // smaller products run on the caller alone
	args     product             // the product in progress, read by body
	body     func(w, lo, hi int) // made once, so starting work does not allocate
}

// A product holds the arguments of the Engine.Sgemm call in progress and
// how it is split: into blocks of unit rows (byRows) or unit columns.
type product struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	byRows         bool
	unit           int
}

// minParallelFlops is the smallest product (2mnk) that Engine.Sgemm
// splits: about 8µs of work on one core. Handing a share to a worker that
// is spinning for work costs about a microsecond (see parallel.Pool), and
// each worker packs its own copy of the shared operand. Measured on a
// 2-core Zen 5 virtual machine, splitting from here rather than from 32M
// flops (which left lenet5's dense layers, 1M to 12M flops, to one core)
// made lenet5's training step about 3% faster.
const minParallelFlops = 1 << 21

// NewEngine returns an engine that runs on pool (nil means the calling
// goroutine alone).
func NewEngine(pool *parallel.Pool) *Engine {
	e := &Engine{pool: pool, ws: make([]Workspace, pool.Workers()), minFlops: minParallelFlops}
	e.body = e.run
	return e
}

// Pool is the worker pool the engine runs on.
func (e *Engine) Pool() *parallel.Pool { return e.pool }

// Workspace returns worker w's workspace.
func (e *Engine) Workspace(w int) *Workspace { return &e.ws[w] }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C using every worker.
func (e *Engine) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	workers := e.pool.Workers()
	if workers == 1 || 2*m*n*k < e.minFlops {
		e.ws[0].Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Every worker's workspace is made big enough for the whole product,
	// not just its share, so that however a later, smaller product is
	// split, no worker needs to grow its workspace.
	for w := range e.ws {
		e.ws[w].reserve(&kernel, m, n, k)
	}
	// Split whichever dimension shares its tiles out more evenly: a
	// worker with one tile more than the others sets the pace. On a tie
	// split rows; each worker then packs only its own rows of A.
	mr, nr := kernel.mr, kernel.nr
	rowTiles, colTiles := (m+mr-1)/mr, (n+nr-1)/nr
	e.args = product{transA, transB, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc, true, mr}
	tiles := rowTiles
	if balance(colTiles, workers) > balance(rowTiles, workers) {
		e.args.byRows, e.args.unit = false, nr
		tiles = colTiles
	}
	e.pool.For(tiles, e.body)
	e.args = product{} // drop the references to the caller's matrices
}

// balance is the fraction of the workers' time spent working when tiles
// equal tiles are shared out in contiguous runs: the busiest worker has
// ceil(tiles/workers) of them.
func balance(tiles, workers int) float64 {
	busiest := (tiles + workers - 1) / workers
	return float64(tiles) / float64(busiest*workers)
}

// run multiplies the tile rows (or tile columns) [lo, hi) of the product in
// e.args on worker w.
func (e *Engine) run(w, lo, hi int) {
	p := &e.args
	a, b, c := p.a, p.b, p.c
	if p.byRows {
		lo, hi = lo*p.unit, min(hi*p.unit, p.m)
		if p.transA {
			a = a[lo:]
		} else {
			a = a[lo*p.lda:]
		}
		e.ws[w].Sgemm(p.transA, p.transB, hi-lo, p.n, p.k, p.alpha, a, p.lda, b, p.ldb, p.beta, c[lo*p.ldc:], p.ldc)
		return
	}
	lo, hi = lo*p.unit, min(hi*p.unit, p.n)
	if p.transB {
		b = b[lo*p.ldb:]
	} else {
		b = b[lo:]
	}
	e.ws[w].Sgemm(p.transA, p.transB, p.m, hi-lo, p.k, p.alpha, a, p.lda, b, p.ldb, p.beta, c[lo:], p.ldc)
}
