package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// The NPY format is how NumPy saves one array (numpy.save); an .npz file
// is a zip archive of them, one per array (numpy.savez). MedMNIST ships
// its datasets as .npz files. An NPY file is:
//
//	offset  size  content
//	0       6     the magic string "\x93NUMPY"
//	6       1     major version: 1, 2 or 3
//	7       1     minor version
//	8       2|4   the header's length: uint16 (version 1) or uint32
//	              (versions 2 and 3), little-endian
//	10|12   ...   the header: a Python dict literal, padded with spaces
//	              and ended by a newline, such as
//	              {'descr': '|u1', 'fortran_order': False, 'shape': (7007, 28, 28, 3), }
//	...     ...   the values
//
// descr is the values' type: a byte order ('<' little-endian, '>'
// big-endian, '|' not applicable), a kind ('u' unsigned integer, 'i'
// signed integer, 'f' float, ...) and a size in bytes. fortran_order says
// whether the first dimension varies fastest; the readers here accept
// only C order (the last varies fastest), which is NumPy's default.
//
// As with IDX files, the header is only a claim: the values it declares
// may not exceed MaxNPYBytes, must match the length of the stream when
// that is known, and are read in growing chunks, so a header that claims
// more than the stream holds is an error, never an allocation of what it
// claimed.

// MaxNPYBytes is the most data an NPY array may claim, 4 GiB: enough for
// MedMNIST's largest (224×224) images.
const MaxNPYBytes = 4 << 30

// maxNPYHeader bounds the header's length; NumPy's own limit is 10,000
// bytes.
const maxNPYHeader = 1 << 16

// maxNPYDims is the most dimensions an NPY header may declare; NumPy's
// own limit is 64.
const maxNPYDims = 32

// NPY is an array read from an NPY file.
type NPY struct {
	Descr string // the values' type as NumPy writes it: "|u1", "<i8"
	Shape []int  // dimensions, outermost first; empty for a scalar
	Data  []byte // the values' bytes in C order, as stored
}

// Len is the number of values in the array.
func (a *NPY) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// ReadNPY reads the NPY file at path.
func ReadNPY(path string) (*NPY, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading NPY file: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	a, err := DecodeNPY(f, size)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return a, nil
}

// DecodeNPY reads an NPY array from r, whose length is size bytes (-1 when
// unknown), and checks that r ends where the array does.
func DecodeNPY(r io.Reader, size int64) (*NPY, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("reading the NPY header: %w", noEOF(err))
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("not an NPY file: it starts with %q, want \"\\x93NUMPY\"", pre[:6])
	}
	var headerLen, prefixLen int64
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading the NPY header length: %w", noEOF(err))
		}
		headerLen, prefixLen = int64(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading the NPY header length: %w", noEOF(err))
		}
		headerLen, prefixLen = int64(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return nil, fmt.Errorf("NPY format version %d.%d is not supported (only 1.x, 2.x and 3.x)", pre[6], pre[7])
	}
	if headerLen > maxNPYHeader {
		return nil, fmt.Errorf("NPY header claims %d bytes, more than the %d allowed", headerLen, maxNPYHeader)
	}
	if size >= 0 && prefixLen+headerLen > size {
		return nil, fmt.Errorf("file truncated: the NPY header claims %d bytes but the file has %d", headerLen, size-prefixLen)
	}
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, fmt.Errorf("reading the NPY header: %w", noEOF(err))
	}
	a, itemSize, err := parseNPYHeader(string(header))
	if err != nil {
		shown := strings.TrimSpace(string(header))
		if len(shown) > 200 {
			shown = shown[:200] + "…"
		}
		return nil, fmt.Errorf("NPY header %s: %w", shown, err)
	}
	total := int64(itemSize)
	for _, d := range a.Shape {
		if d != 0 && total > MaxNPYBytes/int64(d) {
			return nil, fmt.Errorf("NPY shape %v of %s claims more than %d bytes", a.Shape, a.Descr, int64(MaxNPYBytes))
		}
		total *= int64(d)
	}
	if total > math.MaxInt {
		return nil, fmt.Errorf("NPY shape %v of %s is too large for this machine", a.Shape, a.Descr)
	}
	if size >= 0 && size-prefixLen-headerLen != total {
		return nil, fmt.Errorf("NPY shape %v of %s needs %d bytes of data but the file has %d after the header",
			a.Shape, a.Descr, total, size-prefixLen-headerLen)
	}
	a.Data, err = readBounded(r, total)
	if err != nil {
		return nil, fmt.Errorf("reading NPY data of shape %v: %w", a.Shape, err)
	}
	if int64(len(a.Data)) < total {
		return nil, fmt.Errorf("file truncated: NPY shape %v of %s needs %d bytes of data but only %d follow the header",
			a.Shape, a.Descr, total, len(a.Data))
	}
	var extra [1]byte
	if n, err := io.ReadFull(r, extra[:]); n > 0 {
		return nil, fmt.Errorf("NPY shape %v of %s needs %d bytes of data but more follow", a.Shape, a.Descr, total)
	} else if err != io.EOF {
		return nil, fmt.Errorf("reading past the NPY data: %w", err)
	}
	return a, nil
}

