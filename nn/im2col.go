package nn

import (
	"fmt"

	"github.com/gocnn/gocnn/internal/vec"
)

// im2col and col2im turn a convolution into a matrix multiply.
//
// A convolution slides a window of C×KH×KW input values over the image and
// takes, at each of the OH×OW output positions, a dot product of that
// window with each filter. im2col copies every window into a column of a
// matrix col with K = C·KH·KW rows and P = OH·OW columns:
//
//	col[(c·KH + i)·KW + j][oh·OW + ow] = x[c][oh·strideH - padH + i][ow·strideW - padW + j]
//
// (zero where the window hangs over the padding). The filters, stored as
// PyTorch stores them ([Out][C][KH][KW]), are then a matrix W of shape
// [Out, K], and the whole convolution of one image is the product
//
//	y = W·col        [Out, K]·[K, P] = [Out, P]
//
// col2im is its adjoint, used by the backward pass: it adds each entry of a
// [K, P] matrix back onto the input position it was copied from. Windows
// overlap, so one input pixel may receive several contributions.

// convGeom is the geometry of a 2-D convolution or pooling window.
type convGeom struct {
	c, h, w          int // input channels, height, width
	kh, kw           int // window height and width
	strideH, strideW int
	padH, padW       int
	oh, ow           int // output height and width

	// ld is the distance between rows of col: OH·OW, or more when col
	// holds the windows of several images side by side (see
	// Conv2D.images), image i's from column i·OH·OW.
	ld int

	// gather, when set (see planCol2im), is col2im's sums, a plan per
	// input row; pickSums is all of them for one channel of a
	// convolution strided across.
	gather   []*vec.SumPlan
	pickSums *vec.PickSumPlan
	// plan, when set (see planIm2col), is im2col's copies for one channel;
	// picks is the same for a strided convolution.
	plan  *vec.CopyPlan
	picks *vec.PickPlan
	// phases, when set (see planPhases), is how a strided convolution's
	// windows are copied from the image split into its phases.
	phases *phaseGeom
}

// phaseGeom is a convolution with stride s > 1 (the same down and across)
// seen as s² convolutions with stride 1. Phase (a, b) of an image plane
// holds the pixels whose row is a and column b modulo s:
//
//	phase[a][b][r][q] = x[s·r + a][s·q + b]
//
// Tap (i, j) of the window sees, at output (oh, ow), input row s·oh + i −
// padH = s·(oh + di) + a, with (di, a) the floor quotient and remainder
// of i − padH by s, and likewise across: one pixel of phase (a, b),
// shifted by (di, dj). So each tap's row of col is a stride-1 copy from
// one phase, which the vector kernels do, where a strided one goes
// pixel by pixel; and col2im adds each tap back onto its phase the same
// way, the phases then woven back into the image.
type phaseGeom struct {
	s     int
	off   []int      // off[a·s+b]: where phase (a, b) starts in a channel's phases
	size  int        // floats of one channel's phases: the image plane's
	taps  []convGeom // taps[i·KW+j]: tap (i, j) as a 1×1 stride-1 window over its phase
	phase []int      // phase[i·KW+j]: the phase tap (i, j) reads, a·s+b
	// used[a·s+b] says whether any tap reads phase (a, b). A 1×1
	// window with stride 2 reads only phase (0, 0): split leaves the
	// others unwritten, and weave writes zeros where they go.
	used []bool
}

// planPhases sets g.phases for a convolution with the same stride s > 1
// down and across; other strides are copied pixel by pixel.
func (g *convGeom) planPhases() {
	s := g.strideH
	if s < 2 || g.strideW != s {
		return
	}
	ph := &phaseGeom{s: s, off: make([]int, s*s), used: make([]bool, s*s)}
	dims := func(n, a int) int { return (n - a + s - 1) / s } // rows (or columns) ≡ a mod s
	for a := range s {
		for b := range s {
			ph.off[a*s+b] = ph.size
			ph.size += dims(g.h, a) * dims(g.w, b)
		}
	}
	floorDiv := func(n int) (q, r int) {
		q, r = n/s, n%s
		if r < 0 {
			q, r = q-1, r+s
		}
		return q, r
	}
	for i := range g.kh {
		di, a := floorDiv(i - g.padH)
		for j := range g.kw {
			dj, b := floorDiv(j - g.padW)
			ph.taps = append(ph.taps, convGeom{c: 1, h: dims(g.h, a), w: dims(g.w, b), kh: 1, kw: 1,
				strideH: 1, strideW: 1, padH: -di, padW: -dj, oh: g.oh, ow: g.ow, ld: g.ld})
			ph.phase = append(ph.phase, a*s+b)
			ph.used[a*s+b] = true
		}
	}
	g.phases = ph
}

