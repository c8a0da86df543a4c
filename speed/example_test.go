package speed_test

import (
	"fmt"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/speed"
)

// Measure times LeNet-5's inference on 64 random 28x28 images in batches
// of 16 on one worker; the rate depends on the machine, the arithmetic
// does not.
func ExampleMeasure() {
	spec, err := model.Preset("lenet5", 10)
	if err != nil {
		panic(err)
	}
	r, err := speed.Measure("lenet5", spec, speed.Options{Input: []int{1, 28, 28}, Optimizer: "sgd", Batch: 16, Threads: 1,
		Infer: true, InferImages: 64})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d images timed, %d multiply-adds each, %v images a second\n", r.Model, r.InferImages, r.ForwardMultiplyAdds, r.InferPerSec > 0)
	// Output: lenet5: 64 images timed, 416520 multiply-adds each, true images a second
}
