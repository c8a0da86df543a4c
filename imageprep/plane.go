package imageprep

import (
	"image"
	"image/color"
	"math"
)

// plane is a single-channel float image, the working form of every step of
// MNISTStyle. Pixel (x, y) is Pix[y*W+x]; values are nominally in [0, 1].
type plane struct {
	W, H int
	Pix  []float32
}

func newPlane(w, h int) *plane { return &plane{W: w, H: h, Pix: make([]float32, w*h)} }

func (p *plane) at(x, y int) float32 { return p.Pix[y*p.W+x] }

// Luma weights of ITU-R BT.601, the ones JPEG's Y channel and Go's
// color.GrayModel use.
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// lumaPlane converts img to its luma (perceived brightness) in [0, 1].
//
// Transparent pixels are composited over a plain backdrop, chosen so that
// the opaque part stays visible: a drawing whose opaque pixels are dark on
// average (black ink on a transparent canvas, the usual export of a drawing
// program) is put on white, a light one on black. Fully opaque images are
// not affected.
func lumaPlane(img image.Image) *plane {
	b := img.Bounds()
	p := newPlane(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.YCbCr: // JPEG: the Y channel is the luma already
		for y := 0; y < p.H; y++ {
			row := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < p.W; x++ {
				p.Pix[y*p.W+x] = float32(row[x]) / 255
			}
		}
		return p
	case *image.Gray:
		for y := 0; y < p.H; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < p.W; x++ {
				p.Pix[y*p.W+x] = float32(row[x]) / 255
			}
		}
		return p
	}

	// The general case: every other image type, through the color.Color
	// interface, with alpha kept aside until the backdrop is known.
	var alpha []float32
	if o, ok := img.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		alpha = make([]float32, len(p.Pix))
	}
	var inkSum, inkN float64 // un-premultiplied luma of the mostly opaque pixels
	for y := 0; y < p.H; y++ {
		for x := 0; x < p.W; x++ {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			// r, g, b are premultiplied by alpha: their luma is the colour
			// composited over black.
			l := (lumaR*float64(r) + lumaG*float64(g) + lumaB*float64(bl)) / 0xffff
			i := y*p.W + x
			p.Pix[i] = float32(l)
			if alpha != nil {
				af := float64(a) / 0xffff
				alpha[i] = float32(af)
				if af >= 0.5 {
					inkSum += l / af
					inkN++
				}
			}
		}
	}
	if alpha != nil {
		backdrop := float32(0)
		if inkN > 0 && inkSum/inkN < 0.5 {
			backdrop = 1
		}
		for i, a := range alpha {
			p.Pix[i] += (1 - a) * backdrop
		}
	}
	return p
}

// shrinkBox returns p reduced by an integer factor k in each direction, each
// output pixel the mean of a k×k block (partial blocks at the right and
// bottom edges average what they have). A box average is a proper
// anti-aliasing filter for integer factors and costs one pass.
func shrinkBox(p *plane, k int) *plane {
	if k <= 1 {
		return p
	}
	w, h := (p.W+k-1)/k, (p.H+k-1)/k
	sum := make([]float64, w*h)
	cnt := make([]float64, w*h)
	for y := 0; y < p.H; y++ {
		oy := (y / k) * w
		for x := 0; x < p.W; x++ {
			sum[oy+x/k] += float64(p.Pix[y*p.W+x])
			cnt[oy+x/k]++
		}
	}
	q := newPlane(w, h)
	for i := range q.Pix {
		q.Pix[i] = float32(sum[i] / cnt[i])
	}
	return q
}

// toGray16 converts the rectangle r of p (values clamped to [0, 1]) to a
// 16-bit gray image, the form in which golang.org/x/image/draw resamples
// it without losing precision.
func (p *plane) toGray16(r image.Rectangle) *image.Gray16 {
	g := image.NewGray16(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			v := min(max(p.at(r.Min.X+x, r.Min.Y+y), 0), 1)
			g.SetGray16(x, y, color.Gray16{Y: uint16(math.Round(float64(v) * 0xffff))})
		}
	}
	return g
}

// gray16Plane converts a 16-bit gray image back to a plane.
func gray16Plane(g *image.Gray16) *plane {
	b := g.Bounds()
	p := newPlane(b.Dx(), b.Dy())
	for y := 0; y < p.H; y++ {
		for x := 0; x < p.W; x++ {
			p.Pix[y*p.W+x] = float32(g.Gray16At(b.Min.X+x, b.Min.Y+y).Y) / 0xffff
		}
	}
	return p
}
