package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocnn/gocnn/atomicfile"
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

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "train [flags]", stderr)
	var f trainSettings
	f.register(fs)
	resume := fs.String("resume", "", "carry on the run saved in this checkpoint, with its settings (-epochs may raise the total)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if err := checkGiven(given, &f, *resume != ""); err != nil {
		return err
	}
	var (
		ck  *train.Checkpoint
		m   *model.Model
		env *nn.Env
	)
	if *resume != "" {
		var err error
		if m, ck, env, err = openCheckpoint(*resume, &f, fs); err != nil {
			return err
		}
		defer env.Close()
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
	trainSet, valSet, testSet := sets.Train, sets.Validation, sets.Test
	input := sets.Input()
	showBalanced := trainingdata.ComesSplit(f.Data)
	if m == nil && f.InitFrom != "" {
		// The network and weights -init-from names, with its normalisation.
		if m, env, err = transferModel(f.InitFrom, input, trainSet.Classes, f.Seed, f.Threads); err != nil {
			return err
		}
		defer env.Close()
	}
	var norm *data.Normalization
	switch {
	case m != nil && len(m.Input.Mean) > 0: // resuming or fine-tuning: the model's own
		norm = &data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}
	case f.Normalize:
		n := data.ComputeNormalization(trainSet)
		norm = &n
	}
	if norm != nil {
		if err := sets.Normalize(*norm); err != nil {
			return err
		}
		input = sets.Input()
	}
	if m == nil {
		spec, err := model.Resolve(f.Model, len(trainSet.Classes))
		if err != nil {
			return usagef("-model: %v", err)
		}
		env = nn.NewEnv(f.Seed, f.Threads)
		defer env.Close()
		if m, err = model.New(spec, input, trainSet.Classes, env); err != nil {
			return fmt.Errorf("model %s: %w", spec, err)
		}
	}
	cfg, err := f.recipe().Config(m.Net, trainSet, norm, env)
	if err != nil {
		return recipeUsage(err)
	}
	cfg.Validation, cfg.Test = valSet, testSet
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

	fmt.Fprintf(stdout, "data   %s: %d training, %d test images of %s, %d classes %v\n", f.Data, trainSet.Len(), testSet.Len(),
		shapeText(trainSet.Shape()), len(trainSet.Classes), trainSet.Classes)
	if valSet != nil {
		kept := "the best epoch"
		if cfg.EarlyStop.Metric == "last" {
			kept = "the last epoch"
		}
		fmt.Fprintf(stdout, "       %d validation images held out; %s keeps %s\n", valSet.Len(), f.Out, kept)
	}
	fmt.Fprintf(stdout, "model  %s\n", m.Spec)
	if f.InitFrom != "" {
		fmt.Fprintf(stdout, "       starting from the weights of %s\n", f.InitFrom)
	}
	fmt.Fprintf(stdout, "       %d parameters; %s; seed %d\n", m.TrainableParams(), counted(env.Workers(), "thread"), f.Seed)
	fmt.Fprintf(stdout, "train  %s, batch %d, %s lr %g, schedule %s", counted(f.Epochs, "epoch"), f.Batch, f.Optimizer, cfg.Optimizer.LR(), f.Schedule)
	if f.EMA != 0 {
		fmt.Fprintf(stdout, ", weights averaged (decay %g)", f.EMA)
	}
	fmt.Fprintln(stdout)
	if state != nil {
		fmt.Fprintf(stdout, "resume from %s after epoch %d\n", *resume, state.Epoch)
		for _, e := range state.History {
			fmt.Fprintln(stdout, epochLine(e, f.Epochs, showBalanced))
		}
	}

	dataInfo, err := sets.Info()
	if err != nil {
		return err
	}
	if f.InitFrom != "" {
		dataInfo["init_from"] = f.InitFrom
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
	recipe := f.recipe()
	run := train.Run{Model: m, Env: env, Config: cfg, Train: trainSet, Test: testSet,
		Out: f.Out, Log: f.Log, Checkpoint: f.Checkpoint, Settings: f, Recipe: &recipe, Info: dataInfo,
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
	wall := time.Since(start)
	res, final := outcome.Result, outcome.Final
	if valSet != nil {
		if cfg.EarlyStop.Metric == "last" {
			fmt.Fprintf(stdout, "kept   epoch %d, the last, in %s\n", res.State.BestEpoch, f.Out)
		} else {
			fmt.Fprintf(stdout, "best   epoch %d (%s %.4f), kept in %s\n", res.State.BestEpoch, bestMetric(cfg), res.State.BestValue, f.Out)
		}
	}
	if res.Stopped != "" {
		fmt.Fprintf(stdout, "stopped: %s\n", res.Stopped)
	}
	fmt.Fprintf(stdout, "done   test accuracy %.2f%% (balanced %.2f%%), loss %.4f after %s in %s\n", 100*final.Accuracy,
		100*final.Balanced, final.Loss, counted(res.State.Epoch, "epoch"), wall.Round(100*time.Millisecond))
	if showBalanced {
		final.Confusion.Format(stdout)
	}
	fmt.Fprintf(stdout, "saved  %s (metrics in %s)\n", f.Out, f.Log)
	return nil
}

// openCheckpoint loads a checkpoint to resume and takes its settings in
// place of the flags, but for an explicit -epochs, which may extend the
// run.
func openCheckpoint(path string, f *trainSettings, fs *flagSet) (*model.Model, *train.Checkpoint, *nn.Env, error) {
	epochs, epochsSet := f.Epochs, false
	fs.Visit(func(fl *flag.Flag) { epochsSet = epochsSet || fl.Name == "epochs" })
	// The checkpoint's settings say how many workers built its model; the
	// model must be rebuilt with the same number to continue identically.
	var saved trainSettings
	peekEnv := nn.NewEnv(0, 1)
	_, ck, err := train.LoadCheckpoint(path, peekEnv)
	peekEnv.Close()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := json.Unmarshal(ck.Config, &saved); err != nil || saved.Data == "" {
		return nil, nil, nil, fmt.Errorf("%s holds no gocnn train settings to resume with", path)
	}
	*f = saved
	if epochsSet {
		f.Epochs = epochs
	}
	env := nn.NewEnv(f.Seed, f.Threads)
	m, ck, err := train.LoadCheckpoint(path, env)
	if err != nil {
		env.Close()
		return nil, nil, nil, err
	}
	return m, ck, env, nil
}

func bestMetric(cfg train.Config) string {
	if cfg.EarlyStop.Metric != "" {
		return cfg.EarlyStop.Metric
	}
	return "val_loss"
}

// checkGiven refuses flags given on the command line that would otherwise
// be ignored or quietly replaced: any setting beside -resume (the run goes
// on with the checkpoint's own), an explicit -lr 0 (which would mean the
// optimiser's default rate) and HAM10000's flags on other data.
func checkGiven(given map[string]bool, f *trainSettings, resuming bool) error {
	if resuming {
		var ignored []string
		for name := range given {
			if name != "resume" && name != "epochs" && name != "quiet" {
				ignored = append(ignored, "-"+name)
			}
		}
		if len(ignored) > 0 {
			slices.Sort(ignored)
			return usagef("%s: -resume carries on with the settings saved in the checkpoint; only -epochs (to raise the total) and -quiet go with it",
				strings.Join(ignored, ", "))
		}
		return nil
	}
	if given["init-from"] && given["model"] {
		return usagef("-init-from takes the network from %s; leave out -model", f.InitFrom)
	}
	if given["init-from"] && given["normalize"] {
		return usagef("-init-from keeps the normalisation its weights were trained with; leave out -normalize")
	}
	if given["lr"] && f.LR == 0 {
		return usagef("-lr must be positive, got 0 (leave -lr out for the optimiser's default)")
	}
	folder := trainingdata.IsFolder(f.Data)
	for _, name := range []string{"images", "size", "split", "split-file", "channels"} {
		switch {
		case !given[name], f.Data == "ham10000" && name != "channels":
		case folder && (name == "size" || name == "split-file" || name == "channels"):
		case folder:
			return usagef("-%s is for -data ham10000", name)
		case name == "channels":
			return usagef("-channels is for a folder of pictures; %s images keep theirs", f.Data)
		default:
			return usagef("-%s is for -data ham10000 or a folder of pictures; %s images keep their size", name, f.Data)
		}
	}
	f.sizeGiven = given["size"]
	return nil
}

// check refuses what the settings' recipe and data rules refuse, before
// anything is loaded, and returns the options of the data.
func (f *trainSettings) check() (trainingdata.Options, error) {
	// The recipe's numbers, names and ranges.
	if err := recipeUsage(f.recipe().Check()); err != nil {
		return trainingdata.Options{}, err
	}
	ownSplit := trainingdata.ComesSplit(f.Data)
	switch {
	case f.Threads < 0:
		return trainingdata.Options{}, usagef("-threads must be 0 (all cores) or more, got %d", f.Threads)
	case f.TrainLimit < 0 || f.TestLimit < 0:
		return trainingdata.Options{}, usagef("-train-limit and -test-limit must not be negative")
	case f.EarlyStop != "" && f.Val == 0 && !ownSplit:
		return trainingdata.Options{}, usagef("-early-stop needs a validation set: add -val 0.1")
	case f.Ham.TrainVal && ownSplit && f.Best != "" && f.Best != "last":
		return trainingdata.Options{}, usagef("-best %s: with -train-val there is no validation set to pick an epoch with", f.Best)
	}
	return f.dataOptions()
}

// makeFolders creates the folders of the files training will write and
// checks that files can be written in them, so that a missing or
// read-only folder fails now rather than after the first epoch.
func (f *trainSettings) makeFolders() error {
	for _, path := range []string{f.Out, f.Log, f.Checkpoint} {
		if path == "none" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("making the folder for %s: %w", path, err)
		}
		if err := atomicfile.CheckWritable(path); err != nil {
			return err
		}
	}
	return nil
}

