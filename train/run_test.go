package train

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/optim"
)

// TestRunKeepsTheBestEpoch runs a whole run with a validation set and
// checks its files: the log of every epoch, a checkpoint of the last, and
// a model file holding the kept epoch with its test scores, which are
// Outcome.Final's.
func TestRunKeepsTheBestEpoch(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	d := stripes(200, 1)
	trainSet, val := d.Subset(seq(0, 150)), d.Subset(seq(150, 200))
	cfg, err := Recipe{Epochs: 4, BatchSize: 16, Seed: 1, Optimizer: optim.Settings{Name: "sgd", LR: 0.05, Momentum: 0.9},
		Schedule: "cosine"}.Config(m.Net, trainSet, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Validation = val
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

func seq(lo, hi int) []int {
	s := make([]int, hi-lo)
	for i := range s {
		s[i] = lo + i
	}
	return s
}
