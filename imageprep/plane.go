package imageprep

import (
	"image"
	"image/color"
	"math"
	"slices"
)

// plane is a single-channel float image, the working form of every step of
// MNISTStyle. Pixel (x, y) is Pix[y*W+x]; values are nominally in [0, 1].
type plane struct {
	W, H int
	Pix  []float32
}

func newPlane(w, h int) *plane { return &plane{W: w, H: h, Pix: make([]float32, w*h)} }

func (p *plane) at(x, y int) float32 { return p.Pix[y*p.W+x] }

func (p *plane) clone() *plane { return &plane{W: p.W, H: p.H, Pix: slices.Clone(p.Pix)} }

// Luma weights of ITU-R BT.601, the ones JPEG's Y channel and Go's
// color.GrayModel use.
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// lumaPlane converts img to its luma (perceived brightness) in [0, 1],
// shrunk by the whole factor k: each pixel of the plane is the mean of a
// k×k block of the image (partial blocks at the right and bottom edges
// average what they have). A box average is a proper anti-aliasing filter
// for whole factors and costs one pass; taking it as the image is read
// means a large picture never has a plane of its full size, which would
// take 4 bytes a pixel, more than most decoded pictures themselves.
//
// Transparent pixels are composited over a plain backdrop, chosen so that
// the opaque part stays visible: a drawing whose opaque pixels are dark on
// average (black ink on a transparent canvas, the usual export of a drawing
// program) is put on white, a light one on black. Fully opaque images are
// not affected. Compositing is linear, so the block means of luma and
// alpha are composited once the backdrop is known.
func lumaPlane(img image.Image, k int) *plane {
	b := img.Bounds()
	iw, ih := b.Dx(), b.Dy()
	k = max(k, 1)
	p := newPlane((iw+k-1)/k, (ih+k-1)/k)
	sum := make([]float64, len(p.Pix)) // luma over each block
	var alpha []float64                // alpha over each block, for images that may be transparent
	if o, ok := img.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		alpha = make([]float64, len(p.Pix))
	}
	var inkSum, inkN float64 // un-premultiplied luma of the mostly opaque pixels

	switch m := img.(type) {
	case *image.YCbCr: // JPEG: the Y channel is the luma already
		alpha = nil
		for y := 0; y < ih; y++ {
			row, out := m.Y[m.YOffset(b.Min.X, b.Min.Y+y):], sum[(y/k)*p.W:]
			for x := 0; x < iw; x++ {
				out[x/k] += float64(float32(row[x]) / 255)
			}
		}
	case *image.Gray:
		alpha = nil
		for y := 0; y < ih; y++ {
			row, out := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):], sum[(y/k)*p.W:]
			for x := 0; x < iw; x++ {
				out[x/k] += float64(float32(row[x]) / 255)
			}
		}
	default:
		// Every other image type, through the color.Color interface.
		for y := 0; y < ih; y++ {
			o := (y / k) * p.W
			for x := 0; x < iw; x++ {
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// r, g, b are premultiplied by alpha: their luma is the
				// colour composited over black.
				l := (lumaR*float64(r) + lumaG*float64(g) + lumaB*float64(bl)) / 0xffff
				sum[o+x/k] += float64(float32(l))
				if alpha != nil {
					af := float64(a) / 0xffff
					alpha[o+x/k] += af
					if af >= 0.5 {
						inkSum += l / af
						inkN++
					}
				}
			}
		}
	}

	backdrop := 0.0
	if inkN > 0 && inkSum/inkN < 0.5 {
		backdrop = 1
	}
	for oy := 0; oy < p.H; oy++ {
		bh := min(k, ih-oy*k)
		for ox := 0; ox < p.W; ox++ {
			n := float64(bh * min(k, iw-ox*k))
			i := oy*p.W + ox
			v := sum[i]
			if alpha != nil {
				v += (n - alpha[i]) * backdrop
			}
			p.Pix[i] = float32(v / n)
		}
	}
	return p
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
