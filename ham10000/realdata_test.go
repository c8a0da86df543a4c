package ham10000

import (
	"cmp"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gocnn/gocnn/rng"
)

// These tests read the real HAM10000 files where they are: in
// $GOCNN_HAM10000_DIR, or else in the project's shared data folder next
// to the repository. They skip, saying why, where the files are absent.
// Loading all 10,015 images takes several seconds, so that test runs only
// with GOCNN_HAM10000_FULL=1.

// realCounts are HAM10000's published class counts, in the order of
// Classes().
var realCounts = []int{327, 514, 1099, 115, 6705, 142, 1113}

func realFile(t *testing.T, rel string) string {
	t.Helper()
	dir := cmp.Or(os.Getenv("GOCNN_HAM10000_DIR"), filepath.Join("..", "..", "shared", "data", "ham10000"))
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real HAM10000 data not here (%v); set GOCNN_HAM10000_DIR to its folder", err)
	}
	return p
}

func TestRealMetadataGroupedSplit(t *testing.T) {
	recs, err := ReadMetadata(realFile(t, "HAM10000_metadata.csv"))
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, len(Classes()))
	lesions := map[string]bool{}
	for _, r := range recs {
		k, _ := ClassIndex(r.DX)
		counts[k]++
		lesions[r.LesionID] = true
	}
	if len(recs) != 10015 || len(lesions) != 7470 || !slices.Equal(counts, realCounts) {
		t.Fatalf("%d images of %d lesions, counts %v; want 10015 of 7470, %v", len(recs), len(lesions), counts, realCounts)
	}
	f := Fractions{0.7, 0.15, 0.15}
	s, err := GroupedSplit(recs, f, rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	if shared := s.SharedLesions(recs); len(shared) > 0 {
		t.Fatalf("%d lesions in two parts, such as %s", len(shared), shared[0])
	}
	checkSplit(t, recs, s, f, 6)
	for k, part := range [][]int{s.Train, s.Val, s.Test} {
		c := make([]int, len(Classes()))
		for _, i := range part {
			j, _ := ClassIndex(recs[i].DX)
			c[j]++
		}
		t.Logf("%s: %d images, by class (%v) %v", splitNames()[k], len(part), Classes(), c)
	}
	leaky, err := LeakyImageSplit(recs, f, rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("an image-level split puts %d lesions in more than one part", len(leaky.SharedLesions(recs)))
}

func TestRealHMNIST(t *testing.T) {
	set, err := LoadHMNIST(realFile(t, "hmnist_8_8_L.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Dataset.Pixels.Shape, []int{10015, 1, 8, 8}) || !slices.Equal(set.Dataset.ClassCounts(), realCounts) {
		t.Fatalf("shape %v, counts %v", set.Dataset.Pixels.Shape, set.Dataset.ClassCounts())
	}
	// Row i is row i of the metadata: every diagnosis agrees.
	if err := AttachMetadata(set, realFile(t, "HAM10000_metadata.csv")); err != nil {
		t.Fatal(err)
	}
	if set.Records[0].ImageID != "ISIC_0027419" || set.Records[0].LesionID != "HAM_0000118" {
		t.Errorf("record 0: %+v", set.Records[0])
	}
}

// TestRealSample70 loads the 70 full-size (600×450) originals and their
// 200×150 copies, both resized to 24×32, and checks that each original
// matches its own copy far better than another image.
func TestRealSample70(t *testing.T) {
	meta := realFile(t, filepath.Join("sample70", "HAM10000_metadata_sample.csv"))
	small := realFile(t, "images_200x150")
	opts := Options{MetadataPath: meta, Height: 24, Width: 32, CacheDir: t.TempDir()}
	orig, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if orig.Len() != 70 || len(orig.Skipped) != 0 || len(orig.Unlisted) != 0 {
		t.Fatalf("%d images, %d skipped, %d unlisted; want 70, 0, 0", orig.Len(), len(orig.Skipped), len(orig.Unlisted))
	}
	for k, n := range orig.Dataset.ClassCounts() {
		if n != 10 {
			t.Errorf("class %s has %d images, want 10", Classes()[k], n)
		}
	}
	opts.ImageDirs = []string{small}
	copies, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if copies.Len() != 70 || len(copies.Unlisted) != 10015-70 {
		t.Fatalf("copies: %d images, %d unlisted", copies.Len(), len(copies.Unlisted))
	}
	diff := func(i, j int) float64 {
		a, b := orig.Dataset.Example(i), copies.Dataset.Example(j)
		var s float64
		for p := range a {
			s += math.Abs(float64(a[p] - b[p]))
		}
		return 255 * s / float64(len(a))
	}
	var own, other float64
	for i := range 70 {
		if orig.Records[i] != copies.Records[i] {
			t.Fatalf("record %d: %+v vs %+v", i, orig.Records[i], copies.Records[i])
		}
		own += diff(i, i) / 70
		other += diff(i, (i+1)%70) / 70
	}
	t.Logf("mean absolute difference, original vs its 200x150 copy: %.2f/255; vs another image: %.2f/255", own, other)
	if own > 6 || other < 4*own {
		t.Errorf("originals differ from their copies by %.2f/255 and from other images by %.2f/255", own, other)
	}
}

func TestRealFullLoad(t *testing.T) {
	if os.Getenv("GOCNN_HAM10000_FULL") == "" {
		t.Skip("decodes all 10,015 images; set GOCNN_HAM10000_FULL=1 to run")
	}
	dir := realFile(t, "")
	cache := t.TempDir()
	for _, size := range [][2]int{{64, 64}, {75, 100}} {
		for run := range 2 {
			start := time.Now()
			set, err := Load(Options{Dir: dir, ImageDirs: []string{filepath.Join(dir, "images_200x150")},
				Height: size[0], Width: size[1], CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%dx%d RGB, run %d: %v (from cache: %v)", size[0], size[1], run+1, time.Since(start).Round(time.Millisecond), set.FromCache)
			if set.Len() != 10015 || !slices.Equal(set.Dataset.ClassCounts(), realCounts) || set.FromCache != (run == 1) {
				t.Fatalf("%d images, counts %v, from cache %v", set.Len(), set.Dataset.ClassCounts(), set.FromCache)
			}
		}
	}
}
