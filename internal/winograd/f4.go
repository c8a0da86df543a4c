package winograd

// The transforms of F(4×4, 3×3) in Go: the definition the assembly is
// tested against. Each multiplies a value by a small integer and rounds
// the product before adding it (float32(...) stops the compiler fusing
// the two), in the order the comments give, as the kernels do.

// b6 is the 1-D input transform y = Bᵀx of six values:
//
//	y0 = (4x0 − 5x2) + x4
//	y1 = (x4 − 4x2) + (x3 − 4x1)      y2 = (x4 − 4x2) − (x3 − 4x1)
//	y3 = (x4 − x2) + 2(x3 − x1)       y4 = (x4 − x2) − 2(x3 − x1)
//	y5 = (4x1 − 5x3) + x5
func b6(x [6]float32) (y [6]float32) {
	a := x[4] - float32(4*x[2])
	b := x[3] - float32(4*x[1])
	c := x[4] - x[2]
	e := float32(2 * (x[3] - x[1]))
	y[0] = (float32(4*x[0]) - float32(5*x[2])) + x[4]
	y[1] = a + b
	y[2] = a - b
	y[3] = c + e
	y[4] = c - e
	y[5] = (float32(4*x[1]) - float32(5*x[3])) + x[5]
	return y
}

// a4 is the 1-D output transform y = Aᵀx of six values:
//
//	y0 = (x0 + (x1 + x2)) + (x3 + x4)
//	y1 = (x1 − x2) + 2(x3 − x4)
//	y2 = (x1 + x2) + 4(x3 + x4)
//	y3 = ((x1 − x2) + 8(x3 − x4)) + x5
func a4(x [6]float32) (y [4]float32) {
	s1, d1 := x[1]+x[2], x[1]-x[2]
	s2, d2 := x[3]+x[4], x[3]-x[4]
	y[0] = (x[0] + s1) + s2
	y[1] = d1 + float32(2*d2)
	y[2] = s1 + float32(4*s2)
	y[3] = (d1 + float32(8*d2)) + x[5]
	return y
}

// at6 is the 1-D transform y = A x of four values, for the output's
// gradient:
//
//	y0 = x0
//	y1 = (x0 + x2) + (x1 + x3)        y2 = (x0 + x2) − (x1 + x3)
//	y3 = (x0 + 4x2) + (2x1 + 8x3)     y4 = (x0 + 4x2) − (2x1 + 8x3)
//	y5 = x3
func at6(x [4]float32) (y [6]float32) {
	e, o := x[0]+x[2], x[1]+x[3]
	e4, o4 := x[0]+float32(4*x[2]), float32(2*x[1])+float32(8*x[3])
	y[0] = x[0]
	y[1] = e + o
	y[2] = e - o
	y[3] = e4 + o4
	y[4] = e4 - o4
	y[5] = x[3]
	return y
}

// inputGo4 computes V = Bᵀ d B for every tile, each row of d transformed
// (d B) first, then each column of the result.
func inputGo4(dst []float32, dstStride int, src []float32, srcStride int, p *InputPlan, ty0, ty1 int) {
	at := func(r, c int) float32 {
		if r >= 0 && r < p.H && c >= 0 && c < p.W {
			return src[r*srcStride+c]
		}
		return 0
	}
	for ty := ty0; ty < ty1; ty++ {
		for tx := range p.TilesW {
			var r [6][6]float32 // d B
			for i := range 6 {
				y, x := 4*ty-p.PadH+i, 4*tx-p.PadW
				r[i] = b6([6]float32{at(y, x), at(y, x+1), at(y, x+2), at(y, x+3), at(y, x+4), at(y, x+5)})
			}
			t := (ty-ty0)*p.TilesW + tx
			for j := range 6 {
				v := b6([6]float32{r[0][j], r[1][j], r[2][j], r[3][j], r[4][j], r[5][j]})
				for i := range 6 {
					dst[(6*i+j)*dstStride+t] = v[i]
				}
			}
		}
	}
}

// outputGo4 computes Y = Aᵀ m A + bias for every tile, each row of m
// transformed (m A) first, then each column of the result, and the bias
// added last.
func outputGo4(dst []float32, dstStride, h, w int, src []float32, srcStride int, bias float32) {
	tilesH, tilesW := F4.Tiles(h), F4.Tiles(w)
	for ty := range tilesH {
		for tx := range tilesW {
			t := ty*tilesW + tx
			var q [6][4]float32 // m A
			for i := range 6 {
				var row [6]float32
				for j := range 6 {
					row[j] = src[(6*i+j)*srcStride+t]
				}
				q[i] = a4(row)
			}
			for b := range 4 {
				y := a4([6]float32{q[0][b], q[1][b], q[2][b], q[3][b], q[4][b], q[5][b]})
				for a := range 4 {
					if r, c := 4*ty+a, 4*tx+b; r < h && c < w {
						dst[r*dstStride+c] = y[a] + bias
					}
				}
			}
		}
	}
}

