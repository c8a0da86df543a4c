package optim

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// averagedSGD returns a weight [1, 2, 3] with gradient [1, 1, 1], a running
// statistic (no gradient) [5], and plain SGD (rate 0.1) on them, averaged.
func averagedSGD(t *testing.T, decay float64) (w, stat *nn.Param, a *Averaged) {
	t.Helper()
	w = &nn.Param{Name: "w", Value: tensor.FromData([]float32{1, 2, 3}, 3), Grad: tensor.FromData([]float32{1, 1, 1}, 3)}
	stat = &nn.Param{Name: "stat", Value: tensor.FromData([]float32{5}, 1)}
	a, err := NewAveraged(NewSGD([]*nn.Param{w, stat}, 0.1, 0), []*nn.Param{w, stat}, decay)
	if err != nil {
		t.Fatal(err)
	}
	return w, stat, a
}

func TestAveragedFollowsTheFormula(t *testing.T) {
	w, stat, a := averagedSGD(t, 0.9)
	// By hand, in float64: each SGD step takes 0.1 off every weight, and
	// the average moves with d = min(0.9, (1+t)/(10+t)).
	want := []float64{1, 2, 3}
	for step := range 30 {
		a.Step()
		d := min(0.9, float64(1+step)/float64(10+step))
		for i := range want {
			trained := float64(i+1) - 0.1*float64(step+1)
			want[i] = d*want[i] + (1-d)*trained
		}
	}
	trained := slices.Clone(w.Value.Data)
	err := a.Use(func() error {
		for i, v := range w.Value.Data {
			if math.Abs(float64(v)-want[i]) > 1e-5 {
				t.Errorf("averaged weight %d = %v, want %v", i, v, want[i])
			}
		}
		if stat.Value.Data[0] != 5 {
			t.Errorf("a parameter without a gradient was averaged: %v", stat.Value.Data[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Value.Data, trained) {
		t.Fatalf("after Use the weights are %v, want the trained %v back", w.Value.Data, trained)
	}
	if math.Abs(float64(trained[0])-(1-3)) > 1e-5 {
		t.Fatalf("trained weight %v, want −2 after 30 steps", trained[0])
	}
}

func TestAveragedStepInsideUsePanics(t *testing.T) {
	_, _, a := averagedSGD(t, 0.9)
	defer func() {
		if recover() == nil {
			t.Fatal("Step inside Use did not panic")
		}
	}()
	a.Use(func() error { a.Step(); return nil })
}

func TestAveragedStateResumes(t *testing.T) {
	// One run of 7 steps, and one of 4 steps saved, restored into a fresh
	// optimiser and carried on for 3: the same weights and averages.
	w1, _, a1 := averagedSGD(t, 0.8)
	for range 7 {
		a1.Step()
	}
	w2, _, a2 := averagedSGD(t, 0.8)
	for range 4 {
		a2.Step()
	}
	saved := a2.State()
	if _, ok := saved.Buffers["average/w"]; !ok {
		t.Fatalf("the state holds no average: %v", saved.Buffers)
	}
	w3, _, a3 := averagedSGD(t, 0.8)
	copy(w3.Value.Data, w2.Value.Data)
	if err := a3.SetState(saved); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		a3.Step()
	}
	if !slices.Equal(w1.Value.Data, w3.Value.Data) || !slices.Equal(a1.avg[0], a3.avg[0]) {
		t.Fatalf("resumed: weights %v average %v; straight through: %v %v", w3.Value.Data, a3.avg[0], w1.Value.Data, a1.avg[0])
	}

	// A state saved without an average is refused.
	_, _, a4 := averagedSGD(t, 0.8)
	plain := NewSGD([]*nn.Param{w2}, 0.1, 0).State()
	if err := a4.SetState(plain); err == nil || !strings.Contains(err.Error(), "average/w") {
		t.Fatalf("restoring a state with no average: error %v", err)
	}
}

func TestAveragedDecayChecked(t *testing.T) {
	for _, d := range []float64{0, 1, -0.5, 1.5, math.NaN()} {
		if _, err := NewAveraged(NewSGD(nil, 0.1, 0), nil, d); err == nil {
			t.Errorf("decay %v accepted", d)
		}
	}
}
