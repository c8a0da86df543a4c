package inspect

import (
	"image"
	"image/color"
	"image/draw"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/gocnn/gocnn/plot"
)

// A picture with GridOptions.Title set is framed as a figure: the title
// in a band above the tiles, each tile's number in its top-left corner,
// and below the tiles a colour scale that says what the colours mean.
// The text is the 7×13 pixel font of golang.org/x/image, which needs no
// font file.

// Sizes of the frame, in pixels.
const (
	titleBand  = 24 // height of the band holding the title
	scaleBand  = 52 // height of the band holding the colour scale
	scaleWidth = 256
	scaleBar   = 12 // height of the scale's colour bar
	margin     = 6
)

// The frame's colours: dark text on white, and a tile's number on a
// translucent white patch so that it reads on any tile.
func frameColours() (ink, paper color.RGBA, patch color.NRGBA) {
	return color.RGBA{0x1d, 0x22, 0x30, 255}, color.RGBA{255, 255, 255, 255}, color.NRGBA{255, 255, 255, 210}
}

// colourScale is the legend under a picture: a bar running through
// colour(t) for t from 0 to 1, the words at its two ends and its middle
// (mid may be empty), and a note after it.
type colourScale struct {
	colour         func(t float64) color.RGBA
	low, mid, high string
	note           string
}

// mapScale is the legend of feature maps.
func mapScale() colourScale {
	return colourScale{
		colour: plot.Viridis,
		low:    "lowest", high: "highest",
		note: "each map scaled to its own range",
	}
}

// weightScale is the legend of filters: a weight of zero is mid-grey.
func weightScale(colourTiles bool) colourScale {
	s := colourScale{
		colour: func(t float64) color.RGBA {
			g := uint8(t*255 + 0.5)
			return color.RGBA{g, g, g, 255}
		},
		low: "-max", mid: "0", high: "+max",
		note: "each filter scaled by its largest weight",
	}
	if colourTiles {
		s.note = "red, green and blue each: " + s.note
	}
	return s
}

// tileLabel names tile i in a picture; nil leaves tiles unnumbered.
type tileLabel = func(i int) string

// frame returns the n tiles of img, laid out as l says, framed as a
// figure: title above, every tile numbered by label, and the colour scale
// below.
func frame(img *image.RGBA, l layout, n int, title string, label tileLabel, scale *colourScale) *image.RGBA {
	cols, tw, th, gap := l.cols, l.tileW, l.tileH, l.gap
	face := basicfont.Face7x13
	ink, paper, patch := frameColours()
	width := img.Bounds().Dx()
	width = max(width, textWidth(face, title)+2*margin)
	height := titleBand + img.Bounds().Dy()
	if scale != nil {
		width = max(width, scaleWidth+2*margin, textWidth(face, scale.note)+2*margin)
		height += scaleBand
	}
	out := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(out, out.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	left := (width - img.Bounds().Dx()) / 2
	draw.Draw(out, img.Bounds().Add(image.Pt(left, titleBand)), img, image.Point{}, draw.Src)
	writeText(out, face, margin, titleBand-8, title, ink)

	if label != nil {
		for i := range n {
			s := label(i)
			x0 := left + gap + (i%cols)*(tw+gap)
			y0 := titleBand + gap + (i/cols)*(th+gap)
			w := min(textWidth(face, s)+2, tw)
			h := min(face.Height, th)
			draw.Draw(out, image.Rect(x0, y0, x0+w, y0+h), image.NewUniform(patch), image.Point{}, draw.Over)
			writeText(out, face, x0+1, y0+face.Ascent, s, ink)
		}
	}
	if scale != nil {
		y0 := titleBand + img.Bounds().Dy() + 6
		x0 := (width - scaleWidth) / 2
		for x := range scaleWidth {
			c := scale.colour(float64(x) / float64(scaleWidth-1))
			for y := y0; y < y0+scaleBar; y++ {
				out.SetRGBA(x0+x, y, c)
			}
		}
		base := y0 + scaleBar + face.Ascent + 1
		writeText(out, face, x0, base, scale.low, ink)
		if scale.mid != "" {
			writeText(out, face, x0+(scaleWidth-textWidth(face, scale.mid))/2, base, scale.mid, ink)
		}
		writeText(out, face, x0+scaleWidth-textWidth(face, scale.high), base, scale.high, ink)
		writeText(out, face, (width-textWidth(face, scale.note))/2, base+face.Height+1, scale.note, ink)
	}
	return out
}

// numbered labels tile i with i itself: a channel's or a filter's index,
// counted from 0 as in the tensor.
func numbered(i int) string { return strconv.Itoa(i) }

func textWidth(face font.Face, s string) int {
	return font.MeasureString(face, s).Ceil()
}

func writeText(dst draw.Image, face font.Face, x, baseline int, s string, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, baseline)}
	d.DrawString(s)
}
