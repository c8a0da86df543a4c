// Package augment makes seeded random changes to training images: shifts,
// small rotations and zooms, flips, quarter turns, random resized crops,
// and brightness and contrast jitter.
//
// Why it helps: a network trained on a few thousand photographs sees each
// of them many times and can end up memorising them, pixel for pixel,
// instead of learning what makes a "7" a seven or a mole a mole. A digit
// written two pixels further left, or slightly tilted, is still the same
// digit; a skin lesion photographed upside down or under brighter light is
// still the same lesion. Showing the network such plausible variations of
// each training image, a new one every time it comes round, teaches it that
// these differences do not matter, so it does better on images it has
// never seen. The changes must keep the label true (no flips for digits: a
// mirrored "2" is not a "2"), and they are made only to training batches:
// the validation and test sets are scored on the images as they are.
//
// A Pipeline is made from Options, or from a preset (Digits, Skin) or a
// spec string (Parse), and changes a batch in place:
//
//	p, err := augment.New(augment.Digits())
//	...
//	cfg.Augment = p.Apply // train.Config: called on each training batch
//
// Each image gets its own random draws, taken from the RNG in batch order,
// so the same RNG state gives the same augmented batch. All geometric
// changes of one image (flips, quarter turns, shift, rotation, zoom, crop) are
// combined into a single mapping from output pixels back to input pixels,
// and the image is resampled once: exactly, by copying pixels, when the
// mapping is a whole-pixel one (flips, quarter turns, shifts), and with
// bilinear interpolation when it rotates or zooms. Pixels that the mapping
// brings in from outside the image are filled with black (0). Every channel
// of an image gets the same geometry.
//
// Pixel values are taken to lie in [0, 1], and brightness and contrast
// changes are clamped back into that range. If the images have already
// been normalised (data.Normalization), set Options.Normalization: the
// pipeline then works in the normalised values exactly as it would have
// on the raw pixels, filling with the normalised black and clamping to
// the normalised [0, 1].
package augment

import (
	"fmt"
	"math"
	"slices"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/rng"
)

// Options say which random changes a Pipeline makes and how large they may
// be. Each enabled change is drawn independently for every image. The zero
// value changes nothing.
type Options struct {
	// Geometry.
	FlipH bool // mirror left–right, with probability 1/2
	FlipV bool // mirror top–bottom, with probability 1/2
	// Rot90 turns square images by 0°, 90°, 180° or 270°, each with
	// probability 1/4. A turn by 90° would not fit a non-square image in
	// its own frame, so those are turned by 0° or 180° only.
	Rot90 bool
	// Shift moves the image by a whole number of pixels drawn uniformly
	// from [-Shift, Shift], independently along x and y. This is the same
	// as padding with Shift black pixels on every side and cropping a
	// random window of the original size.
	Shift int
	// ShiftFrac, if set instead of Shift, gives the largest shift as a
	// fraction of the width (along x) and of the height (along y), rounded
	// down to whole pixels.
	ShiftFrac float64
	Rotate    float64 // rotate by an angle drawn uniformly from [-Rotate, Rotate] degrees
	Scale     float64 // zoom by a factor drawn uniformly from [1-Scale, 1+Scale], about the centre
	// Crop, if above 0, is a random resized crop, the last geometric
	// change: a window of a fraction of the image's area drawn uniformly
	// from [Crop, 1], of an aspect ratio drawn (on a log scale) from 3/4 to
	// 4/3 of the image's and cut to fit in it, at a random place inside
	// the image, stretched back to the image's size.
	Crop float64

	// Colour.
	Brightness float64 // add a value drawn uniformly from [-Brightness, Brightness] to every pixel
	// Contrast scales each channel's distance from its mean by a factor
	// drawn uniformly from [1-Contrast, 1+Contrast].
	Contrast float64
	// Saturation scales each pixel's distance from its gray (its luma) by
	// a factor drawn uniformly from [1-Saturation, 1+Saturation]; Hue
	// turns its colour about the gray axis by an angle drawn uniformly
	// from [-Hue, Hue] of a full turn. Both need colour images.
	Saturation float64
	Hue        float64
	// NoClamp leaves values that brightness and contrast push outside
	// [0, 1] as they are, instead of clamping them.
	NoClamp bool

	// Normalization, if set, is the per-channel normalisation already
	// applied to the images. Fill, clamp range and brightness are then
	// translated into normalised values, so that augmenting normalised
	// images gives the normalisation of the augmented raw images.
	Normalization *data.Normalization
}

// Validate reports the first option that is out of range.
func (o Options) Validate() error {
	if err := o.validate(); err != nil {
		return fmt.Errorf("augment: %w", err)
	}
	return nil
}

