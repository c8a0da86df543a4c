package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// encodeIDX returns an IDX file of unsigned bytes with the given header
// dimensions followed by data (which need not match them: tests craft
// bad files with it).
func encodeIDX(dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, idxUnsignedByte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 37)
	}
	return b
}

func TestReadIDXRawAndGzip(t *testing.T) {
	raw := encodeIDX([]uint32{2, 3, 4}, seq(24))
	// The names lie on purpose: gzip is recognised by content.
	for name, content := range map[string][]byte{
		"raw.gz":   raw,
		"gzip.idx": gzipBytes(t, raw),
	} {
		m, err := ReadIDX(writeTemp(t, name, content))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(m.Dims) != 3 || m.Dims[0] != 2 || m.Dims[1] != 3 || m.Dims[2] != 4 {
			t.Errorf("%s: dims %v, want [2 3 4]", name, m.Dims)
		}
		if !bytes.Equal(m.Data, seq(24)) {
			t.Errorf("%s: data %v, want %v", name, m.Data, seq(24))
		}
	}
}

func TestReadIDXImagesAndLabels(t *testing.T) {
	img := writeTemp(t, "img", encodeIDX([]uint32{2, 1, 3}, []byte{0, 255, 51, 102, 1, 254}))
	x, err := ReadIDXImages(img)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Shape; len(got) != 4 || got[0] != 2 || got[1] != 1 || got[2] != 1 || got[3] != 3 {
		t.Fatalf("shape %v, want [2 1 1 3]", got)
	}
	want := []float32{0, 1, 0.2, 0.4, 1.0 / 255, 254.0 / 255}
	for i := range want {
		if x.Data[i] != want[i] {
			t.Errorf("pixel %d = %v, want %v", i, x.Data[i], want[i])
		}
	}
	lab := writeTemp(t, "lab", gzipBytes(t, encodeIDX([]uint32{4}, []byte{3, 0, 9, 200})))
	y, err := ReadIDXLabels(lab)
	if err != nil {
		t.Fatal(err)
	}
	if len(y) != 4 || y[0] != 3 || y[1] != 0 || y[2] != 9 || y[3] != 200 {
		t.Errorf("labels %v, want [3 0 9 200]", y)
	}
	// Each reader refuses the other's files.
	if _, err := ReadIDXImages(lab); err == nil || !strings.Contains(err.Error(), "want 3") || !strings.Contains(err.Error(), lab) {
		t.Errorf("labels read as images: %v", err)
	}
	if _, err := ReadIDXLabels(img); err == nil || !strings.Contains(err.Error(), "want 1") {
		t.Errorf("images read as labels: %v", err)
	}
}

func TestReadIDXBadFiles(t *testing.T) {
	good := encodeIDX([]uint32{2, 2, 2}, seq(8))
	badCRC := gzipBytes(t, good)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 in the gzip trailer
	for _, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty", nil, "too short"},
		{"one byte", []byte{0}, "too short"},
		{"bad magic", append([]byte{0x12, 0x34}, good[2:]...), "not an IDX file"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "not an IDX file"},
		{"float values", append([]byte{0, 0, 0x0d}, good[3:]...), "type 0x0d is not supported"},
		{"no dimensions", []byte{0, 0, 8, 0}, "declares 0 dimensions"},
		{"too many dimensions", encodeIDX(make([]uint32, 9), nil), "declares 9 dimensions"},
		{"zero dimension", encodeIDX([]uint32{2, 0, 2}, nil), "dimension 1 is 0"},
		{"header cut in dims", good[:9], "truncated"},
		{"header cut in gzip", gzipBytes(t, good[:9]), "truncated"},
		{"data truncated", good[:len(good)-1], "need 8 bytes of data but the file has 7"},
		{"data truncated gzip", gzipBytes(t, good[:len(good)-1]), "need 8 bytes of data but only 7"},
		{"trailing bytes", append(append([]byte{}, good...), 0), "need 8 bytes of data but the file has 9"},
		{"trailing bytes gzip", gzipBytes(t, append(append([]byte{}, good...), 0)), "more follow"},
		{"gzip cut short", gzipBytes(t, good)[:20], "truncated"},
		{"gzip bad checksum", badCRC, "checksum"},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0, 0, 0}, "gzip"},
		{"absurd count", encodeIDX([]uint32{1 << 31, 28, 28}, seq(100)), "claim more than"},
		{"absurd overflow", encodeIDX([]uint32{1<<32 - 1, 1<<32 - 1, 1<<32 - 1, 1<<32 - 1}, nil), "claim more than"},
	} {
		path := writeTemp(t, "bad.idx", c.content)
		_, err := ReadIDX(path)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q, want it to name the file and say %q", c.name, err, c.want)
		}
	}
	if _, err := ReadIDX(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

// A header may claim up to MaxIDXBytes; a small file that claims that much
// must cost memory in proportion to what it holds, not to what it claims.
func TestReadIDXLyingHeaderAllocatesLittle(t *testing.T) {
	lie := encodeIDX([]uint32{1 << 20, 32, 32}, seq(1000)) // claims 1 GiB
	for name, content := range map[string][]byte{"raw": lie, "gzip": gzipBytes(t, lie)} {
		path := writeTemp(t, "lie", content)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(path)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "1073741824 bytes") {
			t.Errorf("%s: error %v, want one about the 1073741824 bytes claimed", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("%s: reading a %d-byte file that claims 1 GiB allocated %d bytes", name, len(content), got)
		}
	}
}

func TestNewIDXDataset(t *testing.T) {
	images := &IDX{Dims: []int{3, 1, 2}, Data: seq(6)}
	classes := []string{"a", "b"}
	d, err := NewIDXDataset("tiny", images, &IDX{Dims: []int{3}, Data: []byte{1, 0, 1}}, classes)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Labels[0] != 1 || d.Shape()[0] != 1 || d.Shape()[2] != 2 {
		t.Errorf("dataset %d examples of shape %v, labels %v", d.Len(), d.Shape(), d.Labels)
	}
	for _, c := range []struct {
		labels *IDX
		want   string
	}{
		{&IDX{Dims: []int{2}, Data: []byte{0, 1}}, "3 images but the label file 2 labels"},
		{&IDX{Dims: []int{4}, Data: []byte{0, 1, 0, 1}}, "3 images but the label file 4 labels"},
		{&IDX{Dims: []int{3}, Data: []byte{0, 2, 1}}, "label 2 of example 1 is not one of the 2 classes"},
		{&IDX{Dims: []int{3, 1}, Data: []byte{0, 1, 0}}, "want 1 (labels)"},
	} {
		if _, err := NewIDXDataset("tiny", images, c.labels, classes); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("labels %v: error %v, want %q", c.labels, err, c.want)
		}
	}
}

