package winograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// implementation is one algorithm's transforms in one instruction set.
type implementation struct {
	alg *Algorithm
	k   kernels
}

func (im implementation) String() string { return im.alg.name + " " + im.k.name }

// implementations lists the transforms this machine can run: the
// portable Go always, and the assembly where the processor has it, for
// each algorithm.
func implementations() []implementation {
	var impls []implementation
	for _, a := range []struct {
		alg          *Algorithm
		go_, active_ kernels
	}{{F2, goKernels2, active2}, {F4, goKernels4, active4}} {
		impls = append(impls, implementation{a.alg, a.go_})
		if a.active_.name != a.go_.name {
			impls = append(impls, implementation{a.alg, a.active_})
		}
	}
	return impls
}

// randomPlane returns n values in [-1, 1), with a few exact zeros and
// negative zeros, whose sign the transforms must keep as Go does.
func randomPlane(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch r.IntN(20) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = float32(math.Copysign(0, -1))
		default:
			s[i] = 2*r.Float32() - 1
		}
	}
	return s
}

// padded returns the value of an h × w plane (rows stride apart) at row y
// and column x of its padded version: zero outside the plane.
func padded(in []float32, stride, h, w, padH, padW, y, x int) float64 {
	y, x = y-padH, x-padW
	if y < 0 || y >= h || x < 0 || x >= w {
		return 0
	}
	return float64(in[y*stride+x])
}

// sizes are the planes the tests transform, with every padding that
// leaves an output: odd and even sizes, one row or column of tiles, and
// planes wider than a group of 16 tiles.
var sizes = [][2]int{{1, 1}, {2, 2}, {3, 5}, {7, 4}, {6, 33}, {9, 40}, {4, 70}}

// TestTransformsComputeConvolution checks the algorithm itself: Input,
// Filter, the elementwise product and Output give the 3×3 convolution of
// the padded plane, within float32 rounding, with each implementation,
// the tile rows transformed all at once and in two runs.
func TestTransformsComputeConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, im := range implementations() {
		alg, k, points := im.alg, im.k, im.alg.Points()
		for _, size := range sizes {
			for pad := range 3 {
				h, w := size[0], size[1]
				p, err := alg.NewInputPlan(h, w, pad, pad)
				if err != nil {
					continue // no output
				}
				oh, ow := h+2*pad-2, w+2*pad-2
				stride := w + r.IntN(3)
				in := randomPlane(r, (h-1)*stride+w)
				g := randomPlane(r, 9)
				tiles := p.TilesH * p.TilesW
				v := make([]float32, points*tiles)
				split := r.IntN(p.TilesH)
				if split > 0 {
					k.input(v, tiles, in, stride, p, 0, split)
				}
				k.input(v[split*p.TilesW:], tiles, in, stride, p, split, p.TilesH)
				u := make([]float32, points)
				alg.Filter(u, 1, g)
				m := make([]float32, points*tiles)
				for xi := range points {
					for t := range tiles {
						m[xi*tiles+t] = u[xi] * v[xi*tiles+t]
					}
				}
				const bias = 0.25
				out := make([]float32, oh*ow)
				k.output(out, ow, oh, ow, m, tiles, bias)
				for y := range oh {
					for x := range ow {
						want := bias
						for i := range 3 {
							for j := range 3 {
								want += float64(g[3*i+j]) * padded(in, stride, h, w, pad, pad, y+i, x+j)
							}
						}
						if got := out[y*ow+x]; math.Abs(float64(got)-want) > 2e-5 {
							t.Fatalf("%s, %dx%d padded by %d: output [%d][%d] is %v, the convolution gives %v", im, h, w, pad, y, x, got, want)
						}
					}
				}
			}
		}
	}
}

