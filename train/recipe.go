package train

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/augment"
	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// Recipe is how a network is trained, in names and numbers, the form
// gocnn train's flags take and a checkpoint can store: Config turns it
// into the optimiser, schedule, sampler and augmentation objects of a
// Config for one network and training set.
type Recipe struct {
	Epochs    int
	BatchSize int
	// Seed is the run's seed; the examples' order and the augmentations
	// are drawn from Seed+1 (Seed itself draws the starting weights, and
	// Seed+4 EMABatchNorm's images).
	Seed uint64

	Optimizer optim.Settings // name, rate (0: the optimiser's default), momentum, ...
	Schedule  string         // constant, step, exp, cosine, onecycle or plateau
	Clip      float64        // clip gradients to this global norm (0: off)
	EMA       float64        // keep a moving average of the weights, decaying at this rate a step (0: off)
	// EMABatchNorm, with EMA, recomputes batch norm's running statistics
	// for the average from this many training images, drawn at random
	// (from Seed+4) and augmented as in training, each time the average
	// is scored or saved (nn.Sequential.RecomputeBatchNorm); 0 keeps the
	// statistics of the trained weights.
	EMABatchNorm int
	// Snapshots, above 1, makes a snapshot ensemble (Huang et al., 2017):
	// the epochs are cut into this many cycles, as even as whole epochs
	// allow (SnapshotEpochs), the cosine schedule starts again at each
	// (optim.CosineRestarts), and Run saves the model at the end of each
	// cycle but the last beside its model file (SnapshotPath), which
	// holds the last. Scored together (Scoring.Others, gocnn eval
	// -ensemble), the cycles' models make one prediction. It needs the
	// cosine schedule, and Best "last" or none.
	Snapshots int

	// EarlyStop is "" or "metric:N": stop when the validation metric
	// (val_loss, val_accuracy or val_balanced_accuracy) has not improved
	// for N epochs. Best is the metric that picks the epoch to keep
	// ("" for val_loss; "last" keeps the last epoch).
	EarlyStop string
	Best      string

	ClassWeights   string  // none, balanced, sqrt or inverse (see ClassWeights)
	LabelSmoothing float64 // ε of label smoothing, in [0, 1); 0 for none
	Mixup          float64 // α of mixup (0.2 is usual); 0 for none
	CutMix         float64 // α of cutmix (1 is usual); 0 for none. Not with Mixup
	Focal          float64 // γ of the focal loss (2 is usual); 0 for the cross-entropy
	Sampler        string  // shuffle or balanced
	Augment        string  // as augment.Parse reads it; "" for none
}

// A RecipeError names the field of a Recipe that is wrong.
type RecipeError struct {
	// Field is named as gocnn train's flag for it: "epochs", "batch",
	// "lr", "optimizer", "schedule", "ema", "ema-bn", "snapshots",
	// "early-stop", "augment", "class-weights", "sampler", "best",
	// "label-smoothing", "mixup", "cutmix" or "focal".
	Field string
	Err   error
}

func (e *RecipeError) Error() string { return fmt.Sprintf("%s: %v", e.Field, e.Err) }
func (e *RecipeError) Unwrap() error { return e.Err }

func recipeErr(field string, err error) error { return &RecipeError{Field: field, Err: err} }

