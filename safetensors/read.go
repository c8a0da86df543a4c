package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"unicode/utf8"
)

// ReadFile reads the safetensors file at path. Its errors name the file.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: not a regular file", path)
	}
	file, err := Read(f, info.Size())
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return file, nil
}

// Read reads a safetensors file of size bytes from r, checking all of it
// (see the package comment) before it returns. Errors about the content
// wrap ErrFormat and name the tensor at fault.
func Read(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, formatError("the file is %d bytes long, too short to hold the 8-byte header length", size)
	}
	if size > maxFileSize {
		return nil, formatError("the file is %d bytes long, over the limit of %d", size, int64(maxFileSize))
	}
	var prefix [8]byte
	if err := readAt(r, prefix[:], 0); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > MaxHeaderSize {
		return nil, formatError("header length %d is over the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, formatError("header length %d is larger than the %d bytes that follow it (is the file truncated?)", n, size-8)
	}
	header := make([]byte, n)
	if err := readAt(r, header, 8); err != nil {
		return nil, err
	}
	meta, entries, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	bufStart := 8 + int64(n)
	if err := validate(entries, size-bufStart); err != nil {
		return nil, err
	}

	file := &File{Metadata: meta, Tensors: make([]Tensor, len(entries))}
	for i, e := range entries {
		t := Tensor{Name: e.name, DType: e.dtype, Shape: e.shape}
		switch e.dtype {
		case F32:
			t.Data = make([]float32, (e.end-e.begin)/4)
			if err := readFloat32s(r, t.Data, bufStart+e.begin); err != nil {
				return nil, fmt.Errorf("reading tensor %q: %w", e.name, err)
			}
		case I64:
			t.Ints = make([]int64, (e.end-e.begin)/8)
			if err := readInt64s(r, t.Ints, bufStart+e.begin); err != nil {
				return nil, fmt.Errorf("reading tensor %q: %w", e.name, err)
			}
		}
		file.Tensors[i] = t
	}
	return file, nil
}

// maxFileSize bounds the files Read accepts far above any real model, so
// that byte and bit counts cannot overflow an int64.
const maxFileSize = 1 << 56

// entry is one tensor as the header describes it.
type entry struct {
	name       string
	dtype      string
	shape      []int
	begin, end int64 // byte range in the buffer
}

