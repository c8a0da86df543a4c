package inspect

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/plot"
	"github.com/gocnn/gocnn/tensor"
)

// GridOptions says how a picture lays out its tiles. The zero value gives
// tiles of at least 64 pixels, 2 pixels apart, in a near-square grid.
type GridOptions struct {
	// MinTile is the least length, in pixels, of a tile's longer side:
	// each value becomes a block of k×k pixels, k the smallest whole
	// number that makes the tile at least this long (and at least 1).
	// 0 means 64.
	MinTile int
	// Gap is the space between tiles and around them, in pixels; 0 means
	// 2 and a negative value none.
	Gap int
	// Columns is the number of tiles in a row; 0 means about as many as
	// there are rows.
	Columns int
	// Background fills the gaps; nil means white.
	Background color.Color
	// Title, when set, makes the picture a figure: the title above the
	// tiles, each tile's number (its channel or filter, from 0) in its
	// corner, and a colour scale below saying what the colours mean.
	Title string
}

// layout is where grid put its tiles: cols to a row, each tileW×tileH
// pixels, gap pixels apart.
type layout struct{ cols, tileW, tileH, gap int }

// maxTiles and maxSide bound a picture, so that a huge layer gives an
// error rather than a picture of gigabytes.
const (
	maxTiles = 4096
	maxSide  = 1 << 14
)

// grid draws n tiles of h×w values, the colour of value (y, x) of tile i
// given by at, laid out as opt says.
func grid(n, h, w int, opt GridOptions, at func(i, y, x int) color.RGBA) (*image.RGBA, layout, error) {
	if n < 1 || h < 1 || w < 1 {
		return nil, layout{}, fmt.Errorf("inspect: nothing to draw (%d tiles of %dx%d)", n, h, w)
	}
	if n > maxTiles {
		return nil, layout{}, fmt.Errorf("inspect: %d tiles are more than the %d a picture may have", n, maxTiles)
	}
	minTile := opt.MinTile
	if minTile == 0 {
		minTile = 64
	}
	gap := opt.Gap
	switch {
	case gap == 0:
		gap = 2
	case gap < 0:
		gap = 0
	}
	cols := opt.Columns
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	scale := max(1, (minTile+max(h, w)-1)/max(h, w))
	tw, th := w*scale, h*scale
	width, height := cols*tw+(cols+1)*gap, rows*th+(rows+1)*gap
	if width > maxSide || height > maxSide {
		return nil, layout{}, fmt.Errorf("inspect: a picture of %dx%d pixels is over the limit of %d", width, height, maxSide)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	bg := color.RGBAModel.Convert(color.White).(color.RGBA)
	if opt.Background != nil {
		bg = color.RGBAModel.Convert(opt.Background).(color.RGBA)
	}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = bg.R, bg.G, bg.B, bg.A
	}
	for i := range n {
		x0 := gap + (i%cols)*(tw+gap)
		y0 := gap + (i/cols)*(th+gap)
		for y := range h {
			for x := range w {
				c := at(i, y, x)
				for dy := range scale {
					row := img.PixOffset(x0+x*scale, y0+y*scale+dy)
					for dx := range scale {
						copy(img.Pix[row+4*dx:], []uint8{c.R, c.G, c.B, c.A})
					}
				}
			}
		}
	}
	return img, layout{cols, tw, th, gap}, nil
}

// FeatureMaps draws a layer's output [C, H, W] as a grid of C tiles, one
// per channel, in the viridis colour map. Each channel is scaled to its
// own range, its least value dark blue and its greatest yellow, so that
// its pattern shows whatever its size; a channel that is the same
// everywhere (a ReLU that never fired) is all dark.
func FeatureMaps(maps *tensor.Tensor, opt GridOptions) (*image.RGBA, error) {
	if len(maps.Shape) != 3 {
		return nil, fmt.Errorf("inspect: feature maps must be [channels height width], got %s", tensor.ShapeString(maps.Shape))
	}
	c, h, w := maps.Shape[0], maps.Shape[1], maps.Shape[2]
	lo, span := make([]float64, c), make([]float64, c)
	for i := range c {
		lo[i], span[i] = rangeOf(maps.Data[i*h*w : (i+1)*h*w])
	}
	img, l, err := grid(c, h, w, opt, func(i, y, x int) color.RGBA {
		v := float64(maps.Data[(i*h+y)*w+x])
		if span[i] == 0 {
			return plot.Viridis(0)
		}
		return plot.Viridis((v - lo[i]) / span[i])
	})
	if err != nil || opt.Title == "" {
		return img, err
	}
	legend := mapScale()
	return frame(img, l, c, opt.Title, numbered, &legend), nil
}

