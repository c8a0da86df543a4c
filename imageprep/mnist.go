package imageprep

import (
	"errors"
	"fmt"
	"image"
	"math"

	"golang.org/x/image/draw"

	"github.com/gocnn/gocnn/tensor"
)

// The geometry of an MNIST digit: its bounding box scaled to fit FitSize
// pixels, placed on a Size×Size canvas.
const (
	Size    = 28
	FitSize = 20
)

// DefaultStrokeWidth is the thinnest stroke, in pixels of the 28×28 output,
// that MNISTStyle produces unless told otherwise. MNIST's pen strokes are
// mostly 2 to 3 pixels wide.
const DefaultStrokeWidth = 2.0

// workSize bounds the working resolution: larger images are first shrunk by
// an integer factor until their longer side is at most this. The digit ends
// up 20 pixels tall, so nothing the model could see is lost.
const workSize = 1024

// ErrNoDigit is returned (wrapped) by MNISTStyle when the image holds
// nothing that stands out from its background.
var ErrNoDigit = errors.New("no digit found")

// Polarity says whether the digit is darker or lighter than its background.
type Polarity int

const (
	// AutoPolarity decides from the image; see MNISTStyle.
	AutoPolarity Polarity = iota
	// DarkOnLight is ink on paper: the image is inverted.
	DarkOnLight
	// LightOnDark is chalk on a board, or MNIST itself: kept as it is.
	LightOnDark
)

// MNISTOptions adjust MNISTStyle. The zero value is the right choice for a
// photo or scan of one handwritten digit.
type MNISTOptions struct {
	// Polarity of the input; AutoPolarity (the zero value) detects it.
	Polarity Polarity

	// StrokeWidth is the thinnest stroke, in output pixels, that comes out:
	// a thin pen line on a large photo would shrink to a faint hairline
	// that a network trained on MNIST has never seen, so thinner strokes
	// are widened to it. 0 means DefaultStrokeWidth; a negative value turns
	// widening off.
	StrokeWidth float64
}

// MNISTStyle turns a picture of one handwritten digit into the input a
// network trained on MNIST expects: a [1, 28, 28] tensor with values in
// [0, 1], a light digit on a black background whose bounding box is scaled
// to fit 20×20 and whose centre of mass is at the centre of the canvas. It
// follows the way MNIST itself was made (LeCun, Cortes and Burges), with the
// extra steps a photo of paper needs:
//
//  1. Luma. The image is reduced to its brightness (BT.601 weights; see
//     lumaPlane for transparency). Images larger than 1024 pixels on a side
//     are first shrunk by a box filter to at most that size.
//  2. Polarity. The background is taken to be the median of the border
//     pixels (the outer 5%, at least one pixel). If that median lies nearer
//     the bright end of the image (its 99.5th percentile) than the dark end
//     (its 0.5th percentile), the digit is dark on light and the image is
//     inverted, so that ink is bright as in MNIST.
//  3. Background and contrast. A smooth background surface is estimated
//     (see estimateBackground) and subtracted, which flattens shadows and
//     grey paper. For ink on paper the difference is also divided by the
//     local paper brightness, since a shadow darkens ink and paper alike. The noise level σ is estimated from the median absolute
//     deviation of the result. Pixels more than max(6σ, 0.05) above the
//     median are candidate ink; the 90th percentile of those is the ink
//     level. Values are then mapped linearly so that a cut level of
//     max(4σ, 10% of the ink level) above the median becomes 0 and the
//     ink level becomes 1, clipping to [0, 1]: paper is exactly 0.
//  4. Specks. Of the 8-connected groups of non-zero pixels, those whose
//     total intensity is under 5% of the largest group's are dust or noise
//     and are erased. Broken strokes (a "5" whose bar does not touch) stay.
//  5. Stroke width. The width of the strokes is estimated as 2·area /
//     perimeter of the pixels above 0.5. If it would come out thinner than
//     StrokeWidth, every pixel within the missing half-width of the ink is
//     raised (with a one-pixel soft edge) to widen the strokes.
//  6. Scale. The bounding box of the non-zero pixels is scaled, keeping its
//     aspect ratio, so that its longer side is 20 pixels, with the
//     Catmull-Rom filter of golang.org/x/image/draw (anti-aliased when
//     shrinking).
//  7. Centre. The 20×20 (or narrower) patch is placed on a black 28×28
//     canvas so that its centre of mass lands as close as whole-pixel
//     shifts allow to the canvas centre, (14, 14) in coordinates where
//     pixel (i, j) covers [i, i+1)×[j, j+1) (pixel index 13.5). Parts
//     pushed past the edge by a lopsided digit are clipped.
//  8. The result is scaled so that its brightest pixel is 1, as in MNIST.
//
// A digit cropped tightly, its ink touching the picture's edges as in
// collections of scanned digits, leaves no paper at the border to judge
// the polarity by and whole cells of ink to take for background. When the
// steps find no ink in a picture whose brightness falls in two distinct
// groups, ink and paper (see twoTone), they run once more on the picture
// framed with a margin a quarter of its longer side wide, in its median
// brightness: the paper it would have had around it. (A picture of bare
// paper under a shadow is not two-toned, and is not framed: the frame's
// edge against the shadow would pass for a stroke.)
//
// If no ink stands out of the background even then, the error wraps
// ErrNoDigit. The photo should show paper around the digit, or none at
// all: a table edge or a second digit in the frame is taken for part of
// the digit.
func MNISTStyle(img image.Image, opts MNISTOptions) (*tensor.Tensor, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, errors.New("image has no pixels")
	}
	p := lumaPlane(img, (max(img.Bounds().Dx(), img.Bounds().Dy())+workSize-1)/workSize)
	out, err := mnistFromLuma(p.clone(), opts)
	if errors.Is(err, ErrNoDigit) && twoTone(p) {
		if framed, err2 := mnistFromLuma(frame(p), opts); err2 == nil {
			return framed, nil
		}
	}
	return out, err
}

