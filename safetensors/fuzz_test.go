package safetensors

import (
	"bytes"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/tensor"
)

// FuzzRead feeds Read arbitrary bytes. Read must never panic, and a file
// it accepts must be consistent: every F32 or I64 tensor has as many
// values as its shape says, and writing the tensors back and reading them
// again gives the same tensors and metadata. The seeds run as an ordinary test.
func FuzzRead(f *testing.F) {
	var valid bytes.Buffer
	err := Write(&valid, []Tensor{
		{Name: "0.weight", Shape: []int{2, 1, 2, 2}, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8}},
		{Name: "0.bias", Shape: []int{2}, Data: []float32{-1, 1}},
	}, map[string]string{"format": "gocnn", "spec": "conv(2,2)"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:valid.Len()-3])                                           // truncated data
	f.Add(valid.Bytes()[:20])                                                      // truncated header
	f.Add(append(valid.Bytes()[:valid.Len():valid.Len()], 0, 0))                   // trailing bytes
	f.Add(file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]`, f32(1, 2))) // bad JSON
	f.Add(file(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"__metadata__":null}`, make([]byte, 8)))
	f.Add(file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"c":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(1, 2)))
	f.Add(file(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, f32(1, 2)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'})
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := read(b)
		if err != nil {
			return
		}
		writable := true // every tensor F32 or I64
		for _, x := range file.Tensors {
			switch x.DType {
			case F32:
				if len(x.Data) != tensor.Size(x.Shape) || x.Ints != nil {
					t.Fatalf("tensor %q: %d values for shape %v, and %d ints", x.Name, len(x.Data), x.Shape, len(x.Ints))
				}
			case I64:
				if len(x.Ints) != tensor.Size(x.Shape) || x.Data != nil {
					t.Fatalf("tensor %q: %d ints for shape %v, and %d values", x.Name, len(x.Ints), x.Shape, len(x.Data))
				}
			default:
				writable = false
				if x.Data != nil || x.Ints != nil {
					t.Fatalf("tensor %q of dtype %s has values", x.Name, x.DType)
				}
			}
		}
		if !writable {
			return
		}
		var again bytes.Buffer
		if err := Write(&again, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("writing back what was read: %v", err)
		}
		back, err := read(again.Bytes())
		if err != nil {
			t.Fatalf("reading back what was written: %v", err)
		}
		if len(back.Tensors) != len(file.Tensors) || len(back.Metadata) != len(file.Metadata) {
			t.Fatalf("round trip changed the file: %+v became %+v", file, back)
		}
		for k, v := range file.Metadata {
			if back.Metadata[k] != v {
				t.Fatalf("metadata %q: %q became %q", k, v, back.Metadata[k])
			}
		}
		for i, x := range file.Tensors {
			y := back.Tensors[i]
			if x.Name != y.Name || x.DType != y.DType || !equalInts(x.Shape, y.Shape) || !sameBits(x.Data, y.Data) || !slices.Equal(x.Ints, y.Ints) {
				t.Fatalf("tensor %d: %+v became %+v", i, x, y)
			}
		}
	})
}
