package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// stripes is a small learnable dataset: 8x8 images of class 0 have a
// bright row, class 1 a bright column, class 2 a bright diagonal, at
// random places, on noise.
func stripes(n int, seed uint64) *data.Dataset {
	r := rng.New(seed)
	d := &data.Dataset{Name: "stripes", Images: tensor.New(n, 1, 8, 8), Labels: make([]int, n), Classes: []string{"row", "column", "diagonal"}}
	for i := range n {
		img := d.Example(i)
		for j := range img {
			img[j] = 0.3 * r.Float32()
		}
		class, at := i%3, r.IntN(8)
		for k := range 8 {
			switch class {
			case 0:
				img[at*8+k] = 1
			case 1:
				img[k*8+at] = 1
			case 2:
				img[k*8+k] = 1
			}
		}
		d.Labels[i] = class
	}
	return d
}

const stripesSpec = "conv(4,3,pad=1) relu maxpool(2) flatten dropout(0.2) dense(16) relu dense(3)"

func newStripesModel(t testing.TB, seed uint64) (*model.Model, *nn.Env) {
	t.Helper()
	spec, err := model.Parse(stripesSpec)
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(seed, 2)
	m, err := model.New(spec, model.Input{Shape: []int{1, 8, 8}, Prep: model.PrepResize}, []string{"row", "column", "diagonal"}, env)
	if err != nil {
		t.Fatal(err)
	}
	return m, env
}

func stripesConfig(m *model.Model, epochs int) Config {
	opt := optim.NewSGD(m.Net.Params(), 0.05, 0.9)
	return Config{Epochs: epochs, BatchSize: 16, Seed: 7, Optimizer: opt,
		Schedule: optim.Cosine{LR: 0.05, Warmup: 5, Total: epochs * 19}}
}

func TestFitLearns(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	train, test := stripes(300, 1), stripes(150, 2)
	cfg := stripesConfig(m, 6)
	cfg.Test = test
	var epochs []Epoch
	var batches int
	cfg.Progress = func(p Progress) { batches++ }
	cfg.EpochEnd = func(e Epoch, s *State) error { epochs = append(epochs, e); return nil }
	res, err := Fit(context.Background(), m.Net, train, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.State.Epoch != 6 || len(epochs) != 6 || batches != 6*19 {
		t.Fatalf("ran %d epochs, reported %d epochs and %d batches", res.State.Epoch, len(epochs), batches)
	}
	last := epochs[5]
	if last.TestAccuracy < 0.9 || last.TrainLoss > epochs[0].TrainLoss/2 {
		t.Errorf("after 6 epochs: test accuracy %.3f, train loss %.3f (first epoch %.3f)", last.TestAccuracy, last.TrainLoss, epochs[0].TrainLoss)
	}
	ev, err := Evaluate(m.Net, test, 32)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev.Accuracy-last.TestAccuracy) > 1e-12 || len(ev.Predicted) != 150 || len(ev.Probs) != 450 {
		t.Errorf("Evaluate gives accuracy %v (epoch said %v), %d predictions", ev.Accuracy, last.TestAccuracy, len(ev.Predicted))
	}
}

// weights copies every parameter of net.
func weights(net *nn.Sequential) []float32 {
	var w []float32
	for _, p := range net.Params() {
		w = append(w, p.Value.Data...)
	}
	return w
}

// TestResumeMatchesUninterrupted stops a run after its second epoch, as a
// kill would, then resumes from the checkpoint with a model, optimiser and
// schedule made afresh: the final weights must equal, bit for bit, those
// of the same run never interrupted.
func TestResumeMatchesUninterrupted(t *testing.T) {
	train := stripes(300, 1)
	for _, plateau := range []bool{false, true} {
		full, env := newStripesModel(t, 3)
		cfg := stripesConfig(full, 4)
		if plateau {
			cfg.Schedule = &optim.ReduceOnPlateau{Current: 0.05, Patience: 0, Factor: 0.5}
		}
		if _, err := Fit(context.Background(), full.Net, train, cfg, nil); err != nil {
			t.Fatal(err)
		}
		want := weights(full.Net)
		env.Close()

		path := filepath.Join(t.TempDir(), "run.ckpt")
		first, env1 := newStripesModel(t, 3)
		cfg = stripesConfig(first, 4)
		if plateau {
			cfg.Schedule = &optim.ReduceOnPlateau{Current: 0.05, Patience: 0, Factor: 0.5}
		}
		killed := errors.New("killed")
		cfg.EpochEnd = func(e Epoch, s *State) error {
			if err := SaveCheckpoint(path, first, cfg.Optimizer, cfg.Schedule, s, map[string]string{"note": "test"}); err != nil {
				return err
			}
			if e.Epoch == 2 {
				return killed
			}
			return nil
		}
		if _, err := Fit(context.Background(), first.Net, train, cfg, nil); !errors.Is(err, killed) {
			t.Fatalf("first half: %v", err)
		}
		env1.Close()

		env2 := nn.NewEnv(99, 2) // the seed must not matter: everything comes from the file
		resumed, ck, err := LoadCheckpoint(path, env2)
		if err != nil {
			t.Fatal(err)
		}
		if ck.State.Epoch != 2 || len(ck.State.History) != 2 || !strings.Contains(string(ck.Config), "test") {
			t.Fatalf("checkpoint holds epoch %d, %d history lines, config %s", ck.State.Epoch, len(ck.State.History), ck.Config)
		}
		cfg = stripesConfig(resumed, 4)
		if plateau {
			cfg.Schedule = &optim.ReduceOnPlateau{}
		}
		if err := ck.Restore(cfg.Optimizer, cfg.Schedule); err != nil {
			t.Fatal(err)
		}
		res, err := Fit(context.Background(), resumed.Net, train, cfg, &ck.State)
		if err != nil {
			t.Fatal(err)
		}
		got := weights(resumed.Net)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("plateau=%v: resumed weight %d is %v, uninterrupted %v", plateau, i, got[i], want[i])
			}
		}
		if res.State.Epoch != 4 || len(res.State.History) != 4 {
			t.Errorf("resumed run ended at epoch %d with %d history lines", res.State.Epoch, len(res.State.History))
		}
		env2.Close()
	}
}

