package data

import (
	"fmt"

	"github.com/gocnn/gocnn/tensor"
)

// Pixels holds images of 8-bit values as they are stored (MNIST's IDX
// files, the HAM10000 cache): one byte per value, a quarter of the memory
// that float32 takes. A network wants float32, so the bytes are converted
// when a batch is built (Batches), a batch at a time, and memory grows
// with the batch rather than with the dataset.
//
// Converting a byte is a table lookup: Levels[c][v] is the value that
// byte v stands for in channel c. As loaded, that is v/255, so pixels span
// [0, 1]. A map applied to every value of a channel, such as a
// normalisation (Normalization.Apply), is applied to the 256 entries of
// the channel's table instead, which gives every pixel exactly the value
// it would have had if the map had been applied to a float32 copy of the
// images, bit for bit, at the cost of 256 operations rather than one per
// pixel.
type Pixels struct {
	Shape  []int          // [N, C, H, W]
	Data   []byte         // N·C·H·W values, [N, C, H, W] order
	Levels [][256]float32 // Levels[c][v]: the value byte v stands for in channel c
}

// NewPixels returns images [n, c, h, w] held as the bytes data, which it
// keeps (not a copy), each byte v standing for v/255.
func NewPixels(data []byte, n, c, h, w int) (*Pixels, error) {
	p := &Pixels{Shape: []int{n, c, h, w}, Data: data, Levels: make([][256]float32, max(c, 0))}
	if n < 0 || c < 1 || h < 1 || w < 1 {
		return nil, fmt.Errorf("8-bit images of shape %s: want N ≥ 0 and C, H, W ≥ 1", tensor.ShapeString(p.Shape))
	}
	if want := n * c * h * w; len(data) != want {
		return nil, fmt.Errorf("8-bit images of shape %s need %d bytes, got %d", tensor.ShapeString(p.Shape), want, len(data))
	}
	for ch := range p.Levels {
		p.Levels[ch] = UnitLevels()
	}
	return p, nil
}

// UnitLevels returns the table that maps byte v to v/255, the value an
// 8-bit pixel has before any normalisation.
func UnitLevels() [256]float32 {
	var t [256]float32
	for v := range t {
		t[v] = float32(v) / 255
	}
	return t
}

// validate checks that the shape, the bytes and the tables agree.
func (p *Pixels) validate() error {
	if len(p.Shape) != 4 {
		return fmt.Errorf("8-bit images have shape %s, want [N C H W]", tensor.ShapeString(p.Shape))
	}
	if tensor.Size(p.Shape) != len(p.Data) {
		return fmt.Errorf("8-bit images of shape %s need %d bytes, got %d", tensor.ShapeString(p.Shape), tensor.Size(p.Shape), len(p.Data))
	}
	if len(p.Levels) != p.Shape[1] {
		return fmt.Errorf("8-bit images of %d channels have %d value tables", p.Shape[1], len(p.Levels))
	}
	return nil
}

// exampleSize is the number of bytes in one image.
func (p *Pixels) exampleSize() int { return tensor.Size(p.Shape[1:]) }

// decode writes the values of image i into dst, which holds one image.
func (p *Pixels) decode(dst []float32, i int) {
	s := p.exampleSize()
	src := p.Data[i*s : (i+1)*s]
	plane := s / len(p.Levels)
	for ch := range p.Levels {
		levels := &p.Levels[ch]
		in := src[ch*plane : (ch+1)*plane]
		out := dst[ch*plane : (ch+1)*plane]
		out = out[:len(in)]
		for j, v := range in {
			out[j] = levels[v]
		}
	}
}

// subset returns a copy of images idx, in that order, with a copy of the
// tables.
func (p *Pixels) subset(idx []int) *Pixels {
	s := p.exampleSize()
	out := &Pixels{
		Shape:  append([]int{len(idx)}, p.Shape[1:]...),
		Data:   make([]byte, len(idx)*s),
		Levels: append([][256]float32(nil), p.Levels...),
	}
	for j, i := range idx {
		copy(out.Data[j*s:(j+1)*s], p.Data[i*s:(i+1)*s])
	}
	return out
}
