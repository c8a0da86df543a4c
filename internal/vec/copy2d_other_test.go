//go:build !amd64 || purego

package vec

func implementations2D() []implementation2D {
	return []implementation2D{{&goKernels2D, true}}
}
