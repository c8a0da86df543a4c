package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// An implementation2D is a set of 2-D kernels and whether this machine can
// run them; implementations2D (in copy2d_amd64_test.go and
// copy2d_other_test.go) lists every set built for this platform.
type implementation2D struct {
	k         *kernels2D
	supported bool
}

// forEachImpl2D runs test once per 2-D implementation, skipping (by name)
// those this processor cannot run.
func forEachImpl2D(t *testing.T, test func(t *testing.T, k *kernels2D)) {
	for _, impl := range implementations2D() {
		t.Run(impl.k.name, func(t *testing.T) {
			if !impl.supported {
				t.Skipf("this processor cannot run the %s kernels", impl.k.name)
			}
			test(t, impl.k)
		})
	}
}

// refCopyPadded2D is CopyPadded2D element by element.
func refCopyPadded2D(dst []float32, dstStride int, src []float32, srcStride, rows, cols, lo, hi int) {
	for r := 0; r < rows; r++ {
		for k := 0; k < cols; k++ {
			var v float32
			if lo <= k && k < hi {
				v = src[r*srcStride+k-lo]
			}
			dst[r*dstStride+k] = v
		}
	}
}

// shape2D is one set of arguments for the 2-D kernels.
type shape2D struct {
	rows, cols, lo, hi   int
	dstStride, srcStride int
}

func (s shape2D) String() string {
	return fmt.Sprintf("%d rows of %d, run [%d, %d), strides dst %d src %d",
		s.rows, s.cols, s.lo, s.hi, s.dstStride, s.srcStride)
}

// shapes2D returns the shapes the kernels are tried on: every width up to
// a few vectors past two AVX-512 chunks, then widths around the ends of
// the AVX2 and AVX-512 slabs (128 to 135 and 256 columns); each with runs
// that fill the row, leave padding on one side or both, cross the slabs,
// or are empty; on one row and several, with rows packed or spaced out,
// and src rows packed, spaced out or all the same row (stride 0).
func shapes2D() []shape2D {
	var widths []int
	for c := 0; c <= 40; c++ {
		widths = append(widths, c)
	}
	widths = append(widths, 47, 48, 63, 64, 65, 127, 128, 129, 135, 136, 137, 143, 255, 256, 257, 263, 264, 300, 520)
	var shapes []shape2D
	for _, cols := range widths {
		runs := [][2]int{
			{0, cols}, {1, cols}, {0, cols - 1}, {2, cols - 3}, {cols / 3, 2 * cols / 3},
			{cols / 2, cols / 2}, {0, 0}, {cols, cols}, {cols - 1, cols}, {17, cols - 9},
		}
		if cols > 260 {
			runs = append(runs, [2]int{250, 270}, [2]int{257, cols}, [2]int{100, 257})
		}
		seen := map[[2]int]bool{}
		for _, run := range runs {
			lo, hi := run[0], run[1]
			if lo < 0 || hi < lo || cols < hi || seen[run] {
				continue
			}
			seen[run] = true
			for _, rows := range []int{1, 2, 3, 7} {
				for _, dGap := range []int{0, 3} {
					for _, sGap := range []int{0, 5, -1} {
						srcStride := hi - lo + sGap
						if sGap < 0 {
							srcStride = 0
						}
						shapes = append(shapes, shape2D{rows, cols, lo, hi, cols + dGap, srcStride})
					}
				}
			}
		}
	}
	return shapes
}

// span is the length of rows runs of cols, stride apart.
func span(rows, stride, cols int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*stride + cols
}

// withGapGuards sets the elements of x between the rows of a 2-D output
// of shape s to guard, for checkGuards2D.
func withGapGuards(x []float32, s shape2D) []float32 {
	for j := range x {
		if j%s.dstStride >= s.cols {
			x[j] = guard
		}
	}
	return x
}

// checkGuards2D fails the test if anything in buf outside the rows of the
// 2-D output at off changed: before it, after it, or between its rows.
func checkGuards2D(t *testing.T, buf []float32, off int, s shape2D, what string) {
	t.Helper()
	for i, v := range buf {
		inside := false
		if j := i - off; j >= 0 && s.cols > 0 {
			r, k := j/s.dstStride, j%s.dstStride
			inside = r < s.rows && k < s.cols
		}
		if !inside && math.Float32bits(v) != math.Float32bits(guard) {
			t.Fatalf("%s: %v: wrote buf[%d] = %v outside the output", what, s, i, v)
		}
	}
}