// Check reports the first field of r that is wrong, as a RecipeError,
// without a network or data: what Config would refuse by name or range
// (Epochs and BatchSize below 1 and a negative rate among them), so that
// a command can refuse it before it loads anything.
func (r Recipe) Check() error {
	switch {
	case r.Epochs < 1:
		return recipeErr("epochs", fmt.Errorf("must be at least 1, got %d", r.Epochs))
	case r.BatchSize < 1:
		return recipeErr("batch", fmt.Errorf("must be at least 1, got %d", r.BatchSize))
	case !(r.Optimizer.LR >= 0) || math.IsInf(r.Optimizer.LR, 0):
		return recipeErr("lr", fmt.Errorf("must be positive, got %g", r.Optimizer.LR))
	}
	if !slices.Contains(optim.Names(), r.Optimizer.Name) {
		return recipeErr("optimizer", fmt.Errorf("%q: want %s", r.Optimizer.Name, strings.Join(optim.Names(), ", ")))
	}
	if _, err := optim.ParseSchedule(r.Schedule, 0.1, max(r.Epochs, 1), 1); err != nil {
		return recipeErr("schedule", err)
	}
	if _, _, err := r.earlyStop(); err != nil {
		return recipeErr("early-stop", err)
	}
	switch r.Best {
	case "", "val_loss", "val_accuracy", "val_balanced_accuracy", "last":
	default:
		return recipeErr("best", fmt.Errorf("%q: want val_loss, val_accuracy, val_balanced_accuracy or last", r.Best))
	}
	switch r.ClassWeights {
	case "", "none", "balanced", "inverse", "sqrt":
	default:
		return recipeErr("class-weights", fmt.Errorf("%q: want none, balanced, sqrt or inverse", r.ClassWeights))
	}
	switch r.Sampler {
	case "", "shuffle", "balanced":
	default:
		return recipeErr("sampler", fmt.Errorf("%q: want shuffle or balanced", r.Sampler))
	}
	if _, err := augment.Parse(r.Augment); err != nil {
		return recipeErr("augment", err)
	}
	switch {
	case !(r.LabelSmoothing >= 0 && r.LabelSmoothing < 1):
		return recipeErr("label-smoothing", fmt.Errorf("%g: want a number in [0, 1)", r.LabelSmoothing))
	case !(r.Mixup >= 0 && r.Mixup <= 100):
		return recipeErr("mixup", fmt.Errorf("%g: want α in [0, 100]", r.Mixup))
	case !(r.CutMix >= 0 && r.CutMix <= 100):
		return recipeErr("cutmix", fmt.Errorf("%g: want α in [0, 100]", r.CutMix))
	case r.CutMix != 0 && r.Mixup != 0:
		return recipeErr("cutmix", fmt.Errorf("mixup and cutmix: choose one"))
	case !(r.Focal >= 0 && r.Focal <= 10):
		return recipeErr("focal", fmt.Errorf("%g: want γ in [0, 10]", r.Focal))
	case r.Focal != 0 && (r.LabelSmoothing != 0 || r.Mixup != 0 || r.CutMix != 0):
		return recipeErr("focal", fmt.Errorf("the focal loss does not go with label smoothing, mixup or cutmix"))
	case r.EMABatchNorm < 0:
		return recipeErr("ema-bn", fmt.Errorf("%d: want a number of images, 1 or more (0 for none)", r.EMABatchNorm))
	case r.EMABatchNorm > 0 && r.EMA == 0:
		return recipeErr("ema-bn", fmt.Errorf("recomputes batch norm for a weight average, and there is none (see ema)"))
	case r.Snapshots < 0 || r.Snapshots > r.Epochs:
		return recipeErr("snapshots", fmt.Errorf("%d: want 2 to the %d epochs (0 or 1 for none)", r.Snapshots, r.Epochs))
	case r.Snapshots > 1 && r.Schedule != "cosine":
		return recipeErr("snapshots", fmt.Errorf("restarts the cosine schedule, not %q", r.Schedule))
	case r.Snapshots > 1 && r.Best != "" && r.Best != "last":
		return recipeErr("snapshots", fmt.Errorf("keeps the last epoch of each cycle, not the best by %s (see best)", r.Best))
	}
	return nil
}

// SnapshotEpochs returns the epochs after which a run of r saves a
// snapshot (Snapshots): the ends of the cycles but the last, at whole
// epochs as evenly apart as they allow; nil without snapshots.
func (r Recipe) SnapshotEpochs() []int {
	var ends []int
	for k := 1; k < r.Snapshots; k++ {
		ends = append(ends, k*r.Epochs/r.Snapshots)
	}
	return ends
}

// SnapshotPath is where a run that writes its model to out saves
// snapshot k (from 1): out's name with ".snapshotK" before its extension.
func SnapshotPath(out string, k int) string {
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s.snapshot%d%s", strings.TrimSuffix(out, ext), k, ext)
}

