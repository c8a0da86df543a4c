package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// An implementation is a set of kernels and whether this machine can run
// them; implementations (in vec_amd64_test.go and vec_other_test.go) lists
// every set built for this platform.
type implementation struct {
	k         *kernels
	supported bool
}

// forEachImpl runs test once per implementation, skipping (by name) those
// this processor cannot run.
func forEachImpl(t *testing.T, test func(t *testing.T, k *kernels)) {
	for _, impl := range implementations() {
		t.Run(impl.k.name, func(t *testing.T) {
			if !impl.supported {
				t.Skipf("this processor cannot run the %s kernels", impl.k.name)
			}
			test(t, impl.k)
		})
	}
}

// The plain scalar definitions the kernels are checked against.

func refRelu(x float32) float32 {
	if x < 0 {
		return 0
	}
	return x
}

func refReluBackward(dy, y float32) float32 {
	if y <= 0 {
		return 0
	}
	return dy // y > 0, or NaN
}

// refSum adds in the order documented on Sum, element by element.
func refSum(x []float32) float32 {
	var s [64]float32
	for i, v := range x {
		s[i%64] += v
	}
	var t [16]float32
	for j := range 16 {
		t[j] = (s[j] + s[j+16]) + (s[j+32] + s[j+48])
	}
	for _, half := range []int{8, 4, 2, 1} {
		for j := range half {
			t[j] = t[j] + t[j+half]
		}
	}
	return t[0]
}

// refSumSquares adds the squares in the order documented on SumSquares,
// element by element.
func refSumSquares(x []float32) float64 {
	var s [32]float64
	for i, v := range x {
		s[i%32] += float64(v) * float64(v)
	}
	var t [8]float64
	for j := range 8 {
		t[j] = (s[j] + s[j+8]) + (s[j+16] + s[j+24])
	}
	for _, half := range []int{4, 2, 1} {
		for j := range half {
			t[j] = t[j] + t[j+half]
		}
	}
	return t[0]
}

// refMaxPool2x2 is the window loop of nn.MaxPool2D, with the winner
// replaced only by a greater element.
func refMaxPool2x2(src []float32, h, w int) ([]float32, []int32) {
	oh, ow := h/2, w/2
	dst, arg := make([]float32, oh*ow), make([]int32, oh*ow)
	for r := range oh {
		for c := range ow {
			top := 2*r*w + 2*c
			best, at := src[top], top
			for _, i := range []int{top + 1, top + w, top + w + 1} {
				if src[i] > best {
					best, at = src[i], i
				}
			}
			dst[r*ow+c], arg[r*ow+c] = best, int32(at)
		}
	}
	return dst, arg
}

// specials are the values where floating point is most often got wrong.
var specials = []float32{
	0, float32(math.Copysign(0, -1)),
	1, -1, 0.5, -2.75,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7fc00000), // quiet NaN
	math.Float32frombits(0xffc00001), // negative quiet NaN with a payload
	math.Float32frombits(0x7f800001), // signalling NaN
	math.Float32frombits(0xff812345), // negative signalling NaN
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	math.Float32frombits(0x007fffff), math.Float32frombits(0x807fffff), // largest denormals
	math.MaxFloat32, -math.MaxFloat32,
	math.Float32frombits(0x00800000), // smallest normal
}

// randomValues returns n values, about a third of them specials and the
// rest spread over many magnitudes of both signs.
func randomValues(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		if r.IntN(3) == 0 {
			x[i] = specials[r.IntN(len(specials))]
		} else {
			x[i] = float32(r.NormFloat64() * math.Exp2(float64(r.IntN(40)-20)))
		}
	}
	return x
}

func isNaN(v float32) bool { return v != v }

// sameBits reports whether a and b are the same float32, bit for bit.
func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// sameResult reports whether a and b agree: the same bits, or, where the
// result came from arithmetic on several NaNs (whose payload the hardware
// picks by operand order), both NaN.
func sameResult(a, b float32, severalNaNs bool) bool {
	if severalNaNs && isNaN(a) && isNaN(b) {
		return true
	}
	return sameBits(a, b)
}

