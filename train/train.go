// Package train runs the training loop: mini-batches through the model,
// the loss, the backward pass and the optimiser, epoch after epoch, with
// the measurements, schedules, early stopping and checkpoints around it.
//
// The loop reports through callbacks and prints nothing; the gocnn command
// turns the reports into a progress bar, a line per epoch and a metrics
// log. A run is determined by its seeds and its number of workers: the
// model's seed draws the initial weights and dropout masks, Config.Seed
// orders the examples and draws the augmentations.
package train

import (
	"cmp"
	"context"
	"encoding"
	"fmt"
	"math"
	"time"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
)

// Config describes a training run.
type Config struct {
	Epochs    int
	BatchSize int
	Seed      uint64 // orders the examples and draws augmentations

	Optimizer    optim.Optimizer
	Schedule     optim.Schedule // nil keeps the optimiser's rate
	ClipNorm     float64        // clip gradients to this global norm; 0 means never
	ClassWeights []float32      // weight each class's loss (imbalanced data); nil means equal
	// LabelSmoothing is ε of the training loss's label smoothing (see
	// nn.SoftmaxCrossEntropy); 0 for none. The validation and test losses
	// are the plain cross-entropy, so that runs compare.
	LabelSmoothing float64
	// Focal is γ of the focal loss (see nn.SoftmaxCrossEntropy) in place
	// of the training loss's cross-entropy; 0 for none. Like
	// LabelSmoothing, it leaves the validation and test losses plain.
	Focal float64
	// Mixup is α of mixup: each training batch is mixed with a shuffle of
	// itself in proportions drawn from Beta(α, α) (0.2 is usual), after
	// the augmentation; 0 for none. CutMix is α of cutmix, which pastes a
	// box of each partner instead, of an area drawn so (1 is usual). Set
	// one at most.
	Mixup  float64
	CutMix float64

	// Augment, if set, changes each training batch in place (never the
	// validation or test sets), drawing from r.
	Augment func(b *data.Batch, r *rng.RNG)
	// Sampler, if set, replaces the shuffled pass over the training set:
	// it fills b with the next batch and reports false at the end of an
	// epoch (balanced sampling, for instance). See data.Batches.
	Sampler func(r *rng.RNG) (Sampler, error)

	// Validation is scored after every epoch, with the averaged weights
	// when Optimizer is an optim.Averaged; its scores drive early stopping
	// and pick the best epoch. Test is scored after every epoch, for the
	// record, only when there is no validation set: with one, the test set
	// is left alone until the caller scores the epoch it keeps, once.
	Validation *data.Dataset
	Test       *data.Dataset
	// EvalBatch is the batch size for scoring; 0 means BatchSize. A
	// larger batch grows every layer's buffers for the rest of the run
	// (they keep the largest batch they held), for no speed: ham-resnet
	// scored 48x48 images as fast at 64 as at 256.
	EvalBatch int

	// EarlyStop stops training when the validation metric has not improved
	// for Patience epochs. Zero Patience means never.
	EarlyStop EarlyStop

	// Progress, if set, is called after every training batch.
	Progress func(Progress)
	// EpochEnd, if set, is called after every epoch with its results and
	// the run's state (to log it, save a checkpoint, keep the best model).
	// An error stops training and is returned by Fit.
	EpochEnd func(e Epoch, s *State) error
}

// Sampler hands out the training batches of one epoch.
type Sampler interface {
	Next(b *data.Batch) bool
	Reset()
	Len() int
}

// EarlyStop says when to give up on a run that has stopped improving, and
// which validation metric picks the best epoch.
type EarlyStop struct {
	// Metric is "val_loss" (lower is better, the default), "val_accuracy"
	// or "val_balanced_accuracy"; or "last", which counts every epoch as
	// the best so far, so that the run keeps its final epoch and the
	// validation scores only watch it.
	Metric   string
	Patience int // epochs without improvement; 0 never stops
}

