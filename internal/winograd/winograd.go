// Package winograd holds the tile transforms of Winograd's minimal
// filtering algorithms F(2×2, 3×3) and F(4×4, 3×3), which compute a 3×3
// convolution with stride 1 in m×m blocks of output (m = 2 or 4) from
// overlapping (m+2)×(m+2) tiles of input, using (m+2)² multiplications
// per block where the direct sum uses 9m²: 16 against 36, 36 against 144.
//
// For one input channel, one filter g (3×3) and one input tile d, the
// block of output is
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// where ⊙ multiplies element by element. For F(2×2, 3×3)
//
//	     ⎡1  0 −1  0⎤        ⎡1   0   0⎤
//	Bᵀ = ⎢0  1  1  0⎥    G = ⎢½   ½   ½⎥    Aᵀ = ⎡1 1  1  0⎤
//	     ⎢0 −1  1  0⎥        ⎢½  −½   ½⎥         ⎣0 1 −1 −1⎦
//	     ⎣0  1  0 −1⎦        ⎣0   0   1⎦
//
// and for F(4×4, 3×3), from the points 0, ±1, ±2 and ∞,
//
//	     ⎡4  0 −5  0  1  0⎤        ⎡ 1/4     0     0⎤
//	     ⎢0 −4 −4  1  1  0⎥        ⎢−1/6  −1/6  −1/6⎥         ⎡1 1  1 1  1 0⎤
//	Bᵀ = ⎢0  4 −4 −1  1  0⎥    G = ⎢−1/6   1/6  −1/6⎥    Aᵀ = ⎢0 1 −1 2 −2 0⎥
//	     ⎢0 −2 −1  2  1  0⎥        ⎢1/24  1/12   1/6⎥         ⎢0 1  1 4  4 0⎥
//	     ⎢0  2 −1 −2  1  0⎥        ⎢1/24 −1/12   1/6⎥         ⎣0 1 −1 8 −8 1⎦
//	     ⎣0  4  0 −5  0  1⎦        ⎣   0     0     1⎦
//
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016). Summed over input channels c and written for all filters o at
// once, the elementwise products become (m+2)² matrix products, one per
// position ξ of the transformed tile:
//
//	M_ξ[o][t] = Σ_c U_ξ[o][c] · V_ξ[c][t]      U = G g Gᵀ,  V = Bᵀ d B
//
// over the tiles t of a batch of images, and a convolution layer spends
// its time in those products (package gemm). This package does the
// rest: it transforms input tiles into V (InputPlan.Input), the products'
// results back into blocks of output (Output), the filters into U
// (Filter), and, for the weight gradient, the output gradient's blocks
// into the tiles A·dY·Aᵀ (OutputGrad) and the transformed gradient dU
// back into 3×3 filter gradients (FilterGrad): since Y is linear in U,
//
//	∂L/∂U_ξ = Σ_t (A·dY_t·Aᵀ)_ξ · V_ξ,t        ∂L/∂g = Gᵀ·∂L/∂U·G
//
// F(4×4, 3×3) needs fewer multiplications, but its transforms multiply
// by 4, 5 and 8 and its filters' by sixths, so it rounds more: a
// result is within a few times 1e-6 of the direct sum's largest terms,
// against about 1e-7 for F(2×2, 3×3).
//
// The input and output transforms multiply only by small integers, each
// product rounded before it is added, and add in a fixed order, so the
// assembly kernels (AVX-512, sixteen tiles at a time) give the same bits
// as the Go code. F(2×2, 3×3)'s plane transforms have assembly (Kernel
// says whether it runs); F(4×4, 3×3)'s are Go only, the definition of
// its lane transforms (LanePlan), which have assembly and are what a
// convolution uses (LanesKernel).
//
// # Layout
//
// The transforms work on whole planes of one channel. A plane's tiles are
// numbered row by row, t = ty·tilesW + tx, and the (m+2)² values of tile
// t go to dst[ξ·stride + t], ξ = (m+2)·i + j for row i and column j of
// the transformed tile: one row per ξ, each holding every tile. Those
// rows are the matrices V_ξ and M_ξ of the products, one channel per
// matrix row.
package winograd

import "fmt"

// An Algorithm is one of F(m×m, 3×3): F2 or F4.
type Algorithm struct {
	name       string
	m          int // outputs per tile, down and across
	k          *kernels
	filter     func(u []float32, stride int, g []float32)
	filterGrad func(dg []float32, du []float32, stride int)
}

// F2 is F(2×2, 3×3) and F4 is F(4×4, 3×3).
var (
	F2 = &Algorithm{name: "F(2x2,3x3)", m: 2, k: &active2, filter: filter2, filterGrad: filterGrad2}
	F4 = &Algorithm{name: "F(4x4,3x3)", m: 4, k: &active4, filter: filter4, filterGrad: filterGrad4}
)

