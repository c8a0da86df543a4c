package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/internal/atomicfile"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/train"
)

// trainFlags are the settings of gocnn train.
type trainFlags struct {
	data, dataDir, classes string
	trainLimit, testLimit  int
	normalize              bool

	model       string
	epochs      int
	batch       int
	optimizer   string
	lr          float64
	momentum    float64
	nesterov    bool
	weightDecay float64
	schedule    string
	clip        float64
	seed        uint64
	threads     int
	val         float64
	earlyStop   string

	out, log string
	quiet    bool
}

func (f *trainFlags) register(fs *flagSet) {
	fs.StringVar(&f.data, "data", "mnist", "dataset: mnist or fashion-mnist")
	fs.StringVar(&f.dataDir, "data-dir", "", "data folder (default $GOCNN_DATA, else gocnn in the user's cache folder)")
	fs.StringVar(&f.classes, "classes", "", "train on these classes only, by index or name (\"3,5\" for the two-digit task)")
	fs.IntVar(&f.trainLimit, "train-limit", 0, "use only the first N training images (0: all)")
	fs.IntVar(&f.testLimit, "test-limit", 0, "use only the first N test images (0: all)")
	fs.BoolVar(&f.normalize, "normalize", false, "normalise each channel to mean 0, std 1 (statistics of the training set)")
	fs.StringVar(&f.model, "model", "lenet5", "preset ("+strings.Join(model.PresetNames(), ", ")+"), a spec such as \"conv(8,3) relu maxpool(2) flatten dense(10)\", or a .json/.txt spec file")
	fs.IntVar(&f.epochs, "epochs", 5, "passes over the training set")
	fs.IntVar(&f.batch, "batch", 64, "mini-batch size")
	fs.StringVar(&f.optimizer, "optimizer", "sgd", "sgd, adam, adamw or rmsprop")
	fs.Float64Var(&f.lr, "lr", 0, "learning rate (default 0.05 for sgd, 0.001 otherwise)")
	fs.Float64Var(&f.momentum, "momentum", 0.9, "momentum (sgd, rmsprop)")
	fs.BoolVar(&f.nesterov, "nesterov", false, "Nesterov momentum (sgd)")
	fs.Float64Var(&f.weightDecay, "weight-decay", 0, "weight decay")
	fs.StringVar(&f.schedule, "schedule", "constant", "learning-rate schedule: constant, step, exp, cosine, onecycle or plateau")
	fs.Float64Var(&f.clip, "clip", 0, "clip gradients to this global norm (0: off)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed: the same seed and -threads give the same model")
	fs.IntVar(&f.threads, "threads", 0, "worker threads (0: one per core)")
	fs.Float64Var(&f.val, "val", 0, "hold out this fraction of the training set for validation")
	fs.StringVar(&f.earlyStop, "early-stop", "", "stop when a validation metric stalls: val_loss:N or val_accuracy:N epochs")
	fs.StringVar(&f.out, "out", "", "model file to write (default <data>-<model>.safetensors)")
	fs.StringVar(&f.log, "log", "", "metrics log, one JSON line per epoch (default the model file with .jsonl)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "train [flags]", stderr)
	var f trainFlags
	f.register(fs)
	if err := fs.parse(args, false); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	trainSet, testSet, err := f.loadData(stdout, stderr)
	if err != nil {
		return err
	}
	spec, err := resolveSpec(f.model, len(trainSet.Classes))
	if err != nil {
		return usagef("-model: %v", err)
	}
	env := nn.NewEnv(f.seed, f.threads)
	defer env.Close()
	input := model.Input{Shape: trainSet.Shape(), Prep: model.PrepResize}
	if f.data == "mnist" {
		input.Prep = model.PrepMNIST
	}
	if f.normalize {
		norm := data.ComputeNormalization(trainSet)
		if err := norm.Apply(trainSet); err != nil {
			return err
		}
		if err := norm.Apply(testSet); err != nil {
			return err
		}
		input.Mean, input.Std = norm.Mean, norm.Std
	}
	m, err := model.New(spec, input, trainSet.Classes, env)
	if err != nil {
		return fmt.Errorf("model %s: %w", spec, err)
	}
	var valSet *data.Dataset
	if f.val > 0 {
		trainSet, valSet, err = trainSet.Split(f.val, rng.New(f.seed+2))
		if err != nil {
			return err
		}
	}
	cfg, err := f.config(m, trainSet.Len())
	if err != nil {
		return err
	}
	cfg.Validation, cfg.Test = valSet, testSet
	if f.out == "" {
		f.out = fmt.Sprintf("%s-%s.safetensors", f.data, safeName(f.model))
	}
	if f.log == "" {
		f.log = strings.TrimSuffix(f.out, filepath.Ext(f.out)) + ".jsonl"
	}

	fmt.Fprintf(stdout, "data   %s: %d training, %d test images of %s, %d classes %v\n", f.data, trainSet.Len(), testSet.Len(),
		shapeText(trainSet.Shape()), len(trainSet.Classes), trainSet.Classes)
	if valSet != nil {
		fmt.Fprintf(stdout, "       %d validation images held out\n", valSet.Len())
	}
	fmt.Fprintf(stdout, "model  %s\n", spec)
	fmt.Fprintf(stdout, "       %d parameters; %d threads; seed %d\n", countParams(m.Net), env.Workers(), f.seed)
	fmt.Fprintf(stdout, "train  %d epochs, batch %d, %s lr %g, schedule %s\n", f.epochs, f.batch, f.optimizer, cfg.Optimizer.LR(), f.schedule)

	var history []train.Epoch
	bar := newTrainBar(stderr, f.quiet)
	cfg.Progress = bar.update
	cfg.EpochEnd = func(e train.Epoch, s *train.State) error {
		bar.finish()
		history = append(history, e)
		fmt.Fprintln(stdout, epochLine(e, f.epochs))
		return writeLog(f.log, history)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	res, err := train.Fit(ctx, m.Net, trainSet, cfg, nil)
	bar.finish()
	if err != nil {
		return err
	}
	wall := time.Since(start)
	final, err := train.Evaluate(m.Net, testSet, 256)
	if err != nil {
		return err
	}
	m.Info = map[string]string{
		"dataset": f.data, "epochs": strconv.Itoa(res.State.Epoch), "seed": strconv.FormatUint(f.seed, 10),
		"test_accuracy": fmt.Sprintf("%.4f", final.Accuracy), "test_loss": fmt.Sprintf("%.4f", final.Loss),
	}
	if err := model.Save(f.out, m); err != nil {
		return err
	}
	if res.Stopped != "" {
		fmt.Fprintf(stdout, "stopped: %s\n", res.Stopped)
	}
	fmt.Fprintf(stdout, "done   test accuracy %.2f%%, loss %.4f after %d epochs in %s\n", 100*final.Accuracy, final.Loss,
		res.State.Epoch, wall.Round(100*time.Millisecond))
	fmt.Fprintf(stdout, "saved  %s (metrics in %s)\n", f.out, f.log)
	return nil
}

func (f *trainFlags) check() error {
	switch {
	case f.epochs < 1:
		return usagef("-epochs must be at least 1, got %d", f.epochs)
	case f.batch < 1:
		return usagef("-batch must be at least 1, got %d", f.batch)
	case f.lr < 0:
		return usagef("-lr must be positive, got %g", f.lr)
	case f.threads < 0:
		return usagef("-threads must be 0 (all cores) or more, got %d", f.threads)
	case f.val < 0 || f.val >= 1:
		return usagef("-val must be a fraction in [0, 1), got %g", f.val)
	case f.trainLimit < 0 || f.testLimit < 0:
		return usagef("-train-limit and -test-limit must not be negative")
	case f.earlyStop != "" && f.val == 0:
		return usagef("-early-stop needs a validation set: add -val 0.1")
	}
	return nil
}

// loadData loads the dataset, takes the class subset and the limits.
func (f *trainFlags) loadData(stdout, stderr io.Writer) (trainSet, testSet *data.Dataset, err error) {
	if _, err := data.Lookup(f.data); err != nil {
		return nil, nil, usagef("-data: %v", err)
	}
	trainSet, testSet, err = loadData(f.data, f.dataDir, stdout, stderr)
	if err != nil {
		return nil, nil, err
	}
	if f.classes != "" {
		classes, err := data.ParseClassList(f.classes, trainSet.Classes)
		if err != nil {
			return nil, nil, usagef("-classes: %v", err)
		}
		if trainSet, err = trainSet.ClassSubset(classes); err != nil {
			return nil, nil, err
		}
		if testSet, err = testSet.ClassSubset(classes); err != nil {
			return nil, nil, err
		}
	}
	return limit(trainSet, f.trainLimit), limit(testSet, f.testLimit), nil
}

// limit keeps the first n examples of d (all of them when n is 0).
func limit(d *data.Dataset, n int) *data.Dataset {
	if n == 0 || n >= d.Len() {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// config turns the flags into a training configuration for m.
func (f *trainFlags) config(m *model.Model, trainSize int) (train.Config, error) {
	params := m.Net.Params()
	lr := f.lr
	var opt optim.Optimizer
	switch f.optimizer {
	case "sgd":
		if lr == 0 {
			lr = 0.05
		}
		s := optim.NewSGD(params, lr, f.momentum)
		s.Nesterov, s.WeightDecay = f.nesterov, f.weightDecay
		opt = s
	case "adam", "adamw":
		if lr == 0 {
			lr = 0.001
		}
		a := optim.NewAdam(params, lr)
		if f.optimizer == "adamw" {
			a = optim.NewAdamW(params, lr)
		}
		if f.weightDecay != 0 {
			a.WeightDecay = f.weightDecay
		}
		opt = a
	case "rmsprop":
		if lr == 0 {
			lr = 0.001
		}
		r := optim.NewRMSProp(params, lr)
		r.Momentum, r.WeightDecay = f.momentum, f.weightDecay
		opt = r
	default:
		return train.Config{}, usagef("-optimizer %q: want sgd, adam, adamw or rmsprop", f.optimizer)
	}
	stepsPerEpoch := (trainSize + f.batch - 1) / f.batch
	sched, err := optim.ParseSchedule(f.schedule, lr, f.epochs, stepsPerEpoch)
	if err != nil {
		return train.Config{}, usagef("-schedule: %v", err)
	}
	cfg := train.Config{Epochs: f.epochs, BatchSize: f.batch, Seed: f.seed + 1, Optimizer: opt, Schedule: sched, ClipNorm: f.clip}
	if f.earlyStop != "" {
		metric, patience, ok := strings.Cut(f.earlyStop, ":")
		n, err := strconv.Atoi(patience)
		if !ok || err != nil || n < 1 || (metric != "val_loss" && metric != "val_accuracy") {
			return train.Config{}, usagef("-early-stop %q: want val_loss:N or val_accuracy:N with N ≥ 1", f.earlyStop)
		}
		cfg.EarlyStop = train.EarlyStop{Metric: metric, Patience: n}
	}
	return cfg, nil
}

// resolveSpec reads -model: a preset name, a spec file, or spec text.
func resolveSpec(s string, classes int) (*model.Spec, error) {
	if model.PresetDoc(s) != "" {
		return model.Preset(s, classes)
	}
	if strings.HasSuffix(s, ".json") || strings.HasSuffix(s, ".txt") {
		return model.ParseFile(s)
	}
	if _, err := os.Stat(s); err == nil && !strings.ContainsAny(s, "( ") {
		return model.ParseFile(s)
	}
	if !strings.ContainsAny(s, "( ") && !strings.Contains(s, "flatten") {
		return nil, fmt.Errorf("%q is not a preset (%s), a spec file, or a spec", s, strings.Join(model.PresetNames(), ", "))
	}
	return model.Parse(s)
}

// safeName turns a -model value into something fit for a file name.
func safeName(s string) string {
	if model.PresetDoc(s) != "" {
		return s
	}
	if strings.HasSuffix(s, ".json") || strings.HasSuffix(s, ".txt") {
		return strings.TrimSuffix(filepath.Base(s), filepath.Ext(s))
	}
	return "custom"
}

func countParams(net *nn.Sequential) int {
	n := 0
	for _, p := range net.Params() {
		if p.Grad != nil {
			n += p.Value.Len()
		}
	}
	return n
}

func shapeText(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// epochLine is the line printed after each epoch.
func epochLine(e train.Epoch, epochs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %*d/%d  train loss %.4f acc %6.2f%%", len(strconv.Itoa(epochs)), e.Epoch, epochs, e.TrainLoss, 100*e.TrainAccuracy)
	if e.ValLoss != 0 || e.ValAccuracy != 0 {
		fmt.Fprintf(&b, "  val loss %.4f acc %6.2f%%", e.ValLoss, 100*e.ValAccuracy)
	}
	if e.TestLoss != 0 || e.TestAccuracy != 0 {
		fmt.Fprintf(&b, "  test loss %.4f acc %6.2f%%", e.TestLoss, 100*e.TestAccuracy)
	}
	fmt.Fprintf(&b, "  lr %.3g  %.1fs (%.0f img/s)", e.LearningRate, e.Seconds, e.ImagesPerSec)
	if e.Best {
		b.WriteString("  *best")
	}
	return b.String()
}

// writeLog rewrites the metrics log with one JSON line per epoch.
func writeLog(path string, history []train.Epoch) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, e := range history {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// trainBar is the per-epoch progress bar, drawn on stderr when it is a
// terminal.
type trainBar struct {
	w   io.Writer
	on  bool
	bar *progressbar.ProgressBar
}

func newTrainBar(stderr io.Writer, quiet bool) *trainBar {
	f, ok := stderr.(*os.File)
	return &trainBar{w: stderr, on: !quiet && ok && term.IsTerminal(int(f.Fd()))}
}

func (t *trainBar) update(p train.Progress) {
	if !t.on {
		return
	}
	if t.bar == nil {
		t.bar = progressbar.NewOptions(p.Batches,
			progressbar.OptionSetWriter(t.w),
			progressbar.OptionSetWidth(25),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	rate := float64(p.Images) / max(p.Elapsed.Seconds(), 1e-9)
	t.bar.Describe(fmt.Sprintf("epoch %d/%d  loss %.4f acc %6.2f%%  %.0f img/s", p.Epoch, p.Epochs, p.Loss, 100*p.Accuracy, rate))
	t.bar.Set(p.Batch)
}

func (t *trainBar) finish() {
	if t.bar != nil {
		t.bar.Finish()
		t.bar = nil
	}
}
