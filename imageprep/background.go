package imageprep

// Background estimation.
//
// A photo of paper is not evenly lit: one corner is in shadow, the lamp
// makes a bright patch, the paper is grey rather than white. A single
// threshold then either loses the faint end of a stroke or keeps a whole
// shadowed corner as "ink". So the background is estimated as a smooth
// surface and subtracted before any threshold is applied.
//
// The image (already turned so that ink is brighter than paper) is cut into
// a grid of square cells, about backgroundCells along the longer side. Each
// cell's background is a low quantile of its pixels, which is paper as long
// as ink covers less than three quarters of the cell. A morphological
// opening of the grid (the minimum over each cell's 3×3 neighbourhood, then
// the maximum over the same) removes the cells that a thick stroke does fill,
// while it leaves smooth illumination, a ramp for example, unchanged. The
// surface between cell centres is interpolated bilinearly.

const (
	backgroundCells    = 8
	minCellSide        = 4    // pixels; smaller images get fewer cells
	backgroundQuantile = 0.25 // of a cell's pixels
)

// estimateBackground returns the smooth background surface of p, in which
// ink is brighter than the background.
func estimateBackground(p *plane) *plane {
	side := max(minCellSide, (max(p.W, p.H)+backgroundCells-1)/backgroundCells)
	gw, gh := (p.W+side-1)/side, (p.H+side-1)/side

	grid := make([]float32, gw*gh)
	cell := make([]float32, 0, side*side)
	for gy := 0; gy < gh; gy++ {
		for gx := 0; gx < gw; gx++ {
			cell = cell[:0]
			for y := gy * side; y < min((gy+1)*side, p.H); y++ {
				cell = append(cell, p.Pix[y*p.W+gx*side:y*p.W+min((gx+1)*side, p.W)]...)
			}
			grid[gy*gw+gx] = quantile(sortedCopy(cell), backgroundQuantile)
		}
	}
	grid = openGrid(grid, gw, gh)

	// Bilinear interpolation between cell centres; beyond the outermost
	// centres the slope of the last two cells is continued, so that a
	// shadow deepening towards an edge is followed to the edge.
	centre := func(i, size int) float32 { // centre of cell i along an axis of size pixels
		return float32(i*side+min((i+1)*side, size)) / 2
	}
	type tap struct {
		i0, i1 int
		t      float32
	}
	taps := func(n, size int) []tap {
		out := make([]tap, size)
		for x := range out {
			if n == 1 {
				out[x] = tap{0, 0, 0}
				continue
			}
			c := float32(x) + 0.5
			i := 0 // the pair of cells (i, i+1) to interpolate between
			for i+2 < n && centre(i+1, size) <= c {
				i++
			}
			c0, c1 := centre(i, size), centre(i+1, size)
			out[x] = tap{i, i + 1, (c - c0) / (c1 - c0)} // t < 0 or > 1 at the edges
		}
		return out
	}
	tx, ty := taps(gw, p.W), taps(gh, p.H)
	bg := newPlane(p.W, p.H)
	for y, a := range ty {
		for x, b := range tx {
			top := grid[a.i0*gw+b.i0]*(1-b.t) + grid[a.i0*gw+b.i1]*b.t
			bot := grid[a.i1*gw+b.i0]*(1-b.t) + grid[a.i1*gw+b.i1]*b.t
			bg.Pix[y*p.W+x] = top*(1-a.t) + bot*a.t
		}
	}
	return bg
}

// openGrid returns the morphological opening of the w×h grid g with a 3×3
// square: the minimum over each cell's neighbourhood, then the maximum over
// the same. A bright patch narrower than three cells is flattened to its
// surroundings; a linear ramp is left as it is. So that the ramp survives at
// the edges too, the grid is first padded by one cell on every side,
// continuing the slope of its outer two cells.
func openGrid(g []float32, w, h int) []float32 {
	pw, ph := w+2, h+2
	p := make([]float32, pw*ph)
	at := func(x, y int) float32 { // g, extrapolated linearly one cell out
		ext := func(i, n int) (int, int, float32) { // index, inner neighbour, weight
			switch {
			case n == 1:
				return 0, 0, 0
			case i < 0:
				return 0, 1, 1
			case i >= n:
				return n - 1, n - 2, 1
			}
			return i, i, 0
		}
		x0, x1, wx := ext(x, w)
		y0, y1, wy := ext(y, h)
		v := g[y0*w+x0]
		v += wx * (g[y0*w+x0] - g[y0*w+x1])
		v += wy * (g[y0*w+x0] - g[y1*w+x0])
		return v
	}
	for y := 0; y < ph; y++ {
		for x := 0; x < pw; x++ {
			p[y*pw+x] = at(x-1, y-1)
		}
	}
	p = filter3x3(p, pw, ph, minf)
	p = filter3x3(p, pw, ph, maxf)
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		copy(out[y*w:(y+1)*w], p[(y+1)*pw+1:(y+1)*pw+1+w])
	}
	return out
}

// filter3x3 replaces each value of the w×h grid g by f of it and its
// (up to eight) neighbours.
func filter3x3(g []float32, w, h int, f func(a, b float32) float32) []float32 {
	out := make([]float32, len(g))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := g[y*w+x]
			for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
					v = f(v, g[yy*w+xx])
				}
			}
			out[y*w+x] = v
		}
	}
	return out
}

func minf(a, b float32) float32 { return min(a, b) }
func maxf(a, b float32) float32 { return max(a, b) }
