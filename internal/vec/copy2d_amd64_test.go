//go:build amd64 && !purego

package vec

import "testing"

func implementations2D() []implementation2D {
	return []implementation2D{
		{&avx512Kernels2D, hasAVX512Kernels2D},
		{&avx2Kernels2D, hasAVX2Kernels2D},
		{&goKernels2D, true},
	}
}

// TestKernelChoice2D checks that start-up chose the best 2-D kernels this
// processor can run.
func TestKernelChoice2D(t *testing.T) {
	want := "purego"
	switch {
	case hasAVX512Kernels2D:
		want = "avx512"
	case hasAVX2Kernels2D:
		want = "avx2"
	}
	if got := active2D.name; got != want {
		t.Errorf("the 2-D kernels are %q, want %q", got, want)
	}
}
