package vec

import "math"

// The passes of batch normalisation, each fused into one pass over its
// slices: the statistics of a channel (Moments), the normalisation itself
// with the ReLU that usually follows it (Normalize), and the two passes
// of its gradient (NormGradSums, NormGrad), which take the gradient back
// through that ReLU on the way, working out from the normalisation's
// input where it let values through rather than reading its output.
//
// Sums are kept in float64, in normLanes partial sums: element i goes to
// partial sum i mod normLanes, starting from +0, and the partial sums are
// then added as
//
//	t[j] = s[j] + s[j+8]   for j < 8
//	t[j] = t[j] + t[j+4]   for j < 4, then likewise with 2 and 1
//
// The product of two float32 values is exact in float64, so a sum of
// squares or of products rounds only where it adds.

// normLanes is the number of partial sums the normalisation passes keep.
const normLanes = 16

// Moments returns Σ x[i] and Σ x[i]², in float64, added in the order
// described above.
func Moments(x []float32) (sum, squares float64) { return active.moments(x) }

// Normalize sets dst[i] = a·x[i] + b, the product rounded to float32
// before the sum. With relu, it then applies a ReLU as Relu does: +0
// where the result is negative, the result itself otherwise.
func Normalize(dst, x []float32, a, b float32, relu bool) {
	sameLen("Normalize", "dst", len(dst), "x", len(x))
	active.normalize(dst, x, a, b, relu)
}

// A ReLUMask describes the ReLU that followed a normalisation
// y = A·x + B (Normalize with relu), so that its gradient can be taken
// back from x alone, without the stored output: the ReLU let through the
// values whose A·x + B, rounded as Normalize rounds it, is not ≤ 0
// (positive, or NaN), as ReluBackward has it. The zero ReLUMask is no
// ReLU.
type ReLUMask struct {
	On   bool
	A, B float32
}

// NormGradSums returns Σ g[i] and Σ g[i]·x[i] in float64, added in the
// order described above, where g is dy taken back through the ReLU m
// describes: g[i] = dy[i] where the ReLU let x[i]'s value through, +0
// elsewhere (dy itself when m is off).
func NormGradSums(dy, x []float32, m ReLUMask) (sumG, sumGX float64) {
	sameLen("NormGradSums", "dy", len(dy), "x", len(x))
	return active.normGradSums(dy, x, m)
}

// NormGrad sets dx[i] = (a·g[i] + b·x[i]) + c, with g as in
// NormGradSums: each product rounded to float32, then their sum, then
// the sum with c. dx may be dy itself.
func NormGrad(dx, dy, x []float32, m ReLUMask, a, b, c float32) {
	sameLen("NormGrad", "dx", len(dx), "dy", len(dy))
	sameLen("NormGrad", "dx", len(dx), "x", len(x))
	active.normGrad(dx, dy, x, m, a, b, c)
}

func momentsGo(x []float32) (sum, squares float64) {
	var s, q [normLanes]float64
	for len(x) >= normLanes {
		for j := range s {
			v := float64(x[j])
			s[j] += v
			q[j] += v * v
		}
		x = x[normLanes:]
	}
	for j, v := range x {
		s[j] += float64(v)
		q[j] += float64(v) * float64(v)
	}
	return foldNormLanes(&s), foldNormLanes(&q)
}

// foldNormLanes adds up the partial sums of the normalisation passes.
func foldNormLanes(s *[normLanes]float64) float64 {
	var t [8]float64
	for j := range t {
		t[j] = s[j] + s[j+8]
	}
	for half := 4; half > 0; half /= 2 {
		for j := range half {
			t[j] += t[j+half]
		}
	}
	return t[0]
}

func normalizeGo(dst, x []float32, a, b float32, relu bool) {
	dst = dst[:len(x)]
	for i, v := range x {
		r := float32(a*v) + b
		if relu {
			keep := ^uint32(0)
			if r < 0 {
				keep = 0
			}
			r = math.Float32frombits(math.Float32bits(r) & keep)
		}
		dst[i] = r
	}
}

// through returns g taken back through the ReLU m describes at x: g
// where !(A·x + B ≤ 0), +0 elsewhere, the sign tested as the assembly
// does.
func (m ReLUMask) through(g, x float32) float32 {
	if !m.On {
		return g
	}
	keep := ^uint32(0)
	if float32(m.A*x)+m.B <= 0 {
		keep = 0
	}
	return math.Float32frombits(math.Float32bits(g) & keep)
}

func normGradSumsGo(dy, x []float32, m ReLUMask) (sumG, sumGX float64) {
	var s, q [normLanes]float64
	x = x[:len(dy)]
	for i, g := range dy {
		g = m.through(g, x[i])
		s[i%normLanes] += float64(g)
		q[i%normLanes] += float64(g) * float64(x[i])
	}
	return foldNormLanes(&s), foldNormLanes(&q)
}

func normGradGo(dx, dy, x []float32, m ReLUMask, a, b, c float32) {
	dx, x = dx[:len(dy)], x[:len(dy)]
	for i, g := range dy {
		g = m.through(g, x[i])
		dx[i] = float32(float32(a*g)+float32(b*x[i])) + c
	}
}
