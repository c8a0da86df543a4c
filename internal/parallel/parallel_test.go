package parallel

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestForCoversRangeOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 5} {
		p := New(workers)
		for _, n := range []int{0, 1, 2, 3, 7, 64, 1000} {
			hits := make([]int32, n)
			var calls atomic.Int32
			p.For(n, func(w, lo, hi int) {
				calls.Add(1)
				if wantLo, wantHi := Range(n, workers, w); lo != wantLo || hi != wantHi || lo >= hi {
					t.Errorf("worker %d got [%d,%d), want [%d,%d) and non-empty", w, lo, hi, wantLo, wantHi)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("workers=%d n=%d: index %d done %d times", workers, n, i, h)
				}
			}
			if int(calls.Load()) > workers {
				t.Errorf("%d calls for %d workers", calls.Load(), workers)
			}
		}
		p.Close()
	}
}

func TestForDoesNotAllocate(t *testing.T) {
	p := New(2)
	defer p.Close()
	var sink [2]int
	body := func(w, lo, hi int) { sink[w] += hi - lo }
	if a := testing.AllocsPerRun(100, func() { p.For(100, body) }); a != 0 {
		t.Errorf("For allocates %v times per call", a)
	}
}

func TestNilPoolRunsInline(t *testing.T) {
	var p *Pool
	got := 0
	p.For(5, func(w, lo, hi int) { got += hi - lo })
	if got != 5 || p.Workers() != 1 {
		t.Errorf("nil pool: covered %d of 5, %d workers", got, p.Workers())
	}
}

// BenchmarkFor measures the cost of handing out and collecting one round
// of work: what every layer pays per call when it splits a batch.
func BenchmarkFor(b *testing.B) {
	p := New(0)
	defer p.Close()
	var sink [64]int
	body := func(w, lo, hi int) { sink[w*8] += hi - lo }
	for range b.N {
		p.For(64, body)
	}
}

// TestForWakesSleepingWorkers lets the workers spin out and go to sleep
// between calls, then checks that For still runs every piece and that
// Close stops the sleeping goroutines.
func TestForWakesSleepingWorkers(t *testing.T) {
	before := runtime.NumGoroutine()
	p := New(3)
	for round := range 3 {
		var covered atomic.Int32
		p.For(30, func(w, lo, hi int) { covered.Add(int32(hi - lo)) })
		if covered.Load() != 30 {
			t.Fatalf("round %d: covered %d of 30", round, covered.Load())
		}
		time.Sleep(10 * spinTime) // long enough for the workers to sleep
	}
	p.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before New", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWorkerPanicReachesCaller panics in worker 1's piece and checks that
// For panics on the caller's goroutine with a *WorkerPanic naming the
// worker and the value, after the other pieces ran, and that the pool
// works afterwards.
func TestWorkerPanicReachesCaller(t *testing.T) {
	p := New(3)
	defer p.Close()
	var ran [3]bool
	got := func() (v any) {
		defer func() { v = recover() }()
		p.For(3, func(w, lo, hi int) {
			ran[w] = true
			if w == 1 {
				panic("boom")
			}
		})
		return nil
	}()
	wp, ok := got.(*WorkerPanic)
	if !ok || wp.Worker != 1 || wp.Value != "boom" || !strings.Contains(wp.Error(), "boom") || len(wp.Stack) == 0 {
		t.Fatalf("For panicked with %#v, want a *WorkerPanic from worker 1 with \"boom\" and a stack", got)
	}
	if ran != [3]bool{true, true, true} {
		t.Errorf("pieces run: %v, want all three", ran)
	}
	var sum atomic.Int64
	p.For(30, func(w, lo, hi int) { sum.Add(int64(hi - lo)) })
	if sum.Load() != 30 {
		t.Errorf("after the panic the pool covered %d of 30", sum.Load())
	}
}
