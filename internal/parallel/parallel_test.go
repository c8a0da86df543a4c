package parallel

import (
	"sync/atomic"
	"testing"
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
