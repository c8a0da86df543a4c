package data

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzDecodeNPY feeds the NPY reader arbitrary bytes, with the length
// known and not. It must never panic, and an accepted array must hold
// exactly its shape's values: Len() times the item size in bytes, with no
// negative dimension, and Uint8s and Ints must not panic on it.
func FuzzDecodeNPY(f *testing.F) {
	for _, h := range []string{
		"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }",
		"{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
		"{'descr': '>i4', 'fortran_order': False, 'shape': (), }",
		"{'descr': '|u1', 'fortran_order': False, 'shape': (0, 5), }",
		"{'descr': '<u2', 'shape': (1,1,1), 'fortran_order': False}",
	} {
		f.Add(encodeNPY(1, h, make([]byte, 24)), true)
		f.Add(encodeNPY(2, h, []byte{1, 2, 3, 4, 5, 6}), false)
	}
	f.Add([]byte("\x93NUMPY\x03\x00\x10\x00\x00\x00{'descr': '|u1'}"), true)
	f.Fuzz(func(t *testing.T, file []byte, knowLen bool) {
		size := int64(-1)
		if knowLen {
			size = int64(len(file))
		}
		a, err := DecodeNPY(bytes.NewReader(file), size)
		if err != nil {
			return
		}
		for _, d := range a.Shape {
			if d < 0 {
				t.Fatalf("accepted shape %v", a.Shape)
			}
		}
		item, err := npyItemSize(a.Descr)
		if err != nil {
			t.Fatalf("accepted descr %q: %v", a.Descr, err)
		}
		if len(a.Data) != a.Len()*item {
			t.Fatalf("shape %v of %s holds %d bytes, want %d", a.Shape, a.Descr, len(a.Data), a.Len()*item)
		}
		if v, err := a.Uint8s(); err == nil && len(v) != a.Len() {
			t.Fatalf("Uint8s gave %d values for %d", len(v), a.Len())
		}
		if v, err := a.Ints(); err == nil && len(v) != a.Len() {
			t.Fatalf("Ints gave %d values for %d", len(v), a.Len())
		} else if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatal("Ints failed without saying why")
		}
	})
}
