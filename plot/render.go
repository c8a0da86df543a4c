package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	xfont "golang.org/x/image/font"
	gonum "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Format is the file format of a chart.
type Format string

// The formats a chart can be written in.
const (
	PNG Format = "png"
	SVG Format = "svg"
)

// FormatOf returns the format a file name's extension asks for: ".png"
// or ".svg", in any case.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".svg":
		return SVG, nil
	}
	return "", fmt.Errorf("%s: unknown picture format %q (want .png or .svg)", path, filepath.Ext(path))
}

// Options says how to write a chart. The zero value writes a PNG of the
// chart's default size.
type Options struct {
	Format        Format // PNG (the default) or SVG
	Width, Height int    // in pixels; 0 means the chart's default
	Title         string // replaces the chart's default title; "-" means none
}

// dpi is the resolution of PNG charts: the CSS pixel, 96 to the inch, so
// that the fonts' point sizes look the same in a PNG and an SVG.
const dpi = 96

// maxPixels bounds a chart's size, so that a mistyped size fails at once
// instead of asking for gigabytes.
const maxPixels = 1 << 14

// pixels returns a length in pixels as a vg.Length.
func pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// size returns the chart's size, from opt or the defaults.
func (opt Options) size(width, height int) (vg.Length, vg.Length, error) {
	if opt.Width != 0 {
		width = opt.Width
	}
	if opt.Height != 0 {
		height = opt.Height
	}
	if width < 1 || height < 1 || width > maxPixels || height > maxPixels {
		return 0, 0, fmt.Errorf("plot: chart size %dx%d outside 1x1 to %dx%d pixels", width, height, maxPixels, maxPixels)
	}
	return pixels(width), pixels(height), nil
}

// title returns the chart's title: opt.Title, or def when it is empty.
func (opt Options) title(def string) string {
	switch opt.Title {
	case "":
		return def
	case "-":
		return ""
	}
	return opt.Title
}

// render draws a chart of the given size with paint and writes it to w in
// opt.Format.
func render(w io.Writer, opt Options, width, height vg.Length, paint func(dc draw.Canvas)) error {
	switch opt.Format {
	case PNG, "":
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
		paint(draw.New(c))
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	case SVG:
		c := vgsvg.New(width, height)
		paint(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return err
		}
		// The SVG names the font the text was measured with; Arial and
		// Helvetica have the same metrics, so viewers without Liberation
		// Sans lay the text out the same.
		svg := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"),
			[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
		_, err := w.Write(svg)
		return err
	}
	return fmt.Errorf("plot: unknown format %q (want png or svg)", opt.Format)
}

// Type sizes, in points.
const (
	titleSize  = 13
	labelSize  = 11
	tickSize   = 10
	legendSize = 10
)

// sans returns the sans-serif font at the given size.
func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

// newPlot returns an empty gonum plot in the house style: sans-serif
// type, a bold title, light grey grid lines drawn by the caller.
func newPlot(title, xLabel, yLabel string) *gonum.Plot {
	p := gonum.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSize, true)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*gonum.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSize, false)
		a.Tick.Label.Font = sans(tickSize, false)
		a.Tick.Length = vg.Points(4)
		a.Padding = vg.Points(2)
	}
	p.Legend.TextStyle.Font = sans(legendSize, false)
	return p
}

// textStyle returns a text style for labels drawn by hand.
func textStyle(size vg.Length, c color.Color) text.Style {
	return text.Style{Color: c, Font: sans(size, false), Handler: gonum.DefaultTextHandler}
}
