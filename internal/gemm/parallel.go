package gemm

import "github.com/gocnn/gocnn/internal/parallel"

// Engine runs multiplies on a worker pool and keeps one Workspace per
// worker. A layer that already splits its own work over the pool's workers
// calls Workspace(w).Sgemm from worker w; a layer with one large product
// calls Engine.Sgemm, which splits C into blocks of rows (or of columns,
// when C has few rows) so that each element is computed by one worker, in
// the same order, whatever the number of workers.
//
// Like its pool, an Engine is used by one goroutine at a time.
type Engine struct {
	pool *parallel.Pool
	ws   []Workspace
	args product             // the product in progress, read by body
	body func(w, lo, hi int) // made once, so starting work does not allocate
}

type product struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	byRows         bool
}

// NewEngine returns an engine that runs on pool (nil means the calling
// goroutine alone).
func NewEngine(pool *parallel.Pool) *Engine {
	e := &Engine{pool: pool, ws: make([]Workspace, pool.Workers())}
	e.body = e.run
	return e
}

// Pool is the worker pool the engine runs on.
func (e *Engine) Pool() *parallel.Pool { return e.pool }

// Workspace returns worker w's workspace.
func (e *Engine) Workspace(w int) *Workspace { return &e.ws[w] }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C using every worker.
func (e *Engine) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	e.args = product{transA, transB, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc, false}
	workers := e.pool.Workers()
	// Rows make the better split: each worker then reads all of op(B) but
	// only its own rows of op(A). Split columns when there are too few rows
	// to go round (a dense layer's weight gradient, batch-1 inference).
	const minRows = 16
	if workers == 1 || m >= minRows*workers {
		e.args.byRows = true
		e.pool.For(m, e.body)
		return
	}
	// Keep column blocks a multiple of 16 wide so the kernels see whole
	// vector widths in every block but the last.
	const align = 16
	blocks := (n + align - 1) / align
	e.pool.For(blocks, e.body)
}

// run multiplies the rows (or 16-column blocks) [lo, hi) of the product in
// e.args on worker w.
func (e *Engine) run(w, lo, hi int) {
	p := &e.args
	a, b, c := p.a, p.b, p.c
	if p.byRows {
		if p.transA {
			a = a[lo:]
		} else {
			a = a[lo*p.lda:]
		}
		e.ws[w].Sgemm(p.transA, p.transB, hi-lo, p.n, p.k, p.alpha, a, p.lda, b, p.ldb, p.beta, c[lo*p.ldc:], p.ldc)
		return
	}
	lo, hi = lo*16, min(hi*16, p.n)
	if p.transB {
		b = b[lo*p.ldb:]
	} else {
		b = b[lo:]
	}
	e.ws[w].Sgemm(p.transA, p.transB, p.m, hi-lo, p.k, p.alpha, a, p.lda, b, p.ldb, p.beta, c[lo:], p.ldc)
}
