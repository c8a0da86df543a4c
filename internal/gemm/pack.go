package gemm

// Packing copies a block of A or B into the order the micro-kernel reads
// it, so that the kernel's inner loop walks memory strictly forwards, one
// cache line after another, whatever the transposes and leading dimensions
// of the caller's matrices. Transposes are handled here and only here.
//
// A block of op(A), mc×kc, is packed as ceil(mc/mr) slivers of mr rows. A
// sliver holds its column p (mr values, one per row) at [p*mr, p*mr+mr):
//
//	sliver s, rows i0+s*mr ..:  a(0,0) a(1,0) .. a(mr-1,0)  a(0,1) a(1,1) ..
//
// A block of op(B), kc×nc, is packed as ceil(nc/nr) slivers of nr columns,
// each holding its row p (nr values) at [p*nr, p*nr+nr). The last sliver
// of each is padded with zeros, so the kernel can always compute a whole
// tile; the driver then stores only the part that lies inside C.
//
// Depending on the transpose, a sliver is either a strided copy of the
// source (each k step's values are contiguous in memory) or a transpose of
// it. The two primitives, packCopy and packTranspose, come with the
// micro-kernel: the AVX-512 ones move 16 floats per instruction with
// masked loads and stores for the ragged edges.

// packA packs the mc×kc block of alpha*op(A) whose top-left element is
// op(A)(i0, p0) into dst, as described above. Folding alpha in here costs
// one multiply per packed value instead of one per element of C per k block.
func (kern *microKernel) packA(dst []float32, transA bool, a []float32, lda, i0, p0, mc, kc int, alpha float32) {
	mr := kern.mr
	for s := 0; s*mr < mc; s++ {
		sliver := dst[s*kc*mr : (s+1)*kc*mr]
		rows := min(mr, mc-s*mr)
		i := i0 + s*mr
		if transA {
			// op(A)(i, p) = a[p*lda+i]: a k step's rows are contiguous.
			kern.copyPanel(sliver, mr, a[p0*lda+i:], lda, kc, rows, alpha)
			continue
		}
		// op(A)(i, p) = a[i*lda+p]: the sliver is a transposed block.
		kern.transposePanel(sliver, mr, mr, a[i*lda+p0:], lda, rows, kc, alpha)
	}
}

// packB packs the kc×nc block of op(B) whose top-left element is
// op(B)(p0, j0) into dst, as described above.
func (kern *microKernel) packB(dst []float32, transB bool, b []float32, ldb, p0, j0, kc, nc int) {
	nr := kern.nr
	for s := 0; s*nr < nc; s++ {
		kern.packBSliver(dst[s*kc*nr:(s+1)*kc*nr], transB, b, ldb, p0, j0+s*nr, kc, min(nr, nc-s*nr))
	}
}

// packBSliver packs the kc×cols block of op(B) at (p0, j0) into one sliver
// of nr columns, padding columns cols..nr-1 with zeros.
func (kern *microKernel) packBSliver(sliver []float32, transB bool, b []float32, ldb, p0, j0, kc, cols int) {
	nr := kern.nr
	if !transB {
		// op(B)(p, j) = b[p*ldb+j]: each k step's row is contiguous.
		kern.copyPanel(sliver, nr, b[p0*ldb+j0:], ldb, kc, cols, 1)
		return
	}
	// op(B)(p, j) = b[j*ldb+p]: the sliver is a transposed block, done
	// in strips of at most maxTransposeWidth of its columns.
	for c := 0; c < nr; c += maxTransposeWidth {
		width := min(maxTransposeWidth, nr-c)
		rows := max(0, min(width, cols-c)) // source rows: columns of op(B)
		src := b[min(j0+c, j0+cols-1)*ldb+p0:]
		kern.transposePanel(sliver[c:], nr, width, src, ldb, rows, kc, 1)
	}
}

// The widest rows the packing primitives write: packCopy's are at most
// three AVX-512 registers (so nr <= 48), packTranspose's one (so mr <= 16).
const (
	maxCopyWidth      = 48
	maxTransposeWidth = 16
)

// copyPanel runs kern.packCopy after checking its arguments, as runTile
// does for the kernel: the assembly trusts them.
func (kern *microKernel) copyPanel(dst []float32, width int, src []float32, srcStride, rows, cols int, alpha float32) {
	if width > maxCopyWidth || cols > width {
		panic("gemm: packCopy: bad width")
	}
	if rows == 0 {
		return
	}
	_ = dst[rows*width-1]
	_ = src[(rows-1)*srcStride+cols-1]
	kern.packCopy(dst, width, src, srcStride, rows, cols, alpha)
}

// transposePanel runs kern.packTranspose after checking its arguments.
func (kern *microKernel) transposePanel(dst []float32, dstStride, width int, src []float32, srcStride, rows, cols int, alpha float32) {
	if width > maxTransposeWidth || rows > width {
		panic("gemm: packTranspose: bad width")
	}
	_ = dst[(cols-1)*dstStride+width-1]
	if rows > 0 {
		_ = src[(rows-1)*srcStride+cols-1]
	}
	kern.packTranspose(dst, dstStride, width, src, srcStride, rows, cols, alpha)
}

