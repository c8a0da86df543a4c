package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fpOps does float32 arithmetic one rounding at a time, for the scalar
// definitions of the optimiser steps, and notes whether any operation had
// two NaN operands: the NaN such an operation returns is one of the two,
// chosen by their order in the instruction, which the compiler and the
// assembly may pick differently.
type fpOps struct{ twoNaNs bool }

func (f *fpOps) note(a, b float32) {
	if isNaN(a) && isNaN(b) {
		f.twoNaNs = true
	}
}

func (f *fpOps) add(a, b float32) float32 { f.note(a, b); return a + b }
func (f *fpOps) sub(a, b float32) float32 { f.note(a, b); return a - b }
func (f *fpOps) mul(a, b float32) float32 { f.note(a, b); return float32(a * b) }
func (f *fpOps) div(a, b float32) float32 { f.note(a, b); return a / b }

// sqrt is the correctly rounded float32 square root: the float64 root,
// rounded (TestSqrt32CorrectlyRounded checks that this is the same).
func (f *fpOps) sqrt(a float32) float32 { return float32(math.Sqrt(float64(a))) }

// The scalar definitions of the steps, operation by operation as their
// doc comments in step.go write them.

func refSGD(f *fpOps, w, g, v float32, s SGDStep) (float32, float32) {
	d := f.add(g, f.mul(s.WeightDecay, w))
	if s.Momentum != 0 {
		v = f.add(f.mul(s.Momentum, v), d)
		if s.Nesterov {
			d = f.add(d, f.mul(s.Momentum, v))
		} else {
			d = v
		}
	}
	return f.sub(w, f.mul(s.LR, d)), v
}

func refAdam(f *fpOps, w, g, m, v float32, s AdamStep) (float32, float32, float32) {
	if s.Decoupled {
		w = f.mul(s.Shrink, w)
	} else {
		g = f.add(g, f.mul(s.WeightDecay, w))
	}
	m = f.add(f.mul(s.Beta1, m), f.mul(1-s.Beta1, g))
	v = f.add(f.mul(s.Beta2, v), f.mul(f.mul(1-s.Beta2, g), g))
	den := f.add(f.div(f.sqrt(v), s.Root2), s.Eps)
	return f.sub(w, f.div(f.mul(s.StepSize, m), den)), m, v
}

func refRMSProp(f *fpOps, w, g, sq, buf float32, s RMSPropStep) (float32, float32, float32) {
	g = f.add(g, f.mul(s.WeightDecay, w))
	sq = f.add(f.mul(s.Alpha, sq), f.mul(f.mul(1-s.Alpha, g), g))
	d := f.div(g, f.add(f.sqrt(sq), s.Eps))
	if s.Momentum != 0 {
		buf = f.add(f.mul(s.Momentum, buf), d)
		d = buf
	}
	return f.sub(w, f.mul(s.LR, d)), sq, buf
}

// stepCase is one optimiser step for testStep.
type stepCase struct {
	name   string
	slices int // w, g, and the state the step keeps
	// run applies the kernel to the slices.
	run func(k *kernels, s [][]float32)
	// ref gives the i-th element of every slice after the step from their
	// values before.
	ref func(f *fpOps, in []float32) []float32
}