// frame returns p with a margin around it a quarter of its longer side
// wide (at least two pixels), filled with its median value.
func frame(p *plane) *plane {
	m := max(2, max(p.W, p.H)/4)
	bg := quantile(sortedCopy(p.Pix), 0.5)
	f := newPlane(p.W+2*m, p.H+2*m)
	for i := range f.Pix {
		f.Pix[i] = bg
	}
	for y := 0; y < p.H; y++ {
		copy(f.Pix[(y+m)*f.W+m:], p.Pix[y*p.W:(y+1)*p.W])
	}
	return f
}

// twoTone reports whether p's values fall in two distinct groups, as ink
// and paper do: split at the threshold that best separates them (Otsu's),
// the spread between the groups is at least 85% of the whole spread (a
// uniform ramp of grey, such as a shadow, gives 75%), and their means are
// at least 0.3 apart.
func twoTone(p *plane) bool {
	const bins = 256
	var hist [bins]float64
	var sum, sumSq float64
	for _, v := range p.Pix {
		hist[min(max(int(v*bins), 0), bins-1)]++
		sum += float64(v)
		sumSq += float64(v) * float64(v)
	}
	n := float64(len(p.Pix))
	mean := sum / n
	total := sumSq/n - mean*mean
	if total <= 0 {
		return false
	}
	var n0, s0, best, gap float64 // count and sum of the values below the threshold
	for i := range bins - 1 {
		n0 += hist[i]
		s0 += hist[i] * (float64(i) + 0.5) / bins
		n1 := n - n0
		if n0 == 0 || n1 == 0 {
			continue
		}
		m0, m1 := s0/n0, (sum-s0)/n1
		if between := n0 / n * n1 / n * (m1 - m0) * (m1 - m0); between > best {
			best, gap = between, m1-m0
		}
	}
	return best >= 0.85*total && gap >= 0.3
}