// Kernel reports which implementation of the algorithm's plane
// transforms runs on this machine: "avx512" or "purego".
func (a *Algorithm) Kernel() string { return a.k.name }

// String names the algorithm: "F(2x2,3x3)".
func (a *Algorithm) String() string { return a.name }

// M is how many outputs a tile gives down and across: 2 or 4.
func (a *Algorithm) M() int { return a.m }

// Points is how many values a transformed tile holds, (M+2)²: how many
// products the algorithm makes.
func (a *Algorithm) Points() int { return (a.m + 2) * (a.m + 2) }

// Tiles returns how many m×m output blocks cover n outputs along one
// axis.
func (a *Algorithm) Tiles(n int) int { return (n + a.m - 1) / a.m }

// An InputPlan transforms the input tiles of a convolution's planes: h ×
// w planes padded by padH rows and padW columns of zeros, whose output,
// (h + 2·padH − 2) × (w + 2·padW − 2), is TilesH × TilesW tiles. Tile
// (ty, tx) covers the (m+2)×(m+2) values at rows m·ty − padH .. m·ty −
// padH + m + 1 and the same columns from m·tx − padW, zero outside the
// plane.
type InputPlan struct {
	Alg              *Algorithm
	H, W, PadH, PadW int
	TilesH, TilesW   int

	// masks holds, for each group of 16 tiles across, the lanes of the
	// kernels' loads of an input row (see inputMasks) that lie inside
	// the plane.
	masks []uint16
}

// NewInputPlan plans the input transforms of h × w planes padded by padH
// and padW. The padding must be at most 2, the output at least 1×1.
func (a *Algorithm) NewInputPlan(h, w, padH, padW int) (*InputPlan, error) {
	oh, ow := h+2*padH-2, w+2*padW-2
	if h < 1 || w < 1 || padH < 0 || padW < 0 || padH > 2 || padW > 2 || oh < 1 || ow < 1 {
		return nil, fmt.Errorf("winograd: no 3×3 convolution of %d×%d planes padded by %d×%d", h, w, padH, padW)
	}
	p := &InputPlan{Alg: a, H: h, W: w, PadH: padH, PadW: padW, TilesH: a.Tiles(oh), TilesW: a.Tiles(ow)}
	for g := 0; g < p.TilesW; g += 16 {
		for _, shift := range inputLoads(a.m) {
			var m uint16
			for k := range 16 {
				if col := a.m*g - padW + shift + k; col >= 0 && col < w {
					m |= 1 << k
				}
			}
			p.masks = append(p.masks, m)
		}
	}
	return p, nil
}

// inputLoads lists where, from a group of 16 tiles' first input column,
// the assembly input transform of F(m×m, 3×3) loads its vectors of 16
// from each input row: for F(2×2), the 32 columns from the first and the
// 32 from the third; for F(4×4), the 64 from the first and 16 each from
// the 65th and the 66th (the fifth and sixth columns of the last tile).
func inputLoads(m int) []int {
	if m == 2 {
		return []int{0, 16, 2, 18}
	}
	return []int{0, 16, 32, 48, 64, 65}
}

// Input transforms tile rows [ty0, ty1) of one plane, whose rows lie
// srcStride apart in src: tile (ty, tx), with d its values, becomes
//
//	dst[ξ·dstStride + (ty − ty0)·TilesW + tx] = (Bᵀ d B)[i][j],  ξ = (m+2)·i + j.
func (p *InputPlan) Input(dst []float32, dstStride int, src []float32, srcStride, ty0, ty1 int) {
	tiles := (ty1 - ty0) * p.TilesW
	switch {
	case ty0 < 0 || ty1 > p.TilesH || ty0 >= ty1:
		panic(fmt.Sprintf("winograd: Input of tile rows [%d, %d) of %d", ty0, ty1, p.TilesH))
	case dstStride < tiles || len(dst) < (p.Alg.Points()-1)*dstStride+tiles:
		panic(fmt.Sprintf("winograd: Input of %d tiles into %d values with stride %d", tiles, len(dst), dstStride))
	case srcStride < p.W || len(src) < (p.H-1)*srcStride+p.W:
		panic(fmt.Sprintf("winograd: Input of a %d×%d plane from %d values with stride %d", p.H, p.W, len(src), srcStride))
	}
	p.Alg.k.input(dst, dstStride, src, srcStride, p, ty0, ty1)
}

// Output transforms the products of one output plane back into values:
// tile t's values m[i][j] = src[ξ·srcStride + t] become the m×m block
//
//	dst[(m·ty+a)·dstStride + m·tx + b] = (Aᵀ m A)[a][b] + bias
//
// of an h × w plane, the parts of the last blocks that lie outside it
// left unwritten. The plane has Tiles(h) × Tiles(w) tiles.
func (a *Algorithm) Output(dst []float32, dstStride, h, w int, src []float32, srcStride int, bias float32) {
	a.checkOutput(len(dst), dstStride, h, w, len(src), srcStride)
	a.k.output(dst, dstStride, h, w, src, srcStride, bias)
}

