package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"unicode/utf8"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/tensor"
)

// WriteFile writes tensors and metadata to the file at path, replacing it
// atomically: a failure at any point leaves what was there before.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		return Write(w, tensors, metadata)
	})
}

// Write writes tensors and metadata to w in the safetensors format. Every
// tensor must be F32 (an empty DType means F32) with len(Data) matching its
// shape, or I64 with len(Ints) matching it, and names must be distinct.
//
// The output is deterministic: the metadata keys are sorted, the tensors
// appear in the header and in the buffer in the order given, and the
// header is padded with spaces to a multiple of 8 bytes so that the
// numbers start aligned, as the reference implementation does.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	out := make([]byte, 8, 8+len(header))
	binary.LittleEndian.PutUint64(out, uint64(len(header)))
	if _, err := w.Write(append(out, header...)); err != nil {
		return err
	}
	// The numbers go out a chunk at a time, converted to little-endian bytes.
	buf := make([]byte, 0, 64<<10)
	flush := func() error {
		if len(buf)+8 <= cap(buf) {
			return nil
		}
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	for _, t := range tensors {
		for _, v := range t.Data {
			if err := flush(); err != nil {
				return err
			}
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		for _, v := range t.Ints {
			if err := flush(); err != nil {
				return err
			}
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
		}
	}
	_, err = w.Write(buf)
	return err
}

// encodeHeader checks the tensors and returns the padded JSON header.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(metadata[k]) {
				return nil, fmt.Errorf("safetensors: metadata %q is not valid UTF-8", k)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	seen := make(map[string]bool, len(tensors))
	var offset int64
	for i, t := range tensors {
		switch {
		case t.Name == "__metadata__":
			return nil, fmt.Errorf("safetensors: a tensor cannot be named __metadata__")
		case !utf8.ValidString(t.Name):
			return nil, fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
		case seen[t.Name]:
			return nil, fmt.Errorf("safetensors: two tensors are named %q", t.Name)
		case t.DType != "" && t.DType != F32 && t.DType != I64:
			return nil, fmt.Errorf("safetensors: tensor %q has dtype %s; only F32 and I64 tensors can be written", t.Name, t.DType)
		}
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("safetensors: tensor %q has a negative dimension in shape %v", t.Name, t.Shape)
			}
		}
		dtype, n, size, other := F32, len(t.Data), int64(4), len(t.Ints)
		if t.DType == I64 {
			dtype, n, size, other = I64, len(t.Ints), 8, len(t.Data)
		}
		switch {
		case n != tensor.Size(t.Shape):
			return nil, fmt.Errorf("safetensors: tensor %q has %d values for shape %v", t.Name, n, t.Shape)
		case other != 0:
			return nil, fmt.Errorf("safetensors: %s tensor %q also has %d values of another type", dtype, t.Name, other)
		}
		seen[t.Name] = true
		if i > 0 || len(metadata) > 0 {
			b.WriteByte(',')
		}
		end := offset + size*int64(n)
		writeJSONString(&b, t.Name)
		fmt.Fprintf(&b, `:{"dtype":"%s","shape":[`, dtype)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, d)
		}
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderSize {
		return nil, fmt.Errorf("safetensors: header of %d bytes is over the limit of %d", b.Len(), MaxHeaderSize)
	}
	return b.Bytes(), nil
}

// writeJSONString writes s as a JSON string, leaving <, > and & as they are.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	// Encoding a string cannot fail; Encode ends it with a newline.
	enc.Encode(s)
	b.Truncate(b.Len() - 1)
}
