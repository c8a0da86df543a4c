package train

import (
	"fmt"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// Evaluation is how a model did on a dataset.
type Evaluation struct {
	Loss      float64 // mean softmax cross-entropy
	Accuracy  float64 // fraction of examples whose top class is right
	Balanced  float64 // balanced accuracy: the mean over classes of each class's recall
	Confusion *metrics.Confusion
	Predicted []int     // the top class of each example, in dataset order
	Probs     []float32 // [N, K] class probabilities, row by row
	Classes   int       // K
}

// Evaluate runs net in evaluation mode over every example of d, in batches
// of batchSize, and returns the loss, the accuracy and every prediction.
func Evaluate(net *nn.Sequential, d *data.Dataset, batchSize int) (*Evaluation, error) {
	it, err := data.NewBatches(d, batchSize, false, nil)
	if err != nil {
		return nil, err
	}
	k := net.OutShape()[0]
	ev := &Evaluation{Predicted: make([]int, 0, d.Len()), Probs: make([]float32, 0, d.Len()*k), Classes: k}
	var (
		b    data.Batch
		loss nn.SoftmaxCrossEntropy
		sum  float64
		hits int
	)
	for it.Next(&b) {
		logits := net.Forward(&b.Images, false)
		sum += loss.Forward(logits, b.Labels) * float64(b.Len())
		probs := loss.Probs()
		for i, label := range b.Labels {
			row := probs.Data[i*k : (i+1)*k]
			ev.Probs = append(ev.Probs, row...)
			top := argmax(row)
			ev.Predicted = append(ev.Predicted, top)
			if top == label {
				hits++
			}
		}
	}
	ev.Loss = sum / float64(d.Len())
	ev.Accuracy = float64(hits) / float64(d.Len())
	ev.Confusion = metrics.NewConfusion(d.Classes)
	for i, p := range ev.Predicted {
		if err := ev.Confusion.Add(d.Labels[i], p); err != nil {
			return nil, fmt.Errorf("scoring %s: %w", d.Name, err)
		}
	}
	ev.Balanced = ev.Confusion.BalancedAccuracy()
	return ev, nil
}

// argmax returns the index of the largest value (the first, on ties).
func argmax(x []float32) int {
	best := 0
	for i, v := range x[1:] {
		if v > x[best] {
			best = i + 1
		}
	}
	return best
}

// correct counts the rows of logits whose largest entry is the label.
func correct(logits *tensor.Tensor, labels []int) int {
	k := logits.Shape[1]
	n := 0
	for i, l := range labels {
		if argmax(logits.Data[i*k:(i+1)*k]) == l {
			n++
		}
	}
	return n
}
