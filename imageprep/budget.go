package imageprep

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// A compressed picture can claim, in a few bytes of header, a size whose
// pixels take gigabytes: a 200 KB PNG of 5792×5792 16-bit pixels decodes
// to 256 MiB, and a PNG of 66 bytes, a header and no pixel data, used to
// cost as much, since the decoder allocates the picture before it finds
// the data missing. Inspect reads what a header claims, works out the
// memory decoding takes, and checks the data is long enough to hold the
// pixels, all without decoding any; a Decoder refuses what exceeds its
// budget before the decoder allocates anything.

// DefaultMaxDecodeBytes is the memory budget of one decode unless a
// Decoder says otherwise: 256 MiB, room for a 64-megapixel 8-bit RGBA PNG,
// a 32-megapixel 16-bit one, or a 100-megapixel photo as a baseline JPEG.
const DefaultMaxDecodeBytes = 256 << 20

// ErrTooLarge is wrapped by the errors of a Decoder that refuses a picture
// (or data) larger than its budget.
var ErrTooLarge = errors.New("too large to decode")

// maxDeflateRatio is the most that deflate, PNG's compression, can
// expand: a length-distance pair makes at most 258 bytes and takes at
// least 2 bits.
const maxDeflateRatio = 1032

// Info is what the header of a PNG, JPEG or GIF says, read without decoding
// its pixels (see Decoder.Inspect).
type Info struct {
	Format        string // "png", "jpeg" or "gif"
	Width, Height int

	// DecodeBytes is the memory decoding takes at its peak: the picture
	// in the form the decoder gives it (8 bytes per pixel for 16-bit
	// RGBA, 1.5 for a 4:2:0 JPEG), with what the decoder holds beside it
	// (an interlaced PNG's passes, a progressive JPEG's coefficients, the
	// RGB copy of a CMYK JPEG, the upright copy of a sideways photo).
	DecodeBytes int64
}

// A Decoder decodes PNG, JPEG and GIF data within a memory budget. The zero
// value is ready to use, with DefaultMaxDecodeBytes.
type Decoder struct {
	// MaxBytes is the budget: the most memory one picture may take to
	// decode (Info.DecodeBytes), and the longest data read. 0 means
	// DefaultMaxDecodeBytes.
	MaxBytes int64

	// MaxPixels caps width × height whatever the memory. 0 means the
	// package's MaxPixels; a larger value is lowered to it.
	MaxPixels int64
}

func (d Decoder) maxPixels() int64 {
	if d.MaxPixels <= 0 {
		return MaxPixels
	}
	return min(d.MaxPixels, MaxPixels)
}

func (d Decoder) budget() int64 {
	if d.MaxBytes <= 0 {
		return DefaultMaxDecodeBytes
	}
	return d.MaxBytes
}

// mib writes a number of bytes in MiB for messages: "256 MiB", "0.5 MiB".
func mib(n int64) string {
	return fmt.Sprintf("%.4g MiB", float64(n)/(1<<20))
}

// Inspect reads the header of PNG, JPEG or GIF data and says what decoding it
// would take, without decoding any pixel. It refuses, before any memory is
// spent on pixels, data that is no PNG, JPEG or GIF, a header that is broken or
// claims no pixels, a picture of more than MaxPixels pixels or whose
// decoding would take more than the budget (both errors wrap
// ErrTooLarge), and data too
// short to hold the pixels its header claims: a PNG whose compressed
// pixels could not fill the picture even at deflate's greatest ratio, a
// JPEG with no scan, or a baseline JPEG with less than one bit for each of
// its blocks.
func (d Decoder) Inspect(data []byte) (Info, error) {
	if len(data) == 0 {
		return Info{}, errors.New("no image data (empty input)")
	}
	var info Info
	var err error
	switch {
	case bytes.HasPrefix(data, pngMagic):
		info, err = inspectPNG(data, d.maxPixels())
	case bytes.HasPrefix(data, jpegMagic):
		info, err = inspectJPEG(data, d.maxPixels())
	case bytes.HasPrefix(data, gifMagic):
		info, err = inspectGIF(data, d.maxPixels())
	default:
		for _, f := range otherFormats {
			if bytes.HasPrefix(data, f.magic) {
				return Info{}, fmt.Errorf("the data looks like a %s image; only PNG, JPEG and GIF are supported", f.name)
			}
		}
		head := data[:min(len(data), 8)]
		return Info{}, fmt.Errorf("not a PNG, JPEG or GIF image (it starts with bytes % x)", head)
	}
	if err != nil {
		return Info{}, err
	}
	if budget := d.budget(); info.DecodeBytes > budget {
		return Info{}, fmt.Errorf("the %s picture is %d×%d pixels, which take %s to decode, over the budget of %s: %w",
			info.Format, info.Width, info.Height, mib(info.DecodeBytes), mib(budget), ErrTooLarge)
	}
	return info, nil
}

