package data

import (
	"fmt"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// Batch is one mini-batch: copies of some examples of a dataset, as
// float32 (a dataset held as 8-bit Pixels is converted here, a batch at a
// time). Its buffers belong to the caller and are reused by each call to
// Batches.Next, which grows them only when a batch is larger than any
// before it.
type Batch struct {
	Images  tensor.Tensor // [n, C, H, W]
	Labels  []int         // the n labels
	Indices []int         // which examples of the dataset, in batch order
}

// Len is the number of examples in the batch.
func (b *Batch) Len() int { return len(b.Labels) }

// Batches walks through a dataset in mini-batches, one epoch at a time.
//
//	it := data.NewBatches(train, 64, true, rng.New(seed))
//	var b data.Batch
//	for epoch := range epochs {
//		for it.Next(&b) {
//			// train on b.Images and b.Labels
//		}
//		it.Reset()
//	}
//
// With shuffle on, each epoch visits the examples in a new random order
// drawn from the RNG, so the same seed gives the same batches. Once its
// buffers have grown, Next allocates nothing.
type Batches struct {
	data    *Dataset
	size    int
	shuffle bool
	r       *rng.RNG
	order   []int
	pos     int

	// DropLast, when set, skips the last batch of an epoch if it is
	// smaller than the batch size.
	DropLast bool

	// Transform, if set, is called on each batch after it is filled
	// (augmentation: flips, crops, noise). It may change the images in
	// place but not their shape.
	Transform func(b *Batch)
}

// NewBatches returns an iterator over d in batches of batchSize examples
// (the last one of an epoch may be smaller), positioned at the start of
// the first epoch. With shuffle, r orders the examples; r may be nil
// otherwise.
func NewBatches(d *Dataset, batchSize int, shuffle bool, r *rng.RNG) (*Batches, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("%s: batch size %d, want at least 1", d.Name, batchSize)
	}
	if shuffle && r == nil {
		return nil, fmt.Errorf("%s: shuffled batches need a random source", d.Name)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	b := &Batches{data: d, size: batchSize, shuffle: shuffle, r: r, order: make([]int, d.Len())}
	b.Reset()
	return b, nil
}

// Reset starts a new epoch, with a fresh order when shuffling.
func (it *Batches) Reset() {
	for i := range it.order {
		it.order[i] = i
	}
	if it.shuffle {
		it.r.Shuffle(it.order)
	}
	it.pos = 0
}

// Len is the number of batches in an epoch.
func (it *Batches) Len() int {
	n := len(it.order)
	if it.DropLast {
		return n / it.size
	}
	return (n + it.size - 1) / it.size
}

// Next fills b with the next batch of the epoch and reports whether there
// was one; at the end of the epoch it returns false until Reset.
func (it *Batches) Next(b *Batch) bool {
	n := min(it.size, len(it.order)-it.pos)
	if n <= 0 || (it.DropLast && n < it.size) {
		return false
	}
	b.gather(it.data, it.order[it.pos:it.pos+n])
	it.pos += n
	if it.Transform != nil {
		it.Transform(b)
	}
	return true
}

// gather sets b to the examples idx of d, in that order, reusing b's
// storage. idx may be b.Indices itself.
func (b *Batch) gather(d *Dataset, idx []int) {
	n := len(idx)
	b.Images.Resize(n, d.Shape())
	b.Labels = resizeInts(b.Labels, n)
	b.Indices = resizeInts(b.Indices, n)
	s := d.ExampleSize()
	for j, i := range idx {
		d.CopyExample(b.Images.Data[j*s:(j+1)*s], i)
		b.Labels[j] = d.Labels[i]
		b.Indices[j] = i
	}
}

// resizeInts returns s with length n, reusing its storage when it can.
func resizeInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
