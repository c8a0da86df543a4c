package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/train"
	"github.com/gocnn/gocnn/trainingdata"
)

// trainSettings are the settings of gocnn train. A checkpoint stores them,
// so that -resume carries on with the same ones.
type trainSettings struct {
	Data       string   `json:"data"`
	DataDir    string   `json:"data_dir,omitempty"`
	Classes    string   `json:"classes,omitempty"`
	TrainLimit int      `json:"train_limit,omitempty"`
	TestLimit  int      `json:"test_limit,omitempty"`
	Normalize  bool     `json:"normalize,omitempty"`
	Augment    string   `json:"augment,omitempty"`
	Ham        hamFlags `json:"ham,omitempty"`
	Channels   int      `json:"channels,omitempty"`
	// FolderSize is the size a picture folder's pictures were resized to,
	// HEIGHTxWIDTH, once loaded: a resumed run loads them at it again.
	FolderSize string `json:"folder_size,omitempty"`

	sizeGiven bool // -size was on the command line

	Model        string  `json:"model"`
	InitFrom     string  `json:"init_from,omitempty"`
	Epochs       int     `json:"epochs"`
	Batch        int     `json:"batch"`
	Optimizer    string  `json:"optimizer"`
	LR           float64 `json:"lr"`
	Momentum     float64 `json:"momentum"`
	Nesterov     bool    `json:"nesterov,omitempty"`
	WeightDecay  float64 `json:"weight_decay,omitempty"`
	Schedule     string  `json:"schedule"`
	Clip         float64 `json:"clip,omitempty"`
	EMA          float64 `json:"ema,omitempty"`
	EMABN        int     `json:"ema_bn,omitempty"`
	Snapshots    int     `json:"snapshots,omitempty"`
	Seed         uint64  `json:"seed"`
	Threads      int     `json:"threads"`
	Val          float64 `json:"val,omitempty"`
	EarlyStop    string  `json:"early_stop,omitempty"`
	Best         string  `json:"best,omitempty"`
	ClassWeights string  `json:"class_weights,omitempty"`
	LabelSmooth  float64 `json:"label_smoothing,omitempty"`
	Mixup        float64 `json:"mixup,omitempty"`
	CutMix       float64 `json:"cutmix,omitempty"`
	Focal        float64 `json:"focal,omitempty"`
	Sampler      string  `json:"sampler,omitempty"`

	Out        string `json:"out"`
	Log        string `json:"log"`
	Checkpoint string `json:"checkpoint"`
}

