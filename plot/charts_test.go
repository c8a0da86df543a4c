package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/train"
)

// decodePNG decodes a chart and checks its size.
func decodePNG(t *testing.T, b []byte, width, height int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(width, height) {
		t.Fatalf("PNG is %v, want %dx%d", got, width, height)
	}
	return img
}

// countColor counts the pixels of img that are exactly c.
func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == c {
				n++
			}
		}
	}
	return n
}

// svgDoc is what the tests read from an SVG: the root's size, every
// text, and every path's style.
type svgDoc struct {
	width, height string
	texts         []string
	styles        []string
}

// parseSVG parses an SVG with encoding/xml, failing the test if it is not
// well-formed XML with an <svg> root.
func parseSVG(t *testing.T, b []byte) svgDoc {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var doc svgDoc
	var inText bool
	root := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if root {
				if el.Name.Local != "svg" {
					t.Fatalf("root element <%s>, want <svg>", el.Name.Local)
				}
				root = false
			}
			for _, a := range el.Attr {
				switch {
				case el.Name.Local == "svg" && a.Name.Local == "width":
					doc.width = a.Value
				case el.Name.Local == "svg" && a.Name.Local == "height":
					doc.height = a.Value
				case el.Name.Local == "path" && a.Name.Local == "style":
					doc.styles = append(doc.styles, a.Value)
				}
			}
			inText = el.Name.Local == "text"
		case xml.CharData:
			if inText {
				doc.texts = append(doc.texts, strings.TrimSpace(string(el)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if root {
		t.Fatal("SVG has no elements")
	}
	return doc
}

// points is how an SVG chart of n pixels writes its size.
func points(n int) string { return strconv.FormatFloat(float64(n)*0.75, 'g', -1, 64) + "pt" }

func (d svgDoc) hasText(s string) bool {
	for _, t := range d.texts {
		if t == s {
			return true
		}
	}
	return false
}

// strokes counts the paths stroked in colour c.
func (d svgDoc) strokes(c color.RGBA) int {
	want := fmt.Sprintf("stroke:#%02X%02X%02X", c.R, c.G, c.B)
	n := 0
	for _, s := range d.styles {
		if strings.Contains(s, want) {
			n++
		}
	}
	return n
}

func TestCurvesPNG(t *testing.T) {
	full := Run{Name: "full", Epochs: sampleEpochs(5)}
	var buf bytes.Buffer
	if err := Curves(&buf, []Run{full}, Options{}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, buf.Bytes(), CurvesWidth, CurvesHeight)
	for i, name := range []string{"train", "val", "test"} {
		if n := countColor(img, seriesColors[i]); n < 200 {
			t.Errorf("only %d pixels in the %s colour; the line is missing", n, name)
		}
	}

	// A run with the train figures only draws no val or test lines.
	trainOnly := Run{Name: "train-only", Epochs: sampleEpochs(5)}
	for i := range trainOnly.Epochs {
		e := &trainOnly.Epochs[i]
		e.ValLoss, e.ValAccuracy, e.TestLoss, e.TestAccuracy = 0, 0, 0, 0
	}
	buf.Reset()
	if err := Curves(&buf, []Run{trainOnly}, Options{Width: 500, Height: 300}); err != nil {
		t.Fatal(err)
	}
	img = decodePNG(t, buf.Bytes(), 500, 300)
	if n := countColor(img, seriesColors[0]); n < 100 {
		t.Errorf("only %d pixels in the train colour", n)
	}
	for i := 1; i < 3; i++ {
		if n := countColor(img, seriesColors[i]); n > 0 {
			t.Errorf("%d pixels in the colour of %s, which the run does not have", n, splits[i].name)
		}
	}
}

func TestCurvesSVG(t *testing.T) {
	a := Run{Name: "alpha", Epochs: sampleEpochs(12)}
	b := Run{Name: "beta", Epochs: sampleEpochs(4)}
	for i := range b.Epochs {
		b.Epochs[i].ValLoss, b.Epochs[i].ValAccuracy = 0, 0
	}
	var buf bytes.Buffer
	if err := Curves(&buf, []Run{a, b}, Options{Format: SVG, Width: 800, Height: 360}); err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, buf.Bytes())
	if doc.width != points(800) || doc.height != points(360) {
		t.Errorf("SVG size %s × %s, want %s × %s", doc.width, doc.height, points(800), points(360))
	}
	for _, s := range []string{"alpha vs beta", "Loss", "Accuracy", "alpha", "beta", "train", "val", "test", "epoch"} {
		if !doc.hasText(s) {
			t.Errorf("SVG has no text %q; texts: %q", s, doc.texts)
		}
	}
	// Two runs compared: a colour per run, one line per set in each
	// panel, plus the legend's sample: alpha has 3 sets, beta 2.
	if got, want := doc.strokes(seriesColors[0]), 2*3+1; got != want {
		t.Errorf("%d paths stroked in alpha's colour, want %d", got, want)
	}
	if got, want := doc.strokes(seriesColors[1]), 2*2+1; got != want {
		t.Errorf("%d paths stroked in beta's colour, want %d", got, want)
	}
	if bytes.Contains(buf.Bytes(), []byte("font-family:Liberation Sans;")) {
		t.Error("the SVG names Liberation Sans without fallbacks")
	}
}

func TestCurvesErrors(t *testing.T) {
	ok := Run{Name: "ok", Epochs: sampleEpochs(2)}
	nan := Run{Name: "nan", Epochs: sampleEpochs(2)}
	nan.Epochs[1].TrainLoss = math.NaN()
	for _, c := range []struct {
		name string
		runs []Run
		opt  Options
		want string
	}{
		{"no runs", nil, Options{}, "no runs"},
		{"empty run", []Run{{Name: "empty"}}, Options{}, `"empty" has no epochs`},
		{"NaN", []Run{nan}, Options{}, "epoch 2 has a non-finite value"},
		{"size", []Run{ok}, Options{Width: -5}, "chart size"},
		{"format", []Run{ok}, Options{Format: "gif"}, `unknown format "gif"`},
	} {
		err := Curves(io.Discard, c.runs, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestCurvesOneEpoch(t *testing.T) {
	var buf bytes.Buffer
	run := Run{Name: "short", Epochs: []train.Epoch{{Epoch: 1, TrainLoss: 0.3, TrainAccuracy: 0.9}}}
	if err := Curves(&buf, []Run{run}, Options{Width: 400, Height: 200}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, buf.Bytes(), 400, 200)
	if countColor(img, seriesColors[0]) == 0 { // a line of one point shows as its dot
		t.Error("the single epoch is not drawn")
	}
}

func TestConfusionHeatmap(t *testing.T) {
	conf := metrics.NewConfusion([]string{"T-shirt/top", "Trouser", "Pullover", "Ankle boot"})
	counts := [][]int{{50, 1, 7, 0}, {0, 60, 0, 0}, {12, 0, 40, 2}, {0, 0, 0, 0}}
	for tr, row := range counts {
		for p, n := range row {
			for range n {
				conf.Add(tr, p)
			}
		}
	}
	var buf bytes.Buffer
	if err := ConfusionHeatmap(&buf, conf, Options{}); err != nil {
		t.Fatal(err)
	}
	w, h := ConfusionSize(4)
	img := decodePNG(t, buf.Bytes(), w, h)
	// The second row is all one class, so its diagonal cell is the top of
	// the scale; the empty fourth row is grey.
	if n := countColor(img, Viridis(1)); n < 100 {
		t.Errorf("only %d pixels of the full-share colour", n)
	}
	if n := countColor(img, color.RGBA{0xd0, 0xd0, 0xd0, 255}); n < 100 {
		t.Errorf("only %d pixels of the no-examples grey", n)
	}

	buf.Reset()
	if err := ConfusionHeatmap(&buf, conf, Options{Format: SVG, Width: 500, Height: 480, Title: "mine"}); err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, buf.Bytes())
	if doc.width != points(500) || doc.height != points(480) {
		t.Errorf("SVG size %s × %s", doc.width, doc.height)
	}
	for _, s := range append(conf.Classes, "mine", "predicted class", "true class", "50", "12", "60", "100%") {
		if !doc.hasText(s) {
			t.Errorf("SVG has no text %q", s)
		}
	}

	bad := &metrics.Confusion{Classes: []string{"a", "b"}, Counts: [][]int{{1, 2}, {3}}}
	if err := ConfusionHeatmap(io.Discard, bad, Options{}); err == nil || !strings.Contains(err.Error(), "row 1 has 1 counts") {
		t.Errorf("ragged matrix: %v", err)
	}
	if err := ConfusionHeatmap(io.Discard, metrics.NewConfusion(nil), Options{}); err == nil {
		t.Error("no classes: no error")
	}
}

func TestProbabilities(t *testing.T) {
	classes := []string{"cat", "dog", "bird"}
	var buf bytes.Buffer
	if err := Probabilities(&buf, classes, []float32{0.2, 0.7, 0.1}, Options{Format: SVG}); err != nil {
		t.Fatal(err)
	}
	w, h := ProbabilitiesSize(3)
	doc := parseSVG(t, buf.Bytes())
	if doc.width != points(w) || doc.height != points(h) {
		t.Errorf("SVG size %s × %s, want %s × %s", doc.width, doc.height, points(w), points(h))
	}
	for _, s := range []string{"Prediction: dog (70.0%)", "cat", "bird", "20.0%", "70.0%", "10.0%"} {
		if !doc.hasText(s) {
			t.Errorf("SVG has no text %q; texts %q", s, doc.texts)
		}
	}
	buf.Reset()
	if err := Probabilities(&buf, classes, []float32{0.2, 0.7, 0.1}, Options{Width: 300, Height: 200}); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, buf.Bytes(), 300, 200)
	if countColor(img, seriesColors[0]) < 50 {
		t.Error("the top class's bar is missing")
	}
	for _, probs := range [][]float32{{0.5, 0.5}, {0.5, float32(math.NaN()), 0.5}, {1.5, 0, 0}} {
		if err := Probabilities(io.Discard, classes, probs, Options{}); err == nil {
			t.Errorf("probabilities %v: no error", probs)
		}
	}
}

func TestViridis(t *testing.T) {
	for _, c := range []struct {
		t    float64
		want color.RGBA
	}{
		{0, color.RGBA{0x44, 0x01, 0x54, 255}},
		{-3, color.RGBA{0x44, 0x01, 0x54, 255}},
		{math.NaN(), color.RGBA{0x44, 0x01, 0x54, 255}},
		{0.5, color.RGBA{0x21, 0x91, 0x8c, 255}},
		{1, color.RGBA{0xfd, 0xe7, 0x25, 255}},
		{7, color.RGBA{0xfd, 0xe7, 0x25, 255}},
		// Halfway between the stops at 0 and 1/16: (0x44+0x48)/2, ...
		{1.0 / 32, color.RGBA{0x46, 0x0d, 0x5f, 255}},
	} {
		if got := Viridis(c.t); got != c.want {
			t.Errorf("Viridis(%v) = %v, want %v", c.t, got, c.want)
		}
	}
	// Lightness rises all the way: what makes viridis readable.
	prev := -1.0
	for i := range 256 {
		c := Viridis(float64(i) / 255)
		luma := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
		if luma < prev-0.5 {
			t.Fatalf("lightness falls at step %d: %.1f after %.1f", i, luma, prev)
		}
		prev = luma
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi  float64
		integer bool
		want    string
	}{
		{0.083, 0.42, false, "0.1 0.2 0.3 0.4"},
		{85, 97.7, false, "85.0 87.5 90.0 92.5 95.0 97.5"},
		{0.8, 4.2, true, "1 2 3 4"},
		{1, 100, true, "10 20 30 40 50 60 70 80 90 100"},
		{0.7, 10.3, true, "1 2 3 4 5 6 7 8 9 10"},
		{1, 30, true, "5 10 15 20 25 30"},
		{0.5, 1.5, true, "1"},
		{-0.015, 0.31, false, "0.0 0.1 0.2 0.3"}, // zero prints without a minus sign
	} {
		var labels []string
		for _, tk := range (niceTicks{integer: c.integer}).Ticks(c.lo, c.hi) {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, " "); got != c.want {
			t.Errorf("ticks(%v, %v) = %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{"a.png": PNG, "dir/b.SVG": SVG, "c.Png": PNG} {
		if got, err := FormatOf(path); err != nil || got != want {
			t.Errorf("FormatOf(%q) = %q, %v", path, got, err)
		}
	}
	for _, path := range []string{"a.gif", "noext", "a.png.txt"} {
		if _, err := FormatOf(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("FormatOf(%q): %v", path, err)
		}
	}
}
