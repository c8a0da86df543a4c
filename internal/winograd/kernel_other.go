//go:build !amd64 || purego

package winograd

// Without assembly for this architecture, or with the purego build tag,
// the transforms run on the portable Go.
func init() { active2, active4, activeLanes = goKernels2, goKernels4, goLanes }