func (f *trainSettings) register(fs *flagSet) {
	fs.StringVar(&f.Data, "data", "mnist", "dataset: mnist, fashion-mnist, ham10000, or a folder of pictures with one subfolder per class")
	fs.IntVar(&f.Channels, "channels", 0, "picture folders: 1 (gray) or 3 (colour) (default: 1 if every picture is gray)")
	fs.StringVar(&f.DataDir, "data-dir", "", "data folder (default $GOCNN_DATA, else gocnn in the user's cache folder); for ham10000, the folder holding HAM10000_metadata.csv")
	f.Ham.register(fs)
	fs.StringVar(&f.Classes, "classes", "", "train on these classes only, by index or name (\"3,5\" for the two-digit task)")
	fs.IntVar(&f.TrainLimit, "train-limit", 0, "use only N training images, spread evenly through the set (0: all)")
	fs.IntVar(&f.TestLimit, "test-limit", 0, "use only N test images, spread evenly through the set (0: all)")
	fs.BoolVar(&f.Normalize, "normalize", false, "normalise each channel to mean 0, std 1 (statistics of the training set)")
	fs.StringVar(&f.Augment, "augment", "", "augment training images: digits, skin, or a list such as \"shift=2,rotate=10\" (see the augment package)")
	fs.StringVar(&f.Model, "model", "lenet5", "preset ("+strings.Join(model.PresetNames(), ", ")+"), a spec such as \"conv(8,3) relu maxpool(2) flatten dense(10)\", or a .json/.txt spec file")
	fs.StringVar(&f.InitFrom, "init-from", "", "start from this model file's network and weights (.safetensors or .onnx) instead of -model's, to fine-tune it; its input normalisation is kept")
	fs.IntVar(&f.Epochs, "epochs", 10, "passes over the training set")
	fs.IntVar(&f.Batch, "batch", 64, "mini-batch size")
	fs.StringVar(&f.Optimizer, "optimizer", "sgd", strings.Join(train.OptimizerNames(), ", "))
	fs.Float64Var(&f.LR, "lr", 0, fmt.Sprintf("learning rate (default %g for sgd, %g otherwise)", train.DefaultLR("sgd"), train.DefaultLR("adam")))
	fs.Float64Var(&f.Momentum, "momentum", 0.9, "momentum (sgd, rmsprop)")
	fs.BoolVar(&f.Nesterov, "nesterov", false, "Nesterov momentum (sgd)")
	fs.Float64Var(&f.WeightDecay, "weight-decay", 0, "weight decay")
	fs.StringVar(&f.Schedule, "schedule", "cosine", "learning-rate schedule: constant, step, exp, cosine, onecycle or plateau")
	fs.Float64Var(&f.Clip, "clip", 0, "clip gradients to this global norm (0: off)")
	fs.Float64Var(&f.EMA, "ema", 0, "keep a moving average of the weights that decays at this rate per step (such as 0.999), and score and save it rather than the trained weights (0: off)")
	fs.IntVar(&f.Snapshots, "snapshots", 0, "a snapshot ensemble: cut the epochs into this many cycles, restart the cosine schedule at each, and save each cycle's last model but the final one beside -out (NAME.snapshot1.safetensors, ...); score them with eval -ensemble (0: none)")
	fs.IntVar(&f.EMABN, "ema-bn", 0, "with -ema: recompute batch norm's running statistics for the average from this many training images (drawn at random and augmented as in training) each time it is scored or saved (0: keep the trained weights' statistics)")
	fs.Uint64Var(&f.Seed, "seed", 1, "random seed: the same seed and -threads give the same model")
	fs.IntVar(&f.Threads, "threads", 0, "worker threads (0: one per core)")
	fs.Float64Var(&f.Val, "val", 0, "hold out this fraction of the training set for validation; the model file then keeps the best epoch")
	fs.StringVar(&f.EarlyStop, "early-stop", "", "stop when a validation metric stalls for N epochs: val_loss:N, val_accuracy:N or val_balanced_accuracy:N")
	fs.StringVar(&f.Best, "best", "", "validation metric that picks the epoch the model file keeps: val_loss, val_accuracy or val_balanced_accuracy (default val_loss; val_balanced_accuracy for ham10000); last keeps the final epoch")
	fs.StringVar(&f.ClassWeights, "class-weights", "none", "weight each class's loss: none, balanced (N/(K·count)), sqrt (the square root of balanced) or inverse (1/count, mean 1)")
	fs.Float64Var(&f.LabelSmooth, "label-smoothing", 0, "label smoothing ε: train towards (1−ε) on the true class and ε spread over all classes (0: off; the reported validation and test losses stay plain)")
	fs.Float64Var(&f.Mixup, "mixup", 0, "mixup α: train on mixtures of pairs of images, in proportions drawn from Beta(α, α), learnt as the same mixtures of their classes (0: off; 0.2 is usual)")
	fs.Float64Var(&f.CutMix, "cutmix", 0, "cutmix α: paste into each training image a box of another of the batch, of an area drawn from Beta(α, α), learnt as the mixture of their classes the areas give (0: off; 1 is usual)")
	fs.Float64Var(&f.Focal, "focal", 0, "train with the focal loss of this γ instead of the cross-entropy, weighing down examples already right (0: off; 2 is usual)")
	fs.StringVar(&f.Sampler, "sampler", "shuffle", "how training batches are drawn: shuffle (each image once per epoch) or balanced (classes equally often)")
	fs.StringVar(&f.Out, "out", "", "model file to write (default <data>-<model>.safetensors; <data>-classes-3-5-<model>.safetensors with -classes 3,5)")
	fs.StringVar(&f.Log, "log", "", "metrics log, one JSON line per epoch (default the model file with .jsonl)")
	fs.StringVar(&f.Checkpoint, "checkpoint", "", "checkpoint written after every epoch (default the model file with .ckpt; \"none\" for none)")
}

