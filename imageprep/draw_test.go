package imageprep

// Helpers that draw synthetic digits for the tests: strokes are described by
// signed distance functions and rendered with one-pixel anti-aliasing, on a
// clean or a photo-like background.

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/gocnn/gocnn/rng"
)

// stroke is a shape given by its signed distance (negative inside, in the
// units of the coordinates it is asked about).
type stroke interface{ sd(x, y float64) float64 }

// capsule is a pen stroke: a segment with round ends, width across.
type capsule struct{ x0, y0, x1, y1, width float64 }

func (c capsule) sd(x, y float64) float64 {
	dx, dy := c.x1-c.x0, c.y1-c.y0
	t := ((x-c.x0)*dx + (y-c.y0)*dy) / (dx*dx + dy*dy)
	t = min(max(t, 0), 1)
	return math.Hypot(x-c.x0-t*dx, y-c.y0-t*dy) - c.width/2
}

// ring is an axis-aligned elliptical ring of radii rx, ry (to the middle of
// the stroke). The distance is approximate but exact on the axes.
type ring struct{ cx, cy, rx, ry, width float64 }

func (r ring) sd(x, y float64) float64 {
	u, v := (x-r.cx)/r.rx, (y-r.cy)/r.ry
	k := math.Hypot(u, v)
	// Scale the radial error by the local radius.
	rad := r.rx * r.ry / math.Max(1e-9, math.Hypot(r.ry*u, r.rx*v)) * k
	return math.Abs(k-1)*rad - r.width/2
}

// digit is a named set of strokes in unit coordinates: the digit is drawn in
// a box [0,1]² scaled to the picture.
type digit struct {
	name    string
	strokes func(w float64) []stroke // w: stroke width in unit coordinates
}

var digits = []digit{
	{"0", func(w float64) []stroke { return []stroke{ring{0.5, 0.5, 0.28, 0.38, w}} }},
	{"1", func(w float64) []stroke { return []stroke{capsule{0.55, 0.1, 0.45, 0.9, w}} }},
	{"4", func(w float64) []stroke {
		return []stroke{capsule{0.6, 0.1, 0.2, 0.62, w}, capsule{0.2, 0.62, 0.82, 0.62, w}, capsule{0.64, 0.35, 0.64, 0.92, w}}
	}},
	{"7", func(w float64) []stroke {
		return []stroke{capsule{0.22, 0.12, 0.8, 0.12, w}, capsule{0.8, 0.12, 0.42, 0.9, w}}
	}},
}

// coverage renders the strokes, mapped from the unit box onto the
// rectangle box of a w×h picture, as ink coverage in [0, 1].
func coverage(w, h int, box [4]float64, strokes []stroke) []float64 {
	bx, by, bw, bh := box[0], box[1], box[2]-box[0], box[3]-box[1]
	scale := math.Min(bw, bh) // one unit in pixels (strokes' widths)
	c := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u := (float64(x) + 0.5 - bx) / bw
			v := (float64(y) + 0.5 - by) / bh
			d := math.Inf(1)
			for _, s := range strokes {
				d = math.Min(d, s.sd(u, v))
			}
			c[y*w+x] = min(max(0.5-d*scale, 0), 1)
		}
	}
	return c
}

// photo describes how a rendered digit is lit and photographed: the
// reflectances of the background and the ink, multiplied by a light that
// grows from left to right, plus sensor noise.
type photo struct {
	background, ink float64 // reflectances in [0, 1]
	light0, light1  float64 // illumination at the left and right edges
	noise           float64 // standard deviation of Gaussian noise
	seed            uint64
}

// clean is MNIST's own look: white ink on black, evenly lit, no noise.
var clean = photo{background: 0, ink: 1, light0: 1, light1: 1}

// paper is a phone photo of pen on paper: a shadow on the left makes the
// paper there 40% darker, and there is noise.
var paper = photo{background: 0.92, ink: 0.2, light0: 0.6, light1: 1, noise: 0.03, seed: 7}

// board is chalk on a dark board, lit in the same uneven way.
var board = photo{background: 0.15, ink: 0.9, light0: 0.6, light1: 1, noise: 0.03, seed: 9}

// render paints coverage c (w×h) as an 8-bit RGB image as photo p.
func render(w, h int, c []float64, p photo) *image.RGBA {
	g := rng.New(p.seed)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			light := p.light0 + (p.light1-p.light0)*float64(x)/float64(max(w-1, 1))
			v := light * (p.background*(1-c[y*w+x]) + p.ink*c[y*w+x])
			if p.noise > 0 {
				v += p.noise * g.Normal()
			}
			b := uint8(math.Round(255 * min(max(v, 0), 1)))
			// A warm tint, as under a lamp, so that luma is really computed.
			img.SetRGBA(x, y, color.RGBA{R: b, G: uint8(float64(b) * 0.97), B: uint8(float64(b) * 0.9), A: 255})
		}
	}
	return img
}

// drawDigit renders digit d with stroke width sw (in unit coordinates) into
// the box of a w×h picture.
func drawDigit(d digit, sw float64, w, h int, box [4]float64, p photo) *image.RGBA {
	return render(w, h, coverage(w, h, box, d.strokes(sw)), p)
}

// checkMNISTGeometry asserts what makes x an MNIST-style input: shape
// [1,28,28], values in [0,1] with the brightest 1, the non-zero pixels'
// bounding box fitting 20×20 with its longer side 19 or 20, and the centre
// of mass within half a pixel of the centre.
func checkMNISTGeometry(t *testing.T, name string, x []float32) {
	t.Helper()
	if len(x) != Size*Size {
		t.Fatalf("%s: %d values, want %d", name, len(x), Size*Size)
	}
	p := &plane{W: Size, H: Size, Pix: x}
	var peak float32
	for _, v := range x {
		if v < 0 || v > 1 || math.IsNaN(float64(v)) {
			t.Fatalf("%s: value %v outside [0,1]", name, v)
		}
		peak = max(peak, v)
	}
	if peak != 1 {
		t.Errorf("%s: brightest pixel is %v, want 1", name, peak)
	}
	b := nonZeroBounds(p)
	if b.Dx() > FitSize || b.Dy() > FitSize || max(b.Dx(), b.Dy()) < FitSize-1 {
		t.Errorf("%s: bounding box of the ink is %dx%d, want it to fit 20x20 with the longer side 19 or 20", name, b.Dx(), b.Dy())
	}
	cx, cy, _ := centreOfMass(p)
	if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Errorf("%s: centre of mass (%.2f, %.2f), want within 0.5 of (14, 14)", name, cx, cy)
	}
}

// alignedDiff is the smallest mean absolute difference between two 28×28
// inputs over whole-pixel shifts of b by at most one pixel each way:
// centring by centre of mass rounds to whole pixels, so two renderings of
// the same digit may legitimately sit one pixel apart.
func alignedDiff(a, b []float32) float64 {
	best := math.Inf(1)
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			s := 0.0
			for y := 0; y < Size; y++ {
				for x := 0; x < Size; x++ {
					var v float32
					if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < Size && yy < Size {
						v = b[yy*Size+xx]
					}
					s += math.Abs(float64(a[y*Size+x] - v))
				}
			}
			best = math.Min(best, s/(Size*Size))
		}
	}
	return best
}

// meanAbsDiff is the mean absolute difference of two equal-length inputs.
func meanAbsDiff(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += math.Abs(float64(a[i] - b[i]))
	}
	return s / float64(len(a))
}

// sum adds up x.
func sum(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s
}
