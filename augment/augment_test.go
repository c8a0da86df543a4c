package augment

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// batch returns a batch of n random images [c, h, w] with labels 0..n-1.
func batch(n, c, h, w int, seed uint64) *data.Batch {
	b := &data.Batch{Labels: make([]int, n), Indices: make([]int, n)}
	b.Images.Resize(n, []int{c, h, w})
	r := rng.New(seed)
	for i := range b.Images.Data {
		b.Images.Data[i] = r.Float32()
	}
	for i := range n {
		b.Labels[i], b.Indices[i] = i, 100+i
	}
	return b
}

func clone(b *data.Batch) *data.Batch {
	c := &data.Batch{Labels: slices.Clone(b.Labels), Indices: slices.Clone(b.Indices)}
	c.Images.Resize(b.Len(), b.Images.Shape[1:])
	copy(c.Images.Data, b.Images.Data)
	return c
}

func newPipeline(t testing.TB, o Options) *Pipeline {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The same RNG state gives the same augmented batch, another seed a
// different one, and the labels stay as they were.
func TestDeterministic(t *testing.T) {
	for _, o := range []Options{Digits(), Skin()} {
		orig := batch(16, 3, 12, 12, 1)
		a, b, c := clone(orig), clone(orig), clone(orig)
		ra := rng.New(7)
		ra.Float64() // move off the seed, then save the state
		state, err := ra.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var rb rng.RNG
		if err := rb.UnmarshalBinary(state); err != nil {
			t.Fatal(err)
		}
		p := newPipeline(t, o)
		p.Apply(a, ra)
		newPipeline(t, o).Apply(b, &rb)
		p.Apply(c, rng.New(8))
		if !slices.Equal(a.Images.Data, b.Images.Data) {
			t.Errorf("%v: same RNG state, different images", o)
		}
		if slices.Equal(a.Images.Data, c.Images.Data) {
			t.Errorf("%v: different seeds, same images", o)
		}
		if slices.Equal(a.Images.Data, orig.Images.Data) {
			t.Errorf("%v: images unchanged", o)
		}
		for i := range a.Labels {
			if a.Labels[i] != i || a.Indices[i] != 100+i {
				t.Fatalf("%v: labels or indices changed: %v %v", o, a.Labels, a.Indices)
			}
		}
		// Each image is changed on its own: the draws differ between them.
		size := 3 * 12 * 12
		same := 0
		for i := 1; i < a.Len(); i++ {
			d0 := diff(a.Images.Data[:size], orig.Images.Data[:size])
			di := diff(a.Images.Data[i*size:(i+1)*size], orig.Images.Data[i*size:(i+1)*size])
			if d0 == di {
				same++
			}
		}
		if same == a.Len()-1 {
			t.Errorf("%v: every image changed the same way", o)
		}
	}
}

func diff(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i] - b[i]))
	}
	return s
}

func TestNoAllocations(t *testing.T) {
	for _, o := range []Options{Digits(), Skin(), {Rotate: 10, Brightness: 0.1, Contrast: 0.1}} {
		p := newPipeline(t, o)
		b := batch(8, 3, 16, 16, 1)
		r := rng.New(1)
		p.Apply(b, r) // warm up
		if allocs := testing.AllocsPerRun(20, func() { p.Apply(b, r) }); allocs != 0 {
			t.Errorf("%v: %v allocations per batch, want 0", o, allocs)
		}
	}
}

func TestNothingEnabled(t *testing.T) {
	b := batch(4, 1, 5, 5, 1)
	want := slices.Clone(b.Images.Data)
	r := rng.New(1)
	newPipeline(t, Options{}).Apply(b, r)
	if !slices.Equal(b.Images.Data, want) {
		t.Error("the zero Options changed the images")
	}
	if r.Uint64() != rng.New(1).Uint64() {
		t.Error("the zero Options drew from the RNG")
	}
}