// Progress is a report after one training batch.
type Progress struct {
	Epoch, Epochs  int
	Batch, Batches int
	Images         int           // images seen so far this epoch
	Loss, Accuracy float64       // running means over this epoch's batches
	Elapsed        time.Duration // since the epoch started
	LearningRate   float64
}

// Epoch is what one epoch measured; it is also a line of the metrics log.
type Epoch struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	ValLoss       float64 `json:"val_loss,omitempty"`
	ValAccuracy   float64 `json:"val_accuracy,omitempty"`
	ValBalanced   float64 `json:"val_balanced_accuracy,omitempty"`
	TestLoss      float64 `json:"test_loss,omitempty"`
	TestAccuracy  float64 `json:"test_accuracy,omitempty"`
	TestBalanced  float64 `json:"test_balanced_accuracy,omitempty"`
	LearningRate  float64 `json:"lr"`
	Seconds       float64 `json:"seconds"` // training time, scoring excluded
	ImagesPerSec  float64 `json:"images_per_sec"`
	Best          bool    `json:"best,omitempty"` // best validation metric so far
}

// State is everything a run carries from one epoch to the next. Saving it
// with the weights after an epoch and restoring it resumes the run exactly.
type State struct {
	Epoch int    // epochs completed
	Step  int    // optimiser steps taken
	Rand  []byte // the data RNG's state
	// Sampler is the state a sampler keeps from one epoch to the next (a
	// balanced sampler's walk through each class), when it has one: a
	// Sampler that is an encoding.BinaryMarshaler and BinaryUnmarshaler.
	Sampler   []byte  `json:",omitempty"`
	History   []Epoch // every completed epoch
	BestEpoch int     // epoch with the best validation metric (0: none yet)
	BestValue float64
	Stale     int // epochs since the best
}

// Result is the outcome of Fit.
type Result struct {
	State   *State
	Stopped string // why training ended early, or ""
}

