package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
	"github.com/gocnn/gocnn/train"
)

// bars returns n 8x8 images of a bright bar on a noisy background:
// horizontal (class 0), vertical (1) or diagonal (2). A tenth of the
// labels are wrong, so that a model trained on them makes mistakes.
func bars(n int, seed uint64, classes []string) *data.Dataset {
	r := rng.New(seed)
	d := &data.Dataset{Name: "bars", Images: tensor.New(n, 1, 8, 8), Labels: make([]int, n), Classes: classes}
	for i := range n {
		class := r.IntN(3)
		img := d.Example(i)
		for j := range img {
			img[j] = 0.3 * r.Float32()
		}
		at := 1 + r.IntN(6)
		for k := range 8 {
			switch class {
			case 0:
				img[at*8+k] = 1
			case 1:
				img[k*8+at] = 1
			case 2:
				img[k*8+k] = 1
			}
		}
		if r.Float32() < 0.1 {
			class = (class + 1 + r.IntN(2)) % 3
		}
		d.Labels[i] = class
	}
	return d
}

// trained returns a small model trained on bars, its test set and its
// evaluation, and the training's history.
func trained(t *testing.T, classes []string) (*model.Model, *data.Dataset, *train.Evaluation, []train.Epoch) {
	t.Helper()
	env := nn.NewEnv(1, 1)
	t.Cleanup(env.Close)
	spec, err := model.Parse("conv(4,3) relu maxpool(2) flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	trainSet, test := bars(300, 1, classes), bars(120, 2, classes)
	norm := data.ComputeNormalization(trainSet)
	for _, d := range []*data.Dataset{trainSet, test} {
		if err := norm.Apply(d); err != nil {
			t.Fatal(err)
		}
	}
	input := model.Input{Shape: []int{1, 8, 8}, Prep: model.PrepResize, Mean: norm.Mean, Std: norm.Std}
	m, err := model.New(spec, input, classes, env)
	if err != nil {
		t.Fatal(err)
	}
	m.Info["dataset"] = "bars"
	cfg := train.Config{Epochs: 3, BatchSize: 16, Seed: 2, Optimizer: optim.NewSGD(m.Net.Params(), 0.05, 0.9), Test: test}
	res, err := train.Fit(context.Background(), m.Net, trainSet, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := train.Evaluate(m.Net, test, 64)
	if err != nil {
		t.Fatal(err)
	}
	return m, test, ev, res.State.History
}

var imgSrc = regexp.MustCompile(`<img[^>]*\ssrc="([^"]*)"`)

func TestWrite(t *testing.T) {
	m, test, ev, history := trained(t, []string{"horizontal", "vertical", "diagonal"})
	m.Info = map[string]string{"seed": "4", "counts": strings.Repeat("7,", 150)}
	var buf bytes.Buffer
	err := Write(&buf, Report{Name: "bars.safetensors", Model: m, Dataset: "bars", Test: test, Eval: ev, History: history, Mistakes: 5})
	if err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`<section id="results">`, `<section id="model">`, `<section id="curves">`, `<section id="confusion">`,
		`<section id="mistakes">`, `<section id="filters">`,
		"bars.safetensors", "conv(4,3) relu maxpool(2) flatten dense(3)", "horizontal", "diagonal",
		"<td>conv2d</td><td>[4 6 6]</td><td class=\"num\">40</td>", // 4·3·3 weights + 4 biases
		"<th>seed</th><td>4</td>", "<th>counts</th><td>(300 characters, not shown)</td>",
		"over 1 input channel. Each filter is scaled by its largest weight: white is positive",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Self-contained: nothing to fetch.
	for _, banned := range []string{"http://", "https://", "<script", "<link", "@import", "url("} {
		if strings.Contains(page, banned) {
			t.Errorf("the page contains %q", banned)
		}
	}
	wrong := 0
	for i, p := range ev.Predicted {
		if p != test.Labels[i] {
			wrong++
		}
	}
	if wrong < 5 {
		t.Fatalf("the model made only %d mistakes; the test needs 5", wrong)
	}
	// The curves, the confusion matrix, 5 mistakes and the filters.
	srcs := imgSrc.FindAllStringSubmatch(page, -1)
	if len(srcs) != 1+1+5+1 {
		t.Errorf("%d images, want 8", len(srcs))
	}
	const prefix = "data:image/png;base64,"
	for i, s := range srcs {
		src := html.UnescapeString(s[1]) // html/template writes '+' as &#43;
		if !strings.HasPrefix(src, prefix) {
			t.Errorf("image %d: src %.40q is not a PNG data URI", i, src)
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(src[len(prefix):])
		if err != nil {
			t.Errorf("image %d: bad base64: %v", i, err)
			continue
		}
		if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
			t.Errorf("image %d: not a PNG: %v", i, err)
		}
	}
}

func TestWriteWithoutLogOrConvolution(t *testing.T) {
	m, test, ev, _ := trained(t, []string{"<b>h</b>", "v", "d"})
	m.Net.Layers[0] = nn.NewFlatten() // no convolution left to show (the page does not run the net)
	var buf bytes.Buffer
	if err := Write(&buf, Report{Name: "plain", Model: m, Dataset: "bars", Test: test, Eval: ev, Mistakes: -1}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, absent := range []string{`id="curves"`, `id="filters"`, "<b>h</b>"} {
		if strings.Contains(page, absent) {
			t.Errorf("the page contains %q", absent)
		}
	}
	if !strings.Contains(page, "&lt;b&gt;h&lt;/b&gt;") {
		t.Error("a class name is not escaped")
	}
	if n := len(imgSrc.FindAllString(page, -1)); n != 1 {
		t.Errorf("%d images, want only the confusion matrix", n)
	}
}

func TestWriteChecksItsInput(t *testing.T) {
	m, test, ev, _ := trained(t, []string{"h", "v", "d"})
	short := *ev
	short.Predicted = short.Predicted[1:]
	for _, r := range []Report{
		{Model: m, Test: test},
		{Model: m, Test: test, Eval: &short},
		{Model: m, Test: test.Subset([]int{0, 1}), Eval: ev},
	} {
		if err := Write(&bytes.Buffer{}, r); err == nil {
			t.Error("no error for a report whose parts do not agree")
		}
	}
}

func TestMostConfidentMistakes(t *testing.T) {
	ev := &train.Evaluation{
		Classes:   2,
		Predicted: []int{0, 1, 1, 0, 1},
		Probs: []float32{
			0.9, 0.1, // right
			0.3, 0.7, // wrong, 0.7
			0.1, 0.9, // wrong, 0.9
			0.6, 0.4, // wrong, 0.6
			0.3, 0.7, // wrong, 0.7, after example 1
		},
	}
	labels := []int{0, 0, 0, 1, 0}
	got := MostConfidentMistakes(ev, labels, 3)
	want := []Mistake{
		{Index: 2, True: 0, Predicted: 1, Confidence: float64(float32(0.9)), TrueProb: float64(float32(0.1))},
		{Index: 1, True: 0, Predicted: 1, Confidence: float64(float32(0.7)), TrueProb: float64(float32(0.3))},
		{Index: 4, True: 0, Predicted: 1, Confidence: float64(float32(0.7)), TrueProb: float64(float32(0.3))},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mistake %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := len(MostConfidentMistakes(ev, labels, 10)); n != 4 {
		t.Errorf("%d mistakes of 4", n)
	}
	if n := len(MostConfidentMistakes(ev, labels, -1)); n != 0 {
		t.Errorf("%d mistakes for n = -1", n)
	}
}

// TestFilterColours checks that the filters' caption says how they are
// coloured: colour tiles for three input channels, grey otherwise.
func TestFilterColours(t *testing.T) {
	if c := filterColours(3); !strings.Contains(c, "red, green and blue") || strings.Contains(c, "white is positive") {
		t.Errorf("caption of colour filters: %q", c)
	}
	if c := filterColours(1); !strings.Contains(c, "white is positive, black negative") {
		t.Errorf("caption of grey filters: %q", c)
	}
	if c := filterColours(16); !strings.Contains(c, "a tile for each input channel") {
		t.Errorf("caption of filters over 16 channels: %q", c)
	}
}
