// Package parallel splits loops over a fixed set of worker goroutines.
//
// A Pool always cuts the range [0, n) into the same contiguous pieces for
// the same n and worker count, and hands piece w to worker w. Layers keep
// one scratch buffer per worker and add up per-worker partial sums in
// worker order, so a computation gives bit-identical results on every run
// with the same number of workers.
package parallel

import (
	"runtime"
	"sync"
)

// Pool runs loop bodies on Workers() goroutines: the caller's own, as
// worker 0, and Workers()-1 that the pool keeps waiting for work. Starting
// work on a warmed-up pool does not allocate.
//
// A Pool is used by one goroutine at a time; a loop body must not call For
// on the pool that runs it.
type Pool struct {
	workers int
	jobs    []chan job // jobs[w] feeds worker w+1
	done    sync.WaitGroup
}

type job struct {
	body   func(worker, lo, hi int)
	lo, hi int
}

// New starts a pool of the given number of workers; workers <= 0 means
// runtime.GOMAXPROCS(0), one per core Go may use.
func New(workers int) *Pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &Pool{workers: workers, jobs: make([]chan job, workers-1)}
	for i := range p.jobs {
		ch := make(chan job, 1)
		p.jobs[i] = ch
		go p.serve(i+1, ch)
	}
	return p
}

func (p *Pool) serve(worker int, jobs <-chan job) {
	for j := range jobs {
		j.body(worker, j.lo, j.hi)
		p.done.Done()
	}
}

// Workers is the number of workers, the caller included. A nil pool has
// one: the caller.
func (p *Pool) Workers() int {
	if p == nil {
		return 1
	}
	return p.workers
}

// Range returns the piece of [0, n) that worker w gets when there are
// workers workers: [w*n/workers, (w+1)*n/workers).
func Range(n, workers, w int) (lo, hi int) {
	return w * n / workers, (w + 1) * n / workers
}

// For runs body(w, lo, hi) for every worker w whose piece [lo, hi) of
// [0, n) is not empty, in parallel, and returns when all are done.
func (p *Pool) For(n int, body func(worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	if p == nil || p.workers == 1 {
		body(0, 0, n)
		return
	}
	for w := 1; w < p.workers; w++ {
		if lo, hi := Range(n, p.workers, w); lo < hi {
			p.done.Add(1)
			p.jobs[w-1] <- job{body, lo, hi}
		}
	}
	// Sending on a channel puts the woken worker on this goroutine's own
	// run queue, where it would wait until this goroutine blocks, after
	// doing its own share: another core takes it from there only after
	// tens of microseconds, and the loop would run nearly serially.
	// Yielding swaps the two: the worker runs on this core at once, and
	// this goroutine moves to the global run queue, where the core woken
	// for it picks it up.
	runtime.Gosched()
	if lo, hi := Range(n, p.workers, 0); lo < hi {
		body(0, lo, hi)
	}
	p.done.Wait()
}

// Close stops the pool's goroutines. The pool must not be used afterwards.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	for _, ch := range p.jobs {
		close(ch)
	}
	p.jobs = nil
}
