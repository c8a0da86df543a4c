package data

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// encodeNPY returns an NPY file of the given format version with the
// given header dict and data (which need not agree: tests craft bad files
// with it). The header is padded as NumPy pads it.
func encodeNPY(major byte, dict string, data []byte) []byte {
	prefix := 10
	if major >= 2 {
		prefix = 12
	}
	h := dict + " "
	for (prefix+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	if major >= 2 {
		binary.Write(&b, binary.LittleEndian, uint32(len(h)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	}
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func TestDecodeNPY(t *testing.T) {
	le := func(vs ...int64) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, vs)
		return b.Bytes()
	}
	for _, c := range []struct {
		name  string
		file  []byte
		shape []int
		ints  []int
	}{
		{"uint8 images", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 3), }", []byte{0, 1, 2, 253, 254, 255}),
			[]int{2, 1, 3}, []int{0, 1, 2, 253, 254, 255}},
		{"int64 labels, version 2", encodeNPY(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 1), }", le(4, -1, 6)),
			[]int{3, 1}, []int{4, -1, 6}},
		{"big-endian int16, key order and quotes free", encodeNPY(1, `{"shape": (2,), "fortran_order": False, "descr": ">i2"}`, []byte{0x01, 0x02, 0xff, 0xfe}),
			[]int{2}, []int{0x0102, -2}},
		{"uint32, a Python 2 long", encodeNPY(3, "{'descr': '<u4', 'fortran_order': False, 'shape': (1L,), }", []byte{1, 0, 0, 0x80}),
			[]int{1}, []int{0x80000001}},
		{"scalar", encodeNPY(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (), }", []byte{0xff}),
			[]int{}, []int{-1}},
		{"empty", encodeNPY(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (0, 5), }", nil),
			[]int{0, 5}, []int{}},
	} {
		for _, size := range []int64{int64(len(c.file)), -1} {
			a, err := DecodeNPY(bytes.NewReader(c.file), size)
			if err != nil {
				t.Errorf("%s (size %d): %v", c.name, size, err)
				continue
			}
			got, err := a.Ints()
			if err != nil || !slices.Equal(a.Shape, c.shape) || !slices.Equal(got, c.ints) || a.Len() != len(c.ints) {
				t.Errorf("%s: shape %v values %v (%v), want %v %v", c.name, a.Shape, got, err, c.shape, c.ints)
			}
		}
	}
	a, err := DecodeNPY(bytes.NewReader(encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", []byte{7, 9})), -1)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := a.Uint8s(); err != nil || !bytes.Equal(b, []byte{7, 9}) {
		t.Errorf("Uint8s = %v, %v", b, err)
	}
	f, _ := DecodeNPY(bytes.NewReader(encodeNPY(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", []byte{0, 0, 128, 63})), -1)
	if _, err := f.Uint8s(); err == nil || !strings.Contains(err.Error(), "want unsigned bytes") {
		t.Errorf("Uint8s of floats: %v", err)
	}
	if _, err := f.Ints(); err == nil || !strings.Contains(err.Error(), "want integers") {
		t.Errorf("Ints of floats: %v", err)
	}
	u8, _ := DecodeNPY(bytes.NewReader(encodeNPY(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", bytes.Repeat([]byte{0xff}, 8))), -1)
	if _, err := u8.Ints(); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("Ints of 2^64-1: %v", err)
	}
}

func TestDecodeNPYErrors(t *testing.T) {
	good := "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }"
	six := []byte{1, 2, 3, 4, 5, 6}
	truncatedHeader := encodeNPY(1, good, six)[:30]
	for _, c := range []struct {
		name    string
		file    []byte
		knowLen bool
		want    string
	}{
		{"not npy", []byte("PK\x03\x04 this is a zip"), true, "not an NPY file"},
		{"empty", nil, true, "truncated"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), 0, 0), true, "version 4.0 is not supported"},
		{"header truncated", truncatedHeader, true, "truncated"},
		{"header truncated, length unknown", truncatedHeader, false, "truncated"},
		{"huge header", append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f), false, "more than the 65536 allowed"},
		{"fortran order", encodeNPY(1, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", six), true, "Fortran order"},
		{"complex", encodeNPY(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }", six), true, `value type "<c8" is not supported`},
		{"object", encodeNPY(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }", six), true, "not supported"},
		{"no shape", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, }", six), true, "no 'shape'"},
		{"extra key", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (6,), 'x': 1}", six), true, "4 keys"},
		{"repeated key", encodeNPY(1, "{'descr': '|u1', 'descr': '|u1', 'shape': (6,)}", six), true, "repeated"},
		{"not a dict", encodeNPY(1, "['descr']", six), true, "want '{'"},
		{"unterminated", encodeNPY(1, "{'descr: '|u1'", six), true, "want ':'"},
		{"negative dimension", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (-6,), }", six), true, "want a dimension"},
		{"shape claims more than the file", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 4), }", six), true, "needs 8 bytes of data but the file has 6"},
		{"shape claims more, length unknown", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 4), }", six), false, "needs 8 bytes of data but only 6 follow"},
		{"shape claims less, length unknown", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", six), false, "more follow"},
		{"shape claims terabytes", encodeNPY(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1000000, 1000000), }", six), false, "claims more than"},
		{"too many dimensions", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': ("+strings.Repeat("1,", 40)+"), }", six), true, "40 dimensions"},
	} {
		size := int64(-1)
		if c.knowLen {
			size = int64(len(c.file))
		}
		_, err := DecodeNPY(bytes.NewReader(c.file), size)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestReadNPYNamesTheFile(t *testing.T) {
	p := writeTemp(t, "labels.npy", encodeNPY(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (9,), }", []byte{1, 2}))
	_, err := ReadNPY(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "needs 9 bytes") {
		t.Errorf("got %v, want an error naming %s and the shortfall", err, p)
	}
}
