package plot

import (
	"path/filepath"
	"testing"

	"github.com/gocnn/gocnn/train"
)

// writeLog writes epochs as gocnn train does and returns the file's path.
func writeLog(t *testing.T, name string, epochs []train.Epoch) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := train.WriteLog(path, epochs); err != nil {
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
