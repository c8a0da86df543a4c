package train

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
)

// A Run is a whole training run of a model as gocnn train makes one: Fit,
// with the files a run keeps written after every epoch (the metrics log,
// a checkpoint to resume from, the model file of the best epoch so far
// when there is a validation set), then the kept epoch scored on the
// test set and saved with its scores.
type Run struct {
	Model  *model.Model
	Env    *nn.Env // the environment Model was built in
	Config Config  // from Recipe.Config, with Validation (and Test, to watch it every epoch) set

	Train *data.Dataset // what Fit trains on
	Test  *data.Dataset // what the kept epoch is scored on at the end

	Out        string // the model file
	Log        string // the metrics log; "" for none
	Checkpoint string // the checkpoint; "" for none
	// Settings is saved in each checkpoint beside the training state,
	// for whoever resumes the run (gocnn train keeps its flags there).
	Settings any
	// Recipe, when set, is saved in each checkpoint too (as
	// Checkpoint.Recipe), so that a Go program can make the Config again
	// and resume (see Resume).
	Recipe *Recipe
	// Info goes into the model file's info, with "epochs" and, at the
	// end, the test scores.
	Info map[string]string

	// EpochDone, if set, is called after an epoch's files are written.
	EpochDone func(Epoch, *State)
}

// Outcome is how a Run ended.
type Outcome struct {
	Model  *model.Model // the kept epoch's model, as saved in Run.Out
	Result *Result
	Final  *Evaluation // the kept epoch on Run.Test
	// Saved is the epoch of the last checkpoint Do wrote (0: none), set
	// even when it fails: the one to resume from.
	Saved int
}

// Do runs r from state (nil: from the start; else a checkpoint's, with
// the optimiser and schedule restored). The model file keeps the epoch
// with the best validation score (Config.EarlyStop.Metric; "last" keeps
// the last) when there is a validation set, and the last epoch otherwise;
// with a weight average (Recipe.EMA) it keeps the average. With
// Recipe.Snapshots it saves the snapshots beside it (SnapshotPath).
func (r *Run) Do(ctx context.Context, state *State) (*Outcome, error) {
	out := &Outcome{}
	cfg := r.Config
	info := func(s *State) map[string]string {
		i := maps.Clone(r.Info)
		if i == nil {
			i = map[string]string{}
		}
		i["epochs"] = strconv.Itoa(s.Epoch)
		return i
	}
	m := r.Model
	var snapshots []int // the epochs after which to save a snapshot
	if r.Recipe != nil {
		snapshots = r.Recipe.SnapshotEpochs()
	}
	cfg.EpochEnd = func(e Epoch, s *State) error {
		if r.Log != "" {
			if err := WriteLog(r.Log, s.History); err != nil {
				return err
			}
		}
		m.Info = info(s)
		if cfg.Validation != nil && e.Best {
			if err := WithAverage(cfg.Optimizer, func() error { return model.Save(r.Out, m) }); err != nil {
				return err
			}
		}
		if k := slices.Index(snapshots, e.Epoch); k >= 0 {
			path := SnapshotPath(r.Out, k+1)
			if err := WithAverage(cfg.Optimizer, func() error { return model.Save(path, m) }); err != nil {
				return err
			}
		}
		if r.Checkpoint != "" {
			if err := saveCheckpoint(r.Checkpoint, m, cfg.Optimizer, cfg.Schedule, s, r.Settings, r.Recipe); err != nil {
				return err
			}
			out.Saved = s.Epoch
		}
		if r.EpochDone != nil {
			r.EpochDone(e, s)
		}
		return nil
	}
	res, err := Fit(ctx, m.Net, r.Train, cfg, state)
	if err != nil {
		return out, err
	}
	out.Result = res
	if cfg.Validation != nil {
		// The model file holds the kept epoch: score that one, with its
		// weights put into the network trained, whose buffers are made
		// already (a network of its own would make as many again).
		kept, err := model.Load(r.Out, r.Env)
		if err != nil {
			return out, err
		}
		if err := model.CopyParams(m.Net, kept.Net); err != nil {
			return out, fmt.Errorf("%s: %w", r.Out, err)
		}
	}
	scoreAndSave := func() error {
		final, err := Evaluate(m.Net, r.Test, cfg.scoringBatch())
		if err != nil {
			return err
		}
		out.Final = final
		m.Info = info(res.State)
		m.Info["test_accuracy"] = fmt.Sprintf("%.4f", final.Accuracy)
		m.Info["test_balanced_accuracy"] = fmt.Sprintf("%.4f", final.Balanced)
		m.Info["test_loss"] = fmt.Sprintf("%.4f", final.Loss)
		return model.Save(r.Out, m)
	}
	if cfg.Validation != nil {
		err = scoreAndSave() // the kept epoch's model, averaged already
	} else {
		err = WithAverage(cfg.Optimizer, scoreAndSave)
	}
	out.Model = m
	return out, err
}

// Resume makes the Config of a checkpoint's recipe again for its model
// (as LoadCheckpoint built it), on trainSet normalised by norm, and puts
// the optimiser's and the schedule's saved state back: with it and
// &ck.State, Run.Do carries on the run exactly where it stopped, as gocnn
// train -resume does. The checkpoint must have been saved by a Run with a
// Recipe.
func Resume(ck *Checkpoint, m *model.Model, trainSet *data.Dataset, norm *data.Normalization, env *nn.Env) (Config, error) {
	if ck.Recipe == nil {
		return Config{}, fmt.Errorf("the checkpoint holds no recipe (it was saved without one)")
	}
	cfg, err := ck.Recipe.Config(m.Net, trainSet, norm, env)
	if err != nil {
		return Config{}, err
	}
	if err := ck.Restore(cfg.Optimizer, cfg.Schedule); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
