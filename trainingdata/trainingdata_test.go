package trainingdata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/ham10000/hamtest"
	"github.com/gocnn/gocnn/imagefolder/foldertest"
	"github.com/gocnn/gocnn/model"
)

func TestCheck(t *testing.T) {
	folder := t.TempDir()
	ham := Options{Name: HAM10000, Height: 64, Width: 64}
	for _, good := range []Options{{Name: "mnist"}, {Name: "fashion-mnist", Validation: 0.1, TrainLimit: 5}, ham, {Name: folder, TrainVal: true}} {
		if err := good.Check(); err != nil {
			t.Errorf("Check(%+v): %v", good, err)
		}
	}
	with := func(o Options, f func(*Options)) Options { f(&o); return o }
	for _, c := range []struct {
		opts         Options
		field, error string
	}{
		{Options{Name: "mnist", Validation: 1}, "val", "val: must be a fraction in [0, 1), got 1"},
		{Options{Name: "mnist", TrainLimit: -1}, "train-limit", "train-limit: must not be negative, got -1"},
		{Options{Name: "mnist", TestLimit: -2}, "test-limit", "test-limit: must not be negative, got -2"},
		{Options{Name: "mnist", TrainVal: true}, "train-val", "train-val: is for ham10000 and picture folders"},
		{with(ham, func(o *Options) { o.Validation = 0.1 }), "val", "val: does not apply to ham10000"},
		{Options{Name: folder, Validation: 0.1}, "val", "val: does not apply to a folder of pictures"},
		{Options{Name: folder, Channels: 2}, "channels", "channels: 2: want 1 (gray) or 3 (colour)"},
		{Options{Name: HAM10000}, "size", "size: 0x0: want HEIGHTxWIDTH between 8 and 600"},
		{Options{Name: folder, Height: -1}, "size", "size: -1x0"},
		{with(ham, func(o *Options) { o.Split = "lesion" }), "split", `split: "lesion": want grouped or image`},
		{Options{Name: "cifar"}, "data", `data: unknown dataset "cifar" (known: mnist, fashion-mnist) (or ham10000, or a folder of pictures)`},
	} {
		err := c.opts.Check()
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != c.field || !strings.HasPrefix(err.Error(), c.error) {
			t.Errorf("Check(%+v) = %v, want an OptionError of %s: %s", c.opts, err, c.field, c.error)
		}
	}
	// A split file stands for the split: the kind of split is not read.
	if err := with(ham, func(o *Options) { o.Split, o.SplitFile = "lesion", "s.csv" }).Check(); err != nil {
		t.Errorf("Check with a split file: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	if h, w, err := ParseSize("75x100"); h != 75 || w != 100 || err != nil {
		t.Errorf("ParseSize(75x100) = %d, %d, %v", h, w, err)
	}
	for _, bad := range []string{"64", "64x", "x64", "7x64", "64x601", "axb", ""} {
		_, _, err := ParseSize(bad)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != "size" || !strings.Contains(err.Error(), fmt.Sprintf("%q: want HEIGHTxWIDTH between 8 and 600", bad)) {
			t.Errorf("ParseSize(%q): %v", bad, err)
		}
	}
}

func TestNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "flowers")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o             Options
		folder, split bool
		short, stem   string
	}{
		{Options{Name: "mnist"}, false, false, "mnist", "mnist"},
		{Options{Name: "mnist", Classes: "3,5"}, false, false, "mnist", "mnist-classes-3-5"},
		{Options{Name: "fashion-mnist", Classes: "T-shirt/top, Bag"}, false, false, "fashion-mnist", "fashion-mnist-classes-T_shirt_top-Bag"},
		{Options{Name: HAM10000}, false, true, HAM10000, HAM10000},
		{Options{Name: dir + "/"}, true, true, "flowers", "flowers"},
		{Options{Name: filepath.Join(dir, "missing")}, false, false, filepath.Join(dir, "missing"), filepath.Join(dir, "missing")},
	} {
		if IsFolder(c.o.Name) != c.folder || ComesSplit(c.o.Name) != c.split || ShortName(c.o.Name) != c.short || c.o.Stem() != c.stem {
			t.Errorf("%s: IsFolder %v, ComesSplit %v, ShortName %q, Stem %q; want %v, %v, %q, %q", c.o.Name,
				IsFolder(c.o.Name), ComesSplit(c.o.Name), ShortName(c.o.Name), c.o.Stem(), c.folder, c.split, c.short, c.stem)
		}
	}
}

