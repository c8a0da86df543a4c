package augment

import (
	"fmt"
	"slices"
	"testing"
)

// referenceView is View written out pixel by pixel: the flips, then the
// quarter turn anticlockwise (the top-right corner comes to the top left).
func referenceView(src []float32, c, h, w, k int) []float32 {
	flipped := make([]float32, c*h*w)
	for ch := range c {
		for y := range h {
			for x := range w {
				sx, sy := x, y
				if k&1 != 0 {
					sx = w - 1 - x
				}
				if k&2 != 0 {
					sy = h - 1 - y
				}
				flipped[(ch*h+y)*w+x] = src[(ch*h+sy)*w+sx]
			}
		}
	}
	if k < 4 {
		return flipped
	}
	turned := make([]float32, c*h*w) // square: h == w
	for ch := range c {
		for y := range h {
			for x := range w {
				turned[(ch*h+y)*w+x] = flipped[(ch*h+x)*w+(w-1-y)]
			}
		}
	}
	return turned
}

func TestViewMatchesReference(t *testing.T) {
	for _, s := range []struct{ c, h, w int }{{2, 5, 5}, {3, 4, 4}, {2, 3, 4}, {1, 6, 2}} {
		src := count(s.c * s.h * s.w)
		n := Symmetries(s.h, s.w)
		if want := map[bool]int{true: 8, false: 4}[s.h == s.w]; n != want {
			t.Fatalf("%dx%d: %d symmetries, want %d", s.h, s.w, n, want)
		}
		seen := map[string]int{}
		for k := range n {
			got := make([]float32, len(src))
			View(got, src, s.c, s.h, s.w, k)
			if want := referenceView(src, s.c, s.h, s.w, k); !slices.Equal(got, want) {
				t.Fatalf("[%d %d %d] view %d:\n got %v\nwant %v", s.c, s.h, s.w, k, got, want)
			}
			key := fmt.Sprint(got)
			if j, dup := seen[key]; dup {
				t.Fatalf("[%d %d %d]: views %d and %d are the same image", s.c, s.h, s.w, j, k)
			}
			seen[key] = k
		}
	}
	// View 0 is the image itself.
	src := count(2 * 3 * 3)
	got := make([]float32, len(src))
	View(got, src, 2, 3, 3, 0)
	if !slices.Equal(got, src) {
		t.Fatalf("view 0 changed the image: %v", got)
	}
}
