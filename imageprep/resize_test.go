package imageprep

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/gocnn/gocnn/tensor"
)

func TestResizeUniformColour(t *testing.T) {
	img := image.NewNRGBA(image.Rect(3, 5, 40, 28)) // 37×23, not at the origin
	for y := 5; y < 28; y++ {
		for x := 3; x < 40; x++ {
			img.Set(x, y, color.NRGBA{200, 100, 50, 255})
		}
	}
	out, err := Resize(img, 3, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	if tensor.ShapeString(out.Shape) != "[3 5 7]" {
		t.Fatalf("shape %v, want [3 5 7]", out.Shape)
	}
	rgb := out.Data
	want := [3]float64{200.0 / 255, 100.0 / 255, 50.0 / 255}
	for i, v := range rgb {
		if c := i / 35; math.Abs(float64(v)-want[c]) > 1e-3 {
			t.Fatalf("value %d (channel %d) = %.4f, want %.4f", i, c, v, want[c])
		}
	}
	g, err := Resize(img, 1, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	gray := g.Data
	luma := 0.299*want[0] + 0.587*want[1] + 0.114*want[2]
	for i, v := range gray {
		if math.Abs(float64(v)-luma) > 1e-3 {
			t.Fatalf("gray value %d = %.4f, want %.4f", i, v, luma)
		}
	}
}

// TestResizeStretches shrinks a 100×40 picture, red on the left half and
// blue on the right, to 10×4 (a different aspect ratio): the halves stay
// halves and the channels stay apart.
func TestResizeStretches(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 100, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 100; x++ {
			if x < 50 {
				img.SetRGBA(x, y, color.RGBA{255, 0, 0, 255})
			} else {
				img.SetRGBA(x, y, color.RGBA{0, 0, 255, 255})
			}
		}
	}
	out, err := Resize(img, 3, 4, 10)
	if err != nil {
		t.Fatal(err)
	}
	x := out.Data
	red, green, blue := x[:40], x[40:80], x[80:]
	for row := 0; row < 4; row++ {
		for col := 0; col < 10; col++ {
			i := row*10 + col
			if green[i] != 0 {
				t.Errorf("green at (%d,%d) = %.3f, want 0", col, row, green[i])
			}
			switch {
			case col <= 3:
				if red[i] < 0.99 || blue[i] > 0.01 {
					t.Errorf("(%d,%d): red %.3f blue %.3f, want red", col, row, red[i], blue[i])
				}
			case col >= 6:
				if blue[i] < 0.99 || red[i] > 0.01 {
					t.Errorf("(%d,%d): red %.3f blue %.3f, want blue", col, row, red[i], blue[i])
				}
			}
		}
	}
}

// TestResizeStaysInRange enlarges a checkerboard: Catmull-Rom overshoots at
// sharp edges, and the result must still be clipped to [0, 1].
func TestResizeStaysInRange(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		if (i/4+i%4)%2 == 0 {
			img.Pix[i] = 255
		}
	}
	out, err := Resize(img, 1, 17, 13)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := float32(1), float32(0)
	for _, v := range out.Data {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo < 0 || hi > 1 {
		t.Errorf("values span [%v, %v], want within [0, 1]", lo, hi)
	}
	if lo > 0.05 || hi < 0.95 {
		t.Errorf("values span [%v, %v]: the checkerboard was washed out", lo, hi)
	}
}

func TestResizeErrors(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for _, c := range []struct {
		name    string
		img     image.Image
		c, h, w int
	}{
		{"two channels", img, 2, 8, 8},
		{"zero height", img, 1, 0, 8},
		{"negative width", img, 3, 8, -1},
		{"empty image", image.NewGray(image.Rect(0, 0, 0, 5)), 1, 8, 8},
		{"nil image", nil, 1, 8, 8},
	} {
		if _, err := Resize(c.img, c.c, c.h, c.w); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
