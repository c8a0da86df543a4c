// Package pixelcache keeps decoded, resized 8-bit images in a file, so
// that a dataset decoded once from thousands of JPEG or PNG files loads
// the next time in a fraction of a second. The HAM10000 loader and the
// image-folder loader use it, each with a magic string of its own.
package pixelcache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/gocnn/gocnn/atomicfile"
)

// A cache file holds N images and a number (a row) for each:
//
//	offset  size     content
//	0       8        the magic string, Header.Magic ("GOCNNHAM", ...)
//	8       4        the format version, cacheVersion
//	12      4·4      N, C, H, W: the number of images and their shape
//	28      32       the key: a SHA-256 of whatever the images were made
//	                 from (the files' paths, sizes and modification times,
//	                 the size and filter), chosen by the caller
//	60      4·N      a number for each image, the caller's (the metadata
//	                 row of a HAM10000 image, ...)
//	60+4N   N·C·H·W  the pixels, one byte each, [N, C, H, W]
//	end-4   4        CRC-32C (Castagnoli) of everything before it
//
// Integers are little-endian uint32. The pixels are the resized 8-bit
// values, so the cache holds exactly what decoding gives, in a quarter of
// the memory of float32.

const (
	cacheVersion    = 1
	cacheHeaderSize = 8 + 4 + 4*4 + 32
)

// Header is what a cache file must hold to serve a request.
type Header struct {
	Magic      string // 8 bytes
	N, C, H, W int
	Key        [32]byte
}

func (hd Header) fileSize() int64 {
	return cacheHeaderSize + 4*int64(hd.N) + int64(hd.N)*int64(hd.C)*int64(hd.H)*int64(hd.W) + 4
}

// ErrStale is what Read returns for a cache made from other files or for
// another size.
var ErrStale = errors.New("made from other files or for another size")

// Read returns the rows and pixels in the cache file at path if it was
// made for want and is intact. A missing file is fs.ErrNotExist; one made
// for something else, ErrStale.
func Read(path string, want Header) (rows []int, pix []byte, err error) {
	if len(want.Magic) != 8 {
		return nil, nil, fmt.Errorf("pixelcache: magic %q is not 8 bytes", want.Magic)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var head [cacheHeaderSize]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return nil, nil, fmt.Errorf("truncated: %w", err)
	}
	if string(head[:8]) != want.Magic {
		return nil, nil, fmt.Errorf("not a cache file of this kind (it starts with %q)", head[:8])
	}
	if v := binary.LittleEndian.Uint32(head[8:]); v != cacheVersion {
		return nil, nil, fmt.Errorf("format version %d, want %d", v, cacheVersion)
	}
	got := Header{Magic: want.Magic}
	got.N = int(binary.LittleEndian.Uint32(head[12:]))
	got.C = int(binary.LittleEndian.Uint32(head[16:]))
	got.H = int(binary.LittleEndian.Uint32(head[20:]))
	got.W = int(binary.LittleEndian.Uint32(head[24:]))
	copy(got.Key[:], head[28:])
	if got != want {
		// Tell an intact cache made for something else from a damaged
		// one, for the message.
		if err := checkCRC(f); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrStale
	}
	// The size to expect comes from the request, not the file: a corrupt
	// header cannot make this allocate more.
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() != want.fileSize() {
		return nil, nil, fmt.Errorf("truncated or corrupt: %d bytes, want %d", st.Size(), want.fileSize())
	}
	body := make([]byte, want.fileSize()-cacheHeaderSize)
	if _, err := io.ReadFull(f, body); err != nil {
		return nil, nil, fmt.Errorf("truncated: %w", err)
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	crc.Write(head[:])
	crc.Write(body[:len(body)-4])
	if crc.Sum32() != binary.LittleEndian.Uint32(body[len(body)-4:]) {
		return nil, nil, errors.New("corrupt: its checksum does not match its content")
	}
	rows = make([]int, want.N)
	for i := range rows {
		rows[i] = int(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return rows, body[4*want.N : len(body)-4], nil
}

// checkCRC checks the checksum at the end of the cache file f, streaming
// through it.
func checkCRC(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < cacheHeaderSize+4 {
		return errors.New("truncated")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	if _, err := io.CopyN(crc, f, st.Size()-4); err != nil {
		return fmt.Errorf("truncated: %w", err)
	}
	var sum [4]byte
	if _, err := io.ReadFull(f, sum[:]); err != nil {
		return fmt.Errorf("truncated: %w", err)
	}
	if crc.Sum32() != binary.LittleEndian.Uint32(sum[:]) {
		return errors.New("corrupt or truncated: its checksum does not match its content")
	}
	return nil
}

// Write writes the cache file at path, creating its folder: the header,
// a row for each of hd.N images, and their pixels ([N, C, H, W]).
func Write(path string, hd Header, rows []int, pix []byte) error {
	if len(hd.Magic) != 8 || len(rows) != hd.N || int64(len(pix)) != int64(hd.N)*int64(hd.C)*int64(hd.H)*int64(hd.W) {
		return fmt.Errorf("pixelcache: %d rows and %d bytes of pixels for a header of %q, %d images of %dx%dx%d", len(rows), len(pix), hd.Magic, hd.N, hd.C, hd.H, hd.W)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
		mw := io.MultiWriter(w, crc)
		var head bytes.Buffer
		head.WriteString(hd.Magic)
		for _, v := range []int{cacheVersion, hd.N, hd.C, hd.H, hd.W} {
			binary.Write(&head, binary.LittleEndian, uint32(v))
		}
		head.Write(hd.Key[:])
		for _, r := range rows {
			binary.Write(&head, binary.LittleEndian, uint32(r))
		}
		if _, err := mw.Write(head.Bytes()); err != nil {
			return err
		}
		if _, err := mw.Write(pix); err != nil {
			return err
		}
		return binary.Write(w, binary.LittleEndian, crc.Sum32())
	})
}
