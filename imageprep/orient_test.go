package imageprep

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"testing"
)

// withExif returns the JPEG data with an APP1 Exif segment, holding the
// given TIFF block, inserted right after the start-of-image marker.
func withExif(jpg, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(2+len(payload)))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// orientationTIFF builds a minimal TIFF block whose first directory holds
// only the Orientation tag.
func orientationTIFF(order binary.ByteOrder, o uint16) []byte {
	var b bytes.Buffer
	if order == binary.LittleEndian {
		b.WriteString("II*\x00")
	} else {
		b.WriteString("MM\x00*")
	}
	binary.Write(&b, order, uint32(8))       // first directory right after the header
	binary.Write(&b, order, uint16(1))       // one entry:
	binary.Write(&b, order, uint16(0x0112))  // tag Orientation,
	binary.Write(&b, order, uint16(3))       // type SHORT,
	binary.Write(&b, order, uint32(1))       // one value,
	binary.Write(&b, order, [2]uint16{o, 0}) // the value, padded to 4 bytes
	binary.Write(&b, order, uint32(0))       // no next directory
	return b.Bytes()
}

// TestExifOrientation encodes a 48×24 picture whose top-left 8×8 block is
// white and top-right block grey, tags it with each Exif orientation, and
// checks where Decode puts the two blocks. The expectations come from the
// TIFF 6.0 definition of the tag (e.g. 6: "the 0th row is the visual
// right-hand side, the 0th column the visual top").
func TestExifOrientation(t *testing.T) {
	const w, h = 48, 24
	src := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			src.Pix[y*w+x] = 255
			src.Pix[y*w+w-8+x] = 128
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()

	type corner int
	const (
		tl corner = iota
		tr
		bl
		br
	)
	want := map[uint16][2]corner{ // where the white and the grey block end up
		1: {tl, tr}, 2: {tr, tl}, 3: {br, bl}, 4: {bl, br},
		5: {tl, bl}, 6: {tr, br}, 7: {br, tr}, 8: {bl, tl},
	}
	blockMean := func(img image.Image, c corner) float64 {
		b := img.Bounds()
		x0, y0 := b.Min.X, b.Min.Y
		if c == tr || c == br {
			x0 = b.Max.X - 8
		}
		if c == bl || c == br {
			y0 = b.Max.Y - 8
		}
		s := 0.0
		for y := y0; y < y0+8; y++ {
			for x := x0; x < x0+8; x++ {
				r, _, _, _ := img.At(x, y).RGBA()
				s += float64(r >> 8)
			}
		}
		return s / 64
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := uint16(1); o <= 8; o++ {
			img, _, err := Decode(bytes.NewReader(withExif(plain, orientationTIFF(order, o))))
			if err != nil {
				t.Fatalf("%v orientation %d: %v", order, o, err)
			}
			ww, wh := w, h
			if o >= 5 {
				ww, wh = h, w
			}
			if b := img.Bounds(); b.Dx() != ww || b.Dy() != wh {
				t.Errorf("%v orientation %d: %dx%d, want %dx%d", order, o, b.Dx(), b.Dy(), ww, wh)
				continue
			}
			if v := blockMean(img, want[o][0]); v < 240 {
				t.Errorf("%v orientation %d: white block not in corner %d (mean %.0f)", order, o, want[o][0], v)
			}
			if v := blockMean(img, want[o][1]); v < 110 || v > 145 {
				t.Errorf("%v orientation %d: grey block not in corner %d (mean %.0f)", order, o, want[o][1], v)
			}
		}
	}

	// A broken Exif block is ignored: the picture still decodes as stored.
	for name, tiff := range map[string][]byte{
		"truncated directory": orientationTIFF(binary.LittleEndian, 6)[:12],
		"bad byte order":      []byte("XX*\x00\x08\x00\x00\x00"),
		"orientation 9":       orientationTIFF(binary.BigEndian, 9),
		"directory offset out of range": func() []byte {
			b := orientationTIFF(binary.LittleEndian, 6)
			binary.LittleEndian.PutUint32(b[4:], 1<<30)
			return b
		}(),
	} {
		img, _, err := Decode(bytes.NewReader(withExif(plain, tiff)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h || blockMean(img, tl) < 240 {
			t.Errorf("%s: picture changed (%dx%d)", name, b.Dx(), b.Dy())
		}
	}
}