// Fit trains net on d. With resume set (from a checkpoint), it continues
// from that state; the caller restores the weights, the optimiser and any
// layer random state first. The context stops training between batches.
func Fit(ctx context.Context, net *nn.Sequential, d *data.Dataset, cfg Config, resume *State) (*Result, error) {
	if err := cfg.check(net, d); err != nil {
		return nil, err
	}
	r := rng.New(cfg.Seed)
	var batches Sampler
	var err error
	if cfg.Sampler != nil {
		batches, err = cfg.Sampler(r)
	} else {
		batches, err = data.NewBatches(d, cfg.BatchSize, true, r)
	}
	if err != nil {
		return nil, err
	}
	state := &State{}
	if resume != nil {
		state = resume
		if err := r.UnmarshalBinary(state.Rand); err != nil {
			return nil, fmt.Errorf("resuming: %w", err)
		}
		if u, ok := batches.(encoding.BinaryUnmarshaler); ok && state.Sampler != nil {
			if err := u.UnmarshalBinary(state.Sampler); err != nil {
				return nil, fmt.Errorf("resuming the sampler: %w", err)
			}
		}
	}
	loss := nn.SoftmaxCrossEntropy{Weights: cfg.ClassWeights, Smoothing: cfg.LabelSmoothing, Focal: cfg.Focal}
	params := net.Params()
	var b data.Batch
	var mix *mixer
	switch {
	case cfg.CutMix > 0:
		mix = &mixer{alpha: cfg.CutMix, cut: true}
	case cfg.Mixup > 0:
		mix = &mixer{alpha: cfg.Mixup}
	}
	for epoch := state.Epoch + 1; epoch <= cfg.Epochs; epoch++ {
		batches.Reset()
		start := time.Now()
		var sumLoss float64
		var seen, hits, batch int
		for batches.Next(&b) {
			if err := ctx.Err(); err != nil {
				return &Result{State: state, Stopped: "interrupted"}, err
			}
			batch++
			if cfg.Schedule != nil {
				cfg.Optimizer.SetLR(cfg.Schedule.Rate(state.Step))
			}
			if cfg.Augment != nil {
				cfg.Augment(&b, r)
			}
			var lam float64
			var partners []int
			if mix != nil {
				lam, partners = mix.mix(&b, r)
			}
			logits := net.Forward(&b.Images, true)
			var l float64
			if mix != nil {
				l = loss.ForwardMixed(logits, b.Labels, partners, lam)
			} else {
				l = loss.Forward(logits, b.Labels)
			}
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return &Result{State: state, Stopped: "diverged"},
					fmt.Errorf("epoch %d batch %d: the loss is %v; training stopped (try a lower learning rate)", epoch, batch, l)
			}
			net.Backward(loss.Backward())
			if cfg.ClipNorm > 0 {
				optim.ClipGradNorm(params, cfg.ClipNorm)
			}
			cfg.Optimizer.Step()
			state.Step++
			n := b.Len()
			seen += n
			sumLoss += l * float64(n)
			hits += correct(logits, b.Labels)
			if cfg.Progress != nil {
				cfg.Progress(Progress{
					Epoch: epoch, Epochs: cfg.Epochs, Batch: batch, Batches: batches.Len(), Images: seen,
					Loss: sumLoss / float64(seen), Accuracy: float64(hits) / float64(seen),
					Elapsed: time.Since(start), LearningRate: cfg.Optimizer.LR(),
				})
			}
		}
		elapsed := time.Since(start)
		if bad := firstNonFinite(params); bad != "" {
			return &Result{State: state, Stopped: "diverged"},
				fmt.Errorf("epoch %d: parameter %s is not finite; training stopped", epoch, bad)
		}
		e := Epoch{
			Epoch: epoch, TrainLoss: sumLoss / float64(seen), TrainAccuracy: float64(hits) / float64(seen),
			LearningRate: cfg.Optimizer.LR(), Seconds: elapsed.Seconds(), ImagesPerSec: float64(seen) / elapsed.Seconds(),
		}
		if err := cfg.score(net, &e); err != nil {
			return nil, err
		}
		// Weights can be finite and still overflow on images unlike those
		// trained on: a validation or test loss that is not a number ends
		// the run as a training loss that is not one does, before the
		// epoch is recorded, so the last checkpoint stays the last good one.
		for _, l := range []struct {
			name string
			v    float64
		}{{"validation", e.ValLoss}, {"test", e.TestLoss}} {
			if math.IsNaN(l.v) || math.IsInf(l.v, 0) {
				return &Result{State: state, Stopped: "diverged"},
					fmt.Errorf("epoch %d: the %s loss is %v; training stopped (try a lower learning rate)", epoch, l.name, l.v)
			}
		}
		if p, ok := cfg.Schedule.(*optim.ReduceOnPlateau); ok {
			p.EndEpoch(cfg.plateauMetric(e))
		}
		stop := state.track(&e, cfg)
		state.Epoch = epoch
		state.History = append(state.History, e)
		if state.Rand, err = r.MarshalBinary(); err != nil {
			return nil, err
		}
		if m, ok := batches.(encoding.BinaryMarshaler); ok {
			if state.Sampler, err = m.MarshalBinary(); err != nil {
				return nil, err
			}
		}
		if cfg.EpochEnd != nil {
			if err := cfg.EpochEnd(e, state); err != nil {
				return &Result{State: state}, err
			}
		}
		if stop {
			return &Result{State: state, Stopped: fmt.Sprintf("early stop: %s has not improved for %d epoch%s (best %.4f at epoch %d)",
				cfg.EarlyStop.Metric, cfg.EarlyStop.Patience, plural(cfg.EarlyStop.Patience), state.BestValue, state.BestEpoch)}, nil
		}
	}
	return &Result{State: state}, nil
}

