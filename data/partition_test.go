package data

import (
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// partitionSets returns a dataset of n random 2x3x2 images as 8-bit
// Pixels and the same values as float32 Images.
func partitionSets(t *testing.T, n int) (pixels, images *Dataset) {
	t.Helper()
	r := rng.New(5)
	raw := make([]byte, n*12)
	for i := range raw {
		raw[i] = byte(r.IntN(256))
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(3)
	}
	p, err := NewPixels(raw, n, 2, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	pixels = &Dataset{Name: "p", Pixels: p, Labels: labels, Classes: []string{"a", "b", "c"}}
	images = &Dataset{Name: "f", Images: tensor.New(n, 2, 3, 2), Labels: slices.Clone(labels), Classes: pixels.Classes}
	for i := range n {
		pixels.CopyExample(images.Images.Data[i*12:(i+1)*12], i)
	}
	return pixels, images
}

// TestPartitionMatchesSubset checks Partition against Subset, on 8-bit
// and float32 images: each part the same examples and labels in the same
// order, d reordered to the parts and then the rest, each part a run of
// d's memory that cannot grow into the next, and value tables of its own.
func TestPartitionMatchesSubset(t *testing.T) {
	const n = 23
	pixels, images := partitionSets(t, n)
	perm := rng.New(9).Perm(n)
	parts := [][]int{perm[:10], perm[10:17]} // perm[17:] in no part
	rest := slices.Sorted(slices.Values(perm[17:]))
	for _, d := range []*Dataset{pixels, images} {
		orig := d.Subset(seqTo(n)) // a copy of d as it was
		got, err := d.Partition(parts...)
		if err != nil {
			t.Fatal(err)
		}
		for p, idx := range parts {
			want := orig.Subset(idx)
			if got[p].Len() != len(idx) || !slices.Equal(got[p].Labels, want.Labels) {
				t.Fatalf("%s part %d: %d examples, labels %v; want %v", d.Name, p, got[p].Len(), got[p].Labels, want.Labels)
			}
			for i := range idx {
				if !slices.Equal(got[p].Example(i), want.Example(i)) {
					t.Fatalf("%s part %d example %d differs from Subset's", d.Name, p, i)
				}
			}
		}
		all := append(append(slices.Clone(parts[0]), parts[1]...), rest...)
		want := orig.Subset(all)
		for i := range n {
			if !slices.Equal(d.Example(i), want.Example(i)) || d.Labels[i] != want.Labels[i] {
				t.Fatalf("%s: after Partition example %d is not old example %d", d.Name, i, all[i])
			}
		}
		if d.Pixels != nil {
			first, second := got[0].Pixels, got[1].Pixels
			if &first.Data[0] != &d.Pixels.Data[0] || &second.Data[0] != &d.Pixels.Data[10*12] {
				t.Errorf("8-bit parts copied their images instead of holding d's")
			}
			if cap(first.Data) != len(first.Data) {
				t.Errorf("part 0 can grow into part 1: capacity %d for %d bytes", cap(first.Data), len(first.Data))
			}
			first.Levels[0][7] = 99
			if second.Levels[0][7] == 99 || d.Pixels.Levels[0][7] == 99 {
				t.Errorf("parts share their value tables")
			}
		} else {
			first := got[0].Images
			if &first.Data[0] != &d.Images.Data[0] || cap(first.Data) != len(first.Data) {
				t.Errorf("float32 part 0 does not hold its run of d's memory alone")
			}
		}
	}
}

func seqTo(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestPartitionRefusesBadParts checks the parts that Partition refuses,
// and that it leaves d as it was when it refuses.
func TestPartitionRefusesBadParts(t *testing.T) {
	for _, c := range []struct {
		parts [][]int
		want  string
	}{
		{[][]int{{0, 1}, {1, 2}}, "example 1 is in two parts"},
		{[][]int{{0, 3, 3}}, "example 3 is in two parts, or twice"},
		{[][]int{{0, 5}}, "names example 5 of 5"},
		{[][]int{{-1}}, "names example -1"},
	} {
		d, _ := partitionSets(t, 5)
		orig := d.Subset(seqTo(5))
		if _, err := d.Partition(c.parts...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parts %v: error %v, want one saying %q", c.parts, err, c.want)
		}
		if !slices.Equal(d.Pixels.Data, orig.Pixels.Data) || !slices.Equal(d.Labels, orig.Labels) {
			t.Errorf("parts %v: refused, but d was changed", c.parts)
		}
	}
}