// The draws cover their ranges, evenly on average.
func TestDrawStatistics(t *testing.T) {
	p := newPipeline(t, Options{FlipH: true, Rot90: true, Shift: 2, Rotate: 10, Scale: 0.1, Brightness: 0.1, Contrast: 0.2})
	r := rng.New(5)
	const n = 20000
	var flips, sumDx, sumAngle, sumScale, sumBright, sumContrast float64
	shifts := map[int]int{}
	quarters := map[int]int{}
	for range n {
		d := p.draw(r, 28, 28)
		if d.flipH {
			flips++
		}
		shifts[d.dx]++
		quarters[d.quarter]++
		sumDx += float64(d.dx)
		sumAngle += d.angle * 180 / math.Pi
		sumScale += d.scale
		sumBright += float64(d.brightness)
		sumContrast += float64(d.contrast)
		if math.Abs(d.angle*180/math.Pi) > 10 || math.Abs(d.scale-1) > 0.1 || math.Abs(float64(d.brightness)) > 0.1 || math.Abs(float64(d.contrast)-1) > 0.2 {
			t.Fatalf("draw %+v out of range", d)
		}
	}
	for dx := -2; dx <= 2; dx++ {
		if math.Abs(float64(shifts[dx])/n-0.2) > 0.02 {
			t.Errorf("shift %d drawn %d times in %d, want about a fifth", dx, shifts[dx], n)
		}
	}
	for k := range 4 {
		if math.Abs(float64(quarters[k])/n-0.25) > 0.02 {
			t.Errorf("%d quarter turns drawn %d times in %d, want about a quarter", k, quarters[k], n)
		}
	}
	if len(shifts) != 5 || len(quarters) != 4 {
		t.Errorf("shifts %v, quarter turns %v", shifts, quarters)
	}
	checks := []struct {
		name      string
		mean, tol float64
		want      float64
	}{
		{"flip rate", flips / n, 0.02, 0.5},
		{"mean shift", sumDx / n, 0.05, 0},
		{"mean angle", sumAngle / n, 0.2, 0},
		{"mean zoom", sumScale / n, 0.002, 1},
		{"mean brightness", sumBright / n, 0.002, 0},
		{"mean contrast", sumContrast / n, 0.004, 1},
	}
	for _, c := range checks {
		if math.Abs(c.mean-c.want) > c.tol {
			t.Errorf("%s %.4f, want %.4f ± %g", c.name, c.mean, c.want, c.tol)
		}
	}
}

// On average a shifted image stays where it was: a single bright pixel
// ends up, over many draws, near its starting place.
func TestShiftCentredOnAverage(t *testing.T) {
	const n, size = 2000, 9
	b := &data.Batch{Labels: make([]int, n)}
	b.Images.Resize(n, []int{1, size, size})
	for i := range n {
		b.Images.Data[i*size*size+4*size+4] = 1 // the centre pixel
	}
	newPipeline(t, Options{Shift: 3}).Apply(b, rng.New(9))
	var sumX, sumY float64
	for i := range n {
		img := b.Images.Data[i*size*size : (i+1)*size*size]
		j := slices.Index(img, 1)
		if j < 0 || slices.Max(img) != 1 || slices.Min(img) != 0 {
			t.Fatalf("image %d: the pixel was lost or blurred", i)
		}
		x, y := j%size-4, j/size-4
		if max(abs(x), abs(y)) > 3 {
			t.Fatalf("image %d: pixel moved by (%d, %d), beyond 3", i, x, y)
		}
		sumX += float64(x)
		sumY += float64(y)
	}
	if mx, my := sumX/n, sumY/n; math.Abs(mx) > 0.15 || math.Abs(my) > 0.15 {
		t.Errorf("mean shift (%.3f, %.3f), want about (0, 0)", mx, my)
	}
}

func abs(x int) int { return max(x, -x) }

func TestShiftFraction(t *testing.T) {
	p := newPipeline(t, Options{ShiftFrac: 0.1})
	r := rng.New(1)
	seenX, seenY := map[int]bool{}, map[int]bool{}
	for range 2000 {
		d := p.draw(r, 30, 64) // at most 3 pixels down, 6 across
		seenX[d.dx], seenY[d.dy] = true, true
	}
	if len(seenX) != 13 || !seenX[-6] || !seenX[6] || len(seenY) != 7 || !seenY[-3] || !seenY[3] {
		t.Errorf("shifts across %v, down %v; want -6..6 and -3..3", seenX, seenY)
	}
}

