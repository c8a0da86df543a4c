package augment

// adjustColour writes to dst the image src [C, plane] with the draw's
// brightness and contrast applied, channel by channel:
//
//	v' = clamp(mean + contrast*(v − mean) + brightness)
//
// where mean is the channel's mean over the image. Brightness moves every
// pixel up or down alike; contrast stretches or squeezes the pixels'
// spread about their mean, which it leaves in place. The two commute, so
// one pass does both, and the clamp keeps the result in [0, 1] (in the
// normalised range when the images are normalised). dst may be src.
func (p *Pipeline) adjustColour(dst, src []float32, plane int, d draw) {
	for ch := range p.channels {
		in, out := src[ch*plane:(ch+1)*plane], dst[ch*plane:(ch+1)*plane]
		var mean float32
		if d.contrast != 1 {
			mean = meanOf(in)
		}
		f := d.contrast
		offset := mean*(1-f) + d.brightness*p.pixelUnit[ch]
		lo, hi := p.lo[ch], p.hi[ch]
		for i, v := range in {
			v = f*v + offset
			if v < lo {
				v = lo
			} else if v > hi {
				v = hi
			}
			out[i] = v
		}
	}
}

// meanOf returns the mean of x, summed in float64 in four running sums
// (which the processor can add up side by side).
func meanOf(x []float32) float32 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return float32((s0 + s1 + s2 + s3) / float64(len(x)))
}
