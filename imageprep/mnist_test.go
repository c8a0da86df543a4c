package imageprep

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"runtime"
	"testing"

	"golang.org/x/image/draw"

	"github.com/gocnn/gocnn/rng"
)

// The picture of the photo tests: 300 wide, 400 tall, the digit's unit box
// a 200-pixel square in it. With a stroke 0.12 units wide, the digit's
// strokes come out about 2.6 pixels wide, as in MNIST.
const (
	photoW, photoH = 300, 400
	strokeW        = 0.12
)

var photoBox = [4]float64{60, 110, 260, 310}

func mustMNIST(t *testing.T, name string, img image.Image, opts MNISTOptions) []float32 {
	t.Helper()
	x, err := MNISTStyle(img, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(x.Shape) != 3 || x.Shape[0] != 1 || x.Shape[1] != Size || x.Shape[2] != Size {
		t.Fatalf("%s: shape %v, want [1 28 28]", name, x.Shape)
	}
	return x.Data
}

// TestPhotosOfDigits draws digits as MNIST does (light on black), as a photo
// of pen on unevenly lit grey paper, and as a photo of chalk on a board, and
// checks that all three come out MNIST-shaped and nearly the same.
func TestPhotosOfDigits(t *testing.T) {
	for _, d := range digits {
		cov := coverage(photoW, photoH, photoBox, d.strokes(strokeW))
		ref := mustMNIST(t, d.name+"/clean", render(photoW, photoH, cov, clean), MNISTOptions{})
		checkMNISTGeometry(t, d.name+"/clean", ref)
		for _, c := range []struct {
			name string
			p    photo
		}{{"paper", paper}, {"board", board}} {
			name := d.name + "/" + c.name
			x := mustMNIST(t, name, render(photoW, photoH, cov, c.p), MNISTOptions{})
			checkMNISTGeometry(t, name, x)
			diff := alignedDiff(x, ref)
			t.Logf("%s: mean |photo - clean| = %.4f, ink %.1f vs %.1f", name, diff, sum(x), sum(ref))
			if diff > 0.03 {
				t.Errorf("%s: differs from the clean rendering by %.3f on average, want ≤ 0.03", name, diff)
			}
			// Paper must not turn into a grey box: most of the canvas stays
			// exactly zero.
			zeros := 0
			for _, v := range x {
				if v == 0 {
					zeros++
				}
			}
			if zeros < Size*Size/2 {
				t.Errorf("%s: only %d of %d pixels are background (0)", name, zeros, Size*Size)
			}
		}
	}
}

// TestRingHoleIsDark checks polarity where it is easy to see: the hole of a
// "0" drawn dark on light paper must come out black and the ring bright.
func TestRingHoleIsDark(t *testing.T) {
	x := mustMNIST(t, "0", drawDigit(digits[0], strokeW, photoW, photoH, photoBox, paper), MNISTOptions{})
	for _, p := range [][2]int{{13, 13}, {14, 14}, {13, 14}, {14, 13}} {
		if v := x[p[1]*Size+p[0]]; v != 0 {
			t.Errorf("hole pixel %v = %.3f, want 0", p, v)
		}
	}
	// Row 14 crosses the ring twice: once left of the hole, once right.
	var left, right float32
	for i := 0; i < 14; i++ {
		left = max(left, x[14*Size+i])
		right = max(right, x[14*Size+14+i])
	}
	if left < 0.9 || right < 0.9 {
		t.Errorf("ring on row 14 peaks at %.2f (left) and %.2f (right), want bright strokes", left, right)
	}
}

// TestAspectRatioKept checks that a tall "1" is not stretched to a square.
func TestAspectRatioKept(t *testing.T) {
	// The "1" capsule: x from 0.45 to 0.55 plus the width, y from 0.1 to 0.9
	// plus the width; height 0.92 units → 20 px, width 0.22 → 4.8 px.
	x := mustMNIST(t, "1", drawDigit(digits[1], strokeW, photoW, photoH, photoBox, paper), MNISTOptions{})
	b := nonZeroBounds(&plane{W: Size, H: Size, Pix: x})
	if b.Dy() != FitSize || b.Dx() < 4 || b.Dx() > 7 {
		t.Errorf("bounding box %dx%d, want about 5x20", b.Dx(), b.Dy())
	}
}

// mnistLike renders digit d onto a 28×28 canvas the way MNIST digits look:
// the ink's bounding box exactly 20 pixels on its longer side, aligned to
// pixel edges, placed by whole pixels so that its centre of mass is near
// (14, 14).
func mnistLike(d digit, sw float64) []float32 {
	// Find the extent and centre of mass of the ink in unit coordinates on
	// a fine grid.
	const n = 800
	// Pixel i of the fine grid is at u = -0.25 + 1.5·(i+0.5)/n.
	const unit, origin = n / 1.5, 0.25 * n / 1.5
	fine := coverage(n, n, [4]float64{origin, origin, origin + unit, origin + unit}, d.strokes(sw))
	minU, minV, maxU, maxV := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var mu, mv, m float64
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			c := fine[j*n+i]
			if c <= 0 {
				continue
			}
			u := -0.25 + 1.5*(float64(i)+0.5)/n
			v := -0.25 + 1.5*(float64(j)+0.5)/n
			minU, maxU = math.Min(minU, u), math.Max(maxU, u)
			minV, maxV = math.Min(minV, v), math.Max(maxV, v)
			mu, mv, m = mu+c*u, mv+c*v, m+c
		}
	}
	// A fine pixel counts as ink when its centre is within half a fine
	// pixel of the shape, so the true edge may lie up to that far outside
	// the extremes found: widen them by that much.
	const half = 0.75 / n
	minU, minV, maxU, maxV = minU-half, minV-half, maxU+half, maxV+half
	s := FitSize / math.Max(maxU-minU, maxV-minV) // pixels per unit
	ox := math.Round(14-(mu/m-minU)*s) - minU*s
	oy := math.Round(14-(mv/m-minV)*s) - minV*s
	cov := coverage(Size, Size, [4]float64{ox, oy, ox + s, oy + s}, d.strokes(sw))
	x := make([]float32, len(cov))
	for i, c := range cov {
		x[i] = float32(c)
	}
	return x
}

