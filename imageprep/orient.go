package imageprep

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
)

// Phone cameras store a photo the way the sensor read it and record in the
// Exif "Orientation" tag how it must be turned to stand upright. Go's JPEG
// decoder ignores the tag, so a digit photographed in portrait mode would
// arrive lying on its side; Decode turns it upright with these functions.

// jpegOrientation returns the Exif orientation (1 to 8) recorded in the
// JPEG data, or 1 (upright) if there is none or it cannot be read. A
// malformed Exif block is ignored rather than reported: the pixels are
// still good.
func jpegOrientation(data []byte) int {
	// JPEG is a sequence of segments: 0xFF, a marker byte, and (for all
	// but a few markers) a big-endian length that counts itself. Exif lives
	// in an APP1 segment before the image data starts (SOS).
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return 1
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return 1
		}
		marker := data[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xda || marker == 0xd9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads the Orientation tag (0x0112) from the first image
// directory of a TIFF-structured Exif block.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 1
	}
	count := int(order.Uint16(tiff[ifd:]))
	for k := 0; k < count; k++ {
		e := ifd + 2 + 12*k // each entry: tag, type, count, value
		if e+12 > len(tiff) {
			return 1
		}
		if order.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		if order.Uint16(tiff[e+2:]) != 3 { // must be a SHORT
			return 1
		}
		if o := int(order.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}

// orient returns img turned as Exif orientation o says, so that it
// displays upright. Orientations 5 to 8 swap width and height.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	// dest maps source pixel (x, y) to where it is displayed.
	dest := func(x, y int) (int, int) {
		switch o {
		case 2: // mirrored left to right
			return w - 1 - x, y
		case 3: // upside down
			return w - 1 - x, h - 1 - y
		case 4: // mirrored top to bottom
			return x, h - 1 - y
		case 5: // mirrored along the main diagonal
			return y, x
		case 6: // needs a quarter turn clockwise
			return h - 1 - y, x
		case 7: // mirrored along the other diagonal
			return h - 1 - y, w - 1 - x
		default: // 8: needs a quarter turn anticlockwise
			return y, w - 1 - x
		}
	}
	if g, ok := img.(*image.Gray); ok {
		out := image.NewGray(image.Rect(0, 0, ow, oh))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				dx, dy := dest(x, y)
				out.Pix[dy*out.Stride+dx] = g.Pix[g.PixOffset(b.Min.X+x, b.Min.Y+y)]
			}
		}
		return out
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	// A JPEG decodes to YCbCr or CMYK: their typed accessors convert each
	// pixel without boxing it in a color.Color, which for a large photo
	// would make as much garbage again as the picture.
	at := func(x, y int) color.Color { return img.At(x, y) }
	rgba := func(x, y int) (r, g, b, a uint32) { return at(x, y).RGBA() }
	switch m := img.(type) {
	case *image.YCbCr:
		rgba = func(x, y int) (r, g, b, a uint32) { return m.YCbCrAt(x, y).RGBA() }
	case *image.CMYK:
		rgba = func(x, y int) (r, g, b, a uint32) { return m.CMYKAt(x, y).RGBA() }
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := dest(x, y)
			r, g, bl, a := rgba(b.Min.X+x, b.Min.Y+y)
			i := dy*out.Stride + 4*dx
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), uint8(a>>8)
		}
	}
	return out
}
