package winograd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// laneImpls lists the lane transforms this machine can run.
func laneImpls() []laneSet {
	impls := []laneSet{goLanes}
	if LanesKernel() != goLanes.f4.name {
		impls = append(impls, activeLanes)
	}
	return impls
}

// TestLanesMatchPlanes runs the lane transforms on a run of lanes that
// starts and ends inside images, and the plane transforms of the same
// algorithm (InputPlan, Output, OutputGrad) on each image those lanes
// cover, and checks that the two agree bit for bit, and that Output
// writes nothing outside the tiles of its lanes.
func TestLanesMatchPlanes(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, set := range laneImpls() {
		for trial := range 240 {
			alg := F4
			if trial%2 == 1 {
				alg = F2
			}
			points := alg.Points()
			h, w, pad := 1+r.IntN(14), 1+r.IntN(14), r.IntN(3)
			if trial%8 == 0 {
				w = 40 + r.IntN(40) // more than a group of tiles a row
			}
			images := 1 + r.IntN(4)
			inStride, outStride := h*w+r.IntN(3), (h+2*pad-2)*(w+2*pad-2)+r.IntN(3)
			p, err := alg.NewLanePlan(h, w, pad, pad, images, inStride, outStride)
			if err != nil {
				continue // no output
			}
			k := set.of(alg.m)
			name := fmt.Sprintf("%s %s, %d images %dx%d padded by %d", k.name, alg, images, h, w, pad)
			tiles := p.TilesH * p.TilesW
			lane0 := r.IntN(p.Lanes())
			if trial%4 < 2 {
				// A group's first lane, where the output's rows are
				// planned (LanePlan.outRuns).
				lane0 = 16 * r.IntN((p.Lanes()+15)/16)
			}
			lanes := 1 + r.IntN(p.Lanes()-lane0)
			src := randomPlane(r, (images-1)*inStride+h*w)
			dy := randomPlane(r, (images-1)*outStride+p.OH*p.OW)

			// What the plane transforms give for every lane.
			ip, _ := alg.NewInputPlan(h, w, pad, pad)
			allV := make([]float32, points*images*tiles)
			allG := make([]float32, points*images*tiles)
			for img := range images {
				ip.Input(allV[img*tiles:], images*tiles, src[img*inStride:], w, 0, p.TilesH)
				alg.OutputGrad(allG[img*tiles:], images*tiles, dy[img*outStride:], p.OW, p.OH, p.OW)
			}

			stride := lanes + r.IntN(3)
			v := make([]float32, points*stride)
			k.input(v, stride, src, p, lane0, lanes)
			g := make([]float32, points*stride)
			k.outputGrad(g, stride, dy, p, lane0, lanes)
			for xi := range points {
				for l := range lanes {
					if sameBitsOf(v[xi*stride+l], allV[xi*images*tiles+lane0+l]) == false {
						t.Fatalf("%s: Input lane %d, ξ %d: %v, the plane transform gives %v", name, lane0+l, xi, v[xi*stride+l], allV[xi*images*tiles+lane0+l])
					}
					if sameBitsOf(g[xi*stride+l], allG[xi*images*tiles+lane0+l]) == false {
						t.Fatalf("%s: OutputGrad lane %d, ξ %d: %v, the plane transform gives %v", name, lane0+l, xi, g[xi*stride+l], allG[xi*images*tiles+lane0+l])
					}
				}
			}

			// Output: the lanes' values written into a marked plane, and
			// the plane transform of the same values (zeros for the other
			// lanes) into another; they must agree on the lanes' blocks,
			// and the marks elsewhere must survive.
			const marker = -7777.25
			m := randomPlane(r, (points-1)*stride+lanes)
			got := filled((images-1)*outStride+p.OH*p.OW, marker)
			k.output(got, m, stride, p, lane0, lanes, 0.5)
			full := make([]float32, points*images*tiles)
			for xi := range points {
				copy(full[xi*images*tiles+lane0:], m[xi*stride:xi*stride+lanes])
			}
			want := filled(len(got), marker)
			for img := range images {
				alg.Output(want[img*outStride:], p.OW, p.OH, p.OW, full[img*tiles:], images*tiles, 0.5)
			}
			for i := range got {
				img, at := i/outStride, i%outStride
				if at >= p.OH*p.OW {
					if got[i] != marker {
						t.Fatalf("%s: Output wrote %v between planes, at %d", name, got[i], i)
					}
					continue
				}
				lane := img*tiles + (at/p.OW/p.M)*p.TilesW + (at%p.OW)/p.M
				mine := lane >= lane0 && lane < lane0+lanes
				switch {
				case mine && !sameBitsOf(got[i], want[i]):
					t.Fatalf("%s: Output [%d] (lane %d) is %v, the plane transform gives %v", name, i, lane, got[i], want[i])
				case !mine && got[i] != marker:
					t.Fatalf("%s: Output wrote [%d] = %v, outside its lanes", name, i, got[i])
				}
			}
		}
	}
}

func sameBitsOf(a, b float32) bool { return a == b || a != a && b != b }

