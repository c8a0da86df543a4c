//go:build !amd64 || purego

package vec

func implementations() []implementation {
	return []implementation{{&goKernels, true}}
}