// TestGradientTransforms checks OutputGrad and FilterGrad against the
// definition of the weight gradient: for dy over the output plane,
// ∂L/∂g[i][j] = Σ dy[y][x]·in[y+i][x+j] over the padded input, computed
// the Winograd way from the tiles' transforms.
func TestGradientTransforms(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, im := range implementations() {
		alg, k, points := im.alg, im.k, im.alg.Points()
		for _, size := range sizes {
			for pad := range 3 {
				h, w := size[0], size[1]
				p, err := alg.NewInputPlan(h, w, pad, pad)
				if err != nil {
					continue
				}
				oh, ow := h+2*pad-2, w+2*pad-2
				in := randomPlane(r, h*w)
				dyStride := ow + r.IntN(3)
				dy := randomPlane(r, (oh-1)*dyStride+ow)
				tiles := p.TilesH * p.TilesW
				v := make([]float32, points*tiles)
				k.input(v, tiles, in, w, p, 0, p.TilesH)
				dyT := make([]float32, points*tiles)
				k.outputGrad(dyT, tiles, dy, dyStride, oh, ow)
				du := make([]float32, points)
				for xi := range points {
					for t := range tiles {
						du[xi] += dyT[xi*tiles+t] * v[xi*tiles+t]
					}
				}
				dg := make([]float32, 9)
				alg.FilterGrad(dg, du, 1)
				for i := range 3 {
					for j := range 3 {
						var want float64
						for y := range oh {
							for x := range ow {
								want += float64(dy[y*dyStride+x]) * padded(in, w, h, w, pad, pad, y+i, x+j)
							}
						}
						if d := math.Abs(float64(dg[3*i+j]) - want); d > 2e-4 {
							t.Fatalf("%s, %dx%d padded by %d: ∂L/∂g[%d][%d] is %v, the definition gives %v", im, h, w, pad, i, j, dg[3*i+j], want)
						}
					}
				}
			}
		}
	}
}

// TestAssemblyMatchesGo runs each transform on many shapes with the
// assembly and with the Go, and checks that they write the same bits
// and nothing outside what they should: the memory around the outputs
// is filled with a marker that must survive.
func TestAssemblyMatchesGo(t *testing.T) {
	for _, a := range []struct {
		alg          *Algorithm
		go_, active_ kernels
	}{{F2, goKernels2, active2}, {F4, goKernels4, active4}} {
		t.Run(a.alg.name, func(t *testing.T) {
			if a.active_.name == a.go_.name {
				t.Skip("no assembly transforms on this machine")
			}
			assemblyMatchesGo(t, a.alg, a.go_, a.active_)
		})
	}
}

func assemblyMatchesGo(t *testing.T, alg *Algorithm, goKernels, active kernels) {
	const marker = -12345.5
	points := alg.Points()
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 300 {
		h, w, padH, padW := 1+r.IntN(12), 1+r.IntN(70), r.IntN(3), r.IntN(3)
		if trial%10 == 0 {
			w = 1 + r.IntN(600) // groups past 255 tiles, masks clamped
		}
		p, err := alg.NewInputPlan(h, w, padH, padW)
		if err != nil {
			continue
		}
		oh, ow := h+2*padH-2, w+2*padW-2
		name := fmt.Sprintf("%dx%d padded by %dx%d", h, w, padH, padW)

		// Input, of a run of tile rows; the plane alone in its slice, so
		// that a read past its ends would fault or show.
		ty0 := r.IntN(p.TilesH)
		ty1 := ty0 + 1 + r.IntN(p.TilesH-ty0)
		tiles := (ty1 - ty0) * p.TilesW
		stride := w + r.IntN(5)
		in := randomPlane(r, (h-1)*stride+w)
		dstStride := tiles + r.IntN(4)
		got, want := filled(points*dstStride+8, marker), filled(points*dstStride+8, marker)
		active.input(got, dstStride, in, stride, p, ty0, ty1)
		goKernels.input(want, dstStride, in, stride, p, ty0, ty1)
		sameBits(t, name+" Input", got, want)

		// Output.
		tiles = p.TilesH * p.TilesW
		dstStride = tiles + r.IntN(4)
		src := randomPlane(r, (points-1)*dstStride+tiles)
		outStride := ow + r.IntN(4)
		got, want = filled(oh*outStride+8, marker), filled(oh*outStride+8, marker)
		bias := 2*r.Float32() - 1
		active.output(got, outStride, oh, ow, src, dstStride, bias)
		goKernels.output(want, outStride, oh, ow, src, dstStride, bias)
		sameBits(t, name+" Output", got, want)

		// OutputGrad.
		dy := randomPlane(r, (oh-1)*outStride+ow)
		got, want = filled(points*dstStride+8, marker), filled(points*dstStride+8, marker)
		active.outputGrad(got, dstStride, dy, outStride, oh, ow)
		goKernels.outputGrad(want, dstStride, dy, outStride, oh, ow)
		sameBits(t, name+" OutputGrad", got, want)
	}
}