// testStep runs a step on every length of testLengths, each slice at its
// own misalignment and surrounded by guards, once on values with a third
// of specials and once on finite ones, and compares every element of every
// slice with the scalar definition.
func testStep(t *testing.T, c stepCase) {
	t.Run(c.name, func(t *testing.T) {
		forEachImpl(t, func(t *testing.T, k *kernels) {
			r := rand.New(rand.NewPCG(20, uint64(c.slices)))
			for _, values := range []func(*rand.Rand, int) []float32{randomValues, finiteValues} {
				for _, n := range testLengths() {
					for off := range 4 {
						before := make([][]float32, c.slices)
						bufs := make([][]float32, c.slices)
						slices := make([][]float32, c.slices)
						for j := range slices {
							before[j] = values(r, n)
							bufs[j], slices[j] = placed(before[j], (off+j)%4)
						}
						c.run(k, slices)
						for j := range slices {
							checkGuards(t, bufs[j], (off+j)%4, n)
						}
						in := make([]float32, c.slices)
						for i := range n {
							for j := range in {
								in[j] = before[j][i]
							}
							var f fpOps
							want := c.ref(&f, in)
							for j := range want {
								if got := slices[j][i]; !sameResult(got, want[j], f.twoNaNs) {
									t.Fatalf("%s: n=%d offset %d: element %d of slice %d: got %v (%#08x), want %v (%#08x) from %v",
										c.name, n, off, i, j, got, math.Float32bits(got), want[j], math.Float32bits(want[j]), in)
								}
							}
						}
					}
				}
			}
		})
	})
}

func TestSGD(t *testing.T) {
	for _, c := range []struct {
		name string
		s    SGDStep
	}{
		{"plain", SGDStep{LR: 0.1}},
		{"decay", SGDStep{LR: 0.01, WeightDecay: 5e-4}},
		{"momentum", SGDStep{LR: 0.01, Momentum: 0.9}},
		{"nesterov-decay", SGDStep{LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4, Nesterov: true}},
		{"odd", SGDStep{LR: -2.5, Momentum: -0.5, WeightDecay: 3, Nesterov: true}},
		{"infinite-rate", SGDStep{LR: float32(math.Inf(1)), Momentum: 1.5}},
	} {
		s := c.s
		if s.Momentum == 0 {
			testStep(t, stepCase{
				name:   c.name,
				slices: 2, // w, g
				run:    func(k *kernels, x [][]float32) { k.sgd(x[0], x[1], s) },
				ref: func(f *fpOps, in []float32) []float32 {
					w, _ := refSGD(f, in[0], in[1], 0, s)
					return []float32{w, in[1]}
				},
			})
			continue
		}
		testStep(t, stepCase{
			name:   c.name,
			slices: 3, // w, g, v
			run:    func(k *kernels, x [][]float32) { k.sgdMomentum(x[0], x[1], x[2], s) },
			ref: func(f *fpOps, in []float32) []float32 {
				w, v := refSGD(f, in[0], in[1], in[2], s)
				return []float32{w, in[1], v}
			},
		})
	}
}

func TestAdam(t *testing.T) {
	const lr, b1, b2, steps = 1e-3, 0.9, 0.999, 3
	c1 := 1 - math.Pow(b1, steps)
	c2 := 1 - math.Pow(b2, steps)
	adam := AdamStep{Beta1: b1, Beta2: b2, StepSize: float32(lr / c1), Root2: float32(math.Sqrt(c2)), Eps: 1e-8}
	l2, adamW, odd := adam, adam, adam
	l2.WeightDecay = 0.01
	adamW.Decoupled, adamW.Shrink, adamW.WeightDecay = true, float32(1-lr*0.01), 123 // not used
	odd.Beta1, odd.Beta2, odd.Root2, odd.Eps, odd.WeightDecay = 1.5, -0.5, 0, 0, -7
	for _, c := range []struct {
		name string
		s    AdamStep
	}{{"adam", adam}, {"adam-decay", l2}, {"adamw", adamW}, {"odd", odd}} {
		s := c.s
		testStep(t, stepCase{
			name:   c.name,
			slices: 4, // w, g, m, v
			run:    func(k *kernels, x [][]float32) { k.adam(x[0], x[1], x[2], x[3], s) },
			ref: func(f *fpOps, in []float32) []float32 {
				w, m, v := refAdam(f, in[0], in[1], in[2], in[3], s)
				return []float32{w, in[1], m, v}
			},
		})
	}
}