func (cfg *Config) check(net *nn.Sequential, d *data.Dataset) error {
	switch {
	case cfg.Epochs < 1:
		return fmt.Errorf("train: %d epochs, want at least 1", cfg.Epochs)
	case cfg.BatchSize < 1:
		return fmt.Errorf("train: batch size %d, want at least 1", cfg.BatchSize)
	case cfg.Optimizer == nil:
		return fmt.Errorf("train: no optimiser")
	case d.Len() == 0:
		return fmt.Errorf("train: %s has no examples", d.Name)
	}
	if out := net.OutShape(); len(out) != 1 || out[0] != len(d.Classes) {
		return fmt.Errorf("train: the model outputs %v scores per example but %s has %d classes", out, d.Name, len(d.Classes))
	}
	if cfg.EarlyStop.Patience > 0 && cfg.Validation == nil {
		return fmt.Errorf("train: early stopping needs a validation set")
	}
	if cfg.EarlyStop.Patience > 0 && cfg.EarlyStop.Metric == "last" {
		return fmt.Errorf("train: early stopping needs a validation metric, not \"last\"")
	}
	switch cfg.EarlyStop.Metric {
	case "", "val_loss", "val_accuracy", "val_balanced_accuracy", "last":
	default:
		return fmt.Errorf("train: unknown validation metric %q; want val_loss, val_accuracy, val_balanced_accuracy or last", cfg.EarlyStop.Metric)
	}
	return nil
}

// score fills in the validation figures of e, or the test figures when
// there is no validation set, with the averaged weights when the
// optimiser keeps an average (optim.Averaged).
func (cfg *Config) score(net *nn.Sequential, e *Epoch) error {
	if avg, ok := cfg.Optimizer.(*optim.Averaged); ok {
		return avg.Use(func() error { return cfg.scoreWeights(net, e) })
	}
	return cfg.scoreWeights(net, e)
}

// scoringBatch is the batch size the validation and test parts are
// scored at: EvalBatch, or BatchSize when it is 0.
func (cfg *Config) scoringBatch() int { return cmp.Or(cfg.EvalBatch, cfg.BatchSize) }

// scoreWeights is score with the weights net has.
func (cfg *Config) scoreWeights(net *nn.Sequential, e *Epoch) error {
	batch := cfg.scoringBatch()
	if cfg.Validation != nil {
		ev, err := Evaluate(net, cfg.Validation, batch)
		if err != nil {
			return err
		}
		e.ValLoss, e.ValAccuracy, e.ValBalanced = ev.Loss, ev.Accuracy, ev.Balanced
	}
	if cfg.Test != nil && cfg.Validation == nil {
		ev, err := Evaluate(net, cfg.Test, batch)
		if err != nil {
			return err
		}
		e.TestLoss, e.TestAccuracy, e.TestBalanced = ev.Loss, ev.Accuracy, ev.Balanced
	}
	return nil
}

// plateauMetric is what reduce-on-plateau watches: the validation loss, or
// the training loss when there is no validation set.
func (cfg *Config) plateauMetric(e Epoch) float64 {
	if cfg.Validation != nil {
		return e.ValLoss
	}
	return e.TrainLoss
}

// track updates the best validation metric with epoch e, marks e.Best, and
// reports whether early stopping says to stop.
func (s *State) track(e *Epoch, cfg Config) (stop bool) {
	if cfg.Validation == nil {
		return false
	}
	metric, higherIsBetter := e.ValLoss, false
	switch cfg.EarlyStop.Metric {
	case "val_accuracy":
		metric, higherIsBetter = e.ValAccuracy, true
	case "val_balanced_accuracy":
		metric, higherIsBetter = e.ValBalanced, true
	}
	last := cfg.EarlyStop.Metric == "last"
	better := s.BestEpoch == 0 || last || (higherIsBetter && metric > s.BestValue) || (!higherIsBetter && metric < s.BestValue)
	if better {
		s.BestEpoch, s.BestValue, s.Stale = e.Epoch, metric, 0
		e.Best = true
		return false
	}
	s.Stale++
	return cfg.EarlyStop.Patience > 0 && s.Stale >= cfg.EarlyStop.Patience
}

// firstNonFinite returns the name of the first parameter holding a NaN or
// an infinity, or "".
func firstNonFinite(params []*nn.Param) string {
	for _, p := range params {
		for _, v := range p.Value.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return p.Name
			}
		}
	}
	return ""
}

// plural is the "s" of a count that is not 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
