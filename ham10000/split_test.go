package ham10000

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/rng"
)

// syntheticRecords returns records shaped like HAM10000's: lesions of one
// to six images, classes of very different sizes, images of a lesion
// spread through the list.
func syntheticRecords() []Record {
	classSizes := map[string]int{"nv": 1300, "mel": 220, "bkl": 210, "bcc": 100, "akiec": 65, "vasc": 30, "df": 25}
	r := rng.New(99)
	var recs []Record
	lesion := 0
	for _, dx := range Classes() {
		for left := classSizes[dx]; left > 0; {
			m := min(left, 1+r.IntN(6)*r.IntN(2)) // half the lesions have one image
			for range m {
				recs = append(recs, Record{LesionID: fmt.Sprintf("HAM_%07d", lesion), DX: dx})
			}
			left -= m
			lesion++
		}
	}
	perm := r.Perm(len(recs))
	out := make([]Record, len(recs))
	for i, j := range perm {
		out[i] = recs[j]
		out[i].ImageID = fmt.Sprintf("ISIC_%07d", i)
	}
	return out
}

// checkSplit checks that s puts every example in one part and divides
// each class in the fractions f within tol images.
func checkSplit(t *testing.T, recs []Record, s Split, f Fractions, tol float64) {
	t.Helper()
	if _, err := s.partOfEach(len(recs)); err != nil {
		t.Fatal(err)
	}
	total := map[string]int{}
	for _, r := range recs {
		total[r.DX]++
	}
	for k, part := range [][]int{s.Train, s.Val, s.Test} {
		if !slices.IsSorted(part) {
			t.Errorf("part %d is not in ascending order", k)
		}
		share := []float64{f.Train, f.Val, f.Test}[k]
		count := map[string]int{}
		for _, i := range part {
			count[recs[i].DX]++
		}
		for dx, n := range total {
			if want := share * float64(n); math.Abs(float64(count[dx])-want) > tol {
				t.Errorf("part %d has %d of the %d images of %s, want %.1f ± %g", k, count[dx], n, dx, want, tol)
			}
		}
	}
}

