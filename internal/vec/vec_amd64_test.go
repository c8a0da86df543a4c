//go:build amd64 && !purego

package vec

import "testing"

func implementations() []implementation {
	return []implementation{
		{&avx512Kernels, hasAVX512},
		{&avx2Kernels, hasAVX2},
		{&goKernels, true},
	}
}

// TestKernelChoice checks that start-up chose the best kernels this
// processor can run.
func TestKernelChoice(t *testing.T) {
	want := "purego"
	switch {
	case hasAVX512:
		want = "avx512"
	case hasAVX2:
		want = "avx2"
	}
	if got := Kernel(); got != want {
		t.Errorf("Kernel() = %q, want %q", got, want)
	}
}
