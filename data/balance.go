package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/gocnn/gocnn/rng"
)

// Imbalanced datasets, where some classes have far more examples than
// others (HAM10000: 6,705 melanocytic nevi, 115 dermatofibromas), teach a
// network to favour the common classes. Two remedies, usable together or
// alone:
//
//   - weight the loss by class, so that an error on a rare class costs more
//     (InverseFrequencyWeights, BalancedWeights, for the Weights of a
//     softmax cross-entropy);
//   - sample the training batches so that every class is drawn equally
//     often (BalancedSampler), repeating rare examples and visiting
//     common ones less.
//
// A third leaves training alone and adjusts the predictions afterwards
// (LogitAdjustment): each class's log-probability is lowered by τ times
// the log of its share of the training examples before the most likely
// class is taken.

// ClassCounts returns how many examples of d belong to each class.
func (d *Dataset) ClassCounts() []int {
	counts := make([]int, len(d.Classes))
	for _, l := range d.Labels {
		if l >= 0 && l < len(counts) {
			counts[l]++
		}
	}
	return counts
}

// LogitAdjustment returns what post-hoc logit adjustment (Menon et al.,
// "Long-tail learning via logit adjustment", 2021) adds to an example's
// log-probability of each class, given how many training examples each
// class had:
//
//	−τ · log π_k,   π_k = count_k / N
//
// A network trained on imbalanced classes learns their shares π as part
// of what it predicts, p(k | x) ∝ p(x | k) · π_k. Taking the shares out
// again (τ = 1) leaves p(x | k), whose argmax minimises the balanced
// error, the mean of the classes' error rates; τ = 0 changes nothing.
// A network trained with class weights w_k ∝ π_k^−s has already taken
// out s of it, so τ = 1 − s completes it: 0.5 after the square roots of
// BalancedWeights. Every count must be positive and τ not negative.
func LogitAdjustment(counts []int, tau float64) ([]float64, error) {
	if tau < 0 || math.IsNaN(tau) || math.IsInf(tau, 0) {
		return nil, fmt.Errorf("logit adjustment: τ must be a finite number not below 0, got %v", tau)
	}
	n := 0
	for k, c := range counts {
		if c <= 0 {
			return nil, fmt.Errorf("logit adjustment: class %d has %d training examples; every class needs some", k, c)
		}
		n += c
	}
	shift := make([]float64, len(counts))
	for k, c := range counts {
		shift[k] = -tau * math.Log(float64(c)/float64(n))
	}
	return shift, nil
}

// InverseFrequencyWeights returns one loss weight per class, proportional
// to 1/count and scaled so that the weights of the classes present have
// mean 1. For counts [1 3] they are [1.5 0.5]. A class with no examples
// gets weight 0 and does not count in the mean.
func InverseFrequencyWeights(counts []int) []float32 {
	w := make([]float32, len(counts))
	var sum float64
	present := 0
	for _, c := range counts {
		if c > 0 {
			sum += 1 / float64(c)
			present++
		}
	}
	for k, c := range counts {
		if c > 0 {
			w[k] = float32(float64(present) / (float64(c) * sum))
		}
	}
	return w
}

// BalancedWeights returns scikit-learn's "balanced" class weights,
//
//	w_k = N / (K · count_k)
//
// where N is the number of examples and K the number of classes present.
// Every class then carries the same total weight, N/K, and the weight per
// example averages 1 over the dataset. For counts [1 3] they are
// [2 0.667]. A class with no examples gets weight 0.
func BalancedWeights(counts []int) []float32 {
	w := make([]float32, len(counts))
	n, present := 0, 0
	for _, c := range counts {
		if c > 0 {
			n += c
			present++
		}
	}
	for k, c := range counts {
		if c > 0 {
			w[k] = float32(float64(n) / (float64(present) * float64(c)))
		}
	}
	return w
}

// BalancedSampler fills mini-batches in which every class is equally
// likely, whatever its share of the dataset: each example of a batch is
// of a class drawn uniformly from the classes that have examples, and
// within its class it is the next of that class's examples in a shuffled
// order, reshuffled whenever the class is used up. Rare examples are
// therefore repeated within an epoch, and common ones wait their turn
// across epochs.
//
// An epoch is as many examples as the dataset holds, so epochs take as
// long as with Batches. BalancedSampler is used like Batches (it meets
// the same Next/Reset/Len contract) and, once its buffers have grown,
// Next allocates nothing. The same seed gives the same batches.
type BalancedSampler struct {
	data    *Dataset
	size    int
	r       *rng.RNG
	byClass [][]int // the examples of each class that has any, in walking order
	pos     []int   // pos[k]: the next example of byClass[k] to use
	drawn   int     // examples drawn this epoch

	// DropLast, when set, skips the last batch of an epoch if it is
	// smaller than the batch size.
	DropLast bool

	// Transform, if set, is called on each batch after it is filled, as
	// in Batches.
	Transform func(b *Batch)
}