func TestGroupedSplit(t *testing.T) {
	recs := syntheticRecords()
	f := Fractions{0.7, 0.15, 0.15}
	s, err := GroupedSplit(recs, f, rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	if shared := s.SharedLesions(recs); len(shared) != 0 || s.Leaky {
		t.Fatalf("lesions in two parts: %v (leaky %v)", shared, s.Leaky)
	}
	checkSplit(t, recs, s, f, 6) // a lesion has at most six images
	again, _ := GroupedSplit(recs, f, rng.New(1))
	if !slices.Equal(again.Train, s.Train) || !slices.Equal(again.Val, s.Val) || !slices.Equal(again.Test, s.Test) {
		t.Error("the same seed gave another split")
	}
	other, _ := GroupedSplit(recs, f, rng.New(2))
	if slices.Equal(other.Test, s.Test) {
		t.Error("another seed gave the same split")
	}
	// Without validation.
	s, err = GroupedSplit(recs, Fractions{Train: 0.8, Test: 0.2}, rng.New(1))
	if err != nil || len(s.Val) != 0 {
		t.Fatalf("80/0/20: %v, %d in val", err, len(s.Val))
	}
	checkSplit(t, recs, s, Fractions{0.8, 0, 0.2}, 6)
}

func TestGroupedSplitErrors(t *testing.T) {
	recs := syntheticRecords()
	for _, f := range []Fractions{{0.7, 0.2, 0.2}, {0, 0.5, 0.5}, {1.2, -0.2, 0}, {math.NaN(), 0.5, 0.5}} {
		if _, err := GroupedSplit(recs, f, rng.New(1)); err == nil || !strings.Contains(err.Error(), "split fractions") {
			t.Errorf("fractions %v: %v", f, err)
		}
		if _, err := LeakyImageSplit(recs, f, rng.New(1)); err == nil {
			t.Errorf("leaky, fractions %v: no error", f)
		}
	}
	mixed := slices.Clone(recs[:3])
	mixed[1].LesionID, mixed[1].DX = mixed[0].LesionID, "df"
	mixed[0].DX = "mel"
	if _, err := GroupedSplit(mixed, Fractions{Train: 1}, rng.New(1)); err == nil || !strings.Contains(err.Error(), "has images of two diagnoses") {
		t.Errorf("mixed lesion: %v", err)
	}
	noLesion := recordsForLabels([]int{0, 1})
	if _, err := GroupedSplit(noLesion, Fractions{Train: 1}, rng.New(1)); err == nil || !strings.Contains(err.Error(), "no lesion id") {
		t.Errorf("no lesion ids: %v", err)
	}
}

func TestLeakyImageSplit(t *testing.T) {
	recs := syntheticRecords()
	f := Fractions{0.7, 0.15, 0.15}
	s, err := LeakyImageSplit(recs, f, rng.New(1))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Leaky {
		t.Error("an image-level split is not flagged leaky")
	}
	checkSplit(t, recs, s, f, 1) // rounding only
	if shared := s.SharedLesions(recs); len(shared) < 50 {
		t.Errorf("only %d lesions shared between parts; an image-level split should share many", len(shared))
	}
}

func TestSplitCSV(t *testing.T) {
	recs := syntheticRecords()
	dir := t.TempDir()
	for _, leaky := range []bool{false, true} {
		split := GroupedSplit
		if leaky {
			split = LeakyImageSplit
		}
		s, err := split(recs, Fractions{0.7, 0.15, 0.15}, rng.New(1))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "split.csv")
		if err := WriteSplitCSV(p, recs, s); err != nil {
			t.Fatal(err)
		}
		got, err := ReadSplitCSV(p, recs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Train, s.Train) || !slices.Equal(got.Val, s.Val) || !slices.Equal(got.Test, s.Test) || got.Leaky != leaky {
			t.Errorf("leaky %v: the split read back differs (leaky %v)", leaky, got.Leaky)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "split.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if lines[0] != "image_id,lesion_id,dx,split" || !strings.HasPrefix(lines[1], recs[0].ImageID+","+recs[0].LesionID+","+recs[0].DX+",") {
		t.Errorf("file starts %q", lines[:2])
	}

	// A split that does not cover the set once is not written.
	bad := Split{Train: []int{0, 1}, Test: []int{1}}
	if err := WriteSplitCSV(filepath.Join(dir, "bad.csv"), recs[:2], bad); err == nil || !strings.Contains(err.Error(), "example 1 is in both train and test") {
		t.Errorf("overlapping split: %v", err)
	}
	if err := WriteSplitCSV(filepath.Join(dir, "bad.csv"), recs[:3], Split{Train: []int{0}, Test: []int{1}}); err == nil || !strings.Contains(err.Error(), "example 2 is in no part") {
		t.Errorf("incomplete split: %v", err)
	}
}

func TestReadSplitCSVErrors(t *testing.T) {
	recs := []Record{
		{ImageID: "ISIC_1", LesionID: "HAM_1", DX: "nv"},
		{ImageID: "ISIC_2", LesionID: "HAM_1", DX: "nv"},
		{ImageID: "ISIC_3", LesionID: "HAM_2", DX: "mel"},
	}
	head := "image_id,lesion_id,dx,split\n"
	ok := "ISIC_1,HAM_1,nv,train\nISIC_2,HAM_1,nv,train\n"
	for _, c := range []struct {
		name, file, want string
	}{
		{"empty", "", "empty file"},
		{"no split column", "image_id,lesion_id\nISIC_1,HAM_1\n", "no image_id or no split column"},
		{"unknown image", head + ok + "ISIC_9,HAM_2,mel,test\n", `line 4: image "ISIC_9" is not in the set`},
		{"image twice", head + ok + "ISIC_3,HAM_2,mel,test\nISIC_1,HAM_1,nv,test\n", "line 5: image ISIC_1 is already on line 2"},
		{"other lesion", head + ok + "ISIC_3,HAM_7,mel,test\n", `line 4: image ISIC_3 has lesion_id "HAM_7" here but "HAM_2" in the set`},
		{"other diagnosis", head + ok + "ISIC_3,HAM_2,bcc,test\n", `has dx "bcc" here but "mel"`},
		{"bad part", head + ok + "ISIC_3,HAM_2,mel,validation\n", `line 4: split "validation", want train, val or test`},
		{"short row", head + ok + "ISIC_3,HAM_2,mel\n", "line 4 has 3 fields, the header has 4"},
		{"image missing", head + ok, "1 images of the set are not in the file, such as ISIC_3"},
	} {
		p := writeFile(t, filepath.Join(t.TempDir(), "split.csv"), []byte(c.file))
		_, err := ReadSplitCSV(p, recs)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming %s and containing %q", c.name, err, p, c.want)
		}
	}
	// Only image_id and split are needed; a lesion split across parts
	// marks the split leaky.
	p := writeFile(t, filepath.Join(t.TempDir(), "split.csv"), []byte("split,image_id\ntest,ISIC_3\ntrain,ISIC_1\nval,ISIC_2\n"))
	s, err := ReadSplitCSV(p, recs)
	if err != nil || !slices.Equal(s.Train, []int{0}) || !slices.Equal(s.Val, []int{1}) || !slices.Equal(s.Test, []int{2}) || !s.Leaky {
		t.Errorf("minimal file: %+v, %v", s, err)
	}
	if got := s.SharedLesions(recs); !slices.Equal(got, []string{"HAM_1"}) {
		t.Errorf("SharedLesions = %v, want [HAM_1]", got)
	}
}

func TestLesionGroups(t *testing.T) {
	recs := []Record{{LesionID: "HAM_2"}, {LesionID: "HAM_1"}, {LesionID: "HAM_2"}, {}, {LesionID: "HAM_3"}, {LesionID: "HAM_1"}, {LesionID: "HAM_2"}}
	got := LesionGroups(recs)
	want := [][]int{{0, 2, 6}, {1, 5}, {4}} // in order of first image; record 3 has no lesion id
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("LesionGroups = %v, want %v", got, want)
	}
}
