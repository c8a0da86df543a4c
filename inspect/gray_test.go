package inspect

import (
	"math"
	"slices"
	"testing"
)

func TestSharedRangeAndGrayMap(t *testing.T) {
	v := []float32{-1, 0, 1, 3}
	lo, hi := SharedRange(v)
	if lo != -1 || hi != 3 {
		t.Fatalf("SharedRange = %g, %g; want -1, 3", lo, hi)
	}
	g := GrayMap(v, 2, 2, lo, hi)
	// √((v+1)/4)·255 rounded: 0, 127.5, 180.3, 255.
	if want := []uint8{0, 128, 180, 255}; !slices.Equal(g.Pix, want) {
		t.Errorf("pixels %v, want %v", g.Pix, want)
	}
	// Positive values only: black is 0, not the smallest value.
	if lo, hi := SharedRange([]float32{2, 4}); lo != 0 || hi != 4 {
		t.Errorf("SharedRange(2, 4) = %g, %g; want 0, 4", lo, hi)
	}
	nan := float32(math.NaN())
	if lo, hi := SharedRange([]float32{nan, 5, nan}); lo != 0 || hi != 5 {
		t.Errorf("SharedRange with NaN = %g, %g; want 0, 5", lo, hi)
	}
	// A dead map (all zeros) is black, not a division by zero.
	if g := GrayMap([]float32{0, 0, 0, 0}, 2, 2, 0, 0); !slices.Equal(g.Pix, []uint8{0, 0, 0, 0}) {
		t.Errorf("all-zero map drawn as %v", g.Pix)
	}
}
