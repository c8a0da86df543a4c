package imageprep

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/atomicfile"
)

var update = flag.Bool("update", false, "rewrite the fixtures in testdata that the tests generate")

// Sizes of the fixture pictures: small, so the files stay a few kilobytes.
const fixW, fixH = 60, 80

var fixBox = [4]float64{8, 18, 52, 62}

// fixtureImages builds the pictures stored in testdata, each a digit in a
// different pixel format.
func fixtureImages() map[string]image.Image {
	cov := func(d digit) []float64 { return coverage(fixW, fixH, fixBox, d.strokes(strokeW)) }
	out := map[string]image.Image{}

	// A photo of a 7 on paper, saved as an RGB JPEG.
	out["seven-paper.jpg"] = render(fixW, fixH, cov(digits[3]), paper)

	// The same as a grayscale JPEG.
	rgb := render(fixW, fixH, cov(digits[3]), paper)
	gray := image.NewGray(rgb.Bounds())
	for i := range gray.Pix {
		gray.Pix[i] = rgb.Pix[4*i] // red channel: close enough to luma here
	}
	out["seven-gray.jpg"] = gray

	// A 0 drawn in black on a transparent canvas.
	zero := image.NewNRGBA(image.Rect(0, 0, fixW, fixH))
	for i, c := range cov(digits[0]) {
		zero.Pix[4*i+3] = uint8(255*c + 0.5)
	}
	out["zero-transparent.png"] = zero

	// A 1, light on dark, in 16-bit gray.
	one := image.NewGray16(image.Rect(0, 0, fixW, fixH))
	for i, c := range cov(digits[1]) {
		one.SetGray16(i%fixW, i/fixW, color.Gray16{Y: uint16(0x1000 + c*0xd000)})
	}
	out["one-gray16.png"] = one

	// A 4 on paper in a 256-colour palette.
	four := render(fixW, fixH, cov(digits[2]), paper)
	pal := image.NewPaletted(four.Bounds(), palette.Plan9)
	for y := 0; y < fixH; y++ {
		for x := 0; x < fixW; x++ {
			pal.Set(x, y, four.At(x, y))
		}
	}
	out["four-paletted.png"] = pal
	return out
}

func encode(t *testing.T, name string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".jpg") {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatalf("encoding %s: %v", name, err)
	}
	return buf.Bytes()
}