// usesPhases reports whether im2col or col2im may split an image into
// its phases, and so need the scratch for them: a strided convolution
// that lacks one of its plans (picks, pickSums) or the masked loads that
// run them.
func (g *convGeom) usesPhases() bool {
	return g.phases != nil && (g.picks == nil || g.pickSums == nil || !vec.GathersFast())
}

// split writes the phases of the image x ([C, H, W]) that some tap reads
// into dst, channel after channel, ph.size floats each.
func (ph *phaseGeom) split(g *convGeom, x, dst []float32) {
	s := ph.s
	if s == 2 {
		// Each row splits into two phases' rows, its even and its odd
		// columns.
		we, wo := (g.w+1)/2, g.w/2
		for c := range g.c {
			plane, out := x[c*g.h*g.w:(c+1)*g.h*g.w], dst[c*ph.size:(c+1)*ph.size]
			for r := range g.h {
				a, k := r%2, r/2
				if !ph.used[2*a] && !ph.used[2*a+1] {
					continue
				}
				even, odd := out[ph.off[2*a]+k*we:], out[ph.off[2*a+1]+k*wo:]
				vec.Deinterleave(even[:we], odd[:wo], plane[r*g.w:(r+1)*g.w])
			}
		}
		return
	}
	for c := range g.c {
		plane, out := x[c*g.h*g.w:(c+1)*g.h*g.w], dst[c*ph.size:(c+1)*ph.size]
		for a := range s {
			for b := range s {
				if !ph.used[a*s+b] {
					continue
				}
				p := out[ph.off[a*s+b]:]
				w := (g.w - b + s - 1) / s
				k := 0
				for r := a; r < g.h; r += s {
					row := plane[r*g.w:]
					for q := range w {
						p[k+q] = row[b+q*s]
					}
					k += w
				}
			}
		}
	}
}

// weave writes each pixel of dx ([C, H, W]) from its phase in src: the
// inverse of split. Phases no tap reads (see used) must hold zeros in
// src, except that the rows of dx lying only in such phases are cleared
// without reading src.
func (ph *phaseGeom) weave(g *convGeom, src, dx []float32) {
	s := ph.s
	if s == 2 {
		we, wo := (g.w+1)/2, g.w/2
		for c := range g.c {
			plane, in := dx[c*g.h*g.w:(c+1)*g.h*g.w], src[c*ph.size:(c+1)*ph.size]
			for r := range g.h {
				a, k := r%2, r/2
				if !ph.used[2*a] && !ph.used[2*a+1] {
					clear(plane[r*g.w : (r+1)*g.w])
					continue
				}
				even, odd := in[ph.off[2*a]+k*we:], in[ph.off[2*a+1]+k*wo:]
				vec.Interleave(plane[r*g.w:(r+1)*g.w], even[:we], odd[:wo])
			}
		}
		return
	}
	for c := range g.c {
		plane, in := dx[c*g.h*g.w:(c+1)*g.h*g.w], src[c*ph.size:(c+1)*ph.size]
		for a := range s {
			for b := range s {
				p := in[ph.off[a*s+b]:]
				w := (g.w - b + s - 1) / s
				k := 0
				for r := a; r < g.h; r += s {
					row := plane[r*g.w:]
					for q := range w {
						row[b+q*s] = p[k+q]
					}
					k += w
				}
			}
		}
	}
}

// outSize is the number of window positions along one axis: the input
// padded on both sides, minus the window, in steps of stride, plus one.
func outSize(in, kernel, stride, pad int) int {
	return (in+2*pad-kernel)/stride + 1
}

