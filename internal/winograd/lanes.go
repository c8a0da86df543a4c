package winograd

import (
	"fmt"
	"math"
)

// A LanePlan runs an algorithm's transforms (F(2×2, 3×3)'s or F(4×4,
// 3×3)'s) on the tiles of several images at once, numbered together: lane k = img·tiles + t is tile t (t = ty·
// TilesW + tx) of image img, and a call takes any run of lanes. Where
// InputPlan's transforms work on a tile row of one plane, sixteen tiles
// a vector, and leave most lanes of a narrow image's vectors empty (a
// 6×6 output is two tiles a row), these read each lane's tile from its
// own place (AVX-512's gathers and scatters), so sixteen tiles fill a
// vector whatever the image's width: the tiles of a tile row, of the
// next, and of the next image. Output writes the blocks of the tiles
// side by side in a tile row a row of outputs at a time instead, when
// the plan numbers tiles alone and the call starts at a group of
// sixteen from the plan's first lane (see outRuns): a scatter writes
// one value at a time.
//
// The values of lane k go to (and come from) dst[ξ·stride + k − lane0],
// as InputPlan's do for a chunk of whole images, and the numbers are the
// same, bit for bit. (Output's rows are planned for F(4×4, 3×3) only;
// F(2×2, 3×3)'s blocks of four are scattered.)
//
// A plan made by NewChannelLanePlan numbers channels too, fastest: lane
// k = (img·tiles + t)·channels + c is channel c of that tile, so that a
// call transforms every channel of a run of tiles, and the values of a
// tile's channels lie side by side: dst[ξ·stride + t·channels + c], the
// products' operands [tiles, channels] rather than [channels, tiles].
type LanePlan struct {
	M                int // outputs a tile, down and across: 2 or 4
	H, W, PadH, PadW int // the input plane and its zeros
	OH, OW           int // the output plane
	TilesH, TilesW   int
	Images           int // the most images a call's lanes reach
	// InStride and OutStride are the floats between one image's input
	// plane (and output plane) and the next's: C·H·W and Out·OH·OW for a
	// batch of NCHW images.
	InStride, OutStride int
	// InChannels and OutChannels are the channels numbered within a
	// tile's lanes, input and output: 1 for a plan of tiles alone.
	InChannels, OutChannels int

	// For each lane, where its tile's first input (and output) lies,
	// from the first image's plane, and which of its rows (bits 0-5) and
	// columns (bits 8-13) lie inside the plane.
	inOff, outOff     []int32
	inValid, outValid []uint16

	// outRuns, for a plan of tiles alone (OutChannels 1), lists for each
	// group of sixteen lanes from lane 0 (outGroups[g] is its first) the
	// runs of its lanes whose blocks lie side by side in one tile row,
	// eight at most (32 outputs across), each ended by a run of no lanes:
	// the output kernels write a run's rows whole rather than scatter
	// them (see outRun).
	outRuns   []outRun
	outGroups []int32

	kern *laneKernels // this machine's transforms of the plan's algorithm
}

// An outRun is lanes [L, L+N) of a group of sixteen, whose blocks lie
// side by side in one tile row: row a of all of them is Cols outputs in
// a row of the plane from Off + a·OW, when bit a of Rows says that row
// is inside the plane.
type outRun struct {
	Off        int32
	L, N       uint8
	Rows, Cols uint8
}

// planOutRuns fills in p.outRuns and p.outGroups.
func (p *LanePlan) planOutRuns() {
	tiles := p.TilesH * p.TilesW
	for g := 0; g < len(p.outOff); g += 16 {
		p.outGroups = append(p.outGroups, int32(len(p.outRuns)))
		for k := g; k < min(g+16, len(p.outOff)); {
			tx := k % tiles % p.TilesW
			n := min(g+16-k, p.TilesW-tx, 8, len(p.outOff)-k)
			var rows uint8
			for a := range 4 {
				if p.outValid[k]&(1<<a) != 0 {
					rows |= 1 << a
				}
			}
			cols := min(4*n, p.OW-4*tx)
			p.outRuns = append(p.outRuns, outRun{Off: p.outOff[k], L: uint8(k - g), N: uint8(n), Rows: rows, Cols: uint8(cols)})
			k += n
		}
		p.outRuns = append(p.outRuns, outRun{}) // the end of the group's runs
	}
}

// NewLanePlan plans the algorithm's transforms of h × w input planes
// padded by padH and padW, for up to images images whose planes lie
// inStride (input) and outStride (output) floats apart. The padding must
// be at most 2, the output at least 1×1, and every offset must fit in
// 32 bits.
func (a *Algorithm) NewLanePlan(h, w, padH, padW, images, inStride, outStride int) (*LanePlan, error) {
	return a.newLanePlan(h, w, padH, padW, images, inStride, outStride, 1, 1)
}