func runTrain(args []string, stdout, stderr io.Writer) (retErr error) {
	fs := newFlagSet("train", "train [flags]", stderr)
	var f trainSettings
	f.register(fs)
	resume := fs.String("resume", "", "carry on the run saved in this checkpoint, with its settings (-epochs may raise the total)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	cpuProfile := fs.String("cpuprofile", "", cpuProfileUsage)
	if err := fs.parse(args, false); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile(&retErr)
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if err := checkGiven(given, &f, *resume != ""); err != nil {
		return err
	}
	var (
		ck   *train.Checkpoint
		m    *model.Model
		env  *nn.Env // m's
		norm *data.Normalization
	)
	defer func() {
		if env != nil {
			env.Close()
		}
	}()
	if *resume != "" {
		if m, ck, env, err = openCheckpoint(*resume, &f, given["epochs"]); err != nil {
			return err
		}
		if f.Epochs < ck.State.Epoch {
			return usagef("-epochs %d: %s has trained %s already; give at least as many to carry on", f.Epochs, *resume, counted(ck.State.Epoch, "epoch"))
		}
	}
	opts, err := f.check()
	if err != nil {
		return err
	}
	f.defaults(opts.Stem())
	if err := f.makeFolders(); err != nil {
		return err
	}
	opts.SplitOut = strings.TrimSuffix(f.Out, filepath.Ext(f.Out)) + ".split.csv"
	sets, err := f.loadData(opts, stdout, stderr)
	if err != nil {
		return err
	}
	if m, env, norm, err = f.startModel(sets, m, env); err != nil {
		return err
	}
	recipe := f.recipe()
	cfg, err := recipe.Config(m.Net, sets.Train, norm, env)
	if err != nil {
		return recipeUsage(err)
	}
	cfg.Validation, cfg.Test = sets.Validation, sets.Test
	if f.Ham.TrainVal {
		// A final run of a fixed recipe: nothing is picked by epoch, so the
		// test set is scored once, at the end, not watched along the way.
		cfg.Test = nil
	}
	var state *train.State
	if ck != nil {
		if err := ck.Restore(cfg.Optimizer, cfg.Schedule); err != nil {
			return fmt.Errorf("resuming from %s: %w", *resume, err)
		}
		state = &ck.State
	}
	showBalanced := trainingdata.ComesSplit(f.Data)
	f.printStart(stdout, sets, m, env, cfg, state, *resume)
	info, err := sets.Info()
	if err != nil {
		return err
	}
	if f.InitFrom != "" {
		info["init_from"] = f.InitFrom
	}
	// savedEpoch is the epoch of the checkpoint this run last saved: the
	// one to resume from if the run fails (0: none, and any checkpoint
	// at that path is another run's).
	savedEpoch := 0
	if state != nil && *resume == f.Checkpoint {
		savedEpoch = state.Epoch
	}
	bar := newTrainBar(stderr, *quiet)
	cfg.Progress = bar.update
	run := train.Run{Model: m, Env: env, Config: cfg, Train: sets.Train, Test: sets.Test,
		Out: f.Out, Log: f.Log, Checkpoint: f.Checkpoint, Settings: f, Recipe: &recipe, Info: info,
		EpochDone: func(e train.Epoch, _ *train.State) {
			bar.finish()
			fmt.Fprintln(stdout, epochLine(e, f.Epochs, showBalanced))
		}}
	if f.Checkpoint == "none" {
		run.Checkpoint = ""
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	outcome, err := run.Do(ctx, state)
	bar.finish()
	if outcome.Saved > 0 {
		savedEpoch = outcome.Saved
	}
	if err != nil {
		if savedEpoch > 0 {
			fmt.Fprintf(stderr, "the checkpoint of epoch %d is in %s (gocnn train -resume %s)\n", savedEpoch, f.Checkpoint, f.Checkpoint)
		}
		return err
	}
	f.printEnd(stdout, sets, cfg, outcome, time.Since(start))
	return nil
}

// recipe is the training recipe the flags describe.
func (f *trainSettings) recipe() train.Recipe {
	r := train.Recipe{Epochs: f.Epochs, BatchSize: f.Batch, Seed: f.Seed, Schedule: f.Schedule, Clip: f.Clip, EMA: f.EMA, EMABatchNorm: f.EMABN, Snapshots: f.Snapshots,
		EarlyStop: f.EarlyStop, Best: f.Best, ClassWeights: f.ClassWeights, LabelSmoothing: f.LabelSmooth,
		Mixup: f.Mixup, CutMix: f.CutMix, Focal: f.Focal, Sampler: f.Sampler, Augment: f.Augment}
	o := &r.Optimizer
	o.Name, o.LR, o.Momentum, o.Nesterov, o.WeightDecay = f.Optimizer, f.LR, f.Momentum, f.Nesterov, f.WeightDecay
	if r.Best == "" && f.Data == "ham10000" && f.Snapshots <= 1 {
		r.Best = "val_balanced_accuracy"
	}
	return r
}
