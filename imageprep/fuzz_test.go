package imageprep

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"testing"

	"github.com/gocnn/gocnn/internal/imagebomb"
)

// FuzzDecode feeds the decoder arbitrary data under a budget of 4 MiB. It
// must never panic; a picture it decodes must have the size Inspect read
// from its header and fit the budget; and what it refuses for the budget
// must be what Inspect says is over it. The seeds are the fixtures and
// small bombs; they run as an ordinary test.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add(imagebomb.PNG(300, 200))
	f.Add(imagebomb.HeaderPNG(5792, 5792))
	f.Add(imagebomb.JPEG(100, 80))
	f.Add(imagebomb.HeaderJPEG(16000, 16000))
	var small bytes.Buffer
	frame := image.NewPaletted(image.Rect(2, 3, 9, 7), color.Palette{color.Black, color.White})
	frame.SetColorIndex(4, 4, 1)
	gif.EncodeAll(&small, &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0}, Config: image.Config{Width: 12, Height: 10}})
	f.Add(small.Bytes())
	dec := Decoder{MaxBytes: 4 << 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, inspectErr := dec.Inspect(b)
		img, format, err := dec.Decode(bytes.NewReader(b))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			if errors.Is(err, ErrTooLarge) && inspectErr == nil && int64(len(b)) <= dec.MaxBytes {
				t.Fatalf("Decode refused for size (%v) what Inspect accepted: %+v", err, info)
			}
			return
		}
		if inspectErr != nil {
			t.Fatalf("Decode accepted what Inspect refused: %v", inspectErr)
		}
		w, h := info.Width, info.Height
		if format == "jpeg" && jpegOrientation(b) >= 5 {
			w, h = h, w // turned a quarter
		}
		if format != info.Format || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Fatalf("decoded a %s of %v; Inspect read %+v", format, img.Bounds(), info)
		}
		if info.DecodeBytes > dec.MaxBytes {
			t.Fatalf("decoded %+v, over the budget", info)
		}
	})
}