// NewChannelLanePlan plans the algorithm's transforms of batches of up
// to images NCHW images of in channels of h × w, padded by padH and
// padW, whose outputs have out channels, with the channels numbered in
// the lanes (see LanePlan).
func (a *Algorithm) NewChannelLanePlan(h, w, padH, padW, images, in, out int) (*LanePlan, error) {
	oh, ow := h+2*padH-2, w+2*padW-2
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("winograd: no lanes for %d and %d channels", in, out)
	}
	return a.newLanePlan(h, w, padH, padW, images, in*h*w, out*max(oh*ow, 1), in, out)
}

func (a *Algorithm) newLanePlan(h, w, padH, padW, images, inStride, outStride, in, out int) (*LanePlan, error) {
	ip, err := a.NewInputPlan(h, w, padH, padW)
	if err != nil {
		return nil, err
	}
	m := a.m
	oh, ow := h+2*padH-2, w+2*padW-2
	if images < 1 || inStride < in*h*w || outStride < out*oh*ow {
		return nil, fmt.Errorf("winograd: no lanes for %d images %d and %d floats apart", images, inStride, outStride)
	}
	if int64(images)*int64(max(inStride, outStride)) > math.MaxInt32 {
		return nil, fmt.Errorf("winograd: %d images of %d floats are too many for 32-bit offsets", images, max(inStride, outStride))
	}
	p := &LanePlan{M: m, H: h, W: w, PadH: padH, PadW: padW, OH: oh, OW: ow,
		TilesH: ip.TilesH, TilesW: ip.TilesW, Images: images, InStride: inStride, OutStride: outStride,
		InChannels: in, OutChannels: out, kern: activeLanes.of(m)}
	for img := range images {
		for ty := range p.TilesH {
			for tx := range p.TilesW {
				r0, c0 := m*ty-padH, m*tx-padW
				var v uint16
				for i := range m + 2 {
					if r := r0 + i; r >= 0 && r < h {
						v |= 1 << i
					}
					if c := c0 + i; c >= 0 && c < w {
						v |= 1 << (8 + i)
					}
				}
				for c := range in {
					p.inOff = append(p.inOff, int32(img*inStride+c*h*w+r0*w+c0))
					p.inValid = append(p.inValid, v)
				}
				v = 0
				for a := range m {
					if m*ty+a < oh {
						v |= 1 << a
					}
					if m*tx+a < ow {
						v |= 1 << (8 + a)
					}
				}
				for o := range out {
					p.outOff = append(p.outOff, int32(img*outStride+o*oh*ow+m*ty*ow+m*tx))
					p.outValid = append(p.outValid, v)
				}
			}
		}
	}
	if out == 1 && m == 4 {
		p.planOutRuns()
	}
	return p, nil
}

// Lanes is how many lanes the plan has on the input side:
// Images·TilesH·TilesW·InChannels.
func (p *LanePlan) Lanes() int { return len(p.inOff) }

// points is how many values a tile's transform has: (M+2)².
func (p *LanePlan) points() int { return (p.M + 2) * (p.M + 2) }

// OutLanes is how many lanes the plan has on the output side:
// Images·TilesH·TilesW·OutChannels.
func (p *LanePlan) OutLanes() int { return len(p.outOff) }

// Input transforms lanes [lane0, lane0+lanes) from src, the first
// image's input plane of one channel (the others InStride floats on):
// lane k's tile d becomes dst[ξ·dstStride + k − lane0] = (Bᵀ d B)[i][j],
// ξ = (M+2)·i + j.
func (p *LanePlan) Input(dst []float32, dstStride int, src []float32, lane0, lanes int) {
	p.check("Input", lane0, lanes, p.Lanes(), p.InChannels, len(src), p.InStride, p.InChannels*p.H*p.W)
	if dstStride < lanes || len(dst) < (p.points()-1)*dstStride+lanes {
		panic(fmt.Sprintf("winograd: Input of %d lanes into %d values with stride %d", lanes, len(dst), dstStride))
	}
	p.kern.input(dst, dstStride, src, p, lane0, lanes)
}

