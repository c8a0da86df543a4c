package trainingdata_test

import (
	"context"
	"fmt"

	"github.com/gocnn/gocnn/trainingdata"
)

// Load reads the two-digit task of MNIST (fetched on first use): 2,000
// training images of threes and fives, a tenth of them held out for
// validation, and 500 test images, spread through the sets.
func ExampleLoad() {
	sets, err := trainingdata.Load(context.Background(), trainingdata.Options{
		Name: "mnist", Classes: "3,5", TrainLimit: 2000, TestLimit: 500, Validation: 0.1, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(sets.Train.Len(), sets.Validation.Len(), sets.Test.Len(), sets.Train.Classes)
}
