package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/gocnn/gocnn/atomicfile"
)

// A metrics log is a run's history, one JSON object per line, each an
// Epoch as encoding/json writes it: what gocnn train writes beside its
// model and gocnn plot and report read.

// WriteLog writes history as a metrics log at path, whole or not at all
// (a temporary file, synced and renamed).
func WriteLog(path string, history []Epoch) error {
	return atomicfile.Write(path, func(w io.Writer) error { return EncodeLog(w, history) })
}

// EncodeLog writes history to w as a metrics log.
func EncodeLog(w io.Writer, history []Epoch) error {
	enc := json.NewEncoder(w)
	for _, e := range history {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// maxLogLine is the longest line ReadLog accepts; an epoch's line is
// about 250 bytes.
const maxLogLine = 1 << 20

// ReadLog reads a metrics log written by "gocnn train": one JSON object
// per line, as Epoch encodes it. Blank lines are skipped. Errors
// name the file and the line.
func ReadLog(path string) ([]Epoch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeLog(f, path)
}

// DecodeLog reads a metrics log from r; name is what errors call it
// (usually the file's path). Every line must be one JSON object with an
// epoch number, each larger than the one before: a log that goes
// backwards was mixed up with another run's. Fields the log has and
// Epoch lacks are ignored, so logs from later versions still read.
func DecodeLog(r io.Reader, name string) ([]Epoch, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLogLine)
	var epochs []Epoch
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var e Epoch
		if err := json.Unmarshal(text, &e); err != nil {
			return nil, fmt.Errorf("%s:%d: not an epoch's metrics: %v", name, line, err)
		}
		switch {
		case e.Epoch < 1:
			return nil, fmt.Errorf("%s:%d: no epoch number (want \"epoch\": 1 or more)", name, line)
		case len(epochs) > 0 && e.Epoch <= epochs[len(epochs)-1].Epoch:
			return nil, fmt.Errorf("%s:%d: epoch %d comes after epoch %d; the epochs must increase", name, line, e.Epoch, epochs[len(epochs)-1].Epoch)
		}
		epochs = append(epochs, e)
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes; not a metrics log", name, line+1, maxLogLine)
		}
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(epochs) == 0 {
		return nil, fmt.Errorf("%s: no epochs in the metrics log", name)
	}
	return epochs, nil
}
