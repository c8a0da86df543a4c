//go:build unix

package vec

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guardedArea is memory with a page that may not be touched on one side,
// so that a kernel reading or writing even one element past that side of
// its slice crashes the test.
type guardedArea struct {
	mem      []float32 // the usable pages
	guardLow bool      // the guard page is below mem, not above
}

// newGuardedArea maps pages usable pages and a guard page below or above
// them, unmapped when the test ends.
func newGuardedArea(t *testing.T, pages int, guardLow bool) *guardedArea {
	t.Helper()
	page := unix.Getpagesize()
	mem, err := unix.Mmap(-1, 0, (pages+1)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	guard, usable := mem[pages*page:], mem[:pages*page]
	if guardLow {
		guard, usable = mem[:page], mem[page:]
	}
	if err := unix.Mprotect(guard, unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return &guardedArea{unsafe.Slice((*float32)(unsafe.Pointer(&usable[0])), len(usable)/4), guardLow}
}

// slice returns n float32s of the area against its guard page, filled with
// small values.
func (a *guardedArea) slice(n int) []float32 {
	s := a.mem[len(a.mem)-n:]
	if a.guardLow {
		s = a.mem[:n]
	}
	for i := range s {
		s[i] = float32(i%7) - 3
	}
	return s
}

// TestNoAccessOutside2D runs the 2-D kernels with src and dst ending at a
// guard page and starting right after one. The padded copies load the
// first chunk of each row from before the run (through a mask), which for
// the first row lies before src.
func TestNoAccessOutside2D(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		var areas [2][2]*guardedArea // [dst, src][guard above, below]
		for i := range areas {
			for j := range areas[i] {
				areas[i][j] = newGuardedArea(t, 2, j == 1)
			}
		}
		for _, s := range shapes2D() {
			nDst, nSrc := span(s.rows, s.dstStride, s.cols), span(s.rows, s.srcStride, s.hi-s.lo)
			if s.rows == 0 || s.cols == 0 || max(nDst, nSrc) > len(areas[0][0].mem) {
				continue
			}
			for j := range 2 {
				dst, src := areas[0][j].slice(nDst), areas[1][j].slice(nSrc)
				k.copyPadded(dst, s.dstStride, src, s.srcStride, s.rows, s.cols, s.lo, s.hi)
				if s.lo == 0 && s.hi == s.cols {
					k.add(dst, s.dstStride, src, s.srcStride, s.rows, s.cols)
				}
			}
		}
	})
}

// TestSumTapsNoAccessOutside runs the sumTaps kernels with src right against a guard
// page, below and above, and taps whose masked-off lanes reach 15 floats
// into it.
func TestSumTapsNoAccessOutside(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		for _, low := range []bool{false, true} {
			src := newGuardedArea(t, 1, low).slice(40)
			dst := make([]float32, 16)
			offsets := []int{-15, 39, 0}
			masks := []uint16{1 << 15, 1, 0xffff}
			k.sumTaps(dst, 16, src, 0, 0, offsets, masks, 1, 16)
			if want := src[39] + src[0]; dst[0] != want {
				t.Errorf("guard below %v: lane 0 = %v, want %v", low, dst[0], want)
			}
			if want := src[0] + src[15]; dst[15] != want {
				t.Errorf("guard below %v: lane 15 = %v, want %v", low, dst[15], want)
			}
		}
	})
}