// testLengths are the lengths every elementwise kernel is tried on: all
// up to a few vectors past the 64-float unrolled loop, then some larger
// ones with ragged ends.
func testLengths() []int {
	var ns []int
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return append(ns, 127, 128, 129, 1000, 4099, 10007)
}

// guard is the value written around every output, to check that no kernel
// writes past either end of its slice.
const guard = -12345.5

// placed returns a buffer of guards with x copied in at offset off (so a
// kernel sees every alignment) and the slice of it holding x.
func placed(x []float32, off int) (buf, s []float32) {
	buf = make([]float32, off+len(x)+20)
	for i := range buf {
		buf[i] = guard
	}
	s = buf[off : off+len(x)]
	copy(s, x)
	return buf, s
}

// checkGuards fails the test if anything outside buf[off:off+n] changed.
func checkGuards(t *testing.T, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && v != guard {
			t.Fatalf("wrote buf[%d] = %v outside the output [%d, %d)", i, v, off, off+n)
		}
	}
}

// elementwiseCase describes one elementwise function for testElementwise.
type elementwiseCase struct {
	inputs int // how many input slices besides dst (dst may be one)
	// run applies the kernel to dst and the inputs.
	run func(k *kernels, dst []float32, in [][]float32)
	// want is the expected dst[i] from the old dst[i] and the inputs' i-th
	// elements.
	want func(old float32, in []float32) float32
	// nanPayloadFree says the result may be any NaN when several of the
	// operands are NaN.
	nanPayloadFree bool
	// readsDst says the old dst[i] is an operand.
	readsDst bool
	// operands, if set, lists the operands of the last operation that
	// makes dst[i], where they are not simply the inputs (and old dst[i]).
	operands func(old float32, in []float32) []float32
}

func testElementwise(t *testing.T, c elementwiseCase) {
	forEachImpl(t, func(t *testing.T, k *kernels) {
		r := rand.New(rand.NewPCG(1, uint64(c.inputs)))
		for _, n := range testLengths() {
			for off := range 4 {
				old := randomValues(r, n)
				in := make([][]float32, c.inputs)
				for j := range in {
					// Each input at its own misalignment.
					_, in[j] = placed(randomValues(r, n), (off+j+1)%4)
				}
				buf, dst := placed(old, off)
				c.run(k, dst, in)
				checkGuards(t, buf, off, n)
				args := make([]float32, c.inputs)
				for i := range n {
					nans := 0
					if c.readsDst && isNaN(old[i]) {
						nans++
					}
					for j := range in {
						args[j] = in[j][i]
						if isNaN(args[j]) {
							nans++
						}
					}
					if c.operands != nil {
						nans = 0
						for _, v := range c.operands(old[i], args) {
							if isNaN(v) {
								nans++
							}
						}
					}
					want := c.want(old[i], args)
					if !sameResult(dst[i], want, c.nanPayloadFree && nans > 1) {
						t.Fatalf("n=%d offset %d: element %d: got %v (%#08x), want %v (%#08x) from old %v and inputs %v",
							n, off, i, dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want), old[i], args)
					}
				}
			}
		}
	})
}

func TestRelu(t *testing.T) {
	testElementwise(t, elementwiseCase{
		inputs: 1,
		run:    func(k *kernels, dst []float32, in [][]float32) { k.relu(dst, in[0]) },
		want:   func(_ float32, in []float32) float32 { return refRelu(in[0]) },
	})
}

func TestReluBackward(t *testing.T) {
	testElementwise(t, elementwiseCase{
		inputs: 2,
		run:    func(k *kernels, dst []float32, in [][]float32) { k.reluBackward(dst, in[0], in[1]) },
		want:   func(_ float32, in []float32) float32 { return refReluBackward(in[0], in[1]) },
	})
}