// TestFolder loads a folder of pictures: a drawn split written to
// SplitOut and read back the same, the unreadable file reported,
// TrainVal, the classes and limits of Select, the normalisation and the
// model's info.
func TestFolder(t *testing.T) {
	t.Setenv("GOCNN_DATA", t.TempDir()) // the picture cache goes there
	dir := filepath.Join(t.TempDir(), "stripes")
	if err := foldertest.Write(dir, foldertest.Options{PerClass: 20}); err != nil { // 12x10 pictures
		t.Fatal(err)
	}
	splitOut := filepath.Join(t.TempDir(), "run.split.csv")
	var log []string
	o := Options{Name: dir, Seed: 1, SplitOut: splitOut, Log: func(m string) { log = append(log, m) }}
	s, err := LoadParts(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if s.Split != "drawn" || s.SplitFile != splitOut || s.PartSizes != [3]int{28, 6, 6} || len(s.Skipped) != 1 ||
		s.Train.Len() != 28 || s.Validation.Len() != 6 || s.Test.Len() != 6 || s.Joined {
		t.Errorf("drawn split %q in %q, sizes %v, %d skipped, sets %d/%d/%d", s.Split, s.SplitFile, s.PartSizes, len(s.Skipped), s.Train.Len(), s.Validation.Len(), s.Test.Len())
	}
	if _, err := os.Stat(splitOut); err != nil {
		t.Fatalf("the drawn split was not written: %v", err)
	}
	if !slices.Equal(s.Train.Shape(), []int{3, 10, 12}) || !slices.Equal(s.Train.Classes, []string{"across", "down"}) {
		t.Errorf("shape %v, classes %v", s.Train.Shape(), s.Train.Classes)
	}

	// The split file brings the same parts back; TrainVal joins two.
	again, err := Load(context.Background(), Options{Name: dir, SplitFile: splitOut, TrainVal: true, Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	if again.Split != "file" || again.SplitFile != splitOut || again.Validation != nil || again.Train.Len() != 34 || !again.Joined ||
		!slices.Equal(again.Test.Labels, s.Test.Labels) {
		t.Errorf("from the split file: %q, validation %v, %d training images, test labels %v against %v", again.Split, again.Validation, again.Train.Len(), again.Test.Labels, s.Test.Labels)
	}
	info, err := again.Info()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"dataset": "folder", "data_dir": dir, "split_file": splitOut, "train_val": "true", "channels": "3", "seed": "99"}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("info[%q] = %q, want %q", k, info[k], v)
		}
	}

	// Select: the classes in the order named, the limits spread through
	// the sets.
	sel, err := Load(context.Background(), Options{Name: dir, SplitFile: splitOut, Classes: "down,across", TrainLimit: 10, TestLimit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sel.Train.Classes, []string{"down", "across"}) || sel.Train.Len() != 10 || sel.Test.Len() != 4 || sel.Validation.Len() != 6 {
		t.Errorf("selected: classes %v, %d/%d/%d images", sel.Train.Classes, sel.Train.Len(), sel.Validation.Len(), sel.Test.Len())
	}
	if counts := sel.Train.ClassCounts(); counts[0] != 5 || counts[1] != 5 {
		t.Errorf("10 training images spread through the set: classes %v, want 5 each", counts)
	}
	n := data.ComputeNormalization(sel.Train)
	if err := sel.Normalize(n); err != nil {
		t.Fatal(err)
	}
	if in := sel.Input(); in.Prep != model.PrepResize || !slices.Equal(in.Shape, []int{3, 10, 12}) || !slices.Equal(in.Mean, n.Mean) {
		t.Errorf("Input() = %s", in)
	}
	// A split file that is not there is an error, not a new split.
	_, err = LoadParts(context.Background(), Options{Name: dir, SplitFile: filepath.Join(dir, "nowhere.csv")})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "split-file" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing split file: %v", err)
	}
	for _, bad := range []string{"across", "across,across", "sideways,down"} {
		_, err := Load(context.Background(), Options{Name: dir, SplitFile: splitOut, Classes: bad})
		if !errors.As(err, &oe) || oe.Field != "classes" {
			t.Errorf("Classes %q: %v, want an OptionError of classes", bad, err)
		}
	}
}

