package predict_test

import (
	"fmt"
	"image"
	"image/color"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/predict"
)

// Image prepares a picture as the model's training pictures were (here:
// resized to 8x8 gray) and returns the class probabilities. The model is
// one dense layer whose weights are set by hand: class "top" adds up the
// top half of the picture, class "bottom" the bottom half.
func ExampleImage() {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	spec, _ := model.Parse("flatten dense(2)")
	m, err := model.New(spec, model.Input{Shape: []int{1, 8, 8}, Prep: model.PrepResize}, []string{"top", "bottom"}, env)
	if err != nil {
		panic(err)
	}
	w, b := m.Net.Params()[0].Value.Data, m.Net.Params()[1].Value.Data
	for i := range 64 {
		w[i], w[64+i] = 0, 0
		if i < 32 {
			w[i] = 1 // class 0 weighs the top rows
		} else {
			w[64+i] = 1 // class 1 the bottom rows
		}
	}
	b[0], b[1] = 0, 0

	// A 40x30 picture, white on top, black below.
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for y := range 15 {
		for x := range 40 {
			img.Set(x, y, color.White)
		}
	}
	r, err := predict.Image(m, img)
	if err != nil {
		panic(err)
	}
	best := r.Top(1)[0]
	fmt.Printf("%s %.2f\n", m.Classes[best], r.Probs[best])
	// Output: top 1.00
}