// checkDims refuses a header's size before anything is worked out from it.
func checkDims(format string, w, h int, maxPixels int64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%s image has no pixels (%dx%d)", format, w, h)
	}
	if int64(w)*int64(h) > maxPixels {
		return fmt.Errorf("%s image is %dx%d, more than the %d pixels accepted: %w", format, w, h, maxPixels, ErrTooLarge)
	}
	return nil
}

// inspectPNG reads a PNG's header and walks its chunks, adding up the
// compressed pixel data (IDAT) that is there.
func inspectPNG(data []byte, maxPixels int64) (Info, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, fmt.Errorf("decoding png header: %w", err)
	}
	if err := checkDims("png", cfg.Width, cfg.Height, maxPixels); err != nil {
		return Info{}, err
	}
	// DecodeConfig has checked the IHDR chunk, the first: its width,
	// height, bit depth, colour type and interlace method.
	ihdr := data[8+8:]
	depth, colour, interlaced := int(ihdr[8]), ihdr[9], ihdr[12] == 1
	var idat int64 // bytes of compressed pixel data present
	transparent := false
	for off := int64(8); off+8 <= int64(len(data)); {
		n := int64(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		present := min(n, int64(len(data))-off-8)
		switch typ {
		case "tRNS":
			transparent = true
		case "IDAT":
			idat += present
		}
		if typ == "IEND" {
			break
		}
		off += 8 + n + 4
	}

	w, h := int64(cfg.Width), int64(cfg.Height)
	samples := map[byte]int64{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
	bits := samples * int64(depth) // per pixel, as stored
	// The form image/png decodes to, in bytes per pixel.
	var bpp int64
	switch {
	case colour == 3:
		bpp = 1 // paletted
	case colour == 0 && !transparent:
		bpp = max(1, int64(depth)/8) // gray, gray16
	case depth == 16:
		bpp = 8 // RGBA64 or NRGBA64
	default:
		bpp = 4 // RGBA or NRGBA
	}
	rowBytes := func(width int64) int64 { return 1 + (width*bits+7)/8 } // with its filter byte
	info := Info{Format: "png", Width: cfg.Width, Height: cfg.Height}
	// The picture, two rows of raw data and the inflater's window.
	info.DecodeBytes = w*h*bpp + 2*rowBytes(w) + 64<<10
	var raw int64 // bytes of uncompressed pixel data the header promises
	if interlaced {
		// Adam7: seven passes, each decoded into a picture of its own and
		// then copied into the whole one; together they are as large.
		info.DecodeBytes += w * h * bpp
		for _, p := range [7][4]int64{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
			pw, ph := (w-p[0]+p[2]-1)/p[2], (h-p[1]+p[3]-1)/p[3]
			if pw > 0 && ph > 0 {
				raw += ph * rowBytes(pw)
			}
		}
	} else {
		raw = h * rowBytes(w)
	}
	if raw > maxDeflateRatio*(idat+1) {
		return Info{}, fmt.Errorf("png image of %dx%d pixels holds %d bytes of compressed pixel data, too few for the %d bytes it needs (it is truncated)",
			cfg.Width, cfg.Height, idat, raw)
	}
	return info, nil
}

// jpegComponent is one colour component of a JPEG frame.
type jpegComponent struct {
	id   byte
	h, v int64 // sampling factors
}

// inspectJPEG reads a JPEG's header segments up to its first scan.
func inspectJPEG(data []byte, maxPixels int64) (Info, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, fmt.Errorf("decoding jpeg header: %w", err)
	}
	if err := checkDims("jpeg", cfg.Width, cfg.Height, maxPixels); err != nil {
		return Info{}, err
	}
	var comps []jpegComponent
	progressive, jfif, adobe, adobeRGB := false, false, false, false
	scan := -1 // offset of the first scan's data
	for i := 2; i+4 <= len(data) && scan < 0; {
		if data[i] != 0xff {
			return Info{}, fmt.Errorf("decoding jpeg header: no marker at byte %d", i)
		}
		marker := data[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0x01 || marker >= 0xd0 && marker <= 0xd8 { // no length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			break
		}
		seg := data[i+4 : i+2+n]
		switch {
		case marker == 0xc0 || marker == 0xc1 || marker == 0xc2: // start of frame
			progressive = marker == 0xc2
			if len(seg) >= 6 {
				nc := int(seg[5])
				for c := range nc {
					if 6+3*c+2 < len(seg) {
						hv := seg[6+3*c+1]
						comps = append(comps, jpegComponent{id: seg[6+3*c], h: int64(hv >> 4), v: int64(hv & 0x0f)})
					}
				}
			}
		case marker == 0xe0 && bytes.HasPrefix(seg, []byte("JFIF\x00")):
			jfif = true
		case marker == 0xee && bytes.HasPrefix(seg, []byte("Adobe")) && len(seg) >= 12:
			adobe, adobeRGB = true, seg[11] == 0
		case marker == 0xda: // start of scan
			scan = i + 2 + n
		}
		i += 2 + n
	}
	if len(comps) == 0 || len(comps) == 2 || len(comps) > 4 {
		return Info{}, fmt.Errorf("decoding jpeg header: %d colour components", len(comps))
	}
	if scan < 0 {
		return Info{}, errors.New("jpeg image has no scan: its pixel data is missing (it is truncated)")
	}
	if len(comps) == 1 {
		comps[0].h, comps[0].v = 1, 1 // as image/jpeg takes a grayscale frame
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	h0, v0 := max(comps[0].h, 1), max(comps[0].v, 1)
	mxx, myy := (w+8*h0-1)/(8*h0), (h+8*v0-1)/(8*v0) // MCUs across and down
	var planes, minBlocks int64
	for i, c := range comps {
		blocks := mxx * myy * c.h * c.v
		planes += 64 * blocks // a byte per sample, whole MCUs
		if i == 0 || blocks < minBlocks {
			minBlocks = blocks
		}
	}
	info := Info{Format: "jpeg", Width: cfg.Width, Height: cfg.Height, DecodeBytes: planes}
	if progressive {
		info.DecodeBytes += 4 * planes // 64 int32 coefficients for each 64 samples
	}
	isRGB := len(comps) == 3 && !jfif && (adobe && adobeRGB || comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B')
	if len(comps) == 4 || isRGB {
		info.DecodeBytes += 4 * w * h // converted to CMYK or RGBA
	}
	if jpegOrientation(data) > 1 {
		bpp := int64(4)
		if len(comps) == 1 {
			bpp = 1
		}
		info.DecodeBytes += bpp * w * h // the upright copy
	}
	// A baseline scan spends at least a bit on each block of its
	// components (a DC difference and an end of block, two in fact); a
	// component's blocks at the edges may be a quarter of its MCUs' blocks.
	// A progressive scan can skip blocks by the thousand.
	if !progressive {
		if need := minBlocks / 4 / 8; int64(len(data)-scan) < need {
			return Info{}, fmt.Errorf("jpeg image of %dx%d pixels holds %d bytes of scan data, too few for its %d blocks (it is truncated)",
				cfg.Width, cfg.Height, len(data)-scan, minBlocks)
		}
	}
	return info, nil
}

// maxLZWRatio bounds how much GIF's LZW compression can expand: a code of
// at least 3 bits stands for a string of at most 4096 pixels.
const maxLZWRatio = 4096 * 8 / 3

// inspectGIF reads a GIF's header: its logical screen, the size of the
// picture, which bounds its first frame. Decoding takes the frame (a byte
// a pixel), as much again while the LZW stream is read, and as much again
// for a frame placed in a larger picture.
func inspectGIF(data []byte, maxPixels int64) (Info, error) {
	cfg, err := gif.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, fmt.Errorf("decoding gif header: %w", err)
	}
	if err := checkDims("gif", cfg.Width, cfg.Height, maxPixels); err != nil {
		return Info{}, err
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if int64(len(data))*maxLZWRatio < pixels {
		return Info{}, fmt.Errorf("gif image of %dx%d pixels holds %d bytes, too few for its pixels even at LZW's greatest ratio (it is truncated)",
			cfg.Width, cfg.Height, len(data))
	}
	return Info{Format: "gif", Width: cfg.Width, Height: cfg.Height, DecodeBytes: 3 * pixels}, nil
}
