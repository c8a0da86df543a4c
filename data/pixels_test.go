package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// pixelPair returns the same random 8-bit images twice: held as Pixels,
// and converted to float32 up front as datasets were before Pixels (each
// byte v becoming float32(v)/255), with the same labels.
func pixelPair(t *testing.T, n, c, h, w int, seed uint64) (compact, dense *Dataset) {
	t.Helper()
	r := rng.New(seed)
	raw := make([]byte, n*c*h*w)
	for i := range raw {
		raw[i] = byte(r.IntN(256))
	}
	raw[0], raw[1] = 0, 255 // both ends of the range
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(4)
	}
	classes := []string{"a", "b", "c", "d"}
	p, err := NewPixels(raw, n, c, h, w)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(n, c, h, w)
	for i, v := range raw {
		x.Data[i] = float32(v) / 255
	}
	compact = &Dataset{Name: "compact", Pixels: p, Labels: labels, Classes: classes}
	dense = &Dataset{Name: "dense", Images: x, Labels: slices.Clone(labels), Classes: classes}
	for _, d := range []*Dataset{compact, dense} {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	return compact, dense
}

// batcher is what Batches and BalancedSampler have in common.
type batcher interface{ Next(b *Batch) bool }

// sameBits reports the first index where a and b differ in their bits,
// or -1.
func sameBits(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// Batches of 8-bit images, normalised, hold exactly the values that the
// float32 conversion of the whole dataset, normalised in place, gives:
// (float32(v)/255 − mean) · (1/std), bit for bit, whatever the sampler.
func TestPixelBatchesMatchFloat32(t *testing.T) {
	const n, c, h, w = 37, 3, 4, 5
	compact, dense := pixelPair(t, n, c, h, w, 7)
	raw := slices.Clone(compact.Pixels.Data)

	norm := ComputeNormalization(compact)
	if ref := ComputeNormalization(dense); !slices.Equal(norm.Mean, ref.Mean) || !slices.Equal(norm.Std, ref.Std) {
		t.Fatalf("statistics of the 8-bit images %+v, of their float32 copy %+v", norm, ref)
	}
	for _, d := range []*Dataset{compact, dense} {
		if err := norm.Apply(d); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(compact.Pixels.Data, raw) {
		t.Fatal("normalising changed the bytes")
	}
	// want is the value of value j of example i, computed from its byte.
	want := func(i, j int) float32 {
		ch := j / (h * w)
		return (float32(raw[i*c*h*w+j])/255 - norm.Mean[ch]) * (1 / norm.Std[ch])
	}

	samplers := map[string]func(d *Dataset) batcher{
		"shuffled": func(d *Dataset) batcher { it, _ := NewBatches(d, 8, true, rng.New(3)); return it },
		"in order": func(d *Dataset) batcher { it, _ := NewBatches(d, 5, false, nil); return it },
		"balanced": func(d *Dataset) batcher { s, _ := NewBalancedSampler(d, 6, rng.New(3)); return s },
	}
	for name, sampler := range samplers {
		a, b := sampler(compact), sampler(dense)
		var ba, bb Batch
		batches := 0
		for a.Next(&ba) {
			if !b.Next(&bb) {
				t.Fatalf("%s: the float32 copy has fewer batches", name)
			}
			batches++
			if !slices.Equal(ba.Images.Shape, bb.Images.Shape) || !slices.Equal(ba.Indices, bb.Indices) || !slices.Equal(ba.Labels, bb.Labels) {
				t.Fatalf("%s batch %d: shape %v, indices %v, labels %v; the float32 copy's %v, %v, %v", name, batches,
					ba.Images.Shape, ba.Indices, ba.Labels, bb.Images.Shape, bb.Indices, bb.Labels)
			}
			if k := sameBits(ba.Images.Data, bb.Images.Data); k >= 0 {
				t.Fatalf("%s batch %d: value %d is %v, the float32 copy's %v", name, batches, k, ba.Images.Data[k], bb.Images.Data[k])
			}
			s := c * h * w
			for row, i := range ba.Indices {
				for j := range s {
					if got := ba.Images.Data[row*s+j]; math.Float32bits(got) != math.Float32bits(want(i, j)) {
						t.Fatalf("%s batch %d: value %d of example %d is %v, want %v", name, batches, j, i, got, want(i, j))
					}
				}
			}
		}
		if b.Next(&bb) || batches == 0 {
			t.Fatalf("%s: %d batches, and the float32 copy has more", name, batches)
		}
	}

	// Subsets and splits keep the form and the values.
	cs, ds := compact.Subset([]int{4, 0, 4, 36}), dense.Subset([]int{4, 0, 4, 36})
	if cs.Pixels == nil || cs.Images != nil {
		t.Fatal("the subset of 8-bit images is not 8-bit")
	}
	ct, cv, err := compact.Split(0.3, rng.New(5))
	if err != nil {
		t.Fatal(err)
	}
	dt, dv, err := dense.Split(0.3, rng.New(5))
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]*Dataset{{cs, ds}, {ct, dt}, {cv, dv}} {
		a, b := pair[0], pair[1]
		if a.Len() != b.Len() || !slices.Equal(a.Labels, b.Labels) || !slices.Equal(a.Shape(), b.Shape()) {
			t.Fatalf("%s: %d examples %v of %v; the float32 copy %d, %v, %v", a.Name, a.Len(), a.Labels, a.Shape(), b.Len(), b.Labels, b.Shape())
		}
		buf := make([]float32, a.ExampleSize())
		for i := range a.Len() {
			a.CopyExample(buf, i)
			if k := sameBits(a.Example(i), b.Example(i)); k >= 0 {
				t.Fatalf("%s example %d value %d: %v, the float32 copy's %v", a.Name, i, k, a.Example(i)[k], b.Example(i)[k])
			}
			if k := sameBits(buf, b.Example(i)); k >= 0 {
				t.Fatalf("%s CopyExample %d value %d: %v, the float32 copy's %v", a.Name, i, k, buf[k], b.Example(i)[k])
			}
		}
	}

	// A subset's tables are its own: normalising it again leaves the
	// dataset it came from alone.
	before := compact.Example(1)
	if err := norm.Apply(cs); err != nil {
		t.Fatal(err)
	}
	if k := sameBits(compact.Example(1), before); k >= 0 {
		t.Error("normalising a subset changed the dataset it came from")
	}
	if k := sameBits(cs.Example(1), compact.Example(1)); k < 0 {
		t.Error("normalising a subset twice left its values unchanged")
	}
}

func TestPixelBatchesAllocateNothing(t *testing.T) {
	compact, _ := pixelPair(t, 100, 3, 8, 8, 1)
	norm := ComputeNormalization(compact)
	if err := norm.Apply(compact); err != nil {
		t.Fatal(err)
	}
	it, _ := NewBatches(compact, 32, true, rng.New(1))
	var b Batch
	for it.Next(&b) { // warm up: the buffers grow to the largest batch
	}
	allocs := testing.AllocsPerRun(20, func() {
		it.Reset()
		for it.Next(&b) {
		}
	})
	if allocs != 0 {
		t.Errorf("an epoch of batches of 8-bit images allocates %v times", allocs)
	}
}

func TestPixelsInvalid(t *testing.T) {
	for _, c := range []struct {
		n, c, h, w int
		bytes      int
		want       string
	}{
		{2, 1, 2, 2, 7, "need 8 bytes, got 7"},
		{2, 0, 2, 2, 0, "want N ≥ 0 and C, H, W ≥ 1"},
		{-1, 1, 2, 2, 0, "want N ≥ 0"},
	} {
		if _, err := NewPixels(make([]byte, c.bytes), c.n, c.c, c.h, c.w); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewPixels(%d bytes, %d %d %d %d): %v, want %q", c.bytes, c.n, c.c, c.h, c.w, err, c.want)
		}
	}
	good := func() *Dataset {
		p, err := NewPixels(make([]byte, 2*3*2*2), 2, 3, 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		return &Dataset{Name: "px", Pixels: p, Labels: []int{0, 1}, Classes: []string{"a", "b"}}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spoil func(d *Dataset)
		want  string
	}{
		{func(d *Dataset) { d.Pixels = nil }, "px: no images"},
		{func(d *Dataset) { d.Images = tensor.New(2, 3, 2, 2) }, "both as float32 and as 8-bit"},
		{func(d *Dataset) { d.Pixels.Levels = d.Pixels.Levels[:1] }, "3 channels have 1 value tables"},
		{func(d *Dataset) { d.Pixels.Data = d.Pixels.Data[:5] }, "need 24 bytes, got 5"},
		{func(d *Dataset) { d.Pixels.Shape = []int{2, 12} }, "want [N C H W]"},
		{func(d *Dataset) { d.Labels = d.Labels[:1] }, "2 images but 1 labels"},
		{func(d *Dataset) { d.Labels[1] = 2 }, "label 2 of example 1"},
	} {
		d := good()
		c.spoil(d)
		if err := d.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate: %v, want %q", err, c.want)
		}
	}
	norm := Normalization{Mean: []float32{0}, Std: []float32{1}}
	if err := norm.Apply(good()); err == nil || !strings.Contains(err.Error(), "px: normalisation has 1 means and 1 deviations for images of 3 channels") {
		t.Errorf("normalising 3 channels with 1: %v", err)
	}
	bad := Normalization{Mean: []float32{0, 0, 0}, Std: []float32{1, 0, 1}}
	d := good()
	if err := bad.Apply(d); err == nil || !strings.Contains(err.Error(), "channel 1 has standard deviation 0") {
		t.Errorf("normalising with a zero deviation: %v", err)
	}
	if d.Pixels.Levels[0] != UnitLevels() {
		t.Error("a failed normalisation changed the tables")
	}
}
