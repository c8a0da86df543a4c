package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	gonum "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gocnn/gocnn/train"
)

// Default size of the training curves, in pixels.
const (
	CurvesWidth  = 1000
	CurvesHeight = 420
)

// split is one of the sets a run is measured on: train, val or test.
type split struct {
	name     string
	loss     func(train.Epoch) float64
	accuracy func(train.Epoch) float64
	dashes   []vg.Length // line pattern when runs are told apart by colour
}

var splits = []split{
	{"train", func(e train.Epoch) float64 { return e.TrainLoss }, func(e train.Epoch) float64 { return e.TrainAccuracy }, nil},
	{"val", func(e train.Epoch) float64 { return e.ValLoss }, func(e train.Epoch) float64 { return e.ValAccuracy },
		[]vg.Length{vg.Points(7), vg.Points(3.5)}},
	{"test", func(e train.Epoch) float64 { return e.TestLoss }, func(e train.Epoch) float64 { return e.TestAccuracy },
		[]vg.Length{vg.Points(1.5), vg.Points(2.5)}},
}

// has reports whether run r measured split s: the train split always,
// the val and test splits when some epoch has figures for them (the log
// leaves them out when there was no such set).
func (s split) has(r Run) bool {
	for _, e := range r.Epochs {
		if s.loss(e) != 0 || s.accuracy(e) != 0 {
			return true
		}
	}
	return false
}

// seriesColors are the colours of the lines: matplotlib's "tab10", which
// stay apart for most kinds of colour blindness.
var seriesColors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 255}, {0xff, 0x7f, 0x0e, 255}, {0x2c, 0xa0, 0x2c, 255}, {0xd6, 0x27, 0x28, 255},
	{0x94, 0x67, 0xbd, 255}, {0x8c, 0x56, 0x4b, 255}, {0xe3, 0x77, 0xc2, 255}, {0x7f, 0x7f, 0x7f, 255},
	{0xbc, 0xbd, 0x22, 255}, {0x17, 0xbe, 0xcf, 255},
}

// maxGlyphEpochs is the most epochs a line marks each epoch of with a dot.
const maxGlyphEpochs = 30

// Curves draws the training curves of one or more runs: the loss per
// epoch on the left, the accuracy (in percent) on the right, with a line
// for each set the run was measured on (train, and val and test when the
// log has them), and a legend along the bottom.
//
// One run is drawn with a colour per set. Several runs, to compare them,
// get a colour per run and a line pattern per set: solid for train,
// dashed for val, dotted for test. The default title is the runs' names.
func Curves(w io.Writer, runs []Run, opt Options) error {
	if len(runs) == 0 {
		return errors.New("plot: no runs to draw")
	}
	for _, r := range runs {
		if len(r.Epochs) == 0 {
			return fmt.Errorf("plot: run %q has no epochs", r.Name)
		}
	}
	width, height, err := opt.size(CurvesWidth, CurvesHeight)
	if err != nil {
		return err
	}
	names := make([]string, len(runs))
	for i, r := range runs {
		names[i] = r.Name
	}
	title := opt.title(strings.Join(names, " vs "))

	loss := newPlot("Loss", "epoch", "cross-entropy loss")
	acc := newPlot("Accuracy", "epoch", "accuracy (%)")
	var legend []legendEntry
	multi := len(runs) > 1
	used := make([]bool, len(splits))
	for ri, r := range runs {
		for si, s := range splits {
			if !s.has(r) {
				continue
			}
			used[si] = true
			style := draw.LineStyle{Width: vg.Points(1.8)}
			if multi {
				style.Color = seriesColors[ri%len(seriesColors)]
				style.Dashes = s.dashes
			} else {
				style.Color = seriesColors[si]
			}
			glyphs := len(r.Epochs) <= maxGlyphEpochs
			if err := addSeries(loss, r.Epochs, s.loss, 1, style, glyphs); err != nil {
				return err
			}
			if err := addSeries(acc, r.Epochs, s.accuracy, 100, style, glyphs); err != nil {
				return err
			}
			if !multi {
				legend = append(legend, legendEntry{s.name, style})
			}
		}
		if multi {
			legend = append(legend, legendEntry{r.Name, draw.LineStyle{Width: vg.Points(1.8), Color: seriesColors[ri%len(seriesColors)]}})
		}
	}
	if multi { // then the line patterns
		for si, s := range splits {
			if used[si] {
				legend = append(legend, legendEntry{s.name, draw.LineStyle{Width: vg.Points(1.8), Color: color.Gray{0x60}, Dashes: s.dashes}})
			}
		}
	}
	for _, p := range []*gonum.Plot{loss, acc} {
		p.Add(grid())
		p.X.Tick.Marker = niceTicks{integer: true}
		p.Y.Tick.Marker = niceTicks{}
		padRange(&p.X, 0.03, 0.5)
		padRange(&p.Y, 0.06, 0)
	}

	return render(w, opt, width, height, func(dc draw.Canvas) {
		dc = drawTitle(dc, title)
		dc = drawLegend(dc, legend)
		tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(28), PadTop: vg.Points(4),
			PadLeft: vg.Points(8), PadRight: vg.Points(12), PadBottom: vg.Points(2)}
		canvases := gonum.Align([][]*gonum.Plot{{loss, acc}}, tiles, dc)
		loss.Draw(canvases[0][0])
		acc.Draw(canvases[0][1])
	})
}

