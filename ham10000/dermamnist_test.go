package ham10000

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npy returns an NPY file (format 1.0) of the given type and shape
// holding data, which need not match them.
func npy(descr string, shape []int, data []byte) []byte {
	dims := ""
	for _, d := range shape {
		dims += fmt.Sprintf("%d, ", d)
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, strings.TrimSuffix(dims, " "))
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func int64s(vs ...int64) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, vs)
	return b.Bytes()
}

// npz writes a zip of the named files, alternately deflated and stored,
// and returns its path.
func npz(t *testing.T, files map[string][]byte) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		method := zip.Deflate
		if i%2 == 1 {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, filepath.Join(t.TempDir(), "dermamnist.npz"), b.Bytes())
}

// dermaFiles returns the arrays of a small DermaMNIST: three training
// images of 2×2 RGB labelled 4, 5, 6 (mel, nv, vasc in DermaMNIST's
// numbering), whose pixel p channel c of image i is 100i + 10p + c; one
// validation image with labels as bytes [N]; two greyscale test images.
func dermaFiles() map[string][]byte {
	train := make([]byte, 3*2*2*3)
	for i := range 3 {
		for p := range 4 {
			for c := range 3 {
				train[(i*4+p)*3+c] = byte(100*i + 10*p + c)
			}
		}
	}
	return map[string][]byte{
		"train_images.npy": npy("|u1", []int{3, 2, 2, 3}, train),
		"train_labels.npy": npy("<i8", []int{3, 1}, int64s(4, 5, 6)),
		"val_images.npy":   npy("|u1", []int{1, 2, 2, 3}, make([]byte, 12)),
		"val_labels.npy":   npy("|u1", []int{1}, []byte{0}),
		"test_images.npy":  npy("|u1", []int{2, 2, 2}, []byte{0, 51, 102, 153, 204, 255, 0, 0}),
		"test_labels.npy":  npy("|u1", []int{2, 1}, []byte{3, 2}),
	}
}

func TestLoadDermaMNIST(t *testing.T) {
	train, val, test, err := LoadDermaMNIST(npz(t, dermaFiles()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(train.Pixels.Shape, []int{3, 3, 2, 2}) || !slices.Equal(val.Pixels.Shape, []int{1, 3, 2, 2}) ||
		!slices.Equal(test.Pixels.Shape, []int{2, 1, 2, 2}) {
		t.Fatalf("shapes %v %v %v", train.Pixels.Shape, val.Pixels.Shape, test.Pixels.Shape)
	}
	// DermaMNIST's mel, nv, vasc (4, 5, 6) are 6, 4, 5 here.
	if !slices.Equal(train.Labels, []int{6, 4, 5}) || !slices.Equal(val.Labels, []int{0}) || !slices.Equal(test.Labels, []int{3, 2}) {
		t.Errorf("labels %v %v %v", train.Labels, val.Labels, test.Labels)
	}
	if !slices.Equal(train.Classes, Classes()) || train.Name != "dermamnist/train" {
		t.Errorf("%s: classes %v", train.Name, train.Classes)
	}
	// Planar: image 2, channel 1, pixel 3 is 100·2 + 10·3 + 1.
	if got := train.Example(2)[1*4+3] * 255; got != 231 {
		t.Errorf("image 2 channel 1 pixel 3 = %v, want 231", got)
	}
	if got := test.Example(0)[3] * 255; got != 153 {
		t.Errorf("greyscale test image 0 pixel 3 = %v, want 153", got)
	}
}

func TestLoadDermaMNISTErrors(t *testing.T) {
	with := func(name string, b []byte) map[string][]byte {
		f := dermaFiles()
		if b == nil {
			delete(f, name)
		} else {
			f[name] = b
		}
		return f
	}
	good := dermaFiles()
	for _, c := range []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"float images", with("train_images.npy", npy("<f4", []int{3, 2, 2, 3}, make([]byte, 4*36))), "train_images.npy: NPY array of <f4, want unsigned bytes"},
		{"fewer labels", with("train_labels.npy", npy("<i8", []int{2, 1}, int64s(4, 5))), "train_labels.npy has shape [2 1], want [3 1] or [3]"},
		{"four channels", with("val_images.npy", npy("|u1", []int{1, 2, 2, 4}, make([]byte, 16))), "val_images.npy has shape [1 2 2 4]"},
		{"no images", with("val_images.npy", npy("|u1", []int{0, 2, 2, 3}, nil)), "no images"},
		{"truncated images", with("train_images.npy", good["train_images.npy"][:len(good["train_images.npy"])-10]), "train_images.npy: NPY shape [3 2 2 3] of |u1 needs 36 bytes of data but the file has"},
		{"fortran order", with("test_labels.npy", bytes.Replace(good["test_labels.npy"], []byte("False"), []byte("True "), 1)), "test_labels.npy: NPY header"},
		{"label 7", with("test_labels.npy", npy("|u1", []int{2, 1}, []byte{3, 7})), "label 7 of image 1 is not a DermaMNIST class"},
		{"float labels", with("test_labels.npy", npy("<f8", []int{2, 1}, make([]byte, 16))), "test_labels.npy: NPY array of <f8, want integers"},
		{"missing labels", with("test_labels.npy", nil), "no test_labels.npy in the archive"},
	} {
		p := npz(t, c.files)
		_, _, _, err := LoadDermaMNIST(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming %s and containing %q", c.name, err, p, c.want)
		}
	}
	notZip := writeFile(t, filepath.Join(t.TempDir(), "dermamnist.npz"), []byte("not a zip archive at all"))
	if _, _, _, err := LoadDermaMNIST(notZip); err == nil || !strings.Contains(err.Error(), notZip) {
		t.Errorf("not a zip: %v", err)
	}
}
