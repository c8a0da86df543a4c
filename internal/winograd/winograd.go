// Package winograd holds the tile transforms of Winograd's minimal
// filtering algorithm F(2×2, 3×3), which computes a 3×3 convolution with
// stride 1 in 2×2 blocks of output from 4×4 tiles of input, using 16
// multiplications per block where the direct sum uses 36.
//
// For one input channel, one filter g (3×3) and one input tile d (4×4,
// overlapping its neighbours by two rows and two columns), the 2×2 block
// of output is
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// where ⊙ multiplies element by element and
//
//	     ⎡1  0 −1  0⎤        ⎡1   0   0⎤
//	Bᵀ = ⎢0  1  1  0⎥    G = ⎢½   ½   ½⎥    Aᵀ = ⎡1 1  1  0⎤
//	     ⎢0 −1  1  0⎥        ⎢½  −½   ½⎥         ⎣0 1 −1 −1⎦
//	     ⎣0  1  0 −1⎦        ⎣0   0   1⎦
//
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016). Summed over input channels c and written for all filters o at
// once, the elementwise products become 16 matrix products, one per
// position ξ of the 4×4 transformed tile:
//
//	M_ξ[o][t] = Σ_c U_ξ[o][c] · V_ξ[c][t]      U = G g Gᵀ,  V = Bᵀ d B
//
// over the tiles t of a batch of images, and a convolution layer spends
// its time in those products (package gemm). This package does the
// rest: it transforms input tiles into V (Input), the products' results
// back into blocks of output (Output), the filters into U (Filter), and,
// for the weight gradient, the output gradient's 2×2 blocks into the
// 4×4 tiles A·dY·Aᵀ (OutputGrad) and the transformed gradient dU back
// into 3×3 filter gradients (FilterGrad): since Y is linear in U,
//
//	∂L/∂U_ξ = Σ_t (A·dY_t·Aᵀ)_ξ · V_ξ,t        ∂L/∂g = Gᵀ·∂L/∂U·G
//
// Bᵀ and Aᵀ hold only 0 and ±1, so the input and output transforms are
// additions and subtractions in a fixed order, and the assembly kernels
// (AVX-512, sixteen tiles at a time) give the same bits as the Go code
// here. Kernel says which runs.
//
// # Layout
//
// The transforms work on whole planes of one channel. A plane's tiles are
// numbered row by row, t = ty·tilesW + tx, and the 16 values of tile t go
// to dst[ξ·stride + t], ξ = 4i + j for row i and column j of the 4×4
// tile: 16 rows, one per ξ, each holding every tile. Those rows are the
// matrices V_ξ and M_ξ of the products, one channel per matrix row.
package winograd

import "fmt"

// Tiles returns how many 2×2 output blocks cover n outputs along one axis.
func Tiles(n int) int { return (n + 1) / 2 }

// An InputPlan transforms the input tiles of a convolution's planes: h ×
// w planes padded by padH rows and padW columns of zeros, whose output,
// (h + 2·padH − 2) × (w + 2·padW − 2), is TilesH × TilesW tiles. Tile
// (ty, tx) covers the 4×4 values at rows 2ty − padH .. 2ty − padH + 3
// and columns 2tx − padW .. 2tx − padW + 3, zero outside the plane.
type InputPlan struct {
	H, W, PadH, PadW int
	TilesH, TilesW   int

	// masks holds, for each group of 16 tiles across, the lanes of the
	// kernels' four loads of an input row (at columns 2tx − padW, +16,
	// +2 and +18 from the group's first tile) that lie inside the plane.
	masks []uint16
}

// NewInputPlan plans the input transforms of h × w planes padded by padH
// and padW. The padding must be at most 2, the output at least 1×1.
func NewInputPlan(h, w, padH, padW int) (*InputPlan, error) {
	oh, ow := h+2*padH-2, w+2*padW-2
	if h < 1 || w < 1 || padH < 0 || padW < 0 || padH > 2 || padW > 2 || oh < 1 || ow < 1 {
		return nil, fmt.Errorf("winograd: no 3×3 convolution of %d×%d planes padded by %d×%d", h, w, padH, padW)
	}
	p := &InputPlan{H: h, W: w, PadH: padH, PadW: padW, TilesH: Tiles(oh), TilesW: Tiles(ow)}
	for g := 0; g < p.TilesW; g += 16 {
		for _, shift := range []int{0, 16, 2, 18} {
			var m uint16
			for k := range 16 {
				if col := 2*g - padW + shift + k; col >= 0 && col < w {
					m |= 1 << k
				}
			}
			p.masks = append(p.masks, m)
		}
	}
	return p, nil
}

// Input transforms tile rows [ty0, ty1) of one plane, whose rows lie
// srcStride apart in src: tile (ty, tx), with d its 4×4 values, becomes
//
//	dst[ξ·dstStride + (ty − ty0)·TilesW + tx] = (Bᵀ d B)[i][j],  ξ = 4i + j.
func (p *InputPlan) Input(dst []float32, dstStride int, src []float32, srcStride, ty0, ty1 int) {
	tiles := (ty1 - ty0) * p.TilesW
	switch {
	case ty0 < 0 || ty1 > p.TilesH || ty0 >= ty1:
		panic(fmt.Sprintf("winograd: Input of tile rows [%d, %d) of %d", ty0, ty1, p.TilesH))
	case dstStride < tiles || len(dst) < 15*dstStride+tiles:
		panic(fmt.Sprintf("winograd: Input of %d tiles into %d values with stride %d", tiles, len(dst), dstStride))
	case srcStride < p.W || len(src) < (p.H-1)*srcStride+p.W:
		panic(fmt.Sprintf("winograd: Input of a %d×%d plane from %d values with stride %d", p.H, p.W, len(src), srcStride))
	}
	active.input(dst, dstStride, src, srcStride, p, ty0, ty1)
}

