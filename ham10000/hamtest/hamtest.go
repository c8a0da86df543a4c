// Package hamtest writes made-up HAM10000 folders for tests: a
// HAM10000_metadata.csv and small ISIC_*.jpg images beside it, laid out
// as ham10000.Load reads the real one, small enough to write in
// milliseconds and easy enough to learn in a few epochs.
//
// Every class of ham10000.Classes() has images of its own colour and
// rows of its own age and body site, so a network can tell the classes
// apart by the pixels, and a model of the metadata by the rows alone:
//
//	dir := t.TempDir()
//	if err := hamtest.Write(dir, hamtest.Options{PerClass: 12, Width: 20, Height: 15, Seed: 9}); err != nil {
//		t.Fatal(err)
//	}
//	set, err := ham10000.Load(ham10000.Options{Dir: dir, Height: 15, Width: 20, NoCache: true})
//
// The same options write the same bytes, so a test's numbers stay put.
package hamtest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/rng"
)

// Options say how much to write. The zero Options write 8 images per
// class of 16×12 pixels, from seed 0.
type Options struct {
	// PerClass is how many images each class gets, 1 to MaxPerClass;
	// 0 means 8. Images come two to a lesion, as many of HAM10000's do:
	// with an odd count the last image is a lesion of its own.
	PerClass int

	// Width and Height are the images' size in pixels; 0 means 16 and 12.
	Width, Height int

	// Seed seeds the noise on the pixels. The metadata does not depend
	// on it.
	Seed uint64
}

// MaxPerClass is the most images a class can have: class k's image
// numbers run from 100·k, so a 101st would take the next class's first
// number.
const MaxPerClass = 100

// Noise is how far each channel of each pixel strays from its class's
// colour, at most, either way, before JPEG compression: enough that no
// two images are alike, too little for one class to pass for another.
const Noise = 20

// Write writes a made-up HAM10000 into dir, making dir if need be, and
// overwriting files of the same names.
//
// Class k (its index in ham10000.Classes(): akiec, bcc, bkl, df, nv,
// vasc, mel) has o.PerClass images; image j of it is ImageID(k, j) + ".jpg",
// a JPEG at the default quality whose every pixel is Colour(k) with up to
// Noise added to or taken from each channel, drawn from o.Seed.
//
// HAM10000_metadata.csv has HAM10000's columns, lesion_id, image_id, dx,
// dx_type, age, sex and localization, and one row per image in the order
// written. Images j and j+1 of a class, for even j, are one lesion,
// LesionID(k, j). Every diagnosis is histologically confirmed ("histo")
// and every patient male; the age, 20 + 5·k years, and the body site, "site" followed by
// k, are those of the class, so the metadata alone names the class.
func Write(dir string, o Options) error {
	if o.PerClass == 0 {
		o.PerClass = 8
	}
	if o.Width == 0 {
		o.Width = 16
	}
	if o.Height == 0 {
		o.Height = 12
	}
	if o.PerClass < 1 || o.PerClass > MaxPerClass {
		return fmt.Errorf("hamtest: %d images per class: want 1 to %d", o.PerClass, MaxPerClass)
	}
	if o.Width < 1 || o.Height < 1 {
		return fmt.Errorf("hamtest: images of %dx%d pixels: want at least 1x1", o.Width, o.Height)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("hamtest: %w", err)
	}
	r := rng.New(o.Seed)
	var meta strings.Builder
	meta.WriteString("lesion_id,image_id,dx,dx_type,age,sex,localization\n")
	for k, dx := range ham10000.Classes() {
		for j := range o.PerClass {
			id := ImageID(k, j)
			fmt.Fprintf(&meta, "%s,%s,%s,histo,%d.0,male,site%d\n", LesionID(k, j), id, dx, 20+5*k, k)
			b, err := noisyJPEG(o.Width, o.Height, Colour(k), r)
			if err != nil {
				return fmt.Errorf("hamtest: encoding image %s of class %s: %w", id, dx, err)
			}
			if err := os.WriteFile(filepath.Join(dir, id+".jpg"), b, 0o644); err != nil {
				return fmt.Errorf("hamtest: image %s of class %s: %w", id, dx, err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "HAM10000_metadata.csv"), []byte(meta.String()), 0o644); err != nil {
		return fmt.Errorf("hamtest: metadata: %w", err)
	}
	return nil
}

// Colour is the colour of class k's images, k an index into
// ham10000.Classes(): red 30·k, green 200 − 25·k, blue 60 + 20·k, from
// the green of akiec, (0, 200, 60), to the purple of mel, (180, 50, 180).
// Neighbouring classes differ by 30 in red, 25 in green and 20 in blue:
// as much as the Noise on one pixel, but the noise averages out over an
// image.
func Colour(k int) color.RGBA {
	return color.RGBA{uint8(30 * k), uint8(200 - 25*k), uint8(60 + 20*k), 255}
}

// ImageID is the image id of image j of class k, whose file is the id
// followed by ".jpg": ISIC_ and 100·k + j in seven digits, so that
// ImageID(1, 0), the first bcc, is "ISIC_0000100".
func ImageID(k, j int) string { return fmt.Sprintf("ISIC_%07d", MaxPerClass*k+j) }

// LesionID is the lesion of image j of class k: HAM_ and 100·k + j/2 in
// seven digits, one lesion for images 0 and 1, another for 2 and 3, and
// so on.
func LesionID(k, j int) string { return fmt.Sprintf("HAM_%07d", MaxPerClass*k+j/2) }

// noisyJPEG encodes a w×h image of colour c with r's noise on every
// channel of every pixel, drawn row by row, red, green then blue.
func noisyJPEG(w, h int, c color.RGBA, r *rng.RNG) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	noisy := func(v uint8) uint8 { return uint8(min(255, max(0, int(v)+r.IntN(2*Noise+1)-Noise))) }
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = noisy(c.R), noisy(c.G), noisy(c.B), 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
