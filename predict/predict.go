// Package predict runs a trained model on image files: it turns a picture
// into the model's input the way the model's training data was made, runs
// the network, and returns the class probabilities.
package predict

import (
	"fmt"
	"image"
	"slices"

	"github.com/gocnn/gocnn/augment"
	"github.com/gocnn/gocnn/imageprep"
	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// Result is a model's answer for one image.
type Result struct {
	Input *tensor.Tensor // what the network saw: [C, H, W], after preparation and normalisation
	Probs []float32      // one probability per class, in the model's class order
}

// Top returns the k most probable classes, most probable first.
func (r *Result) Top(k int) []int { return metrics.TopK(r.Probs, k) }

// Prepare turns img into the input m expects: for PrepMNIST a grayscale
// digit fitted and centred as in MNIST, for PrepResize the whole picture
// scaled to the input size; then each channel normalised as in training.
func Prepare(m *model.Model, img image.Image) (*tensor.Tensor, error) {
	shape := m.Input.Shape
	var x *tensor.Tensor
	var err error
	switch m.Input.Prep {
	case model.PrepMNIST:
		x, err = imageprep.MNISTStyle(img, imageprep.MNISTOptions{})
		if err == nil && (shape[1] != imageprep.Size || shape[2] != imageprep.Size) {
			// A model for other digit sizes: scale the MNIST-style digit.
			x, err = imageprep.Resize(imageprep.ToImage(x.Data, imageprep.Size, imageprep.Size), 1, shape[1], shape[2])
		}
	case model.PrepResize:
		x, err = imageprep.Resize(img, shape[0], shape[1], shape[2])
	default:
		err = fmt.Errorf("the model asks for input preparation %q, which this version does not know", m.Input.Prep)
	}
	if err != nil {
		return nil, err
	}
	if len(m.Input.Mean) > 0 {
		plane := shape[1] * shape[2]
		for c := range shape[0] {
			mean, std := m.Input.Mean[c], m.Input.Std[c]
			for i := c * plane; i < (c+1)*plane; i++ {
				x.Data[i] = (x.Data[i] - mean) / std
			}
		}
	}
	return x, nil
}

// Image prepares img and runs m on it. A Model is not safe for concurrent
// use: callers that share one between goroutines serialise the calls.
func Image(m *model.Model, img image.Image) (*Result, error) {
	x, err := Prepare(m, img)
	if err != nil {
		return nil, err
	}
	return &Result{Input: x, Probs: Input(m, x)}, nil
}

// Input runs m on one prepared input ([C, H, W]) and returns the class
// probabilities.
func Input(m *model.Model, x *tensor.Tensor) []float32 {
	batch := tensor.FromData(x.Data, append([]int{1}, x.Shape...)...)
	logits := m.Net.Forward(batch, false).Data
	p := make([]float32, len(logits))
	nn.SoftmaxRow(logits, p)
	return p
}

// Views runs m on the first n views of x (augment.View: the flips and
// quarter turns of the image), in one batch, and returns the probabilities
// that the mean of their log-probabilities gives: test-time augmentation,
// as gocnn eval -tta does it. One view is Input.
func Views(m *model.Model, x *tensor.Tensor, n int) ([]float32, error) {
	if n == 1 {
		if len(x.Shape) != 3 {
			return nil, fmt.Errorf("predict: input of shape %v, want [C H W]", x.Shape)
		}
		return Input(m, x), nil
	}
	return Ensemble([]*model.Model{m}, x, n)
}

// Ensemble runs each model of ms on the first n views of x, as Views
// does, and returns the probabilities that the mean of all their
// log-probabilities gives: an ensemble's prediction (snapshots of one
// run, say), as gocnn eval -ensemble makes it. The models must take x
// prepared alike (see Prepare) and name the same classes.
func Ensemble(ms []*model.Model, x *tensor.Tensor, n int) ([]float32, error) {
	if len(x.Shape) != 3 {
		return nil, fmt.Errorf("predict: input of shape %v, want [C H W]", x.Shape)
	}
	c, h, w := x.Shape[0], x.Shape[1], x.Shape[2]
	if n < 1 || n > augment.Symmetries(h, w) {
		return nil, fmt.Errorf("predict: %d views asked for, a %dx%d image has 1 to %d", n, h, w, augment.Symmetries(h, w))
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("predict: an ensemble of no models")
	}
	size := x.Len()
	batch := tensor.New(n, c, h, w)
	for v := range n {
		augment.View(batch.Data[v*size:(v+1)*size], x.Data, c, h, w, v)
	}
	k := ms[0].Net.OutShape()[0]
	mean := make([]float64, k)
	p := make([]float32, k)
	for i, m := range ms {
		if out := m.Net.OutShape(); len(out) != 1 || out[0] != k {
			return nil, fmt.Errorf("predict: model %d of the ensemble gives %v scores, the first %d", i+1, out, k)
		}
		if !m.Input.Equal(ms[0].Input) {
			return nil, fmt.Errorf("predict: model %d of the ensemble takes %s, the first %s", i+1, m.Input, ms[0].Input)
		}
		logits := m.Net.Forward(batch, false).Data
		for v := range n {
			nn.SoftmaxRow(logits[v*k:(v+1)*k], p)
			metrics.AddLogProbs(mean, p, 1/float64(n*len(ms)))
		}
	}
	probs := make([]float32, k)
	metrics.FromLogProbs(probs, mean)
	return probs, nil
}

// WithEvidence returns the probabilities probs become when evidence is
// also known: log-likelihoods of it under each class (the patient's age,
// sex and body site: ham10000.Clinical), added to the log-probabilities,
// which are then scaled back to sum to 1. This is Bayes' rule when the
// evidence and the image are independent given the class.
func WithEvidence(probs []float32, evidence []float64) ([]float32, error) {
	if len(evidence) != len(probs) {
		return nil, fmt.Errorf("predict: %d evidence values for %d classes", len(evidence), len(probs))
	}
	logs := slices.Clone(evidence)
	metrics.AddLogProbs(logs, probs, 1)
	out := make([]float32, len(probs))
	metrics.FromLogProbs(out, logs)
	return out, nil
}
