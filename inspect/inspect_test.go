package inspect

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/plot"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// smallNet returns conv(2,3) relu maxpool(2) flatten dense(3) built for
// 1x6x6 inputs, with its first filter set to all ones and no bias.
func smallNet(t *testing.T, env *nn.Env) *nn.Sequential {
	t.Helper()
	net := nn.NewSequential(nn.NewConv2D(2, 3), nn.NewReLU(), nn.NewMaxPool2D(2), nn.NewFlatten(), nn.NewDense(3))
	if _, err := net.Build([]int{1, 6, 6}, env); err != nil {
		t.Fatal(err)
	}
	conv := net.Layers[0].Params()
	for i := range 9 {
		conv[0].Value.Data[i] = 1 // filter 0: the window's sum
	}
	clear(conv[1].Value.Data)
	return net
}

func randomInput(seed uint64, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	r := rng.New(seed)
	for i := range x.Data {
		x.Data[i] = r.Float32()*2 - 1
	}
	return x
}

func TestTrace(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	net := smallNet(t, env)
	x := randomInput(7, 1, 6, 6)
	acts, err := Trace(net, x)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != len(net.Layers) {
		t.Fatalf("%d activations for %d layers", len(acts), len(net.Layers))
	}
	kinds := []string{"conv2d", "relu", "maxpool2d", "flatten", "dense"}
	for i, a := range acts {
		if a.Index != i || a.Kind != kinds[i] || !tensor.SameShape(a.Output.Shape, net.Shapes()[i]) {
			t.Errorf("activation %d: index %d kind %s shape %v; want %s %v", i, a.Index, a.Kind, a.Output.Shape, kinds[i], net.Shapes()[i])
		}
	}
	if !acts[0].IsImage() || acts[3].IsImage() {
		t.Error("IsImage: conv output should be an image, flatten output not")
	}
	// Filter 0 sums each 3x3 window: output (0, 1, 2) is the window at
	// rows 1-3, columns 2-4.
	var sum float32
	for r := 1; r <= 3; r++ {
		for c := 2; c <= 4; c++ {
			sum += x.Data[r*6+c]
		}
	}
	if got := acts[0].Output.Data[1*4+2]; abs(got-sum) > 1e-5 {
		t.Errorf("conv output at (0,1,2) = %v, want the window sum %v", got, sum)
	}
	for i, v := range acts[0].Output.Data {
		if want := max(v, 0); acts[1].Output.Data[i] != want {
			t.Fatalf("relu output %d = %v, want %v", i, acts[1].Output.Data[i], want)
		}
	}
	// The last activation is what the network outputs.
	want := net.Forward(tensor.FromData(append([]float32(nil), x.Data...), 1, 1, 6, 6), false).Data
	for i, v := range acts[4].Output.Data {
		if v != want[i] {
			t.Fatalf("traced output %v, Forward gives %v", acts[4].Output.Data, want)
		}
	}
	// The outputs are copies: another input does not change them.
	kept := append([]float32(nil), acts[4].Output.Data...)
	if _, err := Trace(net, randomInput(8, 1, 6, 6)); err != nil {
		t.Fatal(err)
	}
	for i := range kept {
		if acts[4].Output.Data[i] != kept[i] {
			t.Fatal("a later Trace changed an earlier one's outputs")
		}
	}
	if _, err := Trace(net, tensor.New(1, 5, 6)); err == nil || !strings.Contains(err.Error(), "[1 6 6]") {
		t.Errorf("wrong input shape: %v", err)
	}
}

func abs(v float32) float32 { return max(v, -v) }

func TestFirstConv(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	net := nn.NewSequential(nn.NewFlatten(), nn.NewDense(4))
	if _, err := net.Build([]int{1, 4, 4}, env); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := FirstConv(net); ok {
		t.Error("found a convolution in a network without one")
	}
	net = nn.NewSequential(nn.NewMaxPool2D(2), nn.NewConv2D(5, 3), nn.NewConv2D(2, 1))
	if _, err := net.Build([]int{3, 8, 8}, env); err != nil {
		t.Fatal(err)
	}
	i, w, ok := FirstConv(net)
	if !ok || i != 1 || !tensor.SameShape(w.Shape, []int{5, 3, 3, 3}) || w != net.Layers[1].Params()[0].Value {
		t.Errorf("FirstConv = %d, %v, %v; want layer 1's [5 3 3 3] weights", i, w.Shape, ok)
	}
}

