//go:build !amd64 || purego

package gemm

// A kernelCase is a micro-kernel and whether this CPU can run it.
type kernelCase struct {
	kern      *microKernel
	supported bool
}

func allKernels() []kernelCase {
	return []kernelCase{{&goKernel, true}}
}
