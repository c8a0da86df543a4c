package hamtest

import (
	"bytes"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/ham10000"
)

// TestWriteLoads writes a folder and loads it with ham10000.Load: every
// image there at the size asked for, each class with its count, colour,
// age and site, two images to a lesion but the odd one out.
func TestWriteLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ham")
	o := Options{PerClass: 5, Width: 10, Height: 8, Seed: 3}
	if err := Write(dir, o); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(filepath.Join(dir, ImageID(6, 4)+".jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := jpeg.DecodeConfig(bytes.NewReader(img)); err != nil || c.Width != 10 || c.Height != 8 {
		t.Errorf("the last mel: %dx%d, %v; want 10x8", c.Width, c.Height, err)
	}

	set, err := ham10000.Load(ham10000.Options{Dir: dir, Height: 8, Width: 10, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	classes := ham10000.Classes()
	if set.Len() != 5*len(classes) || len(set.Skipped) != 0 || len(set.Unlisted) != 0 {
		t.Fatalf("%d images, %d skipped, %d unlisted; want %d, 0, 0", set.Len(), len(set.Skipped), len(set.Unlisted), 5*len(classes))
	}
	if counts := set.Dataset.ClassCounts(); !slices.Equal(counts, []int{5, 5, 5, 5, 5, 5, 5}) {
		t.Errorf("class counts %v, want 5 each", counts)
	}
	lesions := map[string]int{}
	for i, r := range set.Records {
		k := set.Dataset.Labels[i]
		lesions[r.LesionID]++
		if r.DX != classes[k] || r.Age != []string{"20.0", "25.0", "30.0", "35.0", "40.0", "45.0", "50.0"}[k] ||
			r.Localization != "site"+strconv.Itoa(k) || r.Sex != "male" || r.DXType != "histo" {
			t.Errorf("image %d of class %s: %+v", i, classes[k], r)
		}
		// The noise averages out: the mean of each channel is near the
		// class's colour, nearer than the next class's.
		want := Colour(k)
		x := set.Dataset.Example(i)
		plane := len(x) / 3
		for ch, w := range []uint8{want.R, want.G, want.B} {
			var sum float64
			for _, v := range x[ch*plane : (ch+1)*plane] {
				sum += float64(v) * 255
			}
			if mean := sum / float64(plane); math.Abs(mean-float64(w)) > 8 {
				t.Errorf("image %d of class %s: channel %d averages %.1f, want %d", i, classes[k], ch, mean, w)
			}
		}
	}
	// 5 images a class: lesions of 2, 2 and 1.
	if len(lesions) != 3*len(classes) || lesions[LesionID(0, 0)] != 2 || lesions[LesionID(0, 3)] != 2 || lesions[LesionID(0, 4)] != 1 {
		t.Errorf("%d lesions, of %d, %d and %d images; want %d, of 2, 2 and 1", len(lesions),
			lesions[LesionID(0, 0)], lesions[LesionID(0, 3)], lesions[LesionID(0, 4)], 3*len(classes))
	}
	if ImageID(1, 0) != "ISIC_0000100" || LesionID(6, 5) != "HAM_0000602" {
		t.Errorf("ImageID(1, 0) = %q, LesionID(6, 5) = %q", ImageID(1, 0), LesionID(6, 5))
	}
}

// TestWriteSeed checks that a seed writes the same bytes every time, and
// that another seed writes other pixels but the same metadata.
func TestWriteSeed(t *testing.T) {
	read := func(seed uint64) (meta, img []byte) {
		t.Helper()
		dir := t.TempDir()
		if err := Write(dir, Options{PerClass: 2, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		meta, err := os.ReadFile(filepath.Join(dir, "HAM10000_metadata.csv"))
		if err != nil {
			t.Fatal(err)
		}
		img, err = os.ReadFile(filepath.Join(dir, ImageID(2, 1)+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		return meta, img
	}
	meta, img := read(1)
	if again, imgAgain := read(1); !bytes.Equal(again, meta) || !bytes.Equal(imgAgain, img) {
		t.Error("seed 1 wrote other files the second time")
	}
	if other, imgOther := read(2); !bytes.Equal(other, meta) || bytes.Equal(imgOther, img) {
		t.Error("seed 2 should change the pixels and nothing else")
	}
	if c, err := jpeg.DecodeConfig(bytes.NewReader(img)); err != nil || c.Width != 16 || c.Height != 12 {
		t.Errorf("the zero size: %dx%d, %v; want 16x12", c.Width, c.Height, err)
	}
}

func TestWriteErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir  string
		o    Options
		want string
	}{
		{t.TempDir(), Options{PerClass: 101}, "hamtest: 101 images per class: want 1 to 100"},
		{t.TempDir(), Options{PerClass: -1}, "hamtest: -1 images per class"},
		{t.TempDir(), Options{Width: -2}, "hamtest: images of -2x12 pixels"},
		{filepath.Join(file, "ham"), Options{}, file},
	} {
		if err := Write(c.dir, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Write(%s, %+v) = %v, want an error containing %q", c.dir, c.o, err, c.want)
		}
	}
}
