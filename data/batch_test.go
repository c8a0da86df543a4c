package data

import (
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/rng"
)

// epoch collects the original indices and labels of one epoch's batches,
// checking each batch against the dataset.
func epoch(t *testing.T, it *Batches, d *Dataset) (order []int, sizes []int) {
	t.Helper()
	var b Batch
	for it.Next(&b) {
		if b.Images.Shape[0] != b.Len() || b.Images.Shape[1] != 1 || len(b.Images.Data) != 2*b.Len() {
			t.Fatalf("batch images %v for %d labels", b.Images.Shape, b.Len())
		}
		for j := range b.Len() {
			i := int(b.Images.Data[2*j])
			if i != b.Indices[j] || b.Labels[j] != d.Labels[i] || b.Images.Data[2*j+1] != -float32(i) {
				t.Fatalf("batch row %d: image of example %d, index %d, label %d", j, i, b.Indices[j], b.Labels[j])
			}
			order = append(order, i)
		}
		sizes = append(sizes, b.Len())
	}
	return order, sizes
}

func TestBatchesInOrder(t *testing.T) {
	d := labelled([]int{0, 1, 1, 0, 1, 0, 0}, []string{"a", "b"})
	it, err := NewBatches(d, 3, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	order, sizes := epoch(t, it, d)
	if !slices.Equal(order, []int{0, 1, 2, 3, 4, 5, 6}) || !slices.Equal(sizes, []int{3, 3, 1}) || it.Len() != 3 {
		t.Errorf("order %v, sizes %v, Len %d", order, sizes, it.Len())
	}
	var b Batch
	if it.Next(&b) {
		t.Error("Next after the end of the epoch returned a batch")
	}
	it.Reset()
	if again, _ := epoch(t, it, d); !slices.Equal(again, order) {
		t.Errorf("second epoch %v", again)
	}
	it.DropLast = true
	it.Reset()
	if _, sizes := epoch(t, it, d); !slices.Equal(sizes, []int{3, 3}) || it.Len() != 2 {
		t.Errorf("DropLast: sizes %v, Len %d", sizes, it.Len())
	}
}

func TestBatchesShuffleSeeded(t *testing.T) {
	labels := make([]int, 50)
	for i := range labels {
		labels[i] = i % 3
	}
	d := labelled(labels, []string{"a", "b", "c"})
	run := func(seed uint64) [][]int {
		it, err := NewBatches(d, 8, true, rng.New(seed))
		if err != nil {
			t.Fatal(err)
		}
		var epochs [][]int
		for range 3 {
			order, _ := epoch(t, it, d)
			epochs = append(epochs, order)
			it.Reset()
		}
		return epochs
	}
	a, b, c := run(1), run(1), run(2)
	for e := range a {
		sorted := slices.Sorted(slices.Values(a[e]))
		for i, v := range sorted {
			if v != i {
				t.Fatalf("epoch %d does not visit every example once: %v", e, a[e])
			}
		}
		if !slices.Equal(a[e], b[e]) {
			t.Errorf("epoch %d: same seed, different order", e)
		}
		if slices.Equal(a[e], c[e]) {
			t.Errorf("epoch %d: different seeds, same order", e)
		}
	}
	if slices.Equal(a[0], a[1]) || slices.Equal(a[1], a[2]) {
		t.Error("Reset did not reshuffle")
	}
}

func TestBatchesAllocateNothing(t *testing.T) {
	d := labelled(make([]int, 100), []string{"a"})
	it, _ := NewBatches(d, 32, true, rng.New(1))
	var b Batch
	for it.Next(&b) { // warm up: the buffers grow to the largest batch
	}
	allocs := testing.AllocsPerRun(20, func() {
		it.Reset()
		for it.Next(&b) {
		}
	})
	if allocs != 0 {
		t.Errorf("an epoch of batches allocates %v times", allocs)
	}
}

func TestBatchesTransformAndErrors(t *testing.T) {
	d := labelled([]int{0, 0, 0}, []string{"a"})
	it, _ := NewBatches(d, 2, false, nil)
	it.Transform = func(b *Batch) {
		for i := range b.Images.Data {
			b.Images.Data[i] *= 10
		}
	}
	var b Batch
	it.Next(&b)
	if b.Images.Data[2] != 10 || d.Images.Data[2] != 1 {
		t.Errorf("Transform: batch %v, dataset %v", b.Images.Data, d.Images.Data)
	}
	for _, c := range []struct {
		size    int
		shuffle bool
		want    string
	}{
		{0, false, "batch size 0"},
		{4, true, "need a random source"},
	} {
		if _, err := NewBatches(d, c.size, c.shuffle, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewBatches(size %d, shuffle %v): %v", c.size, c.shuffle, err)
		}
	}
	d.Labels = d.Labels[:2]
	if _, err := NewBatches(d, 2, false, nil); err == nil || !strings.Contains(err.Error(), "3 images but 2 labels") {
		t.Errorf("inconsistent dataset: %v", err)
	}
}
