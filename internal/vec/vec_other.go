//go:build !amd64 || purego

package vec

// Without assembly for this architecture, or with the purego build tag,
// everything runs on the portable Go.
func init() { active = goKernels }
