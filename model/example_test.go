package model_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
)

// A model is a spec, built for an input shape: here the size of the
// original from-scratch network, for MNIST's 28x28 digits.
func ExampleNew() {
	spec, err := model.Parse("conv(8,3) relu maxpool(2) flatten dense(10)")
	if err != nil {
		panic(err)
	}
	env := nn.NewEnv(1, 1) // seed 1, one worker
	defer env.Close()
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	m, err := model.New(spec, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST}, classes, env)
	if err != nil {
		panic(err)
	}
	for i, l := range m.Net.Layers {
		fmt.Printf("%d %-9s %v\n", i, l.Kind(), m.Net.Shapes()[i])
	}
	n := 0
	for _, p := range m.Net.Params() {
		n += len(p.Value.Data)
	}
	fmt.Println(n, "parameters")
	// Output:
	// 0 conv2d    [8 26 26]
	// 1 relu      [8 26 26]
	// 2 maxpool2d [8 13 13]
	// 3 flatten   [1352]
	// 4 dense     [10]
	// 13610 parameters
}

// Save writes a model file (to a temporary file first, then renamed);
// Load checks it, rebuilds the network and fills in its weights.
func ExampleLoad() {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	spec, _ := model.Preset("lenet5", 10)
	m, _ := model.New(spec, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST},
		[]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, env)

	dir, _ := os.MkdirTemp("", "gocnn-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "lenet5.safetensors")
	if err := model.Save(path, m); err != nil {
		panic(err)
	}
	back, err := model.Load(path, env)
	if err != nil {
		panic(err)
	}
	same := true
	for i, p := range back.Net.Params() {
		for j, v := range p.Value.Data {
			same = same && v == m.Net.Params()[i].Value.Data[j]
		}
	}
	fmt.Println(back.Spec)
	fmt.Println("same weights:", same)
	// Output:
	// conv(6,5,pad=2) relu maxpool(2) conv(16,5) relu maxpool(2) flatten dense(120) relu dense(84) relu dense(10)
	// same weights: true
}