func TestFill(t *testing.T) {
	for _, v := range []float32{2.5, float32(math.Copysign(0, -1)), math.Float32frombits(0x7f800001)} {
		testElementwise(t, elementwiseCase{
			run:  func(k *kernels, dst []float32, _ [][]float32) { k.fill(dst, v) },
			want: func(float32, []float32) float32 { return v },
		})
	}
}

func TestAdd(t *testing.T) {
	testElementwise(t, elementwiseCase{
		inputs:         1,
		run:            func(k *kernels, dst []float32, in [][]float32) { k.add(dst, in[0]) },
		want:           func(old float32, in []float32) float32 { return old + in[0] },
		nanPayloadFree: true, readsDst: true,
	})
}

func TestAddTo(t *testing.T) {
	for _, relu := range []bool{false, true} {
		testElementwise(t, elementwiseCase{
			inputs: 2,
			run:    func(k *kernels, dst []float32, in [][]float32) { k.addTo(dst, in[0], in[1], relu) },
			want: func(_ float32, in []float32) float32 {
				if relu {
					return refRelu(in[0] + in[1])
				}
				return in[0] + in[1]
			},
			nanPayloadFree: true,
		})
	}
}

func TestAddScaled(t *testing.T) {
	for _, a := range []float32{0.375, -3, 0, float32(math.Inf(1))} {
		testElementwise(t, elementwiseCase{
			inputs: 1,
			run:    func(k *kernels, dst []float32, in [][]float32) { k.addScaled(dst, in[0], a) },
			want: func(old float32, in []float32) float32 {
				p := float32(a * in[0])
				return old + p
			},
			nanPayloadFree: true,
			// 0·Inf makes a NaN of its own.
			operands: func(old float32, in []float32) []float32 { return []float32{old, a * in[0]} },
		})
	}
}

func TestMul(t *testing.T) {
	testElementwise(t, elementwiseCase{
		inputs:         2,
		run:            func(k *kernels, dst []float32, in [][]float32) { k.mul(dst, in[0], in[1]) },
		want:           func(_ float32, in []float32) float32 { return in[0] * in[1] },
		nanPayloadFree: true,
	})
}

func TestScale(t *testing.T) {
	for _, a := range []float32{0.375, -3, 0, float32(math.Inf(-1)), math.Float32frombits(0x7fc00001)} {
		testElementwise(t, elementwiseCase{
			run:            func(k *kernels, dst []float32, _ [][]float32) { k.scale(dst, a) },
			want:           func(old float32, _ []float32) float32 { return old * a },
			nanPayloadFree: true,
			operands:       func(old float32, _ []float32) []float32 { return []float32{old, a} },
		})
	}
}

func TestAxpby(t *testing.T) {
	for _, ab := range [][2]float32{{0.9, 0.1}, {-3, 0.375}, {0, 1}, {1, 0}, {float32(math.Inf(1)), 2}} {
		a, b := ab[0], ab[1]
		testElementwise(t, elementwiseCase{
			inputs: 1,
			run:    func(k *kernels, dst []float32, in [][]float32) { k.axpby(dst, in[0], a, b) },
			want: func(old float32, in []float32) float32 {
				return float32(a*old) + float32(b*in[0])
			},
			nanPayloadFree: true,
			// 0·Inf makes a NaN of its own.
			operands: func(old float32, in []float32) []float32 { return []float32{a * old, b * in[0]} },
		})
	}
}

