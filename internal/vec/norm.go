package vec

import "math"

// The passes of batch normalisation, each fused into one pass over its
// slices: the statistics of a channel (Moments), the normalisation itself
// with the ReLU that usually follows it (Normalize), and the two passes
// of its gradient (NormGradSums, NormGrad), which take the gradient back
// through that ReLU on the way.
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

// NormGradSums returns Σ g[i] and Σ g[i]·x[i] in float64, added in the
// order described above, where g is dy taken back through a ReLU whose
// output was y: g[i] = dy[i] where y[i] > 0 (or is NaN) and 0 where y[i]
// ≤ 0, as ReluBackward has it. With y nil, g is dy itself.
func NormGradSums(dy, y, x []float32) (sumG, sumGX float64) {
	sameLen("NormGradSums", "dy", len(dy), "x", len(x))
	if y != nil {
		sameLen("NormGradSums", "dy", len(dy), "y", len(y))
	}
	return active.normGradSums(dy, y, x)
}

// NormGrad sets dx[i] = (a·g[i] + b·x[i]) + c, with g as in
// NormGradSums: each product rounded to float32, then their sum, then
// the sum with c. dx may be dy itself.
func NormGrad(dx, dy, y, x []float32, a, b, c float32) {
	sameLen("NormGrad", "dx", len(dx), "dy", len(dy))
	sameLen("NormGrad", "dx", len(dx), "x", len(x))
	if y != nil {
		sameLen("NormGrad", "dx", len(dx), "y", len(y))
	}
	active.normGrad(dx, dy, y, x, a, b, c)
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

// reluGrad returns dy where !(y ≤ 0), +0 elsewhere: ReluBackward for one
// element, y's sign tested as its assembly does.
func reluGrad(dy, y float32) float32 {
	keep := ^uint32(0)
	if y <= 0 {
		keep = 0
	}
	return math.Float32frombits(math.Float32bits(dy) & keep)
}

func normGradSumsGo(dy, y, x []float32) (sumG, sumGX float64) {
	var s, q [normLanes]float64
	x = x[:len(dy)]
	for i, g := range dy {
		if y != nil {
			g = reluGrad(g, y[i])
		}
		s[i%normLanes] += float64(g)
		q[i%normLanes] += float64(g) * float64(x[i])
	}
	return foldNormLanes(&s), foldNormLanes(&q)
}

func normGradGo(dx, dy, y, x []float32, a, b, c float32) {
	dx, x = dx[:len(dy)], x[:len(dy)]
	for i, g := range dy {
		if y != nil {
			g = reluGrad(g, y[i])
		}
		dx[i] = float32(float32(a*g)+float32(b*x[i])) + c
	}
}