// TestCopyPadded2D runs every implementation on every shape, from and to
// every misalignment, against refCopyPadded2D, bit for bit. Copy2D is the
// case lo = 0, hi = cols.
func TestCopyPadded2D(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		r := rand.New(rand.NewPCG(1, 2))
		for i, s := range shapes2D() {
			if s.rows == 0 || s.cols == 0 {
				continue // the exported functions return before the kernels
			}
			off := i % 4
			_, src := placed(randomValues(r, span(s.rows, s.srcStride, s.hi-s.lo)), (off+1)%4)
			old := withGapGuards(randomValues(r, span(s.rows, s.dstStride, s.cols)), s)
			want := append([]float32(nil), old...)
			refCopyPadded2D(want, s.dstStride, src, s.srcStride, s.rows, s.cols, s.lo, s.hi)
			buf, dst := placed(old, off)
			k.copyPadded(dst, s.dstStride, src, s.srcStride, s.rows, s.cols, s.lo, s.hi)
			checkGuards2D(t, buf, off, s, "copyPadded")
			for j := range dst {
				if !sameBits(dst[j], want[j]) {
					t.Fatalf("%v: element %d (row %d, column %d) is %v (%#08x), want %v (%#08x)", s, j,
						j/s.dstStride, j%s.dstStride, dst[j], math.Float32bits(dst[j]), want[j], math.Float32bits(want[j]))
				}
			}
		}
	})
}

// TestAdd2D runs every implementation on every shape (taking the run's
// width as cols) against the scalar sum: the same bits, or, where both
// operands are NaN, any NaN.
func TestAdd2D(t *testing.T) {
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		r := rand.New(rand.NewPCG(3, 4))
		for i, s := range shapes2D() {
			if s.lo != 0 || s.hi != s.cols || s.rows == 0 || s.cols == 0 {
				continue // Add2D has no padding
			}
			off := i % 4
			_, src := placed(randomValues(r, span(s.rows, s.srcStride, s.cols)), (off+1)%4)
			old := withGapGuards(randomValues(r, span(s.rows, s.dstStride, s.cols)), s)
			buf, dst := placed(old, off)
			k.add(dst, s.dstStride, src, s.srcStride, s.rows, s.cols)
			checkGuards2D(t, buf, off, s, "add")
			for row := 0; row < s.rows; row++ {
				for c := 0; c < s.cols; c++ {
					j, a, b := row*s.dstStride+c, old[row*s.dstStride+c], src[row*s.srcStride+c]
					if want := a + b; !sameResult(dst[j], want, isNaN(a) && isNaN(b)) {
						t.Fatalf("%v: row %d, column %d: %v + %v gave %v (%#08x), want %v (%#08x)", s, row, c,
							a, b, dst[j], math.Float32bits(dst[j]), want, math.Float32bits(want))
					}
				}
			}
		}
	})
}

// TestAgainstGo2D runs every implementation and the Go code on the same
// im2col-like copies and col2im-like sums and compares them bit for bit.
func TestAgainstGo2D(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	img := randomValues(r, 3*30*31)
	run := func(k *kernels2D) (col, grad []float32) {
		// Rows of a 26-wide output from a 30×31 image, shifted by −2 to
		// +2 columns: the run is cut by the padding on either side.
		col = make([]float32, 5*26*26)
		for j := range 5 {
			shift := j - 2
			lo, hi := max(0, -shift), min(26, 31-shift)
			k.copyPadded(col[j*26*26:], 26, img[31+shift+lo:], 31, 26, 26, lo, hi)
		}
		grad = append([]float32(nil), img...)
		for j := range 5 {
			k.add(grad[j:], 31, col[j*26*26:], 26, 26, 26)
		}
		return col, grad
	}
	wantCol, wantGrad := run(&goKernels2D)
	forEachImpl2D(t, func(t *testing.T, k *kernels2D) {
		col, grad := run(k)
		for i := range wantCol {
			if !sameBits(col[i], wantCol[i]) {
				t.Fatalf("CopyPadded2D: element %d: got %#08x, the Go code %#08x", i, math.Float32bits(col[i]), math.Float32bits(wantCol[i]))
			}
		}
		for i := range wantGrad {
			if !sameResult(grad[i], wantGrad[i], isNaN(grad[i]) && isNaN(wantGrad[i])) {
				t.Fatalf("Add2D: element %d: got %#08x, the Go code %#08x", i, math.Float32bits(grad[i]), math.Float32bits(wantGrad[i]))
			}
		}
	})
}

// TestExported2D checks the exported functions on examples worked out by
// hand.
func TestExported2D(t *testing.T) {
	// A 3×4 image.
	img := []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
	}
	got := []float32{-1, -1, -1, -1, -1, -1}
	// The 2×2 block at row 1, column 2, into a 2×3 matrix's first two
	// columns.
	Copy2D(got, 3, img[1*4+2:], 4, 2, 2)
	if want := []float32{7, 8, -1, 11, 12, -1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Copy2D: got %v, want %v", got, want)
	}
	// Rows 0 and 2 shifted right by one, with a zero on either side:
	// columns 1 and 2 from the image's columns 0 and 1.
	got = []float32{-1, -1, -1, -1, -1, -1, -1, -1}
	CopyPadded2D(got, 4, img, 8, 2, 4, 1, 3)
	if want := []float32{0, 1, 2, 0, 0, 9, 10, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CopyPadded2D: got %v, want %v", got, want)
	}
	// Nothing to copy: only zeros, and src may be empty.
	CopyPadded2D(got, 4, nil, 0, 2, 3, 2, 2)
	if want := []float32{0, 0, 0, 0, 0, 0, 0, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CopyPadded2D with lo = hi: got %v, want %v", got, want)
	}
	// The row 10, 20 added to each image row's middle two columns.
	Add2D(img[1:], 4, []float32{10, 20}, 0, 3, 2)
	if want := []float32{1, 12, 23, 4, 5, 16, 27, 8, 9, 20, 31, 12}; fmt.Sprint(img) != fmt.Sprint(want) {
		t.Errorf("Add2D: got %v, want %v", img, want)
	}
	// No rows or no columns: nothing happens, even with empty slices.
	Copy2D(nil, 5, nil, 5, 0, 7)
	Add2D(nil, 0, nil, 0, 9, 0)
	CopyPadded2D(nil, 0, nil, 0, 0, 3, 1, 2)
}

