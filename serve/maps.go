package serve

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/gocnn/gocnn/imageprep"
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

// featureMaps runs net on one input x ([C, H, W]) layer by layer and draws
// the output of every convolutional stage, at most maxChannels channels
// each.
func featureMaps(net *nn.Sequential, x *tensor.Tensor, maxChannels int) []FeatureMap {
	layers := net.Layers
	var maps []FeatureMap
	start := map[int]int{} // end of a stage → its first layer
	for i := range layers {
		if end, ok := stageEnd(layers, i); ok {
			start[end] = i
		}
	}
	y := tensor.FromData(x.Data, append([]int{1}, x.Shape...)...)
	for i, l := range layers {
		y = l.Forward(y, false)
		first, ok := start[i]
		if !ok || len(y.Shape) != 4 {
			continue
		}
		fm := FeatureMap{Layer: first, Kind: layers[first].Kind(), Output: i, Shape: append([]int(nil), y.Shape[1:]...)}
		for _, l := range layers[first : i+1] {
			fm.Stage = append(fm.Stage, l.Kind())
		}
		fm.Min, fm.Max = mapRange(y.Data)
		c, h, w := y.Shape[1], y.Shape[2], y.Shape[3]
		for ch := range min(c, maxChannels) {
			plane := y.Data[ch*h*w : (ch+1)*h*w]
			fm.Channels = append(fm.Channels, pngDataURI(grayImage(plane, h, w, fm.Min, fm.Max)))
		}
		maps = append(maps, fm)
	}
	return maps
}

// mapRange returns the values to draw as black and white: min(0, smallest)
// and the largest. Values that are not numbers are ignored.
func mapRange(v []float32) (lo, hi float32) {
	lo, hi = 0, float32(math.Inf(-1))
	for _, x := range v {
		if x != x {
			continue
		}
		lo, hi = min(lo, x), max(hi, x)
	}
	if math.IsInf(float64(hi), -1) {
		hi = 0
	}
	return lo, hi
}

// grayImage draws h×w values, lo as black and hi as white, a value at
// fraction t of the way with brightness √t. When hi ≤ lo every pixel is
// black.
func grayImage(v []float32, h, w int, lo, hi float32) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	span := float64(hi) - float64(lo)
	if !(span > 0) || math.IsInf(span, 0) {
		return g
	}
	for i := range h * w {
		t := (float64(v[i]) - float64(lo)) / span
		if t != t {
			t = 0
		}
		g.Pix[i] = uint8(math.Round(math.Sqrt(min(max(t, 0), 1)) * 255))
	}
	return g
}

// inputImage turns a prepared input back into a picture of what the
// network saw, undoing the normalisation: gray for one channel, colour for
// three, the first channel otherwise.
func inputImage(x *tensor.Tensor, mean, std []float32) image.Image {
	c, h, w := x.Shape[0], x.Shape[1], x.Shape[2]
	plane := h * w
	channel := func(ch int) []float32 {
		p := append([]float32(nil), x.Data[ch*plane:(ch+1)*plane]...)
		if len(mean) > ch {
			for i := range p {
				p[i] = p[i]*std[ch] + mean[ch]
			}
		}
		return p
	}
	if c != 3 {
		return imageprep.ToImage(channel(0), h, w)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r, g, b := imageprep.ToImage(channel(0), h, w), imageprep.ToImage(channel(1), h, w), imageprep.ToImage(channel(2), h, w)
	for i := range plane {
		img.Set(i%w, i/w, color.RGBA{r.Pix[i], g.Pix[i], b.Pix[i], 255})
	}
	return img
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