// parseNPYHeader reads the dict of an NPY header and returns the array it
// describes, without data, and the size of one value in bytes.
func parseNPYHeader(h string) (*NPY, int, error) {
	p := &pyParser{s: h}
	dict, err := p.dict()
	if err != nil {
		return nil, 0, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, 0, fmt.Errorf("unexpected %q after the dict", p.s[p.i:])
	}
	a := &NPY{}
	descr, ok := dict["descr"].(string)
	if !ok {
		return nil, 0, fmt.Errorf("no 'descr' string")
	}
	a.Descr = descr
	fortran, ok := dict["fortran_order"].(bool)
	if !ok {
		return nil, 0, fmt.Errorf("no 'fortran_order' True or False")
	}
	if fortran {
		return nil, 0, fmt.Errorf("arrays in Fortran order are not supported (save with fortran_order False, NumPy's default)")
	}
	shape, ok := dict["shape"].([]int)
	if !ok {
		return nil, 0, fmt.Errorf("no 'shape' tuple")
	}
	if len(shape) > maxNPYDims {
		return nil, 0, fmt.Errorf("%d dimensions, more than the %d allowed", len(shape), maxNPYDims)
	}
	a.Shape = shape
	if len(dict) != 3 {
		return nil, 0, fmt.Errorf("%d keys, want exactly descr, fortran_order and shape", len(dict))
	}
	size, err := npyItemSize(descr)
	if err != nil {
		return nil, 0, err
	}
	return a, size, nil
}

// npyIntType describes an integer descr: its size and byte order.
type npyIntType struct {
	size   int
	signed bool
	big    bool
}

// npyInt parses an integer descr such as "|u1", "<i8" or ">u2".
func npyInt(descr string) (npyIntType, bool) {
	if len(descr) != 3 || (descr[1] != 'u' && descr[1] != 'i') {
		return npyIntType{}, false
	}
	t := npyIntType{signed: descr[1] == 'i', big: descr[0] == '>'}
	switch descr[2] {
	case '1':
		t.size = 1
	case '2':
		t.size = 2
	case '4':
		t.size = 4
	case '8':
		t.size = 8
	default:
		return npyIntType{}, false
	}
	switch descr[0] {
	case '<', '>':
	case '|':
		if t.size != 1 {
			return npyIntType{}, false
		}
	default:
		return npyIntType{}, false
	}
	return t, true
}

// npyItemSize returns the size in bytes of one value of a supported type:
// integers of 1, 2, 4 or 8 bytes, and floats of 4 or 8.
func npyItemSize(descr string) (int, error) {
	if t, ok := npyInt(descr); ok {
		return t.size, nil
	}
	switch descr {
	case "<f4", ">f4":
		return 4, nil
	case "<f8", ">f8":
		return 8, nil
	}
	return 0, fmt.Errorf("value type %q is not supported (integers such as '|u1' or '<i8', floats '<f4' or '<f8')", descr)
}