func TestRMSProp(t *testing.T) {
	for _, c := range []struct {
		name string
		s    RMSPropStep
	}{
		{"plain", RMSPropStep{LR: 0.01, Alpha: 0.99, Eps: 1e-8}},
		{"decay", RMSPropStep{LR: 0.01, Alpha: 0.99, Eps: 1e-8, WeightDecay: 1e-4}},
		{"momentum-decay", RMSPropStep{LR: 0.01, Alpha: 0.99, Eps: 1e-8, Momentum: 0.9, WeightDecay: 1e-4}},
		{"odd", RMSPropStep{LR: -3, Alpha: 2, Eps: 0, Momentum: -0.25, WeightDecay: 5}},
	} {
		s := c.s
		if s.Momentum == 0 {
			testStep(t, stepCase{
				name:   c.name,
				slices: 3, // w, g, sq
				run:    func(k *kernels, x [][]float32) { k.rmsProp(x[0], x[1], x[2], nil, s) },
				ref: func(f *fpOps, in []float32) []float32 {
					w, sq, _ := refRMSProp(f, in[0], in[1], in[2], 0, s)
					return []float32{w, in[1], sq}
				},
			})
			continue
		}
		testStep(t, stepCase{
			name:   c.name,
			slices: 4, // w, g, sq, buf
			run:    func(k *kernels, x [][]float32) { k.rmsProp(x[0], x[1], x[2], x[3], s) },
			ref: func(f *fpOps, in []float32) []float32 {
				w, sq, buf := refRMSProp(f, in[0], in[1], in[2], in[3], s)
				return []float32{w, in[1], sq, buf}
			},
		})
	}
}

// TestStepsByHand checks one step of each rule on numbers worked out by
// hand (all exact in float32), through the exported functions.
func TestStepsByHand(t *testing.T) {
	// SGD, lr 0.5, momentum 0.5, decay 0.25, from w = 2, g = 1, v = 4:
	// d = 1 + 0.5 = 1.5, v = 2 + 1.5 = 3.5; classical w = 2 − 1.75 =
	// 0.25; Nesterov d = 1.5 + 1.75 = 3.25, w = 2 − 1.625 = 0.375; without
	// momentum w = 2 − 0.75 = 1.25.
	for _, c := range []struct {
		s     SGDStep
		w, v  float32
		noBuf bool
	}{
		{SGDStep{LR: 0.5, Momentum: 0.5, WeightDecay: 0.25}, 0.25, 3.5, false},
		{SGDStep{LR: 0.5, Momentum: 0.5, WeightDecay: 0.25, Nesterov: true}, 0.375, 3.5, false},
		{SGDStep{LR: 0.5, WeightDecay: 0.25}, 1.25, 4, true},
	} {
		w, g, v := []float32{2}, []float32{1}, []float32{4}
		if c.noBuf {
			SGD(w, g, nil, c.s)
		} else {
			SGD(w, g, v, c.s)
		}
		if w[0] != c.w || (!c.noBuf && v[0] != c.v) {
			t.Errorf("SGD %+v: w = %v, v = %v; want %v, %v", c.s, w[0], v[0], c.w, c.v)
		}
	}

	// Adam, β₁ 0.5, β₂ 0.75, step size 0.5, root2 0.5, ε 0.25, decay 0.5,
	// from w = 2, g = 1, m = 2, v = 4: g = 1 + 1 = 2; m = 1 + 1 = 2;
	// v = 3 + 0.5·2 = 4; w = 2 − 1/(2/0.5 + 0.25) = 2 − 1/4.25 (rounded).
	// AdamW, shrink 0.5: w = 1, g = 1, m = 1.5, v = 3.25,
	// w = 1 − 0.75/(√3.25/0.5 + 0.25).
	for _, decoupled := range []bool{false, true} {
		s := AdamStep{Beta1: 0.5, Beta2: 0.75, StepSize: 0.5, Root2: 0.5, Eps: 0.25, WeightDecay: 0.5, Decoupled: decoupled, Shrink: 0.5}
		w, g, m, v := []float32{2}, []float32{1}, []float32{2}, []float32{4}
		Adam(w, g, m, v, s)
		wantW, wantM, wantV := 2-float32(1)/4.25, float32(2), float32(4)
		if decoupled {
			den := float32(math.Sqrt(3.25))/0.5 + 0.25
			wantW, wantM, wantV = 1-float32(0.75)/den, 1.5, 3.25
		}
		if w[0] != wantW || m[0] != wantM || v[0] != wantV {
			t.Errorf("Adam (decoupled %v): w, m, v = %v, %v, %v; want %v, %v, %v", decoupled, w[0], m[0], v[0], wantW, wantM, wantV)
		}
	}

	// RMSProp, lr 0.5, α 0.75, ε 1, momentum 0.5, decay 0.5, from w = 2,
	// g = 1, sq = 4, buf = 2: g = 2; sq = 3 + 1 = 4; d = 2/(2 + 1) = 2/3;
	// buf = 1 + 2/3; w = 2 − 0.5·(5/3).
	w, g, sq, buf := []float32{2}, []float32{1}, []float32{4}, []float32{2}
	RMSProp(w, g, sq, buf, RMSPropStep{LR: 0.5, Alpha: 0.75, Eps: 1, Momentum: 0.5, WeightDecay: 0.5})
	d := float32(2) / 3
	b := 1 + d
	if wantW := 2 - float32(0.5*b); w[0] != wantW || sq[0] != 4 || buf[0] != b {
		t.Errorf("RMSProp: w, sq, buf = %v, %v, %v; want %v, 4, %v", w[0], sq[0], buf[0], wantW, b)
	}
}

