package train

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/safetensors"
)

// A checkpoint is a model file (see model.SaveWithState) that also holds
// everything needed to carry on training exactly where it stopped: the
// optimiser's buffers as tensors named "state/optimizer/…", and as JSON the
// loop's State, the optimiser's step count, the random streams of the
// dropout layers and a reduce-on-plateau schedule's state, plus whatever
// the caller wants to remember of its settings (Checkpoint.Config).
//
// Checkpoints are written after each epoch, to a temporary file that
// replaces the old one only once complete, so a run killed at any moment
// leaves the last epoch's checkpoint intact.

// Checkpoint is the training state saved beside a model.
type Checkpoint struct {
	State   State           `json:"state"`
	Steps   int64           `json:"optimizer_steps"`
	Streams [][]byte        `json:"layer_streams"`     // dropout layers' RNG states, in RandomStreams order
	Plateau json.RawMessage `json:"plateau,omitempty"` // a ReduceOnPlateau schedule's state
	Config  json.RawMessage `json:"config,omitempty"`  // the caller's settings, to resume with the same ones
	// Recipe is the run's recipe when a Run saved it with one: a Go
	// program resumes from it as gocnn train -resume does from Config.
	Recipe  *Recipe `json:"recipe,omitempty"`
	buffers map[string][]float32
}

// SaveCheckpoint writes m with the training state to path, atomically.
// config is stored as given (it must encode as JSON).
func SaveCheckpoint(path string, m *model.Model, opt optim.Optimizer, sched optim.Schedule, s *State, config any) error {
	return saveCheckpoint(path, m, opt, sched, s, config, nil)
}

// saveCheckpoint is SaveCheckpoint, with the run's recipe when it has one.
func saveCheckpoint(path string, m *model.Model, opt optim.Optimizer, sched optim.Schedule, s *State, config any, recipe *Recipe) error {
	ck := Checkpoint{State: *s, Recipe: recipe}
	optState := opt.State()
	ck.Steps = optState.Steps
	for _, r := range nn.RandomStreams(m.Net.Layers) {
		b, err := r.MarshalBinary()
		if err != nil {
			return fmt.Errorf("saving checkpoint %s: %w", path, err)
		}
		ck.Streams = append(ck.Streams, b)
	}
	var err error
	if p, ok := sched.(*optim.ReduceOnPlateau); ok {
		if ck.Plateau, err = json.Marshal(p); err != nil {
			return fmt.Errorf("saving checkpoint %s: %w", path, err)
		}
	}
	if config != nil {
		if ck.Config, err = json.Marshal(config); err != nil {
			return fmt.Errorf("saving checkpoint %s: %w", path, err)
		}
	}
	meta, err := json.Marshal(ck)
	if err != nil {
		return fmt.Errorf("saving checkpoint %s: %w", path, err)
	}
	names := make([]string, 0, len(optState.Buffers))
	for name := range optState.Buffers {
		names = append(names, name)
	}
	sort.Strings(names)
	tensors := make([]safetensors.Tensor, len(names))
	for i, name := range names {
		b := optState.Buffers[name]
		tensors[i] = safetensors.Tensor{Name: model.StatePrefix + "optimizer/" + name, DType: safetensors.F32, Shape: []int{len(b)}, Data: b}
	}
	return model.SaveWithState(path, m, &model.State{Tensors: tensors, Meta: string(meta)})
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint: the model,
// built in env with the saved weights and dropout streams, and the
// training state. Restore puts the rest back once the optimiser and the
// schedule have been made again.
func LoadCheckpoint(path string, env *nn.Env) (*model.Model, *Checkpoint, error) {
	m, st, err := model.LoadWithState(path, env)
	if err != nil {
		return nil, nil, err
	}
	if st == nil {
		return nil, nil, fmt.Errorf("%s is a model file, not a checkpoint: it holds no training state", path)
	}
	var ck Checkpoint
	if err := json.Unmarshal([]byte(st.Meta), &ck); err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: reading its state: %w", path, err)
	}
	streams := nn.RandomStreams(m.Net.Layers)
	if len(streams) != len(ck.Streams) {
		return nil, nil, fmt.Errorf("checkpoint %s: %d dropout streams saved for %d dropout layers", path, len(ck.Streams), len(streams))
	}
	for i, r := range streams {
		if err := r.UnmarshalBinary(ck.Streams[i]); err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
	}
	ck.buffers = map[string][]float32{}
	for _, t := range st.Tensors {
		name, ok := strings.CutPrefix(t.Name, model.StatePrefix+"optimizer/")
		if !ok {
			return nil, nil, fmt.Errorf("checkpoint %s: unknown state tensor %q", path, t.Name)
		}
		ck.buffers[name] = t.Data
	}
	return m, &ck, nil
}

// Restore puts the saved optimiser buffers and schedule state into opt and
// sched, which must have been made for the checkpoint's model as they were
// for the run that saved it.
func (ck *Checkpoint) Restore(opt optim.Optimizer, sched optim.Schedule) error {
	if err := opt.SetState(optim.State{Steps: ck.Steps, Buffers: ck.buffers}); err != nil {
		return fmt.Errorf("restoring the optimiser: %w", err)
	}
	if p, ok := sched.(*optim.ReduceOnPlateau); ok {
		if ck.Plateau == nil {
			return fmt.Errorf("restoring the schedule: the checkpoint has no reduce-on-plateau state")
		}
		if err := json.Unmarshal(ck.Plateau, p); err != nil {
			return fmt.Errorf("restoring the schedule: %w", err)
		}
	}
	return nil
}