func (o Options) validate() error {
	switch {
	case o.Shift < 0:
		return fmt.Errorf("shift %d pixels, want at least 0", o.Shift)
	case !(o.ShiftFrac >= 0 && o.ShiftFrac < 1):
		return fmt.Errorf("shift of %g of the image size, want a fraction in [0, 1)", o.ShiftFrac)
	case o.Shift > 0 && o.ShiftFrac > 0:
		return fmt.Errorf("shift given both in pixels (%d) and as a fraction (%g); give one", o.Shift, o.ShiftFrac)
	case !(o.Rotate >= 0 && o.Rotate <= 180):
		return fmt.Errorf("rotation of up to %g degrees, want 0 to 180", o.Rotate)
	case !(o.Scale >= 0 && o.Scale < 1):
		return fmt.Errorf("zoom of 1±%g, want a spread in [0, 1)", o.Scale)
	case !(o.Crop >= 0 && o.Crop <= 1):
		return fmt.Errorf("crops of %g of the area or more, want a fraction in (0, 1] (0 for none)", o.Crop)
	case !(o.Brightness >= 0 && o.Brightness <= 1):
		return fmt.Errorf("brightness change of up to %g, want 0 to 1", o.Brightness)
	case !(o.Contrast >= 0 && o.Contrast <= 1):
		return fmt.Errorf("contrast factor 1±%g, want a spread in [0, 1]", o.Contrast)
	case !(o.Saturation >= 0 && o.Saturation <= 1):
		return fmt.Errorf("saturation factor 1±%g, want a spread in [0, 1]", o.Saturation)
	case !(o.Hue >= 0 && o.Hue <= 0.5):
		return fmt.Errorf("hue turns of up to %g of a full turn, want 0 to 0.5", o.Hue)
	}
	if n := o.Normalization; n != nil {
		if len(n.Mean) != len(n.Std) {
			return fmt.Errorf("normalisation has %d means and %d deviations", len(n.Mean), len(n.Std))
		}
		for c, s := range n.Std {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return fmt.Errorf("normalisation of channel %d has standard deviation %g", c, s)
			}
		}
	}
	return nil
}

// A Pipeline applies the random changes of its Options to batches of
// images. It keeps scratch space, sized on first use, so that once warmed
// up it allocates nothing. A Pipeline is not safe for concurrent use.
type Pipeline struct {
	opts     Options
	geometry bool // some geometric change is enabled
	colour   bool // brightness or contrast is enabled

	// Per channel, for the images last seen: the fill value, the clamp
	// range, and the size of one raw pixel unit (1/std when normalised).
	channels  int
	fill      []float32
	lo, hi    []float32
	pixelUnit []float32
	src       []float32 // scratch: a copy of one image
}

// New returns a pipeline that makes the changes o describes.
func New(o Options) (*Pipeline, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if n := o.Normalization; n != nil { // a copy, so later changes to n do not leak in
		o.Normalization = &data.Normalization{Mean: slices.Clone(n.Mean), Std: slices.Clone(n.Std)}
	}
	return &Pipeline{
		opts:     o,
		geometry: o.FlipH || o.FlipV || o.Rot90 || o.Shift > 0 || o.ShiftFrac > 0 || o.Rotate > 0 || o.Scale > 0 || o.Crop > 0,
		colour:   o.Brightness > 0 || o.Contrast > 0 || o.Saturation > 0 || o.Hue > 0,
	}, nil
}

// Options returns the options the pipeline was made with.
func (p *Pipeline) Options() Options { return p.opts }

// Check reports whether the pipeline can augment images of the given
// shape [C, H, W]; Apply panics on batches that fail it. Call it once when
// setting up training, with the training set's data.Dataset.Shape.
func (p *Pipeline) Check(shape []int) error {
	if len(shape) != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1 {
		return fmt.Errorf("augment: images of shape %v, want [C H W]", shape)
	}
	if n := p.opts.Normalization; n != nil && len(n.Mean) != shape[0] {
		return fmt.Errorf("augment: normalisation for %d channels, images have %d", len(n.Mean), shape[0])
	}
	if (p.opts.Saturation > 0 || p.opts.Hue > 0) && shape[0] != 3 {
		return fmt.Errorf("augment: saturation and hue need colour images of 3 channels, these have %d", shape[0])
	}
	return nil
}

// Apply changes every image of b in place, drawing each image's changes
// from r in batch order. Labels are left alone. Its signature fits
// train.Config.Augment.
func (p *Pipeline) Apply(b *data.Batch, r *rng.RNG) {
	if !p.geometry && !p.colour {
		return
	}
	shape := b.Images.Shape
	if len(shape) != 4 {
		panic(fmt.Sprintf("augment: batch of shape %v, want [N C H W]", shape))
	}
	if err := p.Check(shape[1:]); err != nil {
		panic(err.Error())
	}
	n, c, h, w := shape[0], shape[1], shape[2], shape[3]
	p.prepare(c, h*w)
	size := c * h * w
	for i := range n {
		p.transform(b.Images.Data[i*size:(i+1)*size], h, w, p.draw(r, h, w))
	}
}

