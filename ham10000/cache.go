package ham10000

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/gocnn/gocnn/internal/atomicfile"
)

// A cache file holds the images Load decoded, so that the next Load with
// the same files and size reads them instead:
//
//	offset  size     content
//	0       8        the magic string "GOCNNHAM"
//	8       4        the format version, cacheVersion
//	12      4·4      N, C, H, W: the number of images and their shape
//	28      32       the key: a SHA-256 of the metadata file, of the path,
//	                 size and modification time of every image, and of the
//	                 size and filter (see Load)
//	60      4·N      the metadata row of each image
//	60+4N   N·C·H·W  the pixels, one byte each, [N, C, H, W]
//	end-4   4        CRC-32C (Castagnoli) of everything before it
//
// Integers are little-endian uint32. The pixels are the resized 8-bit
// values, so the cache holds exactly what decoding gives, in a quarter of
// the memory of float32.

const (
	cacheMagic      = "GOCNNHAM"
	cacheVersion    = 1
	cacheHeaderSize = 8 + 4 + 4*4 + 32
)

// cacheHeader is what a cache file must hold to serve a Load.
type cacheHeader struct {
	n, c, h, w int
	key        [32]byte
}

func (hd cacheHeader) fileSize() int64 {
	return cacheHeaderSize + 4*int64(hd.n) + int64(hd.n)*int64(hd.c)*int64(hd.h)*int64(hd.w) + 4
}

// errStale is what readCache returns for a cache made from other files
// or for another size.
var errStale = errors.New("made from other files or for another size")

// readCache returns the pixels in the cache file at path if it was made
// for want and rows and is intact. A missing file is fs.ErrNotExist.
func readCache(path string, want cacheHeader, rows []int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var head [cacheHeaderSize]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return nil, fmt.Errorf("truncated: %w", err)
	}
	if string(head[:8]) != cacheMagic {
		return nil, fmt.Errorf("not a cache file (it starts with %q)", head[:8])
	}
	if v := binary.LittleEndian.Uint32(head[8:]); v != cacheVersion {
		return nil, fmt.Errorf("format version %d, want %d", v, cacheVersion)
	}
	var got cacheHeader
	got.n = int(binary.LittleEndian.Uint32(head[12:]))
	got.c = int(binary.LittleEndian.Uint32(head[16:]))
	got.h = int(binary.LittleEndian.Uint32(head[20:]))
	got.w = int(binary.LittleEndian.Uint32(head[24:]))
	copy(got.key[:], head[28:])
	if got != want {
		// Tell an intact cache made for something else from a damaged
		// one, for the message.
		if err := checkCRC(f); err != nil {
			return nil, err
		}
		return nil, errStale
	}
	// The size to expect comes from the request, not the file: a corrupt
	// header cannot make this allocate more.
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() != want.fileSize() {
		return nil, fmt.Errorf("truncated or corrupt: %d bytes, want %d", st.Size(), want.fileSize())
	}
	body := make([]byte, want.fileSize()-cacheHeaderSize)
	if _, err := io.ReadFull(f, body); err != nil {
		return nil, fmt.Errorf("truncated: %w", err)
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	crc.Write(head[:])
	crc.Write(body[:len(body)-4])
	if crc.Sum32() != binary.LittleEndian.Uint32(body[len(body)-4:]) {
		return nil, errors.New("corrupt: its checksum does not match its content")
	}
	for i, r := range rows {
		if int(binary.LittleEndian.Uint32(body[4*i:])) != r {
			return nil, errStale
		}
	}
	return body[4*len(rows) : len(body)-4], nil
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

// writeCache writes the cache file at path, creating its folder.
func writeCache(path string, hd cacheHeader, rows []int, pix []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
		mw := io.MultiWriter(w, crc)
		var head bytes.Buffer
		head.WriteString(cacheMagic)
		for _, v := range []int{cacheVersion, hd.n, hd.c, hd.h, hd.w} {
			binary.Write(&head, binary.LittleEndian, uint32(v))
		}
		head.Write(hd.key[:])
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