// parseHeader decodes the JSON header. It is stricter than encoding/json
// alone: keys must match exactly (not ignoring case), no key may appear
// twice, and only whitespace may follow the object.
func parseHeader(header []byte) (map[string]string, []entry, error) {
	if !utf8.Valid(header) {
		return nil, nil, formatError("header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, nil, formatError("header does not start with '{'")
	}
	meta := map[string]string{}
	var entries []entry
	dec := json.NewDecoder(bytes.NewReader(header))
	err := readObject(dec, "header", func(key string) error {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if key == "__metadata__" {
			return parseMetadata(raw, meta)
		}
		e, err := parseEntry(key, raw)
		if err != nil {
			return err
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, nil, formatError("header is not valid JSON: %v (at byte %d of the header)", err, syntax.Offset)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, nil, formatError("header ends in the middle of its JSON")
		}
		if errors.Is(err, ErrFormat) {
			return nil, nil, err
		}
		return nil, nil, formatError("header: %v", err)
	}
	for i, c := range header[dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, nil, formatError("header has %q after its JSON object (at byte %d of the header)",
				c, int(dec.InputOffset())+i)
		}
	}
	return meta, entries, nil
}

// readObject reads a JSON object from dec, calling field with each key;
// field must consume the value. what names the object in errors.
func readObject(dec *json.Decoder, what string, field func(key string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return formatError("%s is not a JSON object", what)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return formatError("%s has a key that is not a string", what)
		}
		if seen[key] {
			return formatError("%s has the key %q twice", what, key)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

// parseMetadata reads the "__metadata__" entry, a map of strings to
// strings (or null), into meta.
func parseMetadata(raw json.RawMessage, meta map[string]string) error {
	if string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	return readObject(dec, "__metadata__", func(key string) error {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if len(v) == 0 || v[0] != '"' {
			return formatError("__metadata__ value for %q is not a string", key)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		meta[key] = s
		return nil
	})
}

// parseEntry reads one tensor's {"dtype", "shape", "data_offsets"}.
// Other keys are ignored, as in the reference implementation.
func parseEntry(name string, raw json.RawMessage) (entry, error) {
	e := entry{name: name}
	var dtype, shape, offsets json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := readObject(dec, fmt.Sprintf("tensor %q", name), func(key string) error {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		switch key {
		case "dtype":
			dtype = v
		case "shape":
			shape = v
		case "data_offsets":
			offsets = v
		}
		return nil
	})
	if err != nil {
		return e, err
	}
	switch {
	case dtype == nil:
		return e, formatError("tensor %q has no dtype", name)
	case shape == nil:
		return e, formatError("tensor %q has no shape", name)
	case offsets == nil:
		return e, formatError("tensor %q has no data_offsets", name)
	}
	if dtype[0] != '"' {
		return e, formatError("tensor %q: dtype %s is not a string", name, dtype)
	}
	if err := json.Unmarshal(dtype, &e.dtype); err != nil {
		return e, err
	}
	if _, ok := dtypeBits[e.dtype]; !ok {
		return e, formatError("tensor %q has unknown dtype %q", name, e.dtype)
	}
	dims, err := wholeNumbers(shape)
	if err != nil {
		return e, formatError("tensor %q: shape %s: %v", name, shape, err)
	}
	e.shape = make([]int, len(dims))
	for i, d := range dims {
		if d > math.MaxInt {
			return e, formatError("tensor %q: shape %s has a dimension too large for this machine", name, shape)
		}
		e.shape[i] = int(d)
	}
	offs, err := wholeNumbers(offsets)
	if err != nil {
		return e, formatError("tensor %q: data_offsets %s: %v", name, offsets, err)
	}
	if len(offs) != 2 {
		return e, formatError("tensor %q: data_offsets %s must be two numbers, [begin, end]", name, offsets)
	}
	e.begin, e.end = int64(offs[0]), int64(offs[1])
	return e, nil
}

// wholeNumbers decodes a JSON array of non-negative integers that fit in
// an int64.
func wholeNumbers(raw json.RawMessage) ([]uint64, error) {
	if raw[0] != '[' {
		return nil, errors.New("not an array")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]uint64, len(items))
	for i, item := range items {
		s := string(item)
		if s == "" || s[0] == '-' {
			return nil, fmt.Errorf("%s is negative", s)
		}
		var v uint64
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return nil, fmt.Errorf("%s is not a whole number", s)
			}
			d := uint64(c - '0')
			if v > (math.MaxInt64-d)/10 {
				return nil, fmt.Errorf("%s is too large", s)
			}
			v = v*10 + d
		}
		out[i] = v
	}
	return out, nil
}

// validate checks that the tensors' byte ranges match their shapes and
// tile a buffer of bufLen bytes exactly. It sorts entries by position.
func validate(entries []entry, bufLen int64) error {
	sort.SliceStable(entries, func(i, j int) bool {
		if entries[i].begin != entries[j].begin {
			return entries[i].begin < entries[j].begin
		}
		return entries[i].end < entries[j].end
	})
	var pos int64 // where the next tensor must begin
	for _, e := range entries {
		switch {
		case e.end < e.begin:
			return formatError("tensor %q: data_offsets [%d, %d] end before they begin", e.name, e.begin, e.end)
		case e.begin < pos:
			return formatError("tensor %q: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", e.name, e.begin, e.end, pos)
		case e.begin > pos:
			return formatError("tensor %q: data_offsets [%d, %d] leave a gap of %d bytes before it", e.name, e.begin, e.end, e.begin-pos)
		case e.end > bufLen:
			return formatError("tensor %q: data_offsets [%d, %d] run past the end of the file, whose data is %d bytes (is the file truncated?)",
				e.name, e.begin, e.end, bufLen)
		}
		pos = e.end
		bits := int64(dtypeBits[e.dtype])
		// Count the elements, stopping as soon as there are more than the
		// file could hold, so that no product can overflow.
		limit := bufLen/bits*8 + 8
		count := int64(1)
		for _, d := range e.shape {
			if d == 0 {
				count = 0
				break
			}
		}
		for _, d := range e.shape {
			if count == 0 {
				break
			}
			if int64(d) > limit/count {
				return formatError("tensor %q: shape %v has more elements than the file can hold", e.name, e.shape)
			}
			count *= int64(d)
		}
		if count*bits%8 != 0 {
			return formatError("tensor %q: %d elements of %s do not fill a whole number of bytes", e.name, count, e.dtype)
		}
		if want := count * bits / 8; want != e.end-e.begin {
			return formatError("tensor %q: shape %v of %s needs %d bytes, but data_offsets [%d, %d] hold %d",
				e.name, e.shape, e.dtype, want, e.begin, e.end, e.end-e.begin)
		}
	}
	if pos < bufLen {
		return formatError("the file has %d bytes after the last tensor's data", bufLen-pos)
	}
	return nil
}

// readFloat32s fills dst with little-endian float32 numbers read from r at
// off, a chunk at a time.
func readFloat32s(r io.ReaderAt, dst []float32, off int64) error {
	var buf [64 << 10]byte
	for len(dst) > 0 {
		n := min(len(dst), len(buf)/4)
		b := buf[:4*n]
		if err := readAt(r, b, off); err != nil {
			return err
		}
		for i := range n {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		dst, off = dst[n:], off+int64(4*n)
	}
	return nil
}

// readInt64s fills dst with little-endian int64 numbers read from r at off,
// a chunk at a time.
func readInt64s(r io.ReaderAt, dst []int64, off int64) error {
	var buf [64 << 10]byte
	for len(dst) > 0 {
		n := min(len(dst), len(buf)/8)
		b := buf[:8*n]
		if err := readAt(r, b, off); err != nil {
			return err
		}
		for i := range n {
			dst[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
		dst, off = dst[n:], off+int64(8*n)
	}
	return nil
}

// readAt reads exactly len(p) bytes at off; a short read is an
// io.ErrUnexpectedEOF.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
