package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
)

// FuzzLoadCheckpoint loads arbitrary bytes as a checkpoint, starting from
// a real one of the stripes model and cuts of it. Loading must never
// panic, and a refusal must name the file. What loads must be whole: a
// model of the checkpoint's own shape and a state no further than its
// history.
func FuzzLoadCheckpoint(f *testing.F) {
	dir := f.TempDir()
	m, env := newStripesModel(f, 1)
	cfg := stripesConfig(m, 1)
	good := filepath.Join(dir, "good.ckpt")
	state := &State{Epoch: 1, Step: 19, History: []Epoch{{Epoch: 1, TrainLoss: 1}}}
	if err := SaveCheckpoint(good, m, cfg.Optimizer, cfg.Schedule, state, map[string]string{"k": "v"}); err != nil {
		f.Fatal(err)
	}
	env.Close()
	b, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(b[:200])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, file []byte) {
		path := filepath.Join(t.TempDir(), "run.ckpt")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		env := nn.NewEnv(1, 1)
		defer env.Close()
		m, ck, err := LoadCheckpoint(path, env)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %s", err, path)
			}
			return
		}
		if m == nil || ck == nil || m.Net == nil {
			t.Fatal("loaded without a model or a checkpoint")
		}
		if ck.State.Epoch < 0 || ck.State.Step < 0 || len(ck.State.History) > ck.State.Epoch {
			t.Fatalf("loaded a state of epoch %d, step %d with %d epochs of history", ck.State.Epoch, ck.State.Step, len(ck.State.History))
		}
	})
}