// im2col copies the windows of one image x ([C, H, W]) into col ([K, P],
// rows g.ld apart). Row (c, i, j) of col holds, for every output
// position, the input pixel that filter tap (i, j) of channel c sees
// there.
//
// With masked loads (vec.GathersFast) it runs the planned copies (plan,
// or picks for a convolution strided across), when there are some.
// Otherwise a strided convolution (g.phases) first splits the image into
// its phases, in scratch (g.phases.size floats per channel).
func (g *convGeom) im2col(x, col, scratch []float32) {
	if vec.GathersFast() {
		switch {
		case g.plan != nil:
			g.plan.Run(col, g.kh*g.kw*g.ld, x, g.h*g.w, g.c)
			return
		case g.picks != nil:
			g.picks.Run(col, g.kh*g.kw*g.ld, x, g.h*g.w, g.c)
			return
		}
	}
	p := g.oh * g.ow
	if ph := g.phases; ph != nil {
		ph.split(g, x, scratch)
		row := 0
		for c := range g.c {
			phases := scratch[c*ph.size : (c+1)*ph.size]
			for t := range ph.taps {
				tap := &ph.taps[t]
				tap.fillRow(col[row*g.ld:row*g.ld+p], phases[ph.off[ph.phase[t]]:][:tap.h*tap.w], 0, 0)
				row++
			}
		}
		return
	}
	row := 0
	for c := 0; c < g.c; c++ {
		plane := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				g.fillRow(col[row*g.ld:row*g.ld+p], plane, i, j)
				row++
			}
		}
	}
}

// fillRow writes row (i, j) of one channel's part of col: for each output
// position (oh, ow), the pixel plane[oh·sH − pH + i][ow·sW − pW + j], or 0
// in the padding.
func (g *convGeom) fillRow(dst, plane []float32, i, j int) {
	if g.strideW != 1 {
		for oh := 0; oh < g.oh; oh++ {
			out := dst[oh*g.ow : (oh+1)*g.ow]
			ih := oh*g.strideH - g.padH + i
			if ih < 0 || ih >= g.h {
				clear(out)
				continue
			}
			src := plane[ih*g.w : (ih+1)*g.w]
			for ow := range out {
				iw := ow*g.strideW - g.padW + j
				if iw < 0 || iw >= g.w {
					out[ow] = 0
				} else {
					out[ow] = src[iw]
				}
			}
		}
		return
	}
	// With stride 1 across, each output row is a contiguous run of an
	// input row, [lo, hi) of the output columns, with zeros where the
	// window hangs over the left or right edge; the output rows above
	// and below [oh0, oh1) see only padding. The runs of successive
	// output rows are strideH input rows apart, so the whole rectangle is
	// one 2-D copy.
	shift, lo, hi := g.colsInside(j)
	oh0, oh1 := g.rowsInside(i)
	if oh0 > 0 {
		clear(dst[:oh0*g.ow])
	}
	if oh1 < g.oh {
		clear(dst[oh1*g.ow:])
	}
	if oh1 == oh0 {
		return
	}
	var src []float32 // the first run; none when the window is all padding
	if hi > lo {
		src = plane[(oh0*g.strideH-g.padH+i)*g.w+shift+lo:]
	}
	vec.CopyPadded2D(dst[oh0*g.ow:oh1*g.ow], g.ow, src, g.strideH*g.w, oh1-oh0, g.ow, lo, hi)
}

// rowsInside returns the output rows [oh0, oh1) at which window row i is
// inside the image: 0 ≤ oh·strideH − padH + i < h.
func (g *convGeom) rowsInside(i int) (oh0, oh1 int) {
	// Output row oh sees input row oh·strideH + i − padH: inside from the
	// first oh with oh·strideH ≥ padH − i to the last with oh·strideH <
	// h + padH − i. So both bounds are divided by the stride, rounding up
	// (no division for stride 1, the usual case).
	top, bottom := max(g.padH-i, 0), max(g.h+g.padH-i, 0)
	if s := g.strideH; s > 1 {
		top, bottom = (top+s-1)/s, (bottom+s-1)/s
	}
	oh0, oh1 = min(top, g.oh), min(bottom, g.oh)
	return oh0, max(oh0, oh1)
}

