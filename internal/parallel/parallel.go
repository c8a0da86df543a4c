// Package parallel splits loops over a fixed set of worker goroutines.
//
// A Pool always cuts the range [0, n) into the same contiguous pieces for
// the same n and worker count, and hands piece w to worker w. Layers keep
// one scratch buffer per worker and add up per-worker partial sums in
// worker order, so a computation gives bit-identical results on every run
// with the same number of workers.
package parallel

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Pool runs loop bodies on Workers() goroutines: the caller's own, as
// worker 0, and Workers()-1 that the pool keeps waiting for work. Starting
// work on a warmed-up pool does not allocate.
//
// A training step calls For a dozen or more times, once per layer and
// direction, with a little serial work in between. Handing work to a
// goroutine that sleeps in the operating system takes 20 to 60µs, as long
// as a small layer's whole share, so an idle worker first spins for a
// while (spinTime), watching for the next job, and only then goes to
// sleep; the caller likewise spins while it waits for the workers.
//
// A Pool is used by one goroutine at a time; a loop body must not call For
// on the pool that runs it.
type Pool struct {
	workers int
	slots   []slot // slots[w] is worker w+1's
}

// A slot is how the caller and one worker talk. The caller writes job,
// then increments posted; the worker runs the job and sets finished to
// the same count. A worker that has spun for spinTime without seeing a
// new job sets sleeping and waits on wake; the caller, after posting,
// takes the sleeping flag back and sends on wake.
type slot struct {
	job      job
	posted   atomic.Uint64
	finished atomic.Uint64
	sleeping atomic.Bool
	closed   atomic.Bool
	wake     chan struct{}
	panicked *WorkerPanic // set by the worker when its last job panicked
	_        [64]byte     // keep the next worker's counters off this cache line
}

// WorkerPanic is what For panics with on the caller's goroutine when a
// loop body panicked on another worker: the value and where it was raised.
// Carried over, a worker's panic can be recovered (and reported) as one on
// the caller's goroutine would be, where it would otherwise end the program
// from a goroutine no one can recover.
type WorkerPanic struct {
	Worker int
	Value  any
	Stack  []byte // the worker's stack when it panicked
}

func (p *WorkerPanic) Error() string {
	return fmt.Sprintf("panic in parallel worker %d: %v\n\n%s", p.Worker, p.Value, p.Stack)
}

type job struct {
	body   func(worker, lo, hi int)
	lo, hi int
}

// spinTime is how long an idle worker watches for a job before it goes
// to sleep: longer than the serial work between two layers of a training
// step, short enough that a paused program soon stops using the core.
const spinTime = 200 * time.Microsecond

// New starts a pool of the given number of workers; workers <= 0 means
// runtime.GOMAXPROCS(0), one per core Go may use.
func New(workers int) *Pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &Pool{workers: workers, slots: make([]slot, workers-1)}
	for i := range p.slots {
		s := &p.slots[i]
		s.wake = make(chan struct{}, 1)
		go s.serve(i + 1)
	}
	return p
}

// serve is worker w's loop: wait for a job, run it, report it finished.
func (s *slot) serve(worker int) {
	var done uint64 // jobs run so far
	for {
		if !s.await(done) {
			return
		}
		done++
		s.run(worker)
		s.job = job{} // drop the reference to the caller's body
		s.finished.Store(done)
	}
}

// run runs the slot's job, and keeps a panic for For to carry over to the
// caller rather than let it end the program from this goroutine.
func (s *slot) run(worker int) {
	defer func() {
		if v := recover(); v != nil {
			s.panicked = &WorkerPanic{Worker: worker, Value: v, Stack: debug.Stack()}
		}
	}()
	j := s.job
	j.body(worker, j.lo, j.hi)
}

// await returns once a job beyond the first done has been posted (true)
// or the pool is closed (false): spinning at first, then asleep.
func (s *slot) await(done uint64) bool {
	start := time.Now()
	for spins := 0; s.posted.Load() == done; spins++ {
		if s.closed.Load() {
			return false
		}
		if spins%256 != 255 {
			continue
		}
		if time.Since(start) < spinTime {
			runtime.Gosched() // let others run if this core is wanted
			continue
		}
		// Go to sleep. Set the flag before looking once more, so that a
		// job posted in between is either seen here or followed by a
		// wake-up (the caller reads the flag after posting).
		s.sleeping.Store(true)
		if s.posted.Load() != done || s.closed.Load() {
			if !s.sleeping.CompareAndSwap(true, false) {
				<-s.wake // the caller took the flag: take its wake-up
			}
			continue
		}
		<-s.wake
		start = time.Now()
	}
	return true
}

// post gives the slot's worker a job, waking it if it sleeps. It reports
// whether it had to wake it.
func (s *slot) post(j job) (woke bool) {
	s.job = j
	s.posted.Add(1)
	if s.sleeping.CompareAndSwap(true, false) {
		s.wake <- struct{}{}
		return true
	}
	return false
}

// wait returns when the slot's worker has finished every job posted.
func (s *slot) wait() {
	for spins := 0; s.finished.Load() != s.posted.Load(); spins++ {
		if spins%256 == 255 {
			runtime.Gosched() // the worker may need this core to finish
		}
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
// [0, n) is not empty, in parallel, and returns when all are done. If a
// body panics on another worker, For waits for the rest and then panics
// with a *WorkerPanic on the caller's goroutine.
func (p *Pool) For(n int, body func(worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	if p == nil || p.workers == 1 {
		body(0, 0, n)
		return
	}
	woke := false
	for w := 1; w < p.workers; w++ {
		if lo, hi := Range(n, p.workers, w); lo < hi {
			woke = p.slots[w-1].post(job{body, lo, hi}) || woke
		}
	}
	if woke {
		// Waking a sleeping worker puts it on this goroutine's own run
		// queue, where it would wait until this goroutine blocks, after
		// doing its own share: another core takes it from there only
		// after tens of microseconds, and the loop would run nearly
		// serially. Yielding swaps the two: the worker runs on this core
		// at once, and this goroutine moves to the global run queue,
		// where the core woken for it picks it up.
		runtime.Gosched()
	}
	if lo, hi := Range(n, p.workers, 0); lo < hi {
		body(0, lo, hi)
	}
	for w := range p.slots {
		p.slots[w].wait()
	}
	for w := range p.slots {
		if wp := p.slots[w].panicked; wp != nil {
			p.slots[w].panicked = nil
			panic(wp)
		}
	}
}

// Close stops the pool's goroutines. The pool must not be used afterwards.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	for i := range p.slots {
		s := &p.slots[i]
		s.closed.Store(true)
		if s.sleeping.CompareAndSwap(true, false) {
			s.wake <- struct{}{}
		}
	}
	p.slots = nil
}