// TestMNISTRoundTrip takes MNIST-like 28×28 digits, blows them up tenfold,
// turns them into dark ink on white, and checks that MNISTStyle gives back
// (nearly) the originals.
func TestMNISTRoundTrip(t *testing.T) {
	for _, d := range digits {
		orig := mnistLike(d, strokeW)
		checkMNISTGeometry(t, d.name+"/original", orig) // the fixture itself

		small := ToImage(orig, Size, Size)
		big := image.NewGray(image.Rect(0, 0, 10*Size, 10*Size))
		draw.BiLinear.Scale(big, big.Bounds(), small, small.Bounds(), draw.Src, nil)
		for i, v := range big.Pix {
			big.Pix[i] = 255 - v
		}
		x := mustMNIST(t, d.name, big, MNISTOptions{})
		checkMNISTGeometry(t, d.name, x)
		diff := meanAbsDiff(x, orig)
		t.Logf("%s: mean |result - original| = %.4f", d.name, diff)
		if diff > 0.05 {
			t.Errorf("%s: round trip differs by %.3f on average, want ≤ 0.05", d.name, diff)
		}

		// MNIST itself, fed back in, is left almost as it is.
		same := mustMNIST(t, d.name+"/as is", small, MNISTOptions{})
		if diff := meanAbsDiff(same, orig); diff > 0.03 {
			t.Errorf("%s: an MNIST-style input changed by %.3f on average, want ≤ 0.03", d.name, diff)
		}
	}
}

