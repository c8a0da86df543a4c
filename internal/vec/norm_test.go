package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestNormalize(t *testing.T) {
	const a, b = 1.7, -0.3
	for _, relu := range []bool{false, true} {
		testElementwise(t, elementwiseCase{
			inputs: 1,
			run:    func(k *kernels, dst []float32, in [][]float32) { k.normalize(dst, in[0], oneRun(dst), a, b, relu) },
			want: func(_ float32, in []float32) float32 {
				v := float32(a*in[0]) + b
				if relu {
					return refRelu(v)
				}
				return v
			},
		})
	}
}

func TestNormGrad(t *testing.T) {
	const a, b, c = 0.6, -1.25, 0.01
	for _, masked := range []bool{false, true} {
		m := ReLUMask{On: masked, A: 0.7, B: -0.05}
		testElementwise(t, elementwiseCase{
			inputs: 2,
			run: func(k *kernels, dst []float32, in [][]float32) {
				k.normGrad(dst, in[0], in[1], oneRun(dst), m, a, b, c)
			},
			want: func(_ float32, in []float32) float32 {
				g := in[0]
				if masked {
					g = refReluBackward(g, float32(m.A*in[1])+m.B)
				}
				return float32(float32(a*g)+float32(b*in[1])) + c
			},
			nanPayloadFree: true,
			operands: func(_ float32, in []float32) []float32 {
				if masked && float32(m.A*in[1])+m.B <= 0 {
					return []float32{0, in[1]}
				}
				return []float32{in[0], in[1]}
			},
		})
	}
}

// refNormSums sums x[i] (and x[i]·w[i]) in float64, element i into
// partial sum i mod 16, folded as norm.go documents, element by element.
func refNormSums(x, w []float32) (sum, dot float64) {
	var s, d [16]float64
	for i, v := range x {
		s[i%16] += float64(v)
		d[i%16] += float64(v) * float64(w[i])
	}
	fold := func(s [16]float64) float64 {
		var t [8]float64
		for j := range 8 {
			t[j] = s[j] + s[j+8]
		}
		for _, half := range []int{4, 2, 1} {
			for j := range half {
				t[j] += t[j+half]
			}
		}
		return t[0]
	}
	return 0 + fold(s), 0 + fold(d)
}

// oneRun is the whole of s as one run; its sums are the run's own, added
// to +0.
func oneRun(s []float32) Runs { return Runs{N: len(s), Stride: len(s), Count: 1} }

// sameFloat64 reports whether a and b are the same bits, or both NaN.
func sameFloat64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// TestNormSums checks Moments and NormGradSums, bit for bit, against
// their definitions, on every length of testLengths, with and without the
// ReLU's mask, on values with specials among them.
func TestNormSums(t *testing.T) {
	forEachImpl(t, func(t *testing.T, k *kernels) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, n := range testLengths() {
			for trial := range 3 {
				x := randomValues(r, n)
				if trial == 0 {
					x = finiteValues(r, n)
				}
				sum, sq := k.moments(x, oneRun(x))
				wantSum, wantSq := refNormSums(x, x)
				if !sameFloat64(sum, wantSum) || !sameFloat64(sq, wantSq) {
					t.Fatalf("n=%d: Moments = %v, %v, want %v, %v", n, sum, sq, wantSum, wantSq)
				}
				dy := randomValues(r, n)
				m := ReLUMask{On: true, A: 1.3, B: 0.125}
				g := make([]float32, n)
				for i := range g {
					g[i] = refReluBackward(dy[i], float32(m.A*x[i])+m.B)
				}
				for _, masked := range []bool{false, true} {
					var got1, got2, want1, want2 float64
					if masked {
						got1, got2 = k.normGradSums(dy, x, oneRun(x), m)
						want1, want2 = refNormSums(g, x)
					} else {
						got1, got2 = k.normGradSums(dy, x, oneRun(x), ReLUMask{})
						want1, want2 = refNormSums(dy, x)
					}
					if !sameFloat64(got1, want1) || !sameFloat64(got2, want2) {
						t.Fatalf("n=%d, masked %v: NormGradSums = %v, %v, want %v, %v", n, masked, got1, got2, want1, want2)
					}
				}
			}
		}
	})
}

