// Package report writes one self-contained HTML page about a trained
// model: what it is (its layers, input, classes), how it scores on a test
// set (loss, accuracy, a confusion heat map, per-class precision, recall
// and F1), how its training went (the curves, when the metrics log is at
// hand), which test images it gets most confidently wrong, and its first
// layer's filters.
//
// The page fetches nothing: the pictures are inside it as PNG data URIs
// and its style is in the page, so it can be mailed, archived or opened
// offline as one file.
package report

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image"
	"image/png"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/inspect"
	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/plot"
	"github.com/gocnn/gocnn/tensor"
	"github.com/gocnn/gocnn/train"
)

// Report is what the page shows.
type Report struct {
	Name    string // how the page names the model, such as its file name
	Model   *model.Model
	Dataset string            // the test set's name, such as "mnist"
	Test    *data.Dataset     // the test examples as the model saw them: normalised, in its classes
	Eval    *train.Evaluation // the model's evaluation on Test
	History []train.Epoch     // the training's metrics log; nil leaves the curves out

	// Mistakes is how many of the most confidently wrong test examples to
	// show; 0 means DefaultMistakes, a negative number none.
	Mistakes int
}

// DefaultMistakes is how many wrong examples a report shows unless told.
const DefaultMistakes = 24

// Mistake is a test example the model got wrong.
type Mistake struct {
	Index      int     // position in the test set
	True       int     // the example's class
	Predicted  int     // the model's answer
	Confidence float64 // the probability the model gave its answer
	TrueProb   float64 // the probability it gave the right class
}

// MostConfidentMistakes returns up to n of the examples ev got wrong, the
// ones with the highest probability on the wrong answer first (ties in
// test set order): the model's worst blunders, or labels that are wrong.
func MostConfidentMistakes(ev *train.Evaluation, labels []int, n int) []Mistake {
	var ms []Mistake
	for i, p := range ev.Predicted {
		if p == labels[i] {
			continue
		}
		row := ev.Probs[i*ev.Classes : (i+1)*ev.Classes]
		ms = append(ms, Mistake{Index: i, True: labels[i], Predicted: p,
			Confidence: float64(row[p]), TrueProb: float64(row[labels[i]])})
	}
	slices.SortStableFunc(ms, func(a, b Mistake) int { return cmp.Compare(b.Confidence, a.Confidence) })
	return ms[:min(max(n, 0), len(ms))]
}

//go:embed report.html
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) },
	"f4":  func(v float64) string { return fmt.Sprintf("%.4f", v) },
}).Parse(pageTemplate))

// maxInfoText is the longest model info value the page shows in full.
const maxInfoText = 200