// TestDivergenceStopsAndKeepsCheckpoint trains with a learning rate so
// large that the loss overflows: training must stop with an error naming
// the epoch and batch, and the checkpoint of the last good epoch must
// still load with finite weights.
func TestDivergenceStopsAndKeepsCheckpoint(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	path := filepath.Join(t.TempDir(), "run.ckpt")
	cfg := stripesConfig(m, 5)
	cfg.Schedule = nil
	cfg.EpochEnd = func(e Epoch, s *State) error {
		if err := SaveCheckpoint(path, m, cfg.Optimizer, cfg.Schedule, s, nil); err != nil {
			return err
		}
		cfg.Optimizer.SetLR(1e30) // after a good first epoch, blow up
		return nil
	}
	_, err := Fit(context.Background(), m.Net, stripes(300, 1), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "epoch 2 batch") {
		t.Fatalf("error %v, want one naming epoch 2 and a batch", err)
	}
	env2 := nn.NewEnv(1, 1)
	defer env2.Close()
	saved, ck, err := LoadCheckpoint(path, env2)
	if err != nil {
		t.Fatalf("the last good checkpoint does not load: %v", err)
	}
	if ck.State.Epoch != 1 || firstNonFinite(saved.Net.Params()) != "" {
		t.Errorf("checkpoint at epoch %d, non-finite weight %q", ck.State.Epoch, firstNonFinite(saved.Net.Params()))
	}
}

