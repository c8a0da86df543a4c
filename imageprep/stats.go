package imageprep

import (
	"math"
	"slices"
)

// sortedCopy returns the values sorted ascending, leaving v untouched.
func sortedCopy(v []float32) []float32 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s
}

// quantile returns the q-quantile (0 ≤ q ≤ 1) of ascending values s,
// interpolating linearly between neighbouring ranks. s must not be empty.
func quantile(s []float32, q float64) float32 {
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := float32(pos - float64(i))
	return s[i] + f*(s[i+1]-s[i])
}

// robustSpread returns the median of v and a noise level estimated from the
// median absolute deviation, scaled so that it equals the standard deviation
// for Gaussian noise. Unlike the standard deviation it is not inflated by
// the minority of pixels that are ink.
func robustSpread(v []float32) (median, sigma float32) {
	s := sortedCopy(v)
	median = quantile(s, 0.5)
	for i, x := range s {
		s[i] = float32(math.Abs(float64(x - median)))
	}
	slices.Sort(s)
	return median, 1.4826 * quantile(s, 0.5)
}

// borderValues returns the pixels of p within band pixels of its edge.
func borderValues(p *plane, band int) []float32 {
	var v []float32
	for y := 0; y < p.H; y++ {
		inRow := y < band || y >= p.H-band
		for x := 0; x < p.W; x++ {
			if inRow || x < band || x >= p.W-band {
				v = append(v, p.at(x, y))
			}
		}
	}
	return v
}
