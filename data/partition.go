package data

import (
	"fmt"
	"slices"

	"github.com/gocnn/gocnn/tensor"
)

// Partition returns the examples of each part of d, each part a list of
// indices into d, as Subset would, but without copying the images: it
// reorders d's examples in place so that each part's lie together, in
// the order the parts list them, and each dataset it returns holds its
// run of d's memory. A set split once into its parts (training and test)
// so takes no more memory than it did, where Subset would hold every
// image twice until the whole set was let go.
//
// The parts must not share an example. Afterwards d holds the parts'
// examples first, part after part, then those in no part, in their old
// order: anything that numbered d's examples (a list of records, a
// split) no longer matches it, so d is best not used again. The parts
// share d's images but not one another's, nor their labels or value
// tables (Pixels.Levels), so each can be normalised on its own.
func (d *Dataset) Partition(parts ...[]int) ([]*Dataset, error) {
	n := d.Len()
	order := make([]int, 0, n) // order[j]: the example that goes to place j
	taken := make([]bool, n)
	for p, idx := range parts {
		for _, i := range idx {
			if i < 0 || i >= n {
				return nil, fmt.Errorf("%s: part %d names example %d of %d", d.Name, p, i, n)
			}
			if taken[i] {
				return nil, fmt.Errorf("%s: example %d is in two parts, or twice in part %d", d.Name, i, p)
			}
			taken[i] = true
			order = append(order, i)
		}
	}
	for i, t := range taken {
		if !t {
			order = append(order, i)
		}
	}

	labels := make([]int, n)
	for j, i := range order {
		labels[j] = d.Labels[i]
	}
	copy(d.Labels, labels)
	if d.Pixels != nil {
		permuteRows(d.Pixels.Data, d.Pixels.exampleSize(), order)
	} else {
		permuteRows(d.Images.Data, d.ExampleSize(), order)
	}

	out := make([]*Dataset, len(parts))
	at := 0
	for p, idx := range parts {
		out[p] = d.View(at, at+len(idx))
		at += len(idx)
	}
	return out, nil
}

// View returns examples [lo, hi) of d as a dataset that holds that run of
// d's images, not a copy, with labels and value tables (Pixels.Levels) of
// its own: normalising it leaves d as it was, but changing its images'
// values would change d's. It panics when the range is not within d.
func (d *Dataset) View(lo, hi int) *Dataset {
	v := &Dataset{Name: d.Name, Labels: slices.Clone(d.Labels[lo:hi]), Classes: d.Classes}
	shape := append([]int{hi - lo}, d.Shape()...)
	if d.Pixels != nil {
		s := d.Pixels.exampleSize()
		v.Pixels = &Pixels{Shape: shape, Data: d.Pixels.Data[lo*s : hi*s : hi*s],
			Levels: append([][256]float32(nil), d.Pixels.Levels...)}
	} else {
		s := d.ExampleSize()
		v.Images = &tensor.Tensor{Shape: shape, Data: d.Images.Data[lo*s : hi*s : hi*s]}
	}
	return v
}

// permuteRows reorders the rows of size values in data in place, so that
// row j becomes the old row order[j] (order a permutation of the rows):
// each cycle of the permutation is followed round once, with one row put
// aside.
func permuteRows[T byte | float32](data []T, size int, order []int) {
	if size == 0 {
		return
	}
	done := make([]bool, len(order))
	held := make([]T, size)
	row := func(i int) []T { return data[i*size : (i+1)*size] }
	for start := range order {
		if done[start] || order[start] == start {
			continue
		}
		copy(held, row(start))
		j := start
		for {
			done[j] = true
			from := order[j]
			if from == start {
				copy(row(j), held)
				break
			}
			copy(row(j), row(from))
			j = from
		}
	}
}