func filled(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] is %v (%#x), Go gives %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestChecksRefuseBadArguments checks that a plan refuses a convolution
// the transforms cannot compute, and that the exported functions panic
// with a message, rather than let a kernel write out of bounds, when a
// slice is too short for the shape asked.
func TestChecksRefuseBadArguments(t *testing.T) {
	for _, g := range [][4]int{{0, 4, 1, 1}, {4, 4, 3, 1}, {1, 1, 0, 0}, {2, 5, 0, 1}, {4, 4, -1, 0}} {
		if _, err := F2.NewInputPlan(g[0], g[1], g[2], g[3]); err == nil {
			t.Errorf("NewInputPlan%v: no error", g)
		}
	}
	p, err := F2.NewInputPlan(4, 4, 1, 1) // 2×2 tiles
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(){
		"Input dst":      func() { p.Input(make([]float32, 15*4+3), 4, make([]float32, 16), 4, 0, 2) },
		"Input src":      func() { p.Input(make([]float32, 64), 4, make([]float32, 15), 4, 0, 2) },
		"Input rows":     func() { p.Input(make([]float32, 64), 4, make([]float32, 16), 4, 1, 3) },
		"Output dst":     func() { F2.Output(make([]float32, 10), 4, 3, 4, make([]float32, 64), 4, 0) },
		"Output src":     func() { F2.Output(make([]float32, 12), 4, 3, 4, make([]float32, 60), 4, 0) },
		"OutputGrad dy":  func() { F2.OutputGrad(make([]float32, 64), 4, make([]float32, 10), 4, 3, 4) },
		"OutputGrad dst": func() { F2.OutputGrad(make([]float32, 60), 4, make([]float32, 12), 4, 3, 4) },
		"F4 Output src":  func() { F4.Output(make([]float32, 16), 4, 4, 4, make([]float32, 35), 1, 0) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// m2 names the algorithm in a benchmark's name: "F2" or "F4".
func (a *Algorithm) m2() string { return fmt.Sprintf("F%d", a.m) }

func BenchmarkTransforms(b *testing.B) {
	for _, im := range implementations() {
		k := im.k
		for _, size := range []int{24, 12, 6} {
			p, err := im.alg.NewInputPlan(size, size, 1, 1)
			if err != nil {
				b.Fatal(err)
			}
			th := p.TilesH
			in := make([]float32, size*size)
			v := make([]float32, im.alg.Points()*th*th)
			out := make([]float32, size*size)
			b.Run(fmt.Sprintf("%s/%s/input/%d", im.alg.m2(), k.name, size), func(b *testing.B) {
				for b.Loop() {
					k.input(v, th*th, in, size, p, 0, th)
				}
				b.ReportMetric(float64(b.N*th*th)/b.Elapsed().Seconds()/1e6, "Mtiles/s")
			})
			b.Run(fmt.Sprintf("%s/%s/output/%d", im.alg.m2(), k.name, size), func(b *testing.B) {
				for b.Loop() {
					k.output(out, size, size, size, v, th*th, 0)
				}
				b.ReportMetric(float64(b.N*th*th)/b.Elapsed().Seconds()/1e6, "Mtiles/s")
			})
			b.Run(fmt.Sprintf("%s/%s/outputgrad/%d", im.alg.m2(), k.name, size), func(b *testing.B) {
				for b.Loop() {
					k.outputGrad(v, th*th, out, size, size, size)
				}
				b.ReportMetric(float64(b.N*th*th)/b.Elapsed().Seconds()/1e6, "Mtiles/s")
			})
		}
	}
}

// TestFilterMatrix checks that K from FilterMatrix transforms filters as
// Filter does, turned ones as Filter does the filter read backwards, and
// that Kᵀ takes gradients back as FilterGrad does, within float32
// rounding.
func TestFilterMatrix(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, alg := range []*Algorithm{F2, F4} {
		n := alg.Points()
		for _, turned := range []bool{false, true} {
			k := alg.FilterMatrix(turned)
			for range 20 {
				g := randomPlane(r, 9)
				src := g
				if turned {
					src = make([]float32, 9)
					for i := range 9 {
						src[i] = g[8-i]
					}
				}
				want := make([]float32, n)
				alg.Filter(want, 1, src)
				for xi := range n {
					var got float64
					for tap := range 9 {
						got += float64(k[xi*9+tap]) * float64(g[tap])
					}
					if math.Abs(got-float64(want[xi])) > 1e-6 {
						t.Fatalf("%s turned %v: U[%d] from K is %v, Filter gives %v", alg, turned, xi, got, want[xi])
					}
				}
			}
		}
		k := alg.FilterMatrix(false)
		du := randomPlane(r, n)
		want := make([]float32, 9)
		alg.FilterGrad(want, du, 1)
		for tap := range 9 {
			var got float64
			for xi := range n {
				got += float64(k[xi*9+tap]) * float64(du[xi])
			}
			if math.Abs(got-float64(want[tap])) > 1e-5 {
				t.Fatalf("%s: dg[%d] from Kᵀ is %v, FilterGrad gives %v", alg, tap, got, want[tap])
			}
		}
	}
}
