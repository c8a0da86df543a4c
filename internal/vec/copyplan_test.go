package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCopyPlan runs random plans on every kernel set and checks each
// element of dst against the moves read one by one: stored lanes loaded
// or zeroed, everything else untouched. Moves start before src or run
// past its end through masked-off lanes.
func TestCopyPlan(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		saved := active2D
		active2D = *k
		defer func() { active2D = saved }()
		r := rand.New(rand.NewPCG(5, 6))
		for trial := range 500 {
			nSrc, nDst := 1+r.IntN(100), 16+r.IntN(100)
			var moves []Move
			for range r.IntN(40) {
				m := Move{Src: int32(r.IntN(nSrc+30) - 15), Dst: int32(r.IntN(nDst - 15))}
				for l := range 16 {
					if r.IntN(5) == 0 {
						continue
					}
					m.Store |= 1 << l
					if i := int(m.Src) + l; i >= 0 && i < nSrc && r.IntN(4) != 0 {
						m.Load |= 1 << l
					}
				}
				moves = append(moves, m)
			}
			plan, err := NewCopyPlan(moves)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			times, srcStep, dstStep := 1+r.IntN(3), nSrc+r.IntN(3), nDst+r.IntN(3)
			src := make([]float32, (times-1)*srcStep+nSrc)
			for i := range src {
				src[i] = r.Float32()
			}
			got := make([]float32, (times-1)*dstStep+nDst)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			want := append([]float32(nil), got...)
			plan.Run(got, dstStep, src, srcStep, times)
			for k := range times {
				for _, m := range moves {
					for l := range 16 {
						if m.Store>>l&1 == 0 {
							continue
						}
						var v float32
						if m.Load>>l&1 != 0 {
							v = src[k*srcStep+int(m.Src)+l]
						}
						want[k*dstStep+int(m.Dst)+l] = v
					}
				}
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d: dst[%d] = %v, want %v", trial, i, got[i], want[i])
				}
			}
		}
	})
}

// TestCopyPlanChecks checks that bad moves are refused when the plan is
// made and short slices when it runs.
func TestCopyPlanChecks(t *testing.T) {
	for _, m := range []Move{
		{Src: 0, Dst: 0, Load: 3, Store: 1},  // loads a lane it does not store
		{Src: 0, Dst: -1, Store: 1},          // stores before dst
		{Src: -2, Dst: 0, Load: 3, Store: 3}, // loads before src
	} {
		if _, err := NewCopyPlan([]Move{m}); err == nil {
			t.Errorf("move %+v accepted", m)
		}
	}
	plan, err := NewCopyPlan([]Move{{Src: 4, Dst: 2, Load: 0xff, Store: 0xfff}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dst, src int }{{13, 12}, {14, 11}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("dst %d, src %d: no panic", c.dst, c.src)
				}
			}()
			plan.Run(make([]float32, c.dst), 0, make([]float32, c.src), 0, 1)
		}()
	}
	plan.Run(make([]float32, 14), 0, make([]float32, 12), 0, 1) // just long enough
}

// TestPickPlan runs random plans on every kernel set and checks each
// element of dst against the picks read one by one: stored lanes taken
// or zeroed, everything else untouched. Picks start before src, and
// their 32 elements run past its end, outside the lanes they take.
func TestPickPlan(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		saved := active2D
		active2D = *k
		defer func() { active2D = saved }()
		r := rand.New(rand.NewPCG(7, 8))
		for trial := range 500 {
			nSrc, nDst := 1+r.IntN(100), 16+r.IntN(100)
			patterns := make([][16]int, 1+r.IntN(3))
			for n := range patterns {
				for l := range 16 {
					patterns[n][l] = r.IntN(32)
				}
			}
			var picks []Pick
			for range r.IntN(40) {
				m := Pick{Src: int32(r.IntN(nSrc+60) - 45), Dst: int32(r.IntN(nDst - 15)), Pattern: r.IntN(len(patterns))}
				for l := range 16 {
					if r.IntN(5) == 0 {
						continue
					}
					m.Store |= 1 << l
					if i := int(m.Src) + patterns[m.Pattern][l]; i >= 0 && i < nSrc && r.IntN(4) != 0 {
						m.Take |= 1 << l
					}
				}
				picks = append(picks, m)
			}
			plan, err := NewPickPlan(patterns, picks)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			times, srcStep, dstStep := 1+r.IntN(3), nSrc+r.IntN(3), nDst+r.IntN(3)
			src := make([]float32, (times-1)*srcStep+nSrc)
			for i := range src {
				src[i] = r.Float32()
			}
			got := make([]float32, (times-1)*dstStep+nDst)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			want := append([]float32(nil), got...)
			plan.Run(got, dstStep, src, srcStep, times)
			for k := range times {
				for _, m := range picks {
					for l := range 16 {
						if m.Store>>l&1 == 0 {
							continue
						}
						var v float32
						if m.Take>>l&1 != 0 {
							v = src[k*srcStep+int(m.Src)+patterns[m.Pattern][l]]
						}
						want[k*dstStep+int(m.Dst)+l] = v
					}
				}
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d: dst[%d] = %v, want %v", trial, i, got[i], want[i])
				}
			}
		}
	})
}

