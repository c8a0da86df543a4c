package plot

import (
	"image/color"
	"math"
)

// viridisStops are matplotlib's viridis colour map (by Stéfan van der Walt
// and Nathaniel Smith) sampled at 17 evenly spaced points, 0, 1/16, ..., 1:
// dark blue through teal and green to yellow. Between them Viridis
// interpolates linearly; the stops are close enough that the result is
// within a few levels of the 256-entry original.
var viridisStops = [17][3]uint8{
	{0x44, 0x01, 0x54}, {0x48, 0x18, 0x6a}, {0x47, 0x2d, 0x7b}, {0x42, 0x40, 0x86},
	{0x3b, 0x52, 0x8b}, {0x33, 0x63, 0x8d}, {0x2c, 0x72, 0x8e}, {0x26, 0x82, 0x8e},
	{0x21, 0x91, 0x8c}, {0x1f, 0xa0, 0x88}, {0x28, 0xae, 0x80}, {0x3f, 0xbc, 0x73},
	{0x5e, 0xc9, 0x62}, {0x84, 0xd4, 0x4b}, {0xad, 0xdc, 0x30}, {0xd8, 0xe2, 0x19},
	{0xfd, 0xe7, 0x25},
}

// Viridis returns the colour of t ∈ [0, 1] on the viridis colour map:
// 0 is dark blue, 0.5 teal, 1 yellow. Its lightness rises evenly with t,
// so equal steps in t look like equal steps, also in grey print and to
// the colour-blind. t outside [0, 1] is clamped; NaN is taken as 0.
func Viridis(t float64) color.RGBA {
	if !(t > 0) { // also NaN
		t = 0
	}
	t = min(t, 1) * float64(len(viridisStops)-1)
	i := min(int(t), len(viridisStops)-2)
	f := t - float64(i)
	a, b := viridisStops[i], viridisStops[i+1]
	var c [3]uint8
	for k := range c {
		c[k] = uint8(math.Round(float64(a[k])*(1-f) + float64(b[k])*f))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// viridisPalette is n colours evenly spaced along viridis, as gonum's
// heat maps take them (palette.Palette).
type viridisPalette int

func (n viridisPalette) Colors() []color.Color {
	cs := make([]color.Color, n)
	for i := range cs {
		cs[i] = Viridis(float64(i) / float64(n-1))
	}
	return cs
}
