package imageprep

import (
	"image"

	"golang.org/x/image/draw"
)

// A Resizer scales pictures to one size and writes them as 8-bit planes,
// the form datasets keep their images in (data.Pixels): for a training
// set of thousands of pictures of a few sizes it keeps, between pictures,
// its output image and a scaler for each input size (which precomputes
// the filter's weights). Resampling is Catmull-Rom, as in Resize, in 8
// bits per channel. A Resizer is not safe for concurrent use: give each
// worker its own.
type Resizer struct {
	dst     *image.RGBA
	scalers map[image.Point]draw.Scaler
}

// NewResizer returns a Resizer to h×w pixels.
func NewResizer(h, w int) *Resizer {
	return &Resizer{dst: image.NewRGBA(image.Rect(0, 0, w, h)), scalers: map[image.Point]draw.Scaler{}}
}

// Planes scales the whole of img to the Resizer's size and writes its c
// channels into out, one plane after another ([C, H, W], len(out) =
// c·h·w): for c = 1 the luma (BT.601 weights, rounded), for c = 3 red,
// green and blue. Transparent parts come out as if over black.
func (rs *Resizer) Planes(img image.Image, out []byte, c int) {
	src := img.Bounds()
	sc, ok := rs.scalers[src.Size()]
	if !ok {
		sc = draw.CatmullRom.NewScaler(rs.dst.Rect.Dx(), rs.dst.Rect.Dy(), src.Dx(), src.Dy())
		rs.scalers[src.Size()] = sc
	}
	sc.Scale(rs.dst, rs.dst.Rect, img, src, draw.Src, nil)
	plane := rs.dst.Rect.Dx() * rs.dst.Rect.Dy()
	for p := range plane {
		px := rs.dst.Pix[4*p : 4*p+3]
		if c == 1 {
			out[p] = byte((299*int(px[0]) + 587*int(px[1]) + 114*int(px[2]) + 500) / 1000)
			continue
		}
		out[p], out[plane+p], out[2*plane+p] = px[0], px[1], px[2]
	}
}
