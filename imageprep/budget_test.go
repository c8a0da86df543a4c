package imageprep

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/internal/imagebomb"
)

// budgetImages are pictures in every form the decoders produce, large
// enough that their pixels outweigh the decoders' fixed costs.
func budgetImages(t *testing.T) map[string][]byte {
	const w, h = 613, 411
	fill := func(img interface{ Set(x, y int, c color.Color) }) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, color.NRGBA64{R: uint16(x * 97), G: uint16(y * 131), B: uint16(x * y), A: uint16(0x8000 + x*y)})
			}
		}
	}
	r := image.Rect(0, 0, w, h)
	gray, gray16, nrgba, nrgba64 := image.NewGray(r), image.NewGray16(r), image.NewNRGBA(r), image.NewNRGBA64(r)
	rgb, rgb16 := image.NewRGBA(r), image.NewRGBA64(r)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.White, color.NRGBA{R: 255, A: 128}})
	for _, img := range []interface{ Set(x, y int, c color.Color) }{gray, gray16, nrgba, nrgba64, pal} {
		fill(img)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			rgb.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 9, A: 255})
			rgb16.Set(x, y, color.RGBA64{R: uint16(x * 97), G: uint16(y), B: 9, A: 0xffff})
		}
	}
	out := map[string][]byte{}
	for name, img := range map[string]image.Image{
		"gray.png": gray, "gray16.png": gray16, "nrgba.png": nrgba, "nrgba64.png": nrgba64,
		"rgb.png": rgb, "rgb16.png": rgb16, "paletted.png": pal, "gray.jpg": gray, "rgb.jpg": rgb,
	} {
		var b bytes.Buffer
		var err error
		if strings.HasSuffix(name, ".jpg") {
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
		} else {
			err = png.Encode(&b, img)
		}
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b.Bytes()
	}
	// A photo taken sideways, which Decode turns upright.
	out["rgb-sideways.jpg"] = withExif(out["rgb.jpg"], orientationTIFF(binary.BigEndian, 6))
	out["gray-sideways.jpg"] = withExif(out["gray.jpg"], orientationTIFF(binary.LittleEndian, 8))
	// The fixtures made by another encoder: progressive, interlaced.
	for _, name := range []string{"seven-progressive.jpg", "zero-interlaced-rgba16.png", "four-paletted.png"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	out["bomb.png"] = imagebomb.PNG(1000, 999)
	out["bomb.jpg"] = imagebomb.JPEG(1001, 999)
	return out
}

// TestInspectBoundsDecodeMemory checks that Info.DecodeBytes is what
// decoding takes: never less than the decoders allocate, and not much
// more.
func TestInspectBoundsDecodeMemory(t *testing.T) {
	const fixed = 128 << 10 // the decoders' tables and windows, whatever the size
	for name, data := range budgetImages(t) {
		info, err := Decoder{}.Inspect(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var decodeErr error
		got := allocated(func() {
			var img image.Image
			if info.Format == "png" {
				img, decodeErr = png.Decode(bytes.NewReader(data))
			} else {
				img, decodeErr = jpeg.Decode(bytes.NewReader(data))
				if decodeErr == nil {
					orient(img, jpegOrientation(data))
				}
			}
		})
		if decodeErr != nil {
			t.Fatalf("%s: %v", name, decodeErr)
		}
		if want := uint64(info.DecodeBytes) + fixed; got > want {
			t.Errorf("%s (%dx%d): decoding allocated %d bytes, Inspect said %d", name, info.Width, info.Height, got, info.DecodeBytes)
		}
		if uint64(info.DecodeBytes) > 2*got+fixed {
			t.Errorf("%s (%dx%d): Inspect said %d bytes, decoding allocated only %d", name, info.Width, info.Height, info.DecodeBytes, got)
		}
	}
}

func TestDecoderRefusesBombsBeforeDecoding(t *testing.T) {
	bomb := imagebomb.PNG(5792, 5792)
	big := Decoder{MaxBytes: 1 << 30} // room for the bombs' 256 MiB: only their truncation stops them
	for _, c := range []struct {
		name    string
		dec     Decoder
		data    []byte
		tooBig  bool
		want    string
		maxData int // bytes of data the check may allocate per byte of input, beyond a fixed amount
	}{
		{"decodable 16-bit PNG of 5792x5792", Decoder{}, bomb, true,
			"the png picture is 5792×5792 pixels, which take 256.1 MiB to decode, over the budget of 256 MiB", 3},
		{"the same under a smaller budget", Decoder{MaxBytes: 64 << 20}, bomb, true, "over the budget of 64 MiB", 3},
		{"its header alone", big, imagebomb.HeaderPNG(5792, 5792), false,
			"png image of 5792x5792 pixels holds 2 bytes of compressed pixel data, too few for the 268383904 bytes it needs (it is truncated)", 3},
		{"its first tenth", big, bomb[:len(bomb)/10], false, "too few for the 268383904 bytes", 3},
		{"a JPEG's headers alone", big, imagebomb.HeaderJPEG(16000, 16000), false,
			"jpeg image of 16000x16000 pixels holds 0 bytes of scan data, too few for its 4000000 blocks (it is truncated)", 3},
		{"a JPEG without a scan", big, imagebomb.HeaderJPEG(16000, 16000)[:128], false, "decoding jpeg header: unexpected EOF", 3},
		{"a JFIF JPEG without a scan", big, withJFIF(imagebomb.HeaderJPEG(16000, 16000)[:128]), false, "jpeg image has no scan", 3},
		{"a JPEG over the pixel limit", big, imagebomb.JPEG(65535, 65535), true, "more than the 268435456 pixels accepted", 3},
		{"data longer than the budget", Decoder{MaxBytes: 100 << 10}, bomb, true, "the image data is longer than the budget of 0.09766 MiB", 3},
	} {
		var err error
		got := allocated(func() { _, _, err = c.dec.Decode(bytes.NewReader(c.data)) })
		if err == nil {
			t.Errorf("%s: decoded", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrTooLarge) != c.tooBig {
			t.Errorf("%s: error %q (ErrTooLarge: %v), want it to contain %q (ErrTooLarge: %v)", c.name, err, errors.Is(err, ErrTooLarge), c.want, c.tooBig)
		}
		if limit := uint64(c.maxData*len(c.data)) + 1<<20; got > limit {
			t.Errorf("%s: %d bytes allocated to refuse %d bytes of data, want at most %d", c.name, got, len(c.data), limit)
		}
	}
	// Within its budget the same bomb decodes.
	small := imagebomb.PNG(300, 200)
	img, format, err := Decoder{MaxBytes: 300 * 200 * 8 * 2}.Decode(bytes.NewReader(small))
	if err != nil || format != "png" || img.Bounds() != image.Rect(0, 0, 300, 200) {
		t.Errorf("a bomb within the budget: %v, %q, %v", err, format, err)
	}
	if _, _, err := (Decoder{MaxBytes: 300 * 200 * 8}).Decode(bytes.NewReader(small)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a bomb just over the budget: error %v", err)
	}
}

// withJFIF returns the JPEG data with a JFIF segment after its
// start-of-image marker. (The header of a JFIF file is read only up to
// its frame header by jpeg.DecodeConfig; that of others up to the scan.)
func withJFIF(jpg []byte) []byte {
	seg := []byte{0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}
