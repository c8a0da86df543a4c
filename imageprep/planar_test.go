package imageprep

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// TestResizerPlanes checks the 8-bit planes a Resizer writes against
// Resize, which resamples in 16 bits and returns floats: within two
// levels of 255 everywhere, for gray and colour, shrinking and growing,
// and the same bytes when one Resizer goes on to a second picture.
func TestResizerPlanes(t *testing.T) {
	pic := func(w, h int, seed int) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, color.RGBA{uint8(x*7 + seed), uint8(y*5 + x), uint8((x ^ y) * 3), 255})
			}
		}
		return img
	}
	for _, c := range []int{1, 3} {
		for _, size := range [][2]int{{12, 16}, {40, 30}} {
			h, w := size[0], size[1]
			rs := NewResizer(h, w)
			for k, img := range []*image.RGBA{pic(60, 45, 0), pic(9, 11, 40), pic(60, 45, 0)} {
				out := make([]byte, c*h*w)
				rs.Planes(img, out, c)
				want, err := Resize(img, c, h, w)
				if err != nil {
					t.Fatal(err)
				}
				for i, v := range out {
					if d := math.Abs(float64(v) - 255*float64(want.Data[i])); d > 2 {
						t.Fatalf("c=%d, %dx%d, picture %d: value %d is %d, Resize gives %.1f", c, w, h, k, i, v, 255*want.Data[i])
					}
				}
			}
		}
	}
}
