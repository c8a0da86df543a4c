package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// file assembles a safetensors file from a header and a data buffer.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// f32 returns the little-endian bytes of vs.
func f32(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func read(b []byte) (*File, error) { return Read(bytes.NewReader(b), int64(len(b))) }

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestWriteExactBytes(t *testing.T) {
	// The layout the reference implementation writes: the header padded
	// with spaces to a multiple of 8, then the numbers. The first three
	// cases are byte for byte the files its own serialisation tests expect.
	for _, c := range []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		header  string
		data    []byte
	}{
		{"one tensor", []Tensor{{Name: "attn.0", Shape: []int{1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}}, nil,
			`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`, f32(0, 1, 2, 3, 4, 5)},
		{"empty", nil, nil, `{}      `, nil},
		{"metadata only", nil, map[string]string{"framework": "pt"}, `{"__metadata__":{"framework":"pt"}}     `, nil},
		{"order kept, keys sorted", []Tensor{
			{Name: "b", DType: F32, Shape: []int{2}, Data: []float32{1.5, -2}},
			{Name: "a", Shape: []int{}, Data: []float32{7}},
		}, map[string]string{"z": "<&>", "a": "é"},
			`{"__metadata__":{"a":"é","z":"<&>"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[],"data_offsets":[8,12]}} `,
			f32(1.5, -2, 7)},
	} {
		var b bytes.Buffer
		if err := Write(&b, c.tensors, c.meta); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := file(c.header, c.data); !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: wrote\n%q\nwant\n%q", c.name, b.Bytes(), want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	nan := math.Float32frombits(0x7fc01234) // a NaN with a payload
	tensors := []Tensor{
		{Name: "0.weight", DType: F32, Shape: []int{2, 1, 2, 2},
			Data: []float32{1, -1, 0.5, float32(math.Inf(1)), float32(math.Copysign(0, -1)), nan, 1e-45, math.MaxFloat32}},
		{Name: "0.bias", DType: F32, Shape: []int{2}, Data: []float32{3, 4}},
		{Name: "empty", DType: F32, Shape: []int{0, 5}, Data: []float32{}},
		{Name: "scalar", DType: F32, Shape: []int{}, Data: []float32{42}},
	}
	meta := map[string]string{"spec": "conv(2,2) relu", "quote\"d": "line\nbreak"}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Metadata) != len(meta) {
		t.Errorf("metadata %v, want %v", f.Metadata, meta)
	}
	for k, v := range meta {
		if f.Metadata[k] != v {
			t.Errorf("metadata %q = %q, want %q", k, f.Metadata[k], v)
		}
	}
	if len(f.Tensors) != len(tensors) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(tensors))
	}
	for i, want := range tensors {
		got := f.Tensors[i] // in file order, which is the order written
		if got.Name != want.Name || got.DType != F32 || !equalInts(got.Shape, want.Shape) || !sameBits(got.Data, want.Data) {
			t.Errorf("tensor %d: got %+v, want %+v", i, got, want)
		}
	}
	if f.Tensor("0.bias") == nil || f.Tensor("0.bias").Data[1] != 4 || f.Tensor("nope") != nil {
		t.Error("File.Tensor does not find tensors by name")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadOtherWriters(t *testing.T) {
	// As other writers may produce it: pretty-printed, keys out of order,
	// tensors listed in another order than their data, null metadata,
	// other dtypes, an unknown extra field.
	header := `{
	"b": {"shape": [2], "dtype": "I64", "data_offsets": [8, 24], "extra": true},
	"a": {"dtype": "BF16", "shape": [1, 3], "data_offsets": [2, 8]},
	"c": {"dtype": "F32", "shape": [1], "data_offsets": [24, 28]},
	"z": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
	"__metadata__": null
}  `
	data := append(make([]byte, 24), f32(2.5)...)
	f, err := read(file(header, data))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range f.Tensors {
		names = append(names, x.Name+":"+x.DType)
	}
	if got, want := strings.Join(names, " "), "z:U8 a:BF16 b:I64 c:F32"; got != want {
		t.Errorf("tensors in file order %q, want %q", got, want)
	}
	if c := f.Tensor("c"); !sameBits(c.Data, []float32{2.5}) {
		t.Errorf("c = %v, want [2.5]", c.Data)
	}
	if b := f.Tensor("b"); b.Data != nil || !equalInts(b.Shape, []int{2}) {
		t.Errorf("an I64 tensor should have a shape and no Data, got %+v", b)
	}
	if f.Metadata == nil || len(f.Metadata) != 0 {
		t.Errorf("metadata %v, want an empty map", f.Metadata)
	}
}

func TestReadRejects(t *testing.T) {
	ok := `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	two := f32(1, 2)
	huge := binary.LittleEndian.AppendUint64(nil, 1<<62)
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "too short"},
		{"7 bytes", []byte{1, 2, 3, 4, 5, 6, 7}, "too short"},
		{"header over the limit", append(huge, "{}"...), "over the limit"},
		{"header longer than the file", file(ok, two)[:40], "larger than the 32 bytes that follow"},
		{"not UTF-8", file("{\"w\xff\":1}", nil), "not valid UTF-8"},
		{"not an object", file(`["w"]`, nil), "does not start with '{'"},
		{"leading space", file(` {}`, nil), "does not start with '{'"},
		{"bad JSON", file(`{"w":{"dtype":"F32",}}`, nil), "not valid JSON"},
		{"unfinished JSON", file(`{"w":{"dtype":"F32"`, nil), "ends in the middle"},
		{"text after the object", file(`{} x`, nil), `'x' after its JSON object`},
		{"second object", file(`{}{}`, nil), `'{' after its JSON object`},
		{"duplicate tensor", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two), `key "w" twice`},
		{"duplicate field", file(`{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, two), `key "dtype" twice`},
		{"field in other case", file(`{"w":{"Dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, two), `"w" has no dtype`},
		{"metadata not strings", file(`{"__metadata__":{"epochs":3}}`, nil), `value for "epochs" is not a string`},
		{"metadata not an object", file(`{"__metadata__":"x"}`, nil), `__metadata__ is not a JSON object`},
		{"tensor not an object", file(`{"w":[1]}`, nil), `tensor "w" is not a JSON object`},
		{"unknown dtype", file(`{"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}`, two), `tensor "w" has unknown dtype "F31"`},
		{"dtype not a string", file(`{"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}`, two), `dtype 32 is not a string`},
		{"no shape", file(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, two), `tensor "w" has no shape`},
		{"null shape", file(`{"w":{"dtype":"F32","shape":null,"data_offsets":[0,8]}}`, two), `shape null: not an array`},
		{"no offsets", file(`{"w":{"dtype":"F32","shape":[2]}}`, two), `tensor "w" has no data_offsets`},
		{"negative dimension", file(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, two), `-2 is negative`},
		{"fractional dimension", file(`{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, two), `2.0 is not a whole number`},
		{"string dimension", file(`{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, two), `"2" is not a whole number`},
		{"huge dimension", file(`{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}`, two), `is too large`},
		{"three offsets", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}`, two), `must be two numbers`},
		{"end before begin", file(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, two), `tensor "w": data_offsets [8, 0] end before they begin`},
		{"gap", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two), `tensor "w": data_offsets [4, 8] leave a gap of 4 bytes`},
		{"overlap", file(`{"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two), `tensor "w": data_offsets [4, 8] overlap`},
		{"shape and size disagree", file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, two), `tensor "w": shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8`},
		{"dtype and size disagree", file(`{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}`, two), `needs 16 bytes`},
		{"overflowing shape", file(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, two), `more elements than the file can hold`},
		{"half a byte", file(`{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, []byte{0, 0}), `do not fill a whole number of bytes`},
		{"truncated data", file(ok, two)[:len(file(ok, two))-1], `tensor "w": data_offsets [0, 8] run past the end of the file, whose data is 7 bytes`},
		{"trailing bytes", append(file(ok, two), 0), "1 bytes after the last tensor's data"},
		{"claims far more than the file", file(`{"w":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`, two), "run past the end of the file"},
	} {
		f, err := read(c.file)
		if err == nil {
			t.Errorf("%s: read %+v, want an error", c.name, f)
			continue
		}
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %q does not wrap ErrFormat", c.name, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestReadRejectsEveryTruncation(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, []Tensor{{Name: "a", Shape: []int{3}, Data: []float32{1, 2, 3}}, {Name: "b", Shape: []int{1}, Data: []float32{4}}},
		map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	full := b.Bytes()
	if _, err := read(full); err != nil {
		t.Fatal(err)
	}
	for n := range len(full) {
		if _, err := read(full[:n]); err == nil || !errors.Is(err, ErrFormat) {
			t.Errorf("file cut to %d of %d bytes: error %v, want a format error", n, len(full), err)
		}
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(path, file(`{}`, []byte{9}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), "reading "+path+": ") || !errors.Is(err, ErrFormat) {
		t.Errorf("error %v, want a format error naming %s", err, path)
	}
	missing := filepath.Join(dir, "missing.safetensors")
	if _, err := ReadFile(missing); err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want a not-exist error naming %s", err, missing)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("reading a folder: error %v", err)
	}
}

func TestWriteRejects(t *testing.T) {
	for _, c := range []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate names", []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{1}}}, nil, `two tensors are named "a"`},
		{"too few values", []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1}}}, nil, `tensor "a" has 1 values for shape [2 2]`},
		{"other dtype", []Tensor{{Name: "a", DType: "F16", Shape: []int{1}, Data: []float32{1}}}, nil, `dtype F16`},
		{"reserved name", []Tensor{{Name: "__metadata__", Shape: []int{1}, Data: []float32{1}}}, nil, `cannot be named __metadata__`},
		{"negative dimension", []Tensor{{Name: "a", Shape: []int{-1, -1}, Data: []float32{1}}}, nil, `negative dimension`},
		{"bad UTF-8 name", []Tensor{{Name: "a\xff", Shape: []int{1}, Data: []float32{1}}}, nil, `not valid UTF-8`},
		{"bad UTF-8 metadata", nil, map[string]string{"k": "\xfe"}, `not valid UTF-8`},
		{"I64 too few", []Tensor{{Name: "n", DType: I64, Shape: []int{2}, Ints: []int64{1}}}, nil, `tensor "n" has 1 values for shape [2]`},
		{"I64 with floats", []Tensor{{Name: "n", DType: I64, Shape: []int{1}, Ints: []int64{1}, Data: []float32{1}}}, nil, `I64 tensor "n" also has 1 values`},
		{"F32 with ints", []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}, Ints: []int64{1}}}, nil, `F32 tensor "a" also has 1 values`},
	} {
		var b bytes.Buffer
		err := Write(&b, c.tensors, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
		if b.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing", c.name, b.Len())
		}
	}
}

func TestWriteReportsWriterErrors(t *testing.T) {
	big := make([]float32, 100_000) // more than one chunk
	for _, limit := range []int{0, 100, 70_000, 300_000} {
		w := &failingWriter{limit: limit}
		err := Write(w, []Tensor{{Name: "x", Shape: []int{len(big)}, Data: big}}, nil)
		if !errors.Is(err, errFull) {
			t.Errorf("writer failing after %d bytes: error %v, want %v", limit, err, errFull)
		}
	}
}

var errFull = errors.New("disk full")

type failingWriter struct{ n, limit int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		k := w.limit - w.n
		w.n = w.limit
		return k, errFull
	}
	w.n += len(p)
	return len(p), nil
}

// TestI64RoundTrip writes F32 and I64 tensors side by side, more I64
// values than one write chunk holds, and reads them back: the same values,
// the header's dtypes, and the I64 bytes little-endian two's complement.
func TestI64RoundTrip(t *testing.T) {
	ints := make([]int64, 10_000)
	for i := range ints {
		ints[i] = int64(i) * -123_456_789_013
	}
	ints[1] = 1<<63 - 1
	in := []Tensor{
		{Name: "w", DType: F32, Shape: []int{3}, Data: []float32{1.5, -2, 3}},
		{Name: "n", DType: I64, Shape: []int{}, Ints: []int64{42}},
		{Name: "big", DType: I64, Shape: []int{100, 100}, Ints: ints},
	}
	var b bytes.Buffer
	if err := Write(&b, in, nil); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	f, err := Read(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 3 {
		t.Fatalf("read %d tensors", len(f.Tensors))
	}
	for i, want := range in {
		got := f.Tensors[i]
		if got.Name != want.Name || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) ||
			!slices.Equal(got.Data, want.Data) || !slices.Equal(got.Ints, want.Ints) {
			t.Errorf("tensor %d: got %s %s %v (%d floats, %d ints), want %s %s %v", i, got.Name, got.DType, got.Shape,
				len(got.Data), len(got.Ints), want.Name, want.DType, want.Shape)
		}
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if !strings.Contains(string(raw[8:8+n]), `"n":{"dtype":"I64","shape":[],"data_offsets":[12,20]}`) {
		t.Errorf("header %s", raw[8:8+n])
	}
	if v := int64(binary.LittleEndian.Uint64(raw[8+n+12:])); v != 42 {
		t.Errorf("the I64 scalar's bytes read %d", v)
	}
}
