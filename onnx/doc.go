// Package onnx moves models between gocnn and ONNX, the format models
// travel in between frameworks and into inference runtimes.
//
// Export writes a gocnn model as an ONNX graph (opset 13) that
// onnxruntime and other ONNX runtimes run: convolutions, batch norm,
// pooling, dense layers and activations map one to one onto ONNX
// operators, a residual block onto its body, shortcut and Add, and the
// input normalisation onto a Sub and a Div at the graph's start. The
// weights keep the names gocnn and PyTorch give them ("0.weight").
//
// The file format itself is package onnxpb, generated from the official
// onnx.proto.
package onnx
