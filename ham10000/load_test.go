package ham10000

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocnn/gocnn/internal/imagebomb"
)

// jpegOf returns a w×h JPEG of one colour, at quality 100 so that it
// decodes to almost exactly that colour.
func jpegOf(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var (
	orange = color.RGBA{200, 100, 30, 255}
	teal   = color.RGBA{20, 160, 150, 255}
	grey   = color.RGBA{90, 90, 90, 255}
)

// fixture lays out a small HAM10000 in dir and returns it: a metadata
// file of four rows, three of whose images are in two subfolders (under
// names in both cases and both extensions), the fourth missing, plus an
// image no row names and files that are not images.
func fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "HAM10000_metadata.csv"), []byte(header+
		"HAM_1,ISIC_0000001,mel,histo,60.0,male,back\n"+
		"HAM_1,ISIC_0000002,mel,histo,60.0,male,back\n"+
		"HAM_2,ISIC_0000003,nv,follow_up,35.0,female,face\n"+
		"HAM_3,ISIC_0000004,bcc,histo,70.0,male,neck\n"))
	writeFile(t, filepath.Join(dir, "HAM10000_images_part_1", "ISIC_0000001.jpg"), jpegOf(t, 40, 30, orange))
	writeFile(t, filepath.Join(dir, "HAM10000_images_part_2", "more", "ISIC_0000002.JPG"), jpegOf(t, 40, 30, teal))
	writeFile(t, filepath.Join(dir, "HAM10000_images_part_2", "ISIC_0000003.jpeg"), jpegOf(t, 20, 15, grey))
	writeFile(t, filepath.Join(dir, "HAM10000_images_part_1", "ISIC_0000099.jpg"), jpegOf(t, 40, 30, grey))
	writeFile(t, filepath.Join(dir, "HAM10000_images_part_1", "ISIC_0000001_segmentation.png"), []byte("not read"))
	writeFile(t, filepath.Join(dir, "README.txt"), []byte("not read"))
	return dir
}

// checkColour checks that every pixel of example i of set is c, channel
// by channel, within a JPEG's rounding.
func checkColour(t *testing.T, set *Set, i int, c color.RGBA) {
	t.Helper()
	x := set.Dataset.Example(i)
	shape := set.Dataset.Shape()
	plane := shape[1] * shape[2]
	want := []uint8{c.R, c.G, c.B}
	if shape[0] == 1 {
		want = []uint8{uint8((299*int(c.R) + 587*int(c.G) + 114*int(c.B) + 500) / 1000)}
	}
	for ch, w := range want {
		for p, v := range x[ch*plane : (ch+1)*plane] {
			if math.Abs(float64(v)*255-float64(w)) > 3 {
				t.Fatalf("example %d, channel %d, pixel %d: %v, want %d/255", i, ch, p, float64(v)*255, w)
			}
		}
	}
}