// Write writes r as an HTML page to w.
func Write(w io.Writer, r Report) error {
	v, err := build(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = buf.WriteTo(w)
	return err
}

// view is what the template fills the page with.
type view struct {
	Name, Dataset        string
	Spec                 string
	Input                string
	Classes              string
	Info                 [][2]string
	Layers               []layerRow
	TotalParams          int
	Examples             int
	Loss, Accuracy       float64
	Balanced, MacroF1    float64
	Correct              int
	Curves               template.URL // "" when there is no log
	LastEpoch            *train.Epoch
	Confusion            template.URL
	PerClass             []classRow
	Mistakes             []mistakeCard
	MistakesShown, Wrong int
	Filters              template.URL
	FiltersCaption       string
}

type layerRow struct {
	Index  int
	Kind   string
	Output string
	Params int
}

type classRow struct {
	Name                  string
	Precision, Recall, F1 float64
	Support               int
}

type mistakeCard struct {
	Image           template.URL
	Index           int
	True, Predicted string
	Confidence      float64
	TrueProb        float64
}

// build checks r and works out everything the page shows.
func build(r Report) (*view, error) {
	m, test, ev := r.Model, r.Test, r.Eval
	switch {
	case m == nil || test == nil || ev == nil:
		return nil, errors.New("report: a report needs a model, a test set and its evaluation")
	case len(ev.Predicted) != test.Len() || ev.Classes != len(m.Classes) || len(ev.Probs) != test.Len()*ev.Classes:
		return nil, fmt.Errorf("report: the evaluation has %d answers over %d classes, for %d test examples and %d classes",
			len(ev.Predicted), ev.Classes, test.Len(), len(m.Classes))
	case !slices.Equal(test.Shape(), m.Input.Shape):
		return nil, fmt.Errorf("report: the test examples are %s, the model takes %s", tensor.ShapeString(test.Shape()), tensor.ShapeString(m.Input.Shape))
	}
	conf := metrics.NewConfusion(m.Classes)
	for i, p := range ev.Predicted {
		if err := conf.Add(test.Labels[i], p); err != nil {
			return nil, fmt.Errorf("report: test example %d: %w", i, err)
		}
	}
	v := &view{
		Name: r.Name, Dataset: r.Dataset, Spec: m.Spec.String(),
		Input:    m.Input.String(),
		Classes:  strings.Join(m.Classes, ", "),
		Examples: test.Len(), Loss: ev.Loss, Accuracy: ev.Accuracy, Correct: conf.Correct(),
		Balanced: conf.BalancedAccuracy(), MacroF1: conf.MacroF1(),
		Wrong: conf.Total() - conf.Correct(),
	}
	for _, k := range slices.Sorted(maps.Keys(m.Info)) {
		text := m.Info[k]
		if len(text) > maxInfoText { // such as a HAM10000 model's clinical counts
			text = fmt.Sprintf("(%d characters, not shown)", len(text))
		}
		v.Info = append(v.Info, [2]string{k, text})
	}
	shapes := m.Net.Shapes()
	for i, l := range m.Net.Layers {
		n := 0
		for _, p := range l.Params() {
			if p.Grad != nil {
				n += p.Value.Len()
			}
		}
		v.TotalParams += n
		v.Layers = append(v.Layers, layerRow{Index: i, Kind: l.Kind(), Output: tensor.ShapeString(shapes[i]), Params: n})
	}

	var err error
	if len(r.History) > 0 {
		run := plot.Run{Name: r.Name, Epochs: r.History}
		v.LastEpoch = &r.History[len(r.History)-1]
		if v.Curves, err = chartURL(func(w io.Writer) error {
			return plot.Curves(w, []plot.Run{run}, plot.Options{Width: 960, Height: 400, Title: "-"})
		}); err != nil {
			return nil, err
		}
	}
	if v.Confusion, err = chartURL(func(w io.Writer) error { return plot.ConfusionHeatmap(w, conf, plot.Options{Title: "-"}) }); err != nil {
		return nil, err
	}
	for k, name := range m.Classes {
		v.PerClass = append(v.PerClass, classRow{Name: name, Precision: conf.Precision(k), Recall: conf.Recall(k), F1: conf.F1(k), Support: conf.Support(k)})
	}

	n := r.Mistakes
	if n == 0 {
		n = DefaultMistakes
	}
	for _, mk := range MostConfidentMistakes(ev, test.Labels, n) {
		x := tensor.FromData(test.Example(mk.Index), m.Input.Shape...)
		img, err := inspect.InputImage(x, m.Input, inspect.GridOptions{MinTile: 56})
		if err != nil {
			return nil, err
		}
		u, err := pngURL(img)
		if err != nil {
			return nil, err
		}
		v.Mistakes = append(v.Mistakes, mistakeCard{Image: u, Index: mk.Index, True: m.Classes[mk.True],
			Predicted: m.Classes[mk.Predicted], Confidence: mk.Confidence, TrueProb: mk.TrueProb})
	}
	v.MistakesShown = len(v.Mistakes)

	if i, weight, ok := inspect.FirstConv(m.Net); ok {
		img, err := inspect.Filters(weight, inspect.GridOptions{MinTile: 96, Gap: 4})
		if err != nil {
			return nil, err
		}
		if v.Filters, err = pngURL(img); err != nil {
			return nil, err
		}
		s := weight.Shape
		v.FiltersCaption = fmt.Sprintf("Layer %d (%s): %d filters of %d×%d over %d input channel%s. ", i, m.Net.Layers[i].Kind(), s[0], s[2], s[3], s[1], plural(s[1])) +
			filterColours(s[1])
	}
	return v, nil
}

// filterColours says how inspect.Filters colours filters over in input
// channels.
func filterColours(in int) string {
	switch in {
	case 3:
		return "Each filter is a colour tile, its weights on the red, green and blue input channels as its red, green and blue, " +
			"each scaled by the filter's largest weight: a channel at its brightest is the most positive weight, " +
			"at its darkest the most negative, half-way zero (a mid-grey pixel weighs all three at zero)."
	case 1:
		return "Each filter is scaled by its largest weight: white is positive, black negative, mid-grey zero."
	}
	return "Each row is a filter, a tile for each input channel, scaled by the filter's largest weight: " +
		"white is positive, black negative, mid-grey zero."
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// chartURL draws a PNG chart and returns it as a data URI.
func chartURL(draw func(w io.Writer) error) (template.URL, error) {
	var buf bytes.Buffer
	if err := draw(&buf); err != nil {
		return "", err
	}
	return dataURL(buf.Bytes()), nil
}

// pngURL encodes img as a PNG data URI.
func pngURL(img image.Image) (template.URL, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return dataURL(buf.Bytes()), nil
}

func dataURL(pngData []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(pngData))
}
