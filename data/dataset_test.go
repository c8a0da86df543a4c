package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// labelled returns a dataset of 1×1×2 images whose pixels encode their
// index i as (i, -i), with the given labels, so tests can tell which
// example went where.
func labelled(labels []int, classes []string) *Dataset {
	x := tensor.New(len(labels), 1, 1, 2)
	for i := range labels {
		x.Data[2*i], x.Data[2*i+1] = float32(i), -float32(i)
	}
	return &Dataset{Name: "toy", Images: x, Labels: slices.Clone(labels), Classes: classes}
}

// index recovers the original index of example j from its pixels.
func index(d *Dataset, j int) int { return int(d.Example(j)[0]) }

func TestClassSubset(t *testing.T) {
	d := labelled([]int{3, 1, 5, 3, 0, 5, 5}, []string{"0", "1", "2", "3", "4", "5"})
	s, err := d.ClassSubset([]int{5, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Classes, []string{"5", "3"}) {
		t.Errorf("classes %v, want [5 3]", s.Classes)
	}
	// Examples 0, 2, 3, 5, 6 (labels 3 5 3 5 5), relabelled 5→0, 3→1.
	if !slices.Equal(s.Labels, []int{1, 0, 1, 0, 0}) {
		t.Errorf("labels %v, want [1 0 1 0 0]", s.Labels)
	}
	for j, want := range []int{0, 2, 3, 5, 6} {
		if got := index(s, j); got != want {
			t.Errorf("example %d is original %d, want %d", j, got, want)
		}
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	if d.Labels[2] != 5 || len(d.Classes) != 6 {
		t.Error("ClassSubset changed the original dataset")
	}
	for _, c := range []struct {
		classes []int
		want    string
	}{
		{nil, "no classes"},
		{[]int{3, 6}, "class 6 does not exist (the classes are 0 to 5)"},
		{[]int{-1}, "class -1 does not exist"},
		{[]int{3, 5, 3}, "class 3 chosen twice"},
	} {
		if _, err := d.ClassSubset(c.classes); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ClassSubset(%v): %v, want %q", c.classes, err, c.want)
		}
	}
}

func TestParseClassList(t *testing.T) {
	fashion := FashionMNIST().Classes
	for _, c := range []struct {
		list string
		want []int
		err  string
	}{
		{"3,5", []int{3, 5}, ""},
		{" 7 , Sandal", []int{7, 5}, ""},
		{"Ankle boot,T-shirt/top", []int{9, 0}, ""},
		{"10", nil, `class "10" is neither`},
		{"3,,5", nil, `class "" is neither`},
		{"sneaker", nil, `class "sneaker" is neither`},
	} {
		got, err := ParseClassList(c.list, fashion)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.list, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, %v; want %v", c.list, got, err, c.want)
		}
	}
}

func TestSplitIsStratifiedAndSeeded(t *testing.T) {
	// 60 of class 0, 30 of class 1, 10 of class 2, interleaved.
	var labels []int
	for i := range 100 {
		switch {
		case i%10 == 9:
			labels = append(labels, 2)
		case i%10 >= 6:
			labels = append(labels, 1)
		default:
			labels = append(labels, 0)
		}
	}
	d := labelled(labels, []string{"a", "b", "c"})
	train, val, err := d.Split(0.2, rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 80 || val.Len() != 20 {
		t.Fatalf("split %d + %d, want 80 + 20", train.Len(), val.Len())
	}
	count := func(d *Dataset) []int {
		c := make([]int, 3)
		for _, l := range d.Labels {
			c[l]++
		}
		return c
	}
	if got := count(val); !slices.Equal(got, []int{12, 6, 2}) {
		t.Errorf("validation classes %v, want [12 6 2]", got)
	}
	// Disjoint, complete, each in the original order, labels kept.
	seen := make([]bool, 100)
	for _, part := range []*Dataset{train, val} {
		prev := -1
		for j := range part.Len() {
			i := index(part, j)
			if seen[i] || i <= prev || part.Labels[j] != labels[i] {
				t.Fatalf("example %d misplaced (seen %v, after %d, label %d)", i, seen[i], prev, part.Labels[j])
			}
			seen[i], prev = true, i
		}
	}
	// Same seed, same split; another seed, another.
	_, val2, _ := d.Split(0.2, rng.New(1))
	_, val3, _ := d.Split(0.2, rng.New(2))
	if !slices.Equal(val.Images.Data, val2.Images.Data) {
		t.Error("same seed gave a different split")
	}
	if slices.Equal(val.Images.Data, val3.Images.Data) {
		t.Error("different seeds gave the same split")
	}
	if _, v, err := d.Split(0, rng.New(1)); err != nil || v.Len() != 0 || v.Images.Shape[0] != 0 {
		t.Errorf("fraction 0: %v, %v", v.Images.Shape, err)
	}
	for _, f := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if _, _, err := d.Split(f, rng.New(1)); err == nil || !strings.Contains(err.Error(), "not in [0, 1)") {
			t.Errorf("fraction %v: %v", f, err)
		}
	}
}

// TestLimitSpreadsThroughClasses limits a set stored in order of its
// classes, as HAM10000's metadata is: the kept images are spread through
// it, so every class keeps its share, where the first ones would all be
// of the first class.
func TestLimitSpreadsThroughClasses(t *testing.T) {
	if got := Spread(10, 3); !slices.Equal(got, []int{0, 3, 6}) {
		t.Errorf("Spread(10, 3) = %v, want [0 3 6]", got)
	}
	if Spread(10, 0) != nil || Spread(10, 10) != nil || Spread(10, 12) != nil || Spread(10, -1) != nil {
		t.Error("Spread with n 0, negative or at least the total should keep every index (nil)")
	}
	const classes, per = 7, 100
	d := &Dataset{Name: "sorted", Images: tensor.New(classes*per, 1, 1, 1), Labels: make([]int, classes*per),
		Classes: []string{"akiec", "bcc", "bkl", "df", "nv", "vasc", "mel"}}
	for i := range d.Labels {
		d.Labels[i] = i / per
	}
	counts := d.Limit(70).ClassCounts()
	for c, n := range counts {
		if n != 10 {
			t.Errorf("class %s: %d of 70 kept, want 10 (counts %v)", d.Classes[c], n, counts)
		}
	}
	if d.Limit(0) != d || d.Limit(700) != d {
		t.Error("Limit with n 0 or the whole set should return the set itself")
	}
}