// TestNormRuns checks the four passes over runs against each run passed
// on its own, bit for bit: the sums added in turn to +0, every run's
// values written, and nothing between the runs touched. Runs are of
// lengths on both sides of a vector (1 for a flat batch's features, 9
// for a 3×3 plane, 17, 36), apart by their length or more.
func TestNormRuns(t *testing.T) {
	forEachImpl(t, func(t *testing.T, k *kernels) {
		r := rand.New(rand.NewPCG(9, 10))
		const ra, rb, a, b, c = 0.7, -0.05, 0.6, -1.25, 0.01
		m := ReLUMask{On: true, A: ra, B: rb}
		for _, runs := range []Runs{
			{N: 1, Stride: 256, Count: 64}, {N: 9, Stride: 9 * 256, Count: 64}, {N: 17, Stride: 40, Count: 5},
			{N: 36, Stride: 36, Count: 7}, {N: 0, Stride: 4, Count: 3}, {N: 5, Stride: 8, Count: 0},
			{N: 33, Stride: 100, Count: 1},
		} {
			span := runs.span("test")
			x, dy := randomValues(r, span), randomValues(r, span)
			sum, sq := k.moments(x, runs)
			sumG, sumGX := k.normGradSums(dy, x, runs, m)
			var wantSum, wantSq, wantG, wantGX float64
			for i := range runs.Count {
				xi, dyi := runs.run(x, i), runs.run(dy, i)
				s, q := refNormSums(xi, xi)
				wantSum, wantSq = wantSum+s, wantSq+q
				g := make([]float32, len(xi))
				for j := range g {
					g[j] = refReluBackward(dyi[j], float32(m.A*xi[j])+m.B)
				}
				s, q = refNormSums(g, xi)
				wantG, wantGX = wantG+s, wantGX+q
			}
			if !sameFloat64(sum, wantSum) || !sameFloat64(sq, wantSq) {
				t.Fatalf("%+v: Moments = %v, %v, want %v, %v", runs, sum, sq, wantSum, wantSq)
			}
			if !sameFloat64(sumG, wantG) || !sameFloat64(sumGX, wantGX) {
				t.Fatalf("%+v: NormGradSums = %v, %v, want %v, %v", runs, sumG, sumGX, wantG, wantGX)
			}

			y, dx := make([]float32, span), make([]float32, span)
			const guard = float32(-7.5)
			for i := range y {
				y[i], dx[i] = guard, guard
			}
			k.normalize(y, x, runs, a, b, true)
			k.normGrad(dx, dy, x, runs, m, a, b, c)
			inRun := make([]bool, span)
			for i := range runs.Count {
				for j := range runs.N {
					inRun[i*runs.Stride+j] = true
				}
			}
			for i := range y {
				wantY, wantDX := guard, guard
				if inRun[i] {
					wantY = refRelu(float32(a*x[i]) + b)
					g := refReluBackward(dy[i], float32(m.A*x[i])+m.B)
					wantDX = float32(float32(a*g)+float32(b*x[i])) + c
				}
				if !sameBits(y[i], wantY) {
					t.Fatalf("%+v: Normalize [%d] = %v, want %v", runs, i, y[i], wantY)
				}
				if !sameBits(dx[i], wantDX) && !(math.IsNaN(float64(dx[i])) && math.IsNaN(float64(wantDX))) {
					t.Fatalf("%+v: NormGrad [%d] = %v, want %v", runs, i, dx[i], wantDX)
				}
			}
		}
	})
}

// TestNormRunsChecked checks that runs reaching past a slice, or
// overlapping, are refused with a panic before any kernel reads memory.
func TestNormRunsChecked(t *testing.T) {
	x := make([]float32, 100)
	for _, runs := range []Runs{{N: 10, Stride: 10, Count: 11}, {N: 10, Stride: 5, Count: 3}, {N: -1, Stride: 1, Count: 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Moments over %+v of 100 elements did not panic", runs)
				}
			}()
			Moments(x, runs)
		}()
	}
}
