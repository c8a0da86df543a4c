package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
)

func TestDataUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"data"}, "data needs a subcommand"},
		{[]string{"data", "frob"}, `unknown data subcommand "frob"`},
		{[]string{"data", "fetch"}, "name a dataset to fetch"},
		{[]string{"data", "fetch", "cifar10"}, `unknown dataset "cifar10" (known: mnist, fashion-mnist)`},
		{[]string{"data", "fetch", "mnist", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"data", "list", "mnist"}, `unexpected argument "mnist"`},
	} {
		code, _, errOut := runCLI(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gocnn %s: status %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
	code, out, _ := runCLI("help", "data")
	if code != 0 || !strings.Contains(out, "gocnn data fetch") || !strings.Contains(out, "$GOCNN_DATA") {
		t.Errorf("help data: status %d, output %q", code, out)
	}
}

func TestDataList(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOCNN_DATA", dir)
	bad := filepath.Join(dir, "mnist", "t10k-labels-idx1-ubyte")
	os.MkdirAll(filepath.Dir(bad), 0o755)
	os.WriteFile(bad, []byte{0, 0, 8, 1, 0, 0, 0, 1, 7}, 0o644)
	code, out, errOut := runCLI("data", "list")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	for _, want := range []string{
		"mnist          MNIST handwritten digits, 10 classes, in " + filepath.Join(dir, "mnist"),
		"fashion-mnist  Fashion-MNIST clothing, 10 classes, in " + filepath.Join(dir, "fashion-mnist"),
		"train-images-idx3-ubyte    missing",
		"t10k-labels-idx1-ubyte     BAD: content is 9 bytes, want 10008",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "missing"); n != 7 {
		t.Errorf("%d files missing, want 7:\n%s", n, out)
	}
}

// TestDataFetchPresent runs "data fetch" on a data folder that already
// holds Fashion-MNIST, copied from Debian's package, so nothing is
// downloaded; it skips where that package is not installed.
func TestDataFetchPresent(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "fashion-mnist")
	os.MkdirAll(dst, 0o755)
	for _, f := range data.FashionMNIST().Files() {
		b, err := os.ReadFile(filepath.Join(data.DebianFashionMNISTDir, f.Name+".gz"))
		if err != nil {
			t.Skipf("needs Debian's dataset-fashion-mnist package: %v", err)
		}
		os.WriteFile(filepath.Join(dst, f.Name+".gz"), b, 0o644)
	}
	code, out, errOut := runCLI("data", "fetch", "fashion-mnist", "-data-dir", dir)
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	for _, want := range []string{
		"t10k-images-idx3-ubyte: already in " + filepath.Join(dst, "t10k-images-idx3-ubyte.gz") + ", verified",
		"fashion-mnist: ready in " + dst,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var logOut bytes.Buffer
	train, test, err := loadData("fashion-mnist", dir, &logOut, &logOut)
	if err != nil || train.Len() != 60000 || test.Len() != 10000 || logOut.Len() != 0 {
		t.Errorf("loadData: %v; log %q", err, logOut.String())
	}
	// A damaged file is reported, with what to do, and left alone.
	damaged := filepath.Join(dst, "train-labels-idx1-ubyte.gz")
	os.WriteFile(damaged, []byte("not gzip"), 0o644)
	code, _, errOut = runCLI("data", "fetch", "-data-dir", dir, "fashion-mnist")
	if code != 1 || !strings.Contains(errOut, damaged) || !strings.Contains(errOut, "delete it to fetch it again") {
		t.Errorf("damaged file: status %d, stderr %q", code, errOut)
	}
}

func TestFetchViewDrawsBars(t *testing.T) {
	var out, errOut bytes.Buffer
	v := &fetchView{out: &out, err: &errOut, bars: true}
	v.log("a.gz: fetching from somewhere")
	v.progress("a.gz", 0, 2000)
	v.progress("a.gz", 2000, 2000)
	v.log("a.gz: saved")
	v.end()
	if out.String() != "a.gz: fetching from somewhere\na.gz: saved\n" {
		t.Errorf("stdout %q", out.String())
	}
	if s := errOut.String(); !strings.Contains(s, "a.gz") || !strings.Contains(s, "100%") || !strings.HasSuffix(s, "\n") {
		t.Errorf("stderr %q, want a finished bar for a.gz", s)
	}
}
