//go:build !amd64 || purego

package vec

// Without assembly for this architecture, or with the purego build tag,
// the 2-D functions run on the portable Go.
func init() { active2D = goKernels2D }