// packCopyGo sets, for r < rows,
//
//	dst[r*width+q] = alpha*src[r*srcStride+q]  for q < cols
//	dst[r*width+q] = 0                         for cols <= q < width
func packCopyGo(dst []float32, width int, src []float32, srcStride, rows, cols int, alpha float32) {
	for r := 0; r < rows; r++ {
		d := dst[r*width : r*width+width]
		s := src[r*srcStride : r*srcStride+cols]
		for q, v := range s {
			d[q] = alpha * v
		}
		clear(d[cols:])
	}
}

// packTransposeGo sets, for q < cols,
//
//	dst[q*dstStride+r] = alpha*src[r*srcStride+q]  for r < rows
//	dst[q*dstStride+r] = 0                         for rows <= r < width
func packTransposeGo(dst []float32, dstStride, width int, src []float32, srcStride, rows, cols int, alpha float32) {
	for r := 0; r < rows; r++ {
		s := src[r*srcStride : r*srcStride+cols]
		for q, v := range s {
			dst[q*dstStride+r] = alpha * v
		}
	}
	for q := 0; q < cols; q++ {
		clear(dst[q*dstStride+rows : q*dstStride+width])
	}
}

// A PackedA is the left operand of products, alpha·op(A), packed once as
// the driver would pack it for each product (slivers of mr rows, k split
// into the same blocks), for a caller that multiplies the same A by many
// B: each Workspace.SgemmPacked then reads it where it lies and copies
// nothing. The values and their order are Sgemm's, so the products are
// the same bits as Sgemm's with A itself.
type PackedA struct {
	m, k int
	kern *microKernel // the kernel whose sliver height and k blocks it has
	data []float32
}

// Pack packs alpha·op(A), an m×k matrix (see Sgemm), into p, reusing its
// memory when it is large enough: after the first call for the largest
// m×k, Pack does not allocate.
func (p *PackedA) Pack(transA bool, m, k int, alpha float32, a []float32, lda int) {
	p.pack(&kernel, transA, m, k, alpha, a, lda)
}

func (p *PackedA) pack(kern *microKernel, transA bool, m, k int, alpha float32, a []float32, lda int) {
	p.m, p.k, p.kern = m, k, kern
	rows := roundUp(m, kern.mr)
	p.data = alignedBuffer(p.data, rows*k)
	if m <= 0 || k <= 0 {
		return
	}
	kc := blockSize(k, kern.kc, 4)
	for pc := 0; pc < k; pc += kc {
		kern.packA(p.data[rows*pc:], transA, a, lda, 0, pc, m, min(kc, k-pc), alpha)
	}
}

// PackedLayout returns the layout in which Pack puts an m×k operand op(A):
// its packed form holds size values, element (i, j) of op(A) at
// index[i·k+j], and zeros at the rest (the last sliver's rows past m).
// Neither transA nor alpha changes where a value goes. A caller that
// computes the operand's values itself can write them in place (Adopt)
// rather than into a matrix that Pack then copies.
func PackedLayout(m, k int) (size int, index []int32) { return kernel.packedLayout(m, k) }

func (kern *microKernel) packedLayout(m, k int) (size int, index []int32) {
	rows := roundUp(m, kern.mr)
	index = make([]int32, m*k)
	if m == 0 || k == 0 {
		return rows * k, index
	}
	kc := blockSize(k, kern.kc, 4)
	for pc := 0; pc < k; pc += kc {
		width := min(kc, k-pc) // as pack's blocks
		for i := range m {
			s, r := i/kern.mr, i%kern.mr
			for p := range width {
				index[i*k+pc+p] = int32(rows*pc + s*width*kern.mr + p*kern.mr + r)
			}
		}
	}
	return rows * k, index
}

// Adopt makes p the packed m×k operand whose values data holds, in the
// order PackedLayout(m, k) gives, as if Pack had written them there: p
// reads data in place from then on, until the next Pack or Adopt, which
// writes into data when it is long enough.
func (p *PackedA) Adopt(m, k int, data []float32) { p.adopt(&kernel, m, k, data) }

func (p *PackedA) adopt(kern *microKernel, m, k int, data []float32) {
	if m < 0 || k < 0 || len(data) < roundUp(m, kern.mr)*k {
		panic("gemm: Adopt: data shorter than the packed operand")
	}
	p.m, p.k, p.kern, p.data = m, k, kern, data[:roundUp(m, kern.mr)*k]
}

// SgemmPacked computes C = A·op(B) + beta*C, where A is the m×k packed
// operand a (its alpha already applied), on the calling goroutine.
func (ws *Workspace) SgemmPacked(a *PackedA, transB bool, n int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if a.kern == nil {
		panic("gemm: SgemmPacked with an operand never packed")
	}
	ws.product(a.kern, false, transB, a.m, n, a.k, 1, nil, 0, a.data, b, ldb, beta, c, ldc)
}
