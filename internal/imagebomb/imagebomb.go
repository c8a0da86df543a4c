// Package imagebomb makes decompression bombs for tests: small PNG and
// JPEG files whose headers claim pictures that take far more memory to
// decode than the files take to send. A server that decodes what it is
// sent must refuse them by their headers, before the decoder allocates
// the picture.
//
//	b := imagebomb.PNG(5792, 5792) // 262 KB that decode to 256 MiB
//	h := imagebomb.HeaderPNG(5792, 5792) // 59 bytes that promise as much
package imagebomb

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// rowsPerBlock is how many rows of zeros PNG compresses at once: each
// block is self-contained and repeated, which keeps making a bomb of a
// quarter of a gigabyte to milliseconds while still reaching deflate's
// ratio of about 1000 to 1.
const rowsPerBlock = 64

// PNG returns a valid PNG of w×h pixels, 16-bit RGBA (8 bytes a pixel
// once decoded), every pixel transparent black, its pixel data compressed
// near deflate's greatest ratio: 5792×5792 pixels, 256 MiB decoded, take
// 262 KB.
func PNG(w, h int) []byte {
	row := make([]byte, 1+8*w) // filter byte 0 (none), then zeros
	block := func(rows int) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		for range rows {
			fw.Write(row)
		}
		fw.Flush() // ends on a byte boundary, so blocks can follow one another
		return b.Bytes()
	}
	var z bytes.Buffer
	z.Write([]byte{0x78, 0xda}) // zlib header: deflate, 32K window, best compression
	full := block(rowsPerBlock)
	for range h / rowsPerBlock {
		z.Write(full)
	}
	if r := h % rowsPerBlock; r > 0 {
		z.Write(block(r))
	}
	z.Write([]byte{0x01, 0x00, 0x00, 0xff, 0xff}) // the last block: stored and empty
	// Adler-32 of n zero bytes: a stays 1 and b adds it n times.
	n := uint64(h) * uint64(len(row))
	binary.Write(&z, binary.BigEndian, uint32(n%65521)<<16|1)

	var out bytes.Buffer
	out.Write(header(w, h))
	out.Write(chunk("IDAT", z.Bytes()))
	out.Write(chunk("IEND", nil))
	return out.Bytes()
}

// HeaderPNG returns the header of the PNG that PNG(w, h) makes, an image
// data chunk that holds only the start of its compressed stream, and the
// end: 59 bytes. A decoder that trusts the header allocates the whole
// picture before it finds the pixels missing.
func HeaderPNG(w, h int) []byte {
	var out bytes.Buffer
	out.Write(header(w, h))
	out.Write(chunk("IDAT", []byte{0x78, 0xda}))
	out.Write(chunk("IEND", nil))
	return out.Bytes()
}

// header is the PNG signature and the IHDR chunk of a w×h 16-bit RGBA
// picture.
func header(w, h int) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // bit depth, colour type RGBA
	return append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr)...)
}

// chunk frames data as a PNG chunk of the given type.
func chunk(kind string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, kind...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}

// HeaderJPEG returns the start of a baseline grayscale JPEG of w×h pixels
// (at most 65535 each): its frame header, a Huffman table and the header
// of its scan, with no scan data after it.
func HeaderJPEG(w, h int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xff, 0xd8})
	seg := func(marker byte, data []byte) {
		b.Write([]byte{0xff, marker})
		binary.Write(&b, binary.BigEndian, uint16(len(data)+2))
		b.Write(data)
	}
	seg(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)) // quantisation table 0, all ones
	seg(0xc0, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0})
	// Huffman tables: DC table 0 and AC table 0, each with one code of
	// one bit for symbol 0 (a zero difference; end of block).
	table := append([]byte{0, 1}, make([]byte, 15)...)
	seg(0xc4, append(append([]byte{0x00}, table[1:]...), 0))
	seg(0xc4, append(append([]byte{0x10}, table[1:]...), 0))
	seg(0xda, []byte{1, 1, 0x00, 0, 63, 0})
	return b.Bytes()
}

// JPEG returns a valid baseline grayscale JPEG of w×h pixels, all middle
// gray: HeaderJPEG's headers, then two bits for each 8×8 block (a zero
// difference and an end of block) and the end marker. 5792×5792 pixels,
// 32 MiB decoded, take 131 KB.
func JPEG(w, h int) []byte {
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	b := HeaderJPEG(w, h)
	b = append(b, make([]byte, (2*blocks+7)/8)...)
	return append(b, 0xff, 0xd9)
}