// OutputGrad transforms the gradient of one h × w output plane into the
// tiles the weight gradient's products take: with dY the m×m block of dy
// at tile (ty, tx) (zero outside the plane),
//
//	dst[ξ·dstStride + ty·tilesW + tx] = (A dY Aᵀ)[i][j],  ξ = (m+2)·i + j.
func (a *Algorithm) OutputGrad(dst []float32, dstStride int, dy []float32, dyStride, h, w int) {
	a.checkOutputGrad(len(dst), dstStride, len(dy), dyStride, h, w)
	a.k.outputGrad(dst, dstStride, dy, dyStride, h, w)
}

// Filter transforms a 3×3 filter g (row-major, 9 values) into the
// transformed tile U = G g Gᵀ, writing U[i][j] to u[((m+2)·i+j)·stride].
func (a *Algorithm) Filter(u []float32, stride int, g []float32) {
	_ = g[8]
	_ = u[(a.Points()-1)*stride]
	a.filter(u, stride, g)
}

// FilterMatrix returns the matrix K, Points×9 and row-major, that
// transforms a filter read as 9 values into its U read as Points values:
// U[ξ] = Σₖ K[ξ][k]·g[k], K = G ⊗ G computed in float64 and rounded.
// With turned, it transforms the filter turned half a turn (its 9 values
// read backwards), as the backward pass's convolution needs. Since the
// transform is linear, a layer transforms all its filters with one matrix
// product, and takes ∂L/∂U back to the filters with Kᵀ: dg[k] = Σ_ξ
// K[ξ][k]·dU[ξ]. The results round differently from Filter's and
// FilterGrad's, within float32 rounding.
func (a *Algorithm) FilterMatrix(turned bool) []float32 {
	n := a.m + 2
	g := gMatrix(a.m)
	k := make([]float32, n*n*9)
	for i := range n {
		for j := range n {
			for r := range 3 {
				for c := range 3 {
					tap := 3*r + c
					if turned {
						tap = 8 - tap
					}
					k[(n*i+j)*9+tap] = float32(g[i][r] * g[j][c])
				}
			}
		}
	}
	return k
}

// gMatrix returns G of F(m×m, 3×3), (m+2)×3.
func gMatrix(m int) [][3]float64 {
	if m == 2 {
		return [][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	}
	return [][3]float64{{0.25, 0, 0}, {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}}
}

// FilterGrad takes the gradient with respect to a transformed filter,
// du[ξ·stride] for the values of U, back to the 3×3 filter: dg =
// Gᵀ·dU·G, written row-major to dg.
func (a *Algorithm) FilterGrad(dg []float32, du []float32, stride int) {
	_ = dg[8]
	_ = du[(a.Points()-1)*stride]
	a.filterGrad(dg, du, stride)
}

// filter2 is Filter for F(2×2, 3×3).
func filter2(u []float32, stride int, g []float32) {
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

// filterGrad2 is FilterGrad for F(2×2, 3×3).
func filterGrad2(dg []float32, du []float32, stride int) {
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

// The checks below turn a caller's mistake into a panic that says what is
// wrong, before an assembly kernel can write out of bounds.

func (a *Algorithm) checkOutput(dstLen, dstStride, h, w, srcLen, srcStride int) {
	tiles := a.Tiles(h) * a.Tiles(w)
	switch {
	case h < 1 || w < 1:
		panic(fmt.Sprintf("winograd: Output of a %d×%d plane", h, w))
	case dstStride < w || dstLen < (h-1)*dstStride+w:
		panic(fmt.Sprintf("winograd: Output of a %d×%d plane into %d values with stride %d", h, w, dstLen, dstStride))
	case srcStride < tiles || srcLen < (a.Points()-1)*srcStride+tiles:
		panic(fmt.Sprintf("winograd: Output of %d tiles from %d values with stride %d", tiles, srcLen, srcStride))
	}
}

func (a *Algorithm) checkOutputGrad(dstLen, dstStride, dyLen, dyStride, h, w int) {
	tiles := a.Tiles(h) * a.Tiles(w)
	switch {
	case h < 1 || w < 1:
		panic(fmt.Sprintf("winograd: OutputGrad of a %d×%d plane", h, w))
	case dyStride < w || dyLen < (h-1)*dyStride+w:
		panic(fmt.Sprintf("winograd: OutputGrad of a %d×%d plane from %d values with stride %d", h, w, dyLen, dyStride))
	case dstStride < tiles || dstLen < (a.Points()-1)*dstStride+tiles:
		panic(fmt.Sprintf("winograd: OutputGrad of %d tiles into %d values with stride %d", tiles, dstLen, dstStride))
	}
}
