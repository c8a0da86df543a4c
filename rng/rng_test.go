package rng

import (
	"math"
	"testing"
)

func TestSameSeedSameNumbers(t *testing.T) {
	a, b, c := New(7), New(7), New(8)
	same, differ := true, false
	for range 100 {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Errorf("same seed same stream: %v; different seeds differ: %v", same, differ)
	}
}

func TestStateRoundTrip(t *testing.T) {
	g := New(3)
	g.Float64()
	state, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{g.Float64(), g.Normal(), float64(g.IntN(1000))}
	var h RNG
	if err := h.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	got := []float64{h.Float64(), h.Normal(), float64(h.IntN(1000))}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("restored stream gives %v, want %v", got, want)
		}
	}
	if err := h.UnmarshalBinary([]byte("junk")); err == nil {
		t.Error("restoring junk state gave no error")
	}
}

func TestFillNormalMoments(t *testing.T) {
	x := make([]float32, 200000)
	New(1).FillNormal(x, 0.5)
	var s, s2, top float64
	for _, v := range x {
		s += float64(v)
		s2 += float64(v) * float64(v)
		top = max(top, math.Abs(float64(v)))
	}
	n := float64(len(x))
	mean, std := s/n, math.Sqrt(s2/n-(s/n)*(s/n))
	if math.Abs(mean) > 0.005 || math.Abs(std-0.5) > 0.005 {
		t.Errorf("mean %.4f std %.4f, want 0 and 0.5", mean, std)
	}
	if limit := 2 * 0.5 / 0.87962566103423978; top > limit {
		t.Errorf("draw %.4f beyond the truncation at %.4f", top, limit)
	}
}

func TestFillUniformRange(t *testing.T) {
	x := make([]float32, 10000)
	New(1).FillUniform(x, 0.3)
	lo, hi := float32(1), float32(-1)
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo < -0.3 || hi >= 0.3 || lo > -0.29 || hi < 0.29 {
		t.Errorf("range [%v, %v], want to fill [-0.3, 0.3)", lo, hi)
	}
}