// prepare sizes the scratch space for images of c channels of plane
// pixels each, and works out the per-channel values.
func (p *Pipeline) prepare(c, plane int) {
	if cap(p.src) < c*plane {
		p.src = make([]float32, c*plane)
	}
	p.src = p.src[:c*plane]
	if p.channels == c {
		return
	}
	p.channels = c
	p.fill, p.lo, p.hi = make([]float32, c), make([]float32, c), make([]float32, c)
	p.pixelUnit = make([]float32, c)
	for ch := range c {
		mean, std := float32(0), float32(1)
		if n := p.opts.Normalization; n != nil {
			mean, std = n.Mean[ch], n.Std[ch]
		}
		p.fill[ch] = (0 - mean) / std
		p.lo[ch], p.hi[ch] = (0-mean)/std, (1-mean)/std
		p.pixelUnit[ch] = 1 / std
	}
	if p.opts.NoClamp {
		for ch := range c {
			p.lo[ch], p.hi[ch] = float32(math.Inf(-1)), float32(math.Inf(1))
		}
	}
}

// draw holds the random choices for one image.
type draw struct {
	flipH, flipV bool
	quarter      int     // quarter turns, 0 to 3
	dx, dy       int     // shift in pixels
	angle        float64 // rotation, radians
	scale        float64 // zoom factor
	brightness   float32 // added, in raw pixel units
	contrast     float32 // factor
	saturation   float32 // factor
	hue          float64 // turn about the gray axis, radians
	// The crop takes output pixel (x, y) from (cropX + cropKX·x, cropY +
	// cropKY·y) of the image the other changes made.
	cropKX, cropKY, cropX, cropY float64
}

// identity is a draw that changes nothing.
var identity = draw{scale: 1, contrast: 1, saturation: 1, cropKX: 1, cropKY: 1}

// draw makes the random choices for one h×w image, in a fixed order.
func (p *Pipeline) draw(r *rng.RNG, h, w int) draw {
	o := &p.opts
	d := identity
	if o.FlipH {
		d.flipH = r.IntN(2) == 1
	}
	if o.FlipV {
		d.flipV = r.IntN(2) == 1
	}
	if o.Rot90 {
		if h == w {
			d.quarter = r.IntN(4)
		} else {
			d.quarter = 2 * r.IntN(2)
		}
	}
	maxX, maxY := o.Shift, o.Shift
	if o.ShiftFrac > 0 {
		maxX, maxY = int(o.ShiftFrac*float64(w)), int(o.ShiftFrac*float64(h))
	}
	if maxX > 0 || maxY > 0 {
		d.dx = r.IntN(2*maxX+1) - maxX
		d.dy = r.IntN(2*maxY+1) - maxY
	}
	if o.Rotate > 0 {
		d.angle = uniform(r, o.Rotate) * math.Pi / 180
	}
	if o.Scale > 0 {
		d.scale = 1 + uniform(r, o.Scale)
	}
	if o.Brightness > 0 {
		d.brightness = float32(uniform(r, o.Brightness))
	}
	if o.Contrast > 0 {
		d.contrast = float32(1 + uniform(r, o.Contrast))
	}
	if o.Crop > 0 {
		area := o.Crop + (1-o.Crop)*r.Float64()
		ratio := math.Exp(uniform(r, math.Log(4.0/3)))
		d.cropKX = min(1, math.Sqrt(area*ratio))
		d.cropKY = min(1, math.Sqrt(area/ratio))
		// The window's pixel centres run from cropX to cropX + cropKX·(w−1),
		// inside the image's.
		d.cropX = r.Float64() * float64(w-1) * (1 - d.cropKX)
		d.cropY = r.Float64() * float64(h-1) * (1 - d.cropKY)
	}
	if o.Saturation > 0 {
		d.saturation = float32(1 + uniform(r, o.Saturation))
	}
	if o.Hue > 0 {
		d.hue = uniform(r, o.Hue) * 2 * math.Pi
	}
	return d
}

// uniform returns a value drawn uniformly from [-limit, limit).
func uniform(r *rng.RNG, limit float64) float64 { return (2*r.Float64() - 1) * limit }

// transform applies the draw d to one image [C, h, w] in place: colour
// first, so that the black brought in by the geometry stays black, then
// the geometry.
func (p *Pipeline) transform(img []float32, h, w int, d draw) {
	colour := d.brightness != 0 || d.contrast != 1 || d.saturation != 1 || d.hue != 0
	m, exact := d.inverseMap(h, w)
	if m == identityMap {
		if colour {
			p.adjustColour(img, img, h*w, d)
		}
		return
	}
	if colour {
		p.adjustColour(p.src, img, h*w, d)
	} else {
		copy(p.src, img)
	}
	if exact {
		permute(img, p.src, h, w, m, p.fill)
	} else {
		p.bilinear(img, p.src, h, w, m)
	}
}
