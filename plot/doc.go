// Package plot draws the pictures that tell how a model is doing: the
// training curves of one or several runs, a confusion matrix as a heat map,
// and one prediction's class probabilities as a bar chart.
//
// The charts are drawn with gonum's plotting library
// (gonum.org/v1/plot) and written as PNG or SVG. Sizes are in pixels: a
// PNG is exactly Width×Height pixels, and an SVG is Width×Height CSS
// pixels, written in its header as points (0.75 pt to the pixel), as a
// browser shows it.
//
// ReadLog reads the metrics log that "gocnn train" writes, one JSON line
// per epoch (see train.Epoch), and reports a bad line by file and line
// number.
//
// Viridis is the colour map the heat maps use, perceptually uniform and
// readable by the colour-blind; package inspect uses it for feature maps.
package plot
