package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLogRoundTrip writes a history and reads it back.
func TestLogRoundTrip(t *testing.T) {
	want := []Epoch{{Epoch: 1, TrainLoss: 0.5, ValLoss: 0.6, Best: true}, {Epoch: 2, TrainLoss: 0.25, TestAccuracy: 0.9, LearningRate: 0.01}}
	path := filepath.Join(t.TempDir(), "run.jsonl")
	if err := WriteLog(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("read back %+v, want %+v", got, want)
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
