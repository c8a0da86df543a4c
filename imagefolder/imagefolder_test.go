package imagefolder

import (
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// drawShape makes a w×h picture of a class: a bright disc, a square or
// stripes on a dark ground, in gray or in colour.
func drawShape(class string, w, h, k int, colour bool) image.Image {
	var img interface {
		image.Image
		Set(x, y int, c color.Color)
	}
	if colour {
		img = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		img = image.NewGray(image.Rect(0, 0, w, h))
	}
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w)-0.5, float64(y)/float64(h)-0.5
			on := false
			switch class {
			case "disc":
				on = fx*fx+fy*fy < 0.09
			case "square":
				on = fx > -0.3 && fx < 0.3 && fy > -0.3 && fy < 0.3
			case "stripes":
				on = (x/3+k)%2 == 0
			}
			v := uint8(20 + k%7)
			if on {
				v = 230 - uint8(k%5)
			}
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
			if !colour {
				img.Set(x, y, color.Gray{v})
			}
		}
	}
	return img
}

func save(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".png") {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// makeFolder writes n pictures of each class, alternately PNG and JPEG,
// of sizes around 40x30, and a broken file and a GIF in the first class.
func makeFolder(t *testing.T, dir string, n int, colour bool) {
	for _, class := range []string{"square", "disc", "stripes"} {
		for k := range n {
			ext := ".png"
			if k%2 == 1 {
				ext = ".jpg"
			}
			w, h := 40+k%3, 30+k%2
			save(t, filepath.Join(dir, class, "p"+string(rune('a'+k%26))+string(rune('a'+k/26))+ext), drawShape(class, w, h, k, colour))
		}
	}
	os.WriteFile(filepath.Join(dir, "square", "broken.png"), []byte("\x89PNG\r\n\x1a\nthis is not a picture"), 0o644)
	os.WriteFile(filepath.Join(dir, "square", "anim.bmp"), []byte("BM"), 0o644)
	// A GIF of the class is read like the others.
	f, err := os.Create(filepath.Join(dir, "disc", "extra.gif"))
	if err != nil {
		t.Fatal(err)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 41, 31), color.Palette{color.Gray{20}, color.Gray{230}})
	for y := range 31 {
		for x := range 41 {
			if fx, fy := float64(x)/41-0.5, float64(y)/31-0.5; fx*fx+fy*fy < 0.09 {
				pal.SetColorIndex(x, y, 1)
			}
		}
	}
	if err := gif.Encode(f, pal, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a class"), 0o644)
}

func TestLoadClassFolders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shapes")
	makeFolder(t, dir, 20, false)
	cache := t.TempDir()
	set, err := Load(Options{Dir: dir, Seed: 1, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Classes, []string{"disc", "square", "stripes"}) || set.Split != "drawn" {
		t.Errorf("classes %v, split %q", set.Classes, set.Split)
	}
	// The median picture is 41x31 (W x H): under the cap, kept; all gray.
	if !slices.Equal(set.Shape, []int{1, 31, 41}) {
		t.Errorf("shape %v, want [1 31 41]", set.Shape)
	}
	var skipped []string
	for _, s := range set.Skipped {
		skipped = append(skipped, s.Path)
	}
	if !slices.Equal(skipped, []string{"square/anim.bmp", "square/broken.png"}) {
		t.Errorf("skipped %v", set.Skipped)
	}
	// 20 per class (21 discs, with the GIF): 3 test, 3 validation, 14
	// training each (15 discs), stratified.
	for part, want := range map[string]int{Train: 14, Validation: 3, Test: 3} {
		d := set.Parts[part]
		extra := 0
		if part == Train {
			extra = 1
		}
		if d == nil || d.Len() != 3*want+extra {
			t.Fatalf("%s part: %v, want %d pictures", part, d, 3*want+extra)
		}
		for c := range 3 {
			if n := count(d.Labels, c); n != want+extra*btoi(c == 0) {
				t.Errorf("%s part holds %d of class %d, want %d", part, n, c, want)
			}
		}
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
	}
	// The pictures are the classes': a disc's middle is bright, its corner
	// dark; stripes alternate.
	// Each part's pictures are its files', in its order, and its labels
	// theirs: the file's folder names its class.
	for _, part := range []string{Train, Validation, Test} {
		d := set.Parts[part]
		for i, l := range d.Labels {
			x := d.Example(i)
			mid, corner := x[15*41+20], x[0]
			file := set.Files[part][i]
			if !strings.HasPrefix(file, set.Classes[l]+"/") ||
				set.Classes[l] != "stripes" && !(mid > 0.8 && corner < 0.2) {
				t.Fatalf("%s part, %s (%s): middle %.2f, corner %.2f", part, file, set.Classes[l], mid, corner)
			}
		}
	}

	// Part puts parts together in the order asked, each as it is alone:
	// the training and validation parts, which lie together, as a view
	// of the pictures they hold; the other order as a copy.
	tr, va := set.Parts[Train], set.Parts[Validation]
	for _, names := range [][]string{{Train, Validation}, {Validation, Train}} {
		first, second := set.Parts[names[0]], set.Parts[names[1]]
		both := set.Part(names...)
		if both.Len() != tr.Len()+va.Len() || !slices.Equal(both.Pixels.Data, append(slices.Clone(first.Pixels.Data), second.Pixels.Data...)) ||
			!slices.Equal(both.Labels, append(slices.Clone(first.Labels), second.Labels...)) {
			t.Errorf("Part(%s, %s) is not the one part followed by the other", names[0], names[1])
		}
		shared := &both.Pixels.Data[0] == &tr.Pixels.Data[0]
		if shared != (names[0] == Train) {
			t.Errorf("Part(%s, %s) holds the training part's pictures: %v", names[0], names[1], shared)
		}
	}
	// Loaded again: from the cache, the same pixels and split.
	again, err := Load(Options{Dir: dir, Seed: 1, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !again.FromCache || set.FromCache || !slices.Equal(again.Parts[Train].Pixels.Data, set.Parts[Train].Pixels.Data) ||
		!slices.Equal(again.Files[Test], set.Files[Test]) || len(again.Skipped) != 2 {
		t.Errorf("second load: from cache %v, same pixels %v, same test files %v, skipped %v", again.FromCache,
			slices.Equal(again.Parts[Train].Pixels.Data, set.Parts[Train].Pixels.Data), slices.Equal(again.Files[Test], set.Files[Test]), again.Skipped)
	}
	// Another seed draws another split; a split file brings one back.
	other, err := Load(Options{Dir: dir, Seed: 2, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.Files[Test], set.Files[Test]) {
		t.Error("seeds 1 and 2 drew the same test part")
	}
	splitFile := filepath.Join(t.TempDir(), "shapes.split.csv")
	if err := set.WriteSplit(splitFile); err != nil {
		t.Fatal(err)
	}
	back, err := Load(Options{Dir: dir, Seed: 2, CacheDir: cache, SplitFile: splitFile})
	if err != nil {
		t.Fatal(err)
	}
	if back.Split != "file" || !slices.Equal(back.Files[Test], set.Files[Test]) || !slices.Equal(back.Files[Validation], set.Files[Validation]) {
		t.Errorf("split from the file: %q, test %v, want %v", back.Split, back.Files[Test], set.Files[Test])
	}
	// An asked-for size and colour.
	sized, err := Load(Options{Dir: dir, Seed: 1, Height: 16, Width: 20, Channels: 3, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sized.Shape, []int{3, 16, 20}) || sized.Parts[Train].Shape()[0] != 3 {
		t.Errorf("shape %v", sized.Shape)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func count(labels []int, c int) int {
	n := 0
	for _, l := range labels {
		if l == c {
			n++
		}
	}
	return n
}

// TestLoadSplitFolders reads a folder already split into train/ and
// test/, in colour and larger than the cap: the default size keeps the
// aspect with the longer side at MaxDefaultSide, and the channels are 3.
func TestLoadSplitFolders(t *testing.T) {
	dir := t.TempDir()
	for _, part := range []string{Train, Test} {
		for _, class := range []string{"disc", "square"} {
			for k := range 3 {
				save(t, filepath.Join(dir, part, class, string(rune('a'+k))+".png"), drawShape(class, 200, 100, k, true))
			}
		}
	}
	set, err := Load(Options{Dir: dir, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if set.Split != "folders" || set.Parts[Validation] != nil || set.Parts[Train].Len() != 6 || set.Parts[Test].Len() != 6 {
		t.Errorf("split %q, parts %v", set.Split, set.Parts)
	}
	if !slices.Equal(set.Shape, []int{3, 32, 64}) {
		t.Errorf("shape %v, want [3 32 64]", set.Shape)
	}
}

// TestLoadRefuses checks the errors for folders that are no dataset.
func TestLoadRefuses(t *testing.T) {
	one := t.TempDir()
	save(t, filepath.Join(one, "only", "a.png"), drawShape("disc", 10, 10, 0, false))
	empty := t.TempDir()
	save(t, filepath.Join(empty, "disc", "a.png"), drawShape("disc", 10, 10, 0, false))
	os.MkdirAll(filepath.Join(empty, "square"), 0o755)
	extra := t.TempDir()
	for _, p := range []string{"train/disc/a.png", "train/square/a.png", "test/disc/a.png", "test/circle/a.png"} {
		save(t, filepath.Join(extra, p), drawShape("disc", 10, 10, 0, false))
	}
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Dir: one}, "holds 1 class folders; a classifier needs at least two"},
		{Options{Dir: empty}, "the class folder square holds no PNG, JPEG or GIF picture"},
		{Options{Dir: extra}, "test/circle is a class the training part does not have"},
		{Options{Dir: filepath.Join(one, "missing")}, "no such file or directory"},
		{Options{Dir: one, Channels: 2}, "2 channels"},
		{Options{Dir: one, Height: 10}, "size 10x0"},
	} {
		c.opts.NoCache = true
		if _, err := Load(c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error saying %q", c.opts, err, c.want)
		}
	}
}
