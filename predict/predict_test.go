package predict

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/augment"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

func newModel(t *testing.T, in model.Input) *model.Model {
	t.Helper()
	spec, err := model.Parse("conv(2,3) relu flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(1, 1)
	t.Cleanup(env.Close)
	m, err := model.New(spec, in, []string{"a", "b", "c"}, env)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPrepareResizeNormalises checks that a flat-coloured picture becomes
// its colour, scaled to [0, 1] and then normalised per channel.
func TestPrepareResizeNormalises(t *testing.T) {
	m := newModel(t, model.Input{Shape: []int{3, 8, 6}, Prep: model.PrepResize,
		Mean: []float32{0.5, 0.25, 0}, Std: []float32{0.5, 0.25, 2}})
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{R: 255, G: 0, B: 102, A: 255})
		}
	}
	x, err := Prepare(m, img)
	if err != nil {
		t.Fatal(err)
	}
	// (1 − 0.5)/0.5 = 1, (0 − 0.25)/0.25 = −1, (0.4 − 0)/2 = 0.2.
	want := []float32{1, -1, 0.2}
	for c := range 3 {
		for i := range 48 {
			if v := x.Data[c*48+i]; math.Abs(float64(v-want[c])) > 1e-5 {
				t.Fatalf("channel %d value %d is %v, want %v", c, i, v, want[c])
			}
		}
	}
}

// TestImageGivesSoftmaxOfTheNetwork checks the probabilities against the
// network's own logits.
func TestImageGivesSoftmaxOfTheNetwork(t *testing.T) {
	m := newModel(t, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST})
	img := image.NewGray(image.Rect(0, 0, 50, 50))
	for y := 10; y < 40; y++ {
		for x := 22; x < 28; x++ {
			img.SetGray(x, y, color.Gray{Y: 255})
		}
	}
	res, err := Image(m, img)
	if err != nil {
		t.Fatal(err)
	}
	logits := m.Net.Forward(res.Input.Reshape(1, 1, 28, 28), false).Data
	var z float64
	for _, l := range logits {
		z += math.Exp(float64(l))
	}
	var total float32
	for i, p := range res.Probs {
		want := math.Exp(float64(logits[i])) / z
		if math.Abs(float64(p)-want) > 1e-6 {
			t.Errorf("class %d: probability %v, want %v", i, p, want)
		}
		total += p
	}
	if math.Abs(float64(total-1)) > 1e-6 {
		t.Errorf("probabilities add up to %v", total)
	}
	if top := res.Top(2); len(top) != 2 || res.Probs[top[0]] < res.Probs[top[1]] {
		t.Errorf("top classes %v", top)
	}
	if _, err := Image(m, image.NewGray(image.Rect(0, 0, 30, 30))); err == nil {
		t.Error("a blank picture gave no error")
	}
}

