package train

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/augment"
	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/tensor"
)

// eightBit rounds d's values to 8 bits and returns the result twice: held
// as data.Pixels, and as a float32 tensor of the values the bytes stand
// for.
func eightBit(t *testing.T, d *data.Dataset) (compact, dense *data.Dataset) {
	t.Helper()
	shape := d.Images.Shape
	raw := make([]byte, len(d.Images.Data))
	x := tensor.New(shape...)
	for i, v := range d.Images.Data {
		raw[i] = byte(math.Round(float64(min(max(v, 0), 1)) * 255))
		x.Data[i] = float32(raw[i]) / 255
	}
	p, err := data.NewPixels(raw, shape[0], shape[1], shape[2], shape[3])
	if err != nil {
		t.Fatal(err)
	}
	compact = &data.Dataset{Name: d.Name, Pixels: p, Labels: d.Labels, Classes: d.Classes}
	dense = &data.Dataset{Name: d.Name, Images: x, Labels: d.Labels, Classes: d.Classes}
	return compact, dense
}

// A run on 8-bit images, normalised and augmented, trains the same weights
// and scores the same, bit for bit, as the run on their float32 values:
// the network sees the same numbers.
func TestPixelsTrainAndScoreAsFloat32(t *testing.T) {
	trainC, trainD := eightBit(t, stripes(120, 1))
	testC, testD := eightBit(t, stripes(60, 2))
	type outcome struct {
		weights []float32
		history []Epoch
		scored  *Evaluation
	}
	run := func(train, test *data.Dataset) outcome {
		norm := data.ComputeNormalization(train)
		for _, d := range []*data.Dataset{train, test} {
			if err := norm.Apply(d); err != nil {
				t.Fatal(err)
			}
		}
		m, env := newStripesModel(t, 1)
		defer env.Close()
		cfg := stripesConfig(m, 2)
		cfg.Test = test
		p, err := augment.New(augment.Options{FlipH: true, Shift: 1, Rotate: 10, Brightness: 0.1, Contrast: 0.2, Normalization: &norm})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Augment = p.Apply
		res, err := Fit(context.Background(), m.Net, train, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := Score(m.Net, test, Scoring{Views: 8, Batch: 16})
		if err != nil {
			t.Fatal(err)
		}
		return outcome{weights(m.Net), res.State.History, ev}
	}
	a, b := run(trainC, testC), run(trainD, testD)
	if trainC.Pixels == nil || trainC.Images != nil {
		t.Fatal("the 8-bit training set was converted to float32")
	}
	if !slices.Equal(a.weights, b.weights) {
		t.Error("the weights trained on 8-bit images differ from those trained on their float32 values")
	}
	for e := range a.history {
		x, y := a.history[e], b.history[e]
		if x.TrainLoss != y.TrainLoss || x.TrainAccuracy != y.TrainAccuracy || x.TestLoss != y.TestLoss || x.TestAccuracy != y.TestAccuracy {
			t.Errorf("epoch %d: 8-bit %+v, float32 %+v", e+1, x, y)
		}
	}
	if !slices.Equal(a.scored.Probs, b.scored.Probs) || a.scored.Loss != b.scored.Loss {
		t.Errorf("scored with 8 views: loss %v on 8-bit images, %v on float32", a.scored.Loss, b.scored.Loss)
	}
}