// addSeries adds a line of metric over the epochs, times scale, to p.
func addSeries(p *gonum.Plot, epochs []train.Epoch, metric func(train.Epoch) float64, scale float64, style draw.LineStyle, glyphs bool) error {
	xys := make(plotter.XYs, len(epochs))
	for i, e := range epochs {
		xys[i] = plotter.XY{X: float64(e.Epoch), Y: metric(e) * scale}
		if math.IsNaN(xys[i].Y) || math.IsInf(xys[i].Y, 0) {
			return fmt.Errorf("plot: epoch %d has a non-finite value", e.Epoch)
		}
	}
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.LineStyle = style
	p.Add(line)
	if glyphs || len(xys) == 1 {
		points.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
		p.Add(points)
	}
	return nil
}

// grid returns light grey grid lines at the major ticks.
func grid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: color.Gray{0xe4}, Width: vg.Points(0.6)}
	g.Horizontal = g.Vertical
	return g
}

// padRange widens an axis's data range by frac of its span on each side,
// and to at least ±half around a single value.
func padRange(a *gonum.Axis, frac, half float64) {
	span := a.Max - a.Min
	if span == 0 {
		if half == 0 {
			half = math.Max(math.Abs(a.Max)*0.05, 0.05)
		}
		a.Min, a.Max = a.Min-half, a.Max+half
		return
	}
	a.Min -= frac * span
	a.Max += frac * span
}

// niceTicks marks round numbers, steps of 1, 2, 2.5 or 5 times a power
// of ten, about six of them, labelled with no more decimals than the step
// needs. Integer, set, keeps to whole numbers, about ten of them (epochs).
type niceTicks struct{ integer bool }

func (t niceTicks) Ticks(lo, hi float64) []gonum.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []gonum.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := niceStep((hi - lo) / 6)
	if t.integer { // every epoch up to about ten of them
		step = math.Max(1, niceStep((hi-lo)/10))
	}
	decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	if step*math.Pow10(decimals) != math.Round(step*math.Pow10(decimals)) { // 2.5, 0.25, ...
		decimals++
	}
	var ticks []gonum.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		v := k * step
		if v == 0 {
			v = 0 // not −0, which would print as "-0.0"
		}
		ticks = append(ticks, gonum.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

// niceStep returns the smallest of 1, 2, 2.5, 5 times a power of ten that
// is at least x (x > 0).
func niceStep(x float64) float64 {
	p := math.Pow10(int(math.Floor(math.Log10(x))))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// drawTitle writes title centred along the top of dc and returns the
// rest of dc below it.
func drawTitle(dc draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return dc
	}
	sty := textStyle(titleSize+1, color.Black)
	sty.Font = sans(titleSize+1, true)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	top := dc.Max.Y - vg.Points(8)
	dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: top}, title)
	dc.Max.Y = top - sty.Height(title) - vg.Points(4)
	return dc
}

// legendEntry is one item of a legend: a line sample and its name.
type legendEntry struct {
	name  string
	style draw.LineStyle
}

// drawLegend lays the entries out in rows along the bottom of dc, each
// row centred, and returns the rest of dc above them. Below the charts
// rather than on them, the legend never hides a line.
func drawLegend(dc draw.Canvas, entries []legendEntry) draw.Canvas {
	if len(entries) == 0 {
		return dc
	}
	sty := textStyle(legendSize+1, color.Black)
	sty.YAlign = draw.YCenter
	sample, gap, space := vg.Points(26), vg.Points(6), vg.Points(22)
	rowH := sty.Height("Mg") * 1.6
	maxW := dc.Max.X - dc.Min.X - vg.Points(20)
	// Break the entries into rows that fit.
	var rows [][]legendEntry
	var widths []vg.Length
	for _, e := range entries {
		w := sample + gap + sty.Width(e.name)
		if n := len(rows); n > 0 && widths[n-1]+space+w <= maxW {
			rows[n-1] = append(rows[n-1], e)
			widths[n-1] += space + w
			continue
		}
		rows = append(rows, []legendEntry{e})
		widths = append(widths, w)
	}
	bottom := dc.Min.Y + vg.Points(6)
	for i, row := range rows {
		y := bottom + rowH*vg.Length(len(rows)-1-i) + rowH/2
		x := (dc.Min.X+dc.Max.X)/2 - widths[i]/2
		for _, e := range row {
			dc.StrokeLine2(e.style, x, y, x+sample, y)
			dc.FillText(sty, vg.Point{X: x + sample + gap, Y: y}, e.name)
			x += sample + gap + sty.Width(e.name) + space
		}
	}
	dc.Min.Y = bottom + rowH*vg.Length(len(rows)) + vg.Points(4)
	return dc
}
