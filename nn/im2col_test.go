package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocnn/gocnn/rng"
)

// randomGeom draws the geometry of a convolution for the im2col tests: 1
// to maxC channels, kernels up to 5x5, strides 1 to 3 (1 in every third
// trial, the shape of most convolutions; stride 1 across takes the 2-D
// copies), paddings up to larger than the kernel (whole rows and columns
// of windows in the padding), and images down to a single pixel.
func randomGeom(r *rng.RNG, trial, maxC int) convGeom {
	g := convGeom{c: 1 + r.IntN(maxC), kh: 1 + r.IntN(5), kw: 1 + r.IntN(5),
		strideH: 1 + r.IntN(3), strideW: 1 + r.IntN(3), padH: r.IntN(5), padW: r.IntN(5)}
	if trial%3 == 0 {
		g.strideH, g.strideW = 1, 1
	}
	g.h = max(1, g.kh-2*g.padH) + r.IntN(12)
	g.w = max(1, g.kw-2*g.padW) + r.IntN(30)
	g.oh = outSize(g.h, g.kh, g.strideH, g.padH)
	g.ow = outSize(g.w, g.kw, g.strideW, g.padW)
	g.ld = g.oh * g.ow
	return g
}

// TestIm2colMatchesDefinition checks im2col and col2im, bit for bit,
// against their definitions written as plain loops, on random geometries
// (randomGeom), with their planned and gathering variants where they
// apply.
func TestIm2colMatchesDefinition(t *testing.T) {
	r := rng.New(3)
	for trial := 0; trial < 300; trial++ {
		g := randomGeom(r, trial, 7)
		name := fmt.Sprintf("%+v", g)
		x := make([]float32, g.c*g.h*g.w)
		r.FillUniform(x, 1)
		k, p := g.c*g.kh*g.kw, g.oh*g.ow

		// im2col: every element, padding included (col starts as NaNs, so
		// a zero left unwritten shows).
		col := make([]float32, k*p)
		for i := range col {
			col[i] = float32(math.NaN())
		}
		g.im2col(x, col, nil)
		phased := g
		phased.planPhases()
		if phased.phases != nil {
			// A strided convolution's copies from the image's phases must
			// give the same bits.
			split := make([]float32, k*p)
			for i := range split {
				split[i] = float32(math.NaN())
			}
			phased.im2col(x, split, make([]float32, g.c*phased.phases.size))
			for i := range col {
				if math.Float32bits(split[i]) != math.Float32bits(col[i]) {
					t.Fatalf("%s: im2col from phases, element %d: got %v, want %v", name, i, split[i], col[i])
				}
			}
		}
		plan := g
		if err := plan.planIm2col(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if plan.plan != nil || plan.picks != nil {
			// The planned copies (picks, strided across) must give the same
			// bits.
			planned := make([]float32, k*p)
			for i := range planned {
				planned[i] = float32(math.NaN()) // shows any element left unwritten
			}
			if plan.plan != nil {
				plan.plan.Run(planned, g.kh*g.kw*p, x, g.h*g.w, g.c)
			} else {
				plan.picks.Run(planned, g.kh*g.kw*p, x, g.h*g.w, g.c)
			}
			for i := range col {
				if math.Float32bits(planned[i]) != math.Float32bits(col[i]) {
					t.Fatalf("%s: planned im2col element %d: got %v, want %v", name, i, planned[i], col[i])
				}
			}
		}
		for c := range g.c {
			for i := range g.kh {
				for j := range g.kw {
					row := (c*g.kh+i)*g.kw + j
					for oh := range g.oh {
						for ow := range g.ow {
							ih, iw := oh*g.strideH-g.padH+i, ow*g.strideW-g.padW+j
							var want float32
							if ih >= 0 && ih < g.h && iw >= 0 && iw < g.w {
								want = x[(c*g.h+ih)*g.w+iw]
							}
							if got := col[row*p+oh*g.ow+ow]; math.Float32bits(got) != math.Float32bits(want) {
								t.Fatalf("%s: im2col row (%d, %d, %d), output (%d, %d): got %v, want %v", name, c, i, j, oh, ow, got, want)
							}
						}
					}
				}
			}
		}

		// col2im: the same loops, adding each entry back in the same
		// order, so the sums agree exactly.
		r.FillUniform(col, 1)
		dx := make([]float32, len(x))
		r.FillUniform(dx, 1) // col2im must clear it first
		g.col2im(col, dx, nil)
		var phasedDX []float32
		if phased.phases != nil {
			phasedDX = make([]float32, len(x))
			r.FillUniform(phasedDX, 1)
			scratch := make([]float32, g.c*phased.phases.size)
			r.FillUniform(scratch, 1) // col2im must clear it too
			phased.col2im(col, phasedDX, scratch)
		}
		want := make([]float32, len(x))
		for c := range g.c {
			for i := range g.kh {
				for j := range g.kw {
					row := (c*g.kh+i)*g.kw + j
					for oh := range g.oh {
						for ow := range g.ow {
							ih, iw := oh*g.strideH-g.padH+i, ow*g.strideW-g.padW+j
							if ih >= 0 && ih < g.h && iw >= 0 && iw < g.w {
								want[(c*g.h+ih)*g.w+iw] += col[row*p+oh*g.ow+ow]
							}
						}
					}
				}
			}
		}
		for i := range want {
			if math.Float32bits(dx[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: col2im element %d: got %v, want %v", name, i, dx[i], want[i])
			}
			if phasedDX != nil && math.Float32bits(phasedDX[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: col2im onto phases, element %d: got %v, want %v", name, i, phasedDX[i], want[i])
			}
		}

		// The gathering col2im (picking, strided across) must give the
		// same bits.
		gather := g
		if err := gather.planCol2im(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r.FillUniform(dx, 1)
		switch {
		case gather.gather != nil:
			gather.col2imGather(col, dx)
		case gather.pickSums != nil:
			gather.pickSums.Run(dx, g.h*g.w, col, g.kh*g.kw*p, g.c)
		default:
			continue
		}
		for i := range want {
			if math.Float32bits(dx[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: gathering col2im element %d: got %v, want %v", name, i, dx[i], want[i])
			}
		}
	}
}

// TestIm2rowIsIm2colTransposed checks im2row against im2col, bit for bit,
// on random geometries: row p of im2row, read through rowOrder, must be
// column p of im2col, and the columns past K must stay untouched.
func TestIm2rowIsIm2colTransposed(t *testing.T) {
	r := rng.New(4)
	for trial := 0; trial < 300; trial++ {
		g := randomGeom(r, trial, 20)
		name := fmt.Sprintf("%+v", g)
		x := make([]float32, g.c*g.h*g.w)
		r.FillUniform(x, 1)
		k, p := g.c*g.kh*g.kw, g.oh*g.ow
		col := make([]float32, k*p)
		g.im2col(x, col, nil)

		xhwc := make([]float32, len(x))
		for c := range g.c {
			for i := range g.h * g.w {
				xhwc[i*g.c+c] = x[c*g.h*g.w+i]
			}
		}
		stride := k + r.IntN(3)
		rows := make([]float32, p*stride)
		for i := range rows {
			rows[i] = float32(math.NaN()) // shows any value left unwritten
		}
		g.im2row(xhwc, rows, stride)
		order := g.rowOrder()
		for pos := range p {
			for q := range stride {
				got := rows[pos*stride+q]
				if q >= k {
					if !math.IsNaN(float64(got)) {
						t.Fatalf("%s: im2row wrote column %d of row %d, past K = %d", name, q, pos, k)
					}
					continue
				}
				if want := col[order[q]*p+pos]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("%s: im2row row %d column %d (col row %d): got %v, want %v", name, pos, q, order[q], got, want)
				}
			}
		}
	}
}