// TestAxpbyNotFused checks that both products are rounded before they are
// added, with the numbers of TestAddScaledNotFused: a·x = 1 + 2⁻¹¹ + 2⁻²⁴
// rounds to 1 + 2⁻¹¹, which the other product cancels exactly.
func TestAxpbyNotFused(t *testing.T) {
	a := float32(1 + 1.0/4096)
	d := float32(1 + 1.0/2048)
	forEachImpl(t, func(t *testing.T, k *kernels) {
		for _, n := range []int{1, 7, 8, 16, 17, 64, 100} {
			dst, x := make([]float32, n), make([]float32, n)
			for i := range n {
				dst[i], x[i] = a, d
			}
			k.axpby(dst, x, a, -1) // a·a − d
			for i, v := range dst {
				if v != 0 {
					t.Fatalf("n=%d: dst[%d] = %g, want 0 (%g means a multiply-add was fused)", n, i, v, math.Exp2(-24))
				}
			}
			for i := range n {
				dst[i], x[i] = d, a
			}
			k.axpby(dst, x, -1, a) // −d + a·a
			for i, v := range dst {
				if v != 0 {
					t.Fatalf("n=%d, the other way round: dst[%d] = %g, want 0", n, i, v)
				}
			}
		}
	})
}

// TestInPlace checks that an output may be its input.
func TestInPlace(t *testing.T) {
	forEachImpl(t, func(t *testing.T, k *kernels) {
		x := []float32{-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12, -13, 14, -15, 16, -17, 18, 0, -0.5}
		k.relu(x, x)
		k.add(x, x)
		k.mul(x, x, x)
		k.reluBackward(x, x, x)
		want := []float32{0, 16, 0, 64, 0, 144, 0, 256, 0, 400, 0, 576, 0, 784, 0, 1024, 0, 1296, 0, 0}
		for i := range x {
			if x[i] != want[i] {
				t.Fatalf("got %v, want %v", x, want)
			}
		}
		// AddTo into either of its inputs.
		y := []float32{3, -5, 2, 0, 1, -200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}
		k.addTo(x, x, y, true)
		k.addTo(y, x, y, false)
		want = []float32{6, 6, 4, 64, 2, -200, 0, 256, 0, 400, 0, 576, 0, 784, 0, 1024, 0, 1296, 0, 14}
		for i := range y {
			if y[i] != want[i] {
				t.Fatalf("AddTo in place: got %v, want %v", y, want)
			}
		}
	})
}

// TestAddScaledNotFused checks that a·x is rounded before it is added: with
// a = x = 1+2⁻¹², a·x = 1 + 2⁻¹¹ + 2⁻²⁴ rounds (to even) to 1 + 2⁻¹¹, which
// cancels d = −(1 + 2⁻¹¹) exactly; a fused multiply-add would leave 2⁻²⁴.
func TestAddScaledNotFused(t *testing.T) {
	a := float32(1 + 1.0/4096)
	d := -float32(1 + 1.0/2048)
	forEachImpl(t, func(t *testing.T, k *kernels) {
		for _, n := range []int{1, 7, 8, 16, 17, 64, 100} {
			dst, x := make([]float32, n), make([]float32, n)
			for i := range n {
				dst[i], x[i] = d, a
			}
			k.addScaled(dst, x, a)
			for i, v := range dst {
				if v != 0 {
					t.Fatalf("n=%d: dst[%d] = %g, want 0 (%g means the multiply-add was fused)", n, i, v, math.Exp2(-24))
				}
			}
		}
	})
}

func TestSum(t *testing.T) {
	forEachImpl(t, func(t *testing.T, k *kernels) {
		r := rand.New(rand.NewPCG(2, 3))
		for _, n := range testLengths() {
			for off := range 4 {
				// Finite values, where the result must match bit for bit.
				_, x := placed(finiteValues(r, n), off)
				if got, want := k.sum(x), refSum(x); !sameBits(got, want) {
					t.Fatalf("n=%d offset %d: got %v, want %v", n, off, got, want)
				}
				// With specials, where any NaN is as good as another.
				_, x = placed(randomValues(r, n), off)
				if got, want := k.sum(x), refSum(x); !sameResult(got, want, true) {
					t.Fatalf("n=%d offset %d with special values: got %v, want %v", n, off, got, want)
				}
			}
		}
	})
}

