// Package foldertest writes small folders of pictures for tests, laid out
// as imagefolder.Load reads them: a folder per class, "across" and "down",
// of colour pictures of stripes across or down, which a small network
// tells apart in a few epochs, and in "across" one file that is no
// picture, which a loader must skip and report.
//
//	dir := filepath.Join(t.TempDir(), "stripes")
//	if err := foldertest.Write(dir, foldertest.Options{PerClass: 20}); err != nil {
//		t.Fatal(err)
//	}
//
// The same options write the same pictures, so a test's numbers stay put.
package foldertest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
)

// Classes are the class folders Write makes, in order.
var Classes = []string{"across", "down"}

// Options say what to write. The zero Options write 8 PNG pictures of
// 12×10 pixels per class.
type Options struct {
	PerClass      int // pictures of each class; 0 means 8
	Width, Height int // the pictures' size; 0 means 12 by 10
	// VarySize makes picture k of a class Width+k%4 pixels wide and
	// Height+k%3 high, so that the pictures are of several sizes.
	VarySize bool
	// JPEG writes the odd-numbered pictures as JPEG, the others as PNG.
	JPEG bool
}

// Write writes the pictures into dir, making it and its class folders:
// picture k of a class is dir/CLASS/pXY.png (or .jpg) with X = 'a' +
// k%26 and Y = 'a' + k/26%26, and the file that is no picture is
// across/broken.jpg with JPEG, across/broken.png without.
func Write(dir string, o Options) error {
	if o.PerClass == 0 {
		o.PerClass = 8
	}
	if o.Width == 0 {
		o.Width = 12
	}
	if o.Height == 0 {
		o.Height = 10
	}
	for _, class := range Classes {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			return fmt.Errorf("foldertest: %w", err)
		}
		for k := range o.PerClass {
			name := filepath.Join(dir, class, "p"+string(rune('a'+k%26))+string(rune('a'+k/26%26)))
			var b bytes.Buffer
			var err error
			img := stripes(class, k, o)
			if o.JPEG && k%2 == 1 {
				name += ".jpg"
				err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 92})
			} else {
				name += ".png"
				err = png.Encode(&b, img)
			}
			if err == nil {
				err = os.WriteFile(name, b.Bytes(), 0o644)
			}
			if err != nil {
				return fmt.Errorf("foldertest: %w", err)
			}
		}
	}
	broken, content := "broken.png", "\x89PNG\r\n\x1a\nthis is not a picture"
	if o.JPEG {
		broken, content = "broken.jpg", "\xff\xd8\xff this is not a picture"
	}
	if err := os.WriteFile(filepath.Join(dir, "across", broken), []byte(content), 0o644); err != nil {
		return fmt.Errorf("foldertest: %w", err)
	}
	return nil
}

// stripes draws picture k of class: bright stripes on a dark ground, of
// a period (6 to 8 pixels) and phase that vary with k, across the picture
// or down it, in colours that vary a little with k.
func stripes(class string, k int, o Options) image.Image {
	w, h := o.Width, o.Height
	if o.VarySize {
		w, h = w+k%4, h+k%3
	}
	period, phase := 6+k%3, k%5
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			on := (y+phase)%period < period/2
			if class == "down" {
				on = (x+phase)%period < period/2
			}
			c := color.RGBA{uint8(30 + k%20), 40, 60, 255}
			if on {
				c = color.RGBA{220, uint8(180 + k%40), 90, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}
