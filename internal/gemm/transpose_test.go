package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestTranspose checks Transpose and TransposeStrided against their
// definition on every shape up to 40×40, with the kernel this CPU runs
// and with the pure-Go one: Transpose on packed matrices, writing nothing
// past the end, and TransposeStrided with leading dimensions up to 3 more
// than the rows', leaving the values between dst's rows alone.
func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	saved := kernel
	defer func() { kernel = saved }()
	for _, kern := range []microKernel{saved, goKernel} {
		kernel = kern
		for rows := 1; rows <= 40; rows++ {
			for cols := 1; cols <= 40; cols++ {
				ldSrc, ldDst := cols+r.IntN(4), rows+r.IntN(4)
				src := make([]float32, (rows-1)*ldSrc+cols)
				for i := range src {
					src[i] = r.Float32()
				}
				dst := make([]float32, cols*ldDst)
				for i := range dst {
					dst[i] = -1
				}
				TransposeStrided(dst, ldDst, src, ldSrc, rows, cols)
				packed := make([]float32, rows*cols+1)
				packed[rows*cols] = 42 // must stay: past the end
				Transpose(packed[:rows*cols], src[:rows*cols], rows, cols)
				for i := range rows {
					for j := range cols {
						if got, want := packed[j*rows+i], src[i*cols+j]; got != want {
							t.Fatalf("%s %dx%d: Transpose's dst[%d][%d] = %v, want %v", kern.name, rows, cols, j, i, got, want)
						}
					}
				}
				if packed[rows*cols] != 42 {
					t.Fatalf("%s %dx%d: Transpose wrote past the end", kern.name, rows, cols)
				}
				for j := range cols {
					for i := range ldDst {
						want := float32(-1)
						if i < rows {
							want = src[i*ldSrc+j]
						}
						if got := dst[j*ldDst+i]; got != want {
							t.Fatalf("%s %dx%d, ld %d and %d: dst[%d][%d] = %v, want %v", kern.name, rows, cols, ldSrc, ldDst, j, i, got, want)
						}
					}
				}
			}
		}
	}
}