// colsInside returns, for stride 1 across, the input column of output
// column 0 for window column j (shift = j − padW) and the output columns
// [lo, hi) at which window column j is inside the image: 0 ≤ ow + shift <
// w.
func (g *convGeom) colsInside(j int) (shift, lo, hi int) {
	shift = j - g.padW
	lo = min(max(-shift, 0), g.ow)
	hi = max(lo, min(g.ow, g.w-shift))
	return shift, lo, hi
}

// addRow is fillRow's step run backwards for one output row, with a stride
// across: dst[ow·strideW − padW + j] += src[ow] for the positions inside
// the input.
func (g *convGeom) addRow(dst, src []float32, j int) {
	for ow, v := range src {
		iw := ow*g.strideW - g.padW + j
		if iw >= 0 && iw < g.w {
			dst[iw] += v
		}
	}
}

// col2im adds each entry of col ([K, P], rows g.ld apart) onto the input
// position it was copied from by im2col, writing the sums to dx ([C, H,
// W]), which it clears first.
//
// With masked loads (vec.GathersFast) it runs the planned sums (gather,
// or pickSums for a convolution strided across), when there are some.
// Otherwise a strided convolution (g.phases) adds the windows onto the
// phases of dx in scratch (g.phases.size floats per channel), then
// weaves them into dx.
func (g *convGeom) col2im(col, dx, scratch []float32) {
	if vec.GathersFast() {
		switch {
		case g.gather != nil:
			g.col2imGather(col, dx)
			return
		case g.pickSums != nil:
			g.pickSums.Run(dx, g.h*g.w, col, g.kh*g.kw*g.ld, g.c)
			return
		}
	}
	p := g.oh * g.ow
	if ph := g.phases; ph != nil {
		clear(scratch[:g.c*ph.size])
		row := 0
		for c := range g.c {
			phases := scratch[c*ph.size : (c+1)*ph.size]
			for t := range ph.taps {
				tap := &ph.taps[t]
				tap.addTap(phases[ph.off[ph.phase[t]]:][:tap.h*tap.w], col[row*g.ld:row*g.ld+p])
				row++
			}
		}
		ph.weave(g, scratch, dx)
		return
	}
	clear(dx)
	row := 0
	for c := 0; c < g.c; c++ {
		plane := dx[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := 0; i < g.kh; i++ {
			oh0, oh1 := g.rowsInside(i)
			for j := 0; j < g.kw; j++ {
				src := col[row*g.ld : row*g.ld+p]
				row++
				if g.strideW == 1 {
					g.addWindow(plane, src, i, j, oh0, oh1)
					continue
				}
				for oh := oh0; oh < oh1; oh++ {
					ih := oh*g.strideH - g.padH + i
					g.addRow(plane[ih*g.w:(ih+1)*g.w], src[oh*g.ow:(oh+1)*g.ow], j)
				}
			}
		}
	}
}

// addWindow adds back src, the row of col of tap (i, j) of one channel,
// onto that channel's plane, for stride 1 across: fillRow's rectangle,
// output rows [oh0, oh1), added back in one call.
func (g *convGeom) addWindow(plane, src []float32, i, j, oh0, oh1 int) {
	shift, lo, hi := g.colsInside(j)
	if oh1 > oh0 && hi > lo {
		vec.Add2D(plane[(oh0*g.strideH-g.padH+i)*g.w+shift+lo:], g.strideH*g.w,
			src[oh0*g.ow+lo:], g.ow, oh1-oh0, hi-lo)
	}
}

// addTap adds back src onto plane for a 1×1 window with stride 1: one
// tap of a strided convolution onto its phase (see phaseGeom).
func (g *convGeom) addTap(plane, src []float32) {
	oh0, oh1 := g.rowsInside(0)
	g.addWindow(plane, src, 0, 0, oh0, oh1)
}

// im2row is im2col transposed, for the weight gradient ∂L/∂W = dy·colᵀ: a
// matrix multiply wants the rows of its right-hand operand contiguous, and
// colᵀ has them scattered. It writes one row per output position p =
// (oh, ow) into r (rows stride floats apart), holding that position's
// window with the channel innermost:
//
//	r[p][(i·KW + j)·C + c] = x[c][oh·strideH − padH + i][ow·strideW − padW + j]
//
// It reads the image in channels-last order, xhwc[h][w][c] (see
// gemm.Transpose), where the KW pixels of one window row are one run of
// KW·C consecutive values, so each row of r is KH copies of such runs.
// Columns K and beyond of r are left alone. The column order (i, j, c)
// differs from col's (c, i, j); rowOrder maps one to the other.
func (g *convGeom) im2row(xhwc, r []float32, stride int) {
	run := g.kw * g.c
	lo, hi := g.fullWindows()
	for oh := 0; oh < g.oh; oh++ {
		rows := r[oh*g.ow*stride:]
		for i := 0; i < g.kh; i++ {
			ih := oh*g.strideH - g.padH + i
			if ih < 0 || ih >= g.h {
				for ow := 0; ow < g.ow; ow++ {
					clear(rows[ow*stride+i*run : ow*stride+(i+1)*run])
				}
				continue
			}
			line := xhwc[ih*g.w*g.c : (ih+1)*g.w*g.c]
			// Window rows wholly inside the image are one 2-D copy ...
			if hi > lo {
				vec.Copy2D(rows[lo*stride+i*run:], stride, line[(lo*g.strideW-g.padW)*g.c:], g.strideW*g.c, hi-lo, run)
			}
			// ... and those hanging over the left or right edge are
			// copied pixel by pixel, with zeros for the padding.
			for ow := 0; ow < lo; ow++ {
				g.edgeWindowRow(rows[ow*stride+i*run:ow*stride+(i+1)*run], line, ow)
			}
			for ow := hi; ow < g.ow; ow++ {
				g.edgeWindowRow(rows[ow*stride+i*run:ow*stride+(i+1)*run], line, ow)
			}
		}
	}
}

// edgeWindowRow writes into dst the KW·C values of the window row of
// output column ow taken from line (one input row, channels last), with
// zeros for the pixels in the padding.
func (g *convGeom) edgeWindowRow(dst, line []float32, ow int) {
	for j := 0; j < g.kw; j++ {
		iw := ow*g.strideW - g.padW + j
		if iw < 0 || iw >= g.w {
			clear(dst[j*g.c : (j+1)*g.c])
		} else {
			copy(dst[j*g.c:(j+1)*g.c], line[iw*g.c:(iw+1)*g.c])
		}
	}
}

// fullWindows returns the output columns [lo, hi) whose windows lie wholly
// inside the image across: 0 ≤ ow·strideW − padW and ow·strideW − padW +
// KW ≤ W.
func (g *convGeom) fullWindows() (lo, hi int) {
	lo = min((g.padW+g.strideW-1)/g.strideW, g.ow)
	if last := g.w + g.padW - g.kw; last >= 0 {
		hi = min(last/g.strideW+1, g.ow)
	}
	return lo, max(lo, hi)
}

// rowOrder returns, for each column q of im2row's rows, the row of col
// that holds the same tap: q = (i·KW + j)·C + c becomes (c·KH + i)·KW + j.
func (g *convGeom) rowOrder() []int {
	order := make([]int, g.c*g.kh*g.kw)
	for i := 0; i < g.kh; i++ {
		for j := 0; j < g.kw; j++ {
			for c := 0; c < g.c; c++ {
				order[(i*g.kw+j)*g.c+c] = (c*g.kh+i)*g.kw + j
			}
		}
	}
	return order
}

// planCol2im works out, for stride 1 and images at most 16 pixels wide,
// where in col each input row finds the values it receives, so that
// col2im can gather them, one vec.SumPlan per row of 16 lanes, instead of
// adding the windows back one tap at a time. Pixel (c, ih, iw) receives,
// from tap (i, j), the value of output position (ih + padH − i, iw + padW
// − j) when that lies inside the output:
//
//	col[(c·KH·KW + i·KW + j)·P + (ih + padH − i)·OW + iw + padW − j]
//	  = col[c·KH·KW·P + ih·OW + offset(i, j) + iw]
//
// with offset(i, j) = (i·KW + j)·P + (padH − i)·OW + padW − j. Whether the
// column lies inside depends on j only (the lanes of the tap's mask);
// which window rows i reach the output depends on ih. It does nothing for
// other strides or wider images.
//
// Measured on Zen 5, with AVX-512, gathering took 1.2µs for LeNet-5's
// second convolution (6 channels of 14x14, 5x5 taps) against 3.0µs adding
// tap by tap, and 7.1µs against 18µs for 128 channels of 8x8.
func (g *convGeom) planCol2im() error {
	if g.strideW != 1 {
		return g.planPickSums()
	}
	if g.strideH != 1 || g.w > 16 {
		return nil
	}
	offsets, masks := make([]int, g.kh*g.kw), make([]uint16, g.kh*g.kw)
	for i := range g.kh {
		for j := range g.kw {
			offsets[i*g.kw+j] = (i*g.kw+j)*g.ld + (g.padH-i)*g.ow + g.padW - j
			for iw := range g.w {
				if ow := iw + g.padW - j; ow >= 0 && ow < g.ow {
					masks[i*g.kw+j] |= 1 << iw
				}
			}
		}
	}
	g.gather = make([]*vec.SumPlan, g.h)
	byRows := map[[2]int]*vec.SumPlan{} // rows with the same window rows share a plan
	for ih := range g.h {
		// Window rows i with 0 ≤ ih + padH − i < OH.
		i0 := max(0, ih+g.padH-g.oh+1)
		i1 := max(i0, min(g.kh, ih+g.padH+1))
		plan := byRows[[2]int{i0, i1}]
		if plan == nil {
			var err error
			if plan, err = vec.NewSumPlan(offsets[i0*g.kw:i1*g.kw], masks[i0*g.kw:i1*g.kw]); err != nil {
				return fmt.Errorf("planning col2im: %w", err)
			}
			byRows[[2]int{i0, i1}] = plan
		}
		g.gather[ih] = plan
	}
	return nil
}

// planPickSums is planCol2im for a convolution strided across, with
// outputs at most 16 wide (as planPicks): col2im pixel by pixel, sixteen
// pixels of an input row at a time, each the sum of the taps that read
// it, in the order col2im adds them (i, then j), so that the two give
// the same bits. Tap (i, j) reads the pixels of a row whose column
// less j − padW is a multiple of strideW, from consecutive values of its
// row of col, which one pattern sorts into their lanes. For ham-resnet's
// 128 channels of 6x6 taken to 3x3 that is 6 sums of 3 or 6 terms a
// channel, where adding each tap onto the image's phases and weaving
// them together took a call for each of the 9 taps and the 6 rows.
func (g *convGeom) planPickSums() error {
	if g.ow > 16 {
		return nil
	}
	var patterns [][16]int
	index := map[[16]int]int{}
	var sums []vec.PickSum
	for ih := range g.h {
		for iw0 := 0; iw0 < g.w; iw0 += 16 {
			lanes := min(16, g.w-iw0)
			sum := vec.PickSum{Dst: int32(ih*g.w + iw0), Store: uint16(1<<lanes - 1)}
			for i := range g.kh {
				oh := ih + g.padH - i
				if oh < 0 || oh%g.strideH != 0 || oh/g.strideH >= g.oh {
					continue
				}
				oh /= g.strideH
				for j := range g.kw {
					var term vec.PickTerm
					var pattern [16]int
					first := -1 // the first output column the lanes read
					for l := range lanes {
						ow := iw0 + l + g.padW - j
						if ow < 0 || ow%g.strideW != 0 || ow/g.strideW >= g.ow {
							continue
						}
						if first < 0 {
							first = ow / g.strideW
						}
						term.Take |= 1 << l
						pattern[l] = ow/g.strideW - first
					}
					if first < 0 {
						continue
					}
					n, ok := index[pattern]
					if !ok {
						n = len(patterns)
						index[pattern] = n
						patterns = append(patterns, pattern)
					}
					term.Src = int32((i*g.kw+j)*g.ld + oh*g.ow + first)
					term.Pattern = n
					sum.Terms = append(sum.Terms, term)
				}
			}
			sums = append(sums, sum)
		}
	}
	plan, err := vec.NewPickSumPlan(patterns, sums)
	if err != nil {
		return fmt.Errorf("planning col2im: %w", err)
	}
	g.pickSums = plan
	return nil
}

// col2imGather is col2im pixel by pixel instead of tap by tap: each input
// row, for four channels at a time, is the sum of the taps that reach it,
// taken in the order col2im adds them (i, then j), so the two give the
// same bits.
func (g *convGeom) col2imGather(col, dx []float32) {
	plane, window := g.h*g.w, g.kh*g.kw
	for c := 0; c < g.c; c += 4 {
		for ih, plan := range g.gather {
			plan.Run(dx[c*plane+ih*g.w:], plane, col, window*g.ld, c*window*g.ld+ih*g.ow, min(4, g.c-c), g.w)
		}
	}
}

// planIm2col works out, for outputs at most 16 wide, im2col's copies for
// one channel: for stride 1 across, a vec.CopyPlan, one move for each
// output row of each tap's row of col, loading the pixels inside the
// image and zeroing those in the padding; for larger strides, a
// vec.PickPlan (see planPicks). im2col then runs the plan once per
// channel, with no work in Go per row, and the same result bit for bit.
// Measured on Zen 5 with AVX-512: 1.4µs against 3.0µs for LeNet-5's second
// convolution (6 channels of 14x14, 5x5, outputs 10 wide), 8.3µs against
// 21µs for 128 channels of 8x8; for wider outputs CopyPadded2D's slabs are
// faster (2.2µs against 1.9µs for LeNet-5's first, 28 wide), and it does
// nothing.
func (g *convGeom) planIm2col() error {
	if g.ow > 16 {
		return nil
	}
	if g.strideW != 1 {
		return g.planPicks()
	}
	var moves []vec.Move
	for i := range g.kh {
		for j := range g.kw {
			row := i*g.kw + j
			for oh := range g.oh {
				ih := oh*g.strideH - g.padH + i
				m := vec.Move{Dst: int32(row*g.ld + oh*g.ow)}
				if ih >= 0 && ih < g.h {
					m.Src = int32(ih*g.w - g.padW + j)
				}
				for ow := range g.ow {
					m.Store |= 1 << ow
					if iw := ow - g.padW + j; ih >= 0 && ih < g.h && iw >= 0 && iw < g.w {
						m.Load |= 1 << ow
					}
				}
				moves = append(moves, m)
			}
		}
	}
	plan, err := vec.NewCopyPlan(moves)
	if err != nil {
		return fmt.Errorf("planning im2col: %w", err)
	}
	g.plan = plan
	return nil
}

// planPicks is planIm2col for a convolution strided across: a tap's
// window row takes every strideW-th pixel of an input row, so each pick
// takes as many whole output rows of a tap as fit in 16 lanes with all
// their pixels within 32 of the first, which one pattern of offsets
// describes: lane r·OW + q reads r·strideH·W + q·strideW pixels on. It
// does nothing when even one output row spans more than 32 pixels. For
// ham-resnet's 128 channels of 6x6 taken to 3x3, a tap's nine values
// are one pick, where splitting each row of the image into its phases
// first (see phaseGeom) took a call per row.
func (g *convGeom) planPicks() error {
	if (g.ow-1)*g.strideW >= 32 {
		return nil
	}
	rows := 1 // output rows a pick
	for (rows+1)*g.ow <= 16 && rows*g.strideH*g.w+(g.ow-1)*g.strideW < 32 {
		rows++
	}
	var pattern [16]int
	for l := range rows * g.ow {
		pattern[l] = l/g.ow*g.strideH*g.w + l%g.ow*g.strideW
	}
	var picks []vec.Pick
	for i := range g.kh {
		for j := range g.kw {
			row := i*g.kw + j
			for oh0 := 0; oh0 < g.oh; oh0 += rows {
				m := vec.Pick{Src: int32((oh0*g.strideH-g.padH+i)*g.w - g.padW + j), Dst: int32(row*g.ld + oh0*g.ow)}
				for l := range min(rows, g.oh-oh0) * g.ow {
					oh, ow := oh0+l/g.ow, l%g.ow
					m.Store |= 1 << l
					ih, iw := oh*g.strideH-g.padH+i, ow*g.strideW-g.padW+j
					if ih >= 0 && ih < g.h && iw >= 0 && iw < g.w {
						m.Take |= 1 << l
					}
				}
				picks = append(picks, m)
			}
		}
	}
	plan, err := vec.NewPickPlan([][16]int{pattern}, picks)
	if err != nil {
		return fmt.Errorf("planning im2col: %w", err)
	}
	g.picks = plan
	return nil
}