// TestSqrt32CorrectlyRounded checks that the float64 square root of a
// float32, rounded to float32, is the correctly rounded float32 root, for
// every float32 in [1, 4) (every significand, at both exponent parities;
// scaling x by 4 scales its root by exactly 2) and for random subnormals.
// The test is exact: the midpoints between r and its neighbours have 25
// significant bits, so their squares are exact in float64.
func TestSqrt32CorrectlyRounded(t *testing.T) {
	check := func(x float32) {
		r := float32(math.Sqrt(float64(x)))
		lo := (float64(math.Nextafter32(r, 0)) + float64(r)) / 2
		hi := (float64(r) + float64(math.Nextafter32(r, 4))) / 2
		if !(lo*lo < float64(x) && float64(x) < hi*hi) {
			t.Fatalf("√%v (%#08x) rounded to %v, which is not the nearest float32", x, math.Float32bits(x), r)
		}
	}
	for b := math.Float32bits(1); b < math.Float32bits(4); b++ {
		check(math.Float32frombits(b))
	}
	r := rand.New(rand.NewPCG(30, 31))
	for range 100000 {
		check(math.Float32frombits(1 + r.Uint32N(0x007fffff)))
	}
}

// TestSqrtMatchesGo checks that the kernels' square root (VSQRTPS) is
// sqrt32 for every float32 v in [1, 2), run through Adam set up so that
// w becomes −1/√v: β₁ = β₂ = 1 and g = 0 leave m = 1 and v as they are,
// and Root2 = 1, ε = 0 make the denominator √v. On [1, 2), 1/√v falls by
// more than one unit in the last place from one root to the next, so
// different roots give different results.
func TestSqrtMatchesGo(t *testing.T) {
	s := AdamStep{Beta1: 1, Beta2: 1, StepSize: 1, Root2: 1}
	const chunk = 1 << 16
	w, g, m, v := make([]float32, chunk), make([]float32, chunk), make([]float32, chunk), make([]float32, chunk)
	forEachImpl(t, func(t *testing.T, k *kernels) {
		for start := math.Float32bits(1); start < math.Float32bits(2); start += chunk {
			for i := range chunk {
				w[i], g[i], m[i], v[i] = 0, 0, 1, math.Float32frombits(start+uint32(i))
			}
			k.adam(w, g, m, v, s)
			for i := range chunk {
				x := math.Float32frombits(start + uint32(i))
				if want := -(1 / sqrt32(x)); !sameBits(w[i], want) {
					t.Fatalf("v = %v: −1/√v = %v, want %v", x, w[i], want)
				}
			}
		}
	})
}
