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
			run:    func(k *kernels, dst []float32, in [][]float32) { k.normalize(dst, in[0], a, b, relu) },
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
				k.normGrad(dst, in[0], in[1], m, a, b, c)
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
	return fold(s), fold(d)
}

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
				sum, sq := k.moments(x)
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
						got1, got2 = k.normGradSums(dy, x, m)
						want1, want2 = refNormSums(g, x)
					} else {
						got1, got2 = k.normGradSums(dy, x, ReLUMask{})
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