// TestHAM loads a made-up HAM10000: split by lesion, no lesion in two
// parts; split by image, leaky; the split written and its provenance and
// clinical counts in the info.
func TestHAM(t *testing.T) {
	t.Setenv("GOCNN_DATA", t.TempDir()) // the image cache goes there
	// 8 small JPEGs a class, each class its own colour, age and site.
	dir := t.TempDir()
	if err := hamtest.Write(dir, hamtest.Options{PerClass: 8, Width: 16, Height: 12, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	splitOut := filepath.Join(t.TempDir(), "ham.split.csv")
	o := Options{Name: HAM10000, Dir: dir, Height: 9, Width: 12, Seed: 4, SplitOut: splitOut}
	s, err := LoadParts(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	total := 8 * len(ham10000.Classes())
	if s.Split != "grouped" || s.Leaky || s.SplitFile != splitOut || s.PartSizes[0]+s.PartSizes[1]+s.PartSizes[2] != total ||
		s.Validation == nil || s.Train.Len() != s.PartSizes[0] || s.Train.Name != "ham10000/train" || !slices.Equal(s.Train.Shape(), []int{3, 9, 12}) {
		t.Errorf("grouped split %q (leaky %v) in %q, sizes %v, shape %v", s.Split, s.Leaky, s.SplitFile, s.PartSizes, s.Train.Shape())
	}
	set, err := ham10000.Load(ham10000.Options{Dir: dir, Height: 9, Width: 12})
	if err != nil {
		t.Fatal(err)
	}
	split, err := ham10000.ReadSplitCSV(splitOut, set.Records)
	if err != nil || len(split.SharedLesions(set.Records)) != 0 || len(split.Test) != s.PartSizes[2] {
		t.Errorf("the written split: %v, %d shared lesions, %d test images", err, len(split.SharedLesions(set.Records)), len(split.Test))
	}
	info, err := s.Info()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ham10000.ReadProvenance(info)
	if err != nil || p.SplitFile != splitOut || p.DataDir != dir || p.Clinical == nil || info["dataset"] != HAM10000 || info["seed"] != "4" {
		t.Errorf("provenance %+v, %v; info %v", p, err, info)
	}

	leaky, err := LoadParts(context.Background(), Options{Name: HAM10000, Dir: dir, Height: 9, Width: 12, Seed: 4, Split: "image", TrainVal: true})
	if err != nil {
		t.Fatal(err)
	}
	if leaky.Split != "image" || !leaky.Leaky || leaky.SplitFile != "" || leaky.Validation != nil || !leaky.Joined ||
		leaky.Train.Len() != leaky.PartSizes[0]+leaky.PartSizes[1] {
		t.Errorf("image split %q: leaky %v, file %q, validation %v, %d training images of parts %v", leaky.Split, leaky.Leaky, leaky.SplitFile, leaky.Validation, leaky.Train.Len(), leaky.PartSizes)
	}
	two, err := Load(context.Background(), Options{Name: HAM10000, Dir: dir, Height: 9, Width: 12, SplitFile: splitOut, Classes: "nv,mel"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(two.Train.Classes, []string{"nv", "mel"}) || two.Split != "file" || two.Test.Len()+two.Validation.Len()+two.Train.Len() != 16 {
		t.Errorf("two classes: %v, split %q, %d images", two.Train.Classes, two.Split, two.Test.Len()+two.Validation.Len()+two.Train.Len())
	}
	if info, err := two.Info(); err != nil || !strings.Contains(info["clinical"], `"classes":["nv","mel"]`) {
		t.Errorf("two classes' clinical counts: %v, %q", err, info["clinical"])
	}
}

// TestMNIST loads real MNIST: two digits, limits and a validation set
// held out of the training set, drawn from the seed.
func TestMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("loads real MNIST, fetched on first use")
	}
	o := Options{Name: "mnist", Classes: "3,5", TrainLimit: 300, TestLimit: 100, Validation: 0.1, Seed: 1}
	s, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 270 || s.Validation.Len() != 30 || s.Test.Len() != 100 || !slices.Equal(s.Test.Classes, []string{"3", "5"}) ||
		s.Split != "" || s.Input().Prep != model.PrepMNIST || s.PartSizes != [3]int{60000, 0, 10000} {
		t.Errorf("%d/%d/%d images of %v, split %q, prep %q, parts %v", s.Train.Len(), s.Validation.Len(), s.Test.Len(), s.Test.Classes, s.Split, s.Input().Prep, s.PartSizes)
	}
	again, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Validation.Labels, s.Validation.Labels) || !slices.Equal(again.Validation.Example(7), s.Validation.Example(7)) {
		t.Error("the same seed held out another validation set")
	}
	if info, err := s.Info(); err != nil || len(info) != 2 || info["dataset"] != "mnist" || info["seed"] != "1" {
		t.Errorf("info %v, %v", info, err)
	}
}
