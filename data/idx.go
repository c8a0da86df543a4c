package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gocnn/gocnn/tensor"
)

// The IDX format, in which MNIST and Fashion-MNIST are published, is a
// header followed by the values of an n-dimensional array:
//
//	offset  size  content
//	0       2     0x00 0x00
//	2       1     the type of the values (0x08: unsigned bytes)
//	3       1     the number of dimensions, d
//	4       4·d   each dimension, a big-endian uint32
//	4+4·d   ...   the values, last dimension varying fastest
//
// An image file has three dimensions (images, rows, columns) and a label
// file one (labels). The files are often distributed gzipped; the readers
// here recognise gzip by its first two bytes, 0x1f 0x8b, whatever the
// file's name.
//
// A header is only a claim. The readers check it against what the file
// holds: the dimensions may not ask for more than MaxIDXBytes, a raw file's
// length must match them exactly, and the values are read in growing
// chunks, so a header that claims more than the file delivers is an error
// after reading what is there, never an allocation of what it claimed.

// MaxIDXBytes is the most data an IDX file may claim, 1 GiB: twenty times
// MNIST's training images. It bounds what a corrupt header can make the
// readers attempt.
const MaxIDXBytes = 1 << 30

// maxIDXDims is the most dimensions an IDX header may declare.
const maxIDXDims = 8

// idxUnsignedByte is the type code of unsigned byte values, the only type
// the MNIST family uses.
const idxUnsignedByte = 0x08

// IDX is the content of an IDX file of unsigned bytes.
type IDX struct {
	Dims []int  // the array's dimensions, outermost first
	Data []byte // the values, len(Data) == product of Dims
}

// ReadIDX reads the IDX file at path, raw or gzipped.
func ReadIDX(path string) (*IDX, error) { return readIDXFile(path, nil) }

// readIDXFile reads the IDX file at path. With h non-nil, every byte of the
// (decompressed) content also goes to h, for checking a checksum.
func readIDXFile(path string, h io.Writer) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading IDX file: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	m, err := decodeIDX(f, size, h)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return m, nil
}

// DecodeIDX reads an IDX array from r, raw or gzipped, and checks that r
// ends where the array does.
func DecodeIDX(r io.Reader) (*IDX, error) { return decodeIDX(r, -1, nil) }

// decodeIDX is DecodeIDX for a stream of known length size (-1 when
// unknown), copying the decompressed content to h when h is not nil.
func decodeIDX(r io.Reader, size int64, h io.Writer) (*IDX, error) {
	content, compressed, closeContent, err := openContent(r)
	if err != nil {
		return nil, err
	}
	defer closeContent()
	if compressed {
		size = -1 // the compressed length says nothing about the content's
	}
	if h != nil {
		content = io.TeeReader(content, h)
	}

	var head [4]byte
	if _, err := io.ReadFull(content, head[:]); err != nil {
		return nil, fmt.Errorf("reading the IDX header: %w", noEOF(err))
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("not an IDX file: it starts with bytes %#02x %#02x, want 0x00 0x00", head[0], head[1])
	}
	if head[2] != idxUnsignedByte {
		return nil, fmt.Errorf("IDX value type %#02x is not supported (only unsigned bytes, 0x08)", head[2])
	}
	nd := int(head[3])
	if nd == 0 || nd > maxIDXDims {
		return nil, fmt.Errorf("IDX header declares %d dimensions, want 1 to %d", nd, maxIDXDims)
	}
	raw := make([]byte, 4*nd)
	if _, err := io.ReadFull(content, raw); err != nil {
		return nil, fmt.Errorf("reading the IDX dimensions: %w", noEOF(err))
	}
	dims := make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		if d == 0 {
			return nil, fmt.Errorf("IDX dimension %d is 0", i)
		}
		if total > MaxIDXBytes/d {
			return nil, fmt.Errorf("IDX dimensions %v claim more than %d bytes", readDims(raw), MaxIDXBytes)
		}
		total *= d
		dims[i] = int(d)
	}
	headerLen := int64(4 + 4*nd)
	if size >= 0 && size-headerLen != total {
		return nil, fmt.Errorf("IDX dimensions %v need %d bytes of data but the file has %d after the header",
			dims, total, size-headerLen)
	}
	values, err := readBounded(content, total)
	if err != nil {
		return nil, fmt.Errorf("reading IDX data of dimensions %v: %w", dims, err)
	}
	if int64(len(values)) < total {
		return nil, fmt.Errorf("file truncated: IDX dimensions %v need %d bytes of data but only %d follow the header",
			dims, total, len(values))
	}
	// The array must end the file: trailing bytes mean the header lied.
	var extra [1]byte
	if n, err := io.ReadFull(content, extra[:]); n > 0 {
		return nil, fmt.Errorf("IDX dimensions %v need %d bytes of data but more follow", dims, total)
	} else if err != io.EOF {
		return nil, fmt.Errorf("reading past the IDX data: %w", err)
	}
	return &IDX{Dims: dims, Data: values}, nil
}