// TestLaneChecks checks that the lane transforms panic, with a message,
// on lanes outside the plan or slices too short for them.
func TestLaneChecks(t *testing.T) {
	p, err := F4.NewLanePlan(6, 6, 1, 1, 2, 36, 36) // 2×2 tiles an image, 8 lanes
	if err != nil {
		t.Fatal(err)
	}
	if _, err := F4.NewLanePlan(6, 6, 1, 1, 2, 35, 36); err == nil {
		t.Error("NewLanePlan with planes overlapping: no error")
	}
	cases := map[string]func(){
		"Input lanes": func() { p.Input(make([]float32, 36*8), 8, make([]float32, 72), 4, 5) },
		"Input src":   func() { p.Input(make([]float32, 36*8), 8, make([]float32, 71), 0, 8) },
		"Input dst":   func() { p.Input(make([]float32, 35*8+7), 8, make([]float32, 72), 0, 8) },
		"Output dst":  func() { p.Output(make([]float32, 71), make([]float32, 36*8), 8, 0, 8, 0) },
		"OutputGrad":  func() { p.OutputGrad(make([]float32, 36*8), 8, make([]float32, 40), 4, 4) },
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

// BenchmarkLanes times the lane transforms of F(4×4, 3×3) and F(2×2,
// 3×3) on 16 images of one channel of the sizes ham-resnet's 3×3
// convolutions see at 48x48, reporting tiles per second (a tile is 16
// outputs for F(4×4, 3×3), 4 for F(2×2, 3×3)); BenchmarkTransforms
// times the plane transforms on the same sizes.
func BenchmarkLanes(b *testing.B) {
	for _, set := range laneImpls() {
		for _, alg := range []*Algorithm{F4, F2} {
			for _, size := range []int{24, 12, 6, 3} {
				p, err := alg.NewLanePlan(size, size, 1, 1, 16, size*size, size*size)
				if err != nil {
					b.Fatal(err)
				}
				k := set.of(alg.m)
				n := p.Lanes()
				src := make([]float32, 16*size*size)
				v := make([]float32, alg.Points()*n)
				for _, op := range []string{"input", "output", "outputgrad"} {
					b.Run(fmt.Sprintf("%s/%s/%s/%d", k.name, alg, op, size), func(b *testing.B) {
						for b.Loop() {
							switch op {
							case "input":
								k.input(v, n, src, p, 0, n)
							case "output":
								k.output(src, v, n, p, 0, n, 0)
							default:
								k.outputGrad(v, n, src, p, 0, n)
							}
						}
						b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds()/1e6, "Mtiles/s")
					})
				}
			}
		}
	}
}

// TestChannelLanes runs a channel plan's transforms over a run of lanes
// that starts and ends inside tiles, and a tile plan's on each channel,
// and checks that the two agree bit for bit, value [ξ][t·channels + c]
// against [ξ][t] of channel c; and that Output writes each channel's
// blocks where the tile plan does.
func TestChannelLanes(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, set := range laneImpls() {
		for trial := range 120 {
			alg := F4
			if trial%2 == 1 {
				alg = F2
			}
			points := alg.Points()
			h, w, pad := 1+r.IntN(12), 1+r.IntN(12), r.IntN(3)
			images, in, out := 1+r.IntN(3), 1+r.IntN(20), 1+r.IntN(20)
			cp, err := alg.NewChannelLanePlan(h, w, pad, pad, images, in, out)
			if err != nil {
				continue
			}
			k := set.of(alg.m)
			name := fmt.Sprintf("%s %s, %d images %dx%dx%d → %d padded by %d, trial %d", k.name, alg, images, in, h, w, out, pad, trial)
			tp, err := alg.NewLanePlan(h, w, pad, pad, images, in*h*w, out*cp.OH*cp.OW)
			if err != nil {
				t.Fatal(err)
			}
			tiles := images * cp.TilesH * cp.TilesW
			src := randomPlane(r, images*in*h*w)
			dy := randomPlane(r, images*out*cp.OH*cp.OW)
			lane0 := r.IntN(cp.Lanes())
			lanes := 1 + r.IntN(cp.Lanes()-lane0)
			v := make([]float32, points*lanes)
			k.input(v, lanes, src, cp, lane0, lanes)
			for c := range in {
				want := make([]float32, points*tiles)
				k.input(want, tiles, src[c*h*w:], tp, 0, tiles)
				for l := lane0; l < lane0+lanes; l++ {
					if l%in != c {
						continue
					}
					for xi := range points {
						if !sameBitsOf(v[xi*lanes+l-lane0], want[xi*tiles+l/in]) {
							t.Fatalf("%s: Input lane %d (tile %d, channel %d), ξ %d: %v, the tile plan gives %v",
								name, l, l/in, c, xi, v[xi*lanes+l-lane0], want[xi*tiles+l/in])
						}
					}
				}
			}
			lane0 = r.IntN(cp.OutLanes())
			lanes = 1 + r.IntN(cp.OutLanes()-lane0)
			g := make([]float32, points*lanes)
			k.outputGrad(g, lanes, dy, cp, lane0, lanes)
			for o := range out {
				want := make([]float32, points*tiles)
				k.outputGrad(want, tiles, dy[o*cp.OH*cp.OW:], tp, 0, tiles)
				for l := lane0; l < lane0+lanes; l++ {
					if l%out != o {
						continue
					}
					for xi := range points {
						if !sameBitsOf(g[xi*lanes+l-lane0], want[xi*tiles+l/out]) {
							t.Fatalf("%s: OutputGrad lane %d, ξ %d: %v, the tile plan gives %v", name, l, xi, g[xi*lanes+l-lane0], want[xi*tiles+l/out])
						}
					}
				}
			}
		}
	}
}