// TestThinPenIsWidened draws a "7" with a hairline pen on a large picture.
// Shrunk to 20 pixels the line would be a tenth of a pixel wide; widened it
// should carry about as much ink as the same digit drawn with MNIST's
// stroke width.
func TestThinPenIsWidened(t *testing.T) {
	seven := digits[3]
	const w, h = 600, 600
	box := [4]float64{40, 40, 560, 560}
	// The 7 is 0.78 units tall plus the stroke. A stroke of 0.096 units
	// comes out 0.096·20/0.876 ≈ 2.2 px wide; 0.008 units (4 px) ≈ 0.2 px.
	thick := mustMNIST(t, "thick", drawDigit(seven, 0.096, w, h, box, paper), MNISTOptions{})
	thin := mustMNIST(t, "thin", drawDigit(seven, 0.008, w, h, box, paper), MNISTOptions{})
	bare := mustMNIST(t, "thin, not widened", drawDigit(seven, 0.008, w, h, box, paper), MNISTOptions{StrokeWidth: -1})
	checkMNISTGeometry(t, "thin", thin)
	t.Logf("ink: thick %.1f, thin widened %.1f, thin bare %.1f; mean |thin - thick| = %.3f",
		sum(thick), sum(thin), sum(bare), meanAbsDiff(thin, thick))
	if r := sum(thin) / sum(thick); r < 0.75 || r > 1.3 {
		t.Errorf("widened hairline carries %.2f times the ink of the thick stroke, want 0.75 to 1.3", r)
	}
	if r := sum(bare) / sum(thick); r > 0.5 {
		t.Errorf("unwidened hairline carries %.2f times the ink of the thick stroke; widening was expected to matter", r)
	}
	if d := meanAbsDiff(thin, thick); d > 0.08 {
		t.Errorf("widened hairline differs from the thick stroke by %.3f on average, want ≤ 0.08", d)
	}
	// A stroke already wide enough is left alone.
	again := mustMNIST(t, "thick, widening off", drawDigit(seven, 0.096, w, h, box, paper), MNISTOptions{StrokeWidth: -1})
	if d := meanAbsDiff(again, thick); d > 0.005 {
		t.Errorf("widening changed an MNIST-width stroke by %.4f on average", d)
	}
}

// TestSpecksIgnored puts dust (a few dark dots) far from the digit: the
// result must not change.
func TestSpecksIgnored(t *testing.T) {
	one := digits[1]
	cov := coverage(photoW, photoH, photoBox, one.strokes(strokeW))
	want := mustMNIST(t, "1", render(photoW, photoH, cov, paper), MNISTOptions{})
	for _, dot := range [][2]int{{30, 30}, {270, 380}, {40, 360}} {
		for y := dot[1] - 2; y <= dot[1]+2; y++ {
			for x := dot[0] - 2; x <= dot[0]+2; x++ {
				cov[y*photoW+x] = 1
			}
		}
	}
	got := mustMNIST(t, "1 with dust", render(photoW, photoH, cov, paper), MNISTOptions{})
	if d := meanAbsDiff(got, want); d > 0.002 {
		t.Errorf("dust changed the result by %.4f on average", d)
	}
}

// TestNoDigit feeds pictures with nothing on them.
func TestNoDigit(t *testing.T) {
	empty := make([]float64, photoW*photoH)
	for _, c := range []struct {
		name string
		img  image.Image
	}{
		{"white", render(photoW, photoH, empty, photo{background: 1, light0: 1, light1: 1})},
		{"black", render(photoW, photoH, empty, photo{})},
		{"grey paper with a shadow and noise", render(photoW, photoH, empty, paper)},
		{"dark board with noise", render(photoW, photoH, empty, board)},
		{"one pixel", image.NewGray(image.Rect(0, 0, 1, 1))},
	} {
		_, err := MNISTStyle(c.img, MNISTOptions{})
		if !errors.Is(err, ErrNoDigit) {
			t.Errorf("%s: got error %v, want ErrNoDigit", c.name, err)
		}
	}
	if _, err := MNISTStyle(image.NewGray(image.Rect(0, 0, 0, 0)), MNISTOptions{}); err == nil {
		t.Error("empty image: no error")
	}
}