// TestPickPlanChecks checks that bad patterns and picks are refused when
// the plan is made and short slices when it runs.
func TestPickPlanChecks(t *testing.T) {
	steps := [][16]int{{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}}
	if _, err := NewPickPlan([][16]int{{32}}, nil); err == nil {
		t.Error("a pattern offset of 32 accepted")
	}
	for _, m := range []Pick{
		{Src: 0, Dst: 0, Take: 3, Store: 1},  // takes a lane it does not store
		{Src: 0, Dst: -1, Store: 1},          // stores before dst
		{Src: -3, Dst: 0, Take: 3, Store: 3}, // takes src[-1]
		{Src: 0, Dst: 0, Store: 1, Pattern: 1},
	} {
		if _, err := NewPickPlan(steps, []Pick{m}); err == nil {
			t.Errorf("pick %+v accepted", m)
		}
	}
	plan, err := NewPickPlan(steps, []Pick{{Src: 4, Dst: 2, Take: 0xff, Store: 0xfff}})
	if err != nil {
		t.Fatal(err)
	}
	// The last lane taken reads src[4+14]; the last stored is dst[13].
	for _, c := range []struct{ dst, src int }{{13, 19}, {14, 18}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("dst %d, src %d: no panic", c.dst, c.src)
				}
			}()
			plan.Run(make([]float32, c.dst), 0, make([]float32, c.src), 0, 1)
		}()
	}
	plan.Run(make([]float32, 14), 0, make([]float32, 19), 0, 1) // just long enough
}

// TestPickSumPlan runs random plans on every kernel set and checks each
// element of dst against the sums worked out term by term: stored lanes
// the sum, from +0, of what the terms take into them, in order (so that
// the bits agree), everything else untouched.
func TestPickSumPlan(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		saved := active2D
		active2D = *k
		defer func() { active2D = saved }()
		r := rand.New(rand.NewPCG(9, 10))
		for trial := range 300 {
			nSrc, nDst := 1+r.IntN(100), 16+r.IntN(100)
			patterns := make([][16]int, 1+r.IntN(3))
			for n := range patterns {
				for l := range 16 {
					patterns[n][l] = r.IntN(32)
				}
			}
			var sums []PickSum
			for range r.IntN(20) {
				m := PickSum{Dst: int32(r.IntN(nDst - 15)), Store: uint16(r.Uint32())}
				for range r.IntN(5) {
					term := PickTerm{Src: int32(r.IntN(nSrc+60) - 45), Pattern: r.IntN(len(patterns))}
					for l := range 16 {
						if i := int(term.Src) + patterns[term.Pattern][l]; i >= 0 && i < nSrc && r.IntN(3) != 0 {
							term.Take |= 1 << l
						}
					}
					m.Terms = append(m.Terms, term)
				}
				sums = append(sums, m)
			}
			plan, err := NewPickSumPlan(patterns, sums)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			times, srcStep, dstStep := 1+r.IntN(3), nSrc+r.IntN(3), nDst+r.IntN(3)
			src := make([]float32, (times-1)*srcStep+nSrc)
			for i := range src {
				src[i] = r.Float32() - 0.5
			}
			got := make([]float32, (times-1)*dstStep+nDst)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			want := append([]float32(nil), got...)
			plan.Run(got, dstStep, src, srcStep, times)
			for k := range times {
				for _, m := range sums {
					for l := range 16 {
						if m.Store>>l&1 == 0 {
							continue
						}
						var sum float32
						for _, term := range m.Terms {
							if term.Take>>l&1 != 0 {
								sum += src[k*srcStep+int(term.Src)+patterns[term.Pattern][l]]
							}
						}
						want[k*dstStep+int(m.Dst)+l] = sum
					}
				}
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d: dst[%d] = %v, want %v", trial, i, got[i], want[i])
				}
			}
		}
	})
	if _, err := NewPickSumPlan(nil, []PickSum{{Dst: -1, Store: 1}}); err == nil {
		t.Error("a sum stored at -1 accepted")
	}
	if _, err := NewPickSumPlan([][16]int{{}}, []PickSum{{Store: 1, Terms: []PickTerm{{Src: -1, Take: 1}}}}); err == nil {
		t.Error("a term taking src[-1] accepted")
	}
}
