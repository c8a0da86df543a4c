// Package data holds labelled image datasets in memory and feeds them to
// training in shuffled mini-batches.
//
// A Dataset keeps every image in one float32 tensor [N, C, H, W] with
// pixel values scaled to [0, 1], plus one class index per image and the
// names of the classes. Readers for the file formats the experiments use
// (IDX for MNIST and Fashion-MNIST) and the code that fetches those files
// live beside it in this package.
package data

import (
	"fmt"

	"github.com/gocnn/gocnn/tensor"
)

// Dataset is a set of labelled images held in memory.
type Dataset struct {
	Name    string         // "mnist/train", for messages
	Images  *tensor.Tensor // [N, C, H, W], values in [0, 1] unless normalised
	Labels  []int          // Labels[i] is the class of image i, an index into Classes
	Classes []string       // class names, in label order
}

// Len is the number of examples.
func (d *Dataset) Len() int { return len(d.Labels) }

// Shape is the shape of one example, [C, H, W].
func (d *Dataset) Shape() []int { return d.Images.Shape[1:] }

// ExampleSize is the number of values in one example.
func (d *Dataset) ExampleSize() int { return tensor.Size(d.Shape()) }

// Example returns the values of image i (a view, not a copy).
func (d *Dataset) Example(i int) []float32 {
	s := d.ExampleSize()
	return d.Images.Data[i*s : (i+1)*s]
}

// Validate checks that the images and labels agree in number and that
// every label names a class.
func (d *Dataset) Validate() error {
	if len(d.Images.Shape) != 4 {
		return fmt.Errorf("%s: images have shape %s, want [N C H W]", d.Name, tensor.ShapeString(d.Images.Shape))
	}
	if n := d.Images.Shape[0]; n != len(d.Labels) {
		return fmt.Errorf("%s: %d images but %d labels", d.Name, n, len(d.Labels))
	}
	for i, l := range d.Labels {
		if l < 0 || l >= len(d.Classes) {
			return fmt.Errorf("%s: label %d of example %d is not one of the %d classes", d.Name, l, i, len(d.Classes))
		}
	}
	return nil
}

// Subset returns a new dataset holding copies of the examples at the given
// indices, in that order.
func (d *Dataset) Subset(indices []int) *Dataset {
	s := d.ExampleSize()
	out := &Dataset{
		Name:    d.Name,
		Images:  tensor.New(append([]int{len(indices)}, d.Shape()...)...),
		Labels:  make([]int, len(indices)),
		Classes: d.Classes,
	}
	for j, i := range indices {
		copy(out.Images.Data[j*s:(j+1)*s], d.Example(i))
		out.Labels[j] = d.Labels[i]
	}
	return out
}
