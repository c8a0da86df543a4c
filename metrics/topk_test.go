package metrics

import (
	"math"
	"slices"
	"testing"
)

func TestTopK(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		probs []float32
		k     int
		want  []int
	}{
		{[]float32{0.1, 0.5, 0.2, 0.15, 0.05}, 3, []int{1, 2, 3}},
		{[]float32{0.1, 0.5, 0.2, 0.15, 0.05}, 1, []int{1}},
		{[]float32{0.3, 0.1, 0.3, 0.3}, 2, []int{0, 2}},   // ties by lower index
		{[]float32{0.2, 0.4, 0.4}, 5, []int{1, 2, 0}},     // k beyond the length
		{[]float32{0.2, 0.4}, 0, []int{}},                 // k zero
		{[]float32{0.2, 0.4}, -1, []int{}},                // k negative
		{[]float32{nan, 0.1, nan, -1}, 3, []int{1, 3, 0}}, // NaN last
		{[]float32{}, 3, []int{}},
	} {
		got := TopK(c.probs, c.k)
		if !slices.Equal(got, c.want) {
			t.Errorf("TopK(%v, %d) = %v, want %v", c.probs, c.k, got, c.want)
		}
	}
	// The input is not reordered.
	p := []float32{0.1, 0.9, 0.5}
	TopK(p, 2)
	if !slices.Equal(p, []float32{0.1, 0.9, 0.5}) {
		t.Errorf("TopK changed its input to %v", p)
	}
}
