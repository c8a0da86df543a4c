package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	gonum "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gocnn/gocnn/metrics"
)

// ConfusionSize returns the default size, in pixels, of the confusion
// heat map of n classes: cells of about 48 pixels for ten classes,
// smaller for many, with room around for the labels.
func ConfusionSize(n int) (width, height int) {
	cell := min(max(480/max(n, 1), 12), 64)
	return n*cell + 230, n*cell + 170
}

// maxCountClasses is the most classes whose counts are written in the
// cells; beyond that the cells are too small to read them.
const maxCountClasses = 20

// ConfusionHeatmap draws a confusion matrix as a heat map: a row per true
// class (top to bottom in class order), a column per predicted class,
// class names along both axes. A cell's colour is its share of its row,
// the fraction of the true class's examples that were given that answer,
// so a rare class's mistakes show as plainly as a common one's, and a
// perfect classifier is a bright diagonal; a colour bar at the right
// gives the scale. Each cell also shows its count (up to 20 classes).
// A class with no examples has a grey row.
func ConfusionHeatmap(w io.Writer, conf *metrics.Confusion, opt Options) error {
	n := len(conf.Classes)
	if n == 0 {
		return errors.New("plot: confusion matrix with no classes")
	}
	if len(conf.Counts) != n {
		return fmt.Errorf("plot: confusion matrix has %d rows for %d classes", len(conf.Counts), n)
	}
	g := confusionGrid{n: n, share: make([][]float64, n)}
	for t, row := range conf.Counts {
		if len(row) != n {
			return fmt.Errorf("plot: confusion matrix row %d has %d counts for %d classes", t, len(row), n)
		}
		support := conf.Support(t)
		g.share[t] = make([]float64, n)
		for p, c := range row {
			if c < 0 {
				return fmt.Errorf("plot: confusion matrix has a negative count %d", c)
			}
			g.share[t][p] = math.NaN()
			if support > 0 {
				g.share[t][p] = math.Sqrt(float64(c) / float64(support))
			}
		}
	}
	dw, dh := ConfusionSize(n)
	width, height, err := opt.size(dw, dh)
	if err != nil {
		return err
	}
	title := opt.title(fmt.Sprintf("Confusion matrix: accuracy %.2f%% (%d of %d)", 100*conf.Accuracy(), conf.Correct(), conf.Total()))

	p := newPlot(title, "predicted class", "true class")
	heat := plotter.NewHeatMap(g, viridisPalette(256))
	heat.Min, heat.Max = 0, 1
	heat.NaN = color.Gray{0xd0}
	p.Add(heat)
	xTicks, yTicks := make(gonum.ConstantTicks, n), make(gonum.ConstantTicks, n)
	long := false
	for i, name := range conf.Classes {
		xTicks[i] = gonum.Tick{Value: float64(i), Label: name}
		yTicks[i] = gonum.Tick{Value: float64(n - 1 - i), Label: name}
		long = long || utf8.RuneCountInString(name) > 3
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xTicks, yTicks
	if long { // slanted, so that long names do not run into each other
		p.X.Tick.Label.Rotation = math.Pi / 5
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	}
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.LineStyle.Width, p.Y.LineStyle.Width = 0, 0

	return render(w, opt, width, height, func(dc draw.Canvas) {
		dc = inset(dc, vg.Points(8))
		bar := dc
		bar.Min.X = dc.Max.X - vg.Points(62)
		dc.Max.X = bar.Min.X
		dc = squareData(p, dc)
		if n <= maxCountClasses {
			// Counts in the cells, sized to fit a cell, in black on the
			// bright cells and white on the dark.
			cell := p.DataCanvas(dc).Size().X / vg.Length(n)
			size := min(vg.Points(11), cell*0.32)
			if size >= vg.Points(5) {
				if labels := countLabels(conf, g, size); labels != nil {
					p.Add(labels)
				}
			}
		}
		p.Draw(dc)
		da := p.DataCanvas(dc)
		bar.Min.Y, bar.Max.Y = da.Min.Y, da.Max.Y
		drawColorBar(bar, "share of the true class (square-root scale)")
	})
}

// confusionGrid is a confusion matrix's row shares as gonum's heat map
// reads a grid: column c is predicted class c, row r from the bottom is
// true class n−1−r, so that the first class is at the top. The shares are
// kept as their square roots, the scale of the colours: on a plain scale
// a mistake made on 2% of a class would be as dark as none at all.
type confusionGrid struct {
	n     int
	share [][]float64 // [true][predicted]: √(count/support); NaN for a class with no examples
}

func (g confusionGrid) Dims() (c, r int)             { return g.n, g.n }
func (g confusionGrid) Z(c, r int) float64           { return g.share[g.n-1-r][c] }
func (g confusionGrid) X(c int) float64              { return float64(c) }
func (g confusionGrid) Y(r int) float64              { return float64(r) }
func (g confusionGrid) at(t, p int) float64          { return g.share[t][p] }
func (g confusionGrid) cell(t, p int) (x, y float64) { return float64(p), float64(g.n - 1 - t) }

// countLabels returns the counts of conf as labels centred in the cells.
func countLabels(conf *metrics.Confusion, g confusionGrid, size vg.Length) *plotter.Labels {
	var xy plotter.XYLabels
	var styles []text.Style
	for t, row := range conf.Counts {
		for p, c := range row {
			x, y := g.cell(t, p)
			xy.XYs = append(xy.XYs, plotter.XY{X: x, Y: y})
			xy.Labels = append(xy.Labels, strconv.Itoa(c))
			ink := color.Color(color.White)
			if s := g.at(t, p); math.IsNaN(s) || s > 0.55 {
				ink = color.Black
			}
			sty := textStyle(size, ink)
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
			styles = append(styles, sty)
		}
	}
	labels, err := plotter.NewLabels(xy)
	if err != nil {
		return nil
	}
	labels.TextStyle = styles
	return labels
}

// squareData shrinks dc, keeping it centred, so that the data area of p
// drawn in it is square.
func squareData(p *gonum.Plot, dc draw.Canvas) draw.Canvas {
	size := p.DataCanvas(dc).Size()
	if d := size.X - size.Y; d > 0 {
		dc.Min.X += d / 2
		dc.Max.X -= d / 2
	} else {
		dc.Min.Y -= d / 2 // d < 0
		dc.Max.Y += d / 2
	}
	return dc
}

// drawColorBar draws the heat map's vertical viridis scale, from 0% to
// 100% on a square-root scale, along the left of c, with its ticks and a
// label.
func drawColorBar(c draw.Canvas, label string) {
	x0 := c.Min.X + vg.Points(8)
	x1 := x0 + vg.Points(12)
	const steps = 64
	h := (c.Max.Y - c.Min.Y) / steps
	for i := range steps {
		y := c.Min.Y + vg.Length(i)*h
		c.FillPolygon(Viridis((float64(i)+0.5)/steps), []vg.Point{{X: x0, Y: y}, {X: x1, Y: y}, {X: x1, Y: y + h + 0.3}, {X: x0, Y: y + h + 0.3}})
	}
	ink := draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
	sty := textStyle(tickSize, color.Black)
	sty.YAlign = draw.YCenter
	for _, v := range []float64{0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1} {
		y := c.Min.Y + vg.Length(math.Sqrt(v))*(c.Max.Y-c.Min.Y)
		c.StrokeLine2(ink, x1, y, x1+vg.Points(3), y)
		c.FillText(sty, vg.Point{X: x1 + vg.Points(5), Y: y}, fmt.Sprintf("%.0f%%", 100*v))
	}
	lab := textStyle(labelSize-1, color.Black)
	lab.Rotation = math.Pi / 2
	lab.XAlign, lab.YAlign = draw.XCenter, draw.YBottom // rotated: the text lies left of the point
	c.FillText(lab, vg.Point{X: c.Max.X - vg.Points(2), Y: (c.Min.Y + c.Max.Y) / 2}, label)
}

// inset returns c less a margin on every side.
func inset(c draw.Canvas, margin vg.Length) draw.Canvas {
	c.Min.X += margin
	c.Min.Y += margin
	c.Max.X -= margin
	c.Max.Y -= margin
	return c
}
