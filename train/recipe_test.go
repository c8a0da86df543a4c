package train

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/tensor"
)

// TestRecipeConfig builds the Config of a recipe and checks what it
// holds, and that a wrong field is named in the error.
func TestRecipeConfig(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	net := nn.NewSequential(nn.NewFlatten(), nn.NewDense(3))
	if _, err := net.Build([]int{1, 4, 4}, env); err != nil {
		t.Fatal(err)
	}
	d := &data.Dataset{Images: tensor.New(8, 1, 4, 4), Labels: []int{0, 0, 0, 0, 0, 0, 1, 2}, Classes: []string{"a", "b", "c"}}
	r := Recipe{Epochs: 3, BatchSize: 4, Seed: 7, Optimizer: optim.Settings{Name: "adamw"}, Schedule: "cosine",
		EMA: 0.9, EarlyStop: "val_accuracy:2", ClassWeights: "balanced", Sampler: "balanced", Augment: "fliph"}
	cfg, err := r.Config(net, d, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Optimizer.(*optim.Averaged); !ok || cfg.Seed != 8 || cfg.EarlyStop != (EarlyStop{Metric: "val_accuracy", Patience: 2}) ||
		cfg.Sampler == nil || cfg.Augment == nil || cfg.Schedule == nil {
		t.Errorf("config %+v", cfg)
	}
	// Balanced weights: N/(K·count) for counts 6, 1, 1 of 8.
	if want := []float32{8.0 / 18, 8.0 / 3, 8.0 / 3}; !slices.Equal(cfg.ClassWeights, want) {
		t.Errorf("class weights %v, want %v", cfg.ClassWeights, want)
	}
	for field, bad := range map[string]Recipe{
		"optimizer":       {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "adagrad"}, Schedule: "cosine"},
		"schedule":        {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "zigzag"},
		"early-stop":      {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", EarlyStop: "val_loss"},
		"class-weights":   {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", ClassWeights: "heavy"},
		"sampler":         {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", Sampler: "random"},
		"augment":         {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", Augment: "wobble"},
		"label-smoothing": {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", LabelSmoothing: 1},
		"mixup":           {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", Mixup: -1},
		"focal":           {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", Focal: 2, Mixup: 0.2},
		"cutmix":          {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", CutMix: 1, Mixup: 0.2},
		"best":            {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", Best: "top"},
		"epochs":          {Epochs: 0, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine"},
		"batch":           {Epochs: 1, BatchSize: 0, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine"},
		"lr":              {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd", LR: -0.1}, Schedule: "cosine"},
		"ema-bn":          {Epochs: 1, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", EMABatchNorm: 100},
		"snapshots":       {Epochs: 4, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "constant", Snapshots: 2},
	} {
		_, err := bad.Config(net, d, nil, env)
		var re *RecipeError
		if !errors.As(err, &re) || re.Field != field || !strings.HasPrefix(err.Error(), field+": ") {
			t.Errorf("a wrong %s: %v", field, err)
		}
		// Check finds it too, with no network or data.
		if err := bad.Check(); !errors.As(err, &re) || re.Field != field {
			t.Errorf("Check of a wrong %s: %v", field, err)
		}
	}
	// Snapshots keep each cycle's last epoch, not the best; and take
	// no more cycles than epochs.
	for _, bad := range []Recipe{
		{Epochs: 4, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", Snapshots: 2, Best: "val_loss"},
		{Epochs: 4, BatchSize: 4, Optimizer: optim.Settings{Name: "sgd"}, Schedule: "cosine", Snapshots: 5},
	} {
		var re *RecipeError
		if err := bad.Check(); !errors.As(err, &re) || re.Field != "snapshots" {
			t.Errorf("snapshots %d with best %q over %d epochs: %v", bad.Snapshots, bad.Best, bad.Epochs, err)
		}
	}
}

// fitStripes trains the stripes model (seed 1) on 240 stripes for the
// given epochs with Adam at 0.01 on a constant rate and the recipe's
// other fields (r's Epochs, BatchSize, Seed, Optimizer and Schedule are
// set here), the training set also the validation set, and returns the
// last epoch and the trained model.
func fitStripes(t *testing.T, epochs int, r Recipe) (Epoch, *model.Model) {
	t.Helper()
	m, env := newStripesModel(t, 1)
	t.Cleanup(env.Close)
	d := stripes(240, 2)
	r.Epochs, r.BatchSize, r.Seed = epochs, 16, 1
	r.Optimizer, r.Schedule = optim.Settings{Name: "adam", LR: 0.01}, "constant"
	cfg, err := r.Config(m.Net, d, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Validation = d
	res, err := Fit(context.Background(), m.Net, d, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.State.History[len(res.State.History)-1], m
}

// TestLabelSmoothingFloor trains with label smoothing: the training loss
// cannot fall below the entropy of the smoothed target, however well the
// network learns, while the validation loss, plain cross-entropy, can.
func TestLabelSmoothingFloor(t *testing.T) {
	const eps = 0.3
	last, _ := fitStripes(t, 8, Recipe{LabelSmoothing: eps})
	const k = 3
	hi, lo := 1-eps+eps/k, eps/k
	floor := -hi*math.Log(hi) - (k-1)*lo*math.Log(lo)
	t.Logf("training loss %.4f (floor %.4f), validation loss %.4f, accuracy %.3f", last.TrainLoss, floor, last.ValLoss, last.ValAccuracy)
	if last.TrainLoss < floor-1e-6 || last.ValAccuracy < 0.9 || last.ValLoss >= floor {
		t.Errorf("last epoch: training loss %.4f (floor %.4f), validation loss %.4f, accuracy %.3f", last.TrainLoss, floor, last.ValLoss, last.ValAccuracy)
	}
}

// TestFitWithFocalLoss trains with the focal loss: the network learns,
// and the validation loss reported is the plain cross-entropy.
func TestFitWithFocalLoss(t *testing.T) {
	last, m := fitStripes(t, 8, Recipe{Focal: 2, ClassWeights: "balanced"})
	ev, err := Evaluate(m.Net, stripes(240, 2), 64)
	if err != nil {
		t.Fatal(err)
	}
	if last.ValAccuracy < 0.9 || math.Abs(last.ValLoss-ev.Loss) > 1e-9 {
		t.Errorf("accuracy %.3f, validation loss %v against the cross-entropy %v", last.ValAccuracy, last.ValLoss, ev.Loss)
	}
}

// TestOptimizerNamesAndRates checks that every optimiser a recipe may
// name is one Check accepts, with a positive default rate, and that the
// rate Config gives an optimiser left at 0 is DefaultLR's.
func TestOptimizerNamesAndRates(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	net := nn.NewSequential(nn.NewFlatten(), nn.NewDense(2))
	if _, err := net.Build([]int{1, 2, 2}, env); err != nil {
		t.Fatal(err)
	}
	d := &data.Dataset{Images: tensor.New(2, 1, 2, 2), Labels: []int{0, 1}, Classes: []string{"a", "b"}}
	names := OptimizerNames()
	if !slices.Equal(names, []string{"sgd", "adam", "adamw", "rmsprop"}) {
		t.Errorf("OptimizerNames() = %v", names)
	}
	for _, name := range names {
		r := Recipe{Epochs: 1, BatchSize: 2, Optimizer: optim.Settings{Name: name}, Schedule: "constant"}
		cfg, err := r.Config(net, d, nil, env)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if lr := DefaultLR(name); !(lr > 0) || cfg.Optimizer.LR() != lr {
			t.Errorf("%s: DefaultLR %g, the optimiser's rate %g", name, lr, cfg.Optimizer.LR())
		}
	}
	if DefaultLR("sgd") != 0.05 || DefaultLR("adam") != 0.001 || DefaultLR("adagrad") != 0 {
		t.Errorf("DefaultLR: sgd %g, adam %g, adagrad %g; want 0.05, 0.001 and 0", DefaultLR("sgd"), DefaultLR("adam"), DefaultLR("adagrad"))
	}
}
