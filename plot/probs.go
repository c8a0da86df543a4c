package plot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"

	gonum "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gocnn/gocnn/metrics"
)

// ProbabilitiesSize returns the default size, in pixels, of the bar chart
// of n class probabilities.
func ProbabilitiesSize(n int) (width, height int) {
	return 640, min(max(n*28, 120), 2000) + 110
}

// Probabilities draws one prediction as a horizontal bar chart: a bar per
// class, first class at the top, as long as the probability the model
// gives it, with the percentage at its end. The most probable class is in
// a bright colour, the rest in grey.
func Probabilities(w io.Writer, classes []string, probs []float32, opt Options) error {
	n := len(classes)
	switch {
	case n == 0:
		return errors.New("plot: no classes")
	case len(probs) != n:
		return fmt.Errorf("plot: %d probabilities for %d classes", len(probs), n)
	}
	for i, p := range probs {
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("plot: probability of class %q is %v, not in [0, 1]", classes[i], p)
		}
	}
	dw, dh := ProbabilitiesSize(n)
	width, height, err := opt.size(dw, dh)
	if err != nil {
		return err
	}
	top := metrics.TopK(probs, 1)[0]
	p := newPlot(opt.title(fmt.Sprintf("Prediction: %s (%.1f%%)", classes[top], 100*probs[top])), "probability (%)", "")
	p.Add(grid())
	p.Add(&probBars{probs: probs, top: top})
	ticks := make(gonum.ConstantTicks, n)
	for i, c := range classes {
		ticks[i] = gonum.Tick{Value: float64(n - 1 - i), Label: c}
	}
	p.Y.Tick.Marker = ticks
	p.X.Tick.Marker = gonum.ConstantTicks{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}}
	p.X.Min, p.X.Max = 0, 112 // room for the figures at the ends of the bars
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.Y.LineStyle.Width = 0
	p.Y.Tick.Length = 0
	return render(w, opt, width, height, func(dc draw.Canvas) { p.Draw(inset(dc, vg.Points(6))) })
}

// probBars draws the bars of Probabilities (a gonum plotter).
type probBars struct {
	probs []float32
	top   int
}

func (b *probBars) Plot(c draw.Canvas, p *gonum.Plot) {
	tx, ty := p.Transforms(&c)
	n := len(b.probs)
	sty := textStyle(tickSize, color.Black)
	sty.YAlign = draw.YCenter
	for i, prob := range b.probs {
		y := float64(n - 1 - i)
		x := 100 * float64(prob)
		fill := color.Color(color.RGBA{0xa8, 0xb4, 0xc4, 255})
		if i == b.top {
			fill = seriesColors[0]
		}
		x0, x1 := tx(0), tx(x)
		y0, y1 := ty(y-0.36), ty(y+0.36)
		if x1 > x0 {
			c.FillPolygon(fill, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		}
		c.FillText(sty, vg.Point{X: x1 + vg.Points(4), Y: ty(y)}, percent(prob))
	}
}

// percent writes a probability with as many decimals as make it readable:
// "97.3%", "0.4%", "<0.1%".
func percent(p float32) string {
	v := 100 * float64(p)
	switch {
	case v == 0:
		return "0%"
	case v < 0.1:
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", math.Round(v*10)/10)
}