func TestViewsAverageTheViews(t *testing.T) {
	m := newModel(t, model.Input{Shape: []int{2, 6, 6}, Prep: model.PrepResize})
	x := tensor.New(2, 6, 6)
	for i := range x.Data {
		x.Data[i] = float32(math.Sin(float64(i)))
	}
	one, err := Views(m, x, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := Input(m, x); fmt.Sprint(one) != fmt.Sprint(want) {
		t.Fatalf("one view: %v, want Input's %v", one, want)
	}
	got, err := Views(m, x, 8)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: each view run alone, their log-probabilities averaged.
	mean := make([]float64, 3)
	for v := range 8 {
		view := tensor.New(2, 6, 6)
		augment.View(view.Data, x.Data, 2, 6, 6, v)
		for j, p := range Input(m, view) {
			mean[j] += math.Log(float64(p)) / 8
		}
	}
	var total float64
	for _, v := range mean {
		total += math.Exp(v)
	}
	for j, v := range mean {
		if want := math.Exp(v) / total; math.Abs(float64(got[j])-want) > 1e-5 {
			t.Fatalf("8 views: %v, want %v at class %d", got, want, j)
		}
	}
	if fmt.Sprint(got) == fmt.Sprint(one) {
		t.Fatal("8 views gave the same probabilities as one")
	}

	wide := newModel(t, model.Input{Shape: []int{1, 6, 8}, Prep: model.PrepResize})
	if _, err := Views(wide, tensor.New(1, 6, 8), 8); err == nil || !strings.Contains(err.Error(), "6x8 image has 1 to 4") {
		t.Fatalf("8 views of a 6x8 input: error %v", err)
	}
}

func TestWithEvidence(t *testing.T) {
	probs := []float32{0.5, 0.3, 0.2}
	evidence := []float64{math.Log(0.1), math.Log(0.3), math.Log(0.6)}
	got, err := WithEvidence(probs, evidence)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: 0.5·0.1, 0.3·0.3, 0.2·0.6 = 0.05, 0.09, 0.12, over 0.26.
	for j, want := range []float64{0.05 / 0.26, 0.09 / 0.26, 0.12 / 0.26} {
		if math.Abs(float64(got[j])-want) > 1e-6 {
			t.Fatalf("WithEvidence = %v, want %.4f for class %d", got, want, j)
		}
	}
	if _, err := WithEvidence(probs, evidence[:2]); err == nil || !strings.Contains(err.Error(), "2 evidence values for 3 classes") {
		t.Errorf("2 evidence values for 3 classes: error %v", err)
	}
}

// TestEnsemble predicts with two models of other starting weights, two
// views each: the mean of the four views' log-probabilities, each view
// run alone; and refuses a model with other outputs.
func TestEnsemble(t *testing.T) {
	in := model.Input{Shape: []int{2, 6, 6}, Prep: model.PrepResize}
	a := newModel(t, in)
	spec, err := model.Parse("conv(2,3) relu flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(2, 1)
	defer env.Close()
	b, err := model.New(spec, in, []string{"a", "b", "c"}, env)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(2, 6, 6)
	for i := range x.Data {
		x.Data[i] = float32(math.Cos(float64(i)))
	}
	got, err := Ensemble([]*model.Model{a, b}, x, 2)
	if err != nil {
		t.Fatal(err)
	}
	mean := make([]float64, 3)
	for _, m := range []*model.Model{a, b} {
		for v := range 2 {
			view := tensor.New(2, 6, 6)
			augment.View(view.Data, x.Data, 2, 6, 6, v)
			for j, p := range Input(m, view) {
				mean[j] += math.Log(float64(p)) / 4
			}
		}
	}
	var total float64
	for _, v := range mean {
		total += math.Exp(v)
	}
	for j, v := range mean {
		if want := math.Exp(v) / total; math.Abs(float64(got[j])-want) > 1e-6 {
			t.Fatalf("ensemble probabilities %v, want %v at %d", got, want, j)
		}
	}
	if one, err := Ensemble([]*model.Model{a}, x, 2); err != nil || slices.Equal(one, got) {
		t.Errorf("the ensemble predicts what its first model alone does: %v, %v", one, err)
	}
	four, err := model.Parse("conv(2,3) relu flatten dense(4)")
	if err != nil {
		t.Fatal(err)
	}
	c, err := model.New(four, in, []string{"a", "b", "c", "d"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Ensemble([]*model.Model{a, c}, x, 1); err == nil || !strings.Contains(err.Error(), "model 2 of the ensemble") {
		t.Errorf("an ensemble of 3 and 4 classes: %v", err)
	}
	normalised := in
	normalised.Mean, normalised.Std = []float32{0.5, 0.5}, []float32{0.2, 0.2}
	d, err := model.New(spec, normalised, []string{"a", "b", "c"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Ensemble([]*model.Model{a, d}, x, 1); err == nil || !strings.Contains(err.Error(), "model 2 of the ensemble takes") {
		t.Errorf("an ensemble of models normalising their inputs apart: %v", err)
	}
}
