package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refSumTaps is SumPlan.Run by its definition.
func refSumTaps(dst []float32, dstStride int, src []float32, srcStride, base int, offsets []int, masks []uint16, chans, n int) {
	for k := range chans {
		for l := range n {
			var sum float32
			for t := range offsets {
				if masks[t]>>l&1 != 0 {
					sum += src[base+k*srcStride+offsets[t]+l]
				}
			}
			dst[k*dstStride+l] = sum
		}
	}
}

// randomTaps returns taps whose lanes all read inside a source of size n
// for up to chans channels srcStride apart, from base: lanes that would
// read outside are masked off, so some taps start before src or end past
// it with their first or last lanes masked.
func randomTaps(r *rand.Rand, taps, n, chans, srcStride, base int) (offsets []int, masks []uint16) {
	for range taps {
		off := r.IntN(n+32) - 16 - base
		var m uint16
		for l := range 16 {
			i := base + off + l
			if r.IntN(4) != 0 && i >= 0 && i+(chans-1)*srcStride < n {
				m |= 1 << l
			}
		}
		offsets, masks = append(offsets, off), append(masks, m)
	}
	return offsets, masks
}

// TestSumTaps checks every kernel set against the definition, bit for
// bit, with 1 to 9 channels (the kernels take 4 at a time), 0 to 16
// lanes, and taps reaching past both ends of src through masked lanes.
// The values are small integers plus a fraction, so a sum in another order
// would round differently.
func TestSumTaps(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		saved := active2D
		active2D = *k
		defer func() { active2D = saved }()
		r := rand.New(rand.NewPCG(3, 4))
		for trial := range 2000 {
			chans, lanes, taps := 1+r.IntN(9), r.IntN(17), r.IntN(30)
			srcStride, dstStride := r.IntN(40), lanes+r.IntN(5)
			n := 1 + (chans-1)*srcStride + r.IntN(80)
			base := r.IntN(n)
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(r.IntN(2000)-1000) + 1/float32(1+r.IntN(7))
			}
			offsets, masks := randomTaps(r, taps, n, chans, srcStride, base)
			size := (chans-1)*dstStride + lanes + 3
			got, want := make([]float32, size), make([]float32, size)
			for i := range got {
				got[i], want[i] = -7, -7 // between the channels' lanes: left alone
			}
			plan, err := NewSumPlan(offsets, masks)
			if err != nil {
				t.Fatal(err)
			}
			plan.Run(got, dstStride, src, srcStride, base, chans, lanes)
			refSumTaps(want, dstStride, src, srcStride, base, offsets, masks, chans, lanes)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d (%d channels, %d lanes, %d taps): dst[%d] = %v, want %v", trial, chans, lanes, taps, i, got[i], want[i])
				}
			}
		}
	})
}

// TestSumTapsChecksBounds checks that a tap reading outside src through an
// unmasked lane panics before any kernel runs, and that a plan's offsets
// and masks must pair up.
func TestSumTapsChecksBounds(t *testing.T) {
	if _, err := NewSumPlan([]int{0, 1}, []uint16{1}); err == nil {
		t.Error("a plan with 2 offsets and 1 mask was accepted")
	}
	src, dst := make([]float32, 20), make([]float32, 16)
	for _, c := range []struct {
		name   string
		offset int
		mask   uint16
	}{
		{"before the start", -1, 1},
		{"past the end", 5, 1 << 15},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			runSumPlan(t, dst, src, []int{c.offset}, []uint16{c.mask})
		}()
	}
	// The same reach through masked-off lanes is fine.
	runSumPlan(t, dst, src, []int{-1, 5}, []uint16{0xfffe, 0x7fff})
	// A plan whose lanes all read nothing runs whatever its offsets.
	runSumPlan(t, dst, src, []int{-100, 100}, []uint16{0, 0})
}

// runSumPlan runs a plan of the taps on one channel of 16 lanes.
func runSumPlan(t *testing.T, dst, src []float32, offsets []int, masks []uint16) {
	t.Helper()
	plan, err := NewSumPlan(offsets, masks)
	if err != nil {
		t.Fatal(err)
	}
	plan.Run(dst, 16, src, 0, 0, 1, 16)
}
