package train

import (
	"fmt"
	"slices"

	"github.com/gocnn/gocnn/augment"
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
	return evaluate(net, d, batchSize, nil)
}

// evaluate is Evaluate with each batch changed by transform (if not nil)
// before the network sees it.
func evaluate(net *nn.Sequential, d *data.Dataset, batchSize int, transform func(b *data.Batch)) (*Evaluation, error) {
	it, err := data.NewBatches(d, batchSize, false, nil)
	if err != nil {
		return nil, err
	}
	it.Transform = transform
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
	return ev, ev.tally(d)
}

// tally fills in the confusion matrix and the balanced accuracy from the
// predictions.
func (ev *Evaluation) tally(d *data.Dataset) error {
	ev.Confusion = metrics.NewConfusion(d.Classes)
	for i, p := range ev.Predicted {
		if err := ev.Confusion.Add(d.Labels[i], p); err != nil {
			return fmt.Errorf("scoring %s: %w", d.Name, err)
		}
	}
	ev.Balanced = ev.Confusion.BalancedAccuracy()
	return nil
}

// Scoring says how Score turns a network's outputs into predictions.
type Scoring struct {
	Batch int // examples per forward pass; 0 means 256

	// Views, above 1, is test-time augmentation: each image is also shown
	// to the network mirrored and turned (the first Views of
	// augment.View's symmetries), and predicted from the mean of the
	// log-probabilities the views get.
	Views int

	// Groups, if set, lists examples that show the same thing (the
	// images of one skin lesion): each example of a group is predicted
	// from the mean log-probabilities of the whole group, so that the
	// group gets one answer. An example may be in at most one group;
	// those in none are predicted alone.
	Groups [][]int

	// Others, if set, make an ensemble with the network scored: more
	// networks of the same inputs and classes (snapshots of one run, or
	// runs of other seeds on the same data), each shown every view, and
	// each example predicted from the mean log-probabilities of all the
	// networks' views together.
	Others []*nn.Sequential

	// Evidence, if set, is what else is known of each example, as
	// log-likelihoods [N, classes] of it under each class (the patient's
	// age, sex and body site: ham10000.Clinical). It is added to each
	// example's mean log-probabilities before the groups are averaged: by
	// Bayes' rule, the log-posterior given the image and the evidence, when
	// the two are independent given the class.
	Evidence []float64

	// ClassShift, if set, is added to every example's log-probability of
	// each class [classes] with the evidence: data.LogitAdjustment's
	// shifts, which take the training set's class shares out of the
	// predictions.
	ClassShift []float64
}

// Score is Evaluate with the predictions made as s says. Without views,
// other networks, groups or evidence it is Evaluate. Otherwise the mean
// log-probabilities are turned back into probabilities (each row scaled
// to sum to 1), from which the loss and the predictions are taken.
func Score(net *nn.Sequential, d *data.Dataset, s Scoring) (*Evaluation, error) {
	batch := s.Batch
	if batch == 0 {
		batch = 256
	}
	views := max(s.Views, 1)
	if views == 1 && s.Others == nil && s.Groups == nil && s.Evidence == nil && s.ClassShift == nil {
		return Evaluate(net, d, batch)
	}
	shape := d.Shape()
	var c, h, w int
	if views > 1 {
		if len(shape) != 3 {
			return nil, fmt.Errorf("scoring %s with %d views: examples of shape %v are not images [C H W]", d.Name, views, shape)
		}
		c, h, w = shape[0], shape[1], shape[2]
		if n := augment.Symmetries(h, w); views > n {
			return nil, fmt.Errorf("scoring %s: %d views asked for, a %dx%d image has %d", d.Name, views, h, w, n)
		}
	}
	k := net.OutShape()[0]
	nets := append([]*nn.Sequential{net}, s.Others...)
	for i, o := range s.Others {
		if !slices.Equal(o.InShape(), net.InShape()) || !slices.Equal(o.OutShape(), net.OutShape()) {
			return nil, fmt.Errorf("scoring %s: network %d of the ensemble takes %v and gives %v, the first %v and %v",
				d.Name, i+2, o.InShape(), o.OutShape(), net.InShape(), net.OutShape())
		}
	}
	if s.Evidence != nil && len(s.Evidence) != d.Len()*k {
		return nil, fmt.Errorf("scoring %s: %d evidence values for %d examples of %d classes", d.Name, len(s.Evidence), d.Len(), k)
	}
	if s.ClassShift != nil && len(s.ClassShift) != k {
		return nil, fmt.Errorf("scoring %s: %d class shifts for %d classes", d.Name, len(s.ClassShift), k)
	}
	logp := make([]float64, d.Len()*k) // the mean log-probabilities, row by row
	// Each view is made a batch at a time, as the batch is built, so that
	// scoring takes no more memory than the batch.
	size := d.ExampleSize()
	scratch := make([]float32, size)
	for _, net := range nets {
		for v := range views {
			var transform func(b *data.Batch)
			if v > 0 {
				transform = func(b *data.Batch) {
					for i := range b.Len() {
						img := b.Images.Data[i*size : (i+1)*size]
						copy(scratch, img)
						augment.View(img, scratch, c, h, w, v)
					}
				}
			}
			ev, err := evaluate(net, d, batch, transform)
			if err != nil {
				return nil, err
			}
			metrics.AddLogProbs(logp, ev.Probs, 1/float64(views*len(nets)))
		}
	}
	for i, e := range s.Evidence {
		logp[i] += e
	}
	for i := range s.ClassShift {
		for j := i; j < len(logp); j += k {
			logp[j] += s.ClassShift[i]
		}
	}
	if err := averageGroups(logp, k, s.Groups); err != nil {
		return nil, fmt.Errorf("scoring %s: %w", d.Name, err)
	}
	ev := &Evaluation{Predicted: make([]int, d.Len()), Probs: make([]float32, d.Len()*k), Classes: k}
	var sum float64
	hits := 0
	for i, label := range d.Labels {
		row := logp[i*k : (i+1)*k]
		sum += metrics.FromLogProbs(ev.Probs[i*k:(i+1)*k], row) - row[label] // −log p[label]
		top := argmax(ev.Probs[i*k : (i+1)*k])
		ev.Predicted[i] = top
		if top == label {
			hits++
		}
	}
	ev.Loss = sum / float64(d.Len())
	ev.Accuracy = float64(hits) / float64(d.Len())
	return ev, ev.tally(d)
}

// averageGroups replaces each row of x [N, k] that belongs to a group by
// the mean of the group's rows.
func averageGroups(x []float64, k int, groups [][]int) error {
	n := len(x) / k
	grouped := make([]bool, n)
	mean := make([]float64, k)
	for g, members := range groups {
		clear(mean)
		for _, i := range members {
			if i < 0 || i >= n {
				return fmt.Errorf("group %d names example %d of %d", g, i, n)
			}
			if grouped[i] {
				return fmt.Errorf("example %d is in two groups", i)
			}
			grouped[i] = true
			for j := range k {
				mean[j] += x[i*k+j] / float64(len(members))
			}
		}
		for _, i := range members {
			copy(x[i*k:(i+1)*k], mean)
		}
	}
	return nil
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