// TestBadArguments2D checks that programming errors panic with a message
// naming the function and what is wrong.
func TestBadArguments2D(t *testing.T) {
	s := make([]float32, 10)
	cases := []struct {
		call func()
		want string
	}{
		{func() { Copy2D(s, 3, s[:7], 3, 3, 3) }, "vec.Copy2D: len(src) = 7 is too short for 3 rows of 3 elements, 3 apart"},
		{func() { Copy2D(s[:9], 4, s, 3, 3, 2) }, "vec.Copy2D: len(dst) = 9 is too short for 3 rows of 2 elements, 4 apart"},
		{func() { Copy2D(s, 4, s, 3, 1, 11) }, "len(dst) = 10 is too short for 1 rows of 11"},
		{func() { Copy2D(s, 1, s, 3, 2, 2) }, "vec.Copy2D: dstStride = 1 is less than cols = 2: the rows of dst overlap"},
		{func() { Copy2D(s, -1, s, 3, 2, 2) }, "vec.Copy2D: dstStride = -1 is negative"},
		{func() { Copy2D(s, 2, s, 2, -1, 2) }, "vec.Copy2D: -1 rows of 2 elements: negative size"},
		{func() { Copy2D(s, 2, s, 2, 1, -2) }, "vec.Copy2D: 1 rows of -2 elements: negative size"},
		{func() { CopyPadded2D(s, 2, s, 2, 1, -2, 0, 0) }, "vec.CopyPadded2D: 1 rows of -2 elements: negative size"},
		{func() { Add2D(s, 2, s, -2, 1, 1) }, "vec.Add2D: srcStride = -2 is negative"},
		{func() { Add2D(s, 5, s, 0, 3, 1) }, "vec.Add2D: len(dst) = 10 is too short for 3 rows of 1 elements, 5 apart"},
		{func() { Add2D(s, 3, s, 3, 2, 4) }, "vec.Add2D: dstStride = 3 is less than cols = 4"},
		{func() { Add2D(s, 1<<62, s, 0, 3, 1) }, "too short"}, // (rows−1)·stride overflows
		{func() { CopyPadded2D(s, 5, s, 5, 2, 5, 3, 2) }, "vec.CopyPadded2D: lo = 3, hi = 2, cols = 5, want 0 ≤ lo ≤ hi ≤ cols"},
		{func() { CopyPadded2D(s, 5, s, 5, 2, 5, -1, 2) }, "lo = -1"},
		{func() { CopyPadded2D(s, 5, s, 5, 2, 5, 0, 6) }, "hi = 6, cols = 5"},
		{func() { CopyPadded2D(s, 5, s[:6], 5, 2, 5, 1, 3) }, "vec.CopyPadded2D: len(src) = 6 is too short for 2 rows of 2 elements, 5 apart"},
	}
	for _, c := range cases {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, c.want) {
					t.Errorf("panic %q, want one containing %q", msg, c.want)
				}
			}()
			c.call()
		}()
	}
}

// TestDeinterleave checks Deinterleave and Interleave against their
// definitions on every length up to a few vectors and some larger ones,
// at every alignment, and that they write nothing past their outputs.
func TestDeinterleave(t *testing.T) {
	for _, impl := range implementations2D() {
		if !impl.supported {
			continue
		}
		k := impl.k
		r := rand.New(rand.NewPCG(2, 3))
		for _, n := range testLengths() {
			for off := range 3 {
				src := randomValues(r, n)
				evenBuf, even := placed(make([]float32, (n+1)/2), off)
				oddBuf, odd := placed(make([]float32, n/2), (off+1)%3)
				k.deinterleave(even, odd, src)
				checkGuards(t, evenBuf, off, len(even))
				checkGuards(t, oddBuf, (off+1)%3, len(odd))
				for i, v := range src {
					got := even[i/2]
					if i%2 == 1 {
						got = odd[i/2]
					}
					if !sameBits(got, v) {
						t.Fatalf("%s: Deinterleave of %d, element %d: got %v, want %v", k.name, n, i, got, v)
					}
				}
				dstBuf, dst := placed(make([]float32, n), off)
				k.interleave(dst, even, odd)
				checkGuards(t, dstBuf, off, n)
				for i, v := range src {
					if !sameBits(dst[i], v) {
						t.Fatalf("%s: Interleave of %d, element %d: got %v, want %v", k.name, n, i, dst[i], v)
					}
				}
			}
		}
	}
}
