package inspect

import (
	"image"
	"image/color"
	"testing"

	"github.com/gocnn/gocnn/plot"
	"github.com/gocnn/gocnn/tensor"
)

// TestFigureFrame draws feature maps and filters with and without a
// title and checks the frame: the tiles unchanged beside their numbers,
// the title written, each tile's number different, and a colour scale
// that runs from the map's lowest colour to its highest (from black
// through mid-grey to white for filters).
func TestFigureFrame(t *testing.T) {
	// Three identical maps: their tiles differ only by their numbers.
	maps := tensor.New(3, 4, 4)
	for i := range maps.Data {
		maps.Data[i] = float32(i % 16)
	}
	opt := GridOptions{MinTile: 32, Columns: 3}
	plain, err := FeatureMaps(maps, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Title = "Layer 0 conv2d: 3 maps of 4x4"
	fig, err := FeatureMaps(maps, opt)
	if err != nil {
		t.Fatal(err)
	}
	pw, ph := plain.Bounds().Dx(), plain.Bounds().Dy()
	if fig.Bounds().Dy() != ph+titleBand+scaleBand || fig.Bounds().Dx() < pw {
		t.Fatalf("figure %v for tiles of %dx%d: want %d high, at least %d wide", fig.Bounds().Size(), pw, ph, ph+titleBand+scaleBand, pw)
	}
	left := (fig.Bounds().Dx() - pw) / 2
	at := func(x, y int) color.RGBA { return fig.RGBAAt(left+x, titleBand+y) }

	// Away from the numbers in their corners, the tiles are the plain ones.
	for y := 16; y < ph; y++ {
		for x := 0; x < pw; x++ {
			if at(x, y) != plain.RGBAAt(x, y) {
				t.Fatalf("tile pixel (%d, %d) is %v in the figure, %v without the frame", x, y, at(x, y), plain.RGBAAt(x, y))
			}
		}
	}
	// Each tile's corner holds its own number.
	ink, _, _ := frameColours()
	corner := func(tile int) []color.RGBA {
		var px []color.RGBA
		x0, y0 := 2+tile*(32+2), 2
		for y := y0; y < y0+13; y++ {
			for x := x0; x < x0+8; x++ {
				px = append(px, at(x, y))
			}
		}
		return px
	}
	c0, c1, c2 := corner(0), corner(1), corner(2)
	if equal(c0, c1) || equal(c1, c2) || !has(c0, ink) {
		t.Error("the tiles' corners do not hold their numbers")
	}
	// The title is written in its band.
	band := fig.SubImage(image.Rect(0, 0, fig.Bounds().Dx(), titleBand)).(*image.RGBA)
	if !hasIn(band, ink) {
		t.Error("no title in the band above the tiles")
	}
	// The colour scale runs from the lowest colour to the highest.
	scaleAt := func(img *image.RGBA, f float64) color.RGBA {
		x0 := (img.Bounds().Dx() - scaleWidth) / 2
		return img.RGBAAt(x0+int(f*float64(scaleWidth-1)), img.Bounds().Dy()-scaleBand+6+scaleBar/2)
	}
	if lo, hi := scaleAt(fig, 0), scaleAt(fig, 1); lo != plot.Viridis(0) || hi != plot.Viridis(1) {
		t.Errorf("the maps' scale runs from %v to %v, want %v to %v", lo, hi, plot.Viridis(0), plot.Viridis(1))
	}

	w := tensor.New(2, 3, 3, 3)
	for i := range w.Data {
		w.Data[i] = float32(i%7) - 3
	}
	filters, err := Filters(w, GridOptions{MinTile: 24, Title: "Layer 0 conv2d: 2 filters of 3x3 over 3 input channels"})
	if err != nil {
		t.Fatal(err)
	}
	lo, mid, hi := scaleAt(filters, 0), scaleAt(filters, 0.5), scaleAt(filters, 1)
	if lo.R != 0 || hi.R != 255 || mid.R < 126 || mid.R > 129 || lo.R != lo.G || mid.G != mid.B {
		t.Errorf("the filters' scale is %v, %v, %v at its ends and middle; want black, mid-grey, white", lo, mid, hi)
	}
}

func equal(a, b []color.RGBA) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func has(px []color.RGBA, c color.RGBA) bool {
	for _, p := range px {
		if p == c {
			return true
		}
	}
	return false
}

func hasIn(img *image.RGBA, c color.RGBA) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				return true
			}
		}
	}
	return false
}