// Output transforms lanes [lane0, lane0+lanes) of src (lane k's values
// at src[ξ·srcStride + k − lane0]) into M×M blocks of output, adding
// bias, in dst, the first image's output plane of one channel; the parts
// of blocks outside the plane are left unwritten.
//
// With channels in the lanes, bias is added to every channel alike.
func (p *LanePlan) Output(dst []float32, src []float32, srcStride, lane0, lanes int, bias float32) {
	p.check("Output", lane0, lanes, p.OutLanes(), p.OutChannels, len(dst), p.OutStride, p.OutChannels*p.OH*p.OW)
	if srcStride < lanes || len(src) < (p.points()-1)*srcStride+lanes {
		panic(fmt.Sprintf("winograd: Output of %d lanes from %d values with stride %d", lanes, len(src), srcStride))
	}
	p.kern.output(dst, src, srcStride, p, lane0, lanes, bias)
}

// OutputGrad transforms the M×M blocks of dy (the first image's output
// gradient plane of one channel; zero outside the plane) of lanes
// [lane0, lane0+lanes) into dst[ξ·dstStride + k − lane0] = (A dY
// Aᵀ)[i][j], ξ = (M+2)·i + j.
func (p *LanePlan) OutputGrad(dst []float32, dstStride int, dy []float32, lane0, lanes int) {
	p.check("OutputGrad", lane0, lanes, p.OutLanes(), p.OutChannels, len(dy), p.OutStride, p.OutChannels*p.OH*p.OW)
	if dstStride < lanes || len(dst) < (p.points()-1)*dstStride+lanes {
		panic(fmt.Sprintf("winograd: OutputGrad of %d lanes into %d values with stride %d", lanes, len(dst), dstStride))
	}
	p.kern.outputGrad(dst, dstStride, dy, p, lane0, lanes)
}

// check panics, with a message, when lanes [lane0, lane0+lanes) are not
// among the plan's all (chans a tile), or when an image of size floats,
// stride floats from the last, reaches past n for the images they cover.
func (p *LanePlan) check(fn string, lane0, lanes, all, chans, n, stride, size int) {
	if lanes < 1 || lane0 < 0 || lane0+lanes > all {
		panic(fmt.Sprintf("winograd: %s of lanes [%d, %d) of %d", fn, lane0, lane0+lanes, all))
	}
	last := (lane0 + lanes - 1) / (p.TilesH * p.TilesW * chans)
	if n < last*stride+size {
		panic(fmt.Sprintf("winograd: %s of lanes reaching image %d from %d values", fn, last, n))
	}
}

// laneKernels is one implementation of one algorithm's lane transforms.
type laneKernels struct {
	name       string
	input      func(dst []float32, dstStride int, src []float32, p *LanePlan, lane0, lanes int)
	output     func(dst []float32, src []float32, srcStride int, p *LanePlan, lane0, lanes int, bias float32)
	outputGrad func(dst []float32, dstStride int, dy []float32, p *LanePlan, lane0, lanes int)
}

// A laneSet is one implementation of both algorithms' lane transforms; a
// plan takes its algorithm's when it is made.
type laneSet struct{ f2, f4 laneKernels }

// of returns the transforms of the algorithm with m outputs a tile
// across.
func (s *laneSet) of(m int) *laneKernels {
	if m == 2 {
		return &s.f2
	}
	return &s.f4
}

// activeLanes is this machine's implementation, chosen at start-up.
var activeLanes laneSet

var goLanes = laneSet{
	f2: laneKernels{name: "purego", input: inputLanesGo2, output: outputLanesGo2, outputGrad: outputGradLanesGo2},
	f4: laneKernels{name: "purego", input: inputLanesGo4, output: outputLanesGo4, outputGrad: outputGradLanesGo4},
}

// LanesKernel reports which implementation of the lane transforms runs
// on this machine: "avx512" or "purego".
func LanesKernel() string { return activeLanes.f4.name }

// inValue returns value (i, j) of lane k's input tile, from src (as
// Input takes it), or 0 where it lies outside the plane.
func (p *LanePlan) inValue(src []float32, k, i, j int) float32 {
	if v := p.inValid[k]; v&(1<<i) != 0 && v&(1<<(8+j)) != 0 {
		return src[int(p.inOff[k])+i*p.W+j]
	}
	return 0
}

// outInside reports whether value (a, b) of lane k's output block lies
// inside the plane.
func (p *LanePlan) outInside(k, a, b int) bool {
	v := p.outValid[k]
	return v&(1<<a) != 0 && v&(1<<(8+b)) != 0
}

// outAt returns where value (a, b) of lane k's output block lies, from
// the first image's output plane.
func (p *LanePlan) outAt(k, a, b int) int { return int(p.outOff[k]) + a*p.OW + b }

// outValue returns value (a, b) of lane k's output block, from dy (as
// OutputGrad takes it), or 0 where it lies outside the plane.
func (p *LanePlan) outValue(dy []float32, k, a, b int) float32 {
	if p.outInside(k, a, b) {
		return dy[p.outAt(k, a, b)]
	}
	return 0
}

