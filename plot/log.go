package plot

import (
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/train"
)

// Run is one training run's metrics, one entry per epoch, under the name
// the charts give it in legends.
type Run struct {
	Name   string
	Epochs []train.Epoch
}

// ReadRun reads the metrics log at path (see train.ReadLog) and names the run
// after the file, without its folder and extension: "runs/lenet5.jsonl"
// is the run "lenet5".
func ReadRun(path string) (Run, error) {
	epochs, err := train.ReadLog(path)
	if err != nil {
		return Run{}, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return Run{Name: name, Epochs: epochs}, nil
}
