package gemm

// Transpose writes the transpose of the rows×cols matrix src (row-major,
// leading dimension cols) into dst (cols×rows, leading dimension rows):
//
//	dst[j*rows+i] = src[i*cols+j]
//
// A convolution uses it to turn an image from channels-first order
// ([C, H·W]) into channels-last ([H·W, C]), and its filters from one per
// row into one per column. It runs on the packing
// primitive of the CPU's micro-kernel, sixteen source rows at a time.
func Transpose(dst, src []float32, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_ = dst[rows*cols-1]
	_ = src[rows*cols-1]
	for i := 0; i < rows; i += maxTransposeWidth {
		width := min(maxTransposeWidth, rows-i)
		kernel.transposePanel(dst[i:], rows, width, src[i*cols:], cols, width, cols, 1)
	}
}
