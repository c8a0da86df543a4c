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
	TransposeStrided(dst, rows, src, cols, rows, cols)
}

// TransposeStrided is Transpose between matrices whose rows lie further
// apart than their lengths: src has leading dimension ldSrc (at least
// cols) and dst has ldDst (at least rows),
//
//	dst[j*ldDst+i] = src[i*ldSrc+j]   for i < rows, j < cols,
//
// and the values of dst between its rows are left as they were. A
// convolution uses it to put a product computed transposed (one row per
// output position) back into its output (one row per filter), which may
// be a block of a wider matrix.
func TransposeStrided(dst []float32, ldDst int, src []float32, ldSrc int, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	if ldDst < rows || ldSrc < cols {
		panic("gemm: TransposeStrided: a leading dimension is shorter than its rows")
	}
	_ = dst[(cols-1)*ldDst+rows-1]
	_ = src[(rows-1)*ldSrc+cols-1]
	for i := 0; i < rows; i += maxTransposeWidth {
		width := min(maxTransposeWidth, rows-i)
		kernel.transposePanel(dst[i:], ldDst, width, src[i*ldSrc:], ldSrc, width, cols, 1)
	}
}