// Non-square images are turned by 0° or 180° only.
func TestRot90NonSquare(t *testing.T) {
	p := newPipeline(t, Options{Rot90: true})
	r := rng.New(1)
	seen := map[int]int{}
	for range 1000 {
		seen[p.draw(r, 3, 4).quarter]++
	}
	if len(seen) != 2 || seen[0] == 0 || seen[2] == 0 {
		t.Errorf("quarter turns drawn for a 3×4 image: %v, want 0 and 2", seen)
	}
}

func TestBadOptions(t *testing.T) {
	tests := []struct {
		o    Options
		want string
	}{
		{Options{Shift: -1}, "shift -1"},
		{Options{ShiftFrac: 1}, "fraction"},
		{Options{Shift: 2, ShiftFrac: 0.1}, "give one"},
		{Options{Rotate: 200}, "0 to 180"},
		{Options{Rotate: math.NaN()}, "rotation"},
		{Options{Scale: 1}, "zoom"},
		{Options{Brightness: -0.1}, "brightness"},
		{Options{Contrast: 1.5}, "contrast"},
		{Options{Normalization: &data.Normalization{Mean: []float32{0}, Std: []float32{0}}}, "standard deviation"},
		{Options{Normalization: &data.Normalization{Mean: []float32{0, 0}, Std: []float32{1}}}, "2 means"},
	}
	for _, tt := range tests {
		_, err := New(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "augment: ") {
			t.Errorf("New(%+v): error %v, want one mentioning %q", tt.o, err, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	norm := &data.Normalization{Mean: []float32{0.1, 0.2, 0.3}, Std: []float32{1, 1, 1}}
	p := newPipeline(t, Options{Shift: 1, Normalization: norm})
	if err := p.Check([]int{3, 8, 8}); err != nil {
		t.Error(err)
	}
	for _, shape := range [][]int{{1, 8, 8}, {3, 8}, {3, 0, 8}} {
		if err := p.Check(shape); err == nil {
			t.Errorf("Check(%v) gave no error", shape)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Apply on a batch of the wrong number of channels did not panic")
		}
	}()
	p.Apply(batch(1, 1, 8, 8, 1), rng.New(1))
}

// Apply fits the training loop's hook, train.Config.Augment.
var _ func(*data.Batch, *rng.RNG) = (&Pipeline{}).Apply

// TestRandomResizedCrop crops ramps: an image whose value is 1 + its
// column stays a ramp along every row, from a window inside the image
// (never the fill) of at least the width the smallest area allows, and
// narrower windows are drawn too; likewise down the columns.
func TestRandomResizedCrop(t *testing.T) {
	const h, w = 16, 20
	p, err := New(Options{Crop: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(8)
	minFrac := math.Sqrt(0.5 * 3 / 4) // the narrowest window: the smallest area, the tallest ratio
	narrower := 0
	for _, across := range []bool{true, false} {
		for trial := range 200 {
			b := data.Batch{Images: *tensor.New(1, 1, h, w), Labels: []int{0}}
			for y := range h {
				for x := range w {
					v := x
					if !across {
						v = y
					}
					b.Images.Data[y*w+x] = float32(1 + v)
				}
			}
			p.Apply(&b, r)
			img := b.Images.Data
			lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
			for y := range h {
				for x := range w {
					v := img[y*w+x]
					lo, hi = min(lo, v), max(hi, v)
					prev := -1
					if across && x > 0 {
						prev = y*w + x - 1
					} else if !across && y > 0 {
						prev = (y-1)*w + x
					}
					if prev >= 0 && v < img[prev]-1e-4 {
						t.Fatalf("trial %d: not a ramp at (%d, %d): %v after %v", trial, x, y, v, img[prev])
					}
				}
			}
			full := float32(w - 1)
			if !across {
				full = h - 1
			}
			if lo < 1-1e-4 || hi > full+1+1e-4 {
				t.Fatalf("trial %d: values %v to %v, outside the image's 1 to %v", trial, lo, hi, full+1)
			}
			span := float64(hi-lo) / float64(full)
			if span < minFrac-1e-3 {
				t.Fatalf("trial %d: a window of %.3f of the size, below the smallest %.3f", trial, span, minFrac)
			}
			if span < 0.95 {
				narrower++
			}
		}
	}
	if narrower < 100 {
		t.Errorf("only %d of 400 crops narrower than the image", narrower)
	}
	if o, err := Parse("fliph,crop=0.6"); err != nil || o.Crop != 0.6 || o.String() != "fliph,crop=0.6" {
		t.Errorf("parse crop=0.6: %+v, %v, %q", o, err, o.String())
	}
	if _, err := New(Options{Crop: 1.5}); err == nil {
		t.Error("a crop of 1.5 of the area was taken")
	}
}

// TestSaturationAndHue checks the colour turn on pixels: grays stay gray,
// the luma stays, the colour's distance from gray is scaled by the
// saturation factor (a factor of 0 leaves gray), and the turn keeps that
// distance; on normalised images it works on the raw pixels.
func TestSaturationAndHue(t *testing.T) {
	yiq := func(r, g, b float64) (y, i, q float64) {
		return 0.299*r + 0.587*g + 0.114*b, 0.595716*r - 0.274453*g - 0.321263*b, 0.211456*r - 0.522591*g + 0.311135*b
	}
	for _, norm := range []*data.Normalization{nil, {Mean: []float32{0.5, 0.4, 0.3}, Std: []float32{0.2, 0.25, 0.3}}} {
		p, err := New(Options{Saturation: 0.5, Hue: 0.2, NoClamp: true, Normalization: norm})
		if err != nil {
			t.Fatal(err)
		}
		const plane = 4
		p.prepare(3, plane)
		// Raw pixels: a gray, a red, a green-blue, a dark brown.
		raw := []float64{0.5, 0.9, 0.2, 0.4 /* r */, 0.5, 0.1, 0.6, 0.3 /* g */, 0.5, 0.1, 0.7, 0.1 /* b */}
		src := make([]float32, 3*plane)
		for k, v := range raw {
			ch := k / plane
			src[k] = float32(v)*p.pixelUnit[ch] + p.fill[ch]
		}
		for _, c := range []struct {
			s     float32
			angle float64
		}{{1, 0.7}, {0.6, -1.2}, {1.4, 0}, {0, 2}} {
			dst := make([]float32, len(src))
			p.saturationHue(dst, src, plane, draw{saturation: c.s, hue: c.angle, contrast: 1, scale: 1})
			for px := range plane {
				back := func(ch int) float64 { return float64((dst[ch*plane+px] - p.fill[ch]) / p.pixelUnit[ch]) }
				y0, i0, q0 := yiq(raw[px], raw[plane+px], raw[2*plane+px])
				y1, i1, q1 := yiq(back(0), back(1), back(2))
				if math.Abs(y1-y0) > 1e-4 || math.Abs(math.Hypot(i1, q1)-float64(c.s)*math.Hypot(i0, q0)) > 1e-4 {
					t.Errorf("s %g, angle %g, pixel %d: YIQ (%.4f %.4f %.4f) from (%.4f %.4f %.4f)", c.s, c.angle, px, y1, i1, q1, y0, i0, q0)
				}
				if px == 0 || c.s == 0 { // gray stays gray, and no saturation is gray
					if math.Abs(back(0)-back(1)) > 1e-4 || math.Abs(back(1)-back(2)) > 1e-4 {
						t.Errorf("s %g, pixel %d: %.4f %.4f %.4f is not gray", c.s, px, back(0), back(1), back(2))
					}
				}
			}
		}
	}
	if p, err := New(Options{Hue: 0.1}); err != nil || p.Check([]int{1, 8, 8}) == nil {
		t.Errorf("hue on gray images: %v, %v", err, p.Check([]int{1, 8, 8}))
	}
	if o, err := Parse("skin,saturation=0.3,hue=0.05"); err != nil || o.Saturation != 0.3 || o.Hue != 0.05 || !strings.Contains(o.String(), "saturation=0.3,hue=0.05") {
		t.Errorf("parse: %+v, %v, %q", o, err, o.String())
	}
	if _, err := New(Options{Hue: 0.7}); err == nil {
		t.Error("a hue turn of 0.7 was taken")
	}
}
