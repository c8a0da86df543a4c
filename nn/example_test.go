package nn_test

import (
	"fmt"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/tensor"
)

// One training step by hand: forward, the loss, backward, and the
// optimiser's update. Repeated on the same batch, the loss falls.
func ExampleSequential_trainingStep() {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	net := nn.NewSequential(nn.NewConv2D(4, 3), nn.NewReLU(), nn.NewFlatten(), nn.NewDense(2))
	if _, err := net.Build([]int{1, 5, 5}, env); err != nil {
		panic(err)
	}
	// A batch of two 5x5 images: a bright left half, a bright right half.
	x := tensor.New(2, 1, 5, 5)
	for y := range 5 {
		for c := range 5 {
			if c < 2 {
				x.Data[y*5+c] = 1
			} else if c > 2 {
				x.Data[25+y*5+c] = 1
			}
		}
	}
	labels := []int{0, 1}
	opt := optim.NewSGD(net.Params(), 0.1, 0.9)
	var loss nn.SoftmaxCrossEntropy
	var first, last float64
	for step := range 20 {
		l := loss.Forward(net.Forward(x, true), labels) // the mean loss of the batch
		net.Backward(loss.Backward())                   // every parameter's gradient
		opt.Step()                                      // the update
		if step == 0 {
			first = float64(l)
		}
		last = float64(l)
	}
	fmt.Println("output shape:", net.Forward(x, false).Shape)
	fmt.Println("loss fell:", last < first/10)
	// Output:
	// output shape: [2 2]
	// loss fell: true
}
