package ham10000

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hmnistFile returns an hmnist CSV of p pixel columns whose rows are
// given as (pixel values, label); pixel j of row i is pixel(i, j).
func hmnistFile(p int, labels []int, pixel func(i, j int) int) string {
	var b strings.Builder
	for j := range p {
		fmt.Fprintf(&b, "pixel%04d,", j)
	}
	b.WriteString("label\n")
	for i, l := range labels {
		for j := range p {
			fmt.Fprintf(&b, "%d,", pixel(i, j))
		}
		fmt.Fprintf(&b, "%d\n", l)
	}
	return b.String()
}

func TestLoadHMNIST(t *testing.T) {
	dir := t.TempDir()
	// 8×8 greyscale: pixel j of row i is i+j.
	p := writeFile(t, filepath.Join(dir, "hmnist_8_8_L.csv"), []byte(hmnistFile(64, []int{6, 0, 4}, func(i, j int) int { return i + j })))
	set, err := LoadHMNIST(p)
	if err != nil {
		t.Fatal(err)
	}
	d := set.Dataset
	if !slices.Equal(d.Pixels.Shape, []int{3, 1, 8, 8}) || !slices.Equal(d.Labels, []int{6, 0, 4}) || d.Name != "hmnist_8_8_L" {
		t.Fatalf("%s: shape %v labels %v", d.Name, d.Pixels.Shape, d.Labels)
	}
	if got := d.Example(2)[63]; got != float32(65)/255 {
		t.Errorf("row 2 pixel 63 = %v, want 65/255", got)
	}
	if set.Records[0].DX != "mel" || set.Records[2].DX != "nv" || set.Records[0].ImageID != "" {
		t.Errorf("records %+v", set.Records)
	}

	// 8×8 RGB: columns run r, g, b of pixel 0, then of pixel 1, ...
	// Value: 80·channel + pixel.
	p = writeFile(t, filepath.Join(dir, "hmnist_8_8_RGB.csv"), []byte(hmnistFile(192, []int{1}, func(i, j int) int { return 80*(j%3) + j/3 })))
	set, err = LoadHMNIST(p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Dataset.Pixels.Shape, []int{1, 3, 8, 8}) {
		t.Fatalf("RGB shape %v", set.Dataset.Pixels.Shape)
	}
	x := set.Dataset.Example(0)
	for ch := range 3 {
		for px := range 64 {
			if want := float32(80*ch+px) / 255; x[ch*64+px] != want {
				t.Fatalf("RGB channel %d pixel %d = %v, want %v", ch, px, x[ch*64+px]*255, want*255)
			}
		}
	}

	// 28×28 of both kinds.
	for _, c := range []struct {
		p     int
		shape []int
	}{{784, []int{2, 1, 28, 28}}, {2352, []int{2, 3, 28, 28}}} {
		p := writeFile(t, filepath.Join(dir, "h.csv"), []byte(hmnistFile(c.p, []int{3, 5}, func(i, j int) int { return 255 })))
		set, err := LoadHMNIST(p)
		if err != nil || !slices.Equal(set.Dataset.Pixels.Shape, c.shape) {
			t.Errorf("%d columns: %v, want shape %v", c.p, err, c.shape)
		}
	}
}

func TestLoadHMNISTErrors(t *testing.T) {
	good := hmnistFile(64, []int{1, 2}, func(i, j int) int { return j })
	lines := strings.Split(good, "\n")
	for _, c := range []struct {
		name, file, want string
	}{
		{"empty", "", "empty file"},
		{"header only", lines[0] + "\n", "no rows"},
		{"no label column", strings.Replace(good, ",label", ",pixel0064", 1), `the last column is "pixel0064"`},
		{"misnamed column", strings.Replace(good, "pixel0005", "pixel5", 1), `column 6 is "pixel5", want pixel0005`},
		{"odd size", hmnistFile(5, []int{1}, func(i, j int) int { return 0 }), "5 pixel columns"},
		{"short row", lines[0] + "\n" + lines[1] + "\n" + lines[2][:20] + "\n", "line 3 has"},
		{"pixel 256", strings.Replace(good, "\n0,1,2,", "\n0,1,256,", 1), `line 2: pixel0002 is "256"`},
		{"pixel not a number", strings.Replace(good, "\n0,1,2,", "\n0,1,2.5,", 1), `line 2: pixel0002 is "2.5"`},
		{"label 7", strings.Replace(good, ",63,2\n", ",63,7\n", 1), `line 3: label "7", want 0 to 6`},
		{"metadata instead", header + "HAM_1,ISIC_1,nv,histo,1,male,back\n", `the last column is "localization"`},
	} {
		p := writeFile(t, filepath.Join(t.TempDir(), "hmnist.csv"), []byte(c.file))
		_, err := LoadHMNIST(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming %s and containing %q", c.name, err, p, c.want)
		}
	}
}

func TestAttachMetadata(t *testing.T) {
	dir := t.TempDir()
	h := writeFile(t, filepath.Join(dir, "h.csv"), []byte(hmnistFile(64, []int{6, 6, 4}, func(i, j int) int { return 0 })))
	meta := writeFile(t, filepath.Join(dir, "m.csv"), []byte(header+
		"HAM_1,ISIC_1,mel,histo,60.0,male,back\n"+
		"HAM_1,ISIC_2,mel,histo,60.0,male,back\n"+
		"HAM_2,ISIC_3,nv,histo,30.0,female,face\n"))
	set, err := LoadHMNIST(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := AttachMetadata(set, meta); err != nil {
		t.Fatal(err)
	}
	if set.Records[1].ImageID != "ISIC_2" || set.Records[2].LesionID != "HAM_2" || set.Records[2].Sex != "female" {
		t.Errorf("records %+v", set.Records)
	}
	wrongDX := writeFile(t, filepath.Join(dir, "m2.csv"), []byte(header+
		"HAM_1,ISIC_1,mel,histo,60.0,male,back\n"+
		"HAM_1,ISIC_2,bcc,histo,60.0,male,back\n"+
		"HAM_2,ISIC_3,nv,histo,30.0,female,face\n"))
	if err := AttachMetadata(set, wrongDX); err == nil || !strings.Contains(err.Error(), "m2.csv line 3: image ISIC_2 is bcc, but example 1") {
		t.Errorf("wrong diagnosis: %v", err)
	}
	short := writeFile(t, filepath.Join(dir, "m3.csv"), []byte(header+"HAM_1,ISIC_1,mel,histo,60.0,male,back\n"))
	if err := AttachMetadata(set, short); err == nil || !strings.Contains(err.Error(), "has 1 rows but h has 3 examples") {
		t.Errorf("fewer rows: %v", err)
	}
}

func TestIsqrt(t *testing.T) {
	for n := range 3000 {
		s := isqrt(n)
		if s*s > n || (s+1)*(s+1) <= n || s != int(math.Floor(math.Sqrt(float64(n)))) {
			t.Fatalf("isqrt(%d) = %d", n, s)
		}
	}
}
