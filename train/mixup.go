package train

import (
	"math"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/rng"
)

// A mixer makes a batch into mixtures of its own examples (mixup: Zhang,
// Cissé, Dauphin and Lopez-Paz, 2018): with lam drawn from Beta(α, α) and
// a shuffle of the batch, example i becomes lam·xᵢ + (1 − lam)·x_{perm(i)},
// and it is learnt as lam parts of its class and 1 − lam parts of its
// partner's (nn.SoftmaxCrossEntropy.ForwardMixed). It keeps its buffers
// from one batch to the next, so mixing allocates nothing once warm.
//
// With cut set it is cutmix instead (Yun et al., 2019): a box of the
// partner, of a fraction 1 − lam of the image's area at a random place,
// is pasted over the example, and lam is then the part of the image left.
type mixer struct {
	alpha    float64
	cut      bool
	perm     []int
	partners []int
	copy     []float32
}

// mix mixes b in place, drawing from r, and returns lam and the partners'
// labels.
func (m *mixer) mix(b *data.Batch, r *rng.RNG) (lam float64, partners []int) {
	n := b.Len()
	lam = betaSym(m.alpha, r)
	m.perm = resize(m.perm, n)
	for i := range m.perm {
		m.perm[i] = i
	}
	r.Shuffle(m.perm)
	m.partners = resize(m.partners, n)
	x := b.Images.Data
	if cap(m.copy) < len(x) {
		m.copy = make([]float32, len(x))
	}
	m.copy = m.copy[:len(x)]
	copy(m.copy, x)
	size := len(x) / max(n, 1)
	for i, j := range m.perm {
		m.partners[i] = b.Labels[j]
	}
	if m.cut {
		return m.paste(b, r, lam), m.partners
	}
	a, c := float32(lam), float32(1-lam)
	for i, j := range m.perm {
		dst, src := x[i*size:(i+1)*size], m.copy[j*size:(j+1)*size]
		for k := range dst {
			dst[k] = a*dst[k] + c*src[k]
		}
	}
	return lam, m.partners
}

// paste pastes into every example of b the same box of its partner, of
// about 1 − lam of the area, at a place drawn from r, and returns the
// part of the image that is the example's own.
func (m *mixer) paste(b *data.Batch, r *rng.RNG, lam float64) float64 {
	c, h, w := b.Images.Shape[1], b.Images.Shape[2], b.Images.Shape[3]
	side := math.Sqrt(1 - lam)
	bh, bw := int(math.Round(side*float64(h))), int(math.Round(side*float64(w)))
	cy, cx := r.IntN(h), r.IntN(w)
	y0, y1 := max(cy-bh/2, 0), min(cy-bh/2+bh, h)
	x0, x1 := max(cx-bw/2, 0), min(cx-bw/2+bw, w)
	x, plane := b.Images.Data, h*w
	for i, j := range m.perm {
		for ch := range c {
			dst := x[(i*c+ch)*plane : (i*c+ch+1)*plane]
			src := m.copy[(j*c+ch)*plane : (j*c+ch+1)*plane]
			for y := y0; y < y1; y++ {
				copy(dst[y*w+x0:y*w+x1], src[y*w+x0:y*w+x1])
			}
		}
	}
	return 1 - float64((y1-y0)*(x1-x0))/float64(plane)
}

func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

// betaSym draws from the Beta(α, α) distribution as X/(X+Y), X and Y
// drawn from Gamma(α, 1).
func betaSym(alpha float64, r *rng.RNG) float64 {
	x, y := gamma(alpha, r), gamma(alpha, r)
	if x+y == 0 {
		return 0.5
	}
	return x / (x + y)
}

// gamma draws from Gamma(α, 1) by Marsaglia and Tsang's method (2000);
// for α < 1, as Gamma(α + 1)·U^(1/α).
func gamma(alpha float64, r *rng.RNG) float64 {
	if alpha < 1 {
		u := r.Float64()
		for u == 0 {
			u = r.Float64()
		}
		return gamma(alpha+1, r) * math.Pow(u, 1/alpha)
	}
	d := alpha - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.Normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