func TestLoadFixture(t *testing.T) {
	dir := fixture(t)
	var logs []string
	var progress []int
	set, err := Load(Options{
		Dir: dir, Height: 6, Width: 8, MaxMissing: 1, NoCache: true, Workers: 2,
		Log:      func(s string) { logs = append(logs, s) },
		Progress: func(done, total int) { progress = append(progress, done, total) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Dataset.Pixels.Shape; !slices.Equal(got, []int{3, 3, 6, 8}) {
		t.Fatalf("images %v, want [3 3 6 8]", got)
	}
	if err := set.Dataset.Validate(); err != nil {
		t.Fatal(err)
	}
	// Metadata order; labels in the order of Classes: mel 6, nv 4.
	if !slices.Equal(set.Dataset.Labels, []int{6, 6, 4}) || !slices.Equal(set.Dataset.Classes, Classes()) {
		t.Errorf("labels %v, classes %v", set.Dataset.Labels, set.Dataset.Classes)
	}
	if r := set.Records[2]; r.ImageID != "ISIC_0000003" || r.LesionID != "HAM_2" || r.Sex != "female" || r.Line != 4 {
		t.Errorf("record 2: %+v", r)
	}
	checkColour(t, set, 0, orange)
	checkColour(t, set, 1, teal)
	checkColour(t, set, 2, grey)
	if !slices.Equal(set.Skipped, []Skip{{ImageID: "ISIC_0000004", Line: 5, Reason: "no image file"}}) {
		t.Errorf("skipped %+v", set.Skipped)
	}
	if !slices.Equal(set.Unlisted, []string{filepath.Join(dir, "HAM10000_images_part_1", "ISIC_0000099.jpg")}) {
		t.Errorf("unlisted %v", set.Unlisted)
	}
	if set.Cache != "" || set.FromCache {
		t.Errorf("NoCache, yet cache %q, %v", set.Cache, set.FromCache)
	}
	if !slices.Equal(progress, []int{1, 3, 2, 3, 3, 3}) {
		t.Errorf("progress %v, want 1/3, 2/3, 3/3", progress)
	}
	if all := strings.Join(logs, "\n"); !strings.Contains(all, "1 images listed in") || !strings.Contains(all, "1 image files are not in the metadata") {
		t.Errorf("logs do not report the missing and the unlisted image:\n%s", all)
	}

	// Greyscale.
	grey, err := Load(Options{Dir: dir, Height: 3, Width: 4, Channels: 1, MaxMissing: 1, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := grey.Dataset.Pixels.Shape; !slices.Equal(got, []int{3, 1, 3, 4}) {
		t.Fatalf("greyscale images %v", got)
	}
	checkColour(t, grey, 0, orange)
	checkColour(t, grey, 1, teal)

	// Subset keeps records with their examples.
	sub := set.Subset([]int{2, 0})
	if sub.Len() != 2 || sub.Records[0].ImageID != "ISIC_0000003" || sub.Dataset.Labels[1] != 6 {
		t.Errorf("subset: %+v, labels %v", sub.Records, sub.Dataset.Labels)
	}
}

func TestLoadMissingImagesPolicy(t *testing.T) {
	dir := fixture(t)
	// One of four rows missing is 25%: more than the default 1%.
	_, err := Load(Options{Dir: dir, Height: 4, Width: 4, NoCache: true})
	if err == nil || !strings.Contains(err.Error(), "1 of the 4 images") || !strings.Contains(err.Error(), "ISIC_0000004, line 5") ||
		!strings.Contains(err.Error(), "at most 1% may be missing") {
		t.Errorf("default policy: %v", err)
	}
	if _, err := Load(Options{Dir: dir, Height: 4, Width: 4, NoCache: true, MaxMissing: 0.25}); err != nil {
		t.Errorf("MaxMissing 25%%: %v", err)
	}
	if _, err := Load(Options{Dir: dir, Height: 4, Width: 4, NoCache: true, MaxMissing: -1}); err == nil {
		t.Error("MaxMissing -1 accepted a missing image")
	}
}

func TestLoadBadImages(t *testing.T) {
	good := jpegOf(t, 40, 30, orange)
	// A JPEG whose frame header claims 60000×60000 pixels.
	huge := slices.Clone(good)
	sof := bytes.Index(huge, []byte{0xff, 0xc0})
	huge[sof+5], huge[sof+6], huge[sof+7], huge[sof+8] = 0xea, 0x60, 0xea, 0x60
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"not a JPEG", []byte("this is not an image"), "invalid JPEG format"},
		{"truncated", good[:len(good)/2], "unexpected EOF"},
		{"empty", nil, "EOF"},
		{"claims 60000x60000", huge, "claims to be 60000x60000 pixels"},
	} {
		dir := fixture(t)
		bad := writeFile(t, filepath.Join(dir, "HAM10000_images_part_1", "ISIC_0000001.jpg"), c.file)
		_, err := Load(Options{Dir: dir, Height: 4, Width: 4, MaxMissing: 1, NoCache: true, Workers: 2})
		if err == nil || !strings.Contains(err.Error(), "decoding "+bad) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s and containing %q", c.name, err, bad, c.want)
		}
	}
}

func TestLoadNotFound(t *testing.T) {
	empty := t.TempDir()
	noImages := t.TempDir()
	writeFile(t, filepath.Join(noImages, "HAM10000_metadata.csv"), []byte(header+"HAM_1,ISIC_1,nv,histo,1,male,back\n"))
	for _, c := range []struct {
		name string
		opts Options
		want string
	}{
		{"no folder", Options{}, "no folder given"},
		{"absent folder", Options{Dir: filepath.Join(empty, "absent")}, "no such file"},
		{"empty folder", Options{Dir: empty}, "no HAM10000_metadata.csv in " + empty},
		{"absent metadata file", Options{MetadataPath: filepath.Join(empty, "m.csv")}, "m.csv"},
		{"no images", Options{Dir: noImages}, "none of the 1 images"},
		{"absent image folder", Options{Dir: noImages, ImageDirs: []string{filepath.Join(empty, "imgs")}}, "imgs"},
	} {
		c.opts.Height, c.opts.Width, c.opts.NoCache = 8, 8, true
		_, err := Load(c.opts)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrNotFound containing %q", c.name, err, c.want)
			continue
		}
		for _, help := range []string{"doi:10.7910/DVN/DBW86T", "kmader/skin-cancer-mnist-ham10000", "HAM10000_images_part_1", "CC BY-NC 4.0", "Tschandl"} {
			if !strings.Contains(err.Error(), help) {
				t.Errorf("%s: the error does not say %q:\n%v", c.name, help, err)
			}
		}
	}
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Dir: empty, Height: 0, Width: 8}, "image size 0x8"},
		{Options{Dir: empty, Height: 8, Width: 8, Channels: 2}, "2 channels"},
	} {
		if _, err := Load(c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.want)
		}
	}
}