// outputGradGo4 computes A dY Aᵀ for every tile, each column of dY
// transformed (A dY) first, then each row of the result.
func outputGradGo4(dst []float32, dstStride int, dy []float32, dyStride, h, w int) {
	tilesH, tilesW := F4.Tiles(h), F4.Tiles(w)
	at := func(y, x int) float32 {
		if y < h && x < w {
			return dy[y*dyStride+x]
		}
		return 0
	}
	for ty := range tilesH {
		for tx := range tilesW {
			var r [4][6]float32 // column b of A dY in r[b]
			for b := range 4 {
				x := 4*tx + b
				r[b] = at6([4]float32{at(4*ty, x), at(4*ty+1, x), at(4*ty+2, x), at(4*ty+3, x)})
			}
			t := ty*tilesW + tx
			for i := range 6 {
				v := at6([4]float32{r[0][i], r[1][i], r[2][i], r[3][i]})
				for j := range 6 {
					dst[(6*i+j)*dstStride+t] = v[j]
				}
			}
		}
	}
}

// filter4 computes U = G g Gᵀ in float64, rounding each value once: G
// times each column of g, then G times each row of the result, each as
//
//	y0 = x0/4   y1 = −(s + x1)/6   y2 = −(s − x1)/6      s = x0 + x2
//	y3 = (t + x1/2)/6   y4 = (t − x1/2)/6   y5 = x2      t = x0/4 + x2
func filter4(u []float32, stride int, g []float32) {
	var t [6][3]float64 // G g
	for j := range 3 {
		y := gx4(float64(g[j]), float64(g[3+j]), float64(g[6+j]))
		for i := range 6 {
			t[i][j] = y[i]
		}
	}
	for i := range 6 {
		y := gx4(t[i][0], t[i][1], t[i][2])
		u[(6*i+0)*stride] = float32(y[0])
		u[(6*i+1)*stride] = float32(y[1])
		u[(6*i+2)*stride] = float32(y[2])
		u[(6*i+3)*stride] = float32(y[3])
		u[(6*i+4)*stride] = float32(y[4])
		u[(6*i+5)*stride] = float32(y[5])
	}
}

// sixth is 1/6, to multiply by rather than divide.
const sixth = 1.0 / 6

// gx4 is G x for F(4×4, 3×3)'s G.
func gx4(x0, x1, x2 float64) [6]float64 {
	s, t, h := x0+x2, 0.25*x0+x2, 0.5*x1
	return [6]float64{0.25 * x0, -(s + x1) * sixth, -(s - x1) * sixth, (t + h) * sixth, (t - h) * sixth, x2}
}

// gtx4 is Gᵀ x for F(4×4, 3×3)'s G:
//
//	z0 = x0/4 − (x1 + x2)/6 + (x3 + x4)/24
//	z1 = (x2 − x1)/6 + (x3 − x4)/12
//	z2 = (x3 + x4 − x1 − x2)/6 + x5
func gtx4(x0, x1, x2, x3, x4, x5 float64) [3]float64 {
	s12, s34 := x1+x2, x3+x4
	return [3]float64{
		0.25*x0 + (0.25*s34-s12)*sixth,
		(x2-x1)*sixth + (x3-x4)*(0.5*sixth),
		(s34-s12)*sixth + x5,
	}
}

// filterGrad4 computes dg = Gᵀ dU G in float64, rounding each value
// once.
func filterGrad4(dg []float32, du []float32, stride int) {
	var q [3][6]float64 // Gᵀ dU
	for j := range 6 {
		z := gtx4(float64(du[j*stride]), float64(du[(6+j)*stride]), float64(du[(12+j)*stride]),
			float64(du[(18+j)*stride]), float64(du[(24+j)*stride]), float64(du[(30+j)*stride]))
		q[0][j], q[1][j], q[2][j] = z[0], z[1], z[2]
	}
	for i := range 3 {
		z := gtx4(q[i][0], q[i][1], q[i][2], q[i][3], q[i][4], q[i][5])
		dg[3*i], dg[3*i+1], dg[3*i+2] = float32(z[0]), float32(z[1]), float32(z[2])
	}
}