// TestPolarityOption checks that forcing the polarity that Auto detects
// changes nothing, and that an unknown value is an error.
func TestPolarityOption(t *testing.T) {
	seven := digits[3]
	dark := drawDigit(seven, strokeW, photoW, photoH, photoBox, paper)
	light := drawDigit(seven, strokeW, photoW, photoH, photoBox, board)
	if d := meanAbsDiff(mustMNIST(t, "dark auto", dark, MNISTOptions{}), mustMNIST(t, "dark forced", dark, MNISTOptions{Polarity: DarkOnLight})); d != 0 {
		t.Errorf("DarkOnLight differs from auto on ink on paper by %.4f", d)
	}
	if d := meanAbsDiff(mustMNIST(t, "light auto", light, MNISTOptions{}), mustMNIST(t, "light forced", light, MNISTOptions{Polarity: LightOnDark})); d != 0 {
		t.Errorf("LightOnDark differs from auto on chalk on board by %.4f", d)
	}
	if _, err := MNISTStyle(dark, MNISTOptions{Polarity: 7}); err == nil {
		t.Error("polarity 7: no error")
	}
}

// TestTransparentDrawing checks drawings exported with a transparent
// background: black ink is put on white, white ink on black, and both give
// the digit bright.
func TestTransparentDrawing(t *testing.T) {
	zero := digits[0]
	cov := coverage(photoW, photoH, photoBox, zero.strokes(strokeW))
	ref := mustMNIST(t, "clean", render(photoW, photoH, cov, clean), MNISTOptions{})
	for _, ink := range []uint8{0, 255} {
		img := image.NewNRGBA(image.Rect(0, 0, photoW, photoH))
		for i, c := range cov {
			img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2] = ink, ink, ink
			img.Pix[4*i+3] = uint8(math.Round(255 * c))
		}
		x := mustMNIST(t, "transparent", img, MNISTOptions{})
		if d := meanAbsDiff(x, ref); d > 0.01 {
			t.Errorf("ink %d on transparent: differs from the clean rendering by %.4f", ink, d)
		}
	}
}

func TestToImage(t *testing.T) {
	g := ToImage([]float32{-1, 0, 0.5, 1, 2, 0.2}, 2, 3)
	want := []uint8{0, 0, 128, 255, 255, 51}
	if g.Bounds().Dx() != 3 || g.Bounds().Dy() != 2 {
		t.Fatalf("bounds %v, want 3x2", g.Bounds())
	}
	for i, w := range want {
		if g.Pix[i] != w {
			t.Errorf("pixel %d = %d, want %d", i, g.Pix[i], w)
		}
	}
	if c := g.At(2, 0).(color.Gray); c.Y != 128 {
		t.Errorf("At(2,0) = %d, want 128", c.Y)
	}
}

// TestLargeShadowedPhoto is a larger photo, shrunk before processing, in
// which the paper darkens by 40% towards the left edge. Noise averages out
// in the shrinking, so any error in following the shadow to the edge of
// the picture shows up as a bright band there (an earlier version kept
// such a band and took it for part of the digit).
func TestLargeShadowedPhoto(t *testing.T) {
	const w, h = 1200, 900
	cov := coverage(w, h, [4]float64{360, 210, 840, 690}, digits[2].strokes(0.02))
	x := mustMNIST(t, "photo", render(w, h, cov, paper), MNISTOptions{})
	ref := mustMNIST(t, "clean", render(w, h, cov, clean), MNISTOptions{})
	checkMNISTGeometry(t, "photo", x)
	if d := alignedDiff(x, ref); d > 0.01 {
		t.Errorf("differs from the clean rendering by %.4f on average, want ≤ 0.01", d)
	}
}