func TestLoadDuplicatesAndDiscovery(t *testing.T) {
	dir := fixture(t)
	// The same file twice (Kaggle's archive has each image folder twice):
	// used once.
	writeFile(t, filepath.Join(dir, "copy", "ISIC_0000001.jpg"), jpegOf(t, 40, 30, orange))
	set, err := Load(Options{Dir: dir, Height: 4, Width: 4, MaxMissing: 1, NoCache: true})
	if err != nil || set.Len() != 3 {
		t.Fatalf("same image twice: %v", err)
	}
	// A different file of the same name: which one is meant is unclear.
	other := writeFile(t, filepath.Join(dir, "copy", "ISIC_0000001.jpg"), jpegOf(t, 60, 45, teal))
	_, err = Load(Options{Dir: dir, Height: 4, Width: 4, MaxMissing: 1, NoCache: true})
	if err == nil || !strings.Contains(err.Error(), "ISIC_0000001 is in two different files") || !strings.Contains(err.Error(), other) {
		t.Errorf("different files of one image: %v", err)
	}
	// ImageDirs chooses.
	set, err = Load(Options{Dir: dir, ImageDirs: []string{filepath.Join(dir, "copy"), filepath.Join(dir, "HAM10000_images_part_2")},
		Height: 4, Width: 4, MaxMissing: 1, NoCache: true})
	if err != nil || set.Len() != 3 || len(set.Unlisted) != 0 {
		t.Fatalf("ImageDirs: %v", err)
	}
	checkColour(t, set, 0, teal)

	// The metadata is found in a subfolder; a deeper one does not count,
	// two at the same depth are an error.
	top := t.TempDir()
	meta := []byte(header + "HAM_1,ISIC_0000001,mel,histo,60.0,male,back\n")
	writeFile(t, filepath.Join(top, "ham", "HAM10000_metadata.csv"), meta)
	writeFile(t, filepath.Join(top, "ham", "sample", "HAM10000_metadata.csv"), []byte("not read"))
	writeFile(t, filepath.Join(top, "images", "ISIC_0000001.jpg"), jpegOf(t, 40, 30, orange))
	if set, err := Load(Options{Dir: top, Height: 4, Width: 4, NoCache: true}); err != nil || set.Len() != 1 {
		t.Errorf("metadata in a subfolder: %v", err)
	}
	writeFile(t, filepath.Join(top, "other", "ham10000_metadata.tab"), meta)
	if _, err := Load(Options{Dir: top, Height: 4, Width: 4, NoCache: true}); err == nil || !strings.Contains(err.Error(), "several metadata files") {
		t.Errorf("two metadata files: %v", err)
	}
	if set, err := Load(Options{MetadataPath: filepath.Join(top, "other", "ham10000_metadata.tab"), ImageDirs: []string{top},
		Height: 4, Width: 4, NoCache: true}); err != nil || set.Len() != 1 {
		t.Errorf("MetadataPath: %v", err)
	}
}

