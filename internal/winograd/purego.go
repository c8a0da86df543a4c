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

// inputGo2 computes V = Bᵀ d B for every tile, the row transform (d B)
// first:
//
//	r0 = d0 − d2   r1 = d1 + d2   r2 = d2 − d1   r3 = d1 − d3
//
// for each row (d0, d1, d2, d3) of d, then the same for each column of
// the result.
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
				d0, d1, d2, d3 := at(y, x), at(y, x+1), at(y, x+2), at(y, x+3)
				r[i][0], r[i][1], r[i][2], r[i][3] = d0-d2, d1+d2, d2-d1, d1-d3
			}
			t := (ty-ty0)*p.TilesW + tx
			for j := range 4 {
				r0, r1, r2, r3 := r[0][j], r[1][j], r[2][j], r[3][j]
				dst[j*dstStride+t] = r0 - r2
				dst[(4+j)*dstStride+t] = r1 + r2
				dst[(8+j)*dstStride+t] = r2 - r1
				dst[(12+j)*dstStride+t] = r1 - r3
			}
		}
	}
}

// outputGo2 computes Y = Aᵀ m A + bias for every tile, the row transform
// (m A) first:
//
//	q0 = (m0 + m1) + m2   q1 = (m1 − m2) − m3
//
// for each row (m0, m1, m2, m3) of m, then the same for each column of
// the result, and the bias added last.
func outputGo2(dst []float32, dstStride, h, w int, src []float32, srcStride int, bias float32) {
	tilesH, tilesW := F2.Tiles(h), F2.Tiles(w)
	for ty := range tilesH {
		for tx := range tilesW {
			t := ty*tilesW + tx
			var q [4][2]float32 // m A
			for i := range 4 {
				m0 := src[(4*i)*srcStride+t]
				m1 := src[(4*i+1)*srcStride+t]
				m2 := src[(4*i+2)*srcStride+t]
				m3 := src[(4*i+3)*srcStride+t]
				q[i][0], q[i][1] = (m0+m1)+m2, (m1-m2)-m3
			}
			for a := range 2 {
				y := 2*ty + a
				if y >= h {
					break
				}
				row := dst[y*dstStride:]
				for b := range 2 {
					if 2*tx+b >= w {
						break
					}
					var v float32
					if a == 0 {
						v = (q[0][b] + q[1][b]) + q[2][b]
					} else {
						v = (q[1][b] - q[2][b]) - q[3][b]
					}
					row[2*tx+b] = v + bias
				}
			}
		}
	}
}

// outputGradGo2 computes A dY Aᵀ for every tile, the columns first:
//
//	r0 = e0   r1 = e0 + e1   r2 = e0 − e1   r3 = −e1
//
// for each column (e0, e1) of dY, then the same for each row of the
// result.
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
			var r [4][2]float32 // A dY
			for b := range 2 {
				e0, e1 := at(2*ty, 2*tx+b), at(2*ty+1, 2*tx+b)
				r[0][b], r[1][b], r[2][b], r[3][b] = e0, e0+e1, e0-e1, -e1
			}
			t := ty*tilesW + tx
			for i := range 4 {
				e0, e1 := r[i][0], r[i][1]
				dst[(4*i+0)*dstStride+t] = e0
				dst[(4*i+1)*dstStride+t] = e0 + e1
				dst[(4*i+2)*dstStride+t] = e0 - e1
				dst[(4*i+3)*dstStride+t] = -e1
			}
		}
	}
}
