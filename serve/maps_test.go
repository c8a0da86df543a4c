package serve

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

func TestStages(t *testing.T) {
	spec, err := model.Parse("conv(2,3,pad=1) batchnorm relu maxpool(2) conv(3,3) flatten dense(4) relu")
	if err != nil {
		t.Fatal(err)
	}
	layers, err := spec.NewLayers()
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]int
	for i := range layers {
		if end, ok := stageEnd(layers, i); ok {
			got = append(got, [2]int{i, end})
		}
	}
	if want := [][2]int{{0, 2}, {4, 4}}; !slices.Equal(got, want) {
		t.Errorf("stages (first, last) %v, want %v", got, want)
	}
}

// TestFeatureMapsValues checks the maps against hand-computed values: a
// convolution whose two filters pass the input through and negate it,
// followed by a ReLU.
func TestFeatureMapsValues(t *testing.T) {
	spec, err := model.Parse("conv(2,3,pad=1) relu maxpool(2) conv(1,2) flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	net, err := spec.Build([]int{1, 4, 4}, env)
	if err != nil {
		t.Fatal(err)
	}
	w := net.Layers[0].Params()[0].Value // [2, 1, 3, 3]
	b := net.Layers[0].Params()[1].Value
	w.Zero()
	b.Zero()
	w.Data[4] = 1    // filter 0: the centre tap, the identity
	w.Data[9+4] = -1 // filter 1: minus the identity
	b.Data[1] = 0.5  // ...plus a half
	x := make([]float32, 16)
	for i := range x {
		x[i] = float32(i) / 15 // 0 … 1
	}
	maps := featureMaps(net, tensor.FromData(x, 1, 4, 4), 64)
	if len(maps) != 2 {
		t.Fatalf("%d stages, want 2", len(maps))
	}
	first := maps[0]
	if first.Layer != 0 || first.Kind != "conv2d" || first.Output != 1 || !slices.Equal(first.Stage, []string{"conv2d", "relu"}) ||
		!slices.Equal(first.Shape, []int{2, 4, 4}) || len(first.Channels) != 2 {
		t.Fatalf("first stage %+v", first)
	}
	if second := maps[1]; second.Layer != 3 || second.Output != 3 || !slices.Equal(second.Shape, []int{1, 1, 1}) {
		t.Errorf("second stage %+v", second)
	}
	// Channel 0 is the input (0…1); channel 1 is relu(0.5 − x), at most
	// 0.5. The stage's range is [0, 1] for both.
	if first.Min != 0 || math.Abs(float64(first.Max)-1) > 1e-6 {
		t.Errorf("range [%g, %g], want [0, 1]", first.Min, first.Max)
	}
	for c, want := range [][]float64{
		func() []float64 {
			v := make([]float64, 16)
			for i := range v {
				v[i] = float64(x[i])
			}
			return v
		}(),
		func() []float64 {
			v := make([]float64, 16)
			for i := range v {
				v[i] = max(0, 0.5-float64(x[i]))
			}
			return v
		}(),
	} {
		img := decodeDataPNG(t, first.Channels[c])
		if img.Bounds() != image.Rect(0, 0, 4, 4) {
			t.Fatalf("channel %d is %v, want 4×4", c, img.Bounds())
		}
		for i, v := range want {
			got := color.GrayModel.Convert(img.At(i%4, i/4)).(color.Gray).Y
			if want := math.Sqrt(v) * 255; math.Abs(float64(got)-want) > 1 {
				t.Errorf("channel %d pixel %d is %d, want %.1f", c, i, got, want)
			}
		}
	}

	// At most maxChannels per stage.
	if maps := featureMaps(net, tensor.FromData(x, 1, 4, 4), 1); len(maps[0].Channels) != 1 || maps[0].Shape[0] != 2 {
		t.Errorf("with a cap of 1: %d channels of %d", len(maps[0].Channels), maps[0].Shape[0])
	}
}

func TestPredictWithMaps(t *testing.T) {
	m := newTestModel(t, "conv(4,3) relu maxpool(2) conv(6,3) relu flatten dense(10)", mnistInput())
	seven := encodePNG(t, drawnSeven())
	code, a, _ := do(t, New(m, Options{MaxMapChannels: 5}), "POST", "/api/predict?maps=1", "image/png", seven)
	if code != 200 {
		t.Fatalf("status %d: %s", code, a.Error)
	}
	if len(a.FeatureMaps) != 2 {
		t.Fatalf("%d feature maps, want 2", len(a.FeatureMaps))
	}
	for i, want := range []struct {
		layer    int
		shape    []int
		channels int
	}{{0, []int{4, 26, 26}, 4}, {3, []int{6, 11, 11}, 5}} {
		fm := a.FeatureMaps[i]
		if fm.Layer != want.layer || !slices.Equal(fm.Shape, want.shape) || len(fm.Channels) != want.channels {
			t.Errorf("map %d: layer %d shape %v with %d channels; want layer %d shape %v with %d",
				i, fm.Layer, fm.Shape, len(fm.Channels), want.layer, want.shape, want.channels)
		}
		for _, ch := range fm.Channels {
			if img := decodeDataPNG(t, ch); img.Bounds().Dx() != want.shape[2] || img.Bounds().Dy() != want.shape[1] {
				t.Errorf("map %d: a channel is %v, want %d×%d", i, img.Bounds(), want.shape[2], want.shape[1])
			}
		}
	}
	// maps=0 leaves them out, as no parameter does.
	_, a, _ = do(t, New(m, Options{}), "POST", "/api/predict?maps=0", "image/png", seven)
	if a.FeatureMaps != nil {
		t.Errorf("maps=0 sent feature maps")
	}
	if len(a.Probs) != 10 {
		t.Errorf("maps=0: %d probabilities", len(a.Probs))
	}

	// A model without convolutions has no maps to give.
	mlp := newTestModel(t, "flatten dense(16) relu dense(10)", mnistInput())
	code, a, _ = do(t, New(mlp, Options{}), "POST", "/api/predict?maps=1", "image/png", seven)
	if code != 200 || a.FeatureMaps != nil || len(a.Probs) != 10 {
		t.Errorf("mlp with maps=1: status %d, %d maps, %d probabilities, error %q", code, len(a.FeatureMaps), len(a.Probs), a.Error)
	}
}

func TestInputImageColour(t *testing.T) {
	// Three channels, normalised with per-channel means and deviations.
	mean, std := []float32{0.5, 0.2, 0}, []float32{0.5, 0.1, 1}
	x := tensor.FromData([]float32{
		1, -1, // red: 1 and 0 after undoing
		8, -2, // green: 1 and 0
		0.5, 0.25, // blue: as they are
	}, 3, 1, 2)
	img := inputImage(x, model.Input{Shape: []int{3, 1, 2}, Prep: model.PrepResize, Mean: mean, Std: std})
	want := []color.RGBA{{255, 255, 128, 255}, {0, 0, 64, 255}}
	for i, w := range want {
		if got := color.RGBAModel.Convert(img.At(i, 0)).(color.RGBA); got != w {
			t.Errorf("pixel %d is %v, want %v", i, got, w)
		}
	}
}