// TestOddImages feeds tiny, thin and random pictures: each must give either
// ErrNoDigit or a valid input, never a panic or values out of range.
func TestOddImages(t *testing.T) {
	g := rng.New(3)
	for _, sz := range [][2]int{{1, 1}, {1, 50}, {50, 1}, {2, 2}, {3, 3}, {7, 5}, {28, 28}, {2, 300}, {300, 2}} {
		w, h := sz[0], sz[1]
		for _, kind := range []string{"noise", "one bright pixel", "one dark pixel", "half and half"} {
			img := image.NewGray(image.Rect(0, 0, w, h))
			for i := range img.Pix {
				switch kind {
				case "noise":
					img.Pix[i] = uint8(g.IntN(256))
				case "one dark pixel":
					img.Pix[i] = 255
				case "half and half":
					if i%w < w/2 {
						img.Pix[i] = 255
					}
				}
			}
			switch kind {
			case "one bright pixel":
				img.Pix[len(img.Pix)/2] = 255
			case "one dark pixel":
				img.Pix[len(img.Pix)/2] = 0
			}
			x, err := MNISTStyle(img, MNISTOptions{})
			if err != nil {
				if !errors.Is(err, ErrNoDigit) {
					t.Errorf("%dx%d %s: unexpected error %v", w, h, kind, err)
				}
				continue
			}
			for _, v := range x.Data {
				if !(v >= 0 && v <= 1) {
					t.Errorf("%dx%d %s: value %v", w, h, kind, v)
					break
				}
			}
		}
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestMNISTStyleOfALargePicture checks that preparing a large picture
// takes memory for the shrunk working plane, not for the whole picture.
func TestMNISTStyleOfALargePicture(t *testing.T) {
	const w, h = 4000, 3000
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 230
	}
	for y := 1000; y < 2000; y++ {
		for x := 1800; x < 2100; x++ {
			img.Pix[y*w+x] = 20 // a "1"
		}
	}
	var err error
	got := allocated(func() { _, err = MNISTStyle(img, MNISTOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	if full := uint64(4 * w * h); got > full {
		t.Errorf("preparing a %dx%d picture allocated %d bytes; a plane of its full size is %d", w, h, got, full)
	}
}

// TestTightCrops draws each digit dark on light as scanned collections
// crop them, the strokes running past the picture's edges, at 28x28 and
// 40x64: strokes 0.15 of the box wide running 12% past, and 0.18 wide
// running 6% past. Each must be prepared (before framing, the "0" found no
// ink in all four: its background cells were all ink), keep
// MNIST's geometry, and come out nearer the same digit drawn with paper
// around it than any other digit. (Digits thicker still, with more ink
// than paper in the picture, are framed in the ink's tone and still fail.)
func TestTightCrops(t *testing.T) {
	scan := photo{background: 0.95, ink: 0.1, light0: 1, light1: 1, noise: 0.02, seed: 3}
	for _, c := range []struct{ stroke, over float64 }{{0.15, 0.12}, {0.18, 0.06}} {
		for _, wh := range [][2]int{{28, 28}, {40, 64}} {
			w, h := wh[0], wh[1]
			fw, fh := float64(w), float64(h)
			// The same digits in the middle of a canvas three times the size.
			refs := make([][]float32, len(digits))
			for i, d := range digits {
				box := [4]float64{(1 - c.over) * fw, (1 - c.over) * fh, (2 + c.over) * fw, (2 + c.over) * fh}
				refs[i] = mustMNIST(t, d.name+"/margin", drawDigit(d, c.stroke, 3*w, 3*h, box, scan), MNISTOptions{})
			}
			for i, d := range digits {
				name := fmt.Sprintf("%s/%dx%d/stroke %.2f", d.name, w, h, c.stroke)
				box := [4]float64{-c.over * fw, -c.over * fh, (1 + c.over) * fw, (1 + c.over) * fh}
				x := mustMNIST(t, name, drawDigit(d, c.stroke, w, h, box, scan), MNISTOptions{})
				checkMNISTGeometry(t, name, x)
				own := alignedDiff(x, refs[i])
				for j := range digits {
					if other := alignedDiff(x, refs[j]); j != i && other <= own {
						t.Errorf("%s: as near %s (%.3f) as itself with a margin (%.3f)", name, digits[j].name, other, own)
					}
				}
			}
		}
	}
}
