package winograd

// The portable transforms: what other architectures and the purego build
// tag run, and the definition the assembly kernels are tested against.
// Every value is computed by the same additions in the same order as in
// the kernels, so the two agree bit for bit.

// kernels is one implementation of the plane transforms.
type kernels struct {
	name       string
	input      func(dst []float32, dstStride int, src []float32, srcStride int, p *InputPlan, ty0, ty1 int)
	output     func(dst []float32, dstStride, h, w int, src []float32, srcStride int, bias float32)
	outputGrad func(dst []float32, dstStride int, dy []float32, dyStride, h, w int)
}

// active2 and active4 are the implementations of F(2×2, 3×3) and F(4×4,
// 3×3) this machine uses, chosen once at start-up.
var active2, active4 kernels

var (
	goKernels2 = kernels{name: "purego", input: inputGo2, output: outputGo2, outputGrad: outputGradGo2}
	goKernels4 = kernels{name: "purego", input: inputGo4, output: outputGo4, outputGrad: outputGradGo4}
)

// Kernel reports which implementation of F(2×2, 3×3)'s transforms runs
// on this machine: "avx512" or "purego". See Algorithm.Kernel.
func Kernel() string { return active2.name }

// b4 is F(2×2, 3×3)'s 1-D input transform y = Bᵀx of four values:
//
//	y0 = x0 − x2   y1 = x1 + x2   y2 = x2 − x1   y3 = x1 − x3
func b4(x [4]float32) [4]float32 {
	return [4]float32{x[0] - x[2], x[1] + x[2], x[2] - x[1], x[1] - x[3]}
}

// a2 is its 1-D output transform y = Aᵀx of four values:
//
//	y0 = (x0 + x1) + x2   y1 = (x1 − x2) − x3
func a2(x [4]float32) [2]float32 {
	return [2]float32{(x[0] + x[1]) + x[2], (x[1] - x[2]) - x[3]}
}

// at4 is its 1-D transform y = A x of two values, for the output's
// gradient:
//
//	y0 = x0   y1 = x0 + x1   y2 = x0 − x1   y3 = −x1
func at4(x [2]float32) [4]float32 {
	return [4]float32{x[0], x[0] + x[1], x[0] - x[1], -x[1]}
}

// inputGo2 computes V = Bᵀ d B for every tile, each row of d transformed
// (d B, b4) first, then each column of the result.
func inputGo2(dst []float32, dstStride int, src []float32, srcStride int, p *InputPlan, ty0, ty1 int) {
	at := func(r, c int) float32 {
		if r >= 0 && r < p.H && c >= 0 && c < p.W {
			return src[r*srcStride+c]
		}
		return 0
	}
	for ty := ty0; ty < ty1; ty++ {
		for tx := range p.TilesW {
			var r [4][4]float32 // d B
			for i := range 4 {
				y, x := 2*ty-p.PadH+i, 2*tx-p.PadW
				r[i] = b4([4]float32{at(y, x), at(y, x+1), at(y, x+2), at(y, x+3)})
			}
			t := (ty-ty0)*p.TilesW + tx
			for j := range 4 {
				v := b4([4]float32{r[0][j], r[1][j], r[2][j], r[3][j]})
				for i := range 4 {
					dst[(4*i+j)*dstStride+t] = v[i]
				}
			}
		}
	}
}

// outputGo2 computes Y = Aᵀ m A + bias for every tile, each row of m
// transformed (m A, a2) first, then each column of the result, and the
// bias added last.
func outputGo2(dst []float32, dstStride, h, w int, src []float32, srcStride int, bias float32) {
	tilesH, tilesW := F2.Tiles(h), F2.Tiles(w)
	for ty := range tilesH {
		for tx := range tilesW {
			t := ty*tilesW + tx
			var q [4][2]float32 // m A
			for i := range 4 {
				q[i] = a2([4]float32{src[(4*i)*srcStride+t], src[(4*i+1)*srcStride+t],
					src[(4*i+2)*srcStride+t], src[(4*i+3)*srcStride+t]})
			}
			for b := range 2 {
				y := a2([4]float32{q[0][b], q[1][b], q[2][b], q[3][b]})
				for a := range 2 {
					if r, c := 2*ty+a, 2*tx+b; r < h && c < w {
						dst[r*dstStride+c] = y[a] + bias
					}
				}
			}
		}
	}
}

// outputGradGo2 computes A dY Aᵀ for every tile, each column of dY
// transformed (A dY, at4) first, then each row of the result.
func outputGradGo2(dst []float32, dstStride int, dy []float32, dyStride, h, w int) {
	tilesH, tilesW := F2.Tiles(h), F2.Tiles(w)
	at := func(y, x int) float32 {
		if y < h && x < w {
			return dy[y*dyStride+x]
		}
		return 0
	}
	for ty := range tilesH {
		for tx := range tilesW {
			var r [2][4]float32 // column b of A dY in r[b]
			for b := range 2 {
				r[b] = at4([2]float32{at(2*ty, 2*tx+b), at(2*ty+1, 2*tx+b)})
			}
			t := ty*tilesW + tx
			for i := range 4 {
				v := at4([2]float32{r[0][i], r[1][i]})
				for j := range 4 {
					dst[(4*i+j)*dstStride+t] = v[j]
				}
			}
		}
	}
}