// defaults fills in the file names that depend on other settings; stem
// is the data's part of the model file's name (trainingdata.Options.Stem).
func (f *trainSettings) defaults(stem string) {
	if f.Out == "" {
		// A run on some of the classes gets a name of its own, so that it
		// does not replace the model of all of them.
		f.Out = fmt.Sprintf("%s-%s.safetensors", stem, model.FileTag(f.Model))
		if f.InitFrom != "" {
			from := strings.TrimSuffix(filepath.Base(f.InitFrom), filepath.Ext(f.InitFrom))
			f.Out = fmt.Sprintf("%s-from-%s.safetensors", stem, from)
		}
	}
	base := strings.TrimSuffix(f.Out, filepath.Ext(f.Out))
	if f.Log == "" {
		f.Log = base + ".jsonl"
	}
	if f.Checkpoint == "" {
		f.Checkpoint = base + ".ckpt"
	}
}

// flagUsage is the usage error of a flag's value, from the error of the
// field it sets. A message that goes on from the flag or its value
// follows it: "-sampler \"random\": want ...", "-mixup -1: want ...",
// "-epochs must be at least 1, got 0", "-val does not apply to ...";
// one of its own follows a colon: "-schedule: unknown schedule ...".
func flagUsage(flag string, err error) error {
	msg := err.Error()
	for _, goesOn := range []string{`"`, "-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "must ", "does not ", "is for "} {
		if strings.HasPrefix(msg, goesOn) {
			return usagef("-%s %s", flag, msg)
		}
	}
	return usagef("-%s: %s", flag, msg)
}

