package ham10000

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const header = "lesion_id,image_id,dx,dx_type,age,sex,localization\n"

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadMetadata(t *testing.T) {
	p := writeFile(t, filepath.Join(t.TempDir(), "HAM10000_metadata.csv"), []byte(header+
		"HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp\n"+
		"HAM_0002730,ISIC_0026769,mel,follow_up,,unknown,lower extremity\n"))
	recs, err := ReadMetadata(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{ImageID: "ISIC_0027419", LesionID: "HAM_0000118", DX: "bkl", DXType: "histo", Age: "80.0", Sex: "male", Localization: "scalp", Line: 2},
		{ImageID: "ISIC_0026769", LesionID: "HAM_0002730", DX: "mel", DXType: "follow_up", Age: "", Sex: "unknown", Localization: "lower extremity", Line: 3},
	}
	if !slices.Equal(recs, want) {
		t.Errorf("got %+v\nwant %+v", recs, want)
	}
}

func TestDecodeMetadataVariants(t *testing.T) {
	for name, file := range map[string]string{
		// Columns in another order, one more, some missing, a byte
		// order mark, Windows line ends, upper-case names.
		"reordered": "\xef\xbb\xbfDX,Image_ID,dataset,LESION_ID\r\nNV,ISIC_1,vidir,HAM_1\r\nmel,ISIC_2,rosendahl,HAM_2\r\n",
		// Dataverse's tab-separated export, with quoted strings.
		"tabs": "\"lesion_id\"\t\"image_id\"\t\"dx\"\n\"HAM_1\"\t\"ISIC_1\"\t\"nv\"\n\"HAM_2\"\t\"ISIC_2\"\t\"mel\"\n",
	} {
		recs, err := DecodeMetadata(strings.NewReader(file))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(recs) != 2 || recs[0] != (Record{ImageID: "ISIC_1", LesionID: "HAM_1", DX: "nv", Line: 2}) ||
			recs[1].ImageID != "ISIC_2" || recs[1].DX != "mel" || recs[1].Line != 3 {
			t.Errorf("%s: got %+v", name, recs)
		}
	}
}

func TestReadMetadataErrors(t *testing.T) {
	row := "HAM_1,ISIC_1,nv,histo,50.0,male,back\n"
	for _, c := range []struct {
		name, file, want string
	}{
		{"empty", "", "empty file"},
		{"header only", header, "no rows after the header"},
		{"not the metadata", "pixel0000,pixel0001,label\n1,2,3\n", "no column lesion_id"},
		{"column twice", "lesion_id,image_id,dx,dx\nHAM_1,ISIC_1,nv,nv\n", "column dx appears twice"},
		{"short row", header + row + "HAM_2,ISIC_2,nv,histo\n", "line 3 has 4 fields, the header has 7"},
		{"long row", header + row + row[:len(row)-1] + ",extra\n", "line 3 has 8 fields"},
		{"unknown diagnosis", header + row + "HAM_2,ISIC_2,melanoma,histo,50.0,male,back\n", `line 3: image ISIC_2 has diagnosis "melanoma", not one of akiec, bcc`},
		{"no image id", header + ",,nv,histo,50.0,male,back\n", `line 2: image id "" is not a file name`},
		{"image id a path", header + "HAM_1,../../etc/passwd,nv,histo,50.0,male,back\n", `image id "../../etc/passwd" is not a file name`},
		{"no lesion id", header + " ,ISIC_1,nv,histo,50.0,male,back\n", "line 2: image ISIC_1 has no lesion id"},
		{"repeated image", header + row + "HAM_9,ISIC_2,nv,histo,50.0,male,back\n" + row, "line 4: image ISIC_1 is already on line 2"},
		{"bad quoting", header + row + "HAM_2,\"ISIC_2,nv,histo,50.0,male,back\n", "line 3"},
	} {
		p := writeFile(t, filepath.Join(t.TempDir(), "meta.csv"), []byte(c.file))
		_, err := ReadMetadata(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming %s and containing %q", c.name, err, p, c.want)
		}
	}
	if _, err := ReadMetadata(filepath.Join(t.TempDir(), "absent.csv")); err == nil || !strings.Contains(err.Error(), "absent.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestClasses(t *testing.T) {
	// hmnist's label order.
	if got := Classes(); !slices.Equal(got, []string{"akiec", "bcc", "bkl", "df", "nv", "vasc", "mel"}) {
		t.Errorf("Classes() = %v", got)
	}
	// DermaMNIST's 4 mel, 5 nv, 6 vasc become 6, 4, 5.
	for derma, want := range []int{0, 1, 2, 3, 6, 4, 5} {
		if got, ok := dermaMNISTClass(derma); !ok || got != want {
			t.Errorf("DermaMNIST label %d → %d, %v; want %d", derma, got, ok, want)
		}
	}
	if _, ok := dermaMNISTClass(7); ok {
		t.Error("DermaMNIST label 7 accepted")
	}
	if Diagnosis("mel") != "melanoma" || Diagnosis("xyz") != "" {
		t.Errorf("Diagnosis: %q, %q", Diagnosis("mel"), Diagnosis("xyz"))
	}
}
