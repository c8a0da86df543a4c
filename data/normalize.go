package data

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/tensor"
)

// Normalization shifts and scales each channel of an image,
//
//	x' = (x − Mean[c]) / Std[c]
//
// so that, over the training set, every channel has mean 0 and standard
// deviation 1. Networks train faster on inputs centred this way. The
// statistics come from the training set only and are applied unchanged to
// the validation and test sets and to any image the model later sees, so
// they are saved with a model.
type Normalization struct {
	Mean, Std []float32 // one per channel
}

// ComputeNormalization returns the mean and standard deviation of each
// channel of d's images, over every pixel of every image. A channel with
// no spread at all gets Std 1, so that Apply only centres it.
//
// For 8-bit images the sums are taken over the pixels' values in the same
// order as for float32 ones, so that a dataset gets the same statistics,
// to the bit, in either form.
func ComputeNormalization(d *Dataset) Normalization {
	shape := d.imageShape()
	n, c := shape[0], shape[1]
	plane := tensor.Size(shape[2:])
	sum := make([]float64, c)
	sumSq := make([]float64, c)
	for i := range n {
		for ch := range c {
			var s, ss float64
			if p := d.Pixels; p != nil {
				levels := &p.Levels[ch]
				for _, b := range p.Data[(i*c+ch)*plane : (i*c+ch+1)*plane] {
					v := levels[b]
					s += float64(v)
					ss += float64(v) * float64(v)
				}
			} else {
				for _, v := range d.Images.Data[(i*c+ch)*plane : (i*c+ch+1)*plane] {
					s += float64(v)
					ss += float64(v) * float64(v)
				}
			}
			sum[ch] += s
			sumSq[ch] += ss
		}
	}
	norm := Normalization{Mean: make([]float32, c), Std: make([]float32, c)}
	count := float64(n * plane)
	for ch := range c {
		if count == 0 {
			norm.Std[ch] = 1
			continue
		}
		mean := sum[ch] / count
		variance := max(sumSq[ch]/count-mean*mean, 0)
		std := math.Sqrt(variance)
		if std < 1e-12 {
			std = 1
		}
		norm.Mean[ch], norm.Std[ch] = float32(mean), float32(std)
	}
	return norm
}

// Apply normalises d's images in place. For 8-bit images it normalises
// the table of the values each byte stands for (Pixels.Levels), which
// gives every pixel the value ApplyImages would give it.
func (n Normalization) Apply(d *Dataset) error {
	if p := d.Pixels; p != nil {
		if err := n.check(len(p.Levels)); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
		for ch := range p.Levels {
			n.channel(p.Levels[ch][:], ch)
		}
		return nil
	}
	if err := n.ApplyImages(d.Images); err != nil {
		return fmt.Errorf("%s: %w", d.Name, err)
	}
	return nil
}

// ApplyImages normalises a batch of images [N, C, H, W] in place.
func (n Normalization) ApplyImages(t *tensor.Tensor) error {
	if len(t.Shape) != 4 {
		return fmt.Errorf("normalising images of shape %s: want [N C H W]", tensor.ShapeString(t.Shape))
	}
	c := t.Shape[1]
	if err := n.check(c); err != nil {
		return err
	}
	plane := tensor.Size(t.Shape[2:])
	for i := range t.Shape[0] {
		for ch := range c {
			n.channel(t.Data[(i*c+ch)*plane:(i*c+ch+1)*plane], ch)
		}
	}
	return nil
}

// check reports whether n can normalise images of c channels.
func (n Normalization) check(c int) error {
	if len(n.Mean) != c || len(n.Std) != c {
		return fmt.Errorf("normalisation has %d means and %d deviations for images of %d channels", len(n.Mean), len(n.Std), c)
	}
	for ch, s := range n.Std {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("normalisation of channel %d has standard deviation %g", ch, s)
		}
	}
	return nil
}

// channel normalises values of channel ch in place.
func (n Normalization) channel(px []float32, ch int) {
	mean, inv := n.Mean[ch], 1/n.Std[ch]
	for j, v := range px {
		px[j] = (v - mean) * inv
	}
}