// FuzzDecodeIDX feeds arbitrary bytes to the IDX reader. It must never
// panic, and whatever it accepts must be self-consistent: as many values
// as the dimensions say, and for raw input, the very bytes it was given.
func FuzzDecodeIDX(f *testing.F) {
	good := encodeIDX([]uint32{2, 2, 3}, seq(12))
	f.Add(good)
	f.Add(gzipBytes(f, good))
	f.Add(encodeIDX([]uint32{5}, []byte{1, 2, 3, 4, 5}))
	f.Add(good[:len(good)-2])
	f.Add(append(append([]byte{}, good...), 7))
	f.Add(encodeIDX([]uint32{1 << 31, 28, 28}, seq(64)))
	f.Add(gzipBytes(f, encodeIDX([]uint32{60000, 28, 28}, seq(64))))
	f.Add([]byte{0, 0, 8, 0})
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeIDX(bytes.NewReader(in))
		if err != nil {
			return
		}
		size := 1
		for _, d := range m.Dims {
			if d <= 0 {
				t.Fatalf("accepted dimension %d", d)
			}
			size *= d
		}
		if len(m.Data) != size {
			t.Fatalf("dims %v but %d values", m.Dims, len(m.Data))
		}
		if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
			return
		}
		dims := make([]uint32, len(m.Dims))
		for i, d := range m.Dims {
			dims[i] = uint32(d)
		}
		if again := encodeIDX(dims, m.Data); !bytes.Equal(again, in) {
			t.Fatalf("re-encoding gives %x, input was %x", again, in)
		}
	})
}

// FuzzIDXDataset pairs arbitrary image and label files into a dataset.
// Whatever it accepts must be a valid dataset.
func FuzzIDXDataset(f *testing.F) {
	f.Add(encodeIDX([]uint32{2, 2, 2}, seq(8)), encodeIDX([]uint32{2}, []byte{0, 1}))
	f.Add(encodeIDX([]uint32{2, 2, 2}, seq(8)), encodeIDX([]uint32{3}, []byte{0, 1, 1}))
	f.Add(encodeIDX([]uint32{1, 1, 1}, seq(1)), encodeIDX([]uint32{1}, []byte{9}))
	f.Add(encodeIDX([]uint32{4}, seq(4)), encodeIDX([]uint32{4}, seq(4)))
	classes := []string{"a", "b", "c"}
	f.Fuzz(func(t *testing.T, imgs, labs []byte) {
		x, err := DecodeIDX(bytes.NewReader(imgs))
		if err != nil {
			return
		}
		y, err := DecodeIDX(bytes.NewReader(labs))
		if err != nil {
			return
		}
		d, err := NewIDXDataset("fuzz", x, y, classes)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted an invalid dataset: %v", err)
		}
		for i := range d.Len() {
			for _, v := range d.Example(i) {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("pixel value %v outside [0, 1]", v)
				}
			}
		}
	})
}

// IDX.Pixels keeps the file's bytes and stands for the values Images
// gives.
func TestIDXPixels(t *testing.T) {
	m := &IDX{Dims: []int{2, 1, 3}, Data: []byte{0, 255, 51, 102, 1, 254}}
	p, err := m.Pixels()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Shape; len(got) != 4 || got[0] != 2 || got[1] != 1 || got[2] != 1 || got[3] != 3 || &p.Data[0] != &m.Data[0] {
		t.Fatalf("shape %v, want [2 1 1 3] over the file's bytes", got)
	}
	x, err := m.Images()
	if err != nil {
		t.Fatal(err)
	}
	d := &Dataset{Name: "idx", Pixels: p, Labels: []int{0, 0}, Classes: []string{"a"}}
	for i := range 2 {
		for j, v := range d.Example(i) {
			if v != x.Data[i*3+j] {
				t.Errorf("pixel %d of image %d = %v, want %v", j, i, v, x.Data[i*3+j])
			}
		}
	}
	if _, err := (&IDX{Dims: []int{6}, Data: m.Data}).Pixels(); err == nil || !strings.Contains(err.Error(), "want 3") {
		t.Errorf("labels as pixels: %v", err)
	}
}
