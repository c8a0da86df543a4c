package imageprep

import "math"

// distanceToMask returns, for every pixel of a w×h grid, the Euclidean
// distance from its centre to the centre of the nearest pixel where mask is
// true (+Inf everywhere if the mask is empty).
//
// It is the exact algorithm of Felzenszwalb and Huttenlocher, "Distance
// Transforms of Sampled Functions" (2012): the squared distance separates
// into a 1-D transform down every column followed by one along every row,
// and each 1-D transform is the lower envelope of parabolas rooted at the
// samples, found in linear time.
func distanceToMask(mask []bool, w, h int) []float32 {
	const inf = math.MaxFloat64 / 4
	d := make([]float64, w*h)
	for i, m := range mask {
		if !m {
			d[i] = inf
		}
	}
	n := max(w, h)
	f := make([]float64, n)
	out := make([]float64, n)
	v := make([]int, n)
	z := make([]float64, n+1)
	for x := 0; x < w; x++ { // columns
		for y := 0; y < h; y++ {
			f[y] = d[y*w+x]
		}
		dt1(f[:h], out[:h], v, z)
		for y := 0; y < h; y++ {
			d[y*w+x] = out[y]
		}
	}
	for y := 0; y < h; y++ { // rows
		copy(f[:w], d[y*w:(y+1)*w])
		dt1(f[:w], out[:w], v, z)
		copy(d[y*w:(y+1)*w], out[:w])
	}
	dist := make([]float32, w*h)
	for i, s := range d {
		if s >= inf {
			dist[i] = float32(math.Inf(1))
		} else {
			dist[i] = float32(math.Sqrt(s))
		}
	}
	return dist
}

// dt1 is the 1-D squared distance transform: out[q] = min over p of
// (q-p)² + f[p]. v and z are scratch space of length ≥ len(f) and len(f)+1.
func dt1(f, out []float64, v []int, z []float64) {
	n := len(f)
	// Samples at +Inf (no mask pixel in that column) root no parabola.
	k := -1
	for q := 0; q < n; q++ {
		if f[q] >= math.MaxFloat64/4 {
			continue
		}
		for k >= 0 {
			p := v[k]
			s := ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*q-2*p)
			if s <= z[k] {
				k--
				continue
			}
			k++
			v[k], z[k], z[k+1] = q, s, math.Inf(1)
			break
		}
		if k < 0 {
			k = 0
			v[0], z[0], z[1] = q, math.Inf(-1), math.Inf(1)
		}
	}
	if k < 0 {
		for q := range out {
			out[q] = math.MaxFloat64 / 4
		}
		return
	}
	j := 0
	for q := 0; q < n; q++ {
		for z[j+1] < float64(q) {
			j++
		}
		p := v[j]
		out[q] = float64((q-p)*(q-p)) + f[p]
	}
}
