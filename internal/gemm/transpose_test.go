package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestTranspose checks Transpose against its definition on every shape up
// to 40×40, with the kernel this CPU runs and with the pure-Go one.
func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	saved := kernel
	defer func() { kernel = saved }()
	for _, kern := range []microKernel{saved, goKernel} {
		kernel = kern
		for rows := 1; rows <= 40; rows++ {
			for cols := 1; cols <= 40; cols++ {
				src := make([]float32, rows*cols)
				for i := range src {
					src[i] = r.Float32()
				}
				dst := make([]float32, rows*cols+1)
				dst[rows*cols] = 42 // must stay: past the end
				Transpose(dst[:rows*cols], src, rows, cols)
				for i := range rows {
					for j := range cols {
						if dst[j*rows+i] != src[i*cols+j] {
							t.Fatalf("%s %dx%d: dst[%d][%d] = %v, want %v", kern.name, rows, cols, j, i, dst[j*rows+i], src[i*cols+j])
						}
					}
				}
				if dst[rows*cols] != 42 {
					t.Fatalf("%s %dx%d: wrote past the end", kern.name, rows, cols)
				}
			}
		}
	}
}
