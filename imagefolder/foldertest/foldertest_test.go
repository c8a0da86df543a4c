package foldertest

import (
	"bytes"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/imagefolder"
)

// TestWriteLoads writes a folder and loads it with imagefolder.Load:
// every picture there, of the classes, sizes and formats asked for, the
// broken file skipped, and the stripes running the way of their class.
func TestWriteLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stripes")
	o := Options{PerClass: 10, Width: 20, Height: 16, VarySize: true, JPEG: true}
	if err := Write(dir, o); err != nil {
		t.Fatal(err)
	}
	// Picture 5 of "down": a JPEG of 20+1 by 16+2, stripes down (columns
	// alike from top to bottom, rows not).
	b, err := os.ReadFile(filepath.Join(dir, "down", "pfa.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil || format != "jpeg" || img.Bounds().Dx() != 21 || img.Bounds().Dy() != 18 {
		t.Fatalf("down/pfa.jpg: %v, %s, %v; want a 21x18 JPEG", img.Bounds(), format, err)
	}
	column := func(x int) (lo, hi uint32) {
		lo = 1 << 16
		for y := range 18 {
			r, _, _, _ := img.At(x, y).RGBA()
			lo, hi = min(lo, r), max(hi, r)
		}
		return lo, hi
	}
	var bright, dark int
	for x := range 21 {
		lo, hi := column(x)
		if hi-lo > 0x2000 {
			t.Fatalf("column %d of a picture of stripes down runs from %#x to %#x", x, lo, hi)
		}
		if lo > 0x8000 {
			bright++
		} else {
			dark++
		}
	}
	if bright == 0 || dark == 0 {
		t.Errorf("%d bright and %d dark columns; want stripes", bright, dark)
	}

	set, err := imagefolder.Load(imagefolder.Options{Dir: dir, Seed: 1, Height: 16, Width: 20, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	all := 0
	for _, part := range set.Parts {
		all += part.Len()
	}
	if all != 2*o.PerClass || !slices.Equal(set.Classes, Classes) || len(set.Skipped) != 1 ||
		filepath.Base(set.Skipped[0].Path) != "broken.jpg" || !slices.Equal(set.Shape, []int{3, 16, 20}) {
		t.Errorf("loaded %d pictures of classes %v, shape %v, skipped %v; want %d of %v, [3 16 20], broken.jpg",
			all, set.Classes, set.Shape, set.Skipped, 2*o.PerClass, Classes)
	}
}