// TestGeneratedFixtures checks the fixtures in testdata that this file
// generates (rewritten with -update) and the two that ImageMagick made from
// them (see testdata/README.md): each decodes to the right size and format,
// and yields the digit that was drawn.
func TestGeneratedFixtures(t *testing.T) {
	imgs := fixtureImages()
	if *update {
		for name, img := range imgs {
			if err := atomicfile.WriteFile(filepath.Join("testdata", name), encode(t, name, img)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		file, format string
		digit        int // index into digits
		wantType     string
	}{
		{"seven-paper.jpg", "jpeg", 3, "*image.YCbCr"},
		{"seven-gray.jpg", "jpeg", 3, "*image.Gray"},
		{"zero-transparent.png", "png", 0, "*image.NRGBA"},
		{"one-gray16.png", "png", 1, "*image.Gray16"},
		{"four-paletted.png", "png", 2, "*image.Paletted"},
		{"seven-progressive.jpg", "jpeg", 3, "*image.YCbCr"},
		{"zero-interlaced-rgba16.png", "png", 0, "*image.NRGBA64"},
	}
	for _, c := range cases {
		path := filepath.Join("testdata", c.file)
		img, format, err := DecodeFile(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if format != c.format {
			t.Errorf("%s: format %q, want %q", path, format, c.format)
		}
		if b := img.Bounds(); b.Dx() != fixW || b.Dy() != fixH {
			t.Errorf("%s: %dx%d, want %dx%d", path, b.Dx(), b.Dy(), fixW, fixH)
		}
		if got := typeName(img); got != c.wantType {
			t.Errorf("%s: decoded as %s, want %s", path, got, c.wantType)
		}
		x := mustMNIST(t, path, img, MNISTOptions{})
		checkMNISTGeometry(t, path, x)
		d := digits[c.digit]
		ref := mustMNIST(t, "clean "+d.name, render(fixW, fixH, coverage(fixW, fixH, fixBox, d.strokes(strokeW)), clean), MNISTOptions{})
		if diff := alignedDiff(x, ref); diff > 0.05 {
			t.Errorf("%s: differs from a clean %s by %.3f on average, want ≤ 0.05", path, d.name, diff)
		}
	}
}

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.YCbCr:
		return "*image.YCbCr"
	case *image.Gray:
		return "*image.Gray"
	case *image.Gray16:
		return "*image.Gray16"
	case *image.NRGBA:
		return "*image.NRGBA"
	case *image.NRGBA64:
		return "*image.NRGBA64"
	case *image.RGBA64:
		return "*image.RGBA64"
	case *image.Paletted:
		return "*image.Paletted"
	}
	return "other"
}

// TestDecodeKeepsPixels encodes images in memory and checks that Decode
// gives back the same pixels (exactly for PNG, closely for JPEG).
func TestDecodeKeepsPixels(t *testing.T) {
	for name, img := range fixtureImages() {
		got, _, err := Decode(bytes.NewReader(encode(t, name, img)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		tol := uint32(0)
		if strings.HasSuffix(name, ".jpg") {
			tol = 0x1800 // about 10 of 255: JPEG is lossy
		}
		for y := 0; y < fixH; y++ {
			for x := 0; x < fixW; x++ {
				r0, g0, b0, a0 := img.At(x, y).RGBA()
				r1, g1, b1, a1 := got.At(x, y).RGBA()
				if absDiff(r0, r1) > tol || absDiff(g0, g1) > tol || absDiff(b0, b1) > tol || a0 != a1 {
					t.Fatalf("%s: pixel (%d,%d) = %v, want %v", name, x, y, got.At(x, y), img.At(x, y))
				}
			}
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// pngChunk builds one PNG chunk with its CRC.
func pngChunk(kind string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(kind)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	return b.Bytes()
}

func TestDecodeErrors(t *testing.T) {
	good := encode(t, "x.png", fixtureImages()["one-gray16.png"])
	goodJPEG := encode(t, "x.jpg", fixtureImages()["seven-paper.jpg"])

	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-30] ^= 0xff // inside the image data: the CRC no longer matches

	// A valid header claiming a 100000×100000 image, then nothing.
	var hdr bytes.Buffer
	binary.Write(&hdr, binary.BigEndian, [2]uint32{100000, 100000})
	hdr.Write([]byte{8, 0, 0, 0, 0}) // 8-bit gray
	huge := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", hdr.Bytes())...)

	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty input"},
		{"text", []byte("hello, this is not a picture"), "not a PNG, JPEG or GIF image"},
		{"truncated gif", []byte("GIF89a\x01\x00\x01\x00"), "decoding gif header"},
		{"bmp", []byte("BM\x00\x00\x00\x00"), "BMP image; only PNG, JPEG and GIF"},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), "WebP image"},
		{"png signature only", good[:8], "decoding png header"},
		{"truncated png", good[:len(good)/2], "decoding png"},
		{"corrupt png", corrupt, "decoding png"},
		{"huge png", huge, "more than the"},
		{"jpeg signature only", goodJPEG[:3], "decoding jpeg header"},
		{"truncated jpeg", goodJPEG[:len(goodJPEG)/2], "decoding jpeg"},
	} {
		img, _, err := Decode(bytes.NewReader(c.data))
		if err == nil {
			t.Errorf("%s: no error (decoded %v)", c.name, img.Bounds())
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to mention %q", c.name, err, c.want)
		}
	}
}

// TestDecodeFileErrorsNameTheFile reads the broken files in testdata.
func TestDecodeFileErrorsNameTheFile(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"not-an-image.png", "not a PNG, JPEG or GIF image"},
		{"truncated.png", "decoding png"},
		{"missing.png", "no such file"},
	} {
		path := filepath.Join("testdata", c.file)
		_, _, err := DecodeFile(path)
		if err == nil {
			t.Errorf("%s: no error", path)
			continue
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to name the file and mention %q", path, err, c.want)
		}
	}
}

// TestDecodeGIF decodes a GIF's first frame to the pixels it was made
// of, and refuses a GIF header that claims more pixels than its data could
// hold, or than the budget allows, before decoding.
func TestDecodeGIF(t *testing.T) {
	pal := image.NewPaletted(image.Rect(0, 0, 30, 20), color.Palette{color.Black, color.RGBA{200, 40, 10, 255}})
	for y := range 20 {
		for x := range 30 {
			pal.SetColorIndex(x, y, uint8((x/3+y/4)%2))
		}
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, pal, nil); err != nil {
		t.Fatal(err)
	}
	img, format, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil || format != "gif" {
		t.Fatalf("decode: %v, format %q", err, format)
	}
	for y := range 20 {
		for x := range 30 {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := pal.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				t.Fatalf("pixel (%d, %d) is %v, want %v", x, y, img.At(x, y), pal.At(x, y))
			}
		}
	}
	// A header of 15000x15000 pixels and a few bytes: refused as
	// truncated, before the 225 MB frame is allocated.
	huge := slices.Clone(buf.Bytes()[:20])
	binary.LittleEndian.PutUint16(huge[6:], 15000)
	binary.LittleEndian.PutUint16(huge[8:], 15000)
	if _, _, err := Decode(bytes.NewReader(huge)); err == nil || !strings.Contains(err.Error(), "too few for its pixels") {
		t.Errorf("a GIF header claiming 15000x15000: %v", err)
	}
	if _, _, err := (Decoder{MaxBytes: 1000}).Decode(bytes.NewReader(buf.Bytes())); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a 30x20 GIF over a budget of 1000 bytes: %v", err)
	}
}
