package vec

import "math"

// The portable implementations. They are what other architectures and the
// purego build tag run, the tails the AVX2 kernels leave over, and the
// definition the assembly is tested against, so each one computes exactly
// what its assembly twin does, down to the bits.
//
// Several of them choose between two values by a comparison. Written as an
// if on floats, that compiles to a branch, which on the random-looking
// signs of activations the processor mispredicts half the time; an if that
// only picks an integer compiles to a conditional move. So they compare
// the floats, but select among bit patterns.

var goKernels = kernels{
	name:         "purego",
	relu:         reluGo,
	reluBackward: reluBackwardGo,
	fill:         fillGo,
	add:          addGo,
	addTo:        addToGo,
	addScaled:    addScaledGo,
	mul:          mulGo,
	sum:          sumGo,
	maxPool2x2:   maxPool2x2Go,
	scale:        scaleGo,
	axpby:        axpbyGo,
	sumSquares:   sumSquaresGo,
	sgd:          sgdGo,
	sgdMomentum:  sgdMomentumGo,
	adam:         adamGo,
	rmsProp:      rmsPropGo,
	moments:      momentsGo,
	normalize:    normalizeGo,
	normGradSums: normGradSumsGo,
	normGrad:     normGradGo,
}

// reluGo is (x < 0 ? +0 : x), what VMAXPS computes with 0 as its first
// source and x as its second. Unlike Go's max(x, 0), it leaves −0 alone
// and returns a NaN as it is.
func reluGo(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		keep := ^uint32(0)
		if v < 0 {
			keep = 0
		}
		dst[i] = math.Float32frombits(math.Float32bits(v) & keep)
	}
}

// reluBackwardGo passes dy[i] where !(y[i] <= 0), the comparison the
// assembly makes (VCMPPS predicate NGE_UQ with the operands swapped).
func reluBackwardGo(dx, dy, y []float32) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	for i, v := range y {
		keep := ^uint32(0)
		if v <= 0 {
			keep = 0
		}
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & keep)
	}
}

func fillGo(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}

func addGo(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] += v
	}
}

// addToGo is addGo on a copy of x, then reluGo when relu is set.
func addToGo(dst, x, y []float32, relu bool) {
	dst, y = dst[:len(x)], y[:len(x)]
	for i, v := range x {
		v += y[i]
		if relu && v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// addScaledGo rounds the product before adding it: the conversion to
// float32 forbids the compiler to fuse the two into one multiply-add
// (which it otherwise may do, on arm64 and on amd64 with GOAMD64=v3).
func addScaledGo(dst, x []float32, a float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] += float32(a * v)
	}
}

func mulGo(dst, x, y []float32) {
	dst, y = dst[:len(x)], y[:len(x)]
	for i, v := range x {
		dst[i] = v * y[i]
	}
}

// sumGo adds in the order documented on Sum.
func sumGo(x []float32) float32 {
	var s [sumLanes]float32
	for len(x) >= sumLanes {
		for j := range s {
			s[j] += x[j]
		}
		x = x[sumLanes:]
	}
	for j, v := range x {
		s[j] += v
	}
	return foldLanes(&s)
}

// foldLanes adds up the 64 partial sums of Sum.
func foldLanes(s *[sumLanes]float32) float32 {
	var t [16]float32
	for j := range t {
		t[j] = (s[j] + s[j+16]) + (s[j+32] + s[j+48])
	}
	for half := 8; half > 0; half /= 2 {
		for j := range half {
			t[j] += t[j+half]
		}
	}
	return t[0]
}

// maxPool2x2Go takes each window's elements in order, as the assembly
// does.
func maxPool2x2Go(dst []float32, arg []int32, src []float32, h, w int) {
	oh, ow := h/2, w/2
	for r := range oh {
		top := src[2*r*w : 2*r*w+2*ow]
		bottom := src[(2*r+1)*w : (2*r+1)*w+2*ow]
		out := dst[r*ow : (r+1)*ow]
		outArg := arg[r*ow : (r+1)*ow]
		for c := range ow {
			t, b := top[2*c:2*c+2], bottom[2*c:2*c+2]
			// The window in order, as floats to compare and as bits to
			// pick: an if that only chooses between integers computed
			// beforehand compiles to conditional moves.
			v0, v1, v2, v3 := t[0], t[1], b[0], b[1]
			b0, b1, b2, b3 := math.Float32bits(v0), math.Float32bits(v1), math.Float32bits(v2), math.Float32bits(v3)
			i0 := int32(2*r*w + 2*c) // index of the top-left element
			i1, i2, i3 := i0+1, i0+int32(w), i0+int32(w)+1
			// Each challenger replaces the best so far if greater.
			best, at := b0, i0
			if v1 > math.Float32frombits(best) {
				best, at = b1, i1
			}
			if v2 > math.Float32frombits(best) {
				best, at = b2, i2
			}
			if v3 > math.Float32frombits(best) {
				best, at = b3, i3
			}
			out[c] = math.Float32frombits(best)
			outArg[c] = at
		}
	}
}

