// Package atomicfile writes files so that a crash or a full disk never
// leaves a half-written file where a good one was.
//
// The data goes to a temporary file in the same folder, which is flushed
// to disk (fsync) and then renamed over the destination. A rename within
// one file system is atomic: a reader sees either the old file or the new
// one, never a mixture, and an error at any step leaves the old file
// untouched.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleAfter is how long a temporary file must have gone unmodified
// before a later write to the same path takes it for the leftover of a
// writer that was killed, and removes it. A writer still at work touches
// its file more often than that, at every megabyte it writes.
const staleAfter = time.Minute

// Write creates or replaces the file at path with what write produces. The
// file gets mode 0644. Once it is in place, the temporary files of earlier
// writes to the same path that were killed before they could rename or
// remove theirs (those not modified in the last minute) are removed.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	prefix := "." + base + ".tmp-"
	tmp, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buf := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(buf); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: flushing to disk: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// Make the rename itself durable. Not every system can sync a folder,
	// and the file is complete either way, so a failure here is ignored.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	removeStale(dir, prefix, time.Now().Add(-staleAfter))
	return nil
}

// removeStale removes the files in dir whose names start with prefix and
// that were last modified before cutoff. It is tidying: a file it cannot
// read or remove is left where it is.
func removeStale(dir, prefix string, cutoff time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// CheckWritable reports, with an error naming path, when a file cannot be
// written at path because its folder is missing or does not let this
// process create files: it creates an empty temporary file there and
// removes it. A long job checks its output paths with it before it starts,
// rather than finding out when it first saves.
func CheckWritable(path string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".gocnn-write-check-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the test file's name would only confuse
		}
		return fmt.Errorf("cannot write %s: creating a file in %s: %w", path, dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("cannot write %s: removing the test file: %w", path, err)
	}
	return nil
}

// WriteFile is Write for data already in memory.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
