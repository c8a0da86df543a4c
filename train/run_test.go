package train

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/augment"
	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestRunKeepsTheBestEpoch runs a whole run with a validation set and
// checks its files: the log of every epoch, a checkpoint of the last, and
// a model file holding the kept epoch with its test scores, which are
// Outcome.Final's.
func TestRunKeepsTheBestEpoch(t *testing.T) {
	m, env, trainSet, val, cfg := newStripesRun(t, 4)
	dir := t.TempDir()
	run := Run{Model: m, Env: env, Config: cfg, Train: trainSet, Test: val,
		Out: filepath.Join(dir, "m.safetensors"), Log: filepath.Join(dir, "m.jsonl"), Checkpoint: filepath.Join(dir, "m.ckpt"),
		Info: map[string]string{"dataset": "stripes"}}
	epochs := 0
	run.EpochDone = func(Epoch, *State) { epochs++ }
	out, err := run.Do(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if epochs != 4 || out.Saved != 4 || out.Result.State.BestEpoch < 1 {
		t.Errorf("%d epochs reported, checkpoint of epoch %d, best epoch %d", epochs, out.Saved, out.Result.State.BestEpoch)
	}
	log, err := ReadLog(run.Log)
	if err != nil || len(log) != 4 {
		t.Fatalf("log: %d epochs, %v", len(log), err)
	}
	saved, err := model.Load(run.Out, env)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(saved.Net, val, 64)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Loss != out.Final.Loss || saved.Info["dataset"] != "stripes" || saved.Info["test_loss"] == "" {
		t.Errorf("the model file scores %g, the outcome %g; info %v", ev.Loss, out.Final.Loss, saved.Info)
	}
	if _, err := os.Stat(run.Checkpoint); err != nil {
		t.Error(err)
	}
}

// newStripesRun makes the model and data of a run on stripes: 150
// training images, 50 validation images (also scored as its test part)
// and the Config of SGD on a cosine schedule for the given epochs, with
// the validation part set. The environment is closed when the test ends.
func newStripesRun(t *testing.T, epochs int) (*model.Model, *nn.Env, *data.Dataset, *data.Dataset, Config) {
	t.Helper()
	m, env := newStripesModel(t, 1)
	t.Cleanup(env.Close)
	d := stripes(200, 1)
	trainSet, val := d.Subset(seq(0, 150)), d.Subset(seq(150, 200))
	cfg, err := Recipe{Epochs: epochs, BatchSize: 16, Seed: 1, Optimizer: optim.Settings{Name: "sgd", LR: 0.05, Momentum: 0.9},
		Schedule: "cosine"}.Config(m.Net, trainSet, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Validation = val
	return m, env, trainSet, val, cfg
}

func seq(lo, hi int) []int {
	s := make([]int, hi-lo)
	for i := range s {
		s[i] = lo + i
	}
	return s
}

// TestResumeThroughTheLibrary stops a run after its second epoch (as a
// killed one stops: the checkpoint of that epoch is what is left),
// resumes it with LoadCheckpoint, Resume and Run.Do, as a Go program
// would, and requires exactly the weights of the same run left alone:
// with dropout, batch norm, a weight average whose batch norm statistics
// are recomputed, a balanced sampler, augmentation and a validation set,
// all of whose state must come back.
func TestResumeThroughTheLibrary(t *testing.T) {
	d := stripes(240, 3)
	trainSet, val := d.Subset(seq(0, 192)), d.Subset(seq(192, 240))
	recipe := Recipe{Epochs: 4, BatchSize: 16, Seed: 5, Optimizer: optim.Settings{Name: "adamw", LR: 0.01}, Schedule: "cosine",
		EMA: 0.9, EMABatchNorm: 48, Sampler: "balanced", Augment: "shift=1", ClassWeights: "sqrt"}
	run := func(dir string, m *model.Model, env *nn.Env, cfg Config, state *State, stopAfter int) (*Outcome, error) {
		cfg.Validation = val
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := Run{Model: m, Env: env, Config: cfg, Train: trainSet, Test: val, Recipe: &recipe,
			Out: filepath.Join(dir, "m.safetensors"), Log: filepath.Join(dir, "m.jsonl"), Checkpoint: filepath.Join(dir, "m.ckpt")}
		r.EpochDone = func(e Epoch, _ *State) {
			if e.Epoch == stopAfter {
				cancel()
			}
		}
		return r.Do(ctx, state)
	}
	newRun := func(dir string, stopAfter int) (*Outcome, error) {
		m, env := newBatchNormModel(t, 1)
		defer env.Close()
		cfg, err := recipe.Config(m.Net, trainSet, nil, env)
		if err != nil {
			t.Fatal(err)
		}
		return run(dir, m, env, cfg, nil, stopAfter)
	}

	whole := t.TempDir()
	if _, err := newRun(whole, 0); err != nil {
		t.Fatal(err)
	}
	cut := t.TempDir()
	out, err := newRun(cut, 2)
	if err == nil || out.Saved != 2 {
		t.Fatalf("the stopped run: %v, checkpoint of epoch %d; want it stopped after epoch 2", err, out.Saved)
	}
	env := nn.NewEnv(1, 2)
	defer env.Close()
	m, ck, err := LoadCheckpoint(filepath.Join(cut, "m.ckpt"), env)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Resume(ck, m, trainSet, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(cut, m, env, cfg, &ck.State, 0); err != nil {
		t.Fatal(err)
	}
	a, err := os.ReadFile(filepath.Join(whole, "m.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(cut, "m.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the resumed run's model file differs from the uninterrupted run's")
	}
}

// TestEMABatchNormRecomputed runs a recipe with a weight average twice,
// with and without EMABatchNorm, on a network with batch norms and
// dropout: training must go the same, bit for bit (the checkpoints hold
// the same trained weights and statistics), and the model files the same
// averaged weights, with, for the recomputed run, the running statistics
// that nn.Sequential.RecomputeBatchNorm gives the average from the same
// images spread through the training set.
func TestEMABatchNormRecomputed(t *testing.T) {
	d := stripes(240, 3)
	trainSet, val := d.Subset(seq(0, 192)), d.Subset(seq(192, 240))
	run := func(dir string, recompute int) *model.Model {
		m, env := newBatchNormModel(t, 1)
		t.Cleanup(env.Close)
		recipe := Recipe{Epochs: 3, BatchSize: 16, Seed: 5, Optimizer: optim.Settings{Name: "adamw", LR: 0.01}, Schedule: "cosine",
			EMA: 0.9, EMABatchNorm: recompute, Best: "last", Augment: "shift=2"}
		cfg, err := recipe.Config(m.Net, trainSet, nil, env)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Validation = val
		r := Run{Model: m, Env: env, Config: cfg, Train: trainSet, Test: val, Recipe: &recipe,
			Out: filepath.Join(dir, "m.safetensors"), Checkpoint: filepath.Join(dir, "m.ckpt")}
		if _, err := r.Do(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		saved, err := model.Load(r.Out, env)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	plainDir, bnDir := t.TempDir(), t.TempDir()
	plain, recomputed := run(plainDir, 0), run(bnDir, 64)

	env := nn.NewEnv(1, 2)
	defer env.Close()
	a, _, err := LoadCheckpoint(filepath.Join(plainDir, "m.ckpt"), env)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := LoadCheckpoint(filepath.Join(bnDir, "m.ckpt"), env)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range a.Net.Params() {
		if !slices.Equal(p.Value.Data, b.Net.Params()[i].Value.Data) {
			t.Fatalf("the checkpoints' %s differ: recomputing batch norm for the average changed the training", p.Name)
		}
	}

	// The same averaged weights; the plain run's statistics recomputed
	// are the other run's.
	want := plain.Net
	var before [][]float32
	for _, p := range want.Params() {
		before = append(before, slices.Clone(p.Value.Data))
	}
	// The draw Config promises: 64 images of a permutation from Seed+4,
	// in batches of 16, each augmented from the same stream.
	recompute := func(augmented bool) {
		r := rng.New(5 + 4)
		it, err := data.NewBatches(trainSet.Subset(r.Perm(trainSet.Len())[:64]), 16, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		shift, err := augment.New(augment.Options{Shift: 2})
		if err != nil {
			t.Fatal(err)
		}
		if n := want.RecomputeBatchNorm(func(yield func(*tensor.Tensor) bool) {
			var batch data.Batch
			for it.Next(&batch) {
				if augmented {
					shift.Apply(&batch, r)
				}
				if !yield(&batch.Images) {
					return
				}
			}
		}); n != 4 {
			t.Fatalf("recomputed from %d batches, want 4 of 16", n)
		}
	}
	recompute(false)
	fromAugmented := false
	for i, p := range recomputed.Net.Params() {
		if p.Grad == nil && !slices.Equal(p.Value.Data, want.Params()[i].Value.Data) {
			fromAugmented = true
		}
	}
	if !fromAugmented {
		t.Error("the running statistics are those of unaugmented images")
	}
	recompute(true)
	differ := false
	for i, p := range recomputed.Net.Params() {
		w := want.Params()[i]
		if !slices.Equal(p.Value.Data, w.Value.Data) {
			t.Errorf("the model file's %s is not the average's, recomputed", p.Name)
		}
		if p.Grad == nil && !slices.Equal(p.Value.Data, before[i]) {
			differ = true
		}
	}
	if !differ {
		t.Error("recomputing left every running statistic as the trained weights had it")
	}
}

// newBatchNormModel is newStripesModel with batch norms after the
// convolution and the first dense layer.
func newBatchNormModel(t testing.TB, seed uint64) (*model.Model, *nn.Env) {
	t.Helper()
	spec, err := model.Parse("conv(4,3,pad=1) batchnorm relu maxpool(2) flatten dropout(0.2) dense(16) batchnorm relu dense(3)")
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

// TestSnapshots runs a recipe of 4 epochs in 2 snapshot cycles: the
// learning rate falls over epochs 1-2, starts again at epoch 3 and falls
// again; the model after epoch 2 is saved beside the model file, the same
// tensors as the model file of the run stopped after epoch 2; the model
// file holds epoch 4; and the two score together as an ensemble.
func TestSnapshots(t *testing.T) {
	d := stripes(240, 3)
	trainSet, val := d.Subset(seq(0, 192)), d.Subset(seq(192, 240))
	recipe := Recipe{Epochs: 4, BatchSize: 16, Seed: 5, Optimizer: optim.Settings{Name: "adamw", LR: 0.01}, Schedule: "cosine",
		Snapshots: 2} // and no Best: the model file holds the last epoch
	if ends := recipe.SnapshotEpochs(); !slices.Equal(ends, []int{2}) {
		t.Fatalf("snapshot epochs %v, want [2]", ends)
	}
	run := func(dir string, stopAfter int) (*Outcome, error) {
		m, env := newBatchNormModel(t, 1)
		t.Cleanup(env.Close)
		cfg, err := recipe.Config(m.Net, trainSet, nil, env)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Validation = val
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := Run{Model: m, Env: env, Config: cfg, Train: trainSet, Test: val, Recipe: &recipe, Out: filepath.Join(dir, "m.safetensors")}
		r.EpochDone = func(e Epoch, _ *State) {
			if e.Epoch == stopAfter {
				cancel()
			}
		}
		return r.Do(ctx, nil)
	}
	whole, cut := t.TempDir(), t.TempDir()
	out, err := run(whole, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := out.Result.State.History
	if len(h) != 4 || !(h[1].LearningRate < h[0].LearningRate && h[2].LearningRate > h[1].LearningRate && h[3].LearningRate < h[2].LearningRate) {
		t.Fatalf("learning rates by epoch: want a fall, a restart and a fall again: %+v", h)
	}
	if _, err := run(cut, 2); err == nil {
		t.Fatal("the run stopped after epoch 2 did not say so")
	}
	env := nn.NewEnv(1, 2)
	defer env.Close()
	load := func(path string) *model.Model {
		m, err := model.Load(path, env)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	snap, atTwo, last := load(SnapshotPath(filepath.Join(whole, "m.safetensors"), 1)), load(filepath.Join(cut, "m.safetensors")), load(filepath.Join(whole, "m.safetensors"))
	if snap.Info["epochs"] != "2" || last.Info["epochs"] != "4" {
		t.Errorf("the snapshot holds epoch %s and the model file epoch %s; want 2 and 4", snap.Info["epochs"], last.Info["epochs"])
	}
	for i, p := range snap.Net.Params() {
		if !slices.Equal(p.Value.Data, atTwo.Net.Params()[i].Value.Data) {
			t.Fatalf("the snapshot's %s is not the model after epoch 2", p.Name)
		}
	}
	if _, err := os.Stat(SnapshotPath(filepath.Join(whole, "m.safetensors"), 2)); err == nil {
		t.Error("a second snapshot was saved: the last cycle's model is the model file")
	}
	if _, err := Score(last.Net, val, Scoring{Others: []*nn.Sequential{snap.Net}}); err != nil {
		t.Errorf("scoring the snapshots together: %v", err)
	}
}

// TestRunScoresTheKeptEpochNotTheLast keeps an earlier epoch than the
// last (the first to reach the best validation accuracy, which later
// epochs only tie) and checks that the test scores, the model file and
// the Outcome's model are all that epoch's weights, not the last's.
func TestRunScoresTheKeptEpochNotTheLast(t *testing.T) {
	m, env, trainSet, val, cfg := newStripesRun(t, 6)
	cfg.EarlyStop = EarlyStop{Metric: "val_accuracy"}
	dir := t.TempDir()
	run := Run{Model: m, Env: env, Config: cfg, Train: trainSet, Test: val, Out: filepath.Join(dir, "m.safetensors")}
	var last []float32
	run.EpochDone = func(Epoch, *State) { last = weights(m.Net) }
	out, err := run.Do(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if best := out.Result.State.BestEpoch; best >= 6 {
		t.Fatalf("kept epoch %d of 6: the test needs an earlier one", best)
	}
	saved, err := model.Load(run.Out, env)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights(out.Model.Net), weights(saved.Net)) || slices.Equal(weights(saved.Net), last) {
		t.Error("the Outcome's model does not hold the kept epoch's weights, or the file holds the last epoch's")
	}
	ev, err := Evaluate(saved.Net, val, cfg.BatchSize)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Loss != out.Final.Loss {
		t.Errorf("the kept epoch scores %g, the outcome says %g", ev.Loss, out.Final.Loss)
	}
}
