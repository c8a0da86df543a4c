package winograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// implementations lists the transforms this machine can run: the
// portable Go always, and the assembly where the processor has it.
func implementations() []kernels {
	impls := []kernels{goKernels}
	if active.name != goKernels.name {
		impls = append(impls, active)
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

// conv3x3 is the plain definition: out[y][x] = Σ g[i][j]·in[y+i][x+j]
// over a plane already padded, in float64.
func conv3x3(in []float32, stride, h, w int, g []float32) []float64 {
	out := make([]float64, h*w)
	for y := range h {
		for x := range w {
			var s float64
			for i := range 3 {
				for j := range 3 {
					s += float64(g[3*i+j]) * float64(in[(y+i)*stride+x+j])
				}
			}
			out[y*w+x] = s
		}
	}
	return out
}

// TestTransformsComputeConvolution checks the algorithm itself: Input,
// Filter, the elementwise product and Output give the 3×3 convolution,
// within float32 rounding, on planes of odd and even sizes, with each
// implementation.
func TestTransformsComputeConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range implementations() {
		for _, size := range [][2]int{{1, 1}, {2, 2}, {3, 5}, {7, 4}, {6, 33}, {9, 40}} {
			h, w := size[0], size[1]
			th, tw := Tiles(h), Tiles(w)
			stride := InputRowStride(tw) + r.IntN(3)
			in := randomPlane(r, (2*th+2)*stride+InputSlack(tw))
			g := randomPlane(r, 9)
			tiles := th * tw
			v := make([]float32, 16*tiles)
			k.input(v, tiles, in, stride, th, tw)
			u := make([]float32, 16)
			Filter(u, 1, g)
			m := make([]float32, 16*tiles)
			for xi := range 16 {
				for t := range tiles {
					m[xi*tiles+t] = u[xi] * v[xi*tiles+t]
				}
			}
			const bias = 0.25
			out := make([]float32, h*w)
			k.output(out, w, h, w, m, tiles, bias)
			want := conv3x3(in, stride, h, w, g)
			for i, got := range out {
				if d := math.Abs(float64(got) - (want[i] + bias)); d > 1e-5 {
					t.Fatalf("%s, %dx%d: output %d is %v, the convolution gives %v", k.name, h, w, i, got, want[i]+bias)
				}
			}
		}
	}
}

// TestGradientTransforms checks OutputGrad and FilterGrad against the
// definition of the weight gradient: for dy over an output plane,
// ∂L/∂g[i][j] = Σ dy[y][x]·in[y+i][x+j], computed the Winograd way from
// the tiles' transforms.
func TestGradientTransforms(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range implementations() {
		for _, size := range [][2]int{{1, 1}, {3, 3}, {4, 7}, {10, 35}} {
			h, w := size[0], size[1]
			th, tw := Tiles(h), Tiles(w)
			stride := InputRowStride(tw)
			in := randomPlane(r, (2*th+2)*stride+InputSlack(tw))
			// Zeros outside the plane's padded window, as a caller pads:
			// the tiles past an odd edge read them.
			for y := range 2*th + 2 {
				for x := range stride {
					if y >= h+2 || x >= w+2 {
						in[y*stride+x] = 0
					}
				}
			}
			dyStride := w + r.IntN(3)
			dy := randomPlane(r, (h-1)*dyStride+w)
			tiles := th * tw
			v := make([]float32, 16*tiles)
			k.input(v, tiles, in, stride, th, tw)
			dyT := make([]float32, 16*tiles)
			k.outputGrad(dyT, tiles, dy, dyStride, h, w)
			du := make([]float32, 16)
			for xi := range 16 {
				for t := range tiles {
					du[xi] += dyT[xi*tiles+t] * v[xi*tiles+t]
				}
			}
			dg := make([]float32, 9)
			FilterGrad(dg, du, 1)
			for i := range 3 {
				for j := range 3 {
					var want float64
					for y := range h {
						for x := range w {
							want += float64(dy[y*dyStride+x]) * float64(in[(y+i)*stride+x+j])
						}
					}
					if d := math.Abs(float64(dg[3*i+j]) - want); d > 1e-4 {
						t.Fatalf("%s, %dx%d: ∂L/∂g[%d][%d] is %v, the definition gives %v", k.name, h, w, i, j, dg[3*i+j], want)
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
	if active.name == goKernels.name {
		t.Skip("no assembly transforms on this machine")
	}
	const marker = -12345.5
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 300 {
		h, w := 1+r.IntN(12), 1+r.IntN(70)
		if trial%10 == 0 {
			w = 1 + r.IntN(600) // groups past 255 tiles, masks clamped
		}
		th, tw := Tiles(h), Tiles(w)
		tiles := th * tw
		name := fmt.Sprintf("%dx%d", h, w)

		// Input.
		stride := InputRowStride(tw) + r.IntN(5)
		in := randomPlane(r, (2*th+1)*stride+InputRowStride(tw))
		dstStride := tiles + r.IntN(4)
		got, want := filled(16*dstStride+8, marker), filled(16*dstStride+8, marker)
		active.input(got, dstStride, in, stride, th, tw)
		goKernels.input(want, dstStride, in, stride, th, tw)
		sameBits(t, name+" Input", got, want)

		// Output.
		src := randomPlane(r, 15*dstStride+tiles)
		outStride := w + r.IntN(4)
		got, want = filled(h*outStride+8, marker), filled(h*outStride+8, marker)
		bias := 2*r.Float32() - 1
		active.output(got, outStride, h, w, src, dstStride, bias)
		goKernels.output(want, outStride, h, w, src, dstStride, bias)
		sameBits(t, name+" Output", got, want)

		// OutputGrad.
		dy := randomPlane(r, (h-1)*outStride+w)
		got, want = filled(16*dstStride+8, marker), filled(16*dstStride+8, marker)
		active.outputGrad(got, dstStride, dy, outStride, h, w)
		goKernels.outputGrad(want, dstStride, dy, outStride, h, w)
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

// TestChecksRefuseShortSlices checks that the exported functions panic
// with a message, rather than let a kernel write out of bounds, when a
// slice is too short for the shape asked.
func TestChecksRefuseShortSlices(t *testing.T) {
	cases := map[string]func(){
		"Input dst":      func() { Input(make([]float32, 15*4+3), 4, make([]float32, 200), InputRowStride(2), 2, 2) },
		"Input src":      func() { Input(make([]float32, 64), 4, make([]float32, 100), InputRowStride(2), 2, 2) },
		"Output dst":     func() { Output(make([]float32, 10), 4, 3, 4, make([]float32, 64), 4, 0) },
		"Output src":     func() { Output(make([]float32, 12), 4, 3, 4, make([]float32, 60), 4, 0) },
		"OutputGrad dy":  func() { OutputGrad(make([]float32, 64), 4, make([]float32, 10), 4, 3, 4) },
		"OutputGrad dst": func() { OutputGrad(make([]float32, 60), 4, make([]float32, 12), 4, 3, 4) },
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

func BenchmarkTransforms(b *testing.B) {
	for _, k := range implementations() {
		for _, size := range []int{24, 12, 6} {
			th := Tiles(size)
			stride := InputRowStride(th)
			in := make([]float32, (2*th+2)*stride+InputSlack(th))
			v := make([]float32, 16*th*th)
			out := make([]float32, size*size)
			b.Run(fmt.Sprintf("%s/input/%d", k.name, size), func(b *testing.B) {
				for b.Loop() {
					k.input(v, th*th, in, stride, th, th)
				}
				b.ReportMetric(float64(b.N*th*th)/b.Elapsed().Seconds()/1e6, "Mtiles/s")
			})
			b.Run(fmt.Sprintf("%s/output/%d", k.name, size), func(b *testing.B) {
				for b.Loop() {
					k.output(out, size, size, size, v, th*th, 0)
				}
				b.ReportMetric(float64(b.N*th*th)/b.Elapsed().Seconds()/1e6, "Mtiles/s")
			})
			b.Run(fmt.Sprintf("%s/outputgrad/%d", k.name, size), func(b *testing.B) {
				for b.Loop() {
					k.outputGrad(v, th*th, out, size, size, size)
				}
				b.ReportMetric(float64(b.N*th*th)/b.Elapsed().Seconds()/1e6, "Mtiles/s")
			})
		}
	}
}