func TestLoadCache(t *testing.T) {
	dir := fixture(t)
	cacheDir := t.TempDir()
	var logs []string
	load := func(h, w int) *Set {
		t.Helper()
		logs = nil
		set, err := Load(Options{Dir: dir, Height: h, Width: w, MaxMissing: 1, CacheDir: cacheDir,
			Log: func(s string) { logs = append(logs, s) }})
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	logged := func(s string) bool { return strings.Contains(strings.Join(logs, "\n"), s) }

	first := load(6, 8)
	if first.FromCache || !logged("no cache yet") || !logged("cached them in "+first.Cache) {
		t.Fatalf("first load: from cache %v; logs %q", first.FromCache, logs)
	}
	second := load(6, 8)
	if !second.FromCache || second.Cache != first.Cache {
		t.Fatalf("second load did not use the cache: logs %q", logs)
	}
	if !slices.Equal(second.Dataset.Pixels.Data, first.Dataset.Pixels.Data) || !slices.Equal(second.Dataset.Labels, first.Dataset.Labels) ||
		!slices.Equal(second.Records, first.Records) || !slices.Equal(second.Skipped, first.Skipped) {
		t.Fatal("the cached set differs from the decoded one")
	}
	// Another size, another file.
	if other := load(4, 4); other.FromCache || other.Cache == first.Cache {
		t.Errorf("size 4x4 used the 6x8 cache %s", other.Cache)
	}

	// A damaged cache is rebuilt, and says so.
	b, err := os.ReadFile(first.Cache)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"flipped pixel", func() []byte { c := slices.Clone(b); c[len(c)-10] ^= 1; return c }(), "corrupt"},
		{"flipped key", func() []byte { c := slices.Clone(b); c[40] ^= 1; return c }(), "corrupt"},
		{"truncated", b[:len(b)-100], "truncated"},
		{"truncated header", b[:20], "truncated"},
		{"not a cache", bytes.Repeat([]byte("some other file "), 10), "not a cache file"},
	} {
		writeFile(t, first.Cache, c.file)
		set := load(6, 8)
		if set.FromCache || !logged(c.want) || !logged("rebuilding") {
			t.Errorf("%s: from cache %v; logs %q", c.name, set.FromCache, logs)
		}
		if !slices.Equal(set.Dataset.Pixels.Data, first.Dataset.Pixels.Data) {
			t.Errorf("%s: the rebuilt set differs", c.name)
		}
		if again := load(6, 8); !again.FromCache {
			t.Errorf("%s: the cache was not rewritten", c.name)
		}
	}

	// A changed image makes the cache stale.
	img := filepath.Join(dir, "HAM10000_images_part_1", "ISIC_0000001.jpg")
	writeFile(t, img, jpegOf(t, 40, 30, teal))
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(img, future, future); err != nil {
		t.Fatal(err)
	}
	set := load(6, 8)
	if set.FromCache || !logged("made from other files") {
		t.Errorf("changed image: from cache %v; logs %q", set.FromCache, logs)
	}
	checkColour(t, set, 0, teal)

	// A new metadata row (its image now there) too.
	writeFile(t, filepath.Join(dir, "ISIC_0000004.jpg"), jpegOf(t, 40, 30, grey))
	if set := load(6, 8); set.FromCache || set.Len() != 4 || len(set.Skipped) != 0 {
		t.Errorf("new image: from cache %v, %d examples; logs %q", set.FromCache, set.Len(), logs)
	}

	// A cache that cannot be written is reported, not an error.
	blocked := filepath.Join(t.TempDir(), "file")
	writeFile(t, blocked, nil)
	set, err = Load(Options{Dir: dir, Height: 6, Width: 8, CacheDir: blocked, Log: func(s string) { logs = append(logs, s) }})
	if err != nil || set.Cache != "" || !logged("not cached") {
		t.Errorf("unwritable cache folder: %v, cache %q; logs %q", err, set.Cache, logs)
	}
}

func TestLoadRefusesImageBombs(t *testing.T) {
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		// 8000×8000 gray, as the header says, within the pixel cap: its
		// scan would need 31 KB at least, and the decoder would allocate
		// the picture before finding it missing.
		{"headers alone", imagebomb.HeaderJPEG(8000, 8000), "holds 0 bytes of scan data, too few for its 1000000 blocks"},
	} {
		dir := fixture(t)
		bad := writeFile(t, filepath.Join(dir, "HAM10000_images_part_1", "ISIC_0000001.jpg"), c.file)
		_, err := Load(Options{Dir: dir, Height: 4, Width: 4, MaxMissing: 1, NoCache: true, Workers: 2})
		if err == nil || !strings.Contains(err.Error(), "decoding "+bad) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s and containing %q", c.name, err, bad, c.want)
		}
	}
}
