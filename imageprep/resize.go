package imageprep

import (
	"fmt"
	"image"
	"math"

	"golang.org/x/image/draw"

	"github.com/gocnn/gocnn/tensor"
)

// Resize scales the whole of img to w×h pixels and returns it as a
// [c, h, w] tensor with values in [0, 1] (one example of an NCHW batch).
// c = 1 gives the luma (BT.601 weights), c = 3 gives red, green and blue.
//
// The image is stretched to the new size without regard to its aspect
// ratio, the same way a training set of fixed-size images is usually made
// (HAM10000's 600×450 photos become, say, 64×64): crop before calling it if
// the subject must keep its shape. Resampling uses the Catmull-Rom filter of
// golang.org/x/image/draw, which is anti-aliased when shrinking.
// Transparent parts come out as if composited over black.
func Resize(img image.Image, c, h, w int) (*tensor.Tensor, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("resize: %d channels asked for; want 1 (gray) or 3 (RGB)", c)
	}
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("resize: target size %dx%d is not positive", w, h)
	}
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("resize: image has no pixels")
	}
	// RGBA64 keeps 16 bits per channel through the resampling.
	dst := image.NewRGBA64(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)

	t := tensor.New(c, h, w)
	out := t.Data
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			px := dst.RGBA64At(x, y)
			r := float32(px.R) / 0xffff
			g := float32(px.G) / 0xffff
			b := float32(px.B) / 0xffff
			i := y*w + x
			if c == 1 {
				out[i] = min(lumaR*r+lumaG*g+lumaB*b, 1)
			} else {
				out[i], out[h*w+i], out[2*h*w+i] = r, g, b
			}
		}
	}
	return t, nil
}

// ToImage turns h×w values (one channel of a model input, nominally in
// [0, 1]) into an 8-bit gray image, for looking at what a model is given.
// Values outside [0, 1] are clipped. It panics if x holds fewer than h·w
// values.
func ToImage(x []float32, h, w int) *image.Gray {
	if len(x) < h*w {
		panic(fmt.Sprintf("imageprep.ToImage: %d values for a %dx%d image", len(x), w, h))
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range h * w {
		v := min(max(float64(x[i]), 0), 1)
		g.Pix[i] = uint8(math.Round(v * 255))
	}
	return g
}