// batchNormFor returns an optim.Averaged Prepare that recomputes the
// running statistics of net's batch norms from n images of d (all of d
// when n is as many or more), drawn at random from seed's stream and
// changed by augment (nil for none), as a training epoch's first batches
// of size would be; its undo puts the statistics it found back. Each call
// draws the same images and changes, so a model saved twice, or resumed
// from a checkpoint, gets the same statistics.
//
// The batches must be mixed and augmented as in training: the trained
// weights expect each batch norm to centre and scale what a training
// batch gives it. Batches of d in its stored order (HAM10000's is by
// class) hold one class each, and the mean of their variances misses the
// spread between classes; unaugmented images lack the shifted borders and
// the changed brightness that the statistics of training included.
func batchNormFor(net *nn.Sequential, d *data.Dataset, n, size int, augment func(*data.Batch, *rng.RNG), seed uint64) func() (func(), error) {
	n = min(n, d.Len())
	var state []*nn.Param // the running statistics: the parameters not trained
	for _, p := range net.Params() {
		if p.Grad == nil {
			state = append(state, p)
		}
	}
	saved := make([][]float32, len(state))
	return func() (func(), error) {
		r := rng.New(seed)
		it, err := data.NewBatches(d.Subset(r.Perm(d.Len())[:n]), size, false, nil)
		if err != nil {
			return nil, fmt.Errorf("recomputing batch norm for the weight average: %w", err)
		}
		for i, p := range state {
			saved[i] = append(saved[i][:0], p.Value.Data...)
		}
		net.RecomputeBatchNorm(func(yield func(*tensor.Tensor) bool) {
			var b data.Batch
			for it.Next(&b) {
				if augment != nil {
					augment(&b, r)
				}
				if !yield(&b.Images) {
					return
				}
			}
		})
		return func() {
			for i, p := range state {
				copy(p.Value.Data, saved[i])
			}
		}, nil
	}
}

// OptimizerNames lists the optimisers a Recipe's Optimizer.Name may
// name: sgd, adam, adamw and rmsprop.
func OptimizerNames() []string { return optim.Names() }

// DefaultLR is the learning rate a Recipe trains with when its
// Optimizer.LR is 0: 0.05 for sgd, whose steps are the gradient itself,
// and 0.001 for the adaptive optimisers, whose steps are about the rate
// in size. It is 0 for a name not in OptimizerNames.
func DefaultLR(optimizer string) float64 { return optim.DefaultLR(optimizer) }

// earlyStop reads EarlyStop: the metric and patience, or "" and 0.
func (r Recipe) earlyStop() (metric string, patience int, err error) {
	if r.EarlyStop == "" {
		return "", 0, nil
	}
	metric, n, ok := strings.Cut(r.EarlyStop, ":")
	patience, err = strconv.Atoi(n)
	if !ok || err != nil || patience < 1 || (metric != "val_loss" && metric != "val_accuracy" && metric != "val_balanced_accuracy") {
		return "", 0, fmt.Errorf("%q: want val_loss:N, val_accuracy:N or val_balanced_accuracy:N with N ≥ 1", r.EarlyStop)
	}
	return metric, patience, nil
}