// mnistFromLuma is MNISTStyle from step 2 on, for the luma plane p, which
// it overwrites.
func mnistFromLuma(p *plane, opts MNISTOptions) (*tensor.Tensor, error) {
	// 2. Polarity.
	invert := false
	switch opts.Polarity {
	case DarkOnLight:
		invert = true
	case LightOnDark:
	case AutoPolarity:
		band := max(1, min(p.W, p.H)/20)
		s := sortedCopy(borderValues(p, band))
		bg := quantile(s, 0.5)
		all := sortedCopy(p.Pix)
		lo, hi := quantile(all, 0.005), quantile(all, 0.995)
		invert = hi-bg < bg-lo
	default:
		return nil, fmt.Errorf("unknown polarity %d", opts.Polarity)
	}
	if invert {
		for i, v := range p.Pix {
			p.Pix[i] = 1 - v
		}
	}

	// 3. Background and contrast.
	bg := estimateBackground(p)
	for i, b := range bg.Pix {
		if invert {
			// Paper reflects light: ink on it is darker by a fraction of
			// the local paper brightness 1-b, so contrast is measured
			// relative to that, which evens out shadows.
			p.Pix[i] = (p.Pix[i] - b) / max(1-b, 0.05)
		} else {
			p.Pix[i] -= b
		}
	}
	med, sigma := robustSpread(p.Pix)
	candidate := med + max(6*sigma, 0.05)
	var ink []float32
	for _, v := range p.Pix {
		if v > candidate {
			ink = append(ink, v)
		}
	}
	if len(ink) == 0 {
		return nil, fmt.Errorf("%w: nothing stands out of the background", ErrNoDigit)
	}
	inkLevel := quantile(sortedCopy(ink), 0.9)
	cut := med + max(4*sigma, 0.1*(inkLevel-med))
	for i, v := range p.Pix {
		p.Pix[i] = min(max((v-cut)/(inkLevel-cut), 0), 1)
	}

	// 4. Specks.
	box, ok := removeSpecks(p, 0.05)
	if !ok {
		return nil, fmt.Errorf("%w: nothing stands out of the background", ErrNoDigit)
	}

	// 5. Stroke width.
	width := opts.StrokeWidth
	if width == 0 {
		width = DefaultStrokeWidth
	}
	crop := cropPadded(p, box, 0)
	if width > 0 {
		crop = widenStrokes(crop, width)
	}

	// 6. Scale the bounding box to fit 20×20.
	box = nonZeroBounds(crop)
	if box.Empty() {
		return nil, fmt.Errorf("%w: nothing stands out of the background", ErrNoDigit)
	}
	bw, bh := box.Dx(), box.Dy()
	long := max(bw, bh)
	sw := max(1, int(math.Round(float64(bw)*FitSize/float64(long))))
	sh := max(1, int(math.Round(float64(bh)*FitSize/float64(long))))
	src := crop.toGray16(box)
	dst := image.NewGray16(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	patch := gray16Plane(dst)

	// 7. Centre by centre of mass.
	cx, cy, mass := centreOfMass(patch)
	if mass == 0 {
		return nil, fmt.Errorf("%w: the digit vanished when scaled", ErrNoDigit)
	}
	ox := int(math.Floor(Size/2 - cx + 0.5))
	oy := int(math.Floor(Size/2 - cy + 0.5))
	out := tensor.New(1, Size, Size)
	var peak float32
	for y := 0; y < patch.H; y++ {
		ty := y + oy
		if ty < 0 || ty >= Size {
			continue
		}
		for x := 0; x < patch.W; x++ {
			tx := x + ox
			if tx < 0 || tx >= Size {
				continue
			}
			v := patch.at(x, y)
			out.Data[ty*Size+tx] = v
			peak = max(peak, v)
		}
	}

	// 8. Brightest pixel to 1.
	if peak == 0 {
		return nil, fmt.Errorf("%w: the digit fell outside the canvas", ErrNoDigit)
	}
	for i := range out.Data {
		out.Data[i] /= peak
	}
	return out, nil
}

// centreOfMass returns the intensity-weighted mean position of p's pixels,
// in coordinates where pixel (x, y) covers [x, x+1)×[y, y+1), and the total
// intensity.
func centreOfMass(p *plane) (cx, cy, mass float64) {
	for y := 0; y < p.H; y++ {
		for x := 0; x < p.W; x++ {
			v := float64(p.at(x, y))
			mass += v
			cx += v * (float64(x) + 0.5)
			cy += v * (float64(y) + 0.5)
		}
	}
	if mass == 0 {
		return 0, 0, 0
	}
	return cx / mass, cy / mass, mass
}

// nonZeroBounds returns the smallest rectangle holding every non-zero pixel
// of p (empty if there is none).
func nonZeroBounds(p *plane) image.Rectangle {
	r := image.Rectangle{}
	for y := 0; y < p.H; y++ {
		for x := 0; x < p.W; x++ {
			if p.at(x, y) > 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// cropPadded copies the rectangle r of p into a new plane with pad zero
// pixels added on every side.
func cropPadded(p *plane, r image.Rectangle, pad int) *plane {
	c := newPlane(r.Dx()+2*pad, r.Dy()+2*pad)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(c.Pix[(y-r.Min.Y+pad)*c.W+pad:], p.Pix[y*p.W+r.Min.X:y*p.W+r.Max.X])
	}
	return c
}

// removeSpecks erases the 8-connected groups of non-zero pixels of p whose
// total intensity is below frac times that of the heaviest group, and
// returns the bounding box of what is left (ok false if p is all zero).
func removeSpecks(p *plane, frac float64) (box image.Rectangle, ok bool) {
	label := make([]int32, len(p.Pix)) // 0: unvisited or background
	var mass []float64                 // mass[l-1] is the intensity of group l
	var stack []int
	for start, v := range p.Pix {
		if v <= 0 || label[start] != 0 {
			continue
		}
		l := int32(len(mass) + 1)
		m := 0.0
		label[start] = l
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			m += float64(p.Pix[i])
			x, y := i%p.W, i/p.W
			for yy := max(0, y-1); yy <= min(p.H-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(p.W-1, x+1); xx++ {
					j := yy*p.W + xx
					if p.Pix[j] > 0 && label[j] == 0 {
						label[j] = l
						stack = append(stack, j)
					}
				}
			}
		}
		mass = append(mass, m)
	}
	if len(mass) == 0 {
		return image.Rectangle{}, false
	}
	heaviest := 0.0
	for _, m := range mass {
		heaviest = max(heaviest, m)
	}
	for i, l := range label {
		if l == 0 {
			continue
		}
		if mass[l-1] < frac*heaviest {
			p.Pix[i] = 0
			continue
		}
		x, y := i%p.W, i/p.W
		box = box.Union(image.Rect(x, y, x+1, y+1))
	}
	return box, true
}

// widenStrokes returns the digit c (zero outside the ink) with its strokes
// widened so that, once its bounding box is scaled to FitSize pixels, they
// are at least width pixels wide.
//
// The stroke width is estimated from the "core" pixels (≥ 0.5) as
// 2·area/perimeter, which is exact for a long straight stroke. The
// perimeter counts the edges between core and non-core pixels, times π/4
// to undo the staircase of slanted and curved edges on a pixel grid.
//
// Widening by r pixels on each side makes strokes w+2r wide but also grows
// the bounding box from L to L+2r, so r solves
// (w+2r)·FitSize/(L+2r) = width.
func widenStrokes(c *plane, width float64) *plane {
	area, edges := 0, 0
	core := func(x, y int) bool {
		return x >= 0 && y >= 0 && x < c.W && y < c.H && c.at(x, y) >= 0.5
	}
	for y := 0; y < c.H; y++ {
		for x := 0; x < c.W; x++ {
			if !core(x, y) {
				continue
			}
			area++
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				if !core(x+d[0], y+d[1]) {
					edges++
				}
			}
		}
	}
	if area == 0 {
		return c
	}
	w := 2 * float64(area) / (float64(edges) * math.Pi / 4)
	long := float64(max(c.W, c.H))
	r := (width*long/FitSize - w) / (2 * (1 - width/FitSize))
	if r < 0.25 {
		return c
	}

	pad := int(math.Ceil(r)) + 1
	wide := cropPadded(c, image.Rect(0, 0, c.W, c.H), pad)
	mask := make([]bool, len(wide.Pix))
	for i, v := range wide.Pix {
		mask[i] = v >= 0.5
	}
	dist := distanceToMask(mask, wide.W, wide.H)
	for i, d := range dist {
		// Pixels within r of the core become ink, fading out over one
		// pixel beyond that.
		wide.Pix[i] = max(wide.Pix[i], min(max(float32(r)+0.5-d, 0), 1))
	}
	return wide
}
