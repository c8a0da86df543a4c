// Package gemm multiplies single-precision matrices: the one kernel that
// convolution (through im2col) and dense layers spend their time in.
//
// All matrices are row-major. A matrix X with leading dimension ldx has
// element (i, j) at X[i*ldx+j]. Sgemm computes
//
//	C = alpha * op(A) * op(B) + beta * C
//
// where op(A) is A or its transpose (m×k), op(B) is B or its transpose
// (k×n), and C is m×n.
package gemm

// Workspace holds one thread's scratch memory for a multiply. A
// Workspace grows on first use and does not allocate afterwards for
// products of the same or smaller size. It must not be shared between
// goroutines that multiply at the same time.
type Workspace struct {
	packA, packB []float32
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on the calling goroutine.
// When beta is 0, C is overwritten and its old contents (even NaN) are
// ignored.
func (ws *Workspace) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	scaleC(m, n, beta, c, ldc)
	if k == 0 || alpha == 0 {
		return
	}
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		for p := 0; p < k; p++ {
			var aip float32
			if transA {
				aip = a[p*lda+i]
			} else {
				aip = a[i*lda+p]
			}
			aip *= alpha
			if transB {
				for j := range ci {
					ci[j] += aip * b[j*ldb+p]
				}
			} else {
				bp := b[p*ldb : p*ldb+n]
				for j, v := range bp {
					ci[j] += aip * v
				}
			}
		}
	}
}

// scaleC multiplies the m×n matrix C by beta, writing zeros when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C with a temporary workspace.
// It is meant for tests and one-off products; hot loops keep a Workspace.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var ws Workspace
	ws.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
