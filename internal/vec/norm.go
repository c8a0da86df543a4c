package vec

import (
	"fmt"
	"math"
)

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

// Runs says where a normalisation pass finds its values: Count runs of N
// consecutive elements whose starts lie Stride elements apart, the first
// at the start of the slices. Channel c of a batch of NCHW images is
// Runs{N: H·W, Stride: C·H·W, Count: images} from the channel's first
// value; feature f of a flat batch [images, F] is Runs{N: 1, Stride: F,
// Count: images} from element f. A channel is one call, where it would
// be a call per image: on small images (a 3×3 plane is 9 values) the
// calls would cost more than the arithmetic.
//
// The sums of a pass are taken run by run, each in the order described
// above, and the runs' sums added in turn to +0.
type Runs struct{ N, Stride, Count int }

// Run returns the single run of n values from the first: an image plane
// of n = H·W values taken on its own.
func Run(n int) Runs { return Runs{N: n, Stride: n, Count: 1} }

// span returns how many elements r covers, from the first run's start
// to the last run's end, after checking that the runs are well formed
// and do not overlap.
func (r Runs) span(name string) int {
	if r.N < 0 || r.Count < 0 || r.Count > 1 && r.Stride < r.N {
		panic(fmt.Sprintf("vec.%s: %d runs of %d elements %d apart", name, r.Count, r.N, r.Stride))
	}
	if r.Count == 0 {
		return 0
	}
	return (r.Count-1)*r.Stride + r.N
}

// covers panics unless a slice of n elements holds the runs r.
func (r Runs) covers(name, arg string, n int) {
	if span := r.span(name); n < span {
		panic(fmt.Sprintf("vec.%s: len(%s) = %d but the runs reach %d", name, arg, n, span))
	}
}

// Moments returns Σ x[i] and Σ x[i]², in float64, over the runs r of x.
// Each run is summed on its own and the runs' sums are added in turn to
// +0, so a caller that sums the runs one call at a time and adds the
// results in the same order gets the same bits.
func Moments(x []float32, r Runs) (sum, squares float64) {
	r.covers("Moments", "x", len(x))
	return active.moments(x, r)
}

// Normalize sets dst[i] = a·x[i] + b over the runs r of each, the product
// rounded to float32 before the sum. With relu, it then applies a ReLU as
// Relu does: +0 where the result is negative, the result itself
// otherwise.
func Normalize(dst, x []float32, r Runs, a, b float32, relu bool) {
	r.covers("Normalize", "dst", len(dst))
	r.covers("Normalize", "x", len(x))
	active.normalize(dst, x, r, a, b, relu)
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

// NormGradSums returns Σ g[i] and Σ g[i]·x[i] in float64 over the runs r
// of each, where g is dy taken back through the ReLU m describes: g[i] =
// dy[i] where the ReLU let x[i]'s value through, +0 elsewhere (dy itself
// when m is off).
func NormGradSums(dy, x []float32, r Runs, m ReLUMask) (sumG, sumGX float64) {
	r.covers("NormGradSums", "dy", len(dy))
	r.covers("NormGradSums", "x", len(x))
	return active.normGradSums(dy, x, r, m)
}

// NormGrad sets dx[i] = (a·g[i] + b·x[i]) + c over the runs r of each,
// with g as in NormGradSums: each product rounded to float32, then their
// sum, then the sum with c. dx may be dy itself.
func NormGrad(dx, dy, x []float32, r Runs, m ReLUMask, a, b, c float32) {
	r.covers("NormGrad", "dx", len(dx))
	r.covers("NormGrad", "dy", len(dy))
	r.covers("NormGrad", "x", len(x))
	active.normGrad(dx, dy, x, r, m, a, b, c)
}

// run returns run i of r in s.
func (r Runs) run(s []float32, i int) []float32 { return s[i*r.Stride : i*r.Stride+r.N] }

// The portable passes: each run by the functions after them, the runs'
// sums added in turn.

func momentsGo(x []float32, r Runs) (sum, squares float64) {
	for i := range r.Count {
		s, q := momentsRunGo(r.run(x, i))
		sum += s
		squares += q
	}
	return sum, squares
}

func normalizeGo(dst, x []float32, r Runs, a, b float32, relu bool) {
	for i := range r.Count {
		normalizeRunGo(r.run(dst, i), r.run(x, i), a, b, relu)
	}
}

func normGradSumsGo(dy, x []float32, r Runs, m ReLUMask) (sumG, sumGX float64) {
	for i := range r.Count {
		s, q := normGradSumsRunGo(r.run(dy, i), r.run(x, i), m)
		sumG += s
		sumGX += q
	}
	return sumG, sumGX
}

func normGradGo(dx, dy, x []float32, r Runs, m ReLUMask, a, b, c float32) {
	for i := range r.Count {
		normGradRunGo(r.run(dx, i), r.run(dy, i), r.run(x, i), m, a, b, c)
	}
}

func momentsRunGo(x []float32) (sum, squares float64) {
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

func normalizeRunGo(dst, x []float32, a, b float32, relu bool) {
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

func normGradSumsRunGo(dy, x []float32, m ReLUMask) (sumG, sumGX float64) {
	var s, q [normLanes]float64
	x = x[:len(dy)]
	for i, g := range dy {
		g = m.through(g, x[i])
		s[i%normLanes] += float64(g)
		q[i%normLanes] += float64(g) * float64(x[i])
	}
	return foldNormLanes(&s), foldNormLanes(&q)
}

func normGradRunGo(dx, dy, x []float32, m ReLUMask, a, b, c float32) {
	dx, x = dx[:len(dy)], x[:len(dy)]
	for i, g := range dy {
		g = m.through(g, x[i])
		dx[i] = float32(float32(a*g)+float32(b*x[i])) + c
	}
}