// readDims formats the raw dimensions of a header for a message (they
// may overflow int on 32-bit systems, so they stay uint32 here).
func readDims(raw []byte) []uint32 {
	d := make([]uint32, len(raw)/4)
	for i := range d {
		d[i] = binary.BigEndian.Uint32(raw[4*i:])
	}
	return d
}

// readBounded reads up to want bytes from r, stopping early at the end of
// r. It starts with a small buffer and doubles it as data arrives, so the
// memory it takes is at most twice what r actually delivers, whatever
// want claims.
func readBounded(r io.Reader, want int64) ([]byte, error) {
	const first = 64 << 10
	buf := make([]byte, 0, min(want, first))
	for int64(len(buf)) < want {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(want, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// openContent returns the content of r: r's own bytes, or their
// decompression if r starts with the gzip magic number (compressed true).
func openContent(r io.Reader) (content io.Reader, compressed bool, close func() error, err error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if len(magic) < 2 {
		if err == io.EOF {
			return nil, false, nil, fmt.Errorf("file is too short for an IDX header (%d bytes)", len(magic))
		}
		return nil, false, nil, err
	}
	if magic[0] != 0x1f || magic[1] != 0x8b {
		return br, false, func() error { return nil }, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, nil, fmt.Errorf("reading gzip header: %w", noEOF(err))
	}
	return gzipContent{zr}, true, zr.Close, nil
}

// gzipContent wraps a gzip reader so that its errors say what was wrong.
type gzipContent struct{ zr *gzip.Reader }

func (g gzipContent) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("decompressing gzip: %w", noEOF(err))
	}
	return n, err
}

// noEOF turns an unexpected end of file into io.ErrUnexpectedEOF, which
// reads as "truncated" rather than as a normal end.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("file truncated: %w", io.ErrUnexpectedEOF)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("file truncated: %w", err)
	}
	return err
}

// Images interprets m as greyscale images, dimensions [N, H, W], and
// returns them as a tensor [N, 1, H, W] with values scaled from 0..255 to
// [0, 1].
func (m *IDX) Images() (*tensor.Tensor, error) {
	if len(m.Dims) != 3 {
		return nil, fmt.Errorf("IDX array has dimensions %v, want 3 (images, rows, columns) for images", m.Dims)
	}
	t := tensor.New(m.Dims[0], 1, m.Dims[1], m.Dims[2])
	for i, v := range m.Data {
		t.Data[i] = float32(v) / 255
	}
	return t, nil
}

// Pixels interprets m as greyscale images, dimensions [N, H, W], and
// returns them as 8-bit images [N, 1, H, W] standing for values in
// [0, 1]. They share m.Data, which they keep.
func (m *IDX) Pixels() (*Pixels, error) {
	if len(m.Dims) != 3 {
		return nil, fmt.Errorf("IDX array has dimensions %v, want 3 (images, rows, columns) for images", m.Dims)
	}
	return NewPixels(m.Data, m.Dims[0], 1, m.Dims[1], m.Dims[2])
}

// Labels interprets m as class labels, dimensions [N].
func (m *IDX) Labels() ([]int, error) {
	if len(m.Dims) != 1 {
		return nil, fmt.Errorf("IDX array has dimensions %v, want 1 (labels) for labels", m.Dims)
	}
	labels := make([]int, len(m.Data))
	for i, v := range m.Data {
		labels[i] = int(v)
	}
	return labels, nil
}

// ReadIDXImages reads an IDX image file (raw or gzipped) as a tensor
// [N, 1, H, W] with values in [0, 1].
func ReadIDXImages(path string) (*tensor.Tensor, error) {
	m, err := ReadIDX(path)
	if err != nil {
		return nil, err
	}
	t, err := m.Images()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return t, nil
}

// ReadIDXLabels reads an IDX label file (raw or gzipped).
func ReadIDXLabels(path string) ([]int, error) {
	m, err := ReadIDX(path)
	if err != nil {
		return nil, err
	}
	l, err := m.Labels()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return l, nil
}

// NewIDXDataset pairs an image array and a label array into a Dataset,
// checking that they have the same number of examples and that every
// label names one of classes. The dataset holds the images as 8-bit
// Pixels that keep images.Data.
func NewIDXDataset(name string, images, labels *IDX, classes []string) (*Dataset, error) {
	x, err := images.Pixels()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	y, err := labels.Labels()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if x.Shape[0] != len(y) {
		return nil, fmt.Errorf("%s: the image file holds %d images but the label file %d labels", name, x.Shape[0], len(y))
	}
	d := &Dataset{Name: name, Pixels: x, Labels: y, Classes: classes}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}
