package augment

import (
	"math"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/rng"
)

// pipeline returns a pipeline for o, prepared for images of c channels
// of h×w pixels.
func pipeline(t testing.TB, o Options, c, h, w int) *Pipeline {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	p.prepare(c, h*w)
	return p
}

// apply returns img [c, h, w] changed by the draw d.
func apply(t *testing.T, o Options, img []float32, c, h, w int, d draw) []float32 {
	t.Helper()
	out := slices.Clone(img)
	pipeline(t, o, c, h, w).transform(out, h, w, d)
	return out
}

// count returns 1, 2, ..., n.
func count(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i + 1)
	}
	return x
}

func near(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol || math.IsNaN(float64(a[i])) {
			return false
		}
	}
	return true
}

// The whole-pixel changes move pixels exactly, checked on a 3×4 image
//
//	1  2  3  4
//	5  6  7  8
//	9 10 11 12
func TestExactGeometry(t *testing.T) {
	with := func(f func(d *draw)) draw {
		d := identity
		f(&d)
		return d
	}
	tests := []struct {
		name string
		d    draw
		want []float32
	}{
		{"fliph", with(func(d *draw) { d.flipH = true }), []float32{
			4, 3, 2, 1,
			8, 7, 6, 5,
			12, 11, 10, 9}},
		{"flipv", with(func(d *draw) { d.flipV = true }), []float32{
			9, 10, 11, 12,
			5, 6, 7, 8,
			1, 2, 3, 4}},
		{"180°", with(func(d *draw) { d.quarter = 2 }), []float32{
			12, 11, 10, 9,
			8, 7, 6, 5,
			4, 3, 2, 1}},
		// Content moves right by 1 and up by 1; black comes in on the
		// left and at the bottom.
		{"shift (1,-1)", with(func(d *draw) { d.dx, d.dy = 1, -1 }), []float32{
			0, 5, 6, 7,
			0, 9, 10, 11,
			0, 0, 0, 0}},
		{"fliph then shift (-2,1)", with(func(d *draw) { d.flipH, d.dx, d.dy = true, -2, 1 }), []float32{
			0, 0, 0, 0,
			2, 1, 0, 0,
			6, 5, 0, 0}},
	}
	for _, tt := range tests {
		got := apply(t, Options{}, count(12), 1, 3, 4, tt.d)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Quarter turns go anticlockwise, as numpy.rot90 does, on odd and even
// sizes (whose centres fall on a pixel and between pixels).
func TestQuarterTurns(t *testing.T) {
	want3 := [][]float32{
		{1, 2, 3, 4, 5, 6, 7, 8, 9},
		{3, 6, 9, 2, 5, 8, 1, 4, 7},
		{9, 8, 7, 6, 5, 4, 3, 2, 1},
		{7, 4, 1, 8, 5, 2, 9, 6, 3},
	}
	want2 := [][]float32{{1, 2, 3, 4}, {2, 4, 1, 3}, {4, 3, 2, 1}, {3, 1, 4, 2}}
	for k := range 4 {
		d := identity
		d.quarter = k
		if got := apply(t, Options{}, count(9), 1, 3, 3, d); !slices.Equal(got, want3[k]) {
			t.Errorf("3×3 turned %d×90°: got %v, want %v", k, got, want3[k])
		}
		if got := apply(t, Options{}, count(4), 1, 2, 2, d); !slices.Equal(got, want2[k]) {
			t.Errorf("2×2 turned %d×90°: got %v, want %v", k, got, want2[k])
		}
	}
}

// Rotating by 90° through the interpolating path lands on the pixels of
// the exact quarter turn, and rotating by 0° with zoom 1 changes nothing.
func TestRotationMatchesQuarterTurn(t *testing.T) {
	r := rng.New(1)
	for _, n := range []int{4, 5} {
		img := make([]float32, 2*n*n)
		for i := range img {
			img[i] = r.Float32()
		}
		for k := 1; k < 4; k++ {
			exact, rotated := identity, identity
			exact.quarter = k
			rotated.angle = float64(k) * math.Pi / 2
			if _, isExact := rotated.inverseMap(n, n); isExact {
				t.Fatal("a rotation took the exact path")
			}
			want := apply(t, Options{}, img, 2, n, n, exact)
			got := apply(t, Options{}, img, 2, n, n, rotated)
			if !near(got, want, 1e-5) {
				t.Errorf("%d×%d rotated by %d°: got %v, want %v", n, n, 90*k, got, want)
			}
		}
		p := pipeline(t, Options{}, 2, n, n)
		got := make([]float32, len(img))
		m, _ := identity.inverseMap(n, n)
		p.bilinear(got, img, n, n, m)
		if !slices.Equal(got, img) {
			t.Errorf("%d×%d resampled without change: got %v, want %v", n, n, got, img)
		}
	}
}

// Interpolation blends the four neighbours and treats the outside as
// black, checked against values worked out by hand.
func TestBilinear(t *testing.T) {
	p := pipeline(t, Options{}, 1, 1, 3)
	got := make([]float32, 3)
	// Half a pixel to the left: each output is the mean of two inputs;
	// the last one's right neighbour is outside.
	p.bilinear(got, []float32{2, 1, 3}, 1, 3, affine{xx: 1, x0: 0.5, yy: 1})
	if want := []float32{1.5, 2, 1.5}; !near(got, want, 1e-7) {
		t.Errorf("half-pixel shift left: got %v, want %v", got, want)
	}
	// Half a pixel right and down on a 2×2 image: each output is the mean
	// of the 2×2 block above and to its left, black outside.
	p = pipeline(t, Options{}, 1, 2, 2)
	got = make([]float32, 4)
	p.bilinear(got, []float32{1, 2, 3, 4}, 2, 2, affine{xx: 1, x0: -0.5, yy: 1, y0: -0.5})
	if want := []float32{0.25, 0.75, 1, 2.5}; !near(got, want, 1e-7) {
		t.Errorf("half-pixel shift right and down: got %v, want %v", got, want)
	}

	// Zoom ×2 about the centre of a 3×3 image: the corners sample the
	// middle of the 2×2 blocks around the centre pixel.
	img := []float32{
		0, 4, 8,
		12, 16, 20,
		24, 28, 32,
	}
	d := identity
	d.scale = 2
	want := []float32{
		8, 10, 12,
		14, 16, 18,
		20, 22, 24,
	}
	if got := apply(t, Options{}, img, 1, 3, 3, d); !near(got, want, 1e-5) {
		t.Errorf("zoom ×2: got %v, want %v", got, want)
	}
	// Zoom ×0.5: the corners sample two pixels beyond the corners (black),
	// the edge middles one pixel beyond, and the centre stays.
	d.scale = 0.5
	want = []float32{
		0, 0, 0,
		0, 16, 0,
		0, 0, 0,
	}
	if got := apply(t, Options{}, img, 1, 3, 3, d); !near(got, want, 1e-5) {
		t.Errorf("zoom ×0.5: got %v, want %v", got, want)
	}
}

func TestColour(t *testing.T) {
	img := []float32{0.1, 0.5, 0.9, 0.3} // mean 0.45
	tests := []struct {
		name       string
		noClamp    bool
		brightness float32
		contrast   float32
		want       []float32
	}{
		{"brighter", false, 0.25, 1, []float32{0.35, 0.75, 1, 0.55}},
		{"darker", false, -0.2, 1, []float32{0, 0.3, 0.7, 0.1}},
		{"contrast ×2", false, 0, 2, []float32{0, 0.55, 1, 0.15}},
		{"contrast ×0.5", false, 0, 0.5, []float32{0.275, 0.475, 0.675, 0.375}},
		{"both", false, 0.1, 0.5, []float32{0.375, 0.575, 0.775, 0.475}},
		{"unclamped", true, 0.25, 2, []float32{0, 0.8, 1.6, 0.4}},
	}
	for _, tt := range tests {
		d := identity
		d.brightness, d.contrast = tt.brightness, tt.contrast
		got := apply(t, Options{NoClamp: tt.noClamp}, img, 1, 2, 2, d)
		if !near(got, tt.want, 1e-6) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Brightness and contrast come before the geometry, so the black that a
// shift brings in stays black.
func TestColourBeforeGeometry(t *testing.T) {
	d := identity
	d.dx, d.brightness = 1, 0.2
	got := apply(t, Options{}, []float32{0.5, 0.5, 0.5, 0.5}, 1, 2, 2, d)
	if want := []float32{0, 0.7, 0, 0.7}; !near(got, want, 1e-6) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Every channel gets the same geometry: with channel k equal to (k+1)
// times channel 0, the output keeps that relation.
func TestChannelsMoveTogether(t *testing.T) {
	const c, h, w = 3, 6, 5
	r := rng.New(2)
	base := make([]float32, h*w)
	for i := range base {
		base[i] = r.Float32()
	}
	b := &data.Batch{Labels: []int{0, 1, 2, 3}}
	b.Images.Resize(4, []int{c, h, w})
	for i := range 4 {
		for ch := range c {
			for j, v := range base {
				b.Images.Data[(i*c+ch)*h*w+j] = v * float32(ch+1)
			}
		}
	}
	p, err := New(Options{FlipH: true, FlipV: true, Rot90: true, Shift: 2, Rotate: 30, Scale: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	p.Apply(b, r)
	for i := range 4 {
		img := b.Images.Data[i*c*h*w : (i+1)*c*h*w]
		first := img[:h*w]
		if slices.Equal(first, base) {
			t.Errorf("image %d was not changed", i)
		}
		for ch := 1; ch < c; ch++ {
			want := make([]float32, h*w)
			for j, v := range first {
				want[j] = v * float32(ch+1)
			}
			if !near(img[ch*h*w:(ch+1)*h*w], want, 1e-5) {
				t.Errorf("image %d: channel %d moved differently from channel 0", i, ch)
			}
		}
	}
}

// Augmenting normalised images with Options.Normalization gives the
// normalisation of the augmented raw images.
func TestNormalised(t *testing.T) {
	const n, c, h, w = 8, 3, 7, 7
	raw := &data.Batch{Labels: make([]int, n)}
	raw.Images.Resize(n, []int{c, h, w})
	src := rng.New(3)
	for i := range raw.Images.Data {
		raw.Images.Data[i] = src.Float32()
	}
	norm := data.Normalization{Mean: []float32{0.5, 0.4, 0.3}, Std: []float32{0.2, 0.3, 0.25}}
	normed := &data.Batch{Labels: make([]int, n)}
	normed.Images.Resize(n, []int{c, h, w})
	copy(normed.Images.Data, raw.Images.Data)
	if err := norm.ApplyImages(&normed.Images); err != nil {
		t.Fatal(err)
	}

	o := Options{FlipH: true, Rot90: true, Shift: 2, Rotate: 20, Scale: 0.1, Brightness: 0.3, Contrast: 0.5}
	plain, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Normalization = &norm
	withNorm, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	plain.Apply(raw, rng.New(4))
	withNorm.Apply(normed, rng.New(4))
	if err := norm.ApplyImages(&raw.Images); err != nil {
		t.Fatal(err)
	}
	if !near(normed.Images.Data, raw.Images.Data, 1e-4) {
		t.Error("augmenting normalised images differs from normalising augmented ones")
	}
}

func TestNormalisationIsCopied(t *testing.T) {
	norm := data.Normalization{Mean: []float32{0.5}, Std: []float32{0.5}}
	p, err := New(Options{Brightness: 0.1, Normalization: &norm})
	if err != nil {
		t.Fatal(err)
	}
	norm.Mean[0] = 99
	p.prepare(1, 4)
	if p.fill[0] != -1 {
		t.Errorf("fill %v after the caller changed its normalisation, want -1", p.fill[0])
	}
}