func rgba(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

func TestFeatureMaps(t *testing.T) {
	// Three 2x2 channels: a ramp, a constant, a ramp down.
	maps := tensor.FromData([]float32{
		0, 1, 2, 3,
		5, 5, 5, 5,
		4, 3, 2, 1,
	}, 3, 2, 2)
	img, err := FeatureMaps(maps, GridOptions{MinTile: 4, Gap: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 2x2 values enlarged 2 times: 4-pixel tiles, 2 columns, 2 rows.
	if got := img.Bounds().Size(); got != image.Pt(2*4+3, 2*4+3) {
		t.Fatalf("size %v, want 11x11", got)
	}
	white := color.RGBA{255, 255, 255, 255}
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{
		{0, 0, white},                 // the gap
		{1, 1, plot.Viridis(0)},       // tile 0, value 0: the least
		{2, 2, plot.Viridis(0)},       // the same value, enlarged
		{3, 1, plot.Viridis(1.0 / 3)}, // value 1
		{4, 4, plot.Viridis(1)},       // value 3: the greatest
		{5, 1, white},                 // the gap between columns
		{7, 3, plot.Viridis(0)},       // tile 1 is constant
		{2, 7, plot.Viridis(1)},       // tile 2 starts with its greatest
		{8, 8, white},                 // no fourth tile
	} {
		if got := rgba(img, c.x, c.y); got != c.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	if _, err := FeatureMaps(tensor.New(4), GridOptions{}); err == nil {
		t.Error("a flat vector drawn as feature maps")
	}
	if _, err := FeatureMaps(tensor.New(maxTiles+1, 1, 1), GridOptions{}); err == nil {
		t.Error("no error for too many tiles")
	}
}

func TestFilters(t *testing.T) {
	// Two 1-channel 2x2 filters; the second all zero.
	w := tensor.FromData([]float32{1, -2, 0, 0.5, 0, 0, 0, 0}, 2, 1, 2, 2)
	img, err := Filters(w, GridOptions{MinTile: 2, Gap: 1, Columns: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(2*2+3, 2+2) {
		t.Fatalf("size %v, want 7x4", got)
	}
	gray := func(v uint8) color.RGBA { return color.RGBA{v, v, v, 255} }
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{
		{1, 1, gray(191)}, // 1 of a largest |w| 2: 127.5 + 127.5/2
		{2, 1, gray(0)},   // −2, the most negative
		{1, 2, gray(128)}, // zero is mid-grey
		{2, 2, gray(159)}, // 0.5
		{4, 1, gray(128)}, // an all-zero filter
		{0, 0, color.RGBA{0x5a, 0x74, 0x94, 255}},
	} {
		if got := rgba(img, c.x, c.y); got != c.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}

	// A 3-channel filter is one colour tile: red up, green zero, blue down.
	rgb := tensor.FromData([]float32{0.3, 0, -0.3}, 1, 3, 1, 1)
	img, err = Filters(rgb, GridOptions{MinTile: 1, Gap: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rgba(img, 0, 0), (color.RGBA{255, 128, 0, 255}); img.Bounds().Dx() != 1 || got != want {
		t.Errorf("colour filter: %v of size %v, want %v", got, img.Bounds().Size(), want)
	}

	// Two input channels: a grey tile per channel, a row per filter.
	two := tensor.New(3, 2, 1, 1)
	img, err = Filters(two, GridOptions{MinTile: 1, Gap: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(2+3, 3+4) {
		t.Errorf("3 filters of 2 channels: size %v, want 5x7", got)
	}
	if _, err := Filters(tensor.New(2, 3, 3), GridOptions{}); err == nil {
		t.Error("3-D weights drawn as filters")
	}
}

func TestInputImage(t *testing.T) {
	// Normalised with mean 0.5 and std 0.25, as in training: x = (v−0.5)/0.25.
	in := model.Input{Shape: []int{1, 2, 2}, Prep: model.PrepResize, Mean: []float32{0.5}, Std: []float32{0.25}}
	x := tensor.FromData([]float32{-2, 0, 2, 10}, 1, 2, 2) // 0, 0.5, 1, 3 (clipped to 1)
	img, err := InputImage(x, in, GridOptions{MinTile: 6})
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(6, 6) {
		t.Fatalf("size %v, want 6x6 (no gap)", got)
	}
	for _, c := range []struct {
		x, y int
		want uint8
	}{{0, 0, 0}, {5, 0, 128}, {0, 5, 255}, {5, 5, 255}} {
		if got := rgba(img, c.x, c.y); got != (color.RGBA{c.want, c.want, c.want, 255}) {
			t.Errorf("pixel (%d,%d) = %v, want grey %d", c.x, c.y, got, c.want)
		}
	}
	colour := tensor.FromData([]float32{1, 0.5, 0}, 3, 1, 1)
	img, err = InputImage(colour, model.Input{Shape: []int{3, 1, 1}, Prep: model.PrepResize}, GridOptions{MinTile: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := rgba(img, 0, 0); got != (color.RGBA{255, 128, 0, 255}) {
		t.Errorf("colour input: %v", got)
	}
	if _, err := InputImage(colour, in, GridOptions{}); err == nil {
		t.Error("normalisation for 1 channel applied to 3")
	}
}
