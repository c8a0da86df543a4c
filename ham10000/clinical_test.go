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
