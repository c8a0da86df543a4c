package nn

import "github.com/gocnn/gocnn/internal/vec"

// The wide layout: im2col for stride 1 in whole rows.
//
// With stride 1, im2col's row for filter tap (c, i, j) is the input image
// shifted by (i, j) and cut to OH×OW; built as in im2col.go it takes OH
// separate copies of OW values each, and for the small images of MNIST
// (OW of 10 to 26) the cost of so many short copies dominates the whole
// convolution.
//
// The wide layout computes every output row at the full width WP of the
// (padded) input instead of OW. Output position (oh, ow) becomes column
// oh·WP + ow of a matrix with OH·WP columns, and row (c, i, j) of col
// becomes one contiguous run of the padded input:
//
//	colW[(c·KH + i)·KW + j][q] = xp[c][i·WP + j + q]      q < OH·WP
//
// one copy per row. The last WP − OW columns of each output row are junk
// (their windows wrap around to the next input row) and are dropped when
// the result is copied out; the product does (WP − OW)/OW more arithmetic
// than needed, 8% to 40% for the MNIST models, far less than the copies
// it saves.
//
// The backward pass runs the same way: dy is widened with zeros in the junk
// columns, so Wᵀ·dy is zero there too and adding its rows back into the
// padded input (one vector add per row) leaves only the true gradient.

// wideGeom describes a stride-1 convolution in the wide layout.
type wideGeom struct {
	convGeom
	hp, wp int // padded input height and width
	cols   int // OH·WP: the wide matrix's columns
}

func newWideGeom(g convGeom) wideGeom {
	w := wideGeom{convGeom: g, hp: g.h + 2*g.padH, wp: g.w + 2*g.padW}
	w.cols = g.oh * w.wp
	return w
}

// paddedSize is the length of a padded image buffer: C planes of HP×WP,
// plus KW values of slack so the last row of colW can be read whole (its
// junk tail runs past the last plane).
func (g *wideGeom) paddedSize() int { return g.c*g.hp*g.wp + g.kw }

// pad copies image x ([C, H, W]) into the middle of the padded buffer xp.
// The border and the slack are never written, so they stay zero.
func (g *wideGeom) pad(x, xp []float32) {
	if g.padH == 0 && g.padW == 0 {
		copy(xp, x)
		return
	}
	for c := 0; c < g.c; c++ {
		for r := 0; r < g.h; r++ {
			dst := xp[(c*g.hp+r+g.padH)*g.wp+g.padW:]
			copy(dst[:g.w], x[(c*g.h+r)*g.w:(c*g.h+r+1)*g.w])
		}
	}
}

// im2colWide fills the first K rows of col ([K+1, OH·WP]) from the padded
// image xp: one contiguous copy per row.
func (g *wideGeom) im2colWide(xp, col []float32) {
	row := 0
	for c := 0; c < g.c; c++ {
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				start := (c*g.hp+i)*g.wp + j
				copy(col[row*g.cols:(row+1)*g.cols], xp[start:start+g.cols])
				row++
			}
		}
	}
}

// narrow copies the valid part of a wide output ([Out, OH·WP]) into y
// ([Out, OH, OW]).
func (g *wideGeom) narrow(wide, y []float32, out int) {
	for o := 0; o < out; o++ {
		for r := 0; r < g.oh; r++ {
			src := wide[o*g.cols+r*g.wp:]
			copy(y[(o*g.oh+r)*g.ow:(o*g.oh+r+1)*g.ow], src[:g.ow])
		}
	}
}

// widen copies dy ([Out, OH, OW]) into the valid part of wide ([Out,
// OH·WP]), whose junk columns must already be zero: nothing writes them.
func (g *wideGeom) widen(dy, wide []float32, out int) {
	for o := 0; o < out; o++ {
		for r := 0; r < g.oh; r++ {
			dst := wide[o*g.cols+r*g.wp:]
			copy(dst[:g.ow], dy[(o*g.oh+r)*g.ow:(o*g.oh+r+1)*g.ow])
		}
	}
}

// col2imWide adds the first K rows of col back into the padded gradient
// dxp (cleared first), one vector add per row, then copies its middle out
// to dx ([C, H, W]).
func (g *wideGeom) col2imWide(col, dxp, dx []float32) {
	clear(dxp)
	row := 0
	for c := 0; c < g.c; c++ {
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				start := (c*g.hp+i)*g.wp + j
				vec.Add(dxp[start:start+g.cols], col[row*g.cols:(row+1)*g.cols])
				row++
			}
		}
	}
	if g.padH == 0 && g.padW == 0 {
		copy(dx, dxp[:len(dx)])
		return
	}
	for c := 0; c < g.c; c++ {
		for r := 0; r < g.h; r++ {
			src := dxp[(c*g.hp+r+g.padH)*g.wp+g.padW:]
			copy(dx[(c*g.h+r)*g.w:(c*g.h+r+1)*g.w], src[:g.w])
		}
	}
}