func TestEarlyStopping(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	cfg := stripesConfig(m, 50)
	cfg.Schedule = nil
	cfg.Optimizer.SetLR(0) // nothing improves after the first epoch
	cfg.Validation = stripes(60, 5)
	cfg.EarlyStop = EarlyStop{Metric: "val_loss", Patience: 3}
	res, err := Fit(context.Background(), m.Net, stripes(90, 1), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.State.Epoch != 4 || res.State.BestEpoch != 1 || !strings.Contains(res.Stopped, "early stop") {
		t.Errorf("stopped after epoch %d (best %d): %q; want after epoch 4, best 1", res.State.Epoch, res.State.BestEpoch, res.Stopped)
	}
}

// TestKeepLast checks -best last: every epoch counts as the best, so the
// last one is kept; and that with a validation set the test set is not
// scored during training.
func TestKeepLast(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	cfg := stripesConfig(m, 4)
	cfg.Schedule = nil
	cfg.Optimizer.SetLR(0) // the validation loss never improves on epoch 1's
	cfg.Validation, cfg.Test = stripes(60, 5), stripes(60, 6)
	cfg.EarlyStop = EarlyStop{Metric: "last"}
	res, err := Fit(context.Background(), m.Net, stripes(90, 1), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.State.BestEpoch != 4 {
		t.Errorf("kept epoch %d, want the last, 4", res.State.BestEpoch)
	}
	for _, e := range res.State.History {
		if !e.Best || e.ValLoss == 0 || e.TestLoss != 0 || e.TestAccuracy != 0 {
			t.Errorf("epoch %d: best %v, validation loss %v, test loss %v accuracy %v; want best, scored on validation only",
				e.Epoch, e.Best, e.ValLoss, e.TestLoss, e.TestAccuracy)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	d := stripes(30, 1)
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Epochs = 0 }, "0 epochs"},
		{func(c *Config) { c.BatchSize = 0 }, "batch size 0"},
		{func(c *Config) { c.Optimizer = nil }, "no optimiser"},
		{func(c *Config) { c.EarlyStop = EarlyStop{Metric: "val_loss", Patience: 2} }, "needs a validation set"},
		{func(c *Config) { c.Validation = d; c.EarlyStop = EarlyStop{Metric: "last", Patience: 2} }, `not "last"`},
		{func(c *Config) { c.EarlyStop = EarlyStop{Metric: "val_f1"} }, `unknown validation metric "val_f1"`},
	} {
		cfg := stripesConfig(m, 1)
		c.change(&cfg)
		if _, err := Fit(context.Background(), m.Net, d, cfg, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	two := &data.Dataset{Name: "two", Images: d.Images, Labels: make([]int, 30), Classes: []string{"a", "b"}}
	if _, err := Fit(context.Background(), m.Net, two, stripesConfig(m, 1), nil); err == nil || !strings.Contains(err.Error(), "has 2 classes") {
		t.Errorf("class-count mismatch gave %v", err)
	}
}

func TestFitScoresTheAverage(t *testing.T) {
	m, env := newStripesModel(t, 4)
	defer env.Close()
	train, val := stripes(200, 4), stripes(60, 5)
	cfg := stripesConfig(m, 2)
	avg, err := optim.NewAveraged(cfg.Optimizer, m.Net.Params(), 0.9)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Optimizer, cfg.Validation = avg, val
	res, err := Fit(context.Background(), m.Net, train, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := res.State.History[len(res.State.History)-1]
	var averaged, trained *Evaluation
	// Scored at the batch size Fit scores at (the training batch's), the
	// loss adds up in the same order, to the same bits.
	if err := avg.Use(func() (err error) { averaged, err = Evaluate(m.Net, val, cfg.BatchSize); return err }); err != nil {
		t.Fatal(err)
	}
	if trained, err = Evaluate(m.Net, val, cfg.BatchSize); err != nil {
		t.Fatal(err)
	}
	if last.ValLoss != averaged.Loss {
		t.Fatalf("the last epoch's validation loss is %v; the averaged weights score %v, the trained ones %v", last.ValLoss, averaged.Loss, trained.Loss)
	}
	if trained.Loss == averaged.Loss {
		t.Fatal("the averaged and trained weights score the same: nothing was averaged")
	}
}

// TestNonFiniteTestLossStops trains on ordinary stripes and scores on
// images 1e38 times as bright, so that the weights and the training loss
// stay finite while the test loss overflows, as soon as the weights send
// those images through: the run stops at that epoch with an error naming
// the test loss, and records nothing of it, so EpochEnd (which saves the
// checkpoint and the metrics log) has seen only finite losses.
func TestNonFiniteTestLossStops(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	cfg := stripesConfig(m, 4)
	test := stripes(30, 2)
	for i := range test.Images.Data {
		test.Images.Data[i] *= 1e38
	}
	cfg.Test = test
	ends := 0
	cfg.EpochEnd = func(e Epoch, _ *State) error {
		ends++
		if math.IsNaN(e.TestLoss) || math.IsInf(e.TestLoss, 0) {
			t.Errorf("epoch %d ended with a test loss of %v", e.Epoch, e.TestLoss)
		}
		return nil
	}
	res, err := Fit(context.Background(), m.Net, stripes(120, 1), cfg, nil)
	want := fmt.Sprintf("epoch %d: the test loss is", ends+1)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one starting %q", err, want)
	}
	if res == nil || res.Stopped != "diverged" || res.State.Epoch != ends || len(res.State.History) != ends {
		t.Errorf("result %+v after %d EpochEnd calls; want diverged with only the ended epochs recorded", res, ends)
	}
}

// TestScoringKeepsTheTrainingBatch checks that scoring during training
// runs at the training batch size unless told otherwise: every layer
// keeps the memory of the largest batch it has held, so scoring 150
// images at once would leave each layer's buffers ten times a training
// batch's for the rest of the run. The network's output after Fit tells:
// its buffer holds as many rows as the largest batch it was grown to.
func TestScoringKeepsTheTrainingBatch(t *testing.T) {
	for _, evalBatch := range []int{0, 50} {
		m, env := newStripesModel(t, 1)
		t.Cleanup(env.Close)
		cfg := stripesConfig(m, 1)
		cfg.Validation, cfg.EvalBatch = stripes(150, 5), evalBatch
		if _, err := Fit(context.Background(), m.Net, stripes(64, 1), cfg, nil); err != nil {
			t.Fatal(err)
		}
		y := m.Net.Forward(tensor.New(cfg.BatchSize, 1, 8, 8), false)
		rows := cap(y.Data) / y.Shape[1]
		if want := max(cfg.BatchSize, evalBatch); rows != want {
			t.Errorf("EvalBatch %d: the output's buffer holds %d rows after training at %d; want %d", evalBatch, rows, cfg.BatchSize, want)
		}
	}
}
