package augment

import "math"

// affine maps a pixel (x, y) of the output image (x across, y down) to the
// point of the input image whose value it takes:
//
//	sx = xx*x + xy*y + x0
//	sy = yx*x + yy*y + y0
//
// Mapping each output pixel back to the input, rather than pushing input
// pixels forward, gives every output pixel exactly one value and leaves no
// holes.
type affine struct {
	xx, xy, x0 float64
	yx, yy, y0 float64
}

// identityMap takes every pixel from where it already is.
var identityMap = affine{xx: 1, yy: 1}

// inverseMap returns the mapping from output to input pixels of an h×w
// image for the draw d, and whether it is exact: a whole-pixel mapping
// (flips, quarter turns, shifts) that copies pixels without interpolating.
//
// The draw's changes happen to the image in this order: flips (left–right,
// then top–bottom), quarter turns, rotation and zoom about the centre, the
// shift, and last the random resized crop. The inverse undoes them in the opposite order. Positive
// angles and quarter turns turn the image anticlockwise as displayed.
func (d draw) inverseMap(h, w int) (m affine, exact bool) {
	// The linear part, acting on offsets from the centre: undo the zoom
	// and the rotation...
	cos, sin := math.Cos(d.angle)/d.scale, math.Sin(d.angle)/d.scale
	a, b := cos, -sin
	c, e := sin, cos
	// ... then each quarter turn: output (u, v) came from input (−v, u) ...
	for range d.quarter {
		a, b, c, e = -c, -e, a, b
	}
	// ... then the flips, which negate one coordinate.
	if d.flipV {
		c, e = -c, -e
	}
	if d.flipH {
		a, b = -a, -b
	}
	// Offsets are taken from the centre (cx, cy) after undoing the shift:
	// sx = cx + a*(x−cx−dx) + b*(y−cy−dy), and likewise sy.
	cx, cy := float64(w-1)/2, float64(h-1)/2
	ux, uy := cx+float64(d.dx), cy+float64(d.dy)
	m = affine{
		xx: a, xy: b, x0: cx - a*ux - b*uy,
		yx: c, yy: e, y0: cy - c*ux - e*uy,
	}
	if d.cropKX != 1 || d.cropKY != 1 || d.cropX != 0 || d.cropY != 0 {
		// The crop came last: undo it first. Output (x, y) is the point
		// (cropX + cropKX·x, cropY + cropKY·y) of what m maps from.
		m = affine{
			xx: m.xx * d.cropKX, xy: m.xy * d.cropKY, x0: m.xx*d.cropX + m.xy*d.cropY + m.x0,
			yx: m.yx * d.cropKX, yy: m.yy * d.cropKY, y0: m.yx*d.cropX + m.yy*d.cropY + m.y0,
		}
		return m, false
	}
	return m, d.angle == 0 && d.scale == 1
}

// permute fills dst with the pixels of src [C, h, w] that the whole-pixel
// mapping m picks, and fill[c] where it points outside the image (C is
// len(fill)).
// Along a row of the output, the source walks along a row or a column of
// the input, one pixel at a time, so each output row is a run of fill, a
// run of copied pixels and another run of fill.
func permute(dst, src []float32, h, w int, m affine, fill []float32) {
	xx, xy, x0 := int(m.xx), int(m.xy), int(math.Round(m.x0))
	yx, yy, y0 := int(m.yx), int(m.yy), int(math.Round(m.y0))
	plane := h * w
	step := yx*w + xx // from one source pixel to the next along an output row
	for y := range h {
		// Output pixel (x, y) comes from (xx*x + bx, yx*x + by).
		bx, by := xy*y+x0, yy*y+y0
		loX, hiX := inside(xx, bx, w, w)
		loY, hiY := inside(yx, by, h, w)
		lo, hi := max(loX, loY), min(hiX, hiY)
		hi = max(hi, lo)
		start := (yx*lo+by)*w + xx*lo + bx
		for ch, fill := range fill {
			row := dst[ch*plane+y*w : ch*plane+(y+1)*w]
			in := src[ch*plane : (ch+1)*plane]
			for x := range lo {
				row[x] = fill
			}
			switch {
			case lo == hi: // nothing to copy (start may lie outside the image)
			case step == 1:
				copy(row[lo:hi], in[start:])
			default:
				for x, i := lo, start; x < hi; x, i = x+1, i+step {
					row[x] = in[i]
				}
			}
			for x := hi; x < w; x++ {
				row[x] = fill
			}
		}
	}
}

// inside returns the range [lo, hi) of x in [0, w) for which k*x + b lies
// in [0, n), for a step k of -1, 0 or 1. The range may be empty (lo >= hi).
func inside(k, b, n, w int) (lo, hi int) {
	switch k {
	case 1: // 0 <= x + b < n
		lo, hi = -b, n-b
	case -1: // 0 <= b − x < n
		lo, hi = b-n+1, b+1
	default:
		if b < 0 || b >= n {
			return 0, 0
		}
		lo, hi = 0, w
	}
	return max(lo, 0), min(hi, w)
}

// bilinear fills dst by sampling src [C, h, w] at the points the mapping m
// gives, each value a blend of the four pixels around the point, weighted
// by how close the point is to each. Pixels outside the image count as the
// fill value, so the image's edge fades into the fill over one pixel.
func (p *Pipeline) bilinear(dst, src []float32, h, w int, m affine) {
	plane := h * w
	xx, yx := float32(m.xx), float32(m.yx)
	for y := range h {
		rowX, rowY := float32(m.xy*float64(y)+m.x0), float32(m.yy*float64(y)+m.y0)
		for x := range w {
			sx, sy := xx*float32(x)+rowX, yx*float32(x)+rowY
			// (x0, y0) is the pixel up and to the left of (sx, sy), the
			// floor of each coordinate, found by truncating: exact down to
			// −2, and for points further out still below −1, which is
			// all that matters there.
			x0, y0 := int(sx+2)-2, int(sy+2)-2
			ax, ay := sx-float32(x0), sy-float32(y0) // how far past (x0, y0)
			o := y*w + x
			switch {
			case x0 >= 0 && y0 >= 0 && x0 < w-1 && y0 < h-1: // all four inside
				for i := y0*w + x0; i < len(src); i += plane { // each channel
					top := src[i] + ax*(src[i+1]-src[i])
					bottom := src[i+w] + ax*(src[i+w+1]-src[i+w])
					dst[o] = top + ay*(bottom-top)
					o += plane
				}
			case x0 < -1 || y0 < -1 || x0 >= w || y0 >= h: // all four outside
				for _, fill := range p.fill {
					dst[o] = fill
					o += plane
				}
			default: // on the edge
				for ch, fill := range p.fill {
					in := src[ch*plane : (ch+1)*plane]
					p00, p10 := pixelOr(in, h, w, x0, y0, fill), pixelOr(in, h, w, x0+1, y0, fill)
					p01, p11 := pixelOr(in, h, w, x0, y0+1, fill), pixelOr(in, h, w, x0+1, y0+1, fill)
					top := p00 + ax*(p10-p00)
					bottom := p01 + ax*(p11-p01)
					dst[o] = top + ay*(bottom-top)
					o += plane
				}
			}
		}
	}
}

// pixelOr returns the pixel (x, y) of the h×w plane in, or fill if (x, y)
// lies outside it.
func pixelOr(in []float32, h, w, x, y int, fill float32) float32 {
	if uint(x) < uint(w) && uint(y) < uint(h) {
		return in[y*w+x]
	}
	return fill
}
