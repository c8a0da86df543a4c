package data

import (
	"math"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/tensor"
)

func TestNormalization(t *testing.T) {
	// Two images of two channels of 1×2 pixels. Channel 0 holds 0, 1, 1,
	// 2: mean 1, variance (1+0+0+1)/4 = 0.5. Channel 1 is 0.5 throughout:
	// no spread, so Std 1.
	x := tensor.FromData([]float32{
		0, 1, 0.5, 0.5,
		1, 2, 0.5, 0.5,
	}, 2, 2, 1, 2)
	d := &Dataset{Name: "toy", Images: x, Labels: []int{0, 0}, Classes: []string{"a"}}
	n := ComputeNormalization(d)
	s := float32(math.Sqrt(0.5))
	if n.Mean[0] != 1 || n.Mean[1] != 0.5 || n.Std[0] != s || n.Std[1] != 1 {
		t.Fatalf("got %+v, want mean [1 0.5] std [%v 1]", n, s)
	}
	if err := n.Apply(d); err != nil {
		t.Fatal(err)
	}
	want := []float32{-1 / s, 0, 0, 0, 0, 1 / s, 0, 0}
	for i := range want {
		if math.Abs(float64(x.Data[i]-want[i])) > 1e-6 {
			t.Errorf("value %d = %v, want %v", i, x.Data[i], want[i])
		}
	}
	// Normalised data has mean 0 and std 1 in the varying channel.
	if m := ComputeNormalization(d); math.Abs(float64(m.Mean[0])) > 1e-6 || math.Abs(float64(m.Std[0]-1)) > 1e-6 {
		t.Errorf("after Apply: %+v", m)
	}

	for _, c := range []struct {
		n    Normalization
		t    *tensor.Tensor
		want string
	}{
		{Normalization{Mean: []float32{0}, Std: []float32{1}}, tensor.New(1, 2, 1, 1), "1 means and 1 deviations for images of 2 channels"},
		{Normalization{Mean: []float32{0}, Std: []float32{0}}, tensor.New(1, 1, 1, 1), "standard deviation 0"},
		{Normalization{Mean: []float32{0}, Std: []float32{float32(math.NaN())}}, tensor.New(1, 1, 1, 1), "standard deviation NaN"},
		{Normalization{Mean: []float32{0}, Std: []float32{1}}, tensor.New(2, 3), "want [N C H W]"},
	} {
		if err := c.n.ApplyImages(c.t); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v on %v: %v, want %q", c.n, c.t.Shape, err, c.want)
		}
	}
}
