package optim

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*(1+math.Abs(b)) }

func TestSchedules(t *testing.T) {
	// Step decay: 10 steps an epoch, ×0.1 every 2 epochs.
	s := StepDecay{LR: 1, Gamma: 0.1, Every: 2, StepsPerEpoch: 10}
	for step, want := range map[int]float64{0: 1, 19: 1, 20: 0.1, 39: 0.1, 40: 0.01} {
		if got := s.Rate(step); !near(got, want) {
			t.Errorf("step decay at %d: %v, want %v", step, got, want)
		}
	}
	e := Exponential{LR: 2, Gamma: 0.5, StepsPerEpoch: 4}
	if got := e.Rate(9); !near(got, 0.5) { // epoch 2: 2·0.5²
		t.Errorf("exponential at step 9: %v, want 0.5", got)
	}
	// Cosine: warm-up reaches LR at the end of warm-up, the middle of the
	// decay is halfway, the end is Min.
	c := Cosine{LR: 1, Min: 0.1, Warmup: 10, Total: 110}
	for step, want := range map[int]float64{0: 0.1, 9: 1, 10: 1, 60: 0.55, 110: 0.1} {
		if got := c.Rate(step); !near(got, want) {
			t.Errorf("cosine at %d: %v, want %v", step, got, want)
		}
	}
	// Cosine with restarts: cycles of 50, 30 and 40 steps, each from 1
	// down to 0.1; only the first warms up. Against PyTorch's formula of
	// CosineAnnealingWarmRestarts, η_min + (η_max − η_min)(1 + cos(π·T_cur/T_i))/2.
	r := CosineRestarts{LR: 1, Min: 0.1, Warmup: 10, Starts: []int{0, 50, 80}, Total: 120}
	for step, want := range map[int]float64{0: 0.1, 9: 1, 30: 0.55, 49: 0.1 + 0.9*(1+math.Cos(math.Pi*39/40))/2,
		50: 1, 65: 0.55, 80: 1, 90: 0.1 + 0.9*(1+math.Cos(math.Pi*10/40))/2, 120: 0.1} {
		if got := r.Rate(step); !near(got, want) {
			t.Errorf("cosine with restarts at %d: %v, want %v", step, got, want)
		}
	}
	// One-cycle against PyTorch's OneCycleLR(max_lr=1, total_steps=10,
	// cycle_momentum=False), as printed by PyTorch 1.13.
	torch := []float64{0.04, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893,
		0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 4e-06}
	o := OneCycle{Max: 1, Total: 10}
	for step, want := range torch {
		if got := o.Rate(step); math.Abs(got-want) > 1e-9 {
			t.Errorf("one-cycle at %d: %v, PyTorch %v", step, got, want)
		}
	}
}

func TestReduceOnPlateau(t *testing.T) {
	r := NewReduceOnPlateau(1, 2)
	// Improving, then flat: the rate drops on the third epoch without
	// improvement (patience 2), and again three flat epochs later.
	metrics := []float64{1.0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.5}
	want := []float64{1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01}
	for i, m := range metrics {
		r.EndEpoch(m)
		if got := r.Rate(0); !near(got, want[i]) {
			t.Errorf("after epoch %d (metric %v): rate %v, want %v", i, m, got, want[i])
		}
	}
	r.Min = 0.005
	for range 10 {
		r.EndEpoch(0.9)
	}
	if got := r.Rate(0); got != 0.005 {
		t.Errorf("rate fell to %v, below the minimum 0.005", got)
	}
}

func TestParseSchedule(t *testing.T) {
	for _, name := range []string{"constant", "step", "exp", "cosine", "onecycle", "plateau"} {
		s, err := ParseSchedule(name, 0.1, 10, 100)
		if err != nil || s == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParseSchedule("sawtooth", 0.1, 10, 100); err == nil {
		t.Error("unknown schedule accepted")
	}
}
