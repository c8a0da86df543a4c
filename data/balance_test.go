package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

func TestClassCounts(t *testing.T) {
	d := labelled([]int{2, 0, 2, 2}, []string{"a", "b", "c"})
	if got := d.ClassCounts(); !slices.Equal(got, []int{1, 0, 3}) {
		t.Errorf("ClassCounts = %v, want [1 0 3]", got)
	}
}

// TestLogitAdjustment checks the shifts against their definition, and
// that with τ = 1 they turn a posterior p(k|x) ∝ L_k·π_k back into the
// likelihoods L_k (up to a constant), whose argmax is not the
// posterior's here.
func TestLogitAdjustment(t *testing.T) {
	counts := []int{1, 9}
	shift, err := LogitAdjustment(counts, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{math.Log(10), math.Log(10.0 / 9)}; math.Abs(shift[0]-want[0]) > 1e-12 || math.Abs(shift[1]-want[1]) > 1e-12 {
		t.Fatalf("LogitAdjustment(%v, 1) = %v, want %v", counts, shift, want)
	}
	likelihood := []float64{0.6, 0.4}
	post := []float64{0.6 * 0.1, 0.4 * 0.9}
	z := post[0] + post[1]
	var adjusted [2]float64
	for k := range post {
		adjusted[k] = math.Log(post[k]/z) + shift[k]
		if want := math.Log(likelihood[k] / z); math.Abs(adjusted[k]-want) > 1e-12 {
			t.Errorf("class %d: log p + shift = %v, want log L − log Z = %v", k, adjusted[k], want)
		}
	}
	if post[1] < post[0] || adjusted[0] < adjusted[1] {
		t.Errorf("the posterior should favour class 1 (%v) and the adjusted scores class 0 (%v)", post, adjusted)
	}

	half, err := LogitAdjustment(counts, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	none, err := LogitAdjustment(counts, 0)
	if err != nil {
		t.Fatal(err)
	}
	for k := range counts {
		if math.Abs(half[k]-shift[k]/2) > 1e-12 || none[k] != 0 {
			t.Errorf("class %d: τ = 0.5 gives %v (want %v), τ = 0 gives %v", k, half[k], shift[k]/2, none[k])
		}
	}

	for _, c := range []struct {
		counts []int
		tau    float64
		want   string
	}{
		{[]int{3, 0}, 0.5, "class 1 has 0"},
		{[]int{3, 1}, -0.5, "not below 0"},
		{[]int{3, 1}, math.NaN(), "finite"},
		{[]int{3, 1}, math.Inf(1), "finite"},
	} {
		if _, err := LogitAdjustment(c.counts, c.tau); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LogitAdjustment(%v, %v): error %v, want one saying %q", c.counts, c.tau, err, c.want)
		}
	}
}

func TestClassWeights(t *testing.T) {
	close := func(got, want []float32) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				return false
			}
		}
		return true
	}
	for _, c := range []struct {
		counts           []int
		inverse, sklearn []float32
	}{
		// 1/1 and 1/3 have mean 2/3, so the inverse weights are 1.5 and
		// 0.5; balanced: 4/(2·1) = 2 and 4/(2·3) = 2/3.
		{[]int{1, 3}, []float32{1.5, 0.5}, []float32{2, 2.0 / 3}},
		// An empty class gets 0 and is left out: the same as [1 3].
		{[]int{1, 0, 3}, []float32{1.5, 0, 0.5}, []float32{2, 0, 2.0 / 3}},
		// Balanced classes: all ones.
		{[]int{5, 5, 5}, []float32{1, 1, 1}, []float32{1, 1, 1}},
		// 10, 20, 70: 1/10+1/20+1/70 = 0.16428…; 3/(10·0.16428) = 1.8261.
		// Balanced: 100/30, 100/60, 100/210.
		{[]int{10, 20, 70}, []float32{1.826087, 0.9130435, 0.26086956}, []float32{100.0 / 30, 100.0 / 60, 100.0 / 210}},
	} {
		if got := InverseFrequencyWeights(c.counts); !close(got, c.inverse) {
			t.Errorf("InverseFrequencyWeights(%v) = %v, want %v", c.counts, got, c.inverse)
		}
		if got := BalancedWeights(c.counts); !close(got, c.sklearn) {
			t.Errorf("BalancedWeights(%v) = %v, want %v", c.counts, got, c.sklearn)
		}
	}
}