// Uint8s returns the values of an array of unsigned bytes ('|u1'), as
// stored (not a copy).
func (a *NPY) Uint8s() ([]byte, error) {
	if a.Descr != "|u1" && a.Descr != "<u1" && a.Descr != ">u1" {
		return nil, fmt.Errorf("NPY array of %s, want unsigned bytes ('|u1')", a.Descr)
	}
	return a.Data, nil
}

// Ints returns the values of an array of integers of any size and byte
// order. A value that does not fit in an int is an error.
func (a *NPY) Ints() ([]int, error) {
	t, ok := npyInt(a.Descr)
	if !ok {
		return nil, fmt.Errorf("NPY array of %s, want integers", a.Descr)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if t.big {
		order = binary.BigEndian
	}
	out := make([]int, len(a.Data)/t.size)
	for i := range out {
		b := a.Data[i*t.size:]
		var v int64
		switch {
		case t.size == 1 && t.signed:
			v = int64(int8(b[0]))
		case t.size == 1:
			v = int64(b[0])
		case t.size == 2 && t.signed:
			v = int64(int16(order.Uint16(b)))
		case t.size == 2:
			v = int64(order.Uint16(b))
		case t.size == 4 && t.signed:
			v = int64(int32(order.Uint32(b)))
		case t.size == 4:
			v = int64(order.Uint32(b))
		case t.signed:
			v = int64(order.Uint64(b))
		default:
			u := order.Uint64(b)
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("NPY value %d at index %d does not fit in an int", u, i)
			}
			v = int64(u)
		}
		if v > math.MaxInt || v < math.MinInt {
			return nil, fmt.Errorf("NPY value %d at index %d does not fit in an int", v, i)
		}
		out[i] = int(v)
	}
	return out, nil
}

// pyParser reads the small subset of Python literals that NPY headers
// use: a dict with string keys whose values are strings, True, False,
// integers or tuples of integers.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// peek returns the next byte that is not a space, or 0 at the end.
func (p *pyParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) expect(c byte) error {
	if p.peek() != c {
		return p.errorf("want %q", c)
	}
	p.i++
	return nil
}

func (p *pyParser) errorf(format string, args ...any) error {
	at := "the end"
	if p.i < len(p.s) {
		at = strconv.Quote(p.s[p.i:min(len(p.s), p.i+12)])
	}
	return fmt.Errorf("at %s: %s", at, fmt.Sprintf(format, args...))
}

func (p *pyParser) dict() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	d := map[string]any{}
	for p.peek() != '}' {
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := d[key]; dup {
			return nil, p.errorf("key %q repeated", key)
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		d[key] = v
		if p.peek() == ',' {
			p.i++
		} else if p.peek() != '}' {
			return nil, p.errorf("want ',' or '}'")
		}
	}
	p.i++
	return d, nil
}

func (p *pyParser) value() (any, error) {
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		return p.tuple()
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	case c >= '0' && c <= '9':
		return p.int()
	}
	return nil, p.errorf("want a string, a tuple, True, False or an integer")
}

func (p *pyParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("want a quoted string")
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	s := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(s, '\\') >= 0 {
		return "", p.errorf("escapes in strings are not supported")
	}
	p.i += end + 2
	return s, nil
}

func (p *pyParser) int() (int, error) {
	p.space()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	// NumPy 1 wrote long integers with an L suffix on Python 2.
	digits := p.s[start:p.i]
	if p.i < len(p.s) && p.s[p.i] == 'L' {
		p.i++
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > MaxNPYBytes {
		return 0, fmt.Errorf("dimension %q is out of range", digits)
	}
	return int(n), nil
}

func (p *pyParser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	out := []int{}
	for p.peek() != ')' {
		if c := p.peek(); c < '0' || c > '9' {
			return nil, p.errorf("want a dimension")
		}
		n, err := p.int()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if p.peek() == ',' {
			p.i++
		} else if p.peek() != ')' {
			return nil, p.errorf("want ',' or ')'")
		}
	}
	p.i++
	return out, nil
}
