package imagebomb

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestBombsDecode(t *testing.T) {
	for _, s := range [][2]int{{1, 1}, {100, 70}, {130, 200}} {
		w, h := s[0], s[1]
		img, err := png.Decode(bytes.NewReader(PNG(w, h)))
		if err != nil {
			t.Fatalf("PNG(%d, %d): %v", w, h, err)
		}
		if m, ok := img.(*image.NRGBA64); !ok || m.Bounds() != image.Rect(0, 0, w, h) || m.NRGBA64At(w-1, h-1) != (color.NRGBA64{}) {
			t.Errorf("PNG(%d, %d) decodes to %T %v", w, h, img, img.Bounds())
		}
		img, err = jpeg.Decode(bytes.NewReader(JPEG(w, h)))
		if err != nil {
			t.Fatalf("JPEG(%d, %d): %v", w, h, err)
		}
		if m, ok := img.(*image.Gray); !ok || m.Bounds() != image.Rect(0, 0, w, h) || m.GrayAt(w-1, h-1).Y != 128 {
			t.Errorf("JPEG(%d, %d) decodes to %T %v", w, h, img, img.Bounds())
		}
		if _, err := png.Decode(bytes.NewReader(HeaderPNG(w, h))); err == nil {
			t.Errorf("HeaderPNG(%d, %d) decodes", w, h)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(HeaderJPEG(w, h)))
		if err != nil || cfg.Width != w || cfg.Height != h {
			t.Errorf("HeaderJPEG(%d, %d): %+v, %v", w, h, cfg, err)
		}
	}
	// The sizes the package doc promises.
	if n := len(PNG(5792, 5792)); n > 270<<10 {
		t.Errorf("PNG(5792, 5792) is %d bytes", n)
	}
	if n := len(HeaderPNG(5792, 5792)); n != 59 {
		t.Errorf("HeaderPNG(5792, 5792) is %d bytes", n)
	}
}
