package ham10000

import (
	"math"
	"strings"
	"testing"
)

func TestClinicalByHand(t *testing.T) {
	rec := func(dx, age, sex, site string) Record {
		return Record{DX: dx, Age: age, Sex: sex, Localization: site}
	}
	train := []Record{
		rec("nv", "30.0", "male", "back"),
		rec("nv", "30.0", "female", "back"),
		rec("nv", "45.0", "male", "face"),
		rec("mel", "70.0", "male", "back"),
		rec("bkl", "80.0", "unknown", "scalp"), // not a class of the model: not counted, its values not seen
	}
	m, err := FitClinical(train, []string{"nv", "mel"})
	if err != nil {
		t.Fatal(err)
	}
	// Seen in training: 3 ages, 2 sexes, 2 sites; 3 nevi, 1 melanoma.
	// p(value | class) = (count + 1) / (class count + values seen + 1).
	for _, c := range []struct {
		r    Record
		want [2]float64 // nv, mel
	}{
		{rec("", "30.0", "male", "back"), [2]float64{(3.0 / 7) * (3.0 / 6) * (3.0 / 6), (1.0 / 5) * (2.0 / 4) * (2.0 / 4)}},
		{rec("", "70.0", "female", "face"), [2]float64{(1.0 / 7) * (2.0 / 6) * (2.0 / 6), (2.0 / 5) * (1.0 / 4) * (1.0 / 4)}},
		// Never seen in training, bkl's values included: the smallest share.
		{rec("", "80.0", "unknown", "scalp"), [2]float64{(1.0 / 7) * (1.0 / 6) * (1.0 / 6), (1.0 / 5) * (1.0 / 4) * (1.0 / 4)}},
		{rec("", "", "", ""), [2]float64{(1.0 / 7) * (1.0 / 6) * (1.0 / 6), (1.0 / 5) * (1.0 / 4) * (1.0 / 4)}},
	} {
		got := make([]float64, 2)
		m.LogLikelihood(got, c.r)
		for k := range got {
			if math.Abs(got[k]-math.Log(c.want[k])) > 1e-12 {
				t.Errorf("%+v: log-likelihoods %v, want %v", c.r, got, []float64{math.Log(c.want[0]), math.Log(c.want[1])})
				break
			}
		}
	}

	// Evidence is LogLikelihood row after row.
	ev := m.Evidence(train[:2])
	for i, r := range train[:2] {
		row := make([]float64, 2)
		m.LogLikelihood(row, r)
		if ev[2*i] != row[0] || ev[2*i+1] != row[1] {
			t.Errorf("Evidence row %d is %v, LogLikelihood says %v", i, ev[2*i:2*i+2], row)
		}
	}
	if len(ev) != 4 {
		t.Errorf("Evidence of 2 records for 2 classes has %d values", len(ev))
	}
}

func TestClinicalNeedsEveryClass(t *testing.T) {
	train := []Record{{DX: "nv", Age: "30.0"}, {DX: "mel", Age: "60.0"}}
	_, err := FitClinical(train, []string{"nv", "mel", "df"})
	if err == nil || !strings.Contains(err.Error(), "no training record of class df") {
		t.Errorf("no df in training: error %v", err)
	}
}

func TestAgeStep(t *testing.T) {
	for in, want := range map[string]string{"80.0": "80.0", "47": "45.0", "48": "50.0", "2.4": "0.0", "": "", "unknown": "unknown", "-3": "-3"} {
		if got := ageStep(in); got != want {
			t.Errorf("ageStep(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClinicalText(t *testing.T) {
	train := []Record{
		{DX: "nv", Age: "30.0", Sex: "male", Localization: "back"},
		{DX: "nv", Age: "45.0", Sex: "female", Localization: "face"},
		{DX: "mel", Age: "70.0", Sex: "male", Localization: "back"},
	}
	m, err := FitClinical(train, []string{"nv", "mel"})
	if err != nil {
		t.Fatal(err)
	}
	text := m.Text()
	back, err := ParseClinical(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(train, Record{Age: "47", Sex: "unknown", Localization: "ear"}) {
		a, b := make([]float64, 2), make([]float64, 2)
		m.LogLikelihood(a, r)
		back.LogLikelihood(b, r)
		if a[0] != b[0] || a[1] != b[1] {
			t.Errorf("%+v: %v before writing, %v after reading back", r, a, b)
		}
	}

	good := text
	for _, c := range []struct{ text, want string }{
		{"{", "unexpected end"},
		{`{"classes":["nv"],"total":[1,2]}`, "1 classes but 2 totals"},
		{strings.Replace(good, `"total":[2,1]`, `"total":[2,0]`, 1), "no training record of class mel"},
		{strings.Replace(good, `"back":[1,1]`, `"back":[1,2]`, 1), "add up to [2 2], not the class totals [2 1]"},
		{strings.Replace(good, `"back":[1,1]`, `"back":[1]`, 1), "has 1 counts for 2 classes"},
		{strings.Replace(good, `"face":[1,0]`, `"face":[-1,0]`, 1), "negative count"},
	} {
		if c.text == good {
			t.Fatalf("the case for %q changed nothing in %s", c.want, good)
		}
		if _, err := ParseClinical(c.text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseClinical(%s): error %v, want %q", c.text, err, c.want)
		}
	}
}
