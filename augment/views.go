package augment

import "fmt"

// Test-time augmentation turns the training-time idea around: instead of
// random changes that teach the network not to care about orientation,
// the network is shown every orientation of a test image and its answers
// are averaged. A network is never perfectly indifferent to a flip, so the
// views disagree a little, and their average is a steadier prediction
// than any one of them. Only the exact symmetries are used (flips and
// quarter turns): they lose no pixel and bring in no fill.

// Symmetries returns how many views of an h×w image View can make: 8 for
// a square (four quarter turns, each mirrored or not), 4 for any other
// shape, which a quarter turn would not fit (the image, its two mirror
// images and its half turn).
func Symmetries(h, w int) int {
	if h == w {
		return 8
	}
	return 4
}

// View writes into dst the k-th view of the image src [c, h, w], for
// 0 ≤ k < Symmetries(h, w). View 0 is the image itself; bit 0 of k mirrors
// it left–right, bit 1 top–bottom (both: a half turn), and bit 2 then
// turns it a quarter turn anticlockwise. dst and src must not overlap.
func View(dst, src []float32, c, h, w, k int) {
	if k < 0 || k >= Symmetries(h, w) {
		panic(fmt.Sprintf("augment: view %d of a %dx%d image, want 0 to %d", k, h, w, Symmetries(h, w)-1))
	}
	if len(dst) < c*h*w || len(src) < c*h*w {
		panic(fmt.Sprintf("augment: view of a [%d %d %d] image into %d values from %d", c, h, w, len(dst), len(src)))
	}
	d := identity
	d.flipH, d.flipV, d.quarter = k&1 != 0, k&2 != 0, k>>2
	m, _ := d.inverseMap(h, w)
	permute(dst, src, h, w, m, make([]float32, c)) // a symmetry never reaches outside: the fill is unused
}
