package inspect

import (
	"image"
	"math"
)

// The playground draws each channel of a stage as its own small picture,
// all of a stage's channels on one scale, so that a channel that hardly
// responds looks dark beside one that responds strongly. SharedRange and
// GrayMap are that drawing; FeatureMaps, which scales each channel to its
// own range, is the other.

// SharedRange returns the values to draw as black and white for all the
// channels v holds: min(0, the smallest value) and the largest. Values
// that are not numbers are ignored; with none left, both are 0.
func SharedRange(v []float32) (lo, hi float32) {
	lo, hi = 0, float32(math.Inf(-1))
	for _, x := range v {
		if x != x {
			continue
		}
		lo, hi = min(lo, x), max(hi, x)
	}
	if math.IsInf(float64(hi), -1) {
		hi = 0
	}
	return lo, hi
}

// GrayMap draws h×w values, lo as black and hi as white, a value at
// fraction t of the way with brightness √t, which lets weak responses show
// beside the strongest one. When hi ≤ lo every pixel is black, and a value
// that is not a number is drawn black.
func GrayMap(v []float32, h, w int, lo, hi float32) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	span := float64(hi) - float64(lo)
	if !(span > 0) || math.IsInf(span, 0) {
		return g
	}
	for i := range h * w {
		t := (float64(v[i]) - float64(lo)) / span
		if t != t {
			t = 0
		}
		g.Pix[i] = uint8(math.Round(math.Sqrt(min(max(t, 0), 1)) * 255))
	}
	return g
}
