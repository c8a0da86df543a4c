package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/train"
	"github.com/gocnn/gocnn/trainingdata"
)

// printStart says what the run is about to do: the data, the model, the
// recipe and, resuming from a checkpoint, the epochs it trained already.
func (f *trainSettings) printStart(w io.Writer, sets *trainingdata.Sets, m *model.Model, env *nn.Env, cfg train.Config, state *train.State, resume string) {
	trainSet := sets.Train
	fmt.Fprintf(w, "data   %s: %d training, %d test images of %s, %d classes %v\n", f.Data, trainSet.Len(), sets.Test.Len(),
		shapeText(trainSet.Shape()), len(trainSet.Classes), trainSet.Classes)
	if sets.Validation != nil {
		kept := "the best epoch"
		if cfg.EarlyStop.Metric == "last" {
			kept = "the last epoch"
		}
		fmt.Fprintf(w, "       %d validation images held out; %s keeps %s\n", sets.Validation.Len(), f.Out, kept)
	}
	fmt.Fprintf(w, "model  %s\n", m.Spec)
	if f.InitFrom != "" {
		fmt.Fprintf(w, "       starting from the weights of %s\n", f.InitFrom)
	}
	fmt.Fprintf(w, "       %d parameters; %s; seed %d\n", m.TrainableParams(), counted(env.Workers(), "thread"), f.Seed)
	fmt.Fprintf(w, "train  %s, batch %d, %s lr %g, schedule %s", counted(f.Epochs, "epoch"), f.Batch, f.Optimizer, cfg.Optimizer.LR(), f.Schedule)
	if f.EMA != 0 {
		fmt.Fprintf(w, ", weights averaged (decay %g)", f.EMA)
		if f.EMABN > 0 {
			fmt.Fprintf(w, " with batch norm recomputed from %s", counted(f.EMABN, "image"))
		}
	}
	if f.Snapshots > 1 {
		fmt.Fprintf(w, ", restarted for %d snapshots", f.Snapshots)
	}
	fmt.Fprintln(w)
	if state != nil {
		fmt.Fprintf(w, "resume from %s after epoch %d\n", resume, state.Epoch)
		for _, e := range state.History {
			fmt.Fprintln(w, epochLine(e, f.Epochs, trainingdata.ComesSplit(f.Data)))
		}
	}
}

// printEnd says how the run ended: the epoch kept, why it stopped early
// if it did, and the kept epoch's test scores (with the confusion matrix
// for data split into parts of its own, whose classes are unbalanced).
func (f *trainSettings) printEnd(w io.Writer, sets *trainingdata.Sets, cfg train.Config, outcome *train.Outcome, wall time.Duration) {
	res, final := outcome.Result, outcome.Final
	if sets.Validation != nil {
		if cfg.EarlyStop.Metric == "last" {
			fmt.Fprintf(w, "kept   epoch %d, the last, in %s\n", res.State.BestEpoch, f.Out)
		} else {
			fmt.Fprintf(w, "best   epoch %d (%s %.4f), kept in %s\n", res.State.BestEpoch, bestMetric(cfg), res.State.BestValue, f.Out)
		}
	}
	if res.Stopped != "" {
		fmt.Fprintf(w, "stopped: %s\n", res.Stopped)
	}
	fmt.Fprintf(w, "done   test accuracy %.2f%% (balanced %.2f%%), loss %.4f after %s in %s\n", 100*final.Accuracy,
		100*final.Balanced, final.Loss, counted(res.State.Epoch, "epoch"), wall.Round(100*time.Millisecond))
	if trainingdata.ComesSplit(f.Data) {
		final.Confusion.Format(w)
	}
	fmt.Fprintf(w, "saved  %s (metrics in %s)\n", f.Out, f.Log)
	if f.Snapshots > 1 {
		var snaps []string
		for k := 1; k < f.Snapshots; k++ {
			snaps = append(snaps, train.SnapshotPath(f.Out, k))
		}
		fmt.Fprintf(w, "       and its snapshots %s: gocnn eval -model %s -ensemble %s\n",
			strings.Join(snaps, ", "), f.Out, strings.Join(snaps, ","))
	}
}

// shapeText writes an example's shape as the flags take it: 3x64x64.
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

// bestMetric is the validation metric that picked the epoch kept.
func bestMetric(cfg train.Config) string {
	if cfg.EarlyStop.Metric != "" {
		return cfg.EarlyStop.Metric
	}
	return "val_loss"
}