// Filters draws a convolution's weights [out, in, kh, kw] as a grid of
// tiles. For a 1-channel input each filter is a grey tile; for a
// 3-channel input each is a colour tile (its three input channels as red,
// green and blue). Each filter is scaled by its own largest weight, in
// absolute value, and zero is the middle: mid-grey for a weight of zero,
// white for the most positive, black for the most negative (per colour
// channel, for colour tiles). For other numbers of input channels, every
// (filter, channel) pair gets a grey tile, a row of them per filter.
//
// The default background is a slate blue, which no grey tile blends into.
func Filters(weight *tensor.Tensor, opt GridOptions) (*image.RGBA, error) {
	if len(weight.Shape) != 4 {
		return nil, fmt.Errorf("inspect: filters must be [out in height width], got %s", tensor.ShapeString(weight.Shape))
	}
	out, in, h, w := weight.Shape[0], weight.Shape[1], weight.Shape[2], weight.Shape[3]
	if opt.Background == nil {
		opt.Background = color.RGBA{0x5a, 0x74, 0x94, 255}
	}
	size := in * h * w
	scale := make([]float64, out)
	for o := range out {
		for _, v := range weight.Data[o*size : (o+1)*size] {
			scale[o] = max(scale[o], math.Abs(float64(v)))
		}
	}
	level := func(o int, v float32) uint8 {
		if scale[o] == 0 {
			return 128
		}
		return uint8(math.Round(127.5 + 127.5*float64(v)/scale[o]))
	}
	if in == 3 {
		img, l, err := grid(out, h, w, opt, func(o, y, x int) color.RGBA {
			base := o*size + y*w + x
			return color.RGBA{level(o, weight.Data[base]), level(o, weight.Data[base+h*w]), level(o, weight.Data[base+2*h*w]), 255}
		})
		if err != nil || opt.Title == "" {
			return img, err
		}
		legend := weightScale(true)
		return frame(img, l, out, opt.Title, numbered, &legend), nil
	}
	if in > 1 && opt.Columns == 0 {
		opt.Columns = in
	}
	img, l, err := grid(out*in, h, w, opt, func(i, y, x int) color.RGBA {
		g := level(i/in, weight.Data[i*h*w+y*w+x])
		return color.RGBA{g, g, g, 255}
	})
	if err != nil || opt.Title == "" {
		return img, err
	}
	label := numbered
	if in > 1 {
		// A row per filter, a tile per input channel: "filter.channel".
		label = func(i int) string { return fmt.Sprintf("%d.%d", i/in, i%in) }
	}
	legend := weightScale(false)
	return frame(img, l, out*in, opt.Title, label, &legend), nil
}

// InputImage draws one input [C, H, W] as the network saw it, with the
// input normalisation of in undone: grey for one channel, colour for
// three (for other numbers, the first channel in grey). Values are
// clipped to [0, 1]. With the zero GridOptions it is enlarged to at
// least 64 pixels.
func InputImage(x *tensor.Tensor, in model.Input, opt GridOptions) (*image.RGBA, error) {
	if len(x.Shape) != 3 {
		return nil, fmt.Errorf("inspect: an input must be [channels height width], got %s", tensor.ShapeString(x.Shape))
	}
	c, h, w := x.Shape[0], x.Shape[1], x.Shape[2]
	if len(in.Mean) != 0 && (len(in.Mean) != c || len(in.Std) != c) {
		return nil, fmt.Errorf("inspect: input normalisation for %d channels, the input has %d", len(in.Mean), c)
	}
	level := func(ch, i int) uint8 {
		v := float64(x.Data[ch*h*w+i])
		if len(in.Mean) > 0 {
			v = v*float64(in.Std[ch]) + float64(in.Mean[ch])
		}
		return uint8(math.Round(255 * min(max(v, 0), 1)))
	}
	opt.Gap = -1
	img, l, err := grid(1, h, w, opt, func(_, y, xx int) color.RGBA {
		i := y*w + xx
		if c == 3 {
			return color.RGBA{level(0, i), level(1, i), level(2, i), 255}
		}
		g := level(0, i)
		return color.RGBA{g, g, g, 255}
	})
	if err != nil || opt.Title == "" {
		return img, err
	}
	return frame(img, l, 1, opt.Title, nil, nil), nil
}

// rangeOf returns the least value of v and the span up to the greatest.
func rangeOf(v []float32) (lo, span float64) {
	mn, mx := v[0], v[0]
	for _, x := range v {
		mn, mx = min(mn, x), max(mx, x)
	}
	return float64(mn), float64(mx) - float64(mn)
}
