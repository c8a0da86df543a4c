package train_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/tensor"
	"github.com/gocnn/gocnn/train"
)

// stripes returns n 8x8 images of stripes across (class 0) or down
// (class 1), of the given phase, as a dataset held in memory.
func stripes(n, phase int) *data.Dataset {
	x := tensor.New(n, 1, 8, 8)
	labels := make([]int, n)
	for i := range n {
		labels[i] = i % 2
		for y := range 8 {
			for c := range 8 {
				k := y
				if labels[i] == 1 {
					k = c
				}
				if (k+i/2+phase)%3 == 0 {
					x.Data[i*64+y*8+c] = 1
				}
			}
		}
	}
	return &data.Dataset{Name: "stripes", Images: x, Labels: labels, Classes: []string{"across", "down"}}
}

// Fit trains a network on a dataset held in memory, and Evaluate scores
// it on another.
func ExampleFit() {
	trainSet, testSet := stripes(64, 0), stripes(32, 1)

	env := nn.NewEnv(1, 1) // seed 1, one worker: the same weights every run
	defer env.Close()
	net := nn.NewSequential(nn.NewConv2D(4, 3), nn.NewReLU(), nn.NewMaxPool2D(2), nn.NewFlatten(), nn.NewDense(2))
	if _, err := net.Build([]int{1, 8, 8}, env); err != nil {
		panic(err)
	}
	cfg := train.Config{Epochs: 10, BatchSize: 16, Seed: 1, Optimizer: optim.NewSGD(net.Params(), 0.1, 0.9)}
	if _, err := train.Fit(context.Background(), net, trainSet, cfg, nil); err != nil {
		panic(err)
	}
	ev, err := train.Evaluate(net, testSet, 32)
	if err != nil {
		panic(err)
	}
	fmt.Printf("test accuracy %.0f%%\n", 100*ev.Accuracy)
	// Output: test accuracy 100%
}

// TestREADMEGoCode checks that every Go block of README.md is code that
// an example runs: its lines, stripped of their indentation, appear in
// that order, one after another, in this file, so the README cannot show
// code that does not compile or does not do what it says.
func TestREADMEGoCode(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	code := lines(string(self))
	blocks := 0
	for _, part := range strings.Split(string(readme), "```go\n")[1:] {
		block, _, ok := strings.Cut(part, "```")
		if !ok {
			t.Fatal("a Go block of README.md is not closed")
		}
		blocks++
		want := lines(block)
		found := false
		for i := range code {
			if i+len(want) <= len(code) && slices.Equal(code[i:i+len(want)], want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md's Go block %d is not the code of an example in train/example_test.go:\n%s", blocks, block)
		}
	}
	if blocks == 0 {
		t.Error("README.md has no Go block")
	}
}