// recipeUsage turns a train.RecipeError into the usage error of the flag
// of its field; other errors pass as they are.
func recipeUsage(err error) error {
	re := (*train.RecipeError)(nil)
	if !errors.As(err, &re) {
		return err
	}
	return flagUsage(re.Field, re.Err)
}

// recipe is the training recipe the flags describe.
func (f *trainSettings) recipe() train.Recipe {
	r := train.Recipe{Epochs: f.Epochs, BatchSize: f.Batch, Seed: f.Seed, Schedule: f.Schedule, Clip: f.Clip, EMA: f.EMA,
		EarlyStop: f.EarlyStop, Best: f.Best, ClassWeights: f.ClassWeights, LabelSmoothing: f.LabelSmooth,
		Mixup: f.Mixup, CutMix: f.CutMix, Focal: f.Focal, Sampler: f.Sampler, Augment: f.Augment}
	o := &r.Optimizer
	o.Name, o.LR, o.Momentum, o.Nesterov, o.WeightDecay = f.Optimizer, f.LR, f.Momentum, f.Nesterov, f.WeightDecay
	if r.Best == "" && f.Data == "ham10000" {
		r.Best = "val_balanced_accuracy"
	}
	return r
}

func shapeText(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// epochLine is the line printed after each epoch; with balanced set it
// shows the balanced accuracy of the validation and test sets too.
func epochLine(e train.Epoch, epochs int, balanced bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %*d/%d  train loss %.4f acc %6.2f%%", len(strconv.Itoa(epochs)), e.Epoch, epochs, e.TrainLoss, 100*e.TrainAccuracy)
	if e.ValLoss != 0 || e.ValAccuracy != 0 {
		fmt.Fprintf(&b, "  val loss %.4f acc %6.2f%%", e.ValLoss, 100*e.ValAccuracy)
		if balanced {
			fmt.Fprintf(&b, " bal %6.2f%%", 100*e.ValBalanced)
		}
	}
	if e.TestLoss != 0 || e.TestAccuracy != 0 {
		fmt.Fprintf(&b, "  test loss %.4f acc %6.2f%%", e.TestLoss, 100*e.TestAccuracy)
		if balanced {
			fmt.Fprintf(&b, " bal %6.2f%%", 100*e.TestBalanced)
		}
	}
	fmt.Fprintf(&b, "  lr %.3g  %.1fs (%.0f img/s)", e.LearningRate, e.Seconds, e.ImagesPerSec)
	if e.Best {
		b.WriteString("  *best")
	}
	return b.String()
}

// transferModel builds, in a new environment of the run's seed and
// threads, a model of the network and weights of the model file at path
// for the data's input and classes (see model.Transfer).
func transferModel(path string, input model.Input, classes []string, seed uint64, threads int) (*model.Model, *nn.Env, error) {
	fromEnv := nn.NewEnv(1, 1)
	defer fromEnv.Close()
	from, err := loadModel(path, fromEnv)
	if err != nil {
		return nil, nil, err
	}
	env := nn.NewEnv(seed, threads)
	m, err := model.Transfer(from, input, classes, env)
	if err != nil {
		env.Close()
		return nil, nil, fmt.Errorf("-init-from %s: %w", path, err)
	}
	return m, env, nil
}