// Output transforms the products of one output plane back into values:
// tile t's 16 values m[i][j] = src[ξ·srcStride + t] become the 2×2 block
//
//	dst[(2ty+a)·dstStride + 2tx + b] = (Aᵀ m A)[a][b] + bias
//
// of an h × w plane, the parts of the last blocks that lie outside it
// (when h or w is odd) left unwritten. tilesH and tilesW are Tiles(h) and
// Tiles(w).
func Output(dst []float32, dstStride, h, w int, src []float32, srcStride int, bias float32) {
	checkOutput(len(dst), dstStride, h, w, len(src), srcStride)
	active.output(dst, dstStride, h, w, src, srcStride, bias)
}

// OutputGrad transforms the gradient of one h × w output plane into the
// tiles the weight gradient's products take: with dY the 2×2 block of dy
// at tile (ty, tx) (zero outside the plane),
//
//	dst[ξ·dstStride + ty·tilesW + tx] = (A dY Aᵀ)[i][j],  ξ = 4i + j.
func OutputGrad(dst []float32, dstStride int, dy []float32, dyStride, h, w int) {
	checkOutputGrad(len(dst), dstStride, len(dy), dyStride, h, w)
	active.outputGrad(dst, dstStride, dy, dyStride, h, w)
}

// Filter transforms a 3×3 filter g (row-major, 9 values) into the 4×4
// tile U = G g Gᵀ, writing U[i][j] to u[(4i+j)·stride].
func Filter(u []float32, stride int, g []float32) {
	_ = g[8]
	_ = u[15*stride]
	var t [4][3]float32 // G g
	for j := range 3 {
		g0, g1, g2 := g[j], g[3+j], g[6+j]
		t[0][j] = g0
		t[1][j] = half(g0 + g1 + g2)
		t[2][j] = half(g0 - g1 + g2)
		t[3][j] = g2
	}
	for i := range 4 {
		r0, r1, r2 := t[i][0], t[i][1], t[i][2]
		u[(4*i+0)*stride] = r0
		u[(4*i+1)*stride] = half(r0 + r1 + r2)
		u[(4*i+2)*stride] = half(r0 - r1 + r2)
		u[(4*i+3)*stride] = r2
	}
}

// FilterGrad takes the gradient with respect to a transformed filter,
// du[(4i+j)·stride] for the 16 values of U, back to the 3×3 filter:
// dg = Gᵀ·dU·G, written row-major to dg.
func FilterGrad(dg []float32, du []float32, stride int) {
	_ = dg[8]
	_ = du[15*stride]
	var q [3][4]float32 // Gᵀ dU
	for j := range 4 {
		d0, d1, d2, d3 := du[j*stride], du[(4+j)*stride], du[(8+j)*stride], du[(12+j)*stride]
		q[0][j] = d0 + half(d1+d2)
		q[1][j] = half(d1 - d2)
		q[2][j] = half(d1+d2) + d3
	}
	for i := range 3 {
		q0, q1, q2, q3 := q[i][0], q[i][1], q[i][2], q[i][3]
		dg[3*i+0] = q0 + half(q1+q2)
		dg[3*i+1] = half(q1 - q2)
		dg[3*i+2] = half(q1+q2) + q3
	}
}

// half halves v exactly (a power-of-two scaling rounds only on
// underflow).
func half(v float32) float32 { return v * 0.5 }

func roundUp(n, unit int) int { return (n + unit - 1) / unit * unit }

// The checks below turn a caller's mistake into a panic that says what is
// wrong, before an assembly kernel can write out of bounds.

func checkOutput(dstLen, dstStride, h, w, srcLen, srcStride int) {
	tiles := Tiles(h) * Tiles(w)
	switch {
	case h < 1 || w < 1:
		panic(fmt.Sprintf("winograd: Output of a %d×%d plane", h, w))
	case dstStride < w || dstLen < (h-1)*dstStride+w:
		panic(fmt.Sprintf("winograd: Output of a %d×%d plane into %d values with stride %d", h, w, dstLen, dstStride))
	case srcStride < tiles || srcLen < 15*srcStride+tiles:
		panic(fmt.Sprintf("winograd: Output of %d tiles from %d values with stride %d", tiles, srcLen, srcStride))
	}
}

func checkOutputGrad(dstLen, dstStride, dyLen, dyStride, h, w int) {
	tiles := Tiles(h) * Tiles(w)
	switch {
	case h < 1 || w < 1:
		panic(fmt.Sprintf("winograd: OutputGrad of a %d×%d plane", h, w))
	case dyStride < w || dyLen < (h-1)*dyStride+w:
		panic(fmt.Sprintf("winograd: OutputGrad of a %d×%d plane from %d values with stride %d", h, w, dyLen, dyStride))
	case dstStride < tiles || dstLen < 15*dstStride+tiles:
		panic(fmt.Sprintf("winograd: OutputGrad of %d tiles into %d values with stride %d", tiles, dstLen, dstStride))
	}
}
