package ham10000

import (
	"archive/zip"
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
)

// FuzzDecodeMetadata feeds the metadata parser arbitrary text. It must
// never panic, and what it accepts must hold what ReadMetadata promises:
// every record a diagnosis among Classes(), an image id that is a plain
// file name, a lesion id, and lines in increasing order.
func FuzzDecodeMetadata(f *testing.F) {
	row := "HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp\n"
	for _, s := range []string{
		header + row + "HAM_0002730,ISIC_0026769,mel,follow_up,,unknown,lower extremity\n",
		"\xef\xbb\xbfDX,Image_ID,dataset,LESION_ID\r\nNV,ISIC_1,vidir,HAM_1\r\nmel,ISIC_2,rosendahl,HAM_2\r\n",
		"\"lesion_id\"\t\"image_id\"\t\"dx\"\n\"HAM_1\"\t\"ISIC_1\"\t\"nv\"\n",
		header, "", header + "HAM_1,../x,nv,histo,50.0,male,back\n", header + row + row,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := DecodeMetadata(bytes.NewReader(b))
		if err != nil {
			return
		}
		last := 0
		for _, r := range recs {
			if !slices.Contains(Classes(), r.DX) {
				t.Fatalf("record %+v: diagnosis not among %v", r, Classes())
			}
			if r.ImageID == "" || strings.ContainsAny(r.ImageID, `/\`) || r.ImageID == "." || r.ImageID == ".." {
				t.Fatalf("record %+v: image id is not a plain file name", r)
			}
			if strings.TrimSpace(r.LesionID) == "" || r.Line <= last {
				t.Fatalf("record %+v after line %d: no lesion id, or out of order", r, last)
			}
			last = r.Line
		}
	})
}

// FuzzLoadDermaMNIST writes arbitrary bytes as a .npz file, and arbitrary
// NPY arrays inside a well-formed archive, and loads them. Loading must
// never panic, an error must name the file, and accepted images must be
// in [0, 1] with labels among the seven classes.
func FuzzLoadDermaMNIST(f *testing.F) {
	var good bytes.Buffer
	zw := zip.NewWriter(&good)
	for name, b := range dermaFiles() {
		w, _ := zw.Create(name)
		w.Write(b)
	}
	zw.Close()
	f.Add(good.Bytes(), []byte(nil))
	f.Add([]byte(nil), dermaFiles()["train_images.npy"])
	f.Add([]byte(nil), npy("<i8", []int{3, 1}, int64s(4, 5, 99)))
	f.Add([]byte(nil), npy("|u1", []int{1 << 20, 1 << 20, 3}, nil))
	f.Add(good.Bytes()[:good.Len()/2], []byte(nil))
	f.Fuzz(func(t *testing.T, archive, trainImages []byte) {
		if archive == nil {
			// A well-formed archive around the fuzzed training images.
			files := dermaFiles()
			files["train_images.npy"] = trainImages
			var b bytes.Buffer
			zw := zip.NewWriter(&b)
			for name, data := range files {
				w, _ := zw.Create(name)
				w.Write(data)
			}
			zw.Close()
			archive = b.Bytes()
		}
		path := writeFile(t, filepath.Join(t.TempDir(), "dermamnist.npz"), archive)
		train, val, test, err := LoadDermaMNIST(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), "DermaMNIST") {
				t.Fatalf("error %q names neither the file nor DermaMNIST", err)
			}
			return
		}
		for _, d := range []*data.Dataset{train, val, test} {
			if d.Len() == 0 {
				t.Fatal("an empty split was accepted")
			}
			if err := d.Validate(); err != nil {
				t.Fatalf("an accepted split is not valid: %v", err)
			}
			for _, l := range d.Labels {
				if l < 0 || l >= len(Classes()) {
					t.Fatalf("label %d is not one of the %d classes", l, len(Classes()))
				}
			}
			for i := range d.Len() {
				for _, v := range d.Example(i) {
					if !(v >= 0 && v <= 1) {
						t.Fatalf("pixel %v outside [0, 1]", v)
					}
				}
			}
		}
	})
}
