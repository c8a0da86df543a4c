// Package inspect shows what a convolutional network does with one input:
// Trace runs it layer by layer and keeps every layer's output, and the
// picture functions turn tensors into images to look at:
//
//   - Filters: the first convolution's filters, the patterns it looks for,
//     as a grid of tiles (grey, or colour for a 3-channel input);
//   - FeatureMaps: a layer's output channels, each a small image of where
//     its pattern was found, in the viridis colour map;
//   - InputImage: the input as the network saw it, normalisation undone.
//
// The pictures are pixel grids, not charts: every value is one square
// block of pixels, enlarged by a whole factor (nearest neighbour) so that
// a 3×3 filter is as easy to see as a 28×28 map. With GridOptions.Title
// a picture becomes a figure that explains itself: the title above, each
// tile's channel or filter number in its corner, and a colour scale below.
// Package plot draws the charts (probabilities, training curves,
// confusion matrices).
package inspect
