package imageprep

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
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
	gifMagic  = []byte("GIF8") // GIF87a and GIF89a

	otherFormats = []struct {
		name  string
		magic []byte
	}{
		{"BMP", []byte("BM")},
		{"TIFF", []byte("II*\x00")},
		{"TIFF", []byte("MM\x00*")},
		{"WebP", []byte("RIFF")}, // followed by a size and "WEBP"
	}
)

// Decode reads one PNG, JPEG or GIF image from r within the default memory
// budget, as Decoder{}.Decode does. It returns the image and the name of
// its format, "png" or "jpeg".
func Decode(r io.Reader) (image.Image, string, error) { return Decoder{}.Decode(r) }

// DecodeFile reads a PNG, JPEG or GIF image from the named file within the
// default memory budget, as Decoder{}.DecodeFile does.
func DecodeFile(path string) (image.Image, string, error) { return Decoder{}.DecodeFile(path) }

// Decode reads one PNG, JPEG or GIF image from r. It returns the image and
// the name of its format, "png", "jpeg" or "gif".
//
// The format is decided from the first bytes of the data, not from a file
// name. Every PNG colour type and bit depth (gray, gray+alpha, paletted, RGB,
// RGBA, 8 and 16 bits, interlaced), baseline and progressive JPEG
// (grayscale, YCbCr, CMYK) and GIF (its first frame) are read. A JPEG whose Exif block says the
// camera was held sideways or upside down (as phones record it) is turned
// upright, returned then as *image.RGBA or *image.Gray.
//
// Before any pixel is decoded, the header is read (see Inspect): data
// longer than the budget, and a picture whose decoding would take more
// memory than it, are refused with an error that wraps ErrTooLarge.
// Empty, truncated or corrupt data, an image larger than MaxPixels, and
// other formats give an error that says what is wrong; Decode never
// panics on bad data.
func (d Decoder) Decode(r io.Reader) (image.Image, string, error) {
	budget := d.budget()
	buf, err := io.ReadAll(io.LimitReader(r, budget+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading image data: %w", err)
	}
	if int64(len(buf)) > budget {
		return nil, "", fmt.Errorf("the image data is longer than the budget of %s: %w", mib(budget), ErrTooLarge)
	}
	info, err := d.Inspect(buf)
	if err != nil {
		return nil, "", err
	}
	var img image.Image
	switch info.Format {
	case "png":
		img, err = png.Decode(bytes.NewReader(buf))
	case "gif":
		img, err = gif.Decode(bytes.NewReader(buf)) // the first frame
		if p, ok := img.(*image.Paletted); ok && err == nil && p.Rect != image.Rect(0, 0, info.Width, info.Height) {
			// A frame smaller than the picture, placed in it: the picture,
			// at its own size, the rest in the palette's first colour.
			screen := image.NewPaletted(image.Rect(0, 0, info.Width, info.Height), p.Palette)
			draw.Draw(screen, p.Rect, p, p.Rect.Min, draw.Src)
			img = screen
		}
	default:
		img, err = jpeg.Decode(bytes.NewReader(buf))
	}
	if err != nil {
		return nil, "", fmt.Errorf("decoding %s: %w", info.Format, err)
	}
	if info.Format == "jpeg" {
		img = orient(img, jpegOrientation(buf))
	}
	return img, info.Format, nil
}

// DecodeFile reads a PNG, JPEG or GIF image from the named file, as Decode does.
// Errors name the file.
func (d Decoder) DecodeFile(path string) (image.Image, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err // *PathError already names the file
	}
	defer f.Close()
	img, format, err := d.Decode(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return img, format, nil
}
