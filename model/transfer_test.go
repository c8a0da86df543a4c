package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
)

// TestTransfer builds a model from another's network and weights for new
// class names and a new preparation: the weights are copied (the two
// models predict the same), the normalisation is the old model's, and
// data of another shape or number of classes is refused.
func TestTransfer(t *testing.T) {
	spec, err := Parse("conv(4,3) batchnorm relu flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(7, 1)
	defer env.Close()
	from, err := New(spec, Input{Shape: []int{1, 6, 6}, Prep: PrepMNIST, Mean: []float32{0.5}, Std: []float32{0.25}}, []string{"a", "b", "c"}, env)
	if err != nil {
		t.Fatal(err)
	}
	env2 := nn.NewEnv(8, 1) // another seed: other initial weights, all replaced
	defer env2.Close()
	m, err := Transfer(from, Input{Shape: []int{1, 6, 6}, Prep: PrepResize}, []string{"x", "y", "z"}, env2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Input.Prep != PrepResize || !slices.Equal(m.Input.Mean, []float32{0.5}) || !slices.Equal(m.Input.Std, []float32{0.25}) ||
		!slices.Equal(m.Classes, []string{"x", "y", "z"}) {
		t.Errorf("input %s, classes %v; want resize with the old normalisation, classes x y z", m.Input, m.Classes)
	}
	for i, p := range m.Net.Params() {
		if !slices.Equal(p.Value.Data, from.Net.Params()[i].Value.Data) {
			t.Errorf("parameter %d differs from the model it came from", i)
		}
	}
	if got, want := m.TrainableParams(), 4*9+4+4+4+3*4*4*4+3; got != want {
		t.Errorf("TrainableParams = %d, want %d (the running statistics are not trained)", got, want)
	}
	for _, c := range []struct {
		in      Input
		classes []string
		want    string
	}{
		{Input{Shape: []int{3, 6, 6}, Prep: PrepResize}, []string{"x", "y", "z"}, "the model takes inputs of 1x6x6, the data is 3x6x6"},
		{Input{Shape: []int{1, 6, 6}, Prep: PrepResize}, []string{"x", "y"}, "the model has 3 classes, the data 2"},
	} {
		if _, err := Transfer(from, c.in, c.classes, env2); err == nil || err.Error() != c.want {
			t.Errorf("Transfer for %s and %d classes: error %v, want %q", c.in, len(c.classes), err, c.want)
		}
	}
	if _, err := Transfer(from, Input{Shape: []int{1, 6, 6}, Prep: PrepResize}, []string{"x", "x", "z"}, env2); err == nil || !strings.Contains(err.Error(), `two classes are named "x"`) {
		t.Errorf("Transfer with a class named twice: %v", err)
	}
}
