//go:build unix

package vec

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// atPageEnd returns n float32s that end exactly where a page that may not
// be touched begins, so that a kernel reading or writing even one element
// past the end of its slice crashes the test.
func atPageEnd(t *testing.T, n int) []float32 {
	t.Helper()
	page := unix.Getpagesize()
	mem, err := unix.Mmap(-1, 0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[page:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	all := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), page/4)
	s := all[len(all)-n:]
	for i := range s {
		s[i] = float32(i%7) - 3
	}
	return s
}

// TestNoAccessPastEnd runs every kernel on slices that end at a guard page.
func TestNoAccessPastEnd(t *testing.T) {
	forEachImpl(t, func(t *testing.T, k *kernels) {
		for n := 0; n <= 67; n++ {
			dst, x, y := atPageEnd(t, n), atPageEnd(t, n), atPageEnd(t, n)
			k.relu(dst, x)
			k.reluBackward(dst, x, y)
			k.fill(dst, 1)
			k.add(dst, x)
			k.addScaled(dst, x, 2)
			k.mul(dst, x, y)
			k.sum(x)
			k.scale(dst, 0.5)
			k.axpby(dst, x, 0.5, 2)
			k.sumSquares(x)
			m, v := atPageEnd(t, n), atPageEnd(t, n)
			k.sgd(dst, x, SGDStep{LR: 0.1, WeightDecay: 0.01})
			for _, nesterov := range []bool{false, true} {
				k.sgdMomentum(dst, x, v, SGDStep{LR: 0.1, Momentum: 0.9, Nesterov: nesterov})
			}
			for _, decoupled := range []bool{false, true} {
				k.adam(dst, x, m, v, AdamStep{Beta1: 0.9, Beta2: 0.999, StepSize: 0.01, Root2: 0.03, Eps: 1e-8, WeightDecay: 0.1, Decoupled: decoupled, Shrink: 0.99})
			}
			k.rmsProp(dst, x, m, nil, RMSPropStep{LR: 0.01, Alpha: 0.99, Eps: 1e-8})
			k.rmsProp(dst, x, m, v, RMSPropStep{LR: 0.01, Alpha: 0.99, Eps: 1e-8, Momentum: 0.9})
		}
		for h := 2; h <= 5; h++ {
			for w := 2; w <= 35; w++ {
				out := (h / 2) * (w / 2)
				dst, src := atPageEnd(t, out), atPageEnd(t, h*w)
				argMem := atPageEnd(t, out)
				arg := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(argMem))), out)
				k.maxPool2x2(dst, arg, src, h, w)
			}
		}
	})
}