func TestSumSquares(t *testing.T) {
	forEachImpl(t, func(t *testing.T, k *kernels) {
		r := rand.New(rand.NewPCG(12, 13))
		for _, n := range testLengths() {
			for off := range 4 {
				// Finite values, the whole float32 range, where the result
				// must match bit for bit.
				x := finiteValues(r, n)
				for i := range x {
					if r.IntN(4) == 0 {
						x[i] = specials[r.IntN(len(specials))]
						if isNaN(x[i]) || math.IsInf(float64(x[i]), 0) {
							x[i] = -1.5
						}
					}
				}
				_, s := placed(x, off)
				if got, want := k.sumSquares(s), refSumSquares(s); math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("n=%d offset %d: got %v, want %v", n, off, got, want)
				}
				// With specials: an Inf or NaN anywhere makes the sum +Inf
				// or NaN, any NaN.
				_, s = placed(randomValues(r, n), off)
				got, want := k.sumSquares(s), refSumSquares(s)
				if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("n=%d offset %d with special values: got %v, want %v", n, off, got, want)
				}
			}
		}
	})
}

// TestSumSquaresOrder checks sums worked out by hand.
func TestSumSquaresOrder(t *testing.T) {
	const big = 1 << 27 // big² = 2⁵⁴, where float64 steps by 4
	cases := []struct {
		name string
		x    []float32
		want float64
	}{
		{"empty", nil, 0},
		{"minus zero", []float32{float32(math.Copysign(0, -1))}, 0},
		{"one", []float32{-3}, 9},
		// The largest float32 squared overflows float32, not float64.
		{"no overflow", []float32{math.MaxFloat32}, float64(math.MaxFloat32) * float64(math.MaxFloat32)},
		{"no underflow", []float32{math.SmallestNonzeroFloat32}, math.Exp2(-298)},
		// Left to right, each 1 added to 2⁵⁴ is lost (a tie, rounded to
		// even). Here the ones sit in partial sums 1, 3, 5 and 7, meet in
		// pairs when t[j] += t[j+4] and t[j] += t[j+2], and join big² as 4.
		{"fold order", []float32{big, 1, 0, 1, 0, 1, 0, 1}, 1<<54 + 4},
		// 1² + ... + 1000² = 1000·1001·2001/6, exact.
		{"integers", integers(1000), 333833500},
	}
	forEachImpl(t, func(t *testing.T, k *kernels) {
		for _, c := range cases {
			if got := k.sumSquares(c.x); math.Float64bits(got) != math.Float64bits(c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	})
}

// finiteValues returns n random values of many magnitudes, none of them
// infinite or NaN.
func finiteValues(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * math.Exp2(float64(r.IntN(40)-20)))
	}
	return x
}

// TestSumOrder checks sums worked out by hand.
func TestSumOrder(t *testing.T) {
	const big = 1 << 24 // from here float32 has no room for +1
	negZero := float32(math.Copysign(0, -1))
	cases := []struct {
		name string
		x    []float32
		want float32
	}{
		{"empty", nil, 0},
		{"one", []float32{3}, 3},
		{"minus zero", []float32{negZero}, 0}, // partial sums start at +0
		// Left to right, big+1 rounds back to big twice. Here the ones sit
		// in partial sums 1 and 3, meet when t[j] += t[j+2], and 2 is
		// added to big at the end.
		{"fold order", []float32{big, 1, 0, 1}, big + 2},
		// x[64] = -big lands in partial sum 0 and cancels big, while the
		// 1 waits in partial sum 1. Left to right, big+1 rounds to big
		// and the 1 is lost.
		{"lanes", append(append([]float32{big, 1}, make([]float32, 62)...), -big), 1},
		// 1..1000 in any order: exact.
		{"integers", integers(1000), 500500},
	}
	forEachImpl(t, func(t *testing.T, k *kernels) {
		for _, c := range cases {
			if got := k.sum(c.x); !sameBits(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	})
}

func integers(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i + 1)
	}
	return x
}

