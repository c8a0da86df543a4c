package serve

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"slices"

	"github.com/gocnn/gocnn/inspect"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// FeatureMap is what one convolutional stage of the network made of the
// input: one picture per channel, bright where the channel's filter
// responded strongly.
//
// A stage is a convolution (or a residual block) of the top-level network
// together with the batch normalisation and activation directly after it,
// so that "conv(6,5) relu" is drawn as the rectified maps the next layer
// actually sees.
type FeatureMap struct {
	Layer  int      `json:"layer"`  // index in the network of the convolution or residual block
	Kind   string   `json:"kind"`   // its kind: "conv2d" or "residual"
	Output int      `json:"output"` // index of the layer whose output is drawn: Layer, or an activation after it
	Stage  []string `json:"stage"`  // the kinds of the layers from Layer to Output: ["conv2d", "relu"]
	Shape  []int    `json:"shape"`  // [C, H, W] of that output

	// Min and Max are the values drawn black and white, the same for every
	// channel of the stage, so that a channel that hardly responds looks
	// dark: Min is the smallest value or 0, whichever is lower, and Max
	// the largest value. In between, a value at fraction t of the way is
	// drawn with brightness √t, which lets weak responses show beside the
	// strongest one.
	Min float32 `json:"min"`
	Max float32 `json:"max"`

	// Channels holds a grayscale PNG data URI of H×W pixels per channel,
	// the first Options.MaxMapChannels of them.
	Channels []string `json:"channels"`
}

// stageEnd returns the index of the last layer of the stage that starts at
// layers[i], if layers[i] starts one.
func stageEnd(layers []nn.Layer, i int) (int, bool) {
	switch layers[i].Kind() {
	case "conv2d", "residual":
	default:
		return 0, false
	}
	end := i
	for j := i + 1; j < len(layers); j++ {
		switch layers[j].Kind() {
		case "batchnorm", "relu", "leakyrelu", "sigmoid", "tanh":
			end = j
			continue
		}
		break
	}
	return end, true
}

// featureMaps runs net on one input x ([C, H, W]) layer by layer
// (inspect.Trace) and draws the output of every convolutional stage, at
// most maxChannels channels each, each channel on the stage's shared
// scale (inspect.SharedRange, inspect.GrayMap).
func featureMaps(net *nn.Sequential, x *tensor.Tensor, maxChannels int) []FeatureMap {
	layers := net.Layers
	start := map[int]int{} // end of a stage → its first layer
	for i := range layers {
		if end, ok := stageEnd(layers, i); ok {
			start[end] = i
		}
	}
	acts, err := inspect.Trace(net, x)
	if err != nil {
		panic(err) // x was prepared for this network's input shape
	}
	var maps []FeatureMap
	for i, a := range acts {
		first, ok := start[i]
		if !ok || !a.IsImage() {
			continue
		}
		y := a.Output
		fm := FeatureMap{Layer: first, Kind: layers[first].Kind(), Output: i, Shape: slices.Clone(y.Shape)}
		for _, l := range layers[first : i+1] {
			fm.Stage = append(fm.Stage, l.Kind())
		}
		fm.Min, fm.Max = inspect.SharedRange(y.Data)
		c, h, w := y.Shape[0], y.Shape[1], y.Shape[2]
		for ch := range min(c, maxChannels) {
			fm.Channels = append(fm.Channels, pngDataURI(inspect.GrayMap(y.Data[ch*h*w:(ch+1)*h*w], h, w, fm.Min, fm.Max)))
		}
		maps = append(maps, fm)
	}
	return maps
}

// inputImage is a prepared input as the network saw it, normalisation
// undone (inspect.InputImage, at its own size), in gray for a
// one-channel model, so that its PNG is a gray one.
func inputImage(x *tensor.Tensor, in model.Input) image.Image {
	img, err := inspect.InputImage(x, in, inspect.GridOptions{MinTile: 1})
	if err != nil {
		panic(err) // x was prepared for this model's input
	}
	if x.Shape[0] != 1 {
		return img
	}
	gray := image.NewGray(img.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = img.Pix[4*i]
	}
	return gray
}

// pngDataURI encodes img as a PNG data URI.
func pngDataURI(img image.Image) string {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		// Encoding an in-memory image to a buffer cannot fail.
		panic(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