// inputLanesGo4 is inputGo4 lane by lane.
func inputLanesGo4(dst []float32, dstStride int, src []float32, p *LanePlan, lane0, lanes int) {
	for k := lane0; k < lane0+lanes; k++ {
		at := func(i, j int) float32 { return p.inValue(src, k, i, j) }
		var r [6][6]float32 // d B
		for i := range 6 {
			r[i] = b6([6]float32{at(i, 0), at(i, 1), at(i, 2), at(i, 3), at(i, 4), at(i, 5)})
		}
		for j := range 6 {
			v := b6([6]float32{r[0][j], r[1][j], r[2][j], r[3][j], r[4][j], r[5][j]})
			for i := range 6 {
				dst[(6*i+j)*dstStride+k-lane0] = v[i]
			}
		}
	}
}

// outputLanesGo4 is outputGo4 lane by lane.
func outputLanesGo4(dst []float32, src []float32, srcStride int, p *LanePlan, lane0, lanes int, bias float32) {
	for k := lane0; k < lane0+lanes; k++ {
		var q [6][4]float32 // m A
		for i := range 6 {
			var row [6]float32
			for j := range 6 {
				row[j] = src[(6*i+j)*srcStride+k-lane0]
			}
			q[i] = a4(row)
		}
		for b := range 4 {
			y := a4([6]float32{q[0][b], q[1][b], q[2][b], q[3][b], q[4][b], q[5][b]})
			for a := range 4 {
				if p.outInside(k, a, b) {
					dst[p.outAt(k, a, b)] = y[a] + bias
				}
			}
		}
	}
}

// outputGradLanesGo4 is outputGradGo4 lane by lane.
func outputGradLanesGo4(dst []float32, dstStride int, dy []float32, p *LanePlan, lane0, lanes int) {
	for k := lane0; k < lane0+lanes; k++ {
		at := func(a, b int) float32 { return p.outValue(dy, k, a, b) }
		var r [4][6]float32 // column b of A dY in r[b]
		for b := range 4 {
			r[b] = at6([4]float32{at(0, b), at(1, b), at(2, b), at(3, b)})
		}
		for i := range 6 {
			v := at6([4]float32{r[0][i], r[1][i], r[2][i], r[3][i]})
			for j := range 6 {
				dst[(6*i+j)*dstStride+k-lane0] = v[j]
			}
		}
	}
}

// inputLanesGo2 is inputGo2 lane by lane.
func inputLanesGo2(dst []float32, dstStride int, src []float32, p *LanePlan, lane0, lanes int) {
	for k := lane0; k < lane0+lanes; k++ {
		at := func(i, j int) float32 { return p.inValue(src, k, i, j) }
		var r [4][4]float32 // d B
		for i := range 4 {
			r[i] = b4([4]float32{at(i, 0), at(i, 1), at(i, 2), at(i, 3)})
		}
		for j := range 4 {
			v := b4([4]float32{r[0][j], r[1][j], r[2][j], r[3][j]})
			for i := range 4 {
				dst[(4*i+j)*dstStride+k-lane0] = v[i]
			}
		}
	}
}

// outputLanesGo2 is outputGo2 lane by lane.
func outputLanesGo2(dst []float32, src []float32, srcStride int, p *LanePlan, lane0, lanes int, bias float32) {
	for k := lane0; k < lane0+lanes; k++ {
		var q [4][2]float32 // m A
		for i := range 4 {
			q[i] = a2([4]float32{src[(4*i)*srcStride+k-lane0], src[(4*i+1)*srcStride+k-lane0],
				src[(4*i+2)*srcStride+k-lane0], src[(4*i+3)*srcStride+k-lane0]})
		}
		for b := range 2 {
			y := a2([4]float32{q[0][b], q[1][b], q[2][b], q[3][b]})
			for a := range 2 {
				if p.outInside(k, a, b) {
					dst[p.outAt(k, a, b)] = y[a] + bias
				}
			}
		}
	}
}

// outputGradLanesGo2 is outputGradGo2 lane by lane.
func outputGradLanesGo2(dst []float32, dstStride int, dy []float32, p *LanePlan, lane0, lanes int) {
	for k := lane0; k < lane0+lanes; k++ {
		at := func(a, b int) float32 { return p.outValue(dy, k, a, b) }
		var r [2][4]float32 // column b of A dY in r[b]
		for b := range 2 {
			r[b] = at4([2]float32{at(0, b), at(1, b)})
		}
		for i := range 4 {
			v := at4([2]float32{r[0][i], r[1][i]})
			for j := range 4 {
				dst[(4*i+j)*dstStride+k-lane0] = v[j]
			}
		}
	}
}