func TestMaxPool2x2(t *testing.T) {
	// Few distinct values, so windows often tie; the second set adds −0
	// against +0 and NaNs, which never win except in the top-left corner.
	sets := [][]float32{
		{-1, 0, 1, 2},
		{-1, 0, float32(math.Copysign(0, -1)), 1, float32(math.NaN()), float32(math.Inf(-1))},
	}
	forEachImpl(t, func(t *testing.T, k *kernels) {
		r := rand.New(rand.NewPCG(4, 5))
		for h := 2; h <= 35; h++ {
			for w := 2; w <= 35; w++ {
				set := sets[(h+w)%2]
				src := make([]float32, h*w)
				for i := range src {
					src[i] = set[r.IntN(len(set))]
				}
				if h == 3 && w == 5 {
					for i := range src { // all equal: every window ties
						src[i] = 1
					}
				}
				wantDst, wantArg := refMaxPool2x2(src, h, w)
				n := len(wantDst)
				off := (h + w) % 4
				dstBuf, dst := placed(make([]float32, n), off)
				argBuf := make([]int32, n+off+20)
				for i := range argBuf {
					argBuf[i] = -7
				}
				arg := argBuf[off : off+n]
				_, s := placed(src, (h*w)%4)
				k.maxPool2x2(dst, arg, s, h, w)
				checkGuards(t, dstBuf, off, n)
				for i, v := range argBuf {
					if (i < off || i >= off+n) && v != -7 {
						t.Fatalf("%dx%d: wrote arg buffer [%d] outside the output", h, w, i)
					}
				}
				for i := range n {
					if !sameBits(dst[i], wantDst[i]) || arg[i] != wantArg[i] {
						t.Fatalf("%dx%d: output %d (row %d, column %d): got %v at %d, want %v at %d",
							h, w, i, i/(w/2), i%(w/2), dst[i], arg[i], wantDst[i], wantArg[i])
					}
				}
			}
		}
	})
}

// TestMaxPool2x2Ties checks the tie and NaN rules on single windows worked
// out by hand.
func TestMaxPool2x2Ties(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	cases := []struct {
		window  [4]float32 // top-left, top-right, bottom-left, bottom-right
		wantArg int32      // in a 2×2 plane
	}{
		{[4]float32{1, 1, 1, 1}, 0},
		{[4]float32{0, 1, 1, 1}, 1},
		{[4]float32{0, 0, 1, 1}, 2},
		{[4]float32{0, 0, 0, 1}, 3},
		{[4]float32{negZero, 0, 0, 0}, 0}, // −0 and +0 tie
		{[4]float32{nan, 5, 6, 7}, 0},     // nothing is greater than NaN
		{[4]float32{1, nan, 0, 2}, 3},     // a NaN never wins
		{[4]float32{3, nan, nan, nan}, 0},
	}
	forEachImpl(t, func(t *testing.T, k *kernels) {
		for _, c := range cases {
			dst, arg := make([]float32, 1), make([]int32, 1)
			k.maxPool2x2(dst, arg, c.window[:], 2, 2)
			if arg[0] != c.wantArg || !sameBits(dst[0], c.window[c.wantArg]) {
				t.Errorf("window %v: got %v at %d, want %v at %d", c.window, dst[0], arg[0], c.window[c.wantArg], c.wantArg)
			}
		}
	})
}

