package nn

import (
	"github.com/gocnn/gocnn/internal/winograd"
	"math"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestEvaluationFollowsChangedWeights checks that the layers which keep
// something computed from their parameters between evaluation batches
// (a Winograd convolution's transformed filters, a direct one's gathered
// filters, a batch norm folded into the convolution before it) notice
// parameters and running statistics changed in place, as loading a model
// file into a built model does: after the change, the output must be a
// fresh model's with the same parameters.
func TestEvaluationFollowsChangedWeights(t *testing.T) {
	layers := func() []Layer {
		wino := &Conv2D{Out: 8, KH: 3, KW: 3, PadH: 1, PadW: 1}
		return []Layer{wino, NewReLU(), &Conv2D{Out: 6, KH: 3, KW: 3, StrideH: 2, StrideW: 2}, NewBatchNorm(), NewFlatten(), NewDense(4)}
	}
	build := func(env *Env) *Sequential {
		m := NewSequential(layers()...)
		if _, err := m.Build([]int{8, 9, 9}, env); err != nil {
			t.Fatal(err)
		}
		if c := m.Layers[0].(*Conv2D); c.wino == nil {
			forceWinograd(c, winograd.F4) // whatever this machine would choose
		}
		return m
	}
	env := NewEnv(1, 2)
	defer env.Close()
	model := build(env)
	x := tensor.New(3, 8, 9, 9)
	rng.New(2).FillUniform(x.Data, 1)
	before := append([]float32(nil), model.Forward(x, false).Data...)
	model.Forward(x, false) // the second batch reuses what the first computed

	// Change every parameter in place, by a little; then only the running
	// statistics, which a batch norm folded into a convolution reads.
	r := rng.New(3)
	for _, what := range []string{"every parameter", "the running statistics"} {
		for _, p := range model.Params() {
			if what == "every parameter" || p.Grad == nil {
				for i := range p.Value.Data {
					p.Value.Data[i] += 0.01 * (r.Float32() - 0.5)
				}
			}
		}
		got := model.Forward(x, false).Data

		fresh := build(env)
		for i, p := range fresh.Params() {
			copy(p.Value.Data, model.Params()[i].Value.Data)
		}
		want := fresh.Forward(x, false).Data
		changed := false
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("output [%d] after changing %s is %v, a fresh model gives %v", i, what, got[i], want[i])
			}
			changed = changed || want[i] != before[i]
		}
		if !changed {
			t.Fatalf("changing %s changed no output: the test shows nothing", what)
		}
		before = append(before[:0], want...)
	}
}

// TestFrozenEnvironment checks Env.Freeze's contract: a frozen model
// evaluates as before, keeps what it prepared without comparing (so
// weights changed behind its back are not seen, as documented), and
// refuses a training pass.
func TestFrozenEnvironment(t *testing.T) {
	env := NewEnv(1, 2)
	defer env.Close()
	conv := &Conv2D{Out: 8, KH: 3, KW: 3, PadH: 1, PadW: 1}
	model := NewSequential(conv, NewReLU(), NewFlatten(), NewDense(3))
	if _, err := model.Build([]int{8, 6, 6}, env); err != nil {
		t.Fatal(err)
	}
	forceWinograd(conv, winograd.F2)
	x := tensor.New(2, 8, 6, 6)
	rng.New(4).FillUniform(x.Data, 1)
	want := append([]float32(nil), model.Forward(x, false).Data...)
	env.Freeze()
	for range 2 {
		got := model.Forward(x, false).Data
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("frozen output [%d] %v, before freezing %v", i, got[i], want[i])
			}
		}
	}
	conv.Params()[0].Value.Data[0] += 1 // behind the model's back
	if got := model.Forward(x, false).Data; got[0] != want[0] {
		t.Errorf("a frozen model saw its weights change: output [0] %v, was %v", got[0], want[0])
	}
	defer func() {
		if recover() == nil {
			t.Error("training a frozen model: no panic")
		}
	}()
	model.Forward(x, true)
}

// TestDenseEvaluationMatchesTraining checks that a dense layer's
// evaluation, which multiplies by the Wᵀ it keeps, gives the same bits as
// the training pass, which transposes W in the product, at batch 1 and
// at a batch of several rows, and follows weights changed in place.
func TestDenseEvaluationMatchesTraining(t *testing.T) {
	env := NewEnv(1, 2)
	defer env.Close()
	d := &Dense{Out: 37}
	if _, err := d.Build([]int{301}, env); err != nil {
		t.Fatal(err)
	}
	r := rng.New(5)
	d.InitWeights(GlorotUniform, r)
	r.FillUniform(d.bias.Value.Data, 1)
	for _, n := range []int{1, 5, 64} {
		x := tensor.New(n, 301)
		r.FillUniform(x.Data, 1)
		for step := range 2 {
			want := append([]float32(nil), d.Forward(x, true).Data...)
			got := d.Forward(x, false).Data
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("batch %d, step %d: evaluation output [%d] %v, training %v", n, step, i, got[i], want[i])
				}
			}
			// Plain sums, to show the training pass is right too.
			for i := range n {
				for o := range d.Out {
					sum := float64(d.bias.Value.Data[o])
					for k := range 301 {
						sum += float64(x.Data[i*301+k]) * float64(d.weight.Value.Data[o*301+k])
					}
					if diff := math.Abs(sum - float64(want[i*d.Out+o])); diff > 1e-4 {
						t.Fatalf("batch %d: output [%d][%d] %v, the plain sum %v", n, i, o, want[i*d.Out+o], sum)
					}
				}
			}
			d.weight.Value.Data[step] += 0.5 // the next step must see it
		}
	}
}
