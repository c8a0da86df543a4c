package plot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/train"
)

// writeLog writes epochs as gocnn train does and returns the file's path.
func writeLog(t *testing.T, name string, epochs []train.Epoch) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, e := range epochs {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	return writeFile(t, name, b.String())
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sampleEpochs is a made-up run of n epochs with train, val and test
// figures.
func sampleEpochs(n int) []train.Epoch {
	es := make([]train.Epoch, n)
	for i := range es {
		f := float64(i + 1)
		es[i] = train.Epoch{Epoch: i + 1, TrainLoss: 1 / f, TrainAccuracy: 1 - 0.3/f,
			ValLoss: 1.1 / f, ValAccuracy: 1 - 0.35/f, TestLoss: 1.2 / f, TestAccuracy: 1 - 0.4/f,
			LearningRate: 0.05, Seconds: 1, ImagesPerSec: 1000}
	}
	return es
}

func TestReadRunRoundTrip(t *testing.T) {
	want := sampleEpochs(3)
	want[1].Best = true
	path := writeLog(t, "lenet5.jsonl", want)
	run, err := ReadRun(path)
	if err != nil {
		t.Fatal(err)
	}
	if run.Name != "lenet5" {
		t.Errorf("name %q, want lenet5", run.Name)
	}
	if len(run.Epochs) != len(want) {
		t.Fatalf("%d epochs, want %d", len(run.Epochs), len(want))
	}
	for i := range want {
		if run.Epochs[i] != want[i] {
			t.Errorf("epoch %d: got %+v, want %+v", i+1, run.Epochs[i], want[i])
		}
	}
}

func TestReadLogToleratesBlankLinesAndNewFields(t *testing.T) {
	path := writeFile(t, "run.jsonl", "\n{\"epoch\":1,\"train_loss\":0.5,\"future_field\":[1,2]}\n\n  \n{\"epoch\":2,\"train_loss\":0.25}\n")
	epochs, err := ReadLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(epochs) != 2 || epochs[0].TrainLoss != 0.5 || epochs[1].Epoch != 2 || epochs[1].TrainLoss != 0.25 {
		t.Errorf("got %+v", epochs)
	}
}

func TestReadLogErrorsNameFileAndLine(t *testing.T) {
	good := `{"epoch":1,"train_loss":0.5}` + "\n"
	for _, c := range []struct {
		name, content, want string
	}{
		{"bad-json", good + "\n{\"epoch\":2,\"train_loss\":0.4\n", ":3: not an epoch's metrics"},
		{"not-an-object", good + "[1,2,3]\n", ":2: not an epoch's metrics"},
		{"wrong-type", good + `{"epoch":"two"}` + "\n", ":2: not an epoch's metrics"},
		{"no-epoch", good + `{"train_loss":0.4}` + "\n", ":2: no epoch number"},
		{"null", "null\n", ":1: no epoch number"},
		{"backwards", good + `{"epoch":2}` + "\n" + `{"epoch":2}` + "\n", ":3: epoch 2 comes after epoch 2"},
		{"empty", "\n\n", "no epochs"},
		{"long-line", good + strings.Repeat("x", maxLogLine+10) + "\n", ":2: line longer than"},
	} {
		path := writeFile(t, c.name+".jsonl", c.content)
		_, err := ReadLog(path)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want the path and %q", c.name, err, c.want)
		}
	}
	if _, err := ReadLog(filepath.Join(t.TempDir(), "missing.jsonl")); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("missing file: %v", err)
	}
}