// TestAgainstGo runs every assembly implementation and the Go code on the
// same inputs and compares the results bit for bit.
func TestAgainstGo(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 7))
	const n = 4133
	x, y, old := randomValues(r, n), randomValues(r, n), randomValues(r, n)
	pool := randomValues(r, 29*31)
	type outputs struct {
		relu, reluBackward, add, addScaled, mul, pool []float32
		scale, axpby                                  []float32
		arg                                           []int32
		sum                                           float32
		sumSquares                                    float64
	}
	run := func(k *kernels) outputs {
		var o outputs
		o.relu = make([]float32, n)
		k.relu(o.relu, x)
		o.reluBackward = make([]float32, n)
		k.reluBackward(o.reluBackward, x, y)
		o.add = append([]float32(nil), old...)
		k.add(o.add, x)
		o.addScaled = append([]float32(nil), old...)
		k.addScaled(o.addScaled, x, -0.7)
		o.mul = make([]float32, n)
		k.mul(o.mul, x, y)
		o.sum = k.sum(finiteValues(rand.New(rand.NewPCG(8, 9)), n))
		o.scale = append([]float32(nil), old...)
		k.scale(o.scale, 1.7)
		o.axpby = append([]float32(nil), old...)
		k.axpby(o.axpby, x, 0.3, -1.3)
		o.sumSquares = k.sumSquares(finiteValues(rand.New(rand.NewPCG(10, 11)), n))
		o.pool, o.arg = make([]float32, 14*15), make([]int32, 14*15)
		k.maxPool2x2(o.pool, o.arg, pool, 29, 31)
		return o
	}
	want := run(&goKernels)
	forEachImpl(t, func(t *testing.T, k *kernels) {
		got := run(k)
		compare := func(name string, got, want []float32, severalNaNs func(i int) bool) {
			for i := range want {
				if !sameResult(got[i], want[i], severalNaNs(i)) {
					t.Errorf("%s: element %d: got %#08x, the Go code %#08x", name, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
					return
				}
			}
		}
		never := func(int) bool { return false }
		both := func(a, b []float32) func(int) bool {
			return func(i int) bool { return isNaN(a[i]) && isNaN(b[i]) }
		}
		compare("Relu", got.relu, want.relu, never)
		compare("ReluBackward", got.reluBackward, want.reluBackward, never)
		compare("Add", got.add, want.add, both(old, x))
		compare("AddScaled", got.addScaled, want.addScaled, both(old, x))
		compare("Mul", got.mul, want.mul, both(x, y))
		compare("MaxPool2x2", got.pool, want.pool, never)
		compare("Scale", got.scale, want.scale, never)
		compare("Axpby", got.axpby, want.axpby, both(old, x))
		for i := range want.arg {
			if got.arg[i] != want.arg[i] {
				t.Errorf("MaxPool2x2: arg %d: got %d, the Go code %d", i, got.arg[i], want.arg[i])
				break
			}
		}
		if !sameBits(got.sum, want.sum) {
			t.Errorf("Sum: got %v, the Go code %v", got.sum, want.sum)
		}
		if math.Float64bits(got.sumSquares) != math.Float64bits(want.sumSquares) {
			t.Errorf("SumSquares: got %v, the Go code %v", got.sumSquares, want.sumSquares)
		}
	})
}

