// Package imageprep turns image files into model inputs.
//
// Decode reads PNG, JPEG and GIF data (any colour type and bit depth,
// turned upright by its Exif orientation) within a memory budget: a Decoder reads
// a picture's header first (Inspect) and refuses, before any pixel memory
// is allocated, a picture whose decoding would take more than its budget
// (256 MiB unless MaxBytes says otherwise) and data too short to hold the
// pixels its header claims, the decompression bombs a server must expect.
// Two conversions follow, for the two kinds of model in this project:
//
//   - MNISTStyle is for digit classifiers trained on MNIST. It makes a
//     picture of one handwritten digit, a photo of ink on paper included,
//     look like an MNIST example: a light digit on black, its bounding box
//     scaled into 20×20 pixels and centred by centre of mass in 28×28.
//   - Resize is for models trained on photos of a fixed size (HAM10000's
//     skin lesions, say): the whole image stretched to C×H×W.
//
// Both return a [C, H, W] tensor with values in [0, 1], one example of an
// NCHW batch; ToImage turns a channel of one back into a picture to look at.
//
// A typical use:
//
//	img, _, err := imageprep.DecodeFile("digit.jpg")
//	if err != nil {
//		return err
//	}
//	x, err := imageprep.MNISTStyle(img, imageprep.MNISTOptions{})
//	if errors.Is(err, imageprep.ErrNoDigit) {
//		// a blank picture
//	}
//	// x has shape [1, 28, 28]: add a batch dimension and run the model.
package imageprep
