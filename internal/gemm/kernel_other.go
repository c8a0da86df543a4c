//go:build !amd64 || purego

package gemm

// Without assembly kernels for this architecture (or with the purego build
// tag), every product runs on the portable Go kernel.
func init() { kernel = goKernel }