// NewBalancedSampler returns a sampler over d in batches of batchSize
// examples, drawing from r, positioned at the start of the first epoch.
func NewBalancedSampler(d *Dataset, batchSize int, r *rng.RNG) (*BalancedSampler, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("%s: batch size %d, want at least 1", d.Name, batchSize)
	}
	if r == nil {
		return nil, fmt.Errorf("%s: balanced sampling needs a random source", d.Name)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("%s: no examples to sample", d.Name)
	}
	all := make([][]int, len(d.Classes))
	for i, l := range d.Labels {
		all[l] = append(all[l], i)
	}
	s := &BalancedSampler{data: d, size: batchSize, r: r}
	for _, idx := range all {
		if len(idx) > 0 {
			r.Shuffle(idx)
			s.byClass = append(s.byClass, idx)
		}
	}
	s.pos = make([]int, len(s.byClass))
	return s, nil
}

// Reset starts a new epoch. Each class's walk continues where it was.
func (s *BalancedSampler) Reset() { s.drawn = 0 }

// Len is the number of batches in an epoch.
func (s *BalancedSampler) Len() int {
	n := s.data.Len()
	if s.DropLast {
		return n / s.size
	}
	return (n + s.size - 1) / s.size
}

// Next fills b with the next batch of the epoch and reports whether there
// was one; at the end of the epoch it returns false until Reset.
func (s *BalancedSampler) Next(b *Batch) bool {
	n := min(s.size, s.data.Len()-s.drawn)
	if n <= 0 || (s.DropLast && n < s.size) {
		return false
	}
	s.drawn += n
	// Draw the examples into b.Indices, then copy them in.
	b.Indices = resizeInts(b.Indices, n)
	for j := range n {
		k := s.r.IntN(len(s.byClass))
		idx := s.byClass[k]
		if s.pos[k] == len(idx) {
			s.r.Shuffle(idx)
			s.pos[k] = 0
		}
		b.Indices[j] = idx[s.pos[k]]
		s.pos[k]++
	}
	b.gather(s.data, b.Indices)
	if s.Transform != nil {
		s.Transform(b)
	}
	return true
}

// MarshalBinary records where the sampler's walk through each class is:
// the order of each class's examples and the position in it. With the
// random source's state, it is what a resumed run needs to draw the same
// batches as one never stopped.
func (s *BalancedSampler) MarshalBinary() ([]byte, error) {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(s.byClass)))
	for k, idx := range s.byClass {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(idx)))
		b = binary.LittleEndian.AppendUint32(b, uint32(s.pos[k]))
		for _, i := range idx {
			b = binary.LittleEndian.AppendUint32(b, uint32(i))
		}
	}
	return b, nil
}

// UnmarshalBinary restores what MarshalBinary recorded, for the same
// dataset: each class's order must hold exactly that class's examples.
func (s *BalancedSampler) UnmarshalBinary(b []byte) error {
	next := func() (int, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return int(v), true
	}
	bad := errors.New("balanced sampler state: not one of this dataset's")
	k, ok := next()
	if !ok || k != len(s.byClass) {
		return bad
	}
	orders := make([][]int, k)
	pos := make([]int, k)
	for c := range k {
		n, ok1 := next()
		p, ok2 := next()
		if !ok1 || !ok2 || n != len(s.byClass[c]) || p < 0 || p > n {
			return bad
		}
		class := s.data.Labels[s.byClass[c][0]]
		orders[c] = make([]int, n)
		seen := make(map[int]bool, n)
		for j := range n {
			i, ok := next()
			if !ok || i >= s.data.Len() || s.data.Labels[i] != class || seen[i] {
				return bad
			}
			seen[i] = true
			orders[c][j] = i
		}
		pos[c] = p
	}
	if len(b) != 0 {
		return bad
	}
	s.byClass, s.pos = orders, pos
	return nil
}
