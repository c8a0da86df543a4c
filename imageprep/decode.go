package imageprep

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
)

// MaxPixels is the largest image, in pixels, that Decode accepts. It is far
// above any phone photo (a 200-megapixel sensor is still below it) and keeps
// a crafted header that claims a gigantic size from exhausting memory.
const MaxPixels = 1 << 28

// Signatures of the formats Decode reads, and of a few it recognises only to
// say clearly that they are not supported.
var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte("\xff\xd8\xff")

	otherFormats = []struct {
		name  string
		magic []byte
	}{
		{"GIF", []byte("GIF8")},
		{"BMP", []byte("BM")},
		{"TIFF", []byte("II*\x00")},
		{"TIFF", []byte("MM\x00*")},
		{"WebP", []byte("RIFF")}, // followed by a size and "WEBP"
	}
)

// Decode reads one PNG or JPEG image from r. It returns the image and the
// name of its format, "png" or "jpeg".
//
// The format is decided from the first bytes of the data, not from a file
// name. Every PNG colour type and bit depth (gray, gray+alpha, paletted, RGB,
// RGBA, 8 and 16 bits, interlaced) and baseline and progressive JPEG
// (grayscale, YCbCr, CMYK) are read. A JPEG whose Exif block says the
// camera was held sideways or upside down (as phones record it) is turned
// upright, returned then as *image.RGBA or *image.Gray. Empty, truncated or corrupt data, an
// image larger than MaxPixels, and other formats give an error that says what
// is wrong; Decode never panics on bad data.
func Decode(r io.Reader) (image.Image, string, error) {
	buf, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("reading image data: %w", err)
	}
	if len(buf) == 0 {
		return nil, "", errors.New("no image data (empty input)")
	}

	var format string
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch {
	case bytes.HasPrefix(buf, pngMagic):
		format, decodeConfig, decode = "png", png.DecodeConfig, png.Decode
	case bytes.HasPrefix(buf, jpegMagic):
		format, decodeConfig, decode = "jpeg", jpeg.DecodeConfig, jpeg.Decode
	default:
		for _, f := range otherFormats {
			if bytes.HasPrefix(buf, f.magic) {
				return nil, "", fmt.Errorf("the data looks like a %s image; only PNG and JPEG are supported", f.name)
			}
		}
		head := buf[:min(len(buf), 8)]
		return nil, "", fmt.Errorf("not a PNG or JPEG image (it starts with bytes % x)", head)
	}

	// Read the header first so that an absurd size is refused before any
	// pixel memory is allocated.
	cfg, err := decodeConfig(bytes.NewReader(buf))
	if err != nil {
		return nil, "", fmt.Errorf("decoding %s header: %w", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", fmt.Errorf("%s image has no pixels (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, "", fmt.Errorf("%s image is %dx%d, more than the %d pixels accepted", format, cfg.Width, cfg.Height, MaxPixels)
	}
	img, err := decode(bytes.NewReader(buf))
	if err != nil {
		return nil, "", fmt.Errorf("decoding %s: %w", format, err)
	}
	if format == "jpeg" {
		img = orient(img, jpegOrientation(buf))
	}
	return img, format, nil
}

// DecodeFile reads a PNG or JPEG image from the named file, as Decode does.
// Errors name the file.
func DecodeFile(path string) (image.Image, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err // *PathError already names the file
	}
	defer f.Close()
	img, format, err := Decode(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return img, format, nil
}