func scaleGo(dst []float32, a float32) {
	for i := range dst {
		dst[i] *= a
	}
}

func axpbyGo(dst, x []float32, a, b float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = float32(a*dst[i]) + float32(b*v)
	}
}

// sumSquaresGo adds in the order documented on SumSquares. The square of a
// float32 is exact in float64, so fusing it with the addition (as the
// compiler may) changes nothing.
func sumSquaresGo(x []float32) float64 {
	var s [squareLanes]float64
	for len(x) >= squareLanes {
		for j := range s {
			v := float64(x[j])
			s[j] += v * v
		}
		x = x[squareLanes:]
	}
	for j, v := range x {
		s[j] += float64(v) * float64(v)
	}
	return foldSquareLanes(&s)
}

// foldSquareLanes adds up the 32 partial sums of SumSquares.
func foldSquareLanes(s *[squareLanes]float64) float64 {
	var t [8]float64
	for j := range t {
		t[j] = (s[j] + s[j+8]) + (s[j+16] + s[j+24])
	}
	for half := 4; half > 0; half /= 2 {
		for j := range half {
			t[j] += t[j+half]
		}
	}
	return t[0]
}

// The optimiser steps, in the orders documented in step.go. Each product
// is converted to float32 so that the compiler cannot fuse it with the
// addition that follows.

func sgdGo(w, g []float32, s SGDStep) {
	lr, wd := s.LR, s.WeightDecay
	w = w[:len(g)]
	for i, gi := range g {
		d := gi + float32(wd*w[i])
		w[i] -= float32(lr * d)
	}
}

func sgdMomentumGo(w, g, v []float32, s SGDStep) {
	lr, mu, wd := s.LR, s.Momentum, s.WeightDecay
	w, v = w[:len(g)], v[:len(g)]
	for i, gi := range g {
		d := gi + float32(wd*w[i])
		vi := float32(mu*v[i]) + d
		v[i] = vi
		if s.Nesterov {
			d += float32(mu * vi)
		} else {
			d = vi
		}
		w[i] -= float32(lr * d)
	}
}

func adamGo(w, g, m, v []float32, s AdamStep) {
	b1, c1 := s.Beta1, 1-s.Beta1
	b2, c2 := s.Beta2, 1-s.Beta2
	w, m, v = w[:len(g)], m[:len(g)], v[:len(g)]
	for i, gi := range g {
		wi := w[i]
		if s.Decoupled {
			wi *= s.Shrink
		} else {
			gi += float32(s.WeightDecay * wi)
		}
		mi := float32(b1*m[i]) + float32(c1*gi)
		vi := float32(b2*v[i]) + float32(float32(c2*gi)*gi)
		m[i], v[i] = mi, vi
		den := sqrt32(vi)/s.Root2 + s.Eps
		w[i] = wi - float32(s.StepSize*mi)/den
	}
}

func rmsPropGo(w, g, sq, buf []float32, s RMSPropStep) {
	alpha, c := s.Alpha, 1-s.Alpha
	momentum := s.Momentum != 0
	w, sq = w[:len(g)], sq[:len(g)]
	if momentum {
		buf = buf[:len(g)]
	}
	for i, gi := range g {
		gi += float32(s.WeightDecay * w[i])
		si := float32(alpha*sq[i]) + float32(float32(c*gi)*gi)
		sq[i] = si
		d := gi / (sqrt32(si) + s.Eps)
		if momentum {
			d = float32(s.Momentum*buf[i]) + d
			buf[i] = d
		}
		w[i] -= float32(s.LR * d)
	}
}

// sqrt32 is the correctly rounded float32 square root (the float64 root
// of a float32 rounds to the same float32; the compiler makes it one
// SQRTSS on amd64).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