// balancedEpoch collects the indices and batch sizes of one epoch of s,
// checking each batch against the dataset (whose pixels encode the
// example's index, see labelled).
func balancedEpoch(t *testing.T, s *BalancedSampler, d *Dataset) (order []int, sizes []int) {
	t.Helper()
	var b Batch
	for s.Next(&b) {
		if b.Images.Shape[0] != b.Len() || len(b.Images.Data) != 2*b.Len() {
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

// imbalanced returns 100 examples: 90 of class 0, 9 of class 1, 1 of
// class 2, and none of class 3.
func imbalanced() *Dataset {
	labels := make([]int, 100)
	for i := range labels {
		switch {
		case i == 50:
			labels[i] = 2
		case i%11 == 3:
			labels[i] = 1
		}
	}
	return labelled(labels, []string{"common", "rare", "unique", "absent"})
}

func TestBalancedSamplerDrawsClassesEqually(t *testing.T) {
	d := imbalanced()
	if got := d.ClassCounts(); !slices.Equal(got, []int{90, 9, 1, 0}) {
		t.Fatalf("fixture counts %v", got)
	}
	s, err := NewBalancedSampler(d, 16, rng.New(3))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 7 {
		t.Errorf("Len = %d, want 7 batches of 16 for 100 examples", s.Len())
	}
	counts := make([]int, 4)
	seenCommon := map[int]bool{}
	const epochs = 30
	for range epochs {
		order, sizes := balancedEpoch(t, s, d)
		if len(order) != 100 || !slices.Equal(sizes, []int{16, 16, 16, 16, 16, 16, 4}) {
			t.Fatalf("epoch of %d examples in batches %v, want 100 in 6×16 + 4", len(order), sizes)
		}
		for _, i := range order {
			counts[d.Labels[i]]++
			if d.Labels[i] == 0 {
				seenCommon[i] = true
			}
		}
		s.Reset()
	}
	// 3,000 draws over three classes: 1,000 each expected, standard
	// deviation about 26. The absent class is never drawn.
	for k, c := range counts[:3] {
		if math.Abs(float64(c)-1000) > 130 {
			t.Errorf("class %d drawn %d times in 3000, want about 1000", k, c)
		}
	}
	if counts[3] != 0 {
		t.Errorf("a class with no examples was drawn %d times", counts[3])
	}
	// Within a class the examples are walked, not drawn with
	// replacement: about 1,000 draws of class 0 visit all 90 examples.
	if len(seenCommon) != 90 {
		t.Errorf("%d of the 90 examples of class 0 were drawn", len(seenCommon))
	}
}

func TestBalancedSamplerSeededAndDropLast(t *testing.T) {
	d := imbalanced()
	run := func(seed uint64) []int {
		s, err := NewBalancedSampler(d, 16, rng.New(seed))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := balancedEpoch(t, s, d)
		s.Reset()
		b, _ := balancedEpoch(t, s, d)
		return append(a, b...)
	}
	if a, b := run(1), run(1); !slices.Equal(a, b) {
		t.Error("the same seed gave different batches")
	}
	if a, b := run(1), run(2); slices.Equal(a, b) {
		t.Error("different seeds gave the same batches")
	}
	s, _ := NewBalancedSampler(d, 16, rng.New(1))
	s.DropLast = true
	if _, sizes := balancedEpoch(t, s, d); len(sizes) != 6 || s.Len() != 6 {
		t.Errorf("DropLast: batches %v, Len %d; want six of 16", sizes, s.Len())
	}
	var b Batch
	if s.Next(&b) {
		t.Error("Next after the end of the epoch returned a batch")
	}
}

func TestBalancedSamplerAllocatesNothing(t *testing.T) {
	d := imbalanced()
	s, err := NewBalancedSampler(d, 16, rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	s.Next(&b) // grow the buffers
	allocs := testing.AllocsPerRun(200, func() {
		if !s.Next(&b) {
			s.Reset()
		}
	})
	if allocs != 0 {
		t.Errorf("Next allocates %v times per batch, want 0", allocs)
	}
}

func TestBalancedSamplerErrors(t *testing.T) {
	d := imbalanced()
	for _, c := range []struct {
		d    *Dataset
		size int
		r    *rng.RNG
		want string
	}{
		{d, 0, rng.New(1), "batch size 0"},
		{d, 8, nil, "needs a random source"},
		{labelled(nil, []string{"a"}), 8, rng.New(1), "no examples"},
		{labelled([]int{0, 4}, []string{"a", "b"}), 8, rng.New(1), "label 4 of example 1"},
	} {
		if _, err := NewBalancedSampler(c.d, c.size, c.r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
}

// TestBalancedSamplerResumes records a sampler's state after an epoch,
// restores it into a new sampler whose random source is at the same
// point, and checks that the two draw the same batches from there; a
// state of another dataset is refused.
func TestBalancedSamplerResumes(t *testing.T) {
	d := &Dataset{Name: "toy", Images: tensor.New(30, 1, 1, 1), Labels: make([]int, 30), Classes: []string{"a", "b", "c"}}
	for i := range d.Labels {
		d.Labels[i] = min(i/20, 2) + i%2*(i/28) // mostly a, some b, few c
	}
	r := rng.New(4)
	s, err := NewBalancedSampler(d, 8, r)
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	for s.Next(&b) {
	}
	state, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := r.MarshalBinary()

	r2 := rng.New(99)
	s2, err := NewBalancedSampler(d, 8, r2)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if err := r2.UnmarshalBinary(rs); err != nil {
		t.Fatal(err)
	}
	var b2 Batch
	for epoch := range 3 {
		s.Reset()
		s2.Reset()
		for s.Next(&b) {
			if !s2.Next(&b2) || !slices.Equal(b.Indices, b2.Indices) {
				t.Fatalf("epoch %d after the restore: batches %v and %v", epoch, b.Indices, b2.Indices)
			}
		}
	}
	other := &Dataset{Name: "other", Images: tensor.New(30, 1, 1, 1), Labels: make([]int, 30), Classes: []string{"a", "b", "c"}}
	for i := range other.Labels {
		other.Labels[i] = i % 3
	}
	s3, _ := NewBalancedSampler(other, 8, rng.New(1))
	if err := s3.UnmarshalBinary(state); err == nil {
		t.Error("the state of another dataset was taken")
	}
	if err := s3.UnmarshalBinary(state[:len(state)-2]); err == nil {
		t.Error("a cut state was taken")
	}
}
