package augment

import "math"

// adjustColour writes to dst the image src [C, plane] with the draw's
// colour changes applied: first brightness and contrast, channel by
// channel:
//
//	v' = clamp(mean + contrast*(v − mean) + brightness)
//
// where mean is the channel's mean over the image. Brightness moves every
// pixel up or down alike; contrast stretches or squeezes the pixels'
// spread about their mean, which it leaves in place. The two commute, so
// one pass does both, and the clamp keeps the result in [0, 1] (in the
// normalised range when the images are normalised). Then saturation and
// hue, pixel by pixel (see saturationHue). dst may be src.
func (p *Pipeline) adjustColour(dst, src []float32, plane int, d draw) {
	if d.brightness != 0 || d.contrast != 1 {
		p.brightnessContrast(dst, src, plane, d)
		src = dst
	}
	if d.saturation != 1 || d.hue != 0 {
		p.saturationHue(dst, src, plane, d)
	}
}

// brightnessContrast is adjustColour's brightness and contrast.
func (p *Pipeline) brightnessContrast(dst, src []float32, plane int, d draw) {
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

// saturationHue writes to dst the colour image src [3, plane] with each
// pixel's colour changed in YIQ space (Y the luma, I and Q the colour):
// its distance from its gray scaled by the saturation factor, and its
// colour turned about the gray axis by the hue angle,
//
//	I' = s·(I cos θ − Q sin θ)    Q' = s·(I sin θ + Q cos θ)
//
// leaving its luma, and the grays, as they are. The values are worked on
// as raw pixels (the normalisation undone, then done again) and clamped
// to [0, 1] unless NoClamp. dst may be src.
func (p *Pipeline) saturationHue(dst, src []float32, plane int, d draw) {
	s := float64(d.saturation)
	cos, sin := s*math.Cos(d.hue), s*math.Sin(d.hue)
	raw := func(v float32, ch int) float64 { return float64((v - p.fill[ch]) / p.pixelUnit[ch]) }
	for i := range plane {
		r, g, b := raw(src[i], 0), raw(src[plane+i], 1), raw(src[2*plane+i], 2)
		y := 0.299*r + 0.587*g + 0.114*b
		in := 0.595716*r - 0.274453*g - 0.321263*b
		q := 0.211456*r - 0.522591*g + 0.311135*b
		in, q = cos*in-sin*q, sin*in+cos*q
		out := [3]float64{
			y + 0.9563*in + 0.6210*q,
			y - 0.2721*in - 0.6474*q,
			y - 1.1070*in + 1.7046*q,
		}
		for ch, v := range out {
			if !p.opts.NoClamp {
				v = min(max(v, 0), 1)
			}
			dst[ch*plane+i] = float32(v)*p.pixelUnit[ch] + p.fill[ch]
		}
	}
}
