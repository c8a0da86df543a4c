package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCPUProfile checks that -cpuprofile makes bench and train write a
// profile (gzip-compressed, as go tool pprof reads it), and that a
// profile that cannot be created stops the command before it works,
// naming the file.
func TestCPUProfile(t *testing.T) {
	dir := t.TempDir()
	runs := map[string][]string{
		"bench": {"bench", "-models", "tiny", "-measure", "train", "-images", "256", "-threads", "1"},
		"train": {"train", "-model", "tiny", "-train-limit", "200", "-test-limit", "100", "-epochs", "1", "-quiet",
			"-out", filepath.Join(dir, "tiny.safetensors")},
	}
	for name, args := range runs {
		if name == "train" && testing.Short() {
			continue // trains on real MNIST
		}
		path := filepath.Join(dir, name+".prof")
		code, stdout, stderr := runCLI(append(args, "-cpuprofile", path)...)
		if code != 0 && strings.Contains(stderr, "already in use") {
			t.Skip("the test binary itself is being profiled")
		}
		if code != 0 {
			t.Fatalf("%s -cpuprofile: status %d\n%s\n%s", name, code, stdout, stderr)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s -cpuprofile: %v", name, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s -cpuprofile wrote %d bytes that are not gzip: %v", name, len(raw), err)
		}
		if body, err := io.ReadAll(zr); err != nil || len(body) == 0 {
			t.Errorf("%s -cpuprofile: %d bytes of profile, %v", name, len(body), err)
		}
	}
	if runtime.GOOS != "linux" {
		return
	}
	bad := "/proc/gocnn-test-profile" // /proc refuses new files, even root's
	for name, args := range runs {
		code, stdout, stderr := runCLI(append(args, "-cpuprofile", bad)...)
		if code != 1 || !strings.Contains(stderr, bad) {
			t.Errorf("%s -cpuprofile %s: status %d, stderr %q; want 1 and an error naming it", name, bad, code, stderr)
		}
		if strings.Contains(stdout, "data ") || strings.Contains(stdout, "img/s") {
			t.Errorf("%s -cpuprofile %s went on to work:\n%s", name, bad, stdout)
		}
	}
}