// Config builds the Config of r for net, to be trained on trainSet whose
// examples are normalised by norm (nil for none: augmentations that
// change brightness need to know). The optimiser is made for net's
// parameters and runs its updates on env's workers. A wrong field is a
// RecipeError (see Check).
func (r Recipe) Config(net *nn.Sequential, trainSet *data.Dataset, norm *data.Normalization, env *nn.Env) (Config, error) {
	if err := r.Check(); err != nil {
		return Config{}, err
	}
	params := net.Params()
	settings := r.Optimizer
	settings.Pool = env
	opt, err := optim.New(params, settings)
	if err != nil {
		return Config{}, recipeErr("optimizer", err)
	}
	augment, err := augmenter(r.Augment, trainSet, norm)
	if err != nil {
		return Config{}, recipeErr("augment", err)
	}
	lr := opt.LR()
	if r.EMA != 0 {
		avg, err := optim.NewAveraged(opt, params, r.EMA)
		if err != nil {
			return Config{}, recipeErr("ema", err)
		}
		if r.EMABatchNorm > 0 {
			avg.Prepare = batchNormFor(net, trainSet, r.EMABatchNorm, r.BatchSize, augment, r.Seed+4)
		}
		opt = avg
	}
	stepsPerEpoch := (trainSet.Len() + r.BatchSize - 1) / max(r.BatchSize, 1)
	sched, err := optim.ParseSchedule(r.Schedule, lr, r.Epochs, stepsPerEpoch)
	if err != nil {
		return Config{}, recipeErr("schedule", err)
	}
	if ends := r.SnapshotEpochs(); ends != nil {
		c := sched.(optim.Cosine) // Check has made sure
		restarts := optim.CosineRestarts{LR: c.LR, Min: c.Min, Warmup: c.Warmup, Starts: []int{0}, Total: c.Total}
		for _, e := range ends {
			restarts.Starts = append(restarts.Starts, e*stepsPerEpoch)
		}
		sched = restarts
	}
	weights, err := ClassWeights(r.ClassWeights, trainSet)
	if err != nil {
		return Config{}, recipeErr("class-weights", err)
	}
	cfg := Config{Epochs: r.Epochs, BatchSize: r.BatchSize, Seed: r.Seed + 1, Optimizer: opt, Schedule: sched,
		ClipNorm: r.Clip, ClassWeights: weights, LabelSmoothing: r.LabelSmoothing, Mixup: r.Mixup, CutMix: r.CutMix, Focal: r.Focal}
	cfg.EarlyStop.Metric = r.Best
	if r.Snapshots > 1 {
		cfg.EarlyStop.Metric = "last" // the model file holds the last cycle's end
	}
	if metric, patience, _ := r.earlyStop(); metric != "" {
		cfg.EarlyStop = EarlyStop{Metric: metric, Patience: patience}
	}
	if r.Sampler == "balanced" {
		batch := r.BatchSize
		cfg.Sampler = func(g *rng.RNG) (Sampler, error) { return data.NewBalancedSampler(trainSet, batch, g) }
	}
	cfg.Augment = augment
	return cfg, nil
}

// augmenter returns the augmentation spec describes, checked against the
// training set's shape, or nil for none.
func augmenter(spec string, d *data.Dataset, norm *data.Normalization) (func(*data.Batch, *rng.RNG), error) {
	opts, err := augment.Parse(spec)
	if err != nil {
		return nil, err
	}
	if opts.String() == "none" {
		return nil, nil
	}
	opts.Normalization = norm
	p, err := augment.New(opts)
	if err != nil {
		return nil, err
	}
	if err := p.Check(d.Shape()); err != nil {
		return nil, err
	}
	return p.Apply, nil
}

// ClassWeights returns the loss weight of each class of d for a kind of
// weighting: "none" or "" (nil: all equal), "balanced" (N/(K·count)),
// "inverse" (1/count, mean 1) or "sqrt" (the square root of balanced:
// halfway, on a log scale, between equal weights and balanced ones).
func ClassWeights(kind string, d *data.Dataset) ([]float32, error) {
	switch kind {
	case "", "none":
		return nil, nil
	case "balanced":
		return data.BalancedWeights(d.ClassCounts()), nil
	case "inverse":
		return data.InverseFrequencyWeights(d.ClassCounts()), nil
	case "sqrt":
		w := data.BalancedWeights(d.ClassCounts())
		for i, v := range w {
			w[i] = float32(math.Sqrt(float64(v)))
		}
		return w, nil
	}
	return nil, fmt.Errorf("%q: want none, balanced, sqrt or inverse", kind)
}

// WithAverage calls f with the averaged weights in the network when opt
// keeps an average (Recipe.EMA), and with the trained weights otherwise.
func WithAverage(opt optim.Optimizer, f func() error) error {
	if avg, ok := opt.(*optim.Averaged); ok {
		return avg.Use(f)
	}
	return f()
}