// TestExported checks that the exported functions reach the kernels.
func TestExported(t *testing.T) {
	if name := Kernel(); name != "avx512" && name != "avx2" && name != "purego" {
		t.Errorf("Kernel() = %q", name)
	}
	x := []float32{-2, 3, -0.5, 4, 1, -1, 0, 9, 8}
	dst := make([]float32, len(x))
	Relu(dst, x)
	if want := []float32{0, 3, 0, 4, 1, 0, 0, 9, 8}; fmt.Sprint(dst) != fmt.Sprint(want) {
		t.Errorf("Relu: got %v, want %v", dst, want)
	}
	dx := make([]float32, len(x))
	ReluBackward(dx, x, dst)
	if want := []float32{0, 3, 0, 4, 1, 0, 0, 9, 8}; fmt.Sprint(dx) != fmt.Sprint(want) {
		t.Errorf("ReluBackward: got %v, want %v", dx, want)
	}
	Fill(dx, 2)
	Add(dx, x)
	AddScaled(dx, x, 2)
	Mul(dx, dx, x)
	// (2 + 3x)·x
	if want := []float32{8, 33, -0.25, 56, 5, 1, 0, 261, 208}; fmt.Sprint(dx) != fmt.Sprint(want) {
		t.Errorf("Fill, Add, AddScaled, Mul: got %v, want %v", dx, want)
	}
	if got := Sum(x); got != 21.5 {
		t.Errorf("Sum = %v, want 21.5", got)
	}
	// 4 + 9 + 0.25 + 16 + 1 + 1 + 0 + 81 + 64
	if got := SumSquares(x); got != 176.25 {
		t.Errorf("SumSquares = %v, want 176.25", got)
	}
	y := append([]float32(nil), x...)
	Scale(y, -2)
	Axpby(y, x, 0.5, 3) // 0.5·(−2x) + 3x = 2x
	if want := []float32{-4, 6, -1, 8, 2, -2, 0, 18, 16}; fmt.Sprint(y) != fmt.Sprint(want) {
		t.Errorf("Scale, Axpby: got %v, want %v", y, want)
	}
	pooled, arg := make([]float32, 2), make([]int32, 2)
	MaxPool2x2(pooled, arg, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4)
	if pooled[0] != 6 || pooled[1] != 8 || arg[0] != 5 || arg[1] != 7 {
		t.Errorf("MaxPool2x2: got %v at %v, want [6 8] at [5 7]", pooled, arg)
	}
}

// TestLengthMismatch checks that mismatched slices panic with a message
// naming the function and the lengths.
func TestLengthMismatch(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	cases := []struct {
		call func()
		want string
	}{
		{func() { Relu(a, b) }, "vec.Relu: len(dst) = 3 but len(x) = 4"},
		{func() { ReluBackward(a, a, b) }, "vec.ReluBackward: len(dx) = 3 but len(y) = 4"},
		{func() { ReluBackward(a, b, a) }, "vec.ReluBackward: len(dx) = 3 but len(dy) = 4"},
		{func() { Add(a, b) }, "vec.Add: len(dst) = 3 but len(x) = 4"},
		{func() { AddScaled(b, a, 1) }, "vec.AddScaled: len(dst) = 4 but len(x) = 3"},
		{func() { Mul(a, a, b) }, "vec.Mul: len(dst) = 3 but len(y) = 4"},
		{func() { Axpby(a, b, 1, 1) }, "vec.Axpby: len(dst) = 3 but len(x) = 4"},
		{func() { SGD(a, b, a, SGDStep{Momentum: 0.9}) }, "vec.SGD: len(w) = 3 but len(g) = 4"},
		{func() { SGD(a, a, b, SGDStep{Momentum: 0.9}) }, "vec.SGD: len(w) = 3 but len(v) = 4"},
		{func() { SGD(a, a, nil, SGDStep{Momentum: 0.9}) }, "vec.SGD: len(w) = 3 but len(v) = 0"},
		{func() { Adam(a, a, a, b, AdamStep{}) }, "vec.Adam: len(w) = 3 but len(v) = 4"},
		{func() { Adam(a, a, b, a, AdamStep{}) }, "vec.Adam: len(w) = 3 but len(m) = 4"},
		{func() { Adam(b, a, a, a, AdamStep{}) }, "vec.Adam: len(w) = 4 but len(g) = 3"},
		{func() { RMSProp(a, a, b, nil, RMSPropStep{}) }, "vec.RMSProp: len(w) = 3 but len(sq) = 4"},
		{func() { RMSProp(a, a, a, b, RMSPropStep{Momentum: 0.5}) }, "vec.RMSProp: len(w) = 3 but len(buf) = 4"},
		{func() { MaxPool2x2(a, make([]int32, 1), make([]float32, 4), 2, 2) }, "len(dst) = 3 and len(arg) = 1"},
		{func() { MaxPool2x2(a[:1], make([]int32, 1), make([]float32, 5), 2, 2) }, "len(src) = 5"},
		{func() { MaxPool2x2(nil, nil, make([]float32, 3), 1, 3) }, "1×3, smaller than the 2×2 window"},
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
